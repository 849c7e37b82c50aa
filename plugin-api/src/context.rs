//! What the host hands a plugin at initialization: its identity, its
//! cancellation token and the services its capabilities grant.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::{Capability, PluginError};

/// The services a host provides to plugins. The `vcli` host implements this;
/// plugins only see it through [`PluginContext`].
pub trait HostServices: Send + Sync + fmt::Debug {
    /// Spawns `task` as a task owned by `plugin`: it is counted, measured and
    /// cancelled when the plugin stops, fails or is unloaded.
    ///
    /// # Errors
    ///
    /// [`PluginError::Budget`] when the plugin already has as many live tasks
    /// as its budget allows.
    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: BoxFuture<'static, ()>,
    ) -> Result<(), PluginError>;

    /// Records that `plugin` asked for a capability it was not granted.
    fn capability_denied(&self, plugin: &str, capability: Capability, what: &str);

    /// The network service for `plugin`, if network access is granted.
    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError>;

    /// The filesystem service for `plugin`, rooted in its granted directories.
    /// Hosts without one (a plugin's own test harness) refuse.
    fn filesystem(&self, plugin: &str) -> Result<FileSystemService, PluginError> {
        Err(PluginError::failed(format!(
            "this host gives plugin {plugin} no filesystem service"
        )))
    }

    /// The handle through which `plugin`'s background tasks ask the TUI for
    /// a frame. Hosts without a screen (the CLI, a test harness) hand out
    /// one that does nothing.
    fn redraw(&self, plugin: &str) -> Redraw {
        let _ = plugin;
        Redraw::detached()
    }

    /// The process service for `plugin`: children are killed when it stops.
    /// Hosts without one refuse.
    fn processes(&self, plugin: &str) -> Result<ProcessService, PluginError> {
        Err(PluginError::failed(format!(
            "this host gives plugin {plugin} no process service"
        )))
    }
}

/// Tells the host that a plugin's model changed and its view needs a frame.
///
/// The TUI renders only when something changed: a plugin whose background
/// task updates the model its view draws calls [`Redraw::request`] after the
/// update. Requests coalesce (a burst of updates costs one frame, and the
/// host caps the frame rate), and are cheap enough to make on every change.
#[derive(Clone)]
pub struct Redraw {
    signal: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Redraw {
    /// A handle that calls `signal` on every request. Called by hosts.
    pub fn new(signal: impl Fn() + Send + Sync + 'static) -> Self {
        Redraw {
            signal: Some(Arc::new(signal)),
        }
    }

    /// A handle that does nothing, for hosts without a screen.
    pub fn detached() -> Self {
        Redraw { signal: None }
    }

    /// Asks for a frame.
    pub fn request(&self) {
        if let Some(signal) = &self.signal {
            signal();
        }
    }
}

impl fmt::Debug for Redraw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redraw")
            .field("attached", &self.signal.is_some())
            .finish()
    }
}

/// A byte stream the host opened for a plugin: counted, throttled, and
/// closed when the plugin is terminated.
pub trait NetworkIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> NetworkIo for T {}

/// A boxed [`NetworkIo`].
pub type BoxedIo = Box<dyn NetworkIo>;

/// The host's implementation behind [`FileSystemService`].
pub trait FileSystemAccess: Send + Sync + fmt::Debug {
    /// Resolves `path` (relative to the first root, or absolute) to a path
    /// inside a granted root, refusing `..`, absolute escapes and symlinks
    /// that leave the root.
    fn resolve(&self, path: &std::path::Path) -> Result<std::path::PathBuf, PluginError>;

    /// The directory the host set aside for this plugin's own cache, inside
    /// the service's roots, or `None` when the host sets none aside.
    fn cache_dir(&self) -> Option<std::path::PathBuf> {
        None
    }
}

/// Files below the directories the policy grants the plugin.
#[derive(Clone, Debug)]
pub struct FileSystemService {
    access: Arc<dyn FileSystemAccess>,
}

impl FileSystemService {
    /// Wraps a host implementation.
    pub fn new(access: Arc<dyn FileSystemAccess>) -> Self {
        FileSystemService { access }
    }

    /// The checked path inside a granted root.
    ///
    /// # Errors
    ///
    /// [`PluginError::CapabilityDenied`] for a path outside every root.
    pub fn resolve(
        &self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<std::path::PathBuf, PluginError> {
        self.access.resolve(path.as_ref())
    }

    /// The directory the host set aside for this plugin's cache (vcli uses
    /// `$VCLI_CACHE_DIR/<plugin>`, else the user's cache directory, e.g.
    /// `~/.cache/vcli/<plugin>`). It is always inside the service's roots, so
    /// a plugin granted files can keep data there that it can rebuild, such as
    /// API discovery, without the operator naming a directory. It may not exist
    /// yet; `None` when the host sets no directory aside.
    pub fn cache_dir(&self) -> Option<std::path::PathBuf> {
        self.access.cache_dir()
    }

    /// Reads a whole file inside a granted root.
    ///
    /// # Errors
    ///
    /// An out-of-scope path, or the I/O error.
    pub fn read(&self, path: impl AsRef<std::path::Path>) -> Result<Vec<u8>, PluginError> {
        Ok(std::fs::read(self.resolve(path)?)?)
    }

    /// Writes a whole file inside a granted root.
    ///
    /// # Errors
    ///
    /// An out-of-scope path, or the I/O error.
    pub fn write(
        &self,
        path: impl AsRef<std::path::Path>,
        contents: &[u8],
    ) -> Result<(), PluginError> {
        Ok(std::fs::write(self.resolve(path)?, contents)?)
    }
}

/// The host's implementation behind [`ProcessService`].
pub trait ProcessLauncher: Send + Sync + fmt::Debug {
    /// Runs `program` with `args` to completion and returns its output. The
    /// child is killed if the plugin stops first.
    fn run(
        &self,
        program: &str,
        args: &[String],
    ) -> BoxFuture<'static, Result<std::process::Output, PluginError>>;
}

/// Child processes owned by the plugin.
#[derive(Clone, Debug)]
pub struct ProcessService {
    launcher: Arc<dyn ProcessLauncher>,
}

impl ProcessService {
    /// Wraps a host implementation.
    pub fn new(launcher: Arc<dyn ProcessLauncher>) -> Self {
        ProcessService { launcher }
    }

    /// Runs a program to completion; it is killed if the plugin stops first.
    ///
    /// # Errors
    ///
    /// The program cannot be started, or the plugin stopped.
    pub async fn run(
        &self,
        program: &str,
        args: &[String],
    ) -> Result<std::process::Output, PluginError> {
        self.launcher.run(program, args).await
    }
}

/// The plugin-facing side of network access: every connection a plugin opens
/// is authorized and metered here.
///
/// Plugins build their HTTP clients on [`NetworkService::connect`] (the
/// Kubernetes and Prometheus plugins' connectors do): the host opens the
/// connection, counts every byte that crosses it at the socket, holds it to
/// the policy's throughput limit and closes it when the plugin is
/// terminated. Plugins never count bytes themselves.
#[derive(Clone, Debug)]
pub struct NetworkService {
    meter: Arc<dyn NetworkMeter>,
}

/// The host's implementation behind [`NetworkService`].
pub trait NetworkMeter: Send + Sync + fmt::Debug {
    /// Allows or refuses a connection to `host:port`.
    fn authorize(&self, host: &str, port: u16) -> Result<(), PluginError>;
    /// Opens a TCP connection to `host:port` that is authorized, counted
    /// (the only place the plugin's bytes are counted), throttled and
    /// closed when the plugin is terminated.
    /// Hosts without metered connections refuse.
    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, Result<BoxedIo, PluginError>> {
        let message = format!("this host opens no metered connections (to {host}:{port})");
        Box::pin(async move { Err(PluginError::failed(message)) })
    }
}

impl NetworkService {
    /// Wraps a host meter.
    pub fn new(meter: Arc<dyn NetworkMeter>) -> Self {
        NetworkService { meter }
    }

    /// Asks whether the plugin may connect to `host:port`.
    ///
    /// # Errors
    ///
    /// [`PluginError::CapabilityDenied`] when the policy's network scope does
    /// not include the host.
    pub fn authorize(&self, host: &str, port: u16) -> Result<(), PluginError> {
        self.meter.authorize(host, port)
    }

    /// Opens a metered TCP connection: authorized against the policy's
    /// network scope, every byte counted, throughput limited, and closed when
    /// the plugin is terminated. Build HTTP clients on it where the client
    /// lets you supply the connection.
    ///
    /// # Errors
    ///
    /// An out-of-scope host, or the connection error.
    pub async fn connect(&self, host: &str, port: u16) -> Result<BoxedIo, PluginError> {
        self.meter.connect(host, port).await
    }
}

/// Everything a plugin receives from the host when it is initialized.
///
/// The context is cheap to clone. Its [`cancellation`](Self::cancellation)
/// token is cancelled when the plugin is stopped, fails or is unloaded; tasks
/// spawned through [`spawn`](Self::spawn) are cancelled with it.
#[derive(Clone)]
pub struct PluginContext {
    plugin: Arc<str>,
    granted: Arc<[Capability]>,
    cancel: CancellationToken,
    services: Arc<dyn HostServices>,
}

impl fmt::Debug for PluginContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginContext")
            .field("plugin", &self.plugin)
            .field("granted", &self.granted)
            .finish_non_exhaustive()
    }
}

impl PluginContext {
    /// Builds a context. Called by the host, or by a plugin's own tests with a
    /// test implementation of [`HostServices`].
    pub fn new(
        plugin: impl Into<Arc<str>>,
        granted: impl Into<Arc<[Capability]>>,
        cancel: CancellationToken,
        services: Arc<dyn HostServices>,
    ) -> Self {
        PluginContext {
            plugin: plugin.into(),
            granted: granted.into(),
            cancel,
            services,
        }
    }

    /// The handle to ask the TUI for a frame when the view's model changed
    /// (see [`Redraw`]).
    pub fn redraw(&self) -> Redraw {
        self.services.redraw(&self.plugin)
    }

    /// The plugin's name.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The capabilities the user's policy granted.
    pub fn granted(&self) -> &[Capability] {
        &self.granted
    }

    /// A token cancelled when the plugin must wind down.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Checks that `capability` is granted; records a violation if it is not.
    ///
    /// # Errors
    ///
    /// [`PluginError::CapabilityDenied`] naming the capability.
    pub fn require(&self, capability: Capability, what: &str) -> Result<(), PluginError> {
        if self.granted.contains(&capability) {
            return Ok(());
        }
        self.services
            .capability_denied(&self.plugin, capability, what);
        Err(PluginError::CapabilityDenied {
            plugin: self.plugin.to_string(),
            capability,
            reason: format!(
                "{what} needs it; the plugin must declare it in its metadata and the policy grant it \
                 (plugins.{}.policy.grant)",
                self.plugin
            ),
        })
    }

    /// Spawns a background task owned by this plugin. The host counts it,
    /// measures the time spent polling it, and cancels it when the plugin
    /// stops. Prefer this to `tokio::spawn`, whose tasks the host cannot see.
    ///
    /// # Errors
    ///
    /// [`PluginError::Budget`] when the plugin's task budget is used up, and
    /// [`PluginError::Cancelled`] when the plugin is already winding down.
    pub fn spawn(
        &self,
        name: &str,
        task: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), PluginError> {
        if self.cancel.is_cancelled() {
            return Err(PluginError::Cancelled);
        }
        self.services.spawn(&self.plugin, name, Box::pin(task))
    }

    /// The filesystem service, if [`Capability::Filesystem`] is granted.
    ///
    /// # Errors
    ///
    /// [`PluginError::CapabilityDenied`] when it is not.
    pub fn filesystem(&self) -> Result<FileSystemService, PluginError> {
        self.require(Capability::Filesystem, "reading and writing files")?;
        self.services.filesystem(&self.plugin)
    }

    /// The process service, if [`Capability::ProcessExecution`] is granted.
    ///
    /// # Errors
    ///
    /// [`PluginError::CapabilityDenied`] when it is not.
    pub fn processes(&self) -> Result<ProcessService, PluginError> {
        self.require(Capability::ProcessExecution, "running programs")?;
        self.services.processes(&self.plugin)
    }

    /// The metered network service, if [`Capability::Network`] is granted.
    ///
    /// # Errors
    ///
    /// [`PluginError::CapabilityDenied`] when it is not.
    pub fn network(&self) -> Result<NetworkService, PluginError> {
        self.require(Capability::Network, "opening network connections")?;
        self.services.network(&self.plugin)
    }
}
