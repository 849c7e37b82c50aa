//! The objects and logs an emulator starts with: a curated "awkward" cluster
//! ([`Fixtures::standard`]), bulk generated pods, and builder methods for test-specific data.
//!
//! Times are relative to the moment the fixtures are built (`now`, whole seconds), and the
//! curated ages are chosen where kubectl's age format is stable for at least a minute
//! (`3d`, `10h`, `40d`, `25m`, ...), so printed AGE columns are predictable in tests.

mod build;
mod chatty;
mod cluster;
mod config;
mod containers;
mod controllers;
mod custom;
mod events;
mod ingresses;
mod log_lines;
mod pods;
mod services;
mod stuck_pods;
mod system_pods;
mod workloads;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::jiff::Timestamp;

use crate::logs::{ContainerLogs, LogLine};
use crate::resources::{EmulatedResource, Object};
use crate::store::LogKey;
use crate::widget::Widget;

pub use chatty::CHATTY_CONTAINER;
pub(crate) use chatty::chatter;

/// Names of notable objects in [`Fixtures::standard`], for tests to refer to.
pub mod names {
    /// Namespace `default`: most workloads.
    pub const DEFAULT: &str = "default";
    /// Namespace `kube-node-lease`: the nodes' heartbeat Leases.
    pub const KUBE_NODE_LEASE: &str = "kube-node-lease";
    /// Namespace `kube-system`: coredns, etcd, apiserver, kube-proxy.
    pub const KUBE_SYSTEM: &str = "kube-system";
    /// Namespace `monitoring`.
    pub const MONITORING: &str = "monitoring";
    /// The nginx Deployment's pods (app=nginx, tier=frontend), all Running 1/1.
    pub const NGINX_PODS: [&str; 3] = [
        "nginx-7c5ddbdf54-2xkqm",
        "nginx-7c5ddbdf54-9zr4t",
        "nginx-7c5ddbdf54-x8f9p",
    ];
    /// The nginx pod with 2 restarts, events and a log with unicode.
    pub const NGINX_POD: &str = "nginx-7c5ddbdf54-x8f9p";
    /// The healthy api pod (app=api, tier=backend).
    pub const API_POD: &str = "api-5f8d9c7b6d-k2j4h";
    /// CrashLoopBackOff, 7 restarts, last state Terminated (Error, exit code 1), previous log.
    pub const CRASHLOOP_POD: &str = "api-5f8d9c7b6d-q7w2n";
    /// Containers `app` and `sidecar`; annotation `kubectl.kubernetes.io/default-container: app`.
    pub const MULTI_POD: &str = "multi";
    /// Init:0/1 (its init container is still running).
    pub const INIT_PENDING_POD: &str = "init-pending";
    /// Init:CrashLoopBackOff.
    pub const INIT_CRASHLOOP_POD: &str = "init-crashloop";
    /// A finished Job pod: Succeeded, STATUS Completed.
    pub const COMPLETED_POD: &str = "report-29384710-zx9kq";
    /// Running, but with a deletionTimestamp: STATUS Terminating.
    pub const TERMINATING_POD: &str = "worker-6d4b8f7c9-tx2lm";
    /// Pending with its container waiting in ContainerCreating.
    pub const CONTAINER_CREATING_POD: &str = "cache-0";
    /// ImagePullBackOff.
    pub const IMAGE_PULL_BACKOFF_POD: &str = "frontend-7f9c6b8d5-jkl3m";
    /// ErrImagePull (namespace monitoring).
    pub const ERR_IMAGE_PULL_POD: &str = "grafana-5b8c7d6f9-p4q8r";
    /// Pending and unschedulable (namespace monitoring).
    pub const UNSCHEDULABLE_POD: &str = "gpu-trainer";
    /// A pod with a very long name and unicode annotations (namespace monitoring).
    pub const LONG_NAME_POD: &str =
        "a-very-long-pod-name-for-testing-column-widths-in-terminal-tables-0123456789";
    /// The Ready control-plane node.
    pub const CONTROL_PLANE_NODE: &str = "control-plane-1";
    /// The NotReady worker node.
    pub const WORKER_NODE: &str = "worker-1";
    /// The chatty pod that [`super::Fixtures::with_chatty_pod`] adds (namespace default),
    /// whose log `k8s-emulator --chatty-rate N` fills with N lines a second.
    pub const CHATTY_POD: &str = "chatty";
    /// Namespaces that [`super::Fixtures::with_generated_pods`] spreads its pods over.
    pub const GENERATED_NAMESPACES: [&str; 4] = ["load-0", "load-1", "load-2", "load-3"];
    /// The namespace of the second cluster's pods ([`Fixtures::second_cluster`](super::Fixtures::second_cluster)).
    pub const SECOND_CLUSTER_NAMESPACE: &str = "edge";
    /// The second cluster's pods.
    pub const SECOND_CLUSTER_PODS: [&str; 3] = ["edge-00000", "edge-00001", "edge-00002"];
}

/// The starting content of an emulated cluster. Fields are public so tests can tweak the
/// standard set before starting an emulator.
#[derive(Clone, Debug)]
pub struct Fixtures {
    /// The "now" every fixture time is relative to.
    pub now: Timestamp,
    /// core/v1 Namespaces.
    pub namespaces: Vec<Namespace>,
    /// core/v1 Pods.
    pub pods: Vec<Pod>,
    /// apps/v1 Deployments.
    pub deployments: Vec<Deployment>,
    /// apps/v1 ReplicaSets.
    pub replica_sets: Vec<ReplicaSet>,
    /// core/v1 Services.
    pub services: Vec<Service>,
    /// core/v1 Nodes.
    pub nodes: Vec<Node>,
    /// core/v1 Events.
    pub events: Vec<Event>,
    /// coordination.k8s.io/v1 Leases (node heartbeats in `kube-node-lease`, leader
    /// elections in `kube-system`).
    pub leases: Vec<Lease>,
    /// core/v1 ConfigMaps.
    pub config_maps: Vec<ConfigMap>,
    /// core/v1 Secrets.
    pub secrets: Vec<Secret>,
    /// core/v1 PersistentVolumeClaims.
    pub persistent_volume_claims: Vec<PersistentVolumeClaim>,
    /// apps/v1 StatefulSets.
    pub stateful_sets: Vec<StatefulSet>,
    /// apps/v1 DaemonSets.
    pub daemon_sets: Vec<DaemonSet>,
    /// batch/v1 Jobs.
    pub jobs: Vec<Job>,
    /// batch/v1 CronJobs.
    pub cron_jobs: Vec<CronJob>,
    /// networking.k8s.io/v1 Ingresses.
    pub ingresses: Vec<Ingress>,
    /// apiextensions.k8s.io/v1 CustomResourceDefinitions (`widgets.example.com`).
    pub custom_resource_definitions: Vec<CustomResourceDefinition>,
    /// example.com/v1 Widgets, the custom resource.
    pub widgets: Vec<Widget>,
    /// Container logs by (namespace, pod, container).
    pub logs: BTreeMap<(String, String, String), ContainerLogs>,
}

impl Default for Fixtures {
    fn default() -> Self {
        Self::empty()
    }
}

impl Fixtures {
    /// No objects at all.
    pub fn empty() -> Self {
        Fixtures {
            now: now_seconds(),
            namespaces: Vec::new(),
            pods: Vec::new(),
            deployments: Vec::new(),
            replica_sets: Vec::new(),
            services: Vec::new(),
            nodes: Vec::new(),
            events: Vec::new(),
            leases: Vec::new(),
            config_maps: Vec::new(),
            secrets: Vec::new(),
            persistent_volume_claims: Vec::new(),
            stateful_sets: Vec::new(),
            daemon_sets: Vec::new(),
            jobs: Vec::new(),
            cron_jobs: Vec::new(),
            ingresses: Vec::new(),
            custom_resource_definitions: Vec::new(),
            widgets: Vec::new(),
            logs: BTreeMap::new(),
        }
    }

    /// The curated cluster: namespaces default, kube-node-lease, kube-public, kube-system and
    /// monitoring; two nodes (one NotReady) with their leases; pods in every awkward state
    /// (see [`names`]); deployments nginx 3/3 and api 1/2 with their ReplicaSets; the
    /// StatefulSets, DaemonSet, Jobs and CronJobs that own the other pods; ClusterIP,
    /// NodePort, headless and pending LoadBalancer services; ingresses; ConfigMaps, Secrets
    /// and PersistentVolumeClaims (bound, pending, terminating); the CRD
    /// `widgets.example.com` with its Widgets; events; and logs for every started container.
    pub fn standard() -> Self {
        let mut fixtures = Self::empty();
        let now = fixtures.now;
        fixtures.namespaces = cluster::namespaces(now);
        fixtures.nodes = cluster::nodes(now);
        fixtures.leases = cluster::leases(now);
        fixtures.config_maps = config::config_maps(now);
        fixtures.secrets = config::secrets(now);
        fixtures.persistent_volume_claims = config::persistent_volume_claims(now);
        fixtures.stateful_sets = controllers::stateful_sets(now);
        fixtures.daemon_sets = controllers::daemon_sets(now);
        fixtures.jobs = controllers::jobs(now);
        fixtures.cron_jobs = controllers::cron_jobs(now);
        fixtures.ingresses = ingresses::ingresses(now);
        fixtures.custom_resource_definitions = custom::custom_resource_definitions(now);
        fixtures.widgets = custom::widgets(now);
        fixtures.pods = pods::pods(now);
        let (deployments, replica_sets) = workloads::workloads(now);
        fixtures.deployments = deployments;
        fixtures.replica_sets = replica_sets;
        fixtures.services = services::services(now);
        fixtures.events = events::events(now);
        fixtures.logs = log_lines::logs(now, &fixtures.pods);
        fixtures
    }

    /// A second, smaller cluster for multi-context tests and demos: the
    /// namespaces `default` and `edge`, and three Running pods `edge-00000`
    /// to `edge-00002` in `edge` (labelled `app=load`, like generated pods),
    /// so its rows never look like the standard cluster's.
    pub fn second_cluster() -> Self {
        let mut fixtures = Self::empty();
        let created = fixtures.now - Duration::from_secs(2 * 3600);
        for ns in ["default", names::SECOND_CLUSTER_NAMESPACE] {
            fixtures
                .namespaces
                .push(cluster::namespace(ns, created, &[]));
        }
        for (i, name) in names::SECOND_CLUSTER_PODS.iter().enumerate() {
            fixtures.pods.push(build::generated_pod(
                names::SECOND_CLUSTER_NAMESPACE,
                name,
                i,
                created,
            ));
        }
        fixtures
    }

    /// Adds `n` simple Running pods (`load-00000`, ...) spread round-robin over the
    /// namespaces `load-0` to `load-3` (created too), labelled `app=load`.
    pub fn with_generated_pods(mut self, n: usize) -> Self {
        if n == 0 {
            return self;
        }
        let created = self.now - Duration::from_secs(3600);
        for ns in names::GENERATED_NAMESPACES {
            if !self
                .namespaces
                .iter()
                .any(|x| x.metadata.name.as_deref() == Some(ns))
            {
                self.namespaces.push(cluster::namespace(ns, created, &[]));
            }
        }
        let width = n.to_string().len().max(5);
        self.pods.reserve(n);
        for i in 0..n {
            let ns = names::GENERATED_NAMESPACES[i % names::GENERATED_NAMESPACES.len()];
            self.pods.push(build::generated_pod(
                ns,
                &format!("load-{i:0width$}"),
                i,
                created,
            ));
        }
        self
    }

    /// Adds any supported object (see [`EmulatedResource`]).
    pub fn with<K: EmulatedResource>(mut self, object: K) -> Self {
        match object.into_object() {
            Object::Pod(o) => self.pods.push(*o),
            Object::Service(o) => self.services.push(*o),
            Object::Namespace(o) => self.namespaces.push(*o),
            Object::Node(o) => self.nodes.push(*o),
            Object::Event(o) => self.events.push(*o),
            Object::Deployment(o) => self.deployments.push(*o),
            Object::Lease(o) => self.leases.push(*o),
            Object::ReplicaSet(o) => self.replica_sets.push(*o),
            Object::ConfigMap(o) => self.config_maps.push(*o),
            Object::Secret(o) => self.secrets.push(*o),
            Object::PersistentVolumeClaim(o) => self.persistent_volume_claims.push(*o),
            Object::StatefulSet(o) => self.stateful_sets.push(*o),
            Object::DaemonSet(o) => self.daemon_sets.push(*o),
            Object::Job(o) => self.jobs.push(*o),
            Object::CronJob(o) => self.cron_jobs.push(*o),
            Object::Ingress(o) => self.ingresses.push(*o),
            Object::CustomResourceDefinition(o) => self.custom_resource_definitions.push(*o),
            Object::Widget(o) => self.widgets.push(*o),
        }
        self
    }

    /// Sets a container's current log; the lines are timestamped one second apart, the last
    /// one second before `now`.
    pub fn with_logs(
        mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        lines: &[&str],
    ) -> Self {
        let timed = spaced_lines(self.now, lines);
        self.logs
            .entry(log_key(namespace, pod, container))
            .or_default()
            .current = timed;
        self
    }

    /// Sets the log of a container's previous instance (served with `previous=true`).
    pub fn with_previous_logs(
        mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        lines: &[&str],
    ) -> Self {
        let timed = spaced_lines(self.now - Duration::from_secs(3600), lines);
        self.logs
            .entry(log_key(namespace, pod, container))
            .or_default()
            .previous = Some(timed);
        self
    }

    /// Every object, in the order they are stored, and the logs.
    pub(crate) fn into_parts(self) -> (Vec<Object>, HashMap<LogKey, ContainerLogs>) {
        let mut objects: Vec<Object> = Vec::new();
        objects.extend(self.namespaces.into_iter().map(Object::from));
        objects.extend(self.nodes.into_iter().map(Object::from));
        objects.extend(self.deployments.into_iter().map(Object::from));
        objects.extend(self.replica_sets.into_iter().map(Object::from));
        objects.extend(self.pods.into_iter().map(Object::from));
        objects.extend(self.services.into_iter().map(Object::from));
        objects.extend(self.events.into_iter().map(Object::from));
        objects.extend(self.leases.into_iter().map(Object::from));
        objects.extend(self.config_maps.into_iter().map(Object::from));
        objects.extend(self.secrets.into_iter().map(Object::from));
        objects.extend(self.persistent_volume_claims.into_iter().map(Object::from));
        objects.extend(self.stateful_sets.into_iter().map(Object::from));
        objects.extend(self.daemon_sets.into_iter().map(Object::from));
        objects.extend(self.jobs.into_iter().map(Object::from));
        objects.extend(self.cron_jobs.into_iter().map(Object::from));
        objects.extend(self.ingresses.into_iter().map(Object::from));
        objects.extend(
            self.custom_resource_definitions
                .into_iter()
                .map(Object::from),
        );
        objects.extend(self.widgets.into_iter().map(Object::from));
        (objects, self.logs.into_iter().collect())
    }
}

fn log_key(namespace: &str, pod: &str, container: &str) -> LogKey {
    (namespace.to_owned(), pod.to_owned(), container.to_owned())
}

fn spaced_lines(end: Timestamp, lines: &[&str]) -> Vec<LogLine> {
    let count = lines.len() as u64;
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| LogLine::new(end - Duration::from_secs(count - i as u64), *line))
        .collect()
}

/// Now, truncated to whole seconds (the precision of `metav1.Time`).
fn now_seconds() -> Timestamp {
    let now = crate::now();
    Timestamp::from_second(now.as_second()).unwrap_or(now)
}

/// A stable hash (FNV-1a), so generated uids and name suffixes are the same on every run.
pub(crate) fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A deterministic UUID-shaped uid for an object.
pub(crate) fn uid(plural: &str, namespace: &str, name: &str) -> String {
    let a = hash(&[plural, namespace, name]);
    let b = hash(&[name, namespace, plural]);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// A five-character name suffix like the API server's `generateName` ones.
pub(crate) fn suffix(seed: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h = hash(&[&seed.to_string()]);
    (0..5)
        .map(|_| {
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize] as char;
            h /= ALPHABET.len() as u64;
            c
        })
        .collect()
}
