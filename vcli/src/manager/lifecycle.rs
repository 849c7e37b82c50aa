//! The lifecycle operations behind the manager's public methods. Each runs
//! with the slot claimed, so one operation at a time changes a plugin, while
//! the slot's lock is only held between awaits.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use vcli_plugin_api::{LifecycleState, PluginContext, PluginError};

use super::call::{CallError, call_plugin, call_plugin_sync_as};
use super::events::EventKind;
use super::slot::Slot;
use super::{Inner, ManagerError};
use crate::config::RestartPolicy;

impl Inner {
    /// Fails with an [`ManagerError::IllegalTransition`] unless `to` is legal from the current state.
    fn check(slot: &Slot, to: LifecycleState) -> Result<LifecycleState, ManagerError> {
        let from = slot.lock().lifecycle;
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
        let mut state = slot.lock();
        if !state.lifecycle.can_become(to) {
            return Err(ManagerError::IllegalTransition {
                plugin: slot.name().to_owned(),
                from: state.lifecycle,
                to,
            });
        }
        state.lifecycle = to;
        Ok(())
    }

    pub(super) async fn load_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        let name = slot.name();
        Self::check(slot, LifecycleState::Loaded)?;
        if !slot.settings.enabled {
            return Err(ManagerError::Disabled(name.to_owned()));
        }
        {
            let state = slot.lock();
            if state.quarantined {
                return Err(ManagerError::Quarantined {
                    plugin: name.to_owned(),
                    crashes: u32::try_from(state.crashes.len()).unwrap_or(u32::MAX),
                });
            }
        }
        let granted = slot
            .settings
            .policy
            .grant(&self.config.policy, slot.registration.metadata())?;
        // A new instance starts within its limit, whatever the last one did.
        crate::sandbox::memory::set_limit(
            slot.meter.id,
            slot.settings.limits.memory.map(|m| m.as_u64()),
        );
        let instance =
            call_plugin_sync_as(slot.meter.id, "construct", || slot.registration.create())
                .map_err(|e| self.fail_call(slot, e))?;
        let ctx = {
            let mut state = slot.lock();
            state.lifecycle = LifecycleState::Loaded;
            state.instance = Some(instance.clone());
            state.instance_token = self.shutdown.child_token();
            let (old_token, _) = state.new_run();
            old_token.cancel();
            state.failure = None;
            state.health = Arc::new(vcli_plugin_api::HealthStatus::unknown());
            state.probe_started = None;
            state.probe = Default::default();
            PluginContext::new(
                name,
                granted,
                state.instance_token.clone(),
                self.services.clone(),
            )
        };
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
        self.catalog.start_order([name])?;
        for dep in slot.registration.metadata().dependencies {
            let state = self.slot(dep.name)?.lock().lifecycle;
            if state != LifecycleState::Running {
                return Err(ManagerError::DependencyNotRunning {
                    plugin: name.to_owned(),
                    dependency: dep.name.to_owned(),
                    state,
                });
            }
        }
        let instance = {
            let mut state = slot.lock();
            let (old_token, _) = state.new_run();
            old_token.cancel();
            state.instance.clone()
        };
        let Some(instance) = instance else {
            return Err(ManagerError::NotLoaded {
                plugin: name.to_owned(),
                state: slot.lock().lifecycle,
            });
        };
        let deadline = self.config.manager.call_timeout.0;
        let result = call_plugin(&self.tasks, &slot.meter, "start", deadline, async move {
            instance.start().await
        })
        .await;
        self.settle(slot, result)?;
        Self::transition(slot, LifecycleState::Running)?;
        slot.lock().started_at = Some(Instant::now());
        self.events.emit(name, EventKind::Started);
        Ok(())
    }

    pub(super) async fn stop_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        let name = slot.name();
        Self::check(slot, LifecycleState::Stopped)?;
        for other in self.slots.values() {
            let needs_us = other
                .registration
                .metadata()
                .dependencies
                .iter()
                .any(|d| d.name == name);
            if needs_us && other.lock().lifecycle == LifecycleState::Running {
                return Err(ManagerError::NeededBy {
                    plugin: name.to_owned(),
                    dependent: other.name().to_owned(),
                });
            }
        }
        let Some(instance) = slot.lock().instance.clone() else {
            return Err(ManagerError::NotLoaded {
                plugin: name.to_owned(),
                state: slot.lock().lifecycle,
            });
        };
        let deadline = self.config.manager.call_timeout.0;
        let result = call_plugin(&self.tasks, &slot.meter, "stop", deadline, async move {
            instance.stop().await
        })
        .await;
        // Whatever stop said, the tasks of this run end now.
        let (token, tasks) = {
            let mut state = slot.lock();
            state.started_at = None;
            state.new_run()
        };
        token.cancel();
        tasks.close();
        let _ = tokio::time::timeout(deadline, tasks.wait()).await;
        self.settle(slot, result)?;
        Self::transition(slot, LifecycleState::Stopped)?;
        self.events.emit(name, EventKind::Stopped);
        Ok(())
    }

    pub(super) async fn unload_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        if slot.lock().lifecycle == LifecycleState::Running {
            self.stop_claimed(slot).await?;
        }
        Self::check(slot, LifecycleState::Unloaded)?;
        let (instance, tasks) = {
            let mut state = slot.lock();
            state.instance_token.cancel();
            state.lifecycle = LifecycleState::Unloaded;
            state.started_at = None;
            let (_, tasks) = state.new_run();
            (state.instance.take(), tasks)
        };
        tasks.close();
        let _ = tokio::time::timeout(self.config.manager.call_timeout.0, tasks.wait()).await;
        // Dropping the last reference frees the instance; a plugin whose Drop
        // panics must not take the host down.
        let _ = call_plugin_sync_as(slot.meter.id, "drop", move || drop(instance));
        self.events.emit(slot.name(), EventKind::Unloaded);
        Ok(())
    }

    pub(super) async fn reload_claimed(self: &Arc<Self>, slot: &Slot) -> Result<(), ManagerError> {
        let (was_running, has_instance) = {
            let mut state = slot.lock();
            state.quarantined = false;
            state.crashes.clear();
            (
                state.lifecycle == LifecycleState::Running,
                state.lifecycle.has_instance(),
            )
        };
        if has_instance || slot.lock().lifecycle == LifecycleState::Failed {
            self.unload_claimed(slot).await?;
        }
        self.load_claimed(slot).await?;
        if was_running {
            self.start_claimed(slot).await?;
        }
        Ok(())
    }

    /// Restarts a failed plugin after its backoff, unless it was quarantined,
    /// reloaded by hand or the host is shutting down meanwhile.
    async fn restart(self: &Arc<Self>, name: &'static str) {
        let Ok(slot) = self.slot(name) else { return };
        let _op = slot.claim().await;
        {
            let state = slot.lock();
            if state.lifecycle != LifecycleState::Failed
                || state.quarantined
                || self.shutdown.is_cancelled()
            {
                return;
            }
        }
        let attempt = {
            let mut state = slot.lock();
            state.restarts += 1;
            state.restarts
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
            let kind = super::ViolationKind::DeadlineMissed {
                call: (*call).to_owned(),
                deadline_ms: u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
            };
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
        let (crashes, restarts) = {
            let mut state = slot.lock();
            if !state.lifecycle.can_become(LifecycleState::Failed) {
                // Already failed, or never built: nothing more to record.
                return;
            }
            tracing::info!(plugin = name, %reason, terminated, "plugin failed");
            state.lifecycle = LifecycleState::Failed;
            state.failure = Some(reason.as_str().into());
            // Cancels the instance's tasks and children and closes its
            // network service: every token of the instance descends from it.
            state.instance_token.cancel();
            state.instance = None;
            state.started_at = None;
            let crashes = state.record_crash(Instant::now(), probe.crash_window.0);
            if crashes >= probe.crash_limit.get() {
                state.quarantined = true;
            }
            (crashes, state.restarts)
        };
        if terminated {
            self.events.emit(
                name,
                EventKind::Terminated {
                    reason: reason.clone(),
                },
            );
        }
        self.events.emit(name, EventKind::Failed { reason });
        if crashes >= probe.crash_limit.get() {
            self.events.emit(name, EventKind::Quarantined { crashes });
            return;
        }
        let may_restart = !terminated || slot.settings.violations.restart;
        if may_restart && probe.restart == RestartPolicy::OnFailure && !self.shutdown.is_cancelled()
        {
            let delay = backoff(probe.backoff.0, probe.max_backoff.0, restarts);
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
            let state = slot.lock().lifecycle;
            if (state.can_become(LifecycleState::Unloaded) || state == LifecycleState::Running)
                && let Err(e) = self.unload_claimed(slot).await
            {
                failures.push((name.to_owned(), e));
            }
        }
        failures
    }
}

/// `base * 2^restarts`, capped at `max`.
pub(crate) fn backoff(base: Duration, max: Duration, restarts: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(restarts.min(31)))
        .min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(1), s(300), 0), s(1));
        assert_eq!(backoff(s(1), s(300), 3), s(8));
        assert_eq!(backoff(s(1), s(300), 40), s(300));
    }
}
