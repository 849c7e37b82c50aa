//! Unit tests for the kubectl column computations.

use super::*;
use serde_json::json;

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn pod(value: serde_json::Value) -> Pod {
    serde_json::from_value(value).unwrap()
}

#[test]
fn running_pod() {
    let p = pod(json!({
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "app"}, {"name": "side"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": true, "restartCount": 0, "image": "", "imageID": "", "state": {"running": {}}},
            {"name": "side", "ready": true, "restartCount": 0, "image": "", "imageID": "", "state": {"running": {}}}
        ]}
    }));
    let s = pod_summary(&p);
    assert_eq!(
        (s.ready.as_str(), s.status.as_str(), s.restarts),
        ("2/2", "Running", 0)
    );
    assert_eq!(s.restarts_cell(ts("2024-01-01T00:00:00Z")), "0");
}

#[test]
fn crash_loop_with_restarts_ago() {
    let p = pod(json!({
        "metadata": {"name": "crash"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 7, "image": "", "imageID": "",
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2024-01-01T00:00:00Z"}}}
        ]}
    }));
    let s = pod_summary(&p);
    assert_eq!(
        (s.ready.as_str(), s.status.as_str()),
        ("0/1", "CrashLoopBackOff")
    );
    assert_eq!(s.restarts_cell(ts("2024-01-01T00:05:00Z")), "7 (5m ago)");
}

#[test]
fn init_containers() {
    let waiting = pod(json!({
        "metadata": {"name": "init"},
        "spec": {"initContainers": [{"name": "setup"}], "containers": [{"name": "app"}]},
        "status": {"phase": "Pending",
            "initContainerStatuses": [{"name": "setup", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                "state": {"running": {}}}],
            "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                "state": {"waiting": {"reason": "PodInitializing"}}}]}
    }));
    let s = pod_summary(&waiting);
    assert_eq!((s.ready.as_str(), s.status.as_str()), ("0/1", "Init:0/1"));

    let crashing = pod(json!({
        "metadata": {"name": "init"},
        "spec": {"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "app"}]},
        "status": {"phase": "Pending",
            "initContainerStatuses": [
                {"name": "a", "ready": true, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "ready": false, "restartCount": 3, "image": "", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
    }));
    let s = pod_summary(&crashing);
    assert_eq!(
        (s.status.as_str(), s.restarts),
        ("Init:CrashLoopBackOff", 3)
    );

    let failed = pod(json!({
        "metadata": {"name": "init"},
        "spec": {"initContainers": [{"name": "a"}], "containers": [{"name": "app"}]},
        "status": {"phase": "Pending",
            "initContainerStatuses": [{"name": "a", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 2}}}]}
    }));
    assert_eq!(pod_summary(&failed).status, "Init:ExitCode:2");
}

#[test]
fn sidecar_counts_as_a_container() {
    let p = pod(json!({
        "metadata": {"name": "sc"},
        "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "app"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true, "restartCount": 1, "image": "", "imageID": "",
                 "state": {"running": {}}}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"running": {}}}]}
    }));
    let s = pod_summary(&p);
    assert_eq!(
        (s.ready.as_str(), s.status.as_str(), s.restarts),
        ("2/2", "Running", 1)
    );
}

#[test]
fn completed_terminating_and_not_ready() {
    let done = pod(json!({
        "metadata": {"name": "job"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "image": "", "imageID": "",
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
    }));
    assert_eq!(pod_summary(&done).status, "Completed");

    let terminating = pod(json!({
        "metadata": {"name": "bye", "deletionTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "", "imageID": "",
            "state": {"running": {}}}]}
    }));
    assert_eq!(pod_summary(&terminating).status, "Terminating");

    let half = pod(json!({
        "metadata": {"name": "half"},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "a", "ready": false, "restartCount": 0, "image": "", "imageID": "",
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "b", "ready": true, "restartCount": 0, "image": "", "imageID": "", "state": {"running": {}}}]}
    }));
    let s = pod_summary(&half);
    assert_eq!((s.ready.as_str(), s.status.as_str()), ("1/2", "NotReady"));
}

#[test]
fn selectors_and_labels() {
    let sel: LabelSelector = serde_json::from_value(json!({
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]},
                             {"key": "canary", "operator": "DoesNotExist"}]
    }))
    .unwrap();
    assert_eq!(format_selector(Some(&sel)), "app=web,!canary,tier in (a,b)");
    assert_eq!(format_labels(None), "<none>");
}
