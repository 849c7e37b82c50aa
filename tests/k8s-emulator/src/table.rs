//! Server-side representations other than the full object: `meta.k8s.io` Tables (what
//! `kubectl get` prints) and `PartialObjectMetadata` (kube's metadata-only API).

use std::sync::Arc;

use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::columns;
use crate::params::IncludeObject;
use crate::pod_status;
use crate::printers;
use crate::resources::{Object, ResourceKind};
use crate::store::Entry;

/// The `metadata` of a list or table.
#[derive(Debug, Default)]
pub(crate) struct ListMetadata {
    pub(crate) resource_version: u64,
    pub(crate) continue_token: Option<String>,
    pub(crate) remaining: Option<usize>,
}

impl ListMetadata {
    pub(crate) fn to_json(&self) -> Value {
        let mut meta = Map::new();
        meta.insert(
            "resourceVersion".into(),
            json!(self.resource_version.to_string()),
        );
        if let Some(token) = &self.continue_token {
            meta.insert("continue".into(), json!(token));
        }
        if let Some(remaining) = self.remaining.filter(|&r| r > 0) {
            meta.insert("remainingItemCount".into(), json!(remaining));
        }
        Value::Object(meta)
    }
}

/// A Table of `entries`; `with_columns` is false for watch events after the first, which
/// carry rows only, as the real server sends them.
pub(crate) fn table(
    kind: ResourceKind,
    entries: &[Arc<Entry>],
    version: &str,
    include: IncludeObject,
    metadata: &ListMetadata,
    with_columns: bool,
) -> Value {
    let now = crate::now();
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| row(e, include, version, now))
        .collect();
    let columns = if with_columns {
        columns::columns(kind)
    } else {
        json!([])
    };
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": metadata.to_json(),
        "columnDefinitions": columns,
        "rows": rows,
    })
}

fn row(entry: &Entry, include: IncludeObject, version: &str, now: Timestamp) -> Value {
    let mut row = Map::new();
    row.insert(
        "cells".into(),
        Value::Array(printers::cells(&entry.object, now)),
    );
    if let Object::Pod(pod) = &entry.object
        && let Some(conditions) = pod_status::row_conditions(pod)
    {
        row.insert("conditions".into(), conditions);
    }
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => {
            row.insert("object".into(), partial_metadata(entry, version));
        }
        IncludeObject::Object => {
            row.insert(
                "object".into(),
                serde_json::from_slice(&entry.json).unwrap_or(Value::Null),
            );
        }
    }
    Value::Object(row)
}

/// `PartialObjectMetadata` of one object.
pub(crate) fn partial_metadata(entry: &Entry, version: &str) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": serde_json::to_value(entry.object.metadata()).unwrap_or(Value::Null),
    })
}

/// `PartialObjectMetadataList` of `entries`.
pub(crate) fn partial_metadata_list(entries: &[Arc<Entry>], metadata: &ListMetadata) -> Value {
    json!({
        "kind": "PartialObjectMetadataList",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata.to_json(),
        "items": entries.iter().map(|e| partial_metadata(e, "v1")).collect::<Vec<_>>(),
    })
}
