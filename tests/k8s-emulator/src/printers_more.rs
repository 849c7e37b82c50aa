//! Table cells of the types beyond the first few (`printers.rs`), ported from the API
//! server's printers (`pkg/printers/internalversion`), the apiextensions server's default
//! table for CustomResourceDefinitions, and its table convertor for custom resources (the
//! CRD's `additionalPrinterColumns`).
//!
//! The server always renders the wide columns; kubectl hides those with priority > 0 unless
//! `-o wide`.

use std::collections::BTreeSet;

use k8s_openapi::api::apps::v1::{DaemonSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job, JobCondition};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PodTemplateSpec};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::age::{human_duration, since};
use crate::printers::{container_cells, format_labels, selector_string};
use crate::resources::Object;
use crate::widget::Widget;

/// The cells of one object's row (all columns, wide ones included); `name` and `age` are
/// the object's NAME and AGE cells.
pub(crate) fn cells(object: &Object, name: Value, age: Value, now: Timestamp) -> Vec<Value> {
    match object {
        Object::ConfigMap(cm) => {
            let keys = cm.data.as_ref().map_or(0, |d| d.len())
                + cm.binary_data.as_ref().map_or(0, |d| d.len());
            vec![name, json!(keys), age]
        }
        Object::Secret(secret) => {
            let keys = secret.data.as_ref().map_or(0, |d| d.len());
            vec![
                name,
                json!(secret.type_.clone().unwrap_or_default()),
                json!(keys),
                age,
            ]
        }
        Object::PersistentVolumeClaim(pvc) => claim_cells(pvc, name, age),
        Object::StatefulSet(sts) => stateful_set_cells(sts, name, age),
        Object::DaemonSet(ds) => daemon_set_cells(ds, name, age),
        Object::Job(job) => job_cells(job, name, age, now),
        Object::CronJob(cj) => cron_job_cells(cj, name, age, now),
        Object::Ingress(ing) => ingress_cells(ing, name, age),
        Object::CustomResourceDefinition(crd) => {
            let created = crd.metadata.creation_timestamp.as_ref().map_or_else(
                || "0001-01-01T00:00:00Z".to_owned(),
                |t| t.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            );
            vec![name, json!(created)]
        }
        Object::Widget(widget) => widget_cells(widget, name, now),
        // The types of printers.rs never get here.
        _ => vec![name, age],
    }
}

/// The containers' names and images of a pod template.
fn template_cells(template: Option<&PodTemplateSpec>) -> (Value, Value) {
    let containers = template
        .and_then(|t| t.spec.as_ref())
        .map(|s| s.containers.clone())
        .unwrap_or_default();
    let (names, images) = container_cells(&containers);
    (json!(names), json!(images))
}

/// metav1.FormatLabelSelector: the selector's string, or `<none>` when it selects nothing.
fn format_selector(selector: Option<&LabelSelector>) -> Value {
    let text = selector.map(selector_string).unwrap_or_default();
    json!(if text.is_empty() {
        "<none>".to_owned()
    } else {
        text
    })
}

fn claim_cells(pvc: &PersistentVolumeClaim, name: Value, age: Value) -> Vec<Value> {
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    let phase = if pvc.metadata.deletion_timestamp.is_some() {
        "Terminating".to_owned()
    } else {
        status.phase.clone().unwrap_or_default()
    };
    let volume = spec.volume_name.clone().unwrap_or_default();
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let capacity = status
            .capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_else(|| "0".to_owned());
        (capacity, access_modes(status.access_modes.as_deref()))
    };
    let class = pvc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class").cloned())
        .or(spec.storage_class_name.clone())
        .unwrap_or_default();
    let unset = |v: Option<String>| v.unwrap_or_else(|| "<unset>".to_owned());
    vec![
        name,
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(class),
        json!(unset(spec.volume_attributes_class_name.clone())),
        age,
        json!(unset(spec.volume_mode.clone())),
    ]
}

/// `RWO,ROX,RWX,RWOP` in that order, as `GetAccessModesAsString` prints them.
fn access_modes(modes: Option<&[String]>) -> String {
    let modes = modes.unwrap_or_default();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.iter().any(|m| m == mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

fn stateful_set_cells(sts: &StatefulSet, name: Value, age: Value) -> Vec<Value> {
    let spec = sts.spec.clone();
    let ready = sts
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let desired = spec.replicas.unwrap_or(1);
    let (names, images) = template_cells(Some(&spec.template));
    vec![
        name,
        json!(format!("{ready}/{desired}")),
        age,
        names,
        images,
    ]
}

fn daemon_set_cells(ds: &DaemonSet, name: Value, age: Value) -> Vec<Value> {
    let spec = ds.spec.clone();
    let status = ds.status.clone().unwrap_or_default();
    let node_selector = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.node_selector.as_ref());
    let (names, images) = template_cells(Some(&spec.template));
    vec![
        name,
        json!(status.desired_number_scheduled),
        json!(status.current_number_scheduled),
        json!(status.number_ready),
        json!(status.updated_number_scheduled.unwrap_or(0)),
        json!(status.number_available.unwrap_or(0)),
        json!(format_labels(node_selector)),
        age,
        names,
        images,
        format_selector(Some(&spec.selector)),
    ]
}

fn has_condition(conditions: &[JobCondition], type_: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == "True")
}

fn job_cells(job: &Job, name: Value, age: Value, now: Timestamp) -> Vec<Value> {
    let spec = job.spec.clone().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    let succeeded = status.succeeded.unwrap_or(0);
    let completions = match spec.completions {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec.parallelism.unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = match (&status.start_time, &status.completion_time) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now, start.0),
        (Some(start), Some(end)) => human_duration(end.0, start.0),
    };
    let conditions = status.conditions.clone().unwrap_or_default();
    let state = if has_condition(&conditions, "Complete") {
        "Complete"
    } else if has_condition(&conditions, "Failed") {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if has_condition(&conditions, "Suspended") {
        "Suspended"
    } else if has_condition(&conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = template_cells(Some(&spec.template));
    vec![
        name,
        json!(state),
        json!(completions),
        json!(duration),
        age,
        names,
        images,
        format_selector(spec.selector.as_ref()),
    ]
}

fn cron_job_cells(cj: &CronJob, name: Value, age: Value, now: Timestamp) -> Vec<Value> {
    let spec = cj.spec.clone();
    let status = cj.status.clone().unwrap_or_default();
    let last = status
        .last_schedule_time
        .as_ref()
        .map_or_else(|| "<none>".to_owned(), |t| since(Some(t), now));
    let suspend = match spec.suspend {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let job_spec = spec.job_template.spec.clone().unwrap_or_default();
    let (names, images) = template_cells(Some(&job_spec.template));
    vec![
        name,
        json!(spec.schedule),
        json!(
            spec.time_zone
                .clone()
                .unwrap_or_else(|| "<none>".to_owned())
        ),
        json!(suspend),
        json!(status.active.as_ref().map_or(0, Vec::len)),
        json!(last),
        age,
        names,
        images,
        format_selector(job_spec.selector.as_ref()),
    ]
}

fn ingress_cells(ing: &Ingress, name: Value, age: Value) -> Vec<Value> {
    let spec = ing.spec.clone().unwrap_or_default();
    let class = spec
        .ingress_class_name
        .clone()
        .unwrap_or_else(|| "<none>".to_owned());
    let rules = spec.rules.clone().unwrap_or_default();
    // formatHosts: at most three hosts, then how many rules are left.
    let mut hosts: Vec<String> = Vec::new();
    let mut more = false;
    for rule in &rules {
        if hosts.len() == 3 {
            more = true;
        }
        if let Some(host) = rule.host.as_ref().filter(|h| !h.is_empty() && !more) {
            hosts.push(host.clone());
        }
    }
    let hosts = match (hosts.is_empty(), more) {
        (true, _) => "*".to_owned(),
        (false, true) => format!("{} + {} more...", hosts.join(","), rules.len() - 3),
        (false, false) => hosts.join(","),
    };
    // A sorted set of the load balancer's IPs (or hostnames); the server renders the wide
    // form, which is never clipped.
    let address: BTreeSet<String> = ing
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|i| {
            i.ip.clone()
                .filter(|ip| !ip.is_empty())
                .or(i.hostname.clone().filter(|h| !h.is_empty()))
        })
        .collect();
    let ports = if spec.tls.as_ref().is_some_and(|t| !t.is_empty()) {
        "80, 443"
    } else {
        "80"
    };
    vec![
        name,
        json!(class),
        json!(hosts),
        json!(address.into_iter().collect::<Vec<_>>().join(",")),
        json!(ports),
        age,
    ]
}

/// The NAME cell, then one cell per printer column, as the apiextensions server's table
/// convertor computes them (a missing value is a null cell, which kubectl prints empty).
fn widget_cells(widget: &Widget, name: Value, now: Timestamp) -> Vec<Value> {
    let object = serde_json::to_value(widget).unwrap_or(Value::Null);
    let mut cells = vec![name];
    for column in crate::widget::printer_columns() {
        let value = column
            .json_path
            .trim_start_matches('.')
            .split('.')
            .try_fold(&object, |v, key| v.get(key));
        cells.push(match value {
            None | Some(Value::Null) => Value::Null,
            Some(v) => column_cell(&column.type_, v, now),
        });
    }
    cells
}

/// `cellForJSONValue` and, for string columns, the JSONPath printer's text.
fn column_cell(type_: &str, value: &Value, now: Timestamp) -> Value {
    match (type_, value) {
        ("integer", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map_or(Value::Null, |i| json!(i)),
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, |f| json!(f)),
        ("boolean", Value::Bool(b)) => json!(b),
        ("string", Value::String(s)) => json!(s),
        ("string", Value::Object(_) | Value::Array(_)) => json!(value.to_string()),
        ("string", other) => json!(other.to_string()),
        ("date", Value::String(s)) => match s.parse::<Timestamp>() {
            Ok(t) => json!(human_duration(now, t)),
            Err(_) => json!("<invalid>"),
        },
        _ => Value::Null,
    }
}
