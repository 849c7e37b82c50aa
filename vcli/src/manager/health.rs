//! Health probes with Kubernetes semantics, and the background loops that
//! run them and sample resources.

use std::sync::Arc;

use tokio::time::{Instant, MissedTickBehavior};
use vcli_plugin_api::{HealthState, HealthStatus, LifecycleState};

use super::call::{CallError, call_plugin};
use super::events::EventKind;
use super::resources::ResourceUsage;
use super::slot::Slot;
use super::{Inner, ManagerError};
use crate::config::RestartPolicy;

impl Inner {
    /// One probe: call the plugin's `health` under the probe timeout, then
    /// update the consecutive counters and the verdict.
    pub(super) async fn health_check(
        self: &Arc<Self>,
        slot: &Slot,
    ) -> Result<HealthStatus, ManagerError> {
        let probe = &slot.settings.health;
        let Some(instance) = slot.lock().instance.clone() else {
            return Err(ManagerError::NotLoaded {
                plugin: slot.name().to_owned(),
                state: slot.lock().lifecycle,
            });
        };
        let result = call_plugin(
            &self.tasks,
            &slot.meter,
            "health",
            probe.timeout.0,
            async move { instance.health().await },
        )
        .await;
        let status = match result {
            Ok(status) => status,
            Err(e @ CallError::TimedOut { .. }) => {
                HealthStatus::unhealthy(format!("health check {e}"))
            }
            Err(e) => {
                let message = e.to_string();
                self.fail(slot, message.clone());
                return Ok(HealthStatus::unhealthy(message));
            }
        };
        self.record_probe(slot, &status);
        Ok(status)
    }

    /// Applies probe semantics: `failure_threshold` unhealthy results in a
    /// row make the verdict unhealthy; once unhealthy, `success_threshold`
    /// good results in a row make it good again. Below a threshold the
    /// verdict does not change.
    fn record_probe(self: &Arc<Self>, slot: &Slot, status: &HealthStatus) {
        let probe = &slot.settings.health;
        let (previous, verdict, crossed) = {
            let mut state = slot.lock();
            let previous = state.health.state;
            let failing = status.state == HealthState::Unhealthy;
            let verdict = if failing {
                state.probe.consecutive_failures += 1;
                state.probe.consecutive_successes = 0;
                if state.probe.consecutive_failures >= probe.failure_threshold.get() {
                    HealthState::Unhealthy
                } else {
                    previous
                }
            } else {
                state.probe.consecutive_successes += 1;
                state.probe.consecutive_failures = 0;
                if previous == HealthState::Unhealthy
                    && state.probe.consecutive_successes < probe.success_threshold.get()
                {
                    HealthState::Unhealthy
                } else {
                    status.state
                }
            };
            state.health = HealthStatus {
                state: verdict,
                ..status.clone()
            };
            let crossed = verdict == HealthState::Unhealthy && previous != HealthState::Unhealthy;
            (previous, verdict, crossed)
        };
        if previous != verdict {
            self.events.emit(
                slot.name(),
                EventKind::HealthChanged {
                    from: previous,
                    to: verdict,
                    message: status.message.clone(),
                },
            );
        }
        // Like a liveness probe: an unhealthy verdict counts as a crash when
        // the policy restarts plugins.
        if crossed && probe.restart == RestartPolicy::OnFailure {
            self.fail(
                slot,
                format!(
                    "health probe failed {} times in a row: {}",
                    probe.failure_threshold, status.message
                ),
            );
        }
    }

    pub(super) fn sample_resources(&self, slot: &Slot) -> ResourceUsage {
        let mut state = slot.lock();
        let sample = ResourceUsage::sample(&slot.meter, &state.resources, Instant::now());
        state.resources = sample.clone();
        sample
    }
}

/// Spawns one probe loop per plugin and one resource sampler, owned by the
/// manager's tracker and ended by its shutdown token.
pub(super) fn spawn_monitors(inner: &Arc<Inner>) {
    for name in inner.slots.keys().copied() {
        let owner = inner.clone();
        let shutdown = inner.shutdown.clone();
        inner.tasks.spawn(async move {
            tokio::select! {
                () = probe_loop(&owner, name) => {}
                () = shutdown.cancelled() => {}
            }
        });
    }
    let owner = inner.clone();
    let shutdown = inner.shutdown.clone();
    inner.tasks.spawn(async move {
        let mut ticks = tokio::time::interval(owner.config.manager.resource_interval.0);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    for slot in owner.slots.values() {
                        owner.sample_resources(slot);
                    }
                }
                () = shutdown.cancelled() => return,
            }
        }
    });
}

/// Checks a running plugin every period once its start-up grace has passed.
async fn probe_loop(inner: &Arc<Inner>, name: &'static str) {
    let Some(slot) = inner.slots.get(name) else {
        return;
    };
    let probe = &slot.settings.health;
    let mut ticks = tokio::time::interval(probe.period.0);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let due = {
            let state = slot.lock();
            state.lifecycle == LifecycleState::Running
                && state
                    .started_at
                    .is_some_and(|t| t.elapsed() >= probe.initial_delay.0)
        };
        if due {
            // An error means the instance went away between the check and
            // the call; the next tick sees the new state.
            let _ = inner.health_check(slot).await;
        }
    }
}
