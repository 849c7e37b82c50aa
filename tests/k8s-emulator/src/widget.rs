//! The emulator's one custom resource: `widgets.example.com`, a namespaced `Widget` kind in
//! group `example.com`, version `v1`, whose CustomResourceDefinition declares
//! `additionalPrinterColumns` (so `kubectl get widgets` prints its own columns).
//!
//! A real API server serves custom resources as unstructured JSON; here they are a typed
//! value like every other object, serialized with their `apiVersion` and `kind`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceColumnDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// The group of the custom resource.
pub const WIDGET_GROUP: &str = "example.com";

/// An `example.com/v1` Widget.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Widget {
    /// Standard object metadata.
    pub metadata: ObjectMeta,
    /// What the widget should be.
    pub spec: WidgetSpec,
    /// What the widget's controller last reported; `None` before it saw the widget.
    pub status: Option<WidgetStatus>,
}

/// `Widget.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSpec {
    /// How many parts (the `SIZE` column, an integer).
    pub size: i64,
    /// The paint (the `COLOR` column); unset prints an empty cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// The team that owns it (the `OWNER` column, `-o wide` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// `Widget.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    /// `Ready`, `Degraded`, ... (the `PHASE` column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Whether it serves (the `READY` column, a boolean).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    /// The share of its capacity in use (the `LOAD` column, a number, `-o wide` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<f64>,
}

impl Serialize for Widget {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if self.status.is_some() { 5 } else { 4 };
        let mut s = serializer.serialize_struct("Widget", fields)?;
        s.serialize_field("apiVersion", "example.com/v1")?;
        s.serialize_field("kind", "Widget")?;
        s.serialize_field("metadata", &self.metadata)?;
        s.serialize_field("spec", &self.spec)?;
        if let Some(status) = &self.status {
            s.serialize_field("status", status)?;
        }
        s.end()
    }
}

/// The CRD's `additionalPrinterColumns`: (name, type, JSONPath, priority, description).
const COLUMNS: [(&str, &str, &str, i32, &str); 7] = [
    (
        "Size",
        "integer",
        ".spec.size",
        0,
        "How many parts the widget has.",
    ),
    ("Color", "string", ".spec.color", 0, ""),
    (
        "Phase",
        "string",
        ".status.phase",
        0,
        "The lifecycle phase.",
    ),
    (
        "Ready",
        "boolean",
        ".status.ready",
        0,
        "Whether the widget serves.",
    ),
    ("Age", "date", ".metadata.creationTimestamp", 0, ""),
    (
        "Owner",
        "string",
        ".spec.owner",
        1,
        "The team that owns the widget.",
    ),
    (
        "Load",
        "number",
        ".status.load",
        1,
        "The share of the widget's capacity in use.",
    ),
];

/// The printer columns the CRD declares, in order.
pub(crate) fn printer_columns() -> Vec<CustomResourceColumnDefinition> {
    COLUMNS
        .iter()
        .map(
            |&(name, type_, json_path, priority, description)| CustomResourceColumnDefinition {
                name: name.to_owned(),
                type_: type_.to_owned(),
                json_path: json_path.to_owned(),
                priority: (priority != 0).then_some(priority),
                description: (!description.is_empty()).then(|| description.to_owned()),
                format: None,
            },
        )
        .collect()
}
