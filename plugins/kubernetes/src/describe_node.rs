//! `describe node`: taints, lease, conditions, capacity, the non-terminated
//! pods with their requests and limits, and the allocated totals.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Value;

use crate::client::{Conn, typed};
use crate::describe::{Doc, describe_events};
use crate::printers::{rfc1123z, since};
use crate::quantity::{Quantity, percent};

/// What `describe node` shows besides the node itself.
#[derive(Debug, Default)]
pub(crate) struct NodeExtra {
    /// The non-terminated pods on the node, when they could be listed.
    pods: Option<Vec<Pod>>,
    /// The node's lease, or why it could not be read.
    lease: Option<Result<Value, String>>,
}

/// Lists the node's non-terminated pods and reads its lease.
pub(crate) async fn fetch(conn: &Conn, node: &str) -> NodeExtra {
    let params = kube::core::params::ListParams {
        field_selector: Some(format!(
            "spec.nodeName={node},status.phase!=Succeeded,status.phase!=Failed"
        )),
        ..Default::default()
    };
    let pods = match kube::core::Request::new("/api/v1/pods").list(&params) {
        Ok(req) => conn.get_json::<Value>(req).await.ok().map(|list| {
            list["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| typed(p).ok())
                .collect()
        }),
        Err(_) => None,
    };
    let lease_path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
    let lease = match kube::core::Request::new(lease_path).get(node, &Default::default()) {
        // kubectl shows the server's words, without its "Error from server" prefix.
        Ok(req) => Some(conn.get_json::<Value>(req).await.map_err(|e| {
            let text = e.to_string();
            text.split_once("): ")
                .map_or(text.clone(), |(_, m)| m.to_owned())
        })),
        Err(_) => None,
    };
    NodeExtra { pods, lease }
}

/// A pod's requests and limits: containers summed, each init container
/// taken when it asks for more (it runs alone), as kubectl computes them.
fn pod_resources(pod: &Pod) -> (BTreeMap<String, Quantity>, BTreeMap<String, Quantity>) {
    let spec = pod.spec.clone().unwrap_or_default();
    let sum = |list: &[k8s_openapi::api::core::v1::Container], limits: bool| {
        let mut total: BTreeMap<String, Quantity> = BTreeMap::new();
        for c in list {
            let r = c.resources.clone().unwrap_or_default();
            for (k, v) in (if limits { r.limits } else { r.requests })
                .into_iter()
                .flatten()
            {
                if let Some(q) = Quantity::parse(&v.0) {
                    let entry = total.entry(k).or_default();
                    *entry = entry.add(q);
                }
            }
        }
        total
    };
    let mut result = [sum(&spec.containers, false), sum(&spec.containers, true)];
    for (i, limits) in [false, true].into_iter().enumerate() {
        for init in spec.init_containers.iter().flatten() {
            for (k, v) in sum(std::slice::from_ref(init), limits) {
                let current = result[i].entry(k).or_default();
                if v.milli > current.milli {
                    *current = v;
                }
            }
        }
    }
    let [requests, limits] = result;
    (requests, limits)
}

fn cell(q: Quantity, total: Option<&Quantity>, by_value: bool) -> String {
    let total = total.copied().unwrap_or_default();
    let pct = if by_value {
        percent(q.value(), total.value())
    } else {
        percent(q.milli, total.milli)
    };
    format!("{} ({pct}%)", q.canonical())
}

/// Describes a node.
pub(crate) fn describe_node(
    node: &Node,
    extra: &NodeExtra,
    events: Option<&[Event]>,
    now: Timestamp,
) -> String {
    let mut doc = Doc::default();
    let meta = &node.metadata;
    let spec = node.spec.clone().unwrap_or_default();
    let status = node.status.clone().unwrap_or_default();
    doc.line(
        0,
        &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()),
    );
    doc.line(0, &format!("Roles:\t{}", node_roles(node)));
    doc.labels(0, "Labels", meta.labels.as_ref());
    doc.annotations(0, meta.annotations.as_ref());
    let created = meta
        .creation_timestamp
        .as_ref()
        .map(rfc1123z)
        .unwrap_or_default();
    doc.line(0, &format!("CreationTimestamp:\t{created}"));
    let mut taints = spec.taints.clone().unwrap_or_default();
    taints.sort_by(|a, b| (&a.effect, &a.key).cmp(&(&b.effect, &b.key)));
    doc.put(0, "Taints:\t");
    if taints.is_empty() {
        doc.line(0, "<none>");
    }
    for (i, t) in taints.iter().enumerate() {
        if i > 0 {
            doc.put(0, "\t");
        }
        let value = t
            .value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| format!("={v}"))
            .unwrap_or_default();
        doc.line(0, &format!("{}{value}:{}", t.key, t.effect));
    }
    doc.line(
        0,
        &format!("Unschedulable:\t{}", spec.unschedulable == Some(true)),
    );
    match &extra.lease {
        Some(Ok(lease)) => {
            let spec = &lease["spec"];
            let time = |k: &str| {
                spec[k]
                    .as_str()
                    .and_then(|t| t.parse::<Timestamp>().ok())
                    .map_or("<unset>".to_owned(), |t| rfc1123z(&Time(t)))
            };
            doc.line(0, "Lease:");
            let holder = spec["holderIdentity"].as_str().unwrap_or("<unset>");
            doc.line(1, &format!("HolderIdentity:\t{holder}"));
            doc.line(1, &format!("AcquireTime:\t{}", time("acquireTime")));
            doc.line(1, &format!("RenewTime:\t{}", time("renewTime")));
        }
        Some(Err(e)) => doc.line(0, &format!("Lease:\tFailed to get lease: {e}")),
        None => {}
    }
    if let Some(conditions) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        doc.line(0, "Conditions:");
        doc.line(
            1,
            "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage",
        );
        doc.line(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------",
        );
        for c in conditions {
            let time = |t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
                t.as_ref().map(rfc1123z).unwrap_or_default()
            };
            doc.line(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}",
                    c.type_,
                    c.status,
                    time(&c.last_heartbeat_time),
                    time(&c.last_transition_time),
                    c.reason.as_deref().unwrap_or_default(),
                    c.message.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    doc.line(0, "Addresses:");
    for a in status.addresses.iter().flatten() {
        doc.line(1, &format!("{}:\t{}", a.type_, a.address));
    }
    for (title, map) in [
        ("Capacity", &status.capacity),
        ("Allocatable", &status.allocatable),
    ] {
        if let Some(map) = map.as_ref().filter(|m| !m.is_empty()) {
            doc.line(0, &format!("{title}:"));
            for (k, v) in map {
                doc.line(1, &format!("{k}:\t{}", v.0));
            }
        }
    }
    if let Some(info) = &status.node_info {
        doc.line(0, "System Info:");
        for (k, v) in [
            ("Machine ID", &info.machine_id),
            ("System UUID", &info.system_uuid),
            ("Boot ID", &info.boot_id),
            ("Kernel Version", &info.kernel_version),
            ("OS Image", &info.os_image),
            ("Operating System", &info.operating_system),
            ("Architecture", &info.architecture),
            ("Container Runtime Version", &info.container_runtime_version),
            ("Kubelet Version", &info.kubelet_version),
        ] {
            doc.line(1, &format!("{k}:\t{v}"));
        }
    }
    if let Some(cidr) = spec.pod_cidr.as_deref().filter(|c| !c.is_empty()) {
        doc.line(0, &format!("PodCIDR:\t{cidr}"));
        doc.line(
            0,
            &format!(
                "PodCIDRs:\t{}",
                spec.pod_cidrs.clone().unwrap_or_default().join(",")
            ),
        );
    }
    if let Some(id) = spec.provider_id.as_deref().filter(|p| !p.is_empty()) {
        doc.line(0, &format!("ProviderID:\t{id}"));
    }
    let allocatable: BTreeMap<String, Quantity> = status
        .allocatable
        .iter()
        .flatten()
        .filter_map(|(k, v)| Quantity::parse(&v.0).map(|q| (k.clone(), q)))
        .collect();
    if let Some(pods) = &extra.pods {
        pods_and_allocation(&mut doc, pods, &allocatable, now);
    }
    describe_events(&mut doc, events, now);
    doc.finish()
}

fn pods_and_allocation(
    doc: &mut Doc,
    pods: &[Pod],
    allocatable: &BTreeMap<String, Quantity>,
    now: Timestamp,
) {
    doc.line(
        0,
        &format!("Non-terminated Pods:\t({} in total)", pods.len()),
    );
    doc.line(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge",
    );
    doc.line(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---",
    );
    let mut requests: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut limits: BTreeMap<String, Quantity> = BTreeMap::new();
    let (cpu, mem) = (allocatable.get("cpu"), allocatable.get("memory"));
    for p in pods {
        let (req, lim) = pod_resources(p);
        let get = |m: &BTreeMap<String, Quantity>, k: &str| m.get(k).copied().unwrap_or_default();
        doc.line(
            1,
            &format!(
                "{}\t{}\t\t{}\t{}\t{}\t{}\t{}",
                p.metadata.namespace.as_deref().unwrap_or_default(),
                p.metadata.name.as_deref().unwrap_or_default(),
                cell(get(&req, "cpu"), cpu, false),
                cell(get(&lim, "cpu"), cpu, false),
                cell(get(&req, "memory"), mem, true),
                cell(get(&lim, "memory"), mem, true),
                since(p.metadata.creation_timestamp.as_ref(), now)
            ),
        );
        for (totals, each) in [(&mut requests, req), (&mut limits, lim)] {
            for (k, v) in each {
                let t = totals.entry(k).or_default();
                *t = t.add(v);
            }
        }
    }
    doc.line(0, "Allocated resources:");
    doc.line(
        1,
        "(Total limits may be over 100 percent, i.e., overcommitted.)",
    );
    doc.line(1, "Resource\tRequests\tLimits");
    doc.line(1, "--------\t--------\t------");
    let total = |m: &BTreeMap<String, Quantity>, k: &str| m.get(k).copied().unwrap_or_default();
    let mut rows: Vec<(&str, bool)> = vec![
        ("cpu", false),
        ("memory", true),
        ("ephemeral-storage", true),
    ];
    rows.extend(
        allocatable
            .keys()
            .filter(|k| k.starts_with("hugepages-"))
            .map(|k| (k.as_str(), true)),
    );
    for (name, by_value) in rows {
        let alloc = allocatable.get(name);
        doc.line(
            1,
            &format!(
                "{name}\t{}\t{}",
                cell(total(&requests, name), alloc, by_value),
                cell(total(&limits, name), alloc, by_value)
            ),
        );
    }
    let standard = |k: &str| {
        matches!(k, "cpu" | "memory" | "ephemeral-storage" | "pods") || k.starts_with("hugepages-")
    };
    for name in allocatable.keys().filter(|k| !standard(k)) {
        doc.line(
            1,
            &format!(
                "{name}\t{}\t{}",
                total(&requests, name).canonical(),
                total(&limits, name).canonical()
            ),
        );
    }
}

/// A node's roles from its `node-role.kubernetes.io/*` and `kubernetes.io/role` labels, as
/// the API server's node printer lists them (`<none>` without any).
fn node_roles(node: &Node) -> String {
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
    if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.join(",")
    }
}
