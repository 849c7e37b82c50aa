//! The cells of each listed kind, computed from the API object as the API
//! server's printers compute the Table that `vcli k8s get` prints (the
//! columns without `-o wide`). Pods share `pod_summary` with describe and
//! the CLI's own printers.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Cell, Row};
use crate::kind::Kind;
use crate::printers::{format_labels, pod_summary};

/// An API object the view lists: the kind it goes to and its cells.
pub trait Listed:
    kube::Resource<DynamicType = ()>
    + Clone
    + serde::de::DeserializeOwned
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    /// The list it goes to.
    const KIND: Kind;
    /// Its cells, in [`Kind::columns`] order.
    fn cells(&self) -> Vec<Cell>;
}

/// The row of `object` from `context`.
pub fn row_of<K: Listed>(object: &K, context: &str) -> Row {
    let meta = object.meta();
    Row::new(
        context,
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default(),
        object.cells(),
        meta.labels.clone().unwrap_or_default(),
    )
}

fn name(meta: &ObjectMeta) -> Cell {
    Cell::text(meta.name.clone().unwrap_or_default())
}

fn age(meta: &ObjectMeta) -> Cell {
    Cell::Age(meta.creation_timestamp.as_ref().map(|t| t.0))
}

impl Listed for Pod {
    const KIND: Kind = Kind::Pods;
    fn cells(&self) -> Vec<Cell> {
        let s = pod_summary(self);
        vec![
            name(&self.metadata),
            Cell::Text(s.ready),
            Cell::Text(s.status),
            Cell::Restarts(s.restarts, s.last_restart),
            age(&self.metadata),
        ]
    }
}

impl Listed for Deployment {
    const KIND: Kind = Kind::Deployments;
    fn cells(&self) -> Vec<Cell> {
        let desired = self.spec.replicas.unwrap_or(1);
        let status = self.status.clone().unwrap_or_default();
        vec![
            name(&self.metadata),
            Cell::Text(format!("{}/{desired}", status.ready_replicas.unwrap_or(0))),
            Cell::Count(status.updated_replicas.unwrap_or(0).into()),
            Cell::Count(status.available_replicas.unwrap_or(0).into()),
            age(&self.metadata),
        ]
    }
}

impl Listed for ReplicaSet {
    const KIND: Kind = Kind::ReplicaSets;
    fn cells(&self) -> Vec<Cell> {
        let desired = self.spec.replicas.unwrap_or(1);
        let status = self.status.clone().unwrap_or_default();
        vec![
            name(&self.metadata),
            Cell::Count(desired.into()),
            Cell::Count(status.replicas.into()),
            Cell::Count(status.ready_replicas.unwrap_or(0).into()),
            age(&self.metadata),
        ]
    }
}

impl Listed for StatefulSet {
    const KIND: Kind = Kind::StatefulSets;
    fn cells(&self) -> Vec<Cell> {
        let desired = self.spec.replicas.unwrap_or(1);
        let ready = self
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0);
        vec![
            name(&self.metadata),
            Cell::Text(format!("{ready}/{desired}")),
            age(&self.metadata),
        ]
    }
}

impl Listed for DaemonSet {
    const KIND: Kind = Kind::DaemonSets;
    fn cells(&self) -> Vec<Cell> {
        let status = self.status.clone().unwrap_or_default();
        let node_selector = self
            .spec
            .template
            .spec
            .as_ref()
            .and_then(|s| s.node_selector.as_ref());
        vec![
            name(&self.metadata),
            Cell::Count(status.desired_number_scheduled.into()),
            Cell::Count(status.current_number_scheduled.into()),
            Cell::Count(status.number_ready.into()),
            Cell::Count(status.updated_number_scheduled.unwrap_or(0).into()),
            Cell::Count(status.number_available.unwrap_or(0).into()),
            Cell::Text(format_labels(node_selector)),
            age(&self.metadata),
        ]
    }
}

impl Listed for Job {
    const KIND: Kind = Kind::Jobs;
    fn cells(&self) -> Vec<Cell> {
        // Read in place: a Job's spec holds its whole pod template.
        let spec = self.spec.as_ref();
        let status = self.status.as_ref();
        let succeeded = status.and_then(|s| s.succeeded).unwrap_or(0);
        let completions = match spec.and_then(|s| s.completions) {
            Some(c) => format!("{succeeded}/{c}"),
            None => match spec.and_then(|s| s.parallelism).unwrap_or(0) {
                p if p > 1 => format!("{succeeded}/1 of {p}"),
                _ => format!("{succeeded}/1"),
            },
        };
        // A running job's DURATION grows with the clock: the cell keeps its
        // start and is printed per frame, as ages are.
        let start = status.and_then(|s| s.start_time.as_ref());
        let end = status.and_then(|s| s.completion_time.as_ref());
        let duration = match start {
            None => Cell::text(""),
            Some(start) => Cell::Span(start.0, end.map(|e| e.0)),
        };
        let conditions = status
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or_default();
        let has = |t: &str| {
            conditions
                .iter()
                .any(|c| c.type_ == t && c.status == "True")
        };
        let state = if has("Complete") {
            "Complete"
        } else if has("Failed") {
            "Failed"
        } else if self.metadata.deletion_timestamp.is_some() {
            "Terminating"
        } else if has("Suspended") {
            "Suspended"
        } else if has("FailureTarget") {
            "FailureTarget"
        } else {
            "Running"
        };
        vec![
            name(&self.metadata),
            Cell::text(state),
            Cell::Text(completions),
            duration,
            age(&self.metadata),
        ]
    }
}

impl Listed for Service {
    const KIND: Kind = Kind::Services;
    fn cells(&self) -> Vec<Cell> {
        let spec = self.spec.clone().unwrap_or_default();
        let type_ = spec.type_.clone().unwrap_or_else(|| "ClusterIP".to_owned());
        let cluster_ip = spec
            .cluster_ips
            .as_ref()
            .and_then(|ips| ips.first().cloned())
            .or(spec.cluster_ip.clone())
            .unwrap_or_else(|| "<none>".to_owned());
        let external_ips = spec.external_ips.clone().unwrap_or_default();
        let external = match type_.as_str() {
            "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
            "ClusterIP" | "NodePort" => "<none>".to_owned(),
            "LoadBalancer" => {
                let mut ips: Vec<String> = self
                    .status
                    .as_ref()
                    .and_then(|s| s.load_balancer.as_ref())
                    .and_then(|l| l.ingress.as_ref())
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i.ip.clone().or(i.hostname.clone()))
                    .collect();
                ips.extend(external_ips);
                if ips.is_empty() {
                    "<pending>".to_owned()
                } else {
                    ips.join(",")
                }
            }
            "ExternalName" => spec.external_name.clone().unwrap_or_default(),
            _ => "<unknown>".to_owned(),
        };
        let ports: Vec<String> = spec
            .ports
            .iter()
            .flatten()
            .map(|p| {
                let protocol = p.protocol.as_deref().unwrap_or("TCP");
                match p.node_port {
                    Some(node_port) if node_port > 0 => {
                        format!("{}:{node_port}/{protocol}", p.port)
                    }
                    _ => format!("{}/{protocol}", p.port),
                }
            })
            .collect();
        let ports = if ports.is_empty() {
            "<none>".to_owned()
        } else {
            ports.join(",")
        };
        vec![
            name(&self.metadata),
            Cell::Text(type_),
            Cell::Text(cluster_ip),
            Cell::Text(external),
            Cell::Text(ports),
            age(&self.metadata),
        ]
    }
}

impl Listed for Node {
    const KIND: Kind = Kind::Nodes;
    fn cells(&self) -> Vec<Cell> {
        let status = self.status.clone().unwrap_or_default();
        let ready = status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == "Ready")
            .map(|c| {
                if c.status == "True" {
                    "Ready"
                } else {
                    "NotReady"
                }
            });
        let mut states = vec![ready.unwrap_or("Unknown")];
        if self
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false)
        {
            states.push("SchedulingDisabled");
        }
        vec![
            name(&self.metadata),
            Cell::Text(states.join(",")),
            Cell::Text(node_roles(self.metadata.labels.as_ref())),
            age(&self.metadata),
            Cell::Text(
                status
                    .node_info
                    .map(|i| i.kubelet_version)
                    .unwrap_or_default(),
            ),
        ]
    }
}

/// A node's ROLES from its `node-role.kubernetes.io/<role>` labels.
fn node_roles(labels: Option<&BTreeMap<String, String>>) -> String {
    let mut roles: Vec<&str> = labels
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) if !role.is_empty() => Some(role),
            _ if k == "kubernetes.io/role" && !v.is_empty() => Some(v.as_str()),
            _ => None,
        })
        .collect();
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.join(",")
    }
}

impl Listed for Namespace {
    const KIND: Kind = Kind::Namespaces;
    fn cells(&self) -> Vec<Cell> {
        let phase = self.status.as_ref().and_then(|s| s.phase.clone());
        vec![
            name(&self.metadata),
            Cell::Text(phase.unwrap_or_default()),
            age(&self.metadata),
        ]
    }
}

impl Listed for Event {
    const KIND: Kind = Kind::Events;
    fn cells(&self) -> Vec<Cell> {
        // LAST SEEN as the server's printer picks it: the series' last
        // observation, the last timestamp, the first, the event time.
        let last = self
            .series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
            .or(self.last_timestamp.as_ref().map(|t| t.0))
            .or(self.first_timestamp.as_ref().map(|t| t.0))
            .or(self.event_time.as_ref().map(|t| t.0));
        let io = &self.involved_object;
        let kind = io.kind.clone().unwrap_or_default().to_lowercase();
        let object = match io.name.as_deref() {
            Some(n) if !n.is_empty() => format!("{kind}/{n}"),
            _ => kind,
        };
        vec![
            Cell::Age(last),
            Cell::Text(self.type_.clone().unwrap_or_default()),
            Cell::Text(self.reason.clone().unwrap_or_default()),
            Cell::Text(object),
            Cell::text(self.message.clone().unwrap_or_default().trim()),
        ]
    }
}
