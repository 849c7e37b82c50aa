//! Table cells per resource type, ported from the API server's printers
//! (`pkg/printers/internalversion`), so `kubectl get` prints what it prints against a cluster.
//!
//! The server always renders the wide columns; kubectl hides those with priority > 0 unless
//! `-o wide`. The pod STATUS logic lives in `pod_status.rs`, the column definitions in
//! `columns.rs`.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Container, Event, Namespace, Node, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::age::{human_duration, since};
use crate::pod_status;
use crate::resources::Object;

/// The cells of one object's row (all columns, wide ones included).
pub(crate) fn cells(object: &Object, now: Timestamp) -> Vec<Value> {
    let meta = object.metadata();
    let name = json!(meta.name.clone().unwrap_or_default());
    let age = json!(since(meta.creation_timestamp.as_ref(), now));
    match object {
        Object::Pod(pod) => pod_status::cells(pod, now),
        Object::Service(svc) => service_cells(svc, name, age),
        Object::Namespace(ns) => namespace_cells(ns, name, age),
        Object::Node(node) => node_cells(node, name, age),
        Object::Event(event) => event_cells(event, now),
        Object::Deployment(d) => deployment_cells(d, name, age),
        Object::Lease(lease) => {
            let holder = lease.spec.as_ref().and_then(|s| s.holder_identity.clone());
            vec![name, json!(holder.unwrap_or_default()), age]
        }
        Object::ReplicaSet(rs) => replica_set_cells(rs, name, age),
        other => crate::printers_more::cells(other, name, age, now),
    }
}

fn service_cells(svc: &Service, name: Value, age: Value) -> Vec<Value> {
    let spec = svc.spec.clone().unwrap_or_default();
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
            let ingress = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|l| l.ingress.as_ref());
            let mut ips: Vec<String> = ingress
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
                Some(node_port) if node_port > 0 => format!("{}:{node_port}/{protocol}", p.port),
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
        name,
        json!(type_),
        json!(cluster_ip),
        json!(external),
        json!(ports),
        age,
        json!(format_labels(spec.selector.as_ref())),
    ]
}

fn namespace_cells(ns: &Namespace, name: Value, age: Value) -> Vec<Value> {
    let phase = ns
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    vec![name, json!(phase), age]
}

fn node_cells(node: &Node, name: Value, age: Value) -> Vec<Value> {
    let status = node.status.clone().unwrap_or_default();
    let mut states: Vec<String> = status
        .conditions
        .iter()
        .flatten()
        .filter(|c| c.type_ == "Ready")
        .map(|c| {
            if c.status == "True" {
                "Ready".to_owned()
            } else {
                "NotReady".to_owned()
            }
        })
        .take(1)
        .collect();
    if states.is_empty() {
        states.push("Unknown".to_owned());
    }
    if node
        .spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false)
    {
        states.push("SchedulingDisabled".to_owned());
    }
    let mut roles: Vec<String> = node
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) if !role.is_empty() => Some(role.to_owned()),
            _ if k == "kubernetes.io/role" && !v.is_empty() => Some(v.clone()),
            _ => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.join(",")
    };
    let info = status.node_info.clone().unwrap_or_default();
    let address = |kind: &str| {
        status
            .addresses
            .iter()
            .flatten()
            .find(|a| a.type_ == kind)
            .map_or("<none>".to_owned(), |a| a.address.clone())
    };
    let or_unknown = |s: String| {
        if s.is_empty() {
            "<unknown>".to_owned()
        } else {
            s
        }
    };
    vec![
        name,
        json!(states.join(",")),
        json!(roles),
        age,
        json!(info.kubelet_version),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(or_unknown(info.os_image)),
        json!(or_unknown(info.kernel_version)),
        json!(or_unknown(info.container_runtime_version)),
    ]
}

fn event_cells(event: &Event, now: Timestamp) -> Vec<Value> {
    let micro = |t: Option<Timestamp>| t.map_or("<unknown>".to_owned(), |t| human_duration(now, t));
    let first = match &event.first_timestamp {
        Some(t) => since(Some(t), now),
        None => micro(event.event_time.as_ref().map(|t| t.0)),
    };
    let mut last = match &event.last_timestamp {
        Some(t) => since(Some(t), now),
        None => first.clone(),
    };
    let mut count = event.count.unwrap_or(0);
    if let Some(series) = &event.series {
        last = micro(series.last_observed_time.as_ref().map(|t| t.0));
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        // Singleton events of the new API carry no count.
        count = 1;
    }
    let io = &event.involved_object;
    let kind = io.kind.clone().unwrap_or_default().to_lowercase();
    let target = match io.name.as_deref() {
        Some(n) if !n.is_empty() => format!("{kind}/{n}"),
        _ => kind,
    };
    let source = event.source.clone().unwrap_or_default();
    let first_non_empty = |a: Option<String>, b: Option<String>| {
        a.filter(|s| !s.is_empty()).or(b).unwrap_or_default()
    };
    let component = first_non_empty(source.component, event.reporting_component.clone());
    let instance = first_non_empty(source.host, event.reporting_instance.clone());
    let source = if instance.is_empty() {
        component
    } else {
        format!("{component}, {instance}")
    };
    vec![
        json!(last),
        json!(event.type_.clone().unwrap_or_default()),
        json!(event.reason.clone().unwrap_or_default()),
        json!(target),
        json!(io.field_path.clone().unwrap_or_default()),
        json!(source),
        json!(event.message.clone().unwrap_or_default().trim()),
        json!(first),
        json!(count),
        json!(event.metadata.name.clone().unwrap_or_default()),
    ]
}

fn deployment_cells(d: &Deployment, name: Value, age: Value) -> Vec<Value> {
    let spec = d.spec.clone();
    let status = d.status.clone().unwrap_or_default();
    let desired = spec.replicas.unwrap_or(1);
    let ready = status.ready_replicas.unwrap_or(0);
    let containers = spec.template.spec.map(|s| s.containers).unwrap_or_default();
    let (names, images) = container_cells(&containers);
    vec![
        name,
        json!(format!("{ready}/{desired}")),
        json!(status.updated_replicas.unwrap_or(0)),
        json!(status.available_replicas.unwrap_or(0)),
        age,
        json!(names),
        json!(images),
        json!(selector_string(&spec.selector)),
    ]
}

fn replica_set_cells(rs: &ReplicaSet, name: Value, age: Value) -> Vec<Value> {
    let spec = rs.spec.clone();
    let status = rs.status.clone().unwrap_or_default();
    let containers = spec
        .template
        .and_then(|t| t.spec)
        .map(|s| s.containers)
        .unwrap_or_default();
    let (names, images) = container_cells(&containers);
    vec![
        name,
        json!(spec.replicas.unwrap_or(1)),
        json!(status.replicas),
        json!(status.ready_replicas.unwrap_or(0)),
        age,
        json!(names),
        json!(images),
        json!(selector_string(&spec.selector)),
    ]
}

pub(crate) fn container_cells(containers: &[Container]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or(""))
        .collect();
    (names.join(","), images.join(","))
}

/// `k=v,k2=v2` sorted by key, or `<none>`.
pub(crate) fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    match labels {
        Some(l) if !l.is_empty() => l
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".to_owned(),
    }
}

/// A label selector in the API's string syntax, requirements sorted by key.
pub(crate) fn selector_string(selector: &LabelSelector) -> String {
    let mut requirements: Vec<(String, String)> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), format!("{k}={v}")))
        .collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        let text = match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            _ => format!("!{}", e.key),
        };
        requirements.push((e.key.clone(), text));
    }
    requirements.sort();
    requirements
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",")
}
