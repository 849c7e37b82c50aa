//! Errors in kubectl's words, with the right exit codes: server statuses,
//! authentication, connection failures, timeouts and bounded retries.

mod common;

use std::time::Duration;

use common::Env;
use vcli_k8s_emulator::names;
use vcli_plugin_api::{
    Capability, DescribePlugin, HostServices, Plugin, PluginConfig, PluginContext,
};
use vcli_plugin_kubernetes::KubernetesPlugin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_statuses() {
    let env = Env::standard().await;
    let e = env.err(&["get", "pod", "x"]).await;
    assert_eq!(
        e.to_string(),
        "Error from server (NotFound): pods \"x\" not found"
    );
    assert_eq!(e.exit_code(), 1);
    let e = env.err(&["get", "pods", "--context", "forbidden"]).await;
    assert!(
        e.to_string()
            .starts_with("Error from server (Forbidden): pods is forbidden: User "),
        "{e}"
    );
    assert_eq!(e.exit_code(), 1);
    let e = env.err(&["get", "pods", "--context", "bad-token"]).await;
    assert_eq!(
        e.to_string(),
        "error: You must be logged in to the server (Unauthorized)"
    );
    assert_eq!(e.exit_code(), 1);
    let e = env.err(&["get", "pods", "-l", "a in (b"]).await;
    assert!(
        e.to_string()
            .starts_with("Error from server (BadRequest): "),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let env = Env::standard().await;
    for (args, message) in [
        (
            &["get", "pods", "x", "-A"][..],
            "a resource cannot be retrieved by name across all namespaces",
        ),
        (&["get", "pods", "--request-timeout", "soon"], ""),
        (&["get", "pods", "--sort-by", "metadata"], ""),
    ] {
        let e = env.err(args).await;
        assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
        if !message.is_empty() {
            assert_eq!(e.to_string(), message);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_kubectl_refuses_exits_1_in_its_words() {
    let env = Env::standard().await;
    for (args, message) in [
        (
            &["get", "foo"][..],
            "the server doesn't have a resource type \"foo\"",
        ),
        (
            &["get", "Foo.bar"],
            "the server doesn't have a resource type \"Foo\" in group \"bar\"",
        ),
        (
            &["get", "pods", "-o", "table"],
            "unable to match a printer suitable for the output format \"table\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,wide,yaml",
        ),
        (
            &["get", "pods", "-o", "jsonpath"],
            "template format specified but no template given",
        ),
        (
            &["get", "pods", "-o", "jsonpath={.items"],
            "error parsing jsonpath {.items, unclosed action",
        ),
        (
            &["get", "pods", "-o", "custom-columns=NAME"],
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>",
        ),
        (
            &["get", "pods", "-o", "json", "--show-labels"],
            "--show-labels option cannot be used with json printer",
        ),
    ] {
        let e = env.err(args).await;
        assert_eq!(
            (e.exit_code(), e.to_string().as_str()),
            (1, message),
            "{args:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_names_the_server() {
    let env = Env::standard().await;
    let port = env.emulator.addr().port();
    let kubeconfig = env.kubeconfig.clone();
    // Await the shutdown: a dropped emulator closes its listener only when
    // its task next runs, and a connection in between would be reset, not refused.
    env.emulator.shutdown().await;
    let path = kubeconfig.display().to_string();
    let plugin = KubernetesPlugin::create();
    let host = std::sync::Arc::new(common::host());
    let ctx = PluginContext::new(
        "kubernetes",
        Capability::ALL.to_vec(),
        Default::default(),
        host as std::sync::Arc<dyn HostServices>,
    );
    plugin
        .initialize(
            ctx,
            PluginConfig::from_toml(&format!("kubeconfig = {path:?}")),
        )
        .await
        .unwrap();
    let captured = common::Capture::new();
    let e = common::run_with(&plugin, &["get", "pods"], &captured)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "The connection to the server 127.0.0.1:{port} was refused - did you specify the right host or port?"
        )
    );
    assert_eq!(e.exit_code(), 1);
    let health = plugin.health().await;
    assert_eq!(health.state, vcli_plugin_api::HealthState::Unhealthy);
    assert!(health.message.contains("was refused"), "{}", health.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_kubeconfig_says_where_it_looked() {
    let env = Env::standard().await;
    let e = env
        .err(&["get", "pods", "--kubeconfig", "/nonexistent/kubeconfig"])
        .await;
    assert!(
        e.to_string()
            .starts_with("cannot read kubeconfig /nonexistent/kubeconfig"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts() {
    let env = Env::standard().await;
    env.emulator.faults().set_latency(Duration::from_secs(3));
    let e = env.err(&["get", "pods", "--request-timeout", "1s"]).await;
    assert_eq!(
        e.to_string(),
        "Unable to connect to the server: the request timed out after 1s (--request-timeout)"
    );
    assert_eq!(e.exit_code(), 1);
    env.emulator.faults().clear();
    assert!(
        env.ok(&["get", "pods", "--request-timeout", "5s", "-o", "name"])
            .await
            .contains("pod/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let env = Env::standard().await;
    env.emulator.faults().fail_next_matching(2, 500, "/pods");
    let text = env.ok(&["get", "pods", "-o", "name"]).await;
    assert!(text.contains(names::API_POD), "the third attempt succeeds");
    let attempts = env
        .emulator
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/namespaces/default/pods?"))
        .count();
    assert_eq!(attempts, 3);

    env.emulator.faults().fail_next_matching(10, 503, "/pods");
    let e = env.err(&["get", "pods"]).await;
    assert!(
        e.to_string()
            .starts_with("Error from server (ServiceUnavailable): "),
        "{e}"
    );
    let attempts = env
        .emulator
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/namespaces/default/pods?"))
        .count();
    assert_eq!(attempts, 6, "three more attempts, then the error");
    env.emulator.faults().clear();

    env.emulator.faults().fail_next_matching(1, 500, "/pods/x");
    let e = env.err(&["get", "pod", "x"]).await;
    assert_eq!(
        e.to_string(),
        "Error from server (NotFound): pods \"x\" not found",
        "retried past the 500"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_problems_exit_1_as_in_kubectl() {
    let env = Env::standard().await;
    let e = env.err(&["get", "pods", "--context", "nowhere"]).await;
    assert_eq!(e.to_string(), "context \"nowhere\" does not exist");
    assert_eq!(e.exit_code(), 1, "kubectl exits 1 for a missing context");
    let e = env.err(&["contexts", "--context", "nowhere"]).await;
    assert_eq!(e.exit_code(), 1, "{e}");
}
