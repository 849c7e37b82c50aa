//! Why a manager operation did not happen, and the exit code each reason maps to.

use vcli_plugin_api::{LifecycleState, PluginError};

use super::CallError;
use crate::catalog::CatalogError;

/// Why a manager operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// The plugin is unknown, or its dependencies cannot be resolved.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The operation would make an illegal lifecycle transition.
    #[error("cannot move plugin {plugin:?} from {from} to {to}")]
    IllegalTransition {
        /// The plugin.
        plugin: String,
        /// Its current state.
        from: LifecycleState,
        /// The state the operation needs to reach.
        to: LifecycleState,
    },
    /// The policy refuses a capability the plugin needs.
    #[error(transparent)]
    CapabilityRefused(#[from] crate::policy::Refusal),
    /// The configuration disables the plugin.
    #[error(
        "plugin {0:?} is disabled; set `enabled = true` under [plugins.{0}] in the config file"
    )]
    Disabled(String),
    /// The plugin crashed too often and will not be loaded again automatically.
    #[error(
        "plugin {plugin:?} is quarantined after {crashes} crashes; reload it explicitly once the cause is fixed"
    )]
    Quarantined {
        /// The plugin.
        plugin: String,
        /// How many crashes put it there.
        crashes: u32,
    },
    /// A dependency is not running.
    #[error("plugin {plugin:?} cannot start: it depends on {dependency:?}, which is {state}")]
    DependencyNotRunning {
        /// The plugin.
        plugin: String,
        /// The dependency.
        dependency: String,
        /// The dependency's state.
        state: LifecycleState,
    },
    /// A running plugin depends on the one being stopped.
    #[error(
        "plugin {plugin:?} is needed by running plugin {dependent:?}; stop {dependent:?} first"
    )]
    NeededBy {
        /// The plugin.
        plugin: String,
        /// The running plugin that needs it.
        dependent: String,
    },
    /// The plugin has no instance to call.
    #[error("plugin {plugin:?} is {state}; load it first")]
    NotLoaded {
        /// The plugin.
        plugin: String,
        /// Its state.
        state: LifecycleState,
    },
    /// Every plugin id in the process is held (by this manager's other
    /// plugins or by other live managers), so the plugin's allocations could
    /// not be charged to it.
    #[error(
        "cannot load plugin {plugin:?}: at most {max} plugins can be loaded at once in one process, counting every live plugin manager's plugins; drop a manager to free their ids"
    )]
    TooManyPlugins {
        /// The plugin.
        plugin: String,
        /// How many plugin ids one process has.
        max: usize,
    },
    /// The plugin returned an error.
    #[error("plugin {plugin:?}: {source}")]
    Plugin {
        /// The plugin.
        plugin: String,
        /// Its error.
        source: PluginError,
    },
    /// The plugin failed, was terminated or unloaded while one of its
    /// commands ran, which ended the command.
    #[error("plugin {plugin:?} was stopped while its command ran: {reason}")]
    StoppedUnderCommand {
        /// The plugin.
        plugin: String,
        /// Why, as the manager recorded it.
        reason: String,
    },
    /// Calling the plugin panicked or missed its deadline.
    #[error("plugin {plugin:?}: {source}")]
    Call {
        /// The plugin.
        plugin: String,
        /// What went wrong.
        source: CallError,
    },
}

impl ManagerError {
    /// The process exit code for this error: 2 when the user must change
    /// their configuration, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ManagerError::Disabled(_) | ManagerError::CapabilityRefused(_) => 2,
            ManagerError::Plugin { source, .. } => source.exit_code(),
            _ => 1,
        }
    }
}
