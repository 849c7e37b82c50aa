//! The resource types the emulator serves: their discovery facts and a typed `Object` wrapper.
//!
//! Every object the emulator stores is a `k8s-openapi` typed value (or, for the one custom
//! resource, a [`Widget`]), so what it serves is exactly what a real API server would
//! serialize for that type.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::widget::Widget;

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
    /// `configmaps` (core/v1).
    ConfigMaps,
    /// `secrets` (core/v1).
    Secrets,
    /// `persistentvolumeclaims` (core/v1).
    PersistentVolumeClaims,
    /// `deployments` (apps/v1).
    Deployments,
    /// `replicasets` (apps/v1).
    ReplicaSets,
    /// `statefulsets` (apps/v1).
    StatefulSets,
    /// `daemonsets` (apps/v1).
    DaemonSets,
    /// `jobs` (batch/v1).
    Jobs,
    /// `cronjobs` (batch/v1).
    CronJobs,
    /// `ingresses` (networking.k8s.io/v1).
    Ingresses,
    /// `leases` (coordination.k8s.io/v1): node heartbeats, which `kubectl describe node` shows,
    /// and the control plane's leader elections.
    Leases,
    /// `customresourcedefinitions` (apiextensions.k8s.io/v1, cluster-scoped).
    CustomResourceDefinitions,
    /// `widgets` (example.com/v1): the custom resource `widgets.example.com` defines.
    Widgets,
}

/// Discovery facts of one resource type, as `/api/v1` and `/apis/GROUP/v1` publish them.
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
    /// Whether the type has a `status` subresource.
    pub(crate) status: bool,
    pub(crate) storage_version_hash: &'static str,
}

/// The facts of one type; `group` `""` is core (api version `v1`).
macro_rules! info {
    ($plural:literal, $singular:literal, $kind:literal, $group:literal, $namespaced:literal,
     short: [$($short:literal),*], categories: [$($cat:literal),*], status: $status:literal,
     hash: $hash:literal) => {
        ResourceInfo {
            plural: $plural,
            singular: $singular,
            kind: $kind,
            list_kind: concat!($kind, "List"),
            group: $group,
            api_version: if $group.is_empty() { "v1" } else { concat!($group, "/v1") },
            namespaced: $namespaced,
            short_names: &[$($short),*],
            categories: &[$($cat),*],
            status: $status,
            storage_version_hash: $hash,
        }
    };
}

static PODS: ResourceInfo = info!("pods", "pod", "Pod", "", true,
    short: ["po"], categories: ["all"], status: true, hash: "xPOwRZ+Yhw8=");
static SERVICES: ResourceInfo = info!("services", "service", "Service", "", true,
    short: ["svc"], categories: ["all"], status: true, hash: "0/CO1lhkEBI=");
static NAMESPACES: ResourceInfo = info!("namespaces", "namespace", "Namespace", "", false,
    short: ["ns"], categories: [], status: true, hash: "Q3oi5N2YM8M=");
static NODES: ResourceInfo = info!("nodes", "node", "Node", "", false,
    short: ["no"], categories: [], status: true, hash: "XwShjMxG9Fs=");
static EVENTS: ResourceInfo = info!("events", "event", "Event", "", true,
    short: ["ev"], categories: [], status: false, hash: "r2yiGXH7wu8=");
static CONFIG_MAPS: ResourceInfo = info!("configmaps", "configmap", "ConfigMap", "", true,
    short: ["cm"], categories: [], status: false, hash: "qFsyl6wFWjQ=");
static SECRETS: ResourceInfo = info!("secrets", "secret", "Secret", "", true,
    short: [], categories: [], status: false, hash: "S6u1pOWzb84=");
static PVCS: ResourceInfo = info!("persistentvolumeclaims", "persistentvolumeclaim",
    "PersistentVolumeClaim", "", true,
    short: ["pvc"], categories: [], status: true, hash: "QWTyNDq0dC4=");
static DEPLOYMENTS: ResourceInfo = info!("deployments", "deployment", "Deployment", "apps", true,
    short: ["deploy"], categories: ["all"], status: true, hash: "8aSe+NMegvE=");
static REPLICASETS: ResourceInfo = info!("replicasets", "replicaset", "ReplicaSet", "apps", true,
    short: ["rs"], categories: ["all"], status: true, hash: "P1RzHs8/mWQ=");
static STATEFULSETS: ResourceInfo = info!("statefulsets", "statefulset", "StatefulSet", "apps",
    true, short: ["sts"], categories: ["all"], status: true, hash: "H+vl74LkKdo=");
static DAEMONSETS: ResourceInfo = info!("daemonsets", "daemonset", "DaemonSet", "apps", true,
    short: ["ds"], categories: ["all"], status: true, hash: "dd7pWHUlMKQ=");
static JOBS: ResourceInfo = info!("jobs", "job", "Job", "batch", true,
    short: [], categories: ["all"], status: true, hash: "mudhfqk/qZY=");
static CRONJOBS: ResourceInfo = info!("cronjobs", "cronjob", "CronJob", "batch", true,
    short: ["cj"], categories: ["all"], status: true, hash: "sd5LIXh4Fjs=");
static INGRESSES: ResourceInfo = info!("ingresses", "ingress", "Ingress", "networking.k8s.io",
    true, short: ["ing"], categories: [], status: true, hash: "39NQlfNR+bo=");
static LEASES: ResourceInfo = info!("leases", "lease", "Lease", "coordination.k8s.io", true,
    short: [], categories: [], status: false, hash: "gqkMMb/YqFM=");
static CRDS: ResourceInfo = info!("customresourcedefinitions", "customresourcedefinition",
    "CustomResourceDefinition", "apiextensions.k8s.io", false,
    short: ["crd", "crds"], categories: ["api-extensions"], status: true, hash: "jfWCUB31mvA=");
static WIDGETS: ResourceInfo = info!("widgets", "widget", "Widget", "example.com", true,
    short: ["wdg"], categories: [], status: true, hash: "Zr1ZxBM0tv0=");

impl ResourceKind {
    /// Every served resource type, in discovery order.
    pub const ALL: [ResourceKind; 18] = [
        ResourceKind::Pods,
        ResourceKind::Services,
        ResourceKind::Namespaces,
        ResourceKind::Nodes,
        ResourceKind::Events,
        ResourceKind::ConfigMaps,
        ResourceKind::Secrets,
        ResourceKind::PersistentVolumeClaims,
        ResourceKind::Deployments,
        ResourceKind::ReplicaSets,
        ResourceKind::StatefulSets,
        ResourceKind::DaemonSets,
        ResourceKind::Jobs,
        ResourceKind::CronJobs,
        ResourceKind::Ingresses,
        ResourceKind::Leases,
        ResourceKind::CustomResourceDefinitions,
        ResourceKind::Widgets,
    ];

    /// The API groups besides core, in discovery order (custom resources' groups last, as a
    /// real server lists them).
    pub(crate) const GROUPS: [&'static str; 6] = [
        "apps",
        "batch",
        "networking.k8s.io",
        "coordination.k8s.io",
        "apiextensions.k8s.io",
        "example.com",
    ];

    pub(crate) fn info(self) -> &'static ResourceInfo {
        match self {
            ResourceKind::Pods => &PODS,
            ResourceKind::Services => &SERVICES,
            ResourceKind::Namespaces => &NAMESPACES,
            ResourceKind::Nodes => &NODES,
            ResourceKind::Events => &EVENTS,
            ResourceKind::ConfigMaps => &CONFIG_MAPS,
            ResourceKind::Secrets => &SECRETS,
            ResourceKind::PersistentVolumeClaims => &PVCS,
            ResourceKind::Deployments => &DEPLOYMENTS,
            ResourceKind::ReplicaSets => &REPLICASETS,
            ResourceKind::StatefulSets => &STATEFULSETS,
            ResourceKind::DaemonSets => &DAEMONSETS,
            ResourceKind::Jobs => &JOBS,
            ResourceKind::CronJobs => &CRONJOBS,
            ResourceKind::Ingresses => &INGRESSES,
            ResourceKind::Leases => &LEASES,
            ResourceKind::CustomResourceDefinitions => &CRDS,
            ResourceKind::Widgets => &WIDGETS,
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
    /// A core/v1 ConfigMap.
    ConfigMap(Box<ConfigMap>),
    /// A core/v1 Secret.
    Secret(Box<Secret>),
    /// A core/v1 PersistentVolumeClaim.
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    /// An apps/v1 Deployment.
    Deployment(Box<Deployment>),
    /// An apps/v1 ReplicaSet.
    ReplicaSet(Box<ReplicaSet>),
    /// An apps/v1 StatefulSet.
    StatefulSet(Box<StatefulSet>),
    /// An apps/v1 DaemonSet.
    DaemonSet(Box<DaemonSet>),
    /// A batch/v1 Job.
    Job(Box<Job>),
    /// A batch/v1 CronJob.
    CronJob(Box<CronJob>),
    /// A networking.k8s.io/v1 Ingress.
    Ingress(Box<Ingress>),
    /// A coordination.k8s.io/v1 Lease.
    Lease(Box<Lease>),
    /// An apiextensions.k8s.io/v1 CustomResourceDefinition.
    CustomResourceDefinition(Box<CustomResourceDefinition>),
    /// An example.com/v1 Widget (the custom resource).
    Widget(Box<Widget>),
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
            Object::ConfigMap($o) => $body,
            Object::Secret($o) => $body,
            Object::PersistentVolumeClaim($o) => $body,
            Object::Deployment($o) => $body,
            Object::ReplicaSet($o) => $body,
            Object::StatefulSet($o) => $body,
            Object::DaemonSet($o) => $body,
            Object::Job($o) => $body,
            Object::CronJob($o) => $body,
            Object::Ingress($o) => $body,
            Object::Lease($o) => $body,
            Object::CustomResourceDefinition($o) => $body,
            Object::Widget($o) => $body,
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
            Object::ConfigMap(_) => ResourceKind::ConfigMaps,
            Object::Secret(_) => ResourceKind::Secrets,
            Object::PersistentVolumeClaim(_) => ResourceKind::PersistentVolumeClaims,
            Object::Deployment(_) => ResourceKind::Deployments,
            Object::ReplicaSet(_) => ResourceKind::ReplicaSets,
            Object::StatefulSet(_) => ResourceKind::StatefulSets,
            Object::DaemonSet(_) => ResourceKind::DaemonSets,
            Object::Job(_) => ResourceKind::Jobs,
            Object::CronJob(_) => ResourceKind::CronJobs,
            Object::Ingress(_) => ResourceKind::Ingresses,
            Object::Lease(_) => ResourceKind::Leases,
            Object::CustomResourceDefinition(_) => ResourceKind::CustomResourceDefinitions,
            Object::Widget(_) => ResourceKind::Widgets,
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

/// A type the emulator can store and serve: every `k8s-openapi` type of [`ResourceKind`]
/// (Pod, Service, Namespace, Node, Event, ConfigMap, Secret, PersistentVolumeClaim,
/// Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, Ingress, Lease,
/// CustomResourceDefinition) and [`Widget`].
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
emulated!(ConfigMap, ConfigMaps);
emulated!(Secret, Secrets);
emulated!(PersistentVolumeClaim, PersistentVolumeClaims);
emulated!(Deployment, Deployments);
emulated!(ReplicaSet, ReplicaSets);
emulated!(StatefulSet, StatefulSets);
emulated!(DaemonSet, DaemonSets);
emulated!(Job, Jobs);
emulated!(CronJob, CronJobs);
emulated!(Ingress, Ingresses);
emulated!(Lease, Leases);
emulated!(CustomResourceDefinition, CustomResourceDefinitions);
emulated!(Widget, Widgets);
