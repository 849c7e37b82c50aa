//! The lifecycle operations behind the manager's public methods. Each runs
//! with the slot claimed, so one operation at a time changes a plugin, while
//! the slot's lock is only held between awaits.
//!
//! # Claim order
//!
//! Starting a plugin also claims its dependencies, so no dependency can be
//! stopped while a dependent starts. Claims are only ever taken from a
//! dependent towards its dependencies: an operation holds its own plugin's
//! claim, then claims that plugin's direct dependencies, dependents before
//! dependencies (see [`Inner::claim_dependencies`]); nothing claims a plugin
//! while holding a claim of one of its dependencies, and stopping a plugin
//! claims no dependent. With the graph acyclic (checked before any
//! dependency is claimed), every operation takes claims in one global order,
//! so no two operations can wait for each other.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use vcli_plugin_api::print::Backoff;
use vcli_plugin_api::{LifecycleState, PluginContext, PluginError};

use super::call::{CallError, call_plugin, call_plugin_sync_as};
use super::events::EventKind;
use super::slot::{Claim, FailOutcome, Slot};
use super::{Inner, ManagerError};
use crate::config::RestartPolicy;
use crate::sandbox::memory::MAX_PLUGINS;

impl Inner {
    /// Fails with an [`ManagerError::IllegalTransition`] unless `to` is legal from the current state.
    fn check(slot: &Slot, to: LifecycleState) -> Result<LifecycleState, ManagerError> {
        let from = slot.lock().lifecycle();
        if from.can_become(to) {
            Ok(from)
        } else {
            Err(ManagerError::IllegalTransition {
                plugin: slot.name().to_owned(),
                from,
                to,
            })
        }
    }

    /// Moves to `to` if that is still legal: a background failure may have
    /// moved the plugin to Failed while the call was in flight.
    fn transition(slot: &Slot, to: LifecycleState) -> Result<(), ManagerError> {
        let moved = slot.lock().move_to(to);
        moved.map_err(|from| ManagerError::IllegalTransition {
            plugin: slot.name().to_owned(),
            from,
            to,
        })
    }

    pub(super) async fn load_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        let name = slot.name();
        Self::check(slot, LifecycleState::Loaded)?;
        if !slot.settings.enabled {
            return Err(ManagerError::Disabled(name.to_owned()));
        }
        let quarantine = slot.lock().quarantine();
        if let Some(crashes) = quarantine {
            return Err(ManagerError::Quarantined {
                plugin: name.to_owned(),
                crashes,
            });
        }
        if !slot.meter.ensure_id() {
            return Err(ManagerError::TooManyPlugins {
                plugin: name.to_owned(),
                max: MAX_PLUGINS - 1,
            });
        }
        let granted = slot
            .settings
            .policy
            .grant(&self.config.policy, slot.registration.metadata())?;
        self.await_retired(slot).await;
        // A new instance starts within its limit, whatever the last one did.
        slot.meter
            .set_memory_limit(slot.settings.limits.memory.map(|m| m.as_u64()));
        let instance = call_plugin_sync_as(&slot.meter, "construct", || slot.registration.create())
            .map_err(|e| self.fail_call(slot, e))?;
        let token = self.shutdown.child_token();
        slot.lock().loaded(instance.clone(), token.clone());
        let ctx = PluginContext::new(name, granted, token, self.services.clone());
        let config = self.config.plugin_config(name);
        let deadline = self.config.manager.call_timeout.0;
        let result = call_plugin(
            &self.tasks,
            &slot.meter,
            "initialize",
            deadline,
            async move { instance.initialize(ctx, config).await },
        )
        .await;
        self.settle(slot, result)?;
        Self::transition(slot, LifecycleState::Initialized)?;
        self.events.emit(name, EventKind::Loaded);
        Ok(())
    }

    pub(super) async fn start_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        let name = slot.name();
        Self::check(slot, LifecycleState::Running)?;
        // Rejects a cycle before any dependency is claimed: claiming around
        // a cycle could deadlock.
        self.catalog.start_order([name])?;
        // Held until this start has finished, so no dependency stops meanwhile.
        let _dependencies = self.claim_dependencies(slot).await?;
        let instance = slot.lock().run_began();
        let Some(instance) = instance else {
            return Err(ManagerError::NotLoaded {
                plugin: name.to_owned(),
                state: slot.lock().lifecycle(),
            });
        };
        let deadline = self.config.manager.call_timeout.0;
        let result = call_plugin(&self.tasks, &slot.meter, "start", deadline, async move {
            instance.start().await
        })
        .await;
        self.settle(slot, result)?;
        let started = slot.lock().started(Instant::now());
        started.map_err(|from| ManagerError::IllegalTransition {
            plugin: name.to_owned(),
            from,
            to: LifecycleState::Running,
        })?;
        self.events.emit(name, EventKind::Started);
        Ok(())
    }

    pub(super) async fn stop_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        let name = slot.name();
        Self::check(slot, LifecycleState::Stopped)?;
        // No dependent's claim is needed for this check: a dependent that is
        // starting now holds its own claim and waits for ours (claims go
        // dependent → dependency, never back), so it either became Running
        // before we were claimed, and is seen here, or will see us Stopped.
        for other in self.slots.values() {
            let needs_us = other
                .registration
                .metadata()
                .dependencies
                .iter()
                .any(|d| d.name == name);
            if needs_us && other.lock().lifecycle() == LifecycleState::Running {
                return Err(ManagerError::NeededBy {
                    plugin: name.to_owned(),
                    dependent: other.name().to_owned(),
                });
            }
        }
        let Some(instance) = slot.lock().instance() else {
            return Err(ManagerError::NotLoaded {
                plugin: name.to_owned(),
                state: slot.lock().lifecycle(),
            });
        };
        let deadline = self.config.manager.call_timeout.0;
        let result = call_plugin(&self.tasks, &slot.meter, "stop", deadline, async move {
            instance.stop().await
        })
        .await;
        // Whatever stop said, the tasks of this run end now.
        let tasks = slot.lock().run_ended();
        let _ = tokio::time::timeout(deadline, tasks.wait()).await;
        self.settle(slot, result)?;
        Self::transition(slot, LifecycleState::Stopped)?;
        self.events.emit(name, EventKind::Stopped);
        Ok(())
    }

    pub(super) async fn unload_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        if slot.lock().lifecycle() == LifecycleState::Running {
            self.stop_claimed(slot).await?;
        }
        Self::check(slot, LifecycleState::Unloaded)?;
        let (instance, tasks) = slot.lock().unloaded();
        let _ = tokio::time::timeout(self.config.manager.call_timeout.0, tasks.wait()).await;
        // Dropping the last reference frees the instance; a plugin whose Drop
        // panics must not take the host down.
        let _ = call_plugin_sync_as(&slot.meter, "drop", move || drop(instance));
        self.events.emit(slot.name(), EventKind::Unloaded);
        Ok(())
    }

    pub(super) async fn reload_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        let state = {
            let mut state = slot.lock();
            state.lift_quarantine();
            state.lifecycle()
        };
        let was_running = state == LifecycleState::Running;
        if state.has_instance() || state == LifecycleState::Failed {
            self.unload_claimed(slot).await?;
        }
        self.load_claimed(slot).await?;
        if was_running {
            self.start_claimed(slot).await?;
        }
        Ok(())
    }

    /// Claims `slot`'s direct dependencies and checks that each is Running.
    /// The caller holds `slot`'s own claim and keeps the returned claims
    /// until its operation has finished, so none of them stops (or reloads)
    /// meanwhile; one can still fail, which no claim prevents.
    ///
    /// They are claimed dependents first: by how many plugins each depends
    /// on, transitively, most first, then by name. A plugin depends on more
    /// plugins than any of its dependencies, so this one order, the same for
    /// every operation, never claims a dependency before its dependent. (In
    /// the order the metadata lists them, starting `a` (needs `b` and `c`)
    /// could hold `b` and wait for `c` while starting `c` (needs `b`) held
    /// `c` and waited for `b`.)
    async fn claim_dependencies<'a>(&'a self, slot: &Slot) -> Result<Vec<Claim<'a>>, ManagerError> {
        let mut dependencies = Vec::new();
        for dep in slot.registration.metadata().dependencies {
            let depth = self.catalog.start_order([dep.name])?.len();
            dependencies.push((depth, self.slot(dep.name)?));
        }
        dependencies.sort_by(|(a_depth, a), (b_depth, b)| {
            b_depth.cmp(a_depth).then_with(|| a.name().cmp(b.name()))
        });
        // Claiming one twice would wait for ourselves.
        dependencies.dedup_by_key(|(_, dep)| dep.name());
        let mut claims = Vec::with_capacity(dependencies.len());
        for (_, dep) in dependencies {
            claims.push(dep.claim().await);
            let state = dep.lock().lifecycle();
            if state != LifecycleState::Running {
                return Err(ManagerError::DependencyNotRunning {
                    plugin: slot.name().to_owned(),
                    dependency: dep.name().to_owned(),
                    state,
                });
            }
        }
        Ok(claims)
    }

    /// Waits, at most one call timeout, until nothing holds the previous
    /// instance any more (a health check or command that was in flight when
    /// it was unloaded or failed), so that a new instance is never built
    /// while the old one lives. A call stuck in blocking code can hold it
    /// past that; the new instance is then built anyway, with a warning.
    async fn await_retired(&self, slot: &Slot) {
        if !slot.lock().old_instance_lives() {
            return;
        }
        let limit = self.config.manager.call_timeout.0;
        // Polled rather than notified: an `Arc<dyn Plugin>` cannot tell
        // anyone when its last clone goes, and this wait is rare and short.
        let gone = async {
            while slot.lock().old_instance_lives() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        if tokio::time::timeout(limit, gone).await.is_err() {
            tracing::warn!(
                plugin = slot.name(),
                "the previous instance is still in use after {}; building a new one anyway",
                humantime::format_duration(limit)
            );
        }
    }

    /// Restarts a failed plugin after its backoff, unless it was quarantined,
    /// reloaded by hand or the host is shutting down meanwhile.
    async fn restart(self: &Arc<Self>, name: &'static str) {
        let Ok(slot) = self.slot(name) else { return };
        let _op = slot.claim().await;
        if self.shutdown.is_cancelled() {
            return;
        }
        let Some(attempt) = slot.lock().restart_began() else {
            return;
        };
        self.events.emit(name, EventKind::Restarted { attempt });
        let result = async {
            self.unload_claimed(slot).await?;
            self.load_claimed(slot).await?;
            self.start_claimed(slot).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(plugin = name, error = %e, "restart failed");
        }
    }

    /// Turns the outcome of a plugin call into a result, failing the plugin
    /// if the call panicked, timed out or returned an error.
    fn settle(
        self: &Arc<Self>,
        slot: &Slot,
        result: Result<Result<(), PluginError>, CallError>,
    ) -> Result<(), ManagerError> {
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => {
                self.fail(slot, source.to_string());
                Err(ManagerError::Plugin {
                    plugin: slot.name().to_owned(),
                    source,
                })
            }
            Err(source) => Err(self.fail_call(slot, source)),
        }
    }

    pub(super) fn fail_call(self: &Arc<Self>, slot: &Slot, source: CallError) -> ManagerError {
        if let CallError::TimedOut { call, deadline } = &source {
            let kind = super::ViolationKind::deadline_missed(call, *deadline);
            self.violate(slot, kind, source.to_string());
        }
        self.fail(slot, source.to_string());
        ManagerError::Call {
            plugin: slot.name().to_owned(),
            source,
        }
    }

    /// Marks the plugin Failed with `reason`, cancels its tasks, counts the
    /// crash, and either quarantines it or schedules a restart with backoff.
    pub(super) fn fail(self: &Arc<Self>, slot: &Slot, reason: String) {
        self.fail_with(slot, reason, false);
    }

    /// Terminates the plugin for its violations: like a failure, but it is
    /// restarted only if its violation policy says so.
    pub(super) fn terminate(self: &Arc<Self>, slot: &Slot, reason: String) {
        self.fail_with(slot, reason, true);
    }

    fn fail_with(self: &Arc<Self>, slot: &Slot, reason: String, terminated: bool) {
        let name = slot.name();
        let probe = &slot.settings.health;
        let outcome = slot.lock().failed(&reason, Instant::now(), probe);
        // Already failed, or never built: nothing more to record.
        let Some(FailOutcome {
            crashes,
            restarts,
            quarantined,
            instance,
        }) = outcome
        else {
            return;
        };
        tracing::info!(plugin = name, %reason, terminated, "plugin failed");
        // The instance's Drop may be slow or panic: it runs outside the
        // slot's lock, and a panic in it is caught.
        let _ = call_plugin_sync_as(&slot.meter, "drop", move || drop(instance));
        if terminated {
            self.events.emit(
                name,
                EventKind::Terminated {
                    reason: reason.clone(),
                },
            );
        }
        self.events.emit(name, EventKind::Failed { reason });
        if quarantined {
            self.events.emit(name, EventKind::Quarantined { crashes });
            return;
        }
        let may_restart = !terminated || slot.settings.violations.restart;
        if may_restart && probe.restart == RestartPolicy::OnFailure && !self.shutdown.is_cancelled()
        {
            let delay = Backoff::doubling(probe.backoff.0)
                .capped(probe.max_backoff.0)
                .delay(restarts);
            let inner = self.clone();
            let shutdown = self.shutdown.clone();
            self.tasks.spawn(async move {
                tokio::select! {
                    () = tokio::time::sleep(delay) => inner.restart(name).await,
                    () = shutdown.cancelled() => {}
                }
            });
        }
    }

    /// Stops running plugins dependents-first, then unloads everything.
    pub(super) async fn shutdown_all(self: &Arc<Self>) -> Vec<(String, ManagerError)> {
        let names: Vec<&str> = self.slots.keys().copied().collect();
        // Every linked plugin's dependencies were checked at start; if the
        // graph is broken, fall back to name order.
        let order = self
            .catalog
            .start_order(names.iter().copied())
            .unwrap_or(names);
        let mut failures = Vec::new();
        for name in order.into_iter().rev() {
            let Ok(slot) = self.slot(name) else { continue };
            let _op = slot.claim().await;
            let state = slot.lock().lifecycle();
            if (state.can_become(LifecycleState::Unloaded) || state == LifecycleState::Running)
                && let Err(e) = self.unload_claimed(slot).await
            {
                failures.push((name.to_owned(), e));
            }
        }
        failures
    }
}
