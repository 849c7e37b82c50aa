//! `describe deployment` and `describe service`.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::client::{Conn, typed};
use crate::describe::{Doc, describe_events};
use crate::describe_containers::{containers, volumes};
use crate::printers::{format_labels, format_selector, rfc1123z};

fn int_or_string(v: Option<&IntOrString>, default: &str) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => default.to_owned(),
    }
}

/// The deployment's ReplicaSets (those it controls), or None when they
/// cannot be listed (kubectl then leaves the two lines out too).
pub(crate) async fn replica_sets(conn: &Conn, d: &Deployment) -> Option<Vec<ReplicaSet>> {
    let namespace = d.metadata.namespace.as_deref()?;
    let uid = d.metadata.uid.as_deref()?;
    let params = kube::core::params::ListParams {
        label_selector: Some(format_selector(Some(&d.spec.selector))).filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let req = kube::core::Request::new(format!("/apis/apps/v1/namespaces/{namespace}/replicasets"))
        .list(&params)
        .ok()?;
    let list: Value = conn.get_json(req).await.ok()?;
    let owned = list["items"]
        .as_array()?
        .iter()
        .filter_map(|v| typed::<ReplicaSet>(v).ok())
        .filter(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.controller == Some(true) && o.uid == uid)
        })
        .collect();
    Some(owned)
}

/// `name (2/3 replicas created), ...` or `<none>`.
fn replica_set_list(sets: &[&ReplicaSet]) -> String {
    let list: Vec<String> = sets
        .iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                rs.metadata.name.as_deref().unwrap_or_default(),
                rs.status.as_ref().map_or(0, |s| s.replicas),
                rs.spec.replicas.unwrap_or(1)
            )
        })
        .collect();
    if list.is_empty() {
        "<none>".to_owned()
    } else {
        list.join(", ")
    }
}

/// Splits ReplicaSets into (old ones still wanted, the new one) as kubectl
/// does: the new one's pod template equals the deployment's, ignoring the
/// `pod-template-hash` label; old ones with zero replicas are left out.
fn split_replica_sets<'a>(
    d: &Deployment,
    sets: &'a [ReplicaSet],
) -> (Vec<&'a ReplicaSet>, Option<&'a ReplicaSet>) {
    let template = |t: &k8s_openapi::api::core::v1::PodTemplateSpec| {
        let mut t = t.clone();
        if let Some(labels) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            labels.remove("pod-template-hash");
        }
        serde_json::to_value(t).unwrap_or_default()
    };
    let wanted = template(&d.spec.template);
    let mut sorted: Vec<&ReplicaSet> = sets.iter().collect();
    sorted.sort_by_key(|rs| rs.metadata.creation_timestamp.as_ref().map(|t| t.0));
    let new = sorted
        .iter()
        .copied()
        .find(|rs| rs.spec.template.as_ref().map(template) == Some(wanted.clone()));
    let old = sorted
        .into_iter()
        .filter(|rs| new.is_none_or(|n| n.metadata.uid != rs.metadata.uid))
        .filter(|rs| rs.spec.replicas != Some(0))
        .collect();
    (old, new)
}

/// Describes a deployment, with its ReplicaSets when they could be listed.
pub(crate) fn describe_deployment(
    d: &Deployment,
    sets: Option<&[ReplicaSet]>,
    events: Option<&[Event]>,
    now: Timestamp,
) -> String {
    let mut doc = Doc::default();
    let meta = &d.metadata;
    let spec = &d.spec;
    let status = d.status.clone().unwrap_or_default();
    doc.line(
        0,
        &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()),
    );
    doc.line(
        0,
        &format!(
            "Namespace:\t{}",
            meta.namespace.as_deref().unwrap_or_default()
        ),
    );
    doc.line(
        0,
        &format!(
            "CreationTimestamp:\t{}",
            meta.creation_timestamp
                .as_ref()
                .map(rfc1123z)
                .unwrap_or_default()
        ),
    );
    doc.labels(0, "Labels", meta.labels.as_ref());
    doc.annotations(0, meta.annotations.as_ref());
    doc.line(
        0,
        &format!("Selector:\t{}", format_selector(Some(&spec.selector))),
    );
    doc.line(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable",
            spec.replicas.unwrap_or(1),
            status.updated_replicas.unwrap_or(0),
            status.replicas.unwrap_or(0),
            status.available_replicas.unwrap_or(0),
            status.unavailable_replicas.unwrap_or(0)
        ),
    );
    let strategy = spec.strategy.clone().unwrap_or_default();
    let strategy_type = strategy
        .type_
        .clone()
        .unwrap_or_else(|| "RollingUpdate".to_owned());
    doc.line(0, &format!("StrategyType:\t{strategy_type}"));
    doc.line(
        0,
        &format!("MinReadySeconds:\t{}", spec.min_ready_seconds.unwrap_or(0)),
    );
    if strategy_type == "RollingUpdate" {
        let ru = strategy.rolling_update.unwrap_or_default();
        doc.line(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge",
                int_or_string(ru.max_unavailable.as_ref(), "25%"),
                int_or_string(ru.max_surge.as_ref(), "25%")
            ),
        );
    }
    doc.line(0, "Pod Template:");
    let template_meta = spec.template.metadata.clone().unwrap_or_default();
    doc.labels(1, "Labels", template_meta.labels.as_ref());
    if template_meta
        .annotations
        .as_ref()
        .is_some_and(|a| !a.is_empty())
    {
        doc.annotations(1, template_meta.annotations.as_ref());
    }
    let pod_spec = spec.template.spec.clone().unwrap_or_default();
    if let Some(sa) = pod_spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        doc.line(1, &format!("Service Account:\t{sa}"));
    }
    if let Some(init) = pod_spec
        .init_containers
        .as_deref()
        .filter(|c| !c.is_empty())
    {
        containers(&mut doc, 1, "Init Containers", init, None);
    }
    containers(&mut doc, 1, "Containers", &pod_spec.containers, None);
    volumes(&mut doc, 1, pod_spec.volumes.as_deref().unwrap_or_default());
    doc.labels(1, "Node-Selectors", pod_spec.node_selector.as_ref());
    doc.tolerations(1, pod_spec.tolerations.as_deref().unwrap_or_default());
    if let Some(conditions) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        doc.line(0, "Conditions:");
        doc.line(1, "Type\tStatus\tReason");
        doc.line(1, "----\t------\t------");
        for c in conditions {
            doc.line(
                1,
                &format!(
                    "{}\t{}\t{}",
                    c.type_.as_deref().unwrap_or_default(),
                    c.status.as_deref().unwrap_or_default(),
                    c.reason.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    if let Some(sets) = sets {
        let (old, new) = split_replica_sets(d, sets);
        doc.line(0, &format!("OldReplicaSets:\t{}", replica_set_list(&old)));
        doc.line(
            0,
            &format!(
                "NewReplicaSet:\t{}",
                replica_set_list(&new.into_iter().collect::<Vec<_>>())
            ),
        );
    }
    describe_events(&mut doc, events, now);
    doc.finish()
}

/// The `ip:port` endpoints of a service, or None when they cannot be read.
pub(crate) async fn endpoints(conn: &Conn, namespace: Option<&str>, name: &str) -> Option<String> {
    let path = match namespace {
        Some(ns) => format!("/api/v1/namespaces/{ns}/endpoints"),
        None => "/api/v1/endpoints".to_owned(),
    };
    let req = kube::core::Request::new(path)
        .get(name, &Default::default())
        .ok()?;
    let ep: Value = conn.get_json(req).await.ok()?;
    let mut list = Vec::new();
    for subset in ep["subsets"].as_array().into_iter().flatten() {
        for addr in subset["addresses"].as_array().into_iter().flatten() {
            for port in subset["ports"].as_array().into_iter().flatten() {
                list.push(format!(
                    "{}:{}",
                    addr["ip"].as_str().unwrap_or_default(),
                    port["port"]
                ));
            }
        }
    }
    Some(list.join(","))
}

/// Describes a service.
pub(crate) fn describe_service(
    svc: &Service,
    endpoints: Option<&str>,
    events: Option<&[Event]>,
    now: Timestamp,
) -> String {
    let mut doc = Doc::default();
    let meta = &svc.metadata;
    let spec = svc.spec.clone().unwrap_or_default();
    doc.line(
        0,
        &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()),
    );
    doc.line(
        0,
        &format!(
            "Namespace:\t{}",
            meta.namespace.as_deref().unwrap_or_default()
        ),
    );
    doc.labels(0, "Labels", meta.labels.as_ref());
    doc.annotations(0, meta.annotations.as_ref());
    doc.line(
        0,
        &format!("Selector:\t{}", format_labels(spec.selector.as_ref())),
    );
    let svc_type = spec.type_.clone().unwrap_or_else(|| "ClusterIP".to_owned());
    doc.line(0, &format!("Type:\t{svc_type}"));
    if let Some(p) = &spec.ip_family_policy {
        doc.line(0, &format!("IP Family Policy:\t{p}"));
    }
    if let Some(f) = spec.ip_families.as_deref().filter(|f| !f.is_empty()) {
        doc.line(0, &format!("IP Families:\t{}", f.join(",")));
    }
    let ip = spec.cluster_ip.clone().unwrap_or_default();
    doc.line(
        0,
        &format!("IP:\t{}", if ip.is_empty() { "<none>" } else { &ip }),
    );
    let ips = spec.cluster_ips.clone().unwrap_or_default();
    doc.line(
        0,
        &format!(
            "IPs:\t{}",
            if ips.is_empty() {
                "<none>".to_owned()
            } else {
                ips.join(",")
            }
        ),
    );
    if let Some(ext) = spec.external_ips.as_deref().filter(|e| !e.is_empty()) {
        doc.line(0, &format!("External IPs:\t{}", ext.join(",")));
    }
    if let Some(name) = spec
        .external_name
        .as_deref()
        .filter(|_| svc_type == "ExternalName")
    {
        doc.line(0, &format!("External Name:\t{name}"));
    }
    for p in spec.ports.iter().flatten() {
        let name = p
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "<unset>".to_owned());
        let proto = p.protocol.as_deref().unwrap_or("TCP");
        doc.line(0, &format!("Port:\t{name}\t{}/{proto}", p.port));
        let target = int_or_string(p.target_port.as_ref(), &p.port.to_string());
        doc.line(0, &format!("TargetPort:\t{target}/{proto}"));
        if let Some(np) = p.node_port.filter(|n| *n != 0) {
            doc.line(0, &format!("NodePort:\t{name}\t{np}/{proto}"));
        }
        let eps = endpoints.filter(|e| !e.is_empty()).unwrap_or("<none>");
        doc.line(0, &format!("Endpoints:\t{eps}"));
    }
    doc.line(
        0,
        &format!(
            "Session Affinity:\t{}",
            spec.session_affinity.as_deref().unwrap_or("None")
        ),
    );
    if let Some(p) = &spec.internal_traffic_policy {
        doc.line(0, &format!("Internal Traffic Policy:\t{p}"));
    }
    describe_events(&mut doc, events, now);
    doc.finish()
}
