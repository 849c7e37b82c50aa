//! A host for plugin tests (feature `testing`): drives a plugin as vcli does
//! (construct, initialize with a configuration, run commands, check health,
//! render the view) without the vcli host.
//!
//! ```
//! use vcli_plugin_api::testing::{Harness, check_manifest};
//! # use std::io::Write;
//! # use vcli_plugin_api::{async_trait, clap, Capability, DescribePlugin, HealthStatus, Metadata,
//! #     Output, Plugin, PluginConfig, PluginContext, PluginError, register_plugin};
//! # #[derive(Default)]
//! # struct Echo;
//! # #[async_trait]
//! # impl Plugin for Echo {
//! #     async fn initialize(&self, _: PluginContext, config: PluginConfig) -> Result<(), PluginError> {
//! #         let _: toml::Table = config.parse()?;
//! #         Ok(())
//! #     }
//! #     async fn run_command(&self, m: &clap::ArgMatches, out: &mut Output) -> Result<(), PluginError> {
//! #         writeln!(out, "{}", m.get_one::<String>("word").map_or("", String::as_str))?;
//! #         out.note("echoed")?;
//! #         Ok(())
//! #     }
//! # }
//! # impl DescribePlugin for Echo {
//! #     const METADATA: Metadata = Metadata::new("echo", "0.1.0").command("echo")
//! #         .capabilities(&[Capability::CliCommands]);
//! #     fn command() -> Option<clap::Command> {
//! #         Some(clap::Command::new("echo").arg(clap::Arg::new("word")))
//! #     }
//! #     fn create() -> Self { Echo }
//! # }
//! # register_plugin!(Echo);
//! # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! # runtime.block_on(async {
//! // In a plugin's tests, inside `#[tokio::test] async fn ...`:
//! let echo = Harness::<Echo>::new("").await.unwrap();
//! let out = echo.run(&["hi"]).await.unwrap();
//! assert_eq!(out.data, "hi\n");
//! assert_eq!(out.notes, "echoed\n");
//! assert!(echo.health().await.state == vcli_plugin_api::HealthState::Healthy);
//! # });
//!
//! // `[package.metadata.vcli]` says what METADATA says:
//! let manifest = "[package.metadata.vcli]\nname = \"echo\"\ncommand = \"echo\"\ncapabilities = [\"cli-commands\"]\n";
//! check_manifest::<Echo>(manifest).unwrap();
//! ```

use std::future::Future;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::{
    BoxedIo, Capability, DescribePlugin, FileSystemAccess, FileSystemService, HealthStatus,
    HostServices, NetworkMeter, NetworkService, Output, OutputStyle, PluginConfig, PluginContext,
    PluginError,
};

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A capability a plugin asked for and was not granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The capability.
    pub capability: Capability,
    /// What the plugin wanted it for.
    pub what: String,
}

/// [`HostServices`] for tests: tasks are spawned on the test's tokio
/// runtime and named in [`TestHost::spawned`]; denials are recorded.
///
/// `TestHost::default()` gives no network, filesystem or process service.
/// [`TestHost::builder`] adds real, metered TCP connections
/// ([`TestHostBuilder::network`], counted in [`TestHost::meter`]) and files
/// below one directory ([`TestHostBuilder::files`]):
///
/// ```
/// use vcli_plugin_api::testing::TestHost;
/// let dir = std::env::temp_dir();
/// let host = TestHost::builder().network().files(&dir).build();
/// let meter = host.meter().expect("network granted");
/// assert_eq!((meter.sent(), meter.received()), (0, 0));
/// meter.refuse_all(true); // as a policy excluding every host would
/// assert_eq!(host.files(), Some(dir.as_path()));
/// ```
#[derive(Debug, Default)]
pub struct TestHost {
    denied: Mutex<Vec<Denial>>,
    spawned: Mutex<Vec<String>>,
    meter: Option<Arc<TestMeter>>,
    files: Option<PathBuf>,
}

/// Builds a [`TestHost`] with the services a plugin's tests need.
#[derive(Debug, Default)]
pub struct TestHostBuilder {
    network: bool,
    files: Option<PathBuf>,
}

impl TestHostBuilder {
    /// Grants the network service: real TCP connections, authorized and
    /// counted by the host's [`TestMeter`].
    #[must_use]
    pub fn network(mut self) -> Self {
        self.network = true;
        self
    }

    /// Grants the filesystem service rooted in `root`: relative paths are
    /// resolved inside it; `..`, and absolute paths or symlinks that leave
    /// it, are refused. The plugin's cache directory
    /// ([`FileSystemService::cache_dir`]) is `root/cache/<plugin>`, as the
    /// host keeps one per plugin.
    #[must_use]
    pub fn files(mut self, root: impl Into<PathBuf>) -> Self {
        self.files = Some(root.into());
        self
    }

    /// The host.
    pub fn build(self) -> TestHost {
        TestHost {
            meter: self.network.then(Arc::default),
            files: self.files,
            ..TestHost::default()
        }
    }
}

impl TestHost {
    /// A builder for a host with network or files.
    pub fn builder() -> TestHostBuilder {
        TestHostBuilder::default()
    }

    /// The capabilities denied so far, in order.
    pub fn denied(&self) -> Vec<Denial> {
        lock(&self.denied).clone()
    }

    /// The names of the tasks spawned so far, in order.
    pub fn spawned(&self) -> Vec<String> {
        lock(&self.spawned).clone()
    }

    /// The meter behind the network service; `None` without network.
    pub fn meter(&self) -> Option<&TestMeter> {
        self.meter.as_deref()
    }

    /// The root of the filesystem service; `None` without files.
    pub fn files(&self) -> Option<&Path> {
        self.files.as_deref()
    }
}

impl HostServices for TestHost {
    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Result<(), PluginError> {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(PluginError::failed(format!(
                "the test host spawns {plugin}'s task {name:?} only inside a tokio runtime (#[tokio::test])"
            )));
        };
        lock(&self.spawned).push(name.to_owned());
        drop(runtime.spawn(task));
        Ok(())
    }

    fn capability_denied(&self, _plugin: &str, capability: Capability, what: &str) {
        lock(&self.denied).push(Denial {
            capability,
            what: what.to_owned(),
        });
    }

    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError> {
        match &self.meter {
            Some(meter) => Ok(NetworkService::new(Arc::new(PluginMeter {
                plugin: plugin.to_owned(),
                meter: Arc::clone(meter),
            }))),
            None => Err(PluginError::failed(format!(
                "the test host opens no connections for {plugin} (TestHost::builder().network() does)"
            ))),
        }
    }

    fn filesystem(&self, plugin: &str) -> Result<FileSystemService, PluginError> {
        match &self.files {
            Some(root) => Ok(FileSystemService::new(Arc::new(RootedFiles {
                plugin: plugin.to_owned(),
                root: root.clone(),
            }))),
            None => Err(PluginError::CapabilityDenied {
                plugin: plugin.to_owned(),
                capability: Capability::Filesystem,
                reason: "the test host grants no files (TestHost::builder().files(root) does)"
                    .to_owned(),
            }),
        }
    }
}

/// The test host's network meter: authorizes connections (unless told to
/// refuse), opens real TCP connections and counts the bytes that cross
/// them, as the vcli host's metered connections do.
#[derive(Debug, Default)]
pub struct TestMeter {
    authorized: Mutex<Vec<(String, u16)>>,
    refuse_all: AtomicBool,
    refused_hosts: Mutex<Vec<String>>,
    sent: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
}

impl TestMeter {
    /// Every `host:port` authorized so far (one per connection), in order;
    /// refused ones are not listed.
    pub fn authorized(&self) -> Vec<(String, u16)> {
        lock(&self.authorized).clone()
    }

    /// The bytes written to all connections so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The bytes read from all connections so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// From now on refuses every connection (or none, with `false`) as a
    /// policy whose network scope excludes the host would:
    /// [`PluginError::CapabilityDenied`] for [`Capability::Network`].
    pub fn refuse_all(&self, refuse: bool) {
        self.refuse_all.store(refuse, Ordering::Relaxed);
    }

    /// From now on refuses connections to `host`, any port.
    pub fn refuse(&self, host: &str) {
        lock(&self.refused_hosts).push(host.to_owned());
    }

    fn check(&self, plugin: &str, host: &str, port: u16) -> Result<(), PluginError> {
        if self.refuse_all.load(Ordering::Relaxed)
            || lock(&self.refused_hosts).iter().any(|h| h == host)
        {
            return Err(PluginError::CapabilityDenied {
                plugin: plugin.to_owned(),
                capability: Capability::Network,
                reason: format!(
                    "{host}:{port} is outside the network scope; add it to plugins.{plugin}.policy.network_hosts"
                ),
            });
        }
        lock(&self.authorized).push((host.to_owned(), port));
        Ok(())
    }
}

/// The [`TestMeter`] as one plugin sees it (denials name the plugin).
#[derive(Debug)]
struct PluginMeter {
    plugin: String,
    meter: Arc<TestMeter>,
}

impl NetworkMeter for PluginMeter {
    fn authorize(&self, host: &str, port: u16) -> Result<(), PluginError> {
        self.meter.check(&self.plugin, host, port)
    }

    fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> Pin<Box<dyn Future<Output = Result<BoxedIo, PluginError>> + Send>> {
        let authorized = self.authorize(host, port);
        let sent = Arc::clone(&self.meter.sent);
        let received = Arc::clone(&self.meter.received);
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

/// A TCP stream counting the bytes read and written.
#[derive(Debug)]
struct Counting {
    stream: tokio::net::TcpStream,
    sent: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
}

impl tokio::io::AsyncRead for Counting {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.received.fetch_add(read, Ordering::Relaxed);
        result
    }
}

impl tokio::io::AsyncWrite for Counting {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &result {
            self.sent.fetch_add(*n as u64, Ordering::Relaxed);
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Files below one root, as the host's filesystem service gives them.
#[derive(Debug)]
struct RootedFiles {
    plugin: String,
    root: PathBuf,
}

impl RootedFiles {
    fn refuse(&self, path: &Path, why: &str) -> PluginError {
        PluginError::CapabilityDenied {
            plugin: self.plugin.clone(),
            capability: Capability::Filesystem,
            reason: format!("{} {why} {}", path.display(), self.root.display()),
        }
    }
}

impl FileSystemAccess for RootedFiles {
    fn cache_dir(&self) -> Option<PathBuf> {
        Some(self.root.join("cache").join(&self.plugin))
    }

    fn resolve(&self, path: &Path) -> Result<PathBuf, PluginError> {
        if path.components().any(|c| c == Component::ParentDir) {
            return Err(self.refuse(path, "uses `..`; it must stay inside"));
        }
        let joined = self.root.join(path);
        if !joined.starts_with(&self.root) {
            return Err(self.refuse(path, "is outside"));
        }
        // A symlink on the way must not lead out: the deepest existing
        // ancestor, resolved, is still inside the resolved root.
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        if let Some(real) = joined.ancestors().find_map(|a| a.canonicalize().ok())
            && !real.starts_with(&root)
        {
            return Err(self.refuse(path, "leads (through a symlink) outside"));
        }
        Ok(joined)
    }
}

/// What a command wrote: its data (stdout in the CLI) and its notes
/// (stderr).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The data.
    pub data: String,
    /// The notes, one per line.
    pub notes: String,
}

/// An [`Output`] written into memory, readable while the command runs: for
/// commands that stream (`--follow`, `--watch`), a test awaits what it
/// expects with [`Capture::wait_for`]. Clones share the buffers.
#[derive(Clone, Debug)]
pub struct Capture {
    data: Arc<Mutex<Vec<u8>>>,
    notes: Arc<Mutex<Vec<u8>>>,
    changed: tokio::sync::watch::Sender<usize>,
}

impl Default for Capture {
    fn default() -> Self {
        Capture::new()
    }
}

/// The notes side of a [`Capture`].
struct Notes(Arc<Mutex<Vec<u8>>>);

impl Write for Notes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// How long [`Capture::wait_for`] waits.
    pub const WAIT: Duration = Duration::from_secs(20);

    /// An empty capture.
    pub fn new() -> Self {
        Capture {
            data: Arc::default(),
            notes: Arc::default(),
            changed: tokio::sync::watch::channel(0).0,
        }
    }

    /// A plain [`Output`] (no colour) writing into this capture, data and
    /// notes apart.
    pub fn output(&self) -> Output {
        self.output_styled(OutputStyle::PLAIN)
    }

    /// As [`Capture::output`], with `style` (colour, width).
    pub fn output_styled(&self, style: OutputStyle) -> Output {
        Output::new(Box::new(self.clone()), style)
            .with_notes(Box::new(Notes(Arc::clone(&self.notes))))
    }

    /// The data written so far.
    pub fn data(&self) -> String {
        String::from_utf8_lossy(&lock(&self.data)).into_owned()
    }

    /// The notes written so far.
    pub fn notes(&self) -> String {
        String::from_utf8_lossy(&lock(&self.notes)).into_owned()
    }

    /// Data and notes written so far.
    pub fn captured(&self) -> Captured {
        Captured {
            data: self.data(),
            notes: self.notes(),
        }
    }

    /// Waits (woken by writes, not by polling) until `condition` holds for
    /// the data, and returns the data.
    ///
    /// # Panics
    ///
    /// After [`Capture::WAIT`], naming `what` and showing the data so far;
    /// outside a tokio runtime with time enabled.
    pub async fn wait_for(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        let mut changed = self.changed.subscribe();
        let wait = async {
            loop {
                let data = self.data();
                if condition(&data) {
                    return data;
                }
                if changed.changed().await.is_err() {
                    return self.data();
                }
            }
        };
        match tokio::time::timeout(Self::WAIT, wait).await {
            Ok(data) => data,
            Err(_) => panic!(
                "timed out waiting for {what}; the output so far:\n{}",
                self.data()
            ),
        }
    }
}

/// Writes data (as the [`Output`] from [`Capture::output`] does).
impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.data).extend_from_slice(buf);
        self.changed.send_modify(|n| *n += buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A plugin built and initialized as the host does, ready for commands,
/// health checks and its view.
pub struct Harness<P: DescribePlugin> {
    plugin: Arc<P>,
    host: Arc<TestHost>,
    context: PluginContext,
}

impl<P: DescribePlugin> std::fmt::Debug for Harness<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("plugin", &P::METADATA.name)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl<P: DescribePlugin> Harness<P> {
    /// Builds the plugin and initializes it with `config`, the TOML of its
    /// `[plugins.NAME.config]` table, granting every capability it declares.
    ///
    /// # Errors
    ///
    /// What `initialize` returned (a bad configuration is
    /// [`PluginError::Config`] naming the key).
    pub async fn new(config: &str) -> Result<Self, PluginError> {
        Self::with_grants(config, P::METADATA.capabilities).await
    }

    /// As [`Harness::new`], granting only `granted`.
    ///
    /// # Errors
    ///
    /// What `initialize` returned.
    pub async fn with_grants(config: &str, granted: &[Capability]) -> Result<Self, PluginError> {
        Self::on_host(TestHost::default(), config, granted).await
    }

    /// As [`Harness::with_grants`], on `host` (one from
    /// [`TestHost::builder`], with network or files).
    ///
    /// # Errors
    ///
    /// What `initialize` returned.
    pub async fn on_host(
        host: TestHost,
        config: &str,
        granted: &[Capability],
    ) -> Result<Self, PluginError> {
        let host = Arc::new(host);
        let context = PluginContext::new(
            P::METADATA.name,
            granted.to_vec(),
            crate::CancellationToken::new(),
            Arc::clone(&host) as Arc<dyn HostServices>,
        );
        let plugin = Arc::new(P::create());
        plugin
            .initialize(context.clone(), PluginConfig::from_toml(config))
            .await?;
        Ok(Harness {
            plugin,
            host,
            context,
        })
    }

    /// The plugin instance.
    pub fn plugin(&self) -> &P {
        &self.plugin
    }

    /// The test host: denials and spawned tasks.
    pub fn host(&self) -> &TestHost {
        &self.host
    }

    /// Runs `vcli COMMAND ARGS...`: parses `args` with the plugin's clap
    /// tree and calls `run_command`.
    ///
    /// # Errors
    ///
    /// [`PluginError::Usage`] when clap refuses the arguments, or what the
    /// command returned.
    pub async fn run(&self, args: &[&str]) -> Result<Captured, PluginError> {
        let capture = Capture::new();
        self.run_into(args, &capture).await?;
        Ok(capture.captured())
    }

    /// As [`Harness::run`], writing into `capture` as the command runs (a
    /// test awaits a streaming command's output with
    /// [`Capture::wait_for`]), and returning its result.
    ///
    /// # Errors
    ///
    /// As [`Harness::run`].
    pub async fn run_into(&self, args: &[&str], capture: &Capture) -> Result<(), PluginError> {
        run_command(&*self.plugin, args, &mut capture.output()).await
    }

    /// The plugin's cancellation token, cancelled by [`Harness::stop`]:
    /// what the host cancels to end the plugin's tasks and commands.
    pub fn cancellation(&self) -> &crate::CancellationToken {
        self.context.cancellation()
    }

    /// One health check.
    pub async fn health(&self) -> HealthStatus {
        self.plugin.health().await
    }

    /// A fresh view rendered once into `width` x `height` cells, as lines
    /// with trailing spaces removed; `None` if the plugin has no view.
    pub fn render(&self, width: u16, height: u16) -> Option<Vec<String>> {
        use ratatui_core::buffer::Buffer;
        use ratatui_core::layout::Rect;
        let mut view = self.plugin.view()?;
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        view.render(area, &mut buf);
        Some(buffer_lines(&buf))
    }

    /// Stops the plugin as the host does: `stop`, then its tasks are
    /// cancelled.
    ///
    /// # Errors
    ///
    /// What `stop` returned.
    pub async fn stop(&self) -> Result<(), PluginError> {
        let stopped = self.plugin.stop().await;
        self.context.cancellation().cancel();
        stopped
    }
}

/// The text of `buf` as lines with trailing spaces removed: what a snapshot
/// of a view compares, e.g. `buffer_lines(&buf).join("\n")` after
/// `view.render(area, &mut buf)`.
pub fn buffer_lines(buf: &ratatui_core::buffer::Buffer) -> Vec<String> {
    let area = buf.area;
    (area.top()..area.bottom())
        .map(|y| {
            let line: String = (area.left()..area.right())
                .map(|x| buf[(x, y)].symbol())
                .collect();
            line.trim_end().to_owned()
        })
        .collect()
}

/// Parses `args` as `vcli COMMAND ARGS...` with `P`'s clap tree and runs
/// the command on `plugin` (one built outside a [`Harness`]) into `out`
/// (from [`Capture::output`]).
///
/// # Errors
///
/// [`PluginError::Usage`] when clap refuses the arguments, or what the
/// command returned.
pub async fn run_command<P: DescribePlugin>(
    plugin: &P,
    args: &[&str],
    out: &mut Output,
) -> Result<(), PluginError> {
    let command = P::command()
        .ok_or_else(|| PluginError::Usage(format!("plugin {} has no command", P::METADATA.name)))?;
    let name = command.get_name().to_owned();
    let matches = command
        .try_get_matches_from(std::iter::once(name.as_str()).chain(args.iter().copied()))
        .map_err(|e| PluginError::Usage(e.to_string()))?;
    plugin.run_command(&matches, out).await
}

/// Checks that `[package.metadata.vcli]` in `cargo_toml` (a plugin crate's
/// manifest, e.g. `include_str!("../Cargo.toml")`) says what `P::METADATA`
/// says: the name, the capabilities, and the command if it names one; and
/// that `P` is registered exactly once.
///
/// # Errors
///
/// Every difference, in words.
pub fn check_manifest<P: DescribePlugin>(cargo_toml: &str) -> Result<(), String> {
    let manifest: toml::Table = cargo_toml
        .parse()
        .map_err(|e| format!("the manifest is not TOML: {e}"))?;
    let vcli = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("vcli"))
        .ok_or("the manifest has no [package.metadata.vcli]")?;
    let meta = P::METADATA;
    let mut problems = Vec::new();
    if vcli.get("name").and_then(toml::Value::as_str) != Some(meta.name) {
        problems.push(format!(
            "name: the manifest says {:?}, METADATA says {:?}",
            vcli.get("name").and_then(toml::Value::as_str),
            meta.name
        ));
    }
    let declared: Vec<&str> = vcli
        .get("capabilities")
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
        .unwrap_or_default();
    let mut needed: Vec<&str> = meta.capabilities.iter().map(|c| c.as_str()).collect();
    let mut sorted = declared.clone();
    sorted.sort_unstable();
    needed.sort_unstable();
    if sorted != needed {
        problems.push(format!(
            "capabilities: the manifest says {declared:?}, METADATA says {needed:?}"
        ));
    }
    if let Some(command) = vcli.get("command").and_then(toml::Value::as_str)
        && meta.command != Some(command)
    {
        problems.push(format!(
            "command: the manifest says {command:?}, METADATA says {:?}",
            meta.command
        ));
    }
    let registered = crate::registrations()
        .into_iter()
        .filter(|r| r.metadata().name == meta.name)
        .count();
    if registered != 1 {
        problems.push(format!(
            "plugin {:?} is registered {registered} times; call register_plugin! once",
            meta.name
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_stay_inside_the_root() {
        let root = std::env::temp_dir().join(format!("vcli-testing-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let host = TestHost::builder().files(&root).build();
        let files = host.filesystem("p").unwrap();
        assert_eq!(files.resolve("a/b").unwrap(), root.join("a/b"));
        assert_eq!(files.cache_dir(), Some(root.join("cache").join("p")));
        assert_eq!(files.resolve(root.join("c")).unwrap(), root.join("c"));
        for bad in ["../x", "a/../../x", "/etc/passwd"] {
            let err = files.resolve(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    PluginError::CapabilityDenied {
                        capability: Capability::Filesystem,
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/", root.join("out")).unwrap();
            assert!(files.resolve("out/etc").is_err());
        }
        std::fs::remove_dir_all(&root).unwrap();
        assert!(TestHost::default().filesystem("p").is_err());
    }

    #[test]
    fn connections_are_authorized_counted_and_refused() {
        use std::io::{Read, Write as _};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0; 4];
            stream.read_exact(&mut buf).unwrap();
            stream.write_all(b"pong!").unwrap();
        });
        let host = TestHost::builder().network().build();
        let network = host.network("p").unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut io = network.connect("127.0.0.1", port).await.unwrap();
            io.write_all(b"ping").await.unwrap();
            let mut answer = Vec::new();
            io.read_to_end(&mut answer).await.unwrap();
            assert_eq!(answer, b"pong!");
        });
        server.join().unwrap();
        let meter = host.meter().unwrap();
        assert_eq!(meter.authorized(), [("127.0.0.1".to_owned(), port)]);
        assert_eq!((meter.sent(), meter.received()), (4, 5));
        meter.refuse("example.com");
        assert!(network.authorize("127.0.0.1", 1).is_ok());
        let err = network.authorize("example.com", 443).unwrap_err();
        assert!(
            err.to_string().contains("outside the network scope"),
            "{err}"
        );
        meter.refuse_all(true);
        assert!(network.authorize("127.0.0.1", 1).is_err());
        assert!(TestHost::default().network("p").is_err());
    }
}
