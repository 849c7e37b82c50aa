//! The columns of `get`'s tables, per resource type, as the API server's
//! table printer (which kubectl shows) computes them.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use serde::de::DeserializeOwned;
use serde_json::Value;
use vcli_plugin_api::PluginError;

use crate::columns_cluster::{event_row, node_row, service_row};
use crate::printers::{format_selector, pod_summary, since};
use crate::resources::Kind;

/// The header row for `kind` (with NAMESPACE first for `-A`).
pub(crate) fn headers(kind: Kind, wide: bool, all_namespaces: bool) -> Vec<&'static str> {
    let mut h: Vec<&'static str> = Vec::new();
    if all_namespaces && kind.namespaced() {
        h.push("NAMESPACE");
    }
    let (base, extra): (&[&str], &[&str]) = match kind {
        Kind::Pod => (
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ),
        Kind::Deployment => (
            &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        Kind::Service => (
            &[
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
            ],
            &["SELECTOR"],
        ),
        Kind::Node => (
            &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            &[
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ],
        ),
        Kind::Namespace => (&["NAME", "STATUS", "AGE"], &[]),
        Kind::Event => (
            &["LAST SEEN", "TYPE", "REASON", "OBJECT"],
            &[
                "SUBOBJECT",
                "SOURCE",
                "MESSAGE",
                "FIRST SEEN",
                "COUNT",
                "NAME",
            ],
        ),
    };
    h.extend_from_slice(base);
    if wide {
        h.extend_from_slice(extra);
    } else if kind == Kind::Event {
        h.push("MESSAGE");
    }
    h
}

fn typed<T: DeserializeOwned>(item: &Value, kind: Kind) -> Result<T, PluginError> {
    T::deserialize(item).map_err(|e| {
        PluginError::with_source(
            format!(
                "the server sent a {} kubectl could not read: {e}",
                kind.kind()
            ),
            e,
        )
    })
}

/// One table row for `item`, an object of `kind` as JSON.
///
/// # Errors
///
/// When the object does not decode as its kind.
pub(crate) fn row(
    kind: Kind,
    item: &Value,
    wide: bool,
    all_namespaces: bool,
    now: Timestamp,
) -> Result<Vec<String>, PluginError> {
    let mut cells = Vec::new();
    if all_namespaces && kind.namespaced() {
        cells.push(
            item["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    match kind {
        Kind::Pod => pod_row(&typed(item, kind)?, wide, now, &mut cells),
        Kind::Deployment => deployment_row(&typed(item, kind)?, wide, now, &mut cells),
        Kind::Service => service_row(&typed(item, kind)?, wide, now, &mut cells),
        Kind::Node => node_row(&typed(item, kind)?, wide, now, &mut cells),
        Kind::Namespace => {
            let ns: Namespace = typed(item, kind)?;
            let phase = ns.status.and_then(|s| s.phase).unwrap_or_default();
            cells.extend([
                name(&ns.metadata),
                phase,
                since(ns.metadata.creation_timestamp.as_ref(), now),
            ]);
        }
        Kind::Event => event_row(&typed(item, kind)?, wide, now, &mut cells),
    }
    Ok(cells)
}

pub(crate) fn name(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

pub(crate) fn or_none(text: String) -> String {
    if text.is_empty() {
        "<none>".to_owned()
    } else {
        text
    }
}

fn pod_row(pod: &Pod, wide: bool, now: Timestamp, cells: &mut Vec<String>) {
    let s = pod_summary(pod);
    cells.extend([
        name(&pod.metadata),
        s.ready.clone(),
        s.status.clone(),
        s.restarts_cell(now),
        since(pod.metadata.creation_timestamp.as_ref(), now),
    ]);
    if wide {
        let status = pod.status.clone().unwrap_or_default();
        let spec = pod.spec.clone().unwrap_or_default();
        let ip = status
            .pod_ips
            .as_ref()
            .and_then(|ips| ips.first())
            .map(|i| i.ip.clone());
        let gates = spec.readiness_gates.as_deref().unwrap_or_default();
        let gates = if gates.is_empty() {
            "<none>".to_owned()
        } else {
            let conditions = status.conditions.as_deref().unwrap_or_default();
            let ok = gates
                .iter()
                .filter(|g| {
                    conditions
                        .iter()
                        .find(|c| c.type_ == g.condition_type)
                        .is_some_and(|c| c.status == "True")
                })
                .count();
            format!("{ok}/{}", gates.len())
        };
        cells.extend([
            or_none(ip.unwrap_or_default()),
            or_none(spec.node_name.unwrap_or_default()),
            or_none(status.nominated_node_name.unwrap_or_default()),
            gates,
        ]);
    }
}

fn deployment_row(d: &Deployment, wide: bool, now: Timestamp, cells: &mut Vec<String>) {
    let spec = &d.spec;
    let status = d.status.clone().unwrap_or_default();
    cells.extend([
        name(&d.metadata),
        format!(
            "{}/{}",
            status.ready_replicas.unwrap_or(0),
            spec.replicas.unwrap_or(1)
        ),
        status.updated_replicas.unwrap_or(0).to_string(),
        status.available_replicas.unwrap_or(0).to_string(),
        since(d.metadata.creation_timestamp.as_ref(), now),
    ]);
    if wide {
        let containers = spec
            .template
            .spec
            .as_ref()
            .map(|s| s.containers.clone())
            .unwrap_or_default();
        cells.push(
            containers
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
        cells.push(
            containers
                .iter()
                .map(|c| c.image.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(","),
        );
        cells.push(format_selector(Some(&spec.selector)));
    }
}

/// The table as text, laid out like kubectl's by `layout` (which remembers
/// column widths from earlier pages).
pub(crate) fn render(
    layout: &mut crate::tabwriter::Layout,
    headers: Option<&[&str]>,
    rows: &[Vec<String>],
) -> String {
    let mut text = String::new();
    if let Some(h) = headers {
        text.push_str(&h.join("\t"));
        text.push('\n');
    }
    for row in rows {
        text.push_str(&row.join("\t"));
        text.push('\n');
    }
    layout.format(&text)
}
