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
}

/// The plugin-facing side of network access: every connection a plugin opens
/// is authorized and metered here.
///
/// Plugins build their HTTP clients on top of it (the Kubernetes plugin's
/// connector, the Prometheus plugin's `reqwest` connector layer) and call
/// [`NetworkService::authorize`] before connecting and the `record_*` methods
/// for the bytes that cross the connection.
#[derive(Clone, Debug)]
pub struct NetworkService {
    meter: Arc<dyn NetworkMeter>,
}

/// The host's implementation behind [`NetworkService`].
pub trait NetworkMeter: Send + Sync + fmt::Debug {
    /// Allows or refuses a connection to `host:port`.
    fn authorize(&self, host: &str, port: u16) -> Result<(), PluginError>;
    /// Counts bytes sent by the plugin.
    fn record_sent(&self, bytes: u64);
    /// Counts bytes received by the plugin.
    fn record_received(&self, bytes: u64);
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

    /// Counts `bytes` sent.
    pub fn record_sent(&self, bytes: u64) {
        self.meter.record_sent(bytes);
    }

    /// Counts `bytes` received.
    pub fn record_received(&self, bytes: u64) {
        self.meter.record_received(bytes);
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
                "{what} needs it; declare it in the plugin's metadata and grant it in the policy \
                 (plugins.{}.capabilities)",
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
