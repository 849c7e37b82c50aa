//! Health probes with Kubernetes semantics, and the background loops that
//! run them and sample resources.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use vcli_plugin_api::{HealthState, HealthStatus};

use futures::FutureExt;

use super::call::{Charged, Metered, panic_message};
use super::events::EventKind;
use super::resources::ResourceUsage;
use super::slot::{Slot, SlotState};
use super::{Inner, ManagerError};
use crate::config::RestartPolicy;

impl Inner {
    /// One probe: call the plugin's `health` under the probe timeout, then
    /// update the consecutive counters and the verdict.
    ///
    /// Unlike lifecycle calls, health checks run inline on the probe's own
    /// task rather than on a task of their own: they are the hot periodic
    /// path, and a probe loop per plugin already isolates one plugin's
    /// checks from everything else. A check that blocks its thread is caught
    /// by the watchdog in the resource loop, and one that returns after its
    /// timeout counts as timed out.
    pub(super) async fn health_check(
        self: &Arc<Self>,
        slot: &Slot,
    ) -> Result<Arc<HealthStatus>, ManagerError> {
        let probe = &slot.settings.health;
        let timeout = probe.timeout.0;
        // Wall-clock time on purpose: a thread blocked inside the check is
        // measured in real time, whatever the runtime's clock says.
        let started = std::time::Instant::now();
        let loan = slot
            .probe_began(started)
            .map_err(|state| ManagerError::NotLoaded {
                plugin: slot.name().to_owned(),
                state,
            })?;
        let (outcome, elapsed) = {
            let call = Charged::new(
                std::panic::AssertUnwindSafe(loan.instance().health()).catch_unwind(),
                slot.meter.id(),
            );
            // Most checks answer on their first poll. That poll is timed by
            // hand with the clock reads this function needs anyway, and only
            // checks that do not answer at once pay for a timer and per-poll
            // timing.
            let mut call = std::pin::pin!(call);
            let first = futures::poll!(call.as_mut());
            let elapsed = started.elapsed();
            slot.meter.poll_nanos.fetch_add(
                u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
                std::sync::atomic::Ordering::Relaxed,
            );
            match first {
                std::task::Poll::Ready(outcome) => (Ok(outcome), elapsed),
                std::task::Poll::Pending => {
                    let rest = Metered::new(call, slot.meter.clone());
                    let outcome = tokio::time::timeout(timeout, rest).await;
                    (outcome, started.elapsed())
                }
            }
        };
        let status = match outcome {
            Ok(Ok(status)) if elapsed <= timeout => status,
            Ok(Ok(_)) => HealthStatus::unhealthy(format!(
                "health check took {}, longer than its {} timeout",
                humantime::format_duration(elapsed),
                humantime::format_duration(timeout)
            )),
            Ok(Err(panic)) => {
                let message = format!("health panicked: {}", panic_message(panic));
                loan.return_with(SlotState::probe_abandoned);
                self.fail(slot, message.clone());
                return Ok(Arc::new(HealthStatus::unhealthy(message)));
            }
            Err(_) => HealthStatus::unhealthy(format!(
                "health check did not finish within {}",
                humantime::format_duration(timeout)
            )),
        };
        // The loan is returned in the lock that records the result: this is
        // the hot path, and one lock fewer matters.
        let status = Arc::new(status);
        let verdicts = loan.return_with(|state| state.record_probe(&status, probe));
        self.report_verdict(slot, &status, verdicts);
        Ok(status)
    }

    /// Reports a change of the probe's verdict (counted with probe
    /// semantics by `SlotState::record_probe`), and fails a plugin that
    /// turned unhealthy when its policy restarts it.
    fn report_verdict(
        self: &Arc<Self>,
        slot: &Slot,
        status: &HealthStatus,
        (previous, verdict): (HealthState, HealthState),
    ) {
        let probe = &slot.settings.health;
        if previous != verdict {
            self.events.emit(
                slot.name(),
                EventKind::HealthChanged {
                    from: previous,
                    to: verdict,
                    message: status.message.clone(),
                },
            );
            // Like a liveness probe: turning unhealthy counts as a crash when
            // the policy restarts plugins.
            if verdict == HealthState::Unhealthy && probe.restart == RestartPolicy::OnFailure {
                self.fail(
                    slot,
                    format!(
                        "health probe failed {} times in a row: {}",
                        probe.failure_threshold, status.message
                    ),
                );
            }
        }
    }

    /// Fails a plugin whose health check has been running for more than
    /// twice its timeout: it is blocking its thread, so the check's own
    /// timeout could not fire.
    pub(super) fn watchdog(self: &Arc<Self>, slot: &Slot) {
        let limit = slot.settings.health.timeout.0 * 2;
        let stuck = slot.lock().probe_stuck(limit);
        if let Some(elapsed) = stuck {
            self.fail_blocked_probe(slot, elapsed);
        }
    }

    /// Fails a plugin whose health check has not returned for `elapsed`, as
    /// the watchdog and a guarded one-off check both conclude; returns the
    /// reason given.
    pub(super) fn fail_blocked_probe(self: &Arc<Self>, slot: &Slot, elapsed: Duration) -> String {
        let message = format!(
            "health check has not returned for {}; the plugin is blocking its thread",
            humantime::format_duration(elapsed)
        );
        self.fail(slot, message.clone());
        message
    }

    pub(super) fn sample_resources(&self, slot: &Slot) -> ResourceUsage {
        slot.lock().record_sample(&slot.meter, Instant::now())
    }
}

/// Spawns one probe loop per plugin, owned by the manager's tracker and
/// ended by its shutdown token.
pub(super) fn spawn_probes(inner: &Arc<Inner>) {
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
}

/// Spawns the resource sampler, which also runs the blocking-health
/// watchdog and enforces budgets, owned by the manager's tracker and ended
/// by its shutdown token.
pub(super) fn spawn_resource_loop(inner: &Arc<Inner>) {
    let owner = inner.clone();
    let shutdown = inner.shutdown.clone();
    inner.tasks.spawn(async move {
        let mut ticks = tokio::time::interval(owner.config.manager.resource_interval.0);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    for slot in owner.slots.values() {
                        let usage = owner.sample_resources(slot);
                        owner.watchdog(slot);
                        owner.enforce_budgets(slot, &usage);
                    }
                }
                () = shutdown.cancelled() => return,
            }
        }
    });
}

/// Checks a plugin every period once its start-up grace has passed: a
/// running plugin, or one that only serves a long-lived command (the CLI
/// initializes a plugin for its command without starting it).
async fn probe_loop(inner: &Arc<Inner>, name: &'static str) {
    let Some(slot) = inner.slots.get(name) else {
        return;
    };
    let probe = &slot.settings.health;
    let mut ticks = tokio::time::interval(probe.period.0);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let serving = slot.serving_command_since();
        let due = slot.lock().probe_due(probe.initial_delay.0, serving);
        if due {
            // An error means the instance went away between the check and
            // the call; the next tick sees the new state.
            let _ = inner.health_check(slot).await;
        }
    }
}
