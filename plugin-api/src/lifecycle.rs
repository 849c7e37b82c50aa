//! The seven lifecycle states a plugin moves through, and which moves are legal.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a plugin is in its life inside the host.
///
/// ```text
///  Registered ──load──▶ Loaded ──initialize──▶ Initialized ──start──▶ Running
///                         ▲                                  ▲          │
///                         │                                  └─start── Stopped ◀─stop─┘
///  Unloaded ◀──unload── (Loaded | Initialized | Stopped | Failed)
///  any live state ──error, panic, deadline──▶ Failed ──reload──▶ Loaded
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifecycleState {
    /// Linked into the binary; no instance exists.
    Registered,
    /// An instance has been constructed.
    Loaded,
    /// The instance accepted its context and configuration.
    Initialized,
    /// Started; background work may be running.
    Running,
    /// Stopped cleanly; may be started again.
    Stopped,
    /// A call failed, panicked or missed its deadline. The reason is kept by the host.
    Failed,
    /// The instance has been dropped. Loading again builds a new one.
    Unloaded,
}

impl LifecycleState {
    /// Every state, in lifecycle order.
    pub const ALL: [LifecycleState; 7] = [
        LifecycleState::Registered,
        LifecycleState::Loaded,
        LifecycleState::Initialized,
        LifecycleState::Running,
        LifecycleState::Stopped,
        LifecycleState::Failed,
        LifecycleState::Unloaded,
    ];

    /// Whether moving from `self` to `to` is a legal transition.
    ///
    /// The host's manager consults this before every change of state, so an
    /// illegal request becomes an error naming both states instead of a panic.
    pub const fn can_become(self, to: LifecycleState) -> bool {
        use LifecycleState::*;
        matches!(
            (self, to),
            (Registered | Unloaded | Failed, Loaded)
                | (Loaded, Initialized)
                | (Initialized | Stopped, Running)
                | (Running, Stopped)
                | (Loaded | Initialized | Stopped | Failed, Unloaded)
                | (Loaded | Initialized | Running | Stopped, Failed)
        )
    }

    /// Whether an instance of the plugin exists in this state.
    pub const fn has_instance(self) -> bool {
        matches!(
            self,
            LifecycleState::Loaded
                | LifecycleState::Initialized
                | LifecycleState::Running
                | LifecycleState::Stopped
        )
    }

    /// The lowercase name shown to users.
    pub const fn as_str(self) -> &'static str {
        match self {
            LifecycleState::Registered => "registered",
            LifecycleState::Loaded => "loaded",
            LifecycleState::Initialized => "initialized",
            LifecycleState::Running => "running",
            LifecycleState::Stopped => "stopped",
            LifecycleState::Failed => "failed",
            LifecycleState::Unloaded => "unloaded",
        }
    }
}

impl fmt::Display for LifecycleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
