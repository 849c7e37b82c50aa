//! What the manager tells its subscribers, over a bounded broadcast channel.

use std::time::SystemTime;

use serde::Serialize;
use tokio::sync::broadcast;
use vcli_plugin_api::HealthState;

/// The requested capacity of the event channel, as the design asks.
pub const EVENT_CAPACITY: usize = 100;

/// How many events a subscriber may really fall behind before it starts
/// missing them: tokio's broadcast ring rounds the capacity up to a power of
/// two.
pub const EVENT_BUFFER: usize = EVENT_CAPACITY.next_power_of_two();

/// Something that happened to a plugin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When it happened.
    pub at: SystemTime,
    /// The plugin it happened to.
    pub plugin: String,
    /// What happened.
    pub kind: EventKind,
}

/// The kinds of event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EventKind {
    /// An instance was constructed and initialized.
    Loaded,
    /// The plugin started.
    Started,
    /// The plugin stopped.
    Stopped,
    /// The instance was dropped.
    Unloaded,
    /// The probe's verdict changed.
    HealthChanged {
        /// The verdict before.
        from: HealthState,
        /// The verdict now.
        to: HealthState,
        /// The plugin's message.
        message: String,
    },
    /// A call failed, panicked or missed its deadline.
    Failed {
        /// Why.
        reason: String,
    },
    /// The plugin was rebuilt after a failure.
    Restarted {
        /// How many restarts so far.
        attempt: u32,
    },
    /// The plugin crashed too often and will not be restarted.
    Quarantined {
        /// Crashes inside the window.
        crashes: u32,
    },
    /// The plugin broke its sandbox policy (see [`Violation`](super::Violation)).
    Violation {
        /// What it did.
        message: String,
    },
    /// The plugin was terminated for its violations.
    Terminated {
        /// Why.
        reason: String,
    },
}

/// The sending side, owned by the manager.
#[derive(Debug, Clone)]
pub(crate) struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl EventBus {
    pub(crate) fn new() -> Self {
        EventBus {
            sender: broadcast::channel(EVENT_CAPACITY).0,
        }
    }

    /// Sends an event. Never blocks: a subscriber that is behind by more than
    /// [`EVENT_BUFFER`] events loses the oldest and is told how many on its
    /// next receive (`RecvError::Lagged`).
    pub(crate) fn emit(&self, plugin: &str, kind: EventKind) {
        tracing::debug!(plugin, ?kind, "plugin event");
        // An error only means nobody is subscribed, which is fine.
        let _ = self.sender.send(Event {
            at: SystemTime::now(),
            plugin: plugin.to_owned(),
            kind,
        });
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
