//! One linked plugin's place in the manager: its state, instance and records,
//! and the guard that lets one lifecycle operation at a time change it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vcli_plugin_api::{HealthStatus, LifecycleState, Plugin, Registration};

use super::call::PluginMeter;
use super::resources::ResourceUsage;
use crate::config::PluginSettings;
use crate::sandbox::memory::PluginId;
use crate::sandbox::throttle::Throttle;

/// Everything the manager keeps for one plugin.
pub(crate) struct Slot {
    pub(crate) registration: &'static Registration,
    pub(crate) settings: PluginSettings,
    pub(crate) meter: Arc<PluginMeter>,
    state: Mutex<SlotState>,
    idle: Notify,
    /// Commands running now (see `command.rs`).
    pub(crate) commands: std::sync::atomic::AtomicUsize,
    /// Since when commands have run without a pause.
    pub(crate) command_since: Mutex<Option<Instant>>,
}

/// The mutable part. Only ever locked for short, synchronous sections: never
/// across an await, so no plugin call can hold it.
pub(crate) struct SlotState {
    pub(crate) lifecycle: LifecycleState,
    pub(crate) instance: Option<Arc<dyn Plugin>>,
    /// Cancelled when the instance is dropped or fails.
    pub(crate) instance_token: CancellationToken,
    /// Cancelled when the plugin stops; tasks spawned through the context use it.
    pub(crate) run_token: CancellationToken,
    /// Owns the tasks spawned through the context during the current run.
    pub(crate) run_tasks: TaskTracker,
    pub(crate) failure: Option<Arc<str>>,
    /// The probe's verdict with the last check's message; shared with readers.
    pub(crate) health: Arc<HealthStatus>,
    /// When the health check now in flight began, for the watchdog.
    pub(crate) probe_started: Option<std::time::Instant>,
    pub(crate) probe: ProbeRecord,
    pub(crate) resources: ResourceUsage,
    pub(crate) restarts: u32,
    pub(crate) crashes: VecDeque<Instant>,
    pub(crate) quarantined: bool,
    pub(crate) started_at: Option<Instant>,
    pub(crate) violations: super::violations::History,
    pub(crate) violation_times: VecDeque<Instant>,
    busy: bool,
}

/// Consecutive probe results, as a Kubernetes probe counts them.
#[derive(Debug, Default, Clone)]
pub(crate) struct ProbeRecord {
    pub(crate) consecutive_failures: u32,
    pub(crate) consecutive_successes: u32,
}

impl Slot {
    pub(crate) fn new(
        registration: &'static Registration,
        settings: PluginSettings,
        id: PluginId,
    ) -> Self {
        // The throughput limit, with a burst of a tenth of a second's worth
        // (at least 16 KiB, so one TLS record fits).
        let throttle = settings.limits.network_rate.and_then(|rate| {
            let rate = u32::try_from(rate.as_u64()).unwrap_or(u32::MAX);
            let per_second = std::num::NonZeroU32::new(rate)?;
            let burst = std::num::NonZeroU32::new((rate / 10).max(16 * 1024))?;
            Some(Arc::new(Throttle::new(per_second, burst)))
        });
        Slot {
            registration,
            settings,
            meter: Arc::new(PluginMeter::new(id, throttle)),
            state: Mutex::new(SlotState {
                lifecycle: LifecycleState::Registered,
                instance: None,
                instance_token: CancellationToken::new(),
                run_token: CancellationToken::new(),
                run_tasks: TaskTracker::new(),
                failure: None,
                health: Arc::new(HealthStatus::unknown()),
                probe_started: None,
                probe: ProbeRecord::default(),
                resources: ResourceUsage::default(),
                restarts: 0,
                crashes: VecDeque::new(),
                quarantined: false,
                started_at: None,
                violations: Default::default(),
                violation_times: VecDeque::new(),
                busy: false,
            }),
            idle: Notify::new(),
            commands: std::sync::atomic::AtomicUsize::new(0),
            command_since: Mutex::new(None),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.registration.metadata().name
    }

    /// Locks the state for a short synchronous section. A poisoned lock only
    /// means a panic elsewhere while it was held; the data is still coherent
    /// because every section leaves it consistent before doing anything that
    /// can panic, so the guard is recovered.
    pub(crate) fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until no other lifecycle operation is running on this plugin and
    /// claims it. Waiting is on a `Notify`, not on a lock, so readers
    /// (`get`, `list`, health) are never blocked by a slow plugin call.
    pub(crate) async fn claim(&self) -> OpGuard<'_> {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            {
                let mut state = self.lock();
                if !state.busy {
                    state.busy = true;
                    return OpGuard { slot: self };
                }
                // Register interest while holding the lock, so a release
                // between unlocking and awaiting is not missed.
                notified.as_mut().enable();
            }
            notified.await;
        }
    }
}

/// Proof that the holder is the only lifecycle operation on a slot.
pub(crate) struct OpGuard<'a> {
    slot: &'a Slot,
}

impl Drop for OpGuard<'_> {
    fn drop(&mut self) {
        self.slot.lock().busy = false;
        self.slot.idle.notify_waiters();
    }
}

impl SlotState {
    /// Records a crash now and returns how many fell inside `window`.
    pub(crate) fn record_crash(&mut self, now: Instant, window: Duration) -> u32 {
        self.crashes.push_back(now);
        while self
            .crashes
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            self.crashes.pop_front();
        }
        u32::try_from(self.crashes.len()).unwrap_or(u32::MAX)
    }

    /// Replaces the run token and task tracker for a new run, returning the old ones.
    pub(crate) fn new_run(&mut self) -> (CancellationToken, TaskTracker) {
        let token = std::mem::replace(&mut self.run_token, self.instance_token.child_token());
        let tasks = std::mem::replace(&mut self.run_tasks, TaskTracker::new());
        (token, tasks)
    }
}
