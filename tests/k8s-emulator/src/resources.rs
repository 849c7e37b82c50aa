//! The resource types the emulator serves: their discovery facts and a typed `Object` wrapper.
//!
//! Every object the emulator stores is a `k8s-openapi` typed value, so what it serves is
//! exactly what a real API server would serialize for that type.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// A resource type (a REST collection) the emulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// `pods` (core/v1).
    Pods,
    /// `services` (core/v1).
    Services,
    /// `namespaces` (core/v1, cluster-scoped).
    Namespaces,
    /// `nodes` (core/v1, cluster-scoped).
    Nodes,
    /// `events` (core/v1).
    Events,
    /// `deployments` (apps/v1).
    Deployments,
    /// `replicasets` (apps/v1).
    ReplicaSets,
    /// `leases` (coordination.k8s.io/v1): node heartbeats, which `kubectl describe node` shows.
    Leases,
}

/// Discovery facts of one resource type, as `/api/v1` and `/apis/apps/v1` publish them.
#[derive(Debug)]
pub(crate) struct ResourceInfo {
    pub(crate) plural: &'static str,
    pub(crate) singular: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) list_kind: &'static str,
    /// `""` for the core group.
    pub(crate) group: &'static str,
    /// `v1`, `apps/v1`, ...
    pub(crate) api_version: &'static str,
    pub(crate) namespaced: bool,
    pub(crate) short_names: &'static [&'static str],
    pub(crate) categories: &'static [&'static str],
    pub(crate) storage_version_hash: &'static str,
}

static PODS: ResourceInfo = ResourceInfo {
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    list_kind: "PodList",
    group: "",
    api_version: "v1",
    namespaced: true,
    short_names: &["po"],
    categories: &["all"],
    storage_version_hash: "xPOwRZ+Yhw8=",
};
static SERVICES: ResourceInfo = ResourceInfo {
    plural: "services",
    singular: "service",
    kind: "Service",
    list_kind: "ServiceList",
    group: "",
    api_version: "v1",
    namespaced: true,
    short_names: &["svc"],
    categories: &["all"],
    storage_version_hash: "0/CO1lhkEBI=",
};
static NAMESPACES: ResourceInfo = ResourceInfo {
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    list_kind: "NamespaceList",
    group: "",
    api_version: "v1",
    namespaced: false,
    short_names: &["ns"],
    categories: &[],
    storage_version_hash: "Q3oi5N2YM8M=",
};
static NODES: ResourceInfo = ResourceInfo {
    plural: "nodes",
    singular: "node",
    kind: "Node",
    list_kind: "NodeList",
    group: "",
    api_version: "v1",
    namespaced: false,
    short_names: &["no"],
    categories: &[],
    storage_version_hash: "XwShjMxG9Fs=",
};
static EVENTS: ResourceInfo = ResourceInfo {
    plural: "events",
    singular: "event",
    kind: "Event",
    list_kind: "EventList",
    group: "",
    api_version: "v1",
    namespaced: true,
    short_names: &["ev"],
    categories: &[],
    storage_version_hash: "r2yiGXH7wu8=",
};
static DEPLOYMENTS: ResourceInfo = ResourceInfo {
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    list_kind: "DeploymentList",
    group: "apps",
    api_version: "apps/v1",
    namespaced: true,
    short_names: &["deploy"],
    categories: &["all"],
    storage_version_hash: "8aSe+NMegvE=",
};
static REPLICASETS: ResourceInfo = ResourceInfo {
    plural: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    list_kind: "ReplicaSetList",
    group: "apps",
    api_version: "apps/v1",
    namespaced: true,
    short_names: &["rs"],
    categories: &["all"],
    storage_version_hash: "P1RzHs8/mWQ=",
};
static LEASES: ResourceInfo = ResourceInfo {
    plural: "leases",
    singular: "lease",
    kind: "Lease",
    list_kind: "LeaseList",
    group: "coordination.k8s.io",
    api_version: "coordination.k8s.io/v1",
    namespaced: true,
    short_names: &[],
    categories: &[],
    storage_version_hash: "gqkMMb/YqFM=",
};

impl ResourceKind {
    /// Every served resource type, in discovery order.
    pub const ALL: [ResourceKind; 8] = [
        ResourceKind::Pods,
        ResourceKind::Services,
        ResourceKind::Namespaces,
        ResourceKind::Nodes,
        ResourceKind::Events,
        ResourceKind::Deployments,
        ResourceKind::ReplicaSets,
        ResourceKind::Leases,
    ];

    /// The API groups besides core, in discovery order.
    pub(crate) const GROUPS: [&'static str; 2] = ["apps", "coordination.k8s.io"];

    pub(crate) fn info(self) -> &'static ResourceInfo {
        match self {
            ResourceKind::Pods => &PODS,
            ResourceKind::Services => &SERVICES,
            ResourceKind::Namespaces => &NAMESPACES,
            ResourceKind::Nodes => &NODES,
            ResourceKind::Events => &EVENTS,
            ResourceKind::Deployments => &DEPLOYMENTS,
            ResourceKind::ReplicaSets => &REPLICASETS,
            ResourceKind::Leases => &LEASES,
        }
    }

    /// The lower-case plural name used in URLs, e.g. `pods`.
    pub fn plural(self) -> &'static str {
        self.info().plural
    }

    /// Whether objects of this type live in a namespace.
    pub fn namespaced(self) -> bool {
        self.info().namespaced
    }

    /// `v1`, `apps/v1` or `coordination.k8s.io/v1`.
    pub(crate) fn api_version(self) -> &'static str {
        self.info().api_version
    }

    /// The resource served under `group` (`""` for core) with URL segment `plural`.
    pub(crate) fn from_path(group: &str, plural: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.info().group == group && k.info().plural == plural)
    }
}

/// Any object the emulator stores, as its `k8s-openapi` type.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    /// A core/v1 Pod.
    Pod(Box<Pod>),
    /// A core/v1 Service.
    Service(Box<Service>),
    /// A core/v1 Namespace.
    Namespace(Box<Namespace>),
    /// A core/v1 Node.
    Node(Box<Node>),
    /// A core/v1 Event.
    Event(Box<Event>),
    /// An apps/v1 Deployment.
    Deployment(Box<Deployment>),
    /// An apps/v1 ReplicaSet.
    ReplicaSet(Box<ReplicaSet>),
    /// A coordination.k8s.io/v1 Lease.
    Lease(Box<Lease>),
}

/// Runs `$body` with `$o` bound to the typed object inside `$obj`, whatever its variant.
macro_rules! with_object {
    ($obj:expr, $o:ident => $body:expr) => {
        match $obj {
            Object::Pod($o) => $body,
            Object::Service($o) => $body,
            Object::Namespace($o) => $body,
            Object::Node($o) => $body,
            Object::Event($o) => $body,
            Object::Deployment($o) => $body,
            Object::ReplicaSet($o) => $body,
            Object::Lease($o) => $body,
        }
    };
}

impl Object {
    /// The resource type this object belongs to.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Object::Pod(_) => ResourceKind::Pods,
            Object::Service(_) => ResourceKind::Services,
            Object::Namespace(_) => ResourceKind::Namespaces,
            Object::Node(_) => ResourceKind::Nodes,
            Object::Event(_) => ResourceKind::Events,
            Object::Deployment(_) => ResourceKind::Deployments,
            Object::ReplicaSet(_) => ResourceKind::ReplicaSets,
            Object::Lease(_) => ResourceKind::Leases,
        }
    }

    /// The object's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        with_object!(self, o => &o.metadata)
    }

    pub(crate) fn metadata_mut(&mut self) -> &mut ObjectMeta {
        with_object!(self, o => &mut o.metadata)
    }

    /// The full object as the API serves it (with `apiVersion` and `kind`).
    pub(crate) fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        with_object!(self, o => serde_json::to_vec(o))
    }
}

/// A `k8s-openapi` type the emulator can store and serve (Pod, Service, Namespace, Node,
/// Event, Deployment, ReplicaSet, Lease).
pub trait EmulatedResource: Serialize + Clone + Send + Sync + 'static {
    /// The resource type objects of this type are served under.
    const KIND: ResourceKind;
    /// Wraps the object.
    fn into_object(self) -> Object;
    /// The typed object, if `object` is of this type.
    fn from_object(object: &Object) -> Option<&Self>;
    /// Mutable access to the typed object, if `object` is of this type.
    fn from_object_mut(object: &mut Object) -> Option<&mut Self>;
}

macro_rules! emulated {
    ($ty:ident, $kind:ident) => {
        impl EmulatedResource for $ty {
            const KIND: ResourceKind = ResourceKind::$kind;
            fn into_object(self) -> Object {
                Object::$ty(Box::new(self))
            }
            fn from_object(object: &Object) -> Option<&Self> {
                match object {
                    Object::$ty(o) => Some(o),
                    _ => None,
                }
            }
            fn from_object_mut(object: &mut Object) -> Option<&mut Self> {
                match object {
                    Object::$ty(o) => Some(o),
                    _ => None,
                }
            }
        }

        impl From<$ty> for Object {
            fn from(value: $ty) -> Self {
                value.into_object()
            }
        }
    };
}

emulated!(Pod, Pods);
emulated!(Service, Services);
emulated!(Namespace, Namespaces);
emulated!(Node, Nodes);
emulated!(Event, Events);
emulated!(Deployment, Deployments);
emulated!(ReplicaSet, ReplicaSets);
emulated!(Lease, Leases);
