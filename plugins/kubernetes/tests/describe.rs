//! `vcli k8s describe` against the emulator: kubectl's sections and the
//! object's events; snapshots with absolute dates redacted.

mod common;

use common::Env;
use vcli_k8s_emulator::names;

/// Replaces `Tue, 24 Nov 2026 08:42:57 +0000` (describe's absolute times,
/// which move with the clock) with `<date>`, and container IDs with `<id>`.
fn redact_dates(text: &str) -> String {
    const DAYS: [&str; 7] = [
        "Mon, ", "Tue, ", "Wed, ", "Thu, ", "Fri, ", "Sat, ", "Sun, ",
    ];
    const LEN: usize = "Tue, 24 Nov 2026 08:42:57 +0000".len();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((i, _)) = DAYS
        .iter()
        .filter_map(|d| rest.find(d).map(|i| (i, d)))
        .min_by_key(|(i, _)| *i)
    {
        let candidate = rest.get(i..i + LEN).unwrap_or_default();
        let b = candidate.as_bytes();
        let is_date = candidate.len() == LEN
            && b[19] == b':'
            && b[22] == b':'
            && (b[26] == b'+' || b[26] == b'-');
        let cut = if is_date { i + LEN } else { i + 5 };
        out.push_str(&rest[..i]);
        out.push_str(if is_date { "<date>" } else { &rest[i..cut] });
        rest = &rest[cut..];
    }
    out.push_str(rest);
    // Container IDs are derived from start times, which follow the clock.
    let mut redacted = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("containerd://") {
        let start = i + "containerd://".len();
        let hex = rest[start..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        redacted.push_str(&rest[..start]);
        redacted.push_str(if hex == 64 {
            "<id>"
        } else {
            &rest[start..start + hex]
        });
        rest = &rest[start + hex..];
    }
    redacted.push_str(rest);
    redacted
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, redact_dates(&$text));
        });
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashlooping_pod_has_every_section_and_its_events() {
    let env = Env::standard().await;
    let text = env.ok(&["describe", "pod", names::CRASHLOOP_POD]).await;
    for section in [
        "Name:",
        "Namespace:",
        "Priority:",
        "Service Account:",
        "Node:",
        "Start Time:",
        "Labels:",
        "Annotations:",
        "Status:",
        "IP:",
        "IPs:",
        "Controlled By:",
        "Containers:",
        "    State:          Waiting",
        "      Reason:       CrashLoopBackOff",
        "    Last State:     Terminated",
        "      Exit Code:    1",
        "    Ready:          False",
        "    Restart Count:  7",
        "    Limits:",
        "    Requests:",
        "    Environment:",
        "    Mounts:",
        "Conditions:",
        "Volumes:",
        "QoS Class:",
        "Node-Selectors:",
        "Tolerations:",
        "Events:\n  Type     Reason",
        "Back-off restarting failed container",
    ] {
        assert!(text.contains(section), "missing {section:?}:\n{text}");
    }
    snapshot!("kubernetes__describe_pod_crashloop", text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_and_multi_container_pods() {
    let env = Env::standard().await;
    let init = env.ok(&["describe", "po", names::INIT_CRASHLOOP_POD]).await;
    assert!(init.contains("Init Containers:\n  migrate:"), "{init}");
    assert!(init.contains("    Restart Count:  12"));
    let multi = env
        .ok(&["describe", &format!("pod/{}", names::MULTI_POD)])
        .await;
    assert!(multi.contains("Containers:\n  app:") && multi.contains("  sidecar:"));
    assert!(
        multi.contains("Annotations:      kubectl.kubernetes.io/default-container: app"),
        "{multi}"
    );
    assert!(
        multi.trim_end().ends_with("Events:          <none>"),
        "{multi}"
    );
    snapshot!("kubernetes__describe_pod_multi", multi);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_service_and_node() {
    let env = Env::standard().await;
    let deploy = env.ok(&["describe", "deployment", "nginx"]).await;
    assert!(
        deploy.contains(
            "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable"
        ),
        "{deploy}"
    );
    assert!(deploy.contains("Pod Template:\n  Labels:  app=nginx"));
    assert!(
        deploy.contains("  Containers:\n   nginx:\n    Image:"),
        "{deploy}"
    );
    assert!(deploy.contains("ScalingReplicaSet"));
    snapshot!("kubernetes__describe_deployment", deploy);

    let svc = env.ok(&["describe", "svc", "nginx"]).await;
    for line in [
        "Selector:                 app=nginx",
        "Type:                     ClusterIP",
        "Port:                     http  80/TCP",
        "Endpoints:",
        "Session Affinity:         None",
    ] {
        assert!(svc.contains(line), "missing {line:?}:\n{svc}");
    }
    snapshot!("kubernetes__describe_service", svc);

    let node = env.ok(&["describe", "node", names::WORKER_NODE]).await;
    for line in [
        "Taints:",
        "Unschedulable:      false",
        "Conditions:",
        "Addresses:",
        "Capacity:",
        "Allocatable:",
        "System Info:",
        "Non-terminated Pods:",
        "NodeNotReady",
    ] {
        assert!(node.contains(line), "missing {line:?}:\n{node}");
    }
    snapshot!("kubernetes__describe_node", node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_errors() {
    let env = Env::standard().await;
    let e = env.err(&["describe", "pod", "nope"]).await;
    assert_eq!(
        e.to_string(),
        "Error from server (NotFound): pods \"nope\" not found"
    );
    assert_eq!(e.exit_code(), 1);
    assert!(
        matches!(e, vcli_plugin_api::PluginError::Server { .. }),
        "the server's words are a server error, shown as they are: {e:?}"
    );
    let e = env.err(&["describe", "pod"]).await;
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(matches!(e, vcli_plugin_api::PluginError::Usage(_)), "{e:?}");
    let e = env.err(&["describe", "events", "x"]).await;
    assert_eq!(e.exit_code(), 2, "{e}");
    let e = env.err(&["describe", "foo", "x"]).await;
    assert_eq!(
        e.to_string(),
        "the server doesn't have a resource type \"foo\""
    );
}
