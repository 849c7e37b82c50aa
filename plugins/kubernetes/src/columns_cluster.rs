//! Table columns of services, nodes and events.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Node, Service};

use crate::columns::{name, or_none};
use crate::printers::{format_labels, since, since_ts};

pub(crate) fn service_row(svc: &Service, wide: bool, now: Timestamp, cells: &mut Vec<String>) {
    let spec = svc.spec.clone().unwrap_or_default();
    let kind = spec.type_.clone().unwrap_or_else(|| "ClusterIP".to_owned());
    let cluster_ip = spec
        .cluster_ips
        .as_ref()
        .and_then(|ips| ips.first().cloned())
        .or_else(|| spec.cluster_ip.clone())
        .unwrap_or_else(|| "<none>".to_owned());
    let external_ips = spec.external_ips.clone().unwrap_or_default();
    let external = match kind.as_str() {
        "ClusterIP" | "NodePort" => or_none(external_ips.join(",")),
        "LoadBalancer" => {
            let ingress = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.clone())
                .unwrap_or_default();
            let mut lb: Vec<String> = ingress
                .iter()
                .filter_map(|i| {
                    i.ip.clone()
                        .filter(|ip| !ip.is_empty())
                        .or_else(|| i.hostname.clone())
                })
                .collect();
            lb.sort();
            lb.dedup();
            let mut joined = lb.join(",");
            if !wide && joined.chars().count() > 16 {
                joined = format!("{}...", joined.chars().take(13).collect::<String>());
                lb = vec![joined.clone()];
            }
            if !external_ips.is_empty() {
                lb.extend(external_ips);
                lb.join(",")
            } else if joined.is_empty() {
                "<pending>".to_owned()
            } else {
                joined
            }
        }
        "ExternalName" => spec.external_name.clone().unwrap_or_default(),
        _ => "<unknown>".to_owned(),
    };
    let ports = spec
        .ports
        .iter()
        .flatten()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port.filter(|n| *n > 0) {
                Some(node) => format!("{}:{node}/{proto}", p.port),
                None => format!("{}/{proto}", p.port),
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    cells.extend([
        name(&svc.metadata),
        kind,
        cluster_ip,
        external,
        or_none(ports),
        since(svc.metadata.creation_timestamp.as_ref(), now),
    ]);
    if wide {
        cells.push(format_labels(spec.selector.as_ref()));
    }
}

/// A node's roles from its `node-role.kubernetes.io/<role>` and
/// `kubernetes.io/role` labels, sorted.
pub(crate) fn node_roles(node: &Node) -> String {
    let mut roles: Vec<String> = Vec::new();
    for (k, v) in node.metadata.labels.iter().flatten() {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.push(role.to_owned());
            }
        } else if k == "kubernetes.io/role" && !v.is_empty() {
            roles.push(v.clone());
        }
    }
    roles.sort();
    roles.dedup();
    or_none(roles.join(","))
}

/// `Ready`, `NotReady,SchedulingDisabled`, `Unknown`...
pub(crate) fn node_status(node: &Node) -> String {
    let mut status: Vec<&str> = Vec::new();
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().rfind(|c| c.type_ == "Ready"));
    match ready {
        Some(c) if c.status == "True" => status.push("Ready"),
        Some(_) => status.push("NotReady"),
        None => status.push("Unknown"),
    }
    if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        status.push("SchedulingDisabled");
    }
    status.join(",")
}

pub(crate) fn node_row(node: &Node, wide: bool, now: Timestamp, cells: &mut Vec<String>) {
    let info = node
        .status
        .as_ref()
        .and_then(|s| s.node_info.clone())
        .unwrap_or_default();
    cells.extend([
        name(&node.metadata),
        node_status(node),
        node_roles(node),
        since(node.metadata.creation_timestamp.as_ref(), now),
        info.kubelet_version.clone(),
    ]);
    if wide {
        let address = |kind: &str| {
            node.status
                .as_ref()
                .and_then(|s| s.addresses.as_ref())
                .and_then(|a| a.iter().find(|a| a.type_ == kind))
                .map_or_else(|| "<none>".to_owned(), |a| a.address.clone())
        };
        let unknown = |s: String| {
            if s.is_empty() {
                "<unknown>".to_owned()
            } else {
                s
            }
        };
        cells.extend([
            address("InternalIP"),
            address("ExternalIP"),
            unknown(info.os_image),
            unknown(info.kernel_version),
            unknown(info.container_runtime_version),
        ]);
    }
}

pub(crate) fn event_row(e: &Event, wide: bool, now: Timestamp, cells: &mut Vec<String>) {
    let micro = |t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime>| {
        t.map_or_else(|| "<unknown>".to_owned(), |t| since_ts(t.0, now))
    };
    let first = match &e.first_timestamp {
        Some(t) => since(Some(t), now),
        None => micro(e.event_time.as_ref()),
    };
    let mut last = match &e.last_timestamp {
        Some(t) => since(Some(t), now),
        None => first.clone(),
    };
    let mut count = e.count.unwrap_or(0);
    if let Some(series) = &e.series {
        last = micro(series.last_observed_time.as_ref());
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let obj = &e.involved_object;
    let kind = obj.kind.clone().unwrap_or_default().to_lowercase();
    let target = match obj.name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => format!("{kind}/{n}"),
        None => kind,
    };
    let message = e.message.clone().unwrap_or_default().trim().to_owned();
    cells.extend([
        last,
        e.type_.clone().unwrap_or_default(),
        e.reason.clone().unwrap_or_default(),
        target,
    ]);
    if wide {
        let source = e.source.clone().unwrap_or_default();
        let component = source
            .component
            .filter(|c| !c.is_empty())
            .or(e.reporting_component.clone())
            .unwrap_or_default();
        let instance = source
            .host
            .filter(|h| !h.is_empty())
            .or(e.reporting_instance.clone())
            .unwrap_or_default();
        let source = if instance.is_empty() {
            component
        } else {
            format!("{component}, {instance}")
        };
        cells.extend([
            obj.field_path.clone().unwrap_or_default(),
            source,
            message,
            first,
            count.to_string(),
            name(&e.metadata),
        ]);
    } else {
        cells.push(message);
    }
}
