//! The host services handed to plugins through their context: owned task
//! spawning, violation reporting and the metered network service.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use futures::FutureExt;
use futures::future::BoxFuture;
use vcli_plugin_api::{Capability, HostServices, NetworkMeter, NetworkService, PluginError};

use super::Inner;
use super::call::{Metered, PluginMeter, panic_message};
use super::events::EventKind;

/// The most live tasks one plugin may have spawned through its context.
pub(crate) const TASK_LIMIT: usize = 1024;

/// The manager's implementation of [`HostServices`]. Holds the manager weakly
/// so that plugins keeping their context alive cannot keep the host alive.
#[derive(Debug)]
pub(crate) struct Services {
    inner: Weak<Inner>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").finish_non_exhaustive()
    }
}

impl Services {
    pub(crate) fn new(inner: Weak<Inner>) -> Self {
        Services { inner }
    }

    fn inner(&self) -> Result<Arc<Inner>, PluginError> {
        self.inner.upgrade().ok_or(PluginError::Cancelled)
    }
}

/// Decrements the plugin's live-task count when its task ends, however it ends.
struct LiveTask(Arc<PluginMeter>);

impl Drop for LiveTask {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::Relaxed);
    }
}

impl HostServices for Services {
    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: BoxFuture<'static, ()>,
    ) -> Result<(), PluginError> {
        let inner = self.inner()?;
        let slot = inner.slots.get(plugin).ok_or(PluginError::Cancelled)?;
        let (token, tracker) = {
            let state = slot.lock();
            (state.run_token.clone(), state.run_tasks.clone())
        };
        if token.is_cancelled() {
            return Err(PluginError::Cancelled);
        }
        let live = slot.meter.live_tasks.fetch_add(1, Ordering::Relaxed);
        let guard = LiveTask(slot.meter.clone());
        if live >= TASK_LIMIT {
            return Err(PluginError::Budget(format!(
                "plugin {plugin} already has {live} live tasks (limit {TASK_LIMIT}); task {name:?} was not started"
            )));
        }
        slot.meter.spawned_tasks.fetch_add(1, Ordering::Relaxed);
        let owner = Arc::downgrade(&inner);
        let plugin: &'static str = slot.name();
        let task_name = name.to_owned();
        let body = Metered::new(
            std::panic::AssertUnwindSafe(task).catch_unwind(),
            slot.meter.clone(),
        );
        tracker.spawn(async move {
            let _guard = guard;
            // A panicking background task fails its plugin, as a panicking call would.
            if let Some(Err(payload)) = token.run_until_cancelled(body).await
                && let Some(inner) = owner.upgrade()
                && let Some(slot) = inner.slots.get(plugin)
            {
                let reason = format!("task {task_name:?} panicked: {}", panic_message(payload));
                inner.fail(slot, reason);
            }
        });
        Ok(())
    }

    fn capability_denied(&self, plugin: &str, capability: Capability, what: &str) {
        if let Ok(inner) = self.inner() {
            inner.events.emit(
                plugin,
                EventKind::Violation {
                    what: format!("{what} needs capability {capability}"),
                },
            );
        }
    }

    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError> {
        let inner = self.inner()?;
        let slot = inner.slots.get(plugin).ok_or(PluginError::Cancelled)?;
        Ok(NetworkService::new(Arc::new(HostMeter {
            meter: slot.meter.clone(),
        })))
    }
}

/// Counts a plugin's network bytes into its meter.
#[derive(Debug)]
struct HostMeter {
    meter: Arc<PluginMeter>,
}

impl NetworkMeter for HostMeter {
    fn authorize(&self, _host: &str, _port: u16) -> Result<(), PluginError> {
        Ok(())
    }

    fn record_sent(&self, bytes: u64) {
        self.meter.bytes_sent.fetch_add(bytes, Ordering::Relaxed);
    }

    fn record_received(&self, bytes: u64) {
        self.meter
            .bytes_received
            .fetch_add(bytes, Ordering::Relaxed);
    }
}
