//! The plugin as the host drives it: metadata, configuration, capabilities,
//! metering, health, the watcher-fed model and contexts.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Env, TestHost, host};
use k8s_openapi::api::core::v1::Pod;
use vcli_k8s_emulator::{Fixtures, names};
use vcli_plugin_api::{
    CancellationToken, Capability, DescribePlugin, HealthState, HostServices, Plugin, PluginConfig,
    PluginContext,
};
use vcli_plugin_kubernetes::{Kind, KubernetesPlugin, Request, WatchState};

#[test]
fn metadata_and_command_tree() {
    let m = KubernetesPlugin::METADATA;
    assert_eq!(m.name, "kubernetes");
    assert_eq!(m.command, Some("k8s"));
    for c in [
        Capability::Network,
        Capability::KubernetesApi,
        Capability::CliCommands,
        Capability::TuiRendering,
    ] {
        assert!(m.needs(c), "{c}");
    }
    let cmd = KubernetesPlugin::command().unwrap();
    assert_eq!(cmd.get_name(), "k8s");
    let subs: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    assert_eq!(subs, ["contexts", "get", "describe", "logs", "health"]);
    for global in ["kubeconfig", "context", "namespace", "request-timeout"] {
        assert!(
            cmd.get_arguments()
                .any(|a| a.get_id() == global && a.is_global_set()),
            "{global}"
        );
    }
    assert!(
        vcli_plugin_api::registrations()
            .iter()
            .any(|r| r.metadata().name == "kubernetes")
    );
}

fn ctx(host: Arc<TestHost>, granted: &[Capability], cancel: CancellationToken) -> PluginContext {
    PluginContext::new(
        "kubernetes",
        granted.to_vec(),
        cancel,
        host as Arc<dyn HostServices>,
    )
}

#[tokio::test]
async fn config_is_checked_with_line_numbers() {
    let host = Arc::new(host());
    let text = "[plugins.kubernetes.config]\nnamespace = \"x\"\npagesize = 3\n";
    let config = PluginConfig::from_document(
        Some("vcli.toml".as_ref()),
        text,
        &["plugins", "kubernetes", "config"],
    );
    let e = KubernetesPlugin::create()
        .initialize(
            ctx(host.clone(), &Capability::ALL, Default::default()),
            config,
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("vcli.toml:3:1: unknown field `pagesize`"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 2);
    for bad in ["page_size = 0", "request_timeout = \"soon\""] {
        let e = KubernetesPlugin::create()
            .initialize(
                ctx(host.clone(), &Capability::ALL, Default::default()),
                PluginConfig::from_toml(bad),
            )
            .await
            .unwrap_err();
        assert_eq!(e.exit_code(), 2, "{bad}: {e}");
    }
    let ok = "kubeconfig = \"/k\"\ncontext = \"c\"\nnamespace = \"n\"\nrequest_timeout = \"10s\"\npage_size = 100\n";
    KubernetesPlugin::create()
        .initialize(
            ctx(host, &Capability::ALL, Default::default()),
            PluginConfig::from_toml(ok),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn network_must_be_granted() {
    let host = Arc::new(host());
    let granted = [Capability::KubernetesApi, Capability::CliCommands];
    let e = KubernetesPlugin::create()
        .initialize(
            ctx(host.clone(), &granted, Default::default()),
            PluginConfig::empty(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            vcli_plugin_api::PluginError::CapabilityDenied {
                capability: Capability::Network,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(host.denied().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_authorized_and_metered() {
    let env = Env::standard().await;
    env.ok(&["get", "pods"]).await;
    let port = env.emulator.addr().port();
    let meter = env.host.meter().expect("the network is granted");
    let authorized = meter.authorized();
    assert!(
        !authorized.is_empty()
            && authorized
                .iter()
                .all(|a| *a == ("127.0.0.1".to_owned(), port)),
        "{authorized:?}"
    );
    assert!(meter.sent() > 100);
    assert!(meter.received() > 1000);

    meter.refuse_all(true);
    let fresh = Env::with(Fixtures::standard(), "").await;
    fresh.host.meter().unwrap().refuse_all(true);
    let e = fresh.err(&["get", "pods"]).await;
    assert!(e.to_string().contains("outside the network scope"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_the_server() {
    let env = Env::standard().await;
    let h = env.plugin.health().await;
    assert_eq!(h.state, HealthState::Healthy, "{}", h.message);
    assert!(h.message.contains("v1.37"), "{}", h.message);
    assert!(h.metrics.contains_key("latency_ms"));
    env.emulator
        .faults()
        .set_latency(Duration::from_millis(1500));
    let h = env.plugin.health().await;
    assert_eq!(h.state, HealthState::Degraded, "{}", h.message);
    env.emulator.faults().clear();
    let text = env.ok(&["health"]).await;
    assert!(text.starts_with("healthy: API server 127.0.0.1:"), "{text}");

    let bad = Env::with(Fixtures::standard(), "context = \"bad-token\"").await;
    let h = bad.plugin.health().await;
    assert_eq!(h.state, HealthState::Unhealthy);
    assert_eq!(
        h.message,
        "error: You must be logged in to the server (Unauthorized)"
    );
    let e = bad.err(&["health"]).await;
    assert_eq!(e.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchers_keep_the_model_current_until_stopped() {
    let env = Env::standard().await;
    let model = env.plugin.model();
    env.plugin.start().await.unwrap();
    let wait =
        |what: &'static str,
         cond: Box<dyn Fn(&vcli_plugin_kubernetes::KubeModel) -> bool + Send>| {
            let model = model.clone();
            async move {
                // Poll the shared model at a short interval: it has no change
                // notification for tests, and the view polls it every frame anyway.
                tokio::time::timeout(Duration::from_secs(20), async {
                    while !cond(&model.lock()) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                })
                .await
                .unwrap_or_else(|_| {
                    let m = model.lock();
                    panic!(
                        "model never showed {what}: {:?} pods={} deployments={}",
                        m.watch(Kind::Pods, "emulator"),
                        m.count(Kind::Pods),
                        m.count(Kind::Deployments),
                    )
                });
            }
        };
    wait("the pods", Box::new(|m| m.count(Kind::Pods) == 12)).await;
    {
        let m = model.lock();
        assert_eq!(m.contexts, ["emulator"]);
        assert_eq!(m.namespace.as_deref(), Some("default"));
        assert_eq!(m.watch(Kind::Pods, "emulator"), Some(&WatchState::Live));
        assert_eq!(
            m.count(Kind::Deployments),
            0,
            "other kinds are watched once shown"
        );
    }
    model.request(Request::Watch(Kind::Deployments));
    wait(
        "the deployments",
        Box::new(|m| m.count(Kind::Deployments) == 3),
    )
    .await;
    env.emulator
        .state()
        .delete::<Pod>("default", names::API_POD);
    wait("the deletion", Box::new(|m| m.count(Kind::Pods) == 11)).await;
    env.plugin.stop().await.unwrap();
    env.emulator
        .state()
        .delete::<Pod>("default", names::MULTI_POD);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        model.lock().count(Kind::Pods),
        11,
        "stopped watchers change nothing"
    );
    env.plugin.start().await.unwrap();
    wait("the restart", Box::new(|m| m.count(Kind::Pods) == 10)).await;
    env.cancel.cancel();
    assert!(env.plugin.view().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts_are_listed_with_the_current_marked() {
    let env = Env::standard().await;
    let text = env.ok(&["contexts"]).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
    );
    assert_eq!(lines.len(), 5);
    let current: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with('*'))
        .copied()
        .collect();
    assert_eq!(current.len(), 1);
    assert!(
        current[0].split_whitespace().nth(1) == Some("emulator"),
        "{text}"
    );
    let other = env.ok(&["contexts", "--context", "forbidden"]).await;
    assert!(
        other
            .lines()
            .any(|l| l.starts_with('*') && l.contains("forbidden")),
        "{other}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_credential_plugins_run_non_interactively() {
    let env = Env::standard().await;
    let dir = env.dir.path();
    let seen = dir.join("exec-info.json");
    let script = dir.join("credential.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > {}\n\
             echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"emulator-token\"}}}}'\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let kubeconfig = dir.join("exec.yaml");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: exec\nclusters:\n- name: c\n  cluster:\n    server: {}\n\
             contexts:\n- name: exec\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    exec:\n      \
             apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: IfAvailable\n",
            env.emulator.url(),
            script.display()
        ),
    )
    .unwrap();
    let text = env
        .ok(&[
            "get",
            "pods",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "-o",
            "name",
        ])
        .await;
    assert!(text.contains(names::API_POD));
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&seen).unwrap()).unwrap();
    assert_eq!(info["spec"]["interactive"], false, "{info}");
}
