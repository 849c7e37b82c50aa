//! The TUI's model: what the watchers know about the cluster, kept small
//! (one row per pod, already computed) so that drawing never touches API
//! objects.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use vcli_plugin_api::Redraw;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};

use crate::printers::pod_summary;

/// Whether the watchers reach the API server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// Not started yet, or the first list is in flight.
    Connecting,
    /// The watchers are streaming.
    Connected,
    /// The last attempt failed; watchers retry with backoff.
    Error(String),
}

/// A pod as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRow {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `1/2`.
    pub ready: String,
    /// kubectl's STATUS.
    pub status: String,
    /// Restart count.
    pub restarts: i64,
    /// End of the last restart.
    pub last_restart: Option<Timestamp>,
    /// Creation time.
    pub created: Option<Timestamp>,
    /// Node name, or empty.
    pub node: String,
    /// Lowercased `namespace/name status node`, so filtering allocates nothing per frame.
    search: String,
}

impl PodRow {
    /// A row from its parts.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        namespace: &str,
        name: &str,
        ready: &str,
        status: &str,
        restarts: i64,
        last_restart: Option<Timestamp>,
        created: Option<Timestamp>,
        node: &str,
    ) -> Self {
        let search = format!("{namespace}/{name} {status} {node}").to_lowercase();
        PodRow {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            ready: ready.to_owned(),
            status: status.to_owned(),
            restarts,
            last_restart,
            created,
            node: node.to_owned(),
            search,
        }
    }

    /// The row for `pod`, computed as kubectl would.
    pub fn from_pod(pod: &Pod) -> Self {
        let s = pod_summary(pod);
        PodRow::new(
            pod.metadata.namespace.as_deref().unwrap_or_default(),
            pod.metadata.name.as_deref().unwrap_or_default(),
            &s.ready,
            &s.status,
            s.restarts,
            s.last_restart,
            pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .unwrap_or_default(),
        )
    }

    /// Whether the row matches an already lowercased filter.
    pub fn matches(&self, filter_lower: &str) -> bool {
        filter_lower.is_empty() || self.search.contains(filter_lower)
    }
}

/// How a deployment is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeploymentState {
    /// Every desired replica is available.
    Available,
    /// Some, not all, replicas are available (rolling out, scaling).
    Progressing,
    /// Replicas are wanted and none is available.
    Unavailable,
}

impl DeploymentState {
    /// The state of `d`.
    pub fn of(d: &Deployment) -> Self {
        let desired = d.spec.replicas.unwrap_or(1);
        let available = d
            .status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0);
        if available >= desired {
            DeploymentState::Available
        } else if available > 0 {
            DeploymentState::Progressing
        } else {
            DeploymentState::Unavailable
        }
    }
}

type Key = (String, String);

fn key(namespace: &str, name: &str) -> Key {
    (namespace.to_owned(), name.to_owned())
}

/// Everything the view draws.
#[derive(Debug, Clone)]
pub struct KubeModel {
    /// The kubeconfig context.
    pub context: String,
    /// The watched namespace; `None` for all namespaces.
    pub namespace: Option<String>,
    /// `v1.37.0`, once known.
    pub server_version: Option<String>,
    /// Whether the watchers reach the server.
    pub connection: ConnectionStatus,
    /// The time ages are computed against (set before each frame).
    pub now: Timestamp,
    pods: BTreeMap<Key, PodRow>,
    pod_status: BTreeMap<String, usize>,
    deployments: BTreeMap<Key, DeploymentState>,
    services: BTreeMap<Key, String>,
}

impl KubeModel {
    /// An empty model.
    pub fn new(context: &str, namespace: Option<&str>) -> Self {
        KubeModel {
            context: context.to_owned(),
            namespace: namespace.map(str::to_owned),
            server_version: None,
            connection: ConnectionStatus::Connecting,
            now: Timestamp::UNIX_EPOCH,
            pods: BTreeMap::new(),
            pod_status: BTreeMap::new(),
            deployments: BTreeMap::new(),
            services: BTreeMap::new(),
        }
    }

    /// Adds or replaces a pod, keeping the per-status counts current.
    pub fn upsert_pod(&mut self, row: PodRow) {
        *self.pod_status.entry(row.status.clone()).or_default() += 1;
        if let Some(old) = self.pods.insert(key(&row.namespace, &row.name), row) {
            self.uncount(&old.status);
        }
    }

    /// Removes a pod.
    pub fn remove_pod(&mut self, namespace: &str, name: &str) {
        if let Some(old) = self.pods.remove(&key(namespace, name)) {
            self.uncount(&old.status);
        }
    }

    fn uncount(&mut self, status: &str) {
        if let Some(n) = self.pod_status.get_mut(status) {
            *n -= 1;
            if *n == 0 {
                self.pod_status.remove(status);
            }
        }
    }

    /// Replaces every pod (after a watcher's full re-list).
    pub fn replace_pods(&mut self, rows: Vec<PodRow>) {
        self.pods.clear();
        self.pod_status.clear();
        for row in rows {
            self.upsert_pod(row);
        }
    }

    /// Adds, replaces or (with `None`) removes a deployment.
    pub fn set_deployment(&mut self, namespace: &str, name: &str, state: Option<DeploymentState>) {
        match state {
            Some(s) => self.deployments.insert(key(namespace, name), s),
            None => self.deployments.remove(&key(namespace, name)),
        };
    }

    /// Replaces every deployment.
    pub fn replace_deployments(&mut self, all: &[Deployment]) {
        self.deployments = all
            .iter()
            .map(|d| (meta_key(&d.metadata), DeploymentState::of(d)))
            .collect();
    }

    /// Adds, replaces or (with `None`) removes a service and its type.
    pub fn set_service(&mut self, namespace: &str, name: &str, kind: Option<String>) {
        match kind {
            Some(k) => self.services.insert(key(namespace, name), k),
            None => self.services.remove(&key(namespace, name)),
        };
    }

    /// Replaces every service.
    pub fn replace_services(&mut self, all: &[Service]) {
        self.services = all
            .iter()
            .map(|s| (meta_key(&s.metadata), service_type(s)))
            .collect();
    }

    /// Pods in table order (namespace, then name).
    pub fn pods(&self) -> impl DoubleEndedIterator<Item = &PodRow> + ExactSizeIterator {
        self.pods.values()
    }

    /// How many pods there are.
    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    /// Pods per STATUS value.
    pub fn pod_status_counts(&self) -> &BTreeMap<String, usize> {
        &self.pod_status
    }

    /// Deployments per state, in state order, zero counts included.
    pub fn deployment_counts(&self) -> [(DeploymentState, usize); 3] {
        let count = |s| self.deployments.values().filter(|d| **d == s).count();
        [
            (
                DeploymentState::Available,
                count(DeploymentState::Available),
            ),
            (
                DeploymentState::Progressing,
                count(DeploymentState::Progressing),
            ),
            (
                DeploymentState::Unavailable,
                count(DeploymentState::Unavailable),
            ),
        ]
    }

    /// How many deployments there are.
    pub fn deployment_count(&self) -> usize {
        self.deployments.len()
    }

    /// Services per type.
    pub fn service_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for t in self.services.values() {
            *counts.entry(t.as_str()).or_default() += 1;
        }
        counts
    }

    /// How many services there are.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }
}

fn meta_key(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Key {
    key(
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default(),
    )
}

/// A service's type (`ClusterIP` when unset, as the API defaults it).
pub(crate) fn service_type(s: &Service) -> String {
    s.spec
        .as_ref()
        .and_then(|s| s.type_.clone())
        .unwrap_or_else(|| "ClusterIP".to_owned())
}

/// The model shared between the watchers (writers) and the view (reader).
/// Critical sections are short (one event, one frame), so a plain mutex
/// is enough and never held across an await.
/// Writers go through [`SharedModel::update`], which asks the host for a
/// frame when they are done, so the TUI draws on change, never on a timer.
#[derive(Debug, Clone)]
pub struct SharedModel {
    model: Arc<Mutex<KubeModel>>,
    redraw: Arc<OnceLock<Redraw>>,
}

impl SharedModel {
    /// Shares `model`.
    pub fn new(model: KubeModel) -> Self {
        SharedModel {
            model: Arc::new(Mutex::new(model)),
            redraw: Arc::new(OnceLock::new()),
        }
    }

    /// Connects the model to the host's redraw handle (once; at start).
    pub fn attach(&self, redraw: Redraw) {
        let _ = self.redraw.set(redraw);
    }

    /// Locks the model to read it. A panic while holding the lock cannot
    /// leave it half-updated in a way that matters for drawing, so poison
    /// is ignored.
    pub fn lock(&self) -> MutexGuard<'_, KubeModel> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the model to change it; the view is redrawn afterwards.
    pub fn update(&self) -> ModelUpdate<'_> {
        ModelUpdate {
            guard: self.lock(),
            redraw: self.redraw.get(),
        }
    }
}

/// A write lock on the model that asks for a frame when released.
#[derive(Debug)]
pub struct ModelUpdate<'a> {
    guard: MutexGuard<'a, KubeModel>,
    redraw: Option<&'a Redraw>,
}

impl std::ops::Deref for ModelUpdate<'_> {
    type Target = KubeModel;
    fn deref(&self) -> &KubeModel {
        &self.guard
    }
}

impl std::ops::DerefMut for ModelUpdate<'_> {
    fn deref_mut(&mut self) -> &mut KubeModel {
        &mut self.guard
    }
}

impl Drop for ModelUpdate<'_> {
    fn drop(&mut self) {
        if let Some(redraw) = self.redraw {
            redraw.request();
        }
    }
}
