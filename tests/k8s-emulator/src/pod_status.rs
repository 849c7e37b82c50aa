//! The pod row of `kubectl get pods`: READY, STATUS and RESTARTS computed exactly as the
//! API server's `printPod` does (Init:0/1, Init:CrashLoopBackOff, CrashLoopBackOff,
//! Completed, Terminating, "5 (3m ago)", ...).

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::age::{human_duration, since};

/// The cells of a pod row: name, ready, status, restarts, age, IP, node, nominated node,
/// readiness gates.
pub(crate) fn cells(pod: &Pod, now: Timestamp) -> Vec<Value> {
    let summary = summarize(pod);
    let restarts = match summary.last_restart {
        Some(at) if summary.restarts != 0 => {
            format!("{} ({} ago)", summary.restarts, human_duration(now, at))
        }
        _ => summary.restarts.to_string(),
    };
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    let or_none = |s: Option<String>| {
        s.filter(|s| !s.is_empty())
            .unwrap_or_else(|| "<none>".to_owned())
    };
    let ip = status
        .pod_ips
        .as_ref()
        .and_then(|ips| ips.first())
        .map(|ip| ip.ip.clone());
    let gates = spec.readiness_gates.clone().unwrap_or_default();
    let readiness_gates = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let conditions = status.conditions.clone().unwrap_or_default();
        let ready = gates
            .iter()
            .filter(|g| {
                conditions
                    .iter()
                    .find(|c| c.type_ == g.condition_type)
                    .is_some_and(|c| c.status == "True")
            })
            .count();
        format!("{ready}/{}", gates.len())
    };
    vec![
        json!(pod.metadata.name.clone().unwrap_or_default()),
        json!(format!("{}/{}", summary.ready, summary.total)),
        json!(summary.reason),
        json!(restarts),
        json!(since(pod.metadata.creation_timestamp.as_ref(), now)),
        json!(or_none(ip)),
        json!(or_none(spec.node_name)),
        json!(or_none(status.nominated_node_name)),
        json!(readiness_gates),
    ]
}

/// The row conditions the server attaches to finished pods.
pub(crate) fn row_conditions(pod: &Pod) -> Option<Value> {
    let (reason, message) = match pod.status.as_ref()?.phase.as_deref()? {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{"type": "Completed", "status": "True", "reason": reason, "message": message}]))
}

/// What the STATUS, READY and RESTARTS columns say about a pod.
#[derive(Debug, PartialEq)]
pub(crate) struct Summary {
    pub(crate) reason: String,
    pub(crate) ready: usize,
    pub(crate) total: usize,
    pub(crate) restarts: i64,
    pub(crate) last_restart: Option<Timestamp>,
}

fn is_restartable(container: Option<&Container>) -> bool {
    container.and_then(|c| c.restart_policy.as_deref()) == Some("Always")
}

fn last_termination(status: &ContainerStatus) -> Option<Timestamp> {
    let terminated = status.last_state.as_ref()?.terminated.as_ref()?;
    terminated.finished_at.as_ref().map(|t| t.0)
}

/// Port of `printPod` from kubernetes/pkg/printers/internalversion/printers.go.
pub(crate) fn summarize(pod: &Pod) -> Summary {
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    let init_specs = spec.init_containers.clone().unwrap_or_default();
    let total = spec.containers.len()
        + init_specs
            .iter()
            .filter(|c| is_restartable(Some(c)))
            .count();
    let mut ready = 0;
    let mut restarts: i64 = 0;
    let mut restartable_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_restart: Option<Timestamp> = None;
    let later = |a: Option<Timestamp>, b: Option<Timestamp>| a.max(b);

    let phase = status.phase.clone().unwrap_or_default();
    let mut reason = status
        .reason
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| phase.clone());
    for condition in status.conditions.iter().flatten() {
        if condition.type_ == "PodScheduled"
            && condition.reason.as_deref() == Some("SchedulingGated")
        {
            reason = "SchedulingGated".to_owned();
        }
    }

    let mut initializing = false;
    let init_statuses = status.init_container_statuses.clone().unwrap_or_default();
    for (i, container) in init_statuses.iter().enumerate() {
        let spec_of = init_specs.iter().find(|c| c.name == container.name);
        restarts += i64::from(container.restart_count);
        last_restart = later(last_restart, last_termination(container));
        if is_restartable(spec_of) {
            restartable_restarts += i64::from(container.restart_count);
            last_restartable_restart = later(last_restartable_restart, last_termination(container));
        }
        let state = container.state.clone().unwrap_or_default();
        match (&state.terminated, &state.waiting) {
            (Some(t), _) if t.exit_code == 0 => continue,
            _ if is_restartable(spec_of) && container.started == Some(true) => {
                if container.ready {
                    ready += 1;
                }
                continue;
            }
            (Some(t), _) => {
                reason = match (t.reason.as_deref(), t.signal) {
                    (Some(r), _) if !r.is_empty() => format!("Init:{r}"),
                    (_, Some(signal)) if signal != 0 => format!("Init:Signal:{signal}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                };
            }
            (None, Some(w))
                if w.reason
                    .as_deref()
                    .is_some_and(|r| !r.is_empty() && r != "PodInitializing") =>
            {
                reason = format!("Init:{}", w.reason.clone().unwrap_or_default());
            }
            _ => reason = format!("Init:{i}/{}", init_specs.len()),
        }
        initializing = true;
        break;
    }

    let initialized = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        for container in status.container_statuses.iter().flatten().rev() {
            restarts += i64::from(container.restart_count);
            last_restart = later(last_restart, last_termination(container));
            let state = container.state.clone().unwrap_or_default();
            let waiting = state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.clone())
                .filter(|r| !r.is_empty());
            if let Some(waiting) = waiting {
                reason = waiting;
            } else if let Some(t) = &state.terminated {
                reason = match (t.reason.as_deref(), t.signal) {
                    (Some(r), _) if !r.is_empty() => r.to_owned(),
                    (_, Some(signal)) if signal != 0 => format!("Signal:{signal}"),
                    _ => format!("ExitCode:{}", t.exit_code),
                };
            } else if container.ready && state.running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        // A pod whose main container exited but with another still running is not done.
        if reason == "Completed" && has_running {
            let pod_ready = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_owned();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some("NodeLost") {
            reason = "Unknown".to_owned();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_owned();
        }
    }
    Summary {
        reason,
        ready,
        total,
        restarts,
        last_restart,
    }
}
