//! The values kubectl computes for its columns: a pod's READY, STATUS and
//! RESTARTS, AGE with kubectl's duration printer, label and selector strings,
//! and describe's timestamps. Ported from Kubernetes' printers so that the
//! same object reads the same in vcli and kubectl.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};

/// kubectl's `HumanDuration`, from the printing kit (the views and the
/// crate's public API name it here).
pub use vcli_plugin_api::print::human_duration;

/// The time since `ts`, as kubectl's AGE and LAST SEEN columns print it;
/// `<unknown>` when the object has no timestamp.
pub(crate) fn since(ts: Option<&Time>, now: Timestamp) -> String {
    match ts {
        Some(t) => since_ts(t.0, now),
        None => "<unknown>".to_owned(),
    }
}

/// [`since`] for a bare timestamp.
pub(crate) fn since_ts(ts: Timestamp, now: Timestamp) -> String {
    human_duration(now.duration_since(ts).as_secs())
}

/// RFC 1123 with a numeric zone in the local time zone, as `kubectl
/// describe` prints times (`Mon, 02 Jan 2006 15:04:05 -0700`).
pub(crate) fn rfc1123z(ts: &Time) -> String {
    ts.0.to_zoned(TimeZone::system())
        .strftime("%a, %d %b %Y %H:%M:%S %z")
        .to_string()
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

/// A label selector as kubectl prints it (`app=web,tier in (a,b)`), sorted by key.
pub(crate) fn format_selector(selector: Option<&LabelSelector>) -> String {
    let Some(selector) = selector else {
        return String::new();
    };
    let mut parts: Vec<(String, String)> = Vec::new();
    for (k, v) in selector.match_labels.iter().flatten() {
        parts.push((k.clone(), format!("{k}={v}")));
    }
    for expr in selector.match_expressions.iter().flatten() {
        let mut values = expr.values.clone().unwrap_or_default();
        values.sort();
        let key = &expr.key;
        let text = match expr.operator.as_str() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other} ({})", values.join(",")),
        };
        parts.push((key.clone(), text));
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    parts
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",")
}

/// A pod's READY, STATUS and RESTARTS, computed as kubectl's `printPod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    /// `ready/total` containers (restartable init containers count).
    pub ready: String,
    /// `Running`, `CrashLoopBackOff`, `Init:0/1`, `Terminating`, `Completed`...
    pub status: String,
    /// Restarts that count for the pod's current stage.
    pub restarts: i64,
    /// When the most recent of those restarts ended, for `7 (5m ago)`.
    pub last_restart: Option<Timestamp>,
}

impl PodSummary {
    /// The RESTARTS cell: `0`, or `7 (5m ago)` when the last restart is known.
    pub fn restarts_cell(&self, now: Timestamp) -> String {
        restarts_cell(self.restarts, self.last_restart, now)
    }
}

/// The RESTARTS cell for a count and the end of the last restart.
pub(crate) fn restarts_cell(restarts: i64, last: Option<Timestamp>, now: Timestamp) -> String {
    match last {
        Some(ts) if restarts != 0 => format!("{restarts} ({} ago)", since_ts(ts, now)),
        _ => restarts.to_string(),
    }
}

fn later(current: Option<Timestamp>, status: &ContainerStatus) -> Option<Timestamp> {
    let finished = status
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| t.0);
    match (current, finished) {
        (Some(c), Some(f)) => Some(c.max(f)),
        (c, f) => c.or(f),
    }
}

fn condition_true(conditions: &[PodCondition], kind: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == kind && c.status == "True")
}

/// Computes READY, STATUS and RESTARTS exactly as kubectl does.
pub fn pod_summary(pod: &Pod) -> PodSummary {
    let empty_status = Default::default();
    let status = pod.status.as_ref().unwrap_or(&empty_status);
    let empty_spec = Default::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty_spec);
    let conditions = status.conditions.as_deref().unwrap_or_default();
    let phase = status.phase.clone().unwrap_or_default();
    let mut reason = status
        .reason
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| phase.clone());
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_owned();
    }

    let init_specs = spec.init_containers.as_deref().unwrap_or_default();
    let restartable = |name: &str| {
        init_specs
            .iter()
            .any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
    };
    let total = spec.containers.len()
        + init_specs
            .iter()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"))
            .count();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut last_restart = None;
    let mut sidecar_restarts: i64 = 0;
    let mut sidecar_last_restart = None;

    let mut initializing = false;
    for (i, c) in status.init_container_statuses.iter().flatten().enumerate() {
        restarts += i64::from(c.restart_count);
        last_restart = later(last_restart, c);
        let is_sidecar = restartable(&c.name);
        if is_sidecar {
            sidecar_restarts += i64::from(c.restart_count);
            sidecar_last_restart = later(sidecar_last_restart, c);
        }
        let state = c.state.clone().unwrap_or_default();
        if state.terminated.as_ref().is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if is_sidecar && c.started == Some(true) {
            if c.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = &state.terminated {
            reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|s| *s != 0) {
                    Some(signal) => format!("Init:Signal:{signal}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(conditions, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        for c in status.container_statuses.iter().flatten().rev() {
            restarts += i64::from(c.restart_count);
            last_restart = later(last_restart, c);
            let state = c.state.clone().unwrap_or_default();
            let waiting = state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.clone())
                .filter(|r| !r.is_empty());
            if let Some(r) = waiting {
                reason = r;
            } else if let Some(t) = &state.terminated {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_owned(),
                    None => match t.signal.filter(|s| *s != 0) {
                        Some(signal) => format!("Signal:{signal}"),
                        None => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if c.ready && state.running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(conditions, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_owned();
        }
    }

    let deleting = pod.metadata.deletion_timestamp.is_some();
    if deleting && status.reason.as_deref() == Some("NodeLost") {
        reason = "Unknown".to_owned();
    } else if deleting && phase != "Failed" && phase != "Succeeded" {
        reason = "Terminating".to_owned();
    }

    PodSummary {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts,
        last_restart: if restarts != 0 { last_restart } else { None },
    }
}

#[cfg(test)]
#[path = "printers_tests.rs"]
mod tests;
