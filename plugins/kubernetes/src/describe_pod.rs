//! `describe pod`: the pod's own sections (containers and volumes are in
//! `describe_containers.rs`, shared with pod templates).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, Event, Pod};

use crate::describe::{Doc, describe_events};
use crate::describe_containers::{containers, volumes};
use crate::printers::{human_duration, rfc1123z};

/// Describes a pod, with `events` (None when they could not be listed).
pub(crate) fn describe_pod(pod: &Pod, events: Option<&[Event]>, now: Timestamp) -> String {
    let mut d = Doc::default();
    let meta = &pod.metadata;
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    d.line(
        0,
        &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()),
    );
    d.line(
        0,
        &format!(
            "Namespace:\t{}",
            meta.namespace.as_deref().unwrap_or_default()
        ),
    );
    if let Some(p) = spec.priority {
        d.line(0, &format!("Priority:\t{p}"));
    }
    if let Some(pc) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        d.line(0, &format!("Priority Class Name:\t{pc}"));
    }
    if let Some(rc) = spec.runtime_class_name.as_deref().filter(|s| !s.is_empty()) {
        d.line(0, &format!("Runtime Class Name:\t{rc}"));
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        d.line(0, &format!("Service Account:\t{sa}"));
    }
    match spec.node_name.as_deref().filter(|s| !s.is_empty()) {
        None => d.line(0, "Node:\t<none>"),
        Some(node) => d.line(
            0,
            &format!(
                "Node:\t{node}/{}",
                status.host_ip.as_deref().unwrap_or_default()
            ),
        ),
    }
    if let Some(start) = &status.start_time {
        d.line(0, &format!("Start Time:\t{}", rfc1123z(start)));
    }
    d.labels(0, "Labels", meta.labels.as_ref());
    d.annotations(0, meta.annotations.as_ref());
    let phase = status.phase.clone().unwrap_or_default();
    match &meta.deletion_timestamp {
        Some(deleted) if phase != "Failed" && phase != "Succeeded" => {
            let left = deleted.0.duration_since(now).as_secs();
            d.line(
                0,
                &format!("Status:\tTerminating (lasts {})", human_duration(left)),
            );
            d.line(
                0,
                &format!(
                    "Termination Grace Period:\t{}s",
                    meta.deletion_grace_period_seconds.unwrap_or(0)
                ),
            );
        }
        _ => d.line(0, &format!("Status:\t{phase}")),
    }
    if let Some(r) = status.reason.as_deref().filter(|s| !s.is_empty()) {
        d.line(0, &format!("Reason:\t{r}"));
    }
    if let Some(m) = status.message.as_deref().filter(|s| !s.is_empty()) {
        d.line(0, &format!("Message:\t{m}"));
    }
    d.line(
        0,
        &format!("IP:\t{}", status.pod_ip.as_deref().unwrap_or_default()),
    );
    match status.pod_ips.as_deref().filter(|ips| !ips.is_empty()) {
        None => d.line(0, "IPs:\t<none>"),
        Some(ips) => {
            d.line(0, "IPs:");
            for ip in ips {
                d.line(1, &format!("IP:\t{}", ip.ip));
            }
        }
    }
    if let Some(owner) = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
    {
        d.line(0, &format!("Controlled By:\t{}/{}", owner.kind, owner.name));
    }
    if let Some(n) = status
        .nominated_node_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        d.line(0, &format!("NominatedNodeName:\t{n}"));
    }
    if let Some(init) = spec.init_containers.as_deref().filter(|c| !c.is_empty()) {
        containers(
            &mut d,
            0,
            "Init Containers",
            init,
            status.init_container_statuses.as_deref(),
        );
    }
    containers(
        &mut d,
        0,
        "Containers",
        &spec.containers,
        status.container_statuses.as_deref(),
    );
    if let Some(conditions) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        d.line(0, "Conditions:");
        d.line(1, "Type\tStatus");
        for c in conditions {
            d.line(1, &format!("{} \t{} ", c.type_, c.status));
        }
    }
    volumes(&mut d, 0, spec.volumes.as_deref().unwrap_or_default());
    let qos = status
        .qos_class
        .clone()
        .filter(|q| !q.is_empty())
        .unwrap_or_else(|| qos_class(&spec.containers));
    d.line(0, &format!("QoS Class:\t{qos}"));
    d.labels(0, "Node-Selectors", spec.node_selector.as_ref());
    d.tolerations(0, spec.tolerations.as_deref().unwrap_or_default());
    describe_events(&mut d, events, now);
    d.finish()
}

/// `BestEffort`, `Guaranteed` or `Burstable`, from requests and limits.
fn qos_class(containers: &[Container]) -> String {
    let mut any = false;
    let mut guaranteed = true;
    for c in containers {
        let r = c.resources.clone().unwrap_or_default();
        let (req, lim) = (r.requests.unwrap_or_default(), r.limits.unwrap_or_default());
        any |= !req.is_empty() || !lim.is_empty();
        for res in ["cpu", "memory"] {
            match (lim.get(res), req.get(res)) {
                (Some(l), Some(q)) if l == q => {}
                (Some(_), None) => {}
                _ => guaranteed = false,
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
    .to_owned()
}
