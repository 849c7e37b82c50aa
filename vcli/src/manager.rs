//! The plugin manager: owns every linked plugin's lifecycle, calls into plugin
//! code only under a deadline and panic isolation, and reports what happens
//! on a bounded event channel.

mod call;
mod command;
mod error;
mod events;
mod health;
mod info;
mod lifecycle;
mod network;
mod resources;
mod services;
mod slot;
mod violations;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vcli_plugin_api::{Capability, HealthStatus, LifecycleState, Plugin};

pub(crate) use call::host_wait;
pub(crate) use call::panic_message as panic_text;
pub use call::{CallError, ViewCharge};
pub use error::ManagerError;
pub use events::{EVENT_BUFFER, EVENT_CAPACITY, Event, EventKind};
pub use info::PluginInfo;
pub use resources::ResourceUsage;
pub use violations::{Resource, VIOLATION_HISTORY, Violation, ViolationKind};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::sandbox::memory::{IdLease, PluginId};
use events::EventBus;
use slot::Slot;

/// Owns the plugins linked into this binary. Cheap to clone; all clones
/// share one set of plugins.
#[derive(Clone)]
pub struct Manager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("plugins", &self.inner.catalog.len())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    catalog: Catalog,
    config: Config,
    slots: BTreeMap<&'static str, Slot>,
    events: EventBus,
    /// Owns plugin calls, spawned plugin tasks' parents, monitors and restart timers.
    tasks: TaskTracker,
    /// Cancelled at shutdown; every instance token is its child.
    shutdown: CancellationToken,
    services: Arc<services::Services>,
    violations: violations::ViolationLog,
    /// Which background loops run; each starts at most once.
    monitors: MonitorFlags,
}

/// Set when the corresponding background loop has been started.
#[derive(Debug, Default)]
struct MonitorFlags {
    resources: std::sync::atomic::AtomicBool,
    probes: std::sync::atomic::AtomicBool,
}

impl Manager {
    /// A manager for the plugins in `catalog`, configured by `config`. Nothing
    /// is constructed until a plugin is loaded.
    pub fn new(catalog: Catalog, config: Config) -> Manager {
        let inner = Arc::new_cyclic(|weak| {
            // Plugin ids index the tracking allocator's counters. They are
            // a process-wide resource, held until this manager's slots, and
            // every task still running its plugins' code, are gone; a plugin
            // that finds none free gets one at load, or cannot be loaded.
            let slots = catalog
                .iter()
                .map(|r| {
                    let name = r.metadata().name;
                    (name, Slot::new(r, config.plugin(name), IdLease::acquire()))
                })
                .collect();
            Inner {
                catalog,
                config,
                slots,
                events: EventBus::new(),
                tasks: TaskTracker::new(),
                shutdown: CancellationToken::new(),
                services: Arc::new(services::Services::new(weak.clone())),
                violations: violations::ViolationLog::default(),
                monitors: MonitorFlags::default(),
            }
        });
        Manager { inner }
    }

    /// The catalog this manager was built from.
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// Subscribes to events. A subscriber that falls more than
    /// [`EVENT_BUFFER`] events behind gets `RecvError::Lagged(n)` telling it
    /// how many it missed; the manager never waits for it.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Constructs and initializes `name` (Registered, Unloaded or Failed → Initialized).
    ///
    /// # Errors
    ///
    /// An illegal transition, a disabled or quarantined plugin, or the
    /// plugin's own failure (which also marks it Failed).
    pub async fn load(&self, name: &str) -> Result<(), ManagerError> {
        let slot = self.inner.slot(name)?;
        let _op = slot.claim().await;
        self.inner.load_claimed(slot).await
    }

    /// Starts `name` (Initialized or Stopped → Running). Its dependencies must be running.
    ///
    /// # Errors
    ///
    /// An illegal transition, a dependency that is missing, cyclic or not
    /// running, or the plugin's own failure.
    pub async fn start(&self, name: &str) -> Result<(), ManagerError> {
        let slot = self.inner.slot(name)?;
        let _op = slot.claim().await;
        self.inner.start_claimed(slot).await
    }

    /// Stops `name` (Running → Stopped) and cancels the tasks it spawned.
    ///
    /// # Errors
    ///
    /// An illegal transition, a running dependent, or the plugin's own failure.
    pub async fn stop(&self, name: &str) -> Result<(), ManagerError> {
        let slot = self.inner.slot(name)?;
        let _op = slot.claim().await;
        self.inner.stop_claimed(slot).await
    }

    /// Stops `name` if it runs, then drops its instance (→ Unloaded).
    ///
    /// # Errors
    ///
    /// An illegal transition (nothing to unload) or a running dependent.
    pub async fn unload(&self, name: &str) -> Result<(), ManagerError> {
        let slot = self.inner.slot(name)?;
        let _op = slot.claim().await;
        self.inner.unload_claimed(slot).await
    }

    /// Stops, drops, constructs anew, initializes and (if it was running)
    /// starts `name`. The old instance is really dropped. Reloading also
    /// lifts a quarantine: it is the operator's explicit retry.
    ///
    /// # Errors
    ///
    /// As for [`Manager::unload`], [`Manager::load`] and [`Manager::start`].
    pub async fn reload(&self, name: &str) -> Result<(), ManagerError> {
        let slot = self.inner.slot(name)?;
        let _op = slot.claim().await;
        self.inner.reload_claimed(slot).await
    }

    /// Loads and starts every enabled plugin, dependencies first. A plugin
    /// that fails does not stop the others; every failure is returned.
    pub async fn start_all(&self) -> Vec<(String, ManagerError)> {
        let enabled: Vec<&str> = self
            .inner
            .slots
            .values()
            .filter(|s| s.settings.enabled)
            .map(|s| s.name())
            .collect();
        let mut failures = Vec::new();
        for name in enabled {
            let order = match self.inner.catalog.start_order([name]) {
                Ok(order) => order,
                Err(e) => {
                    failures.push((name.to_owned(), e.into()));
                    continue;
                }
            };
            for step in order {
                if let Err(e) = self.ensure_running(step).await {
                    if !failures.iter().any(|(n, _)| n == step) {
                        failures.push((step.to_owned(), e));
                    }
                    break;
                }
            }
        }
        failures
    }

    async fn ensure_running(&self, name: &str) -> Result<(), ManagerError> {
        let slot = self.inner.slot(name)?;
        let _op = slot.claim().await;
        let state = slot.lock().lifecycle();
        match state {
            LifecycleState::Running => Ok(()),
            LifecycleState::Initialized | LifecycleState::Stopped => {
                self.inner.start_claimed(slot).await
            }
            _ => {
                self.inner.load_claimed(slot).await?;
                self.inner.start_claimed(slot).await
            }
        }
    }

    /// Loads `name` and its dependencies (dependencies are also started), so
    /// that one of `name`'s commands can run. Returns the instance.
    ///
    /// # Errors
    ///
    /// As for [`Manager::load`] and [`Manager::start`].
    pub async fn prepare_for_command(&self, name: &str) -> Result<Arc<dyn Plugin>, ManagerError> {
        let order = self.inner.catalog.start_order([name])?;
        for dep in order.iter().filter(|d| **d != name) {
            self.ensure_running(dep).await?;
        }
        let slot = self.inner.slot(name)?;
        {
            let _op = slot.claim().await;
            if !slot.lock().lifecycle().has_instance() {
                self.inner.load_claimed(slot).await?;
            }
        }
        let state = slot.lock();
        state.instance().ok_or(ManagerError::NotLoaded {
            plugin: name.to_owned(),
            state: state.lifecycle(),
        })
    }

    /// Runs one health check of `name` now, under its probe timeout, and
    /// returns what the plugin said (a timeout or panic reads as unhealthy).
    /// The probe's verdict, which needs `failure_threshold` failures in a
    /// row to turn unhealthy, is in [`PluginInfo::health`].
    ///
    /// # Errors
    ///
    /// The plugin has no instance.
    pub async fn health_check(&self, name: &str) -> Result<Arc<HealthStatus>, ManagerError> {
        let slot = self.inner.slot(name)?;
        self.inner.health_check(slot).await
    }

    /// Runs one health check of `name` on a task of its own and waits at
    /// most twice its probe timeout: a check that blocks its thread, which
    /// the probe's own timeout cannot interrupt, is given up on, the plugin
    /// is marked Failed as the watchdog would, and the answer is unhealthy.
    /// For one-off checks (`vcli plugins health`, the TUI); the probe loop
    /// uses [`Manager::health_check`] and the resource loop's watchdog.
    ///
    /// # Errors
    ///
    /// The plugin has no instance.
    pub async fn health_check_guarded(
        &self,
        name: &str,
    ) -> Result<Arc<HealthStatus>, ManagerError> {
        let slot = self.inner.slot(name)?;
        let limit = slot.settings.health.timeout.0 * 2;
        let inner = self.inner.clone();
        let owned = name.to_owned();
        let check = self.inner.tasks.spawn(async move {
            let slot = inner.slot(&owned)?;
            inner.health_check(slot).await
        });
        let check = tokio_util::task::AbortOnDropHandle::new(check);
        match tokio::time::timeout(limit, check).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Ok(Arc::new(HealthStatus::unhealthy(format!(
                "health check ended abnormally: {join}"
            )))),
            Err(_) => {
                slot.lock().probe_abandoned();
                let message = self.inner.fail_blocked_probe(slot, limit);
                Ok(Arc::new(HealthStatus::unhealthy(message)))
            }
        }
    }

    /// Samples `name`'s resource usage now (the resource loop does this periodically).
    ///
    /// # Errors
    ///
    /// The plugin is unknown.
    pub fn update_resources(&self, name: &str) -> Result<ResourceUsage, ManagerError> {
        let slot = self.inner.slot(name)?;
        Ok(self.inner.sample_resources(slot))
    }

    /// A snapshot of `name`.
    ///
    /// # Errors
    ///
    /// The plugin is unknown.
    pub fn get(&self, name: &str) -> Result<PluginInfo, ManagerError> {
        Ok(self.inner.slot(name)?.info())
    }

    /// Snapshots of every linked plugin, sorted by name.
    pub fn list(&self) -> Vec<PluginInfo> {
        self.inner.slots.values().map(Slot::info).collect()
    }

    /// The last [`VIOLATION_HISTORY`] violations, oldest first: of `plugin`,
    /// or of all plugins.
    ///
    /// # Errors
    ///
    /// The plugin is unknown.
    pub fn violations(&self, plugin: Option<&str>) -> Result<Vec<Arc<Violation>>, ManagerError> {
        Ok(match plugin {
            Some(name) => self.inner.slot(name)?.lock().violations(),
            None => self.inner.violations.snapshot(),
        })
    }

    /// The capabilities the policy grants `name` (an error if it refuses one
    /// the plugin needs).
    ///
    /// # Errors
    ///
    /// The plugin is unknown, or the policy refuses a capability.
    pub fn granted(&self, name: &str) -> Result<Vec<Capability>, ManagerError> {
        let slot = self.inner.slot(name)?;
        Ok(slot
            .settings
            .policy
            .grant(&self.inner.config.policy, slot.registration.metadata())?)
    }

    /// A fresh TUI view from `name`'s instance, if it has one.
    pub fn view(&self, name: &str) -> Option<Box<dyn vcli_plugin_api::View>> {
        let slot = self.inner.slot(name).ok()?;
        let loan = slot.lend().ok()?;
        call::call_plugin_sync_as(&slot.meter, "view", || loan.instance().view())
            .ok()
            .flatten()
    }

    /// A panel from `name` about a resource another view selected, if it has
    /// one (see [`Plugin::lens`](vcli_plugin_api::Plugin::lens)). Only
    /// running plugins are asked.
    pub fn lens(
        &self,
        name: &str,
        resource: &vcli_plugin_api::ResourceRef,
    ) -> Option<Box<dyn vcli_plugin_api::View>> {
        let slot = self.inner.slot(name).ok()?;
        let loan = slot.lend().ok()?;
        call::call_plugin_sync_as(&slot.meter, "lens", || loan.instance().lens(resource))
            .ok()
            .flatten()
    }

    /// Command lines `name` offers for a resource another view selected.
    pub fn commands_for(
        &self,
        name: &str,
        resource: &vcli_plugin_api::ResourceRef,
    ) -> Vec<vcli_plugin_api::ResourceCommand> {
        let Ok(slot) = self.inner.slot(name) else {
            return Vec::new();
        };
        let Ok(loan) = slot.lend() else {
            return Vec::new();
        };
        call::call_plugin_sync_as(&slot.meter, "commands_for", || {
            loan.instance().commands_for(resource)
        })
        .unwrap_or_default()
    }

    /// What charges calls into `name`'s views (render, events) to it; `None`
    /// for an unknown plugin.
    pub fn view_charge(&self, name: &str) -> Option<ViewCharge> {
        let slot = self.inner.slot(name).ok()?;
        Some(ViewCharge::new(Arc::clone(&slot.meter)))
    }

    /// Marks `name` failed because its view panicked in the host's UI
    /// thread: the same path as any other failure (event, restart policy).
    pub fn view_failed(&self, name: &str, reason: String) {
        if let Ok(slot) = self.inner.slot(name) {
            self.inner.fail(slot, reason);
        }
    }

    /// Woken whenever a plugin asks for a frame through its
    /// [`Redraw`](vcli_plugin_api::Redraw) handle.
    pub fn redraw_signal(&self) -> Arc<tokio::sync::Notify> {
        self.inner.services.redraw_signal()
    }

    /// The identity `name`'s allocations are charged to in the tracking
    /// allocator; `None` when every id in the process was taken when this
    /// manager was built and none has been free at a load since.
    ///
    /// # Errors
    ///
    /// The plugin is unknown.
    pub fn memory_id(&self, name: &str) -> Result<Option<PluginId>, ManagerError> {
        Ok(self.inner.slot(name)?.meter.id())
    }

    /// Starts the background loops: one health probe per plugin and the
    /// resource sampler. They end at [`Manager::shutdown`].
    pub fn spawn_monitors(&self) {
        self.inner.ensure_probes();
        self.inner.ensure_resource_loop();
    }

    /// Stops running plugins in reverse dependency order, unloads every
    /// instance and waits for every task the manager owns, all within the
    /// configured shutdown timeout. Returns the plugins that did not stop
    /// cleanly.
    pub async fn shutdown(&self) -> Vec<(String, ManagerError)> {
        let limit = self.inner.config.manager.shutdown_timeout.0;
        let inner = self.inner.clone();
        let work = async move { inner.shutdown_all().await };
        let failures = match tokio::time::timeout(limit, work).await {
            Ok(failures) => failures,
            Err(_) => vec![(
                "*".to_owned(),
                ManagerError::Call {
                    plugin: "*".to_owned(),
                    source: CallError::TimedOut {
                        call: "shutdown",
                        deadline: limit,
                    },
                },
            )],
        };
        self.inner.shutdown.cancel();
        self.inner.tasks.close();
        // Tasks stuck in blocking plugin code cannot be awaited forever; the
        // others end at the cancellation above within a poll or two.
        let _ = tokio::time::timeout(Duration::from_millis(100), self.inner.tasks.wait()).await;
        failures
    }

    /// How many tasks the manager currently owns (plugin calls, monitors,
    /// restart timers and the parents of plugin-spawned tasks).
    pub fn owned_tasks(&self) -> usize {
        self.inner.tasks.len()
    }
}

impl Drop for Inner {
    /// A manager dropped without [`Manager::shutdown`] still ends what it
    /// owns: cancelling the shutdown token cancels every instance's tasks,
    /// and the instances are dropped inside `catch_unwind`, as unloading
    /// would. (The slots' plugin ids go back to the pool when the last
    /// meter, which tasks running plugin code also hold, is dropped.)
    fn drop(&mut self) {
        self.shutdown.cancel();
        for slot in self.slots.values() {
            let instance = slot.lock().take_instance();
            if let Some(instance) = instance {
                let _ = call::call_plugin_sync_as(&slot.meter, "drop", move || drop(instance));
            }
        }
    }
}

impl Inner {
    fn slot(&self, name: &str) -> Result<&Slot, ManagerError> {
        match self.slots.get(name) {
            Some(slot) => Ok(slot),
            None => Err(self.catalog.get(name).err().map_or_else(
                || ManagerError::NotLoaded {
                    plugin: name.to_owned(),
                    state: LifecycleState::Registered,
                },
                ManagerError::from,
            )),
        }
    }
}
