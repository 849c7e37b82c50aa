//! The snapshot of one plugin that `get` and `list` return.

use std::sync::Arc;

use serde::Serialize;
use vcli_plugin_api::{Capability, Dependency, HealthStatus, LifecycleState};

use super::ResourceUsage;

/// A snapshot of one plugin, as `vcli plugins list/info` show it.
#[derive(Debug, Clone, Serialize)]
pub struct PluginInfo {
    /// Name.
    pub name: &'static str,
    /// Version.
    pub version: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// CLI subcommand, if any.
    pub command: Option<&'static str>,
    /// Capabilities it needs.
    pub capabilities: &'static [Capability],
    /// Plugins it depends on.
    pub dependencies: &'static [Dependency],
    /// Whether the configuration enables it.
    pub enabled: bool,
    /// Lifecycle state.
    pub state: LifecycleState,
    /// Why it failed, if it did.
    pub failure: Option<Arc<str>>,
    /// The probe's current verdict and the last check's message.
    pub health: Arc<HealthStatus>,
    /// The last resource sample.
    pub resources: ResourceUsage,
    /// Restarts after failures.
    pub restarts: u32,
    /// Whether it crashed too often to be restarted.
    pub quarantined: bool,
    /// How long it has been running, when it runs.
    #[serde(skip)]
    pub uptime: Option<std::time::Duration>,
}
