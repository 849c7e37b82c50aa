//! The mutable part of a plugin's slot. Its fields are private: it changes
//! only through methods named after what happened to the plugin, each of
//! which leaves it consistent, so the rules (what a load resets, what a
//! failure records) live in one place.

use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vcli_plugin_api::{HealthState, HealthStatus, LifecycleState, Metadata, Plugin};

use crate::config::ProbeSettings;
use crate::manager::call::PluginMeter;
use crate::manager::info::PluginInfo;
use crate::manager::resources::ResourceUsage;
use crate::manager::violations::{History, Violation};

/// The state of one plugin. Only ever locked for short, synchronous
/// sections: never across an await, so no plugin call can hold it.
pub(crate) struct SlotState {
    lifecycle: LifecycleState,
    instance: Option<Arc<dyn Plugin>>,
    /// The instance last taken out of the slot. Someone else (a health check
    /// in flight, a command) may still hold it; a load waits for it to go.
    retired: Option<Weak<dyn Plugin>>,
    /// References to an instance lent to readers (health checks, views) and
    /// not yet returned. A returned loan has been dropped, and the instance
    /// with it if it was the last reference, so a load that waits for none
    /// to be out never overlaps the old instance's `Drop`.
    loans: usize,
    /// Cancelled when the instance is dropped or fails.
    instance_token: CancellationToken,
    /// Cancelled when the plugin stops; tasks spawned through the context use it.
    run_token: CancellationToken,
    /// Owns the tasks spawned through the context during the current run.
    run_tasks: TaskTracker,
    failure: Option<Arc<str>>,
    /// The probe's verdict with the last check's message; shared with readers.
    health: Arc<HealthStatus>,
    /// When the health check now in flight began, for the watchdog.
    probe_started: Option<std::time::Instant>,
    consecutive_failures: u32,
    consecutive_successes: u32,
    resources: ResourceUsage,
    restarts: u32,
    crashes: VecDeque<Instant>,
    quarantined: bool,
    started_at: Option<Instant>,
    violations: History,
    violation_times: VecDeque<Instant>,
}

/// What a failure recorded, for the caller to act on outside the lock.
pub(crate) struct FailOutcome {
    /// Crashes within the crash window, this one included.
    pub(crate) crashes: u32,
    /// Automatic restarts so far.
    pub(crate) restarts: u32,
    /// Whether this failure put the plugin in quarantine.
    pub(crate) quarantined: bool,
    /// The failed instance, taken out of the slot so that its `Drop` runs
    /// outside the lock.
    pub(crate) instance: Option<Arc<dyn Plugin>>,
}

impl SlotState {
    pub(super) fn new() -> Self {
        SlotState {
            lifecycle: LifecycleState::Registered,
            instance: None,
            retired: None,
            loans: 0,
            instance_token: CancellationToken::new(),
            run_token: CancellationToken::new(),
            run_tasks: TaskTracker::new(),
            failure: None,
            health: Arc::new(HealthStatus::unknown()),
            probe_started: None,
            consecutive_failures: 0,
            consecutive_successes: 0,
            resources: ResourceUsage::default(),
            restarts: 0,
            crashes: VecDeque::new(),
            quarantined: false,
            started_at: None,
            violations: History::default(),
            violation_times: VecDeque::new(),
        }
    }

    pub(crate) fn lifecycle(&self) -> LifecycleState {
        self.lifecycle
    }

    /// Another reference to the instance, if there is one.
    pub(crate) fn instance(&self) -> Option<Arc<dyn Plugin>> {
        self.instance.clone()
    }

    /// Lends a reference to the instance (see `Slot::lend`), or returns the
    /// state when there is none.
    pub(super) fn lend(&mut self) -> Result<Arc<dyn Plugin>, LifecycleState> {
        let instance = self.instance.clone().ok_or(self.lifecycle)?;
        self.loans += 1;
        Ok(instance)
    }

    /// A lent reference was dropped.
    pub(super) fn loan_returned(&mut self) {
        self.loans -= 1;
    }

    /// Whether something other than the slot may still hold (or be
    /// dropping) a previous instance: a loan is out, or the instance last
    /// taken out is still referenced.
    pub(crate) fn old_instance_lives(&self) -> bool {
        self.loans > 0 || self.retired.as_ref().is_some_and(|w| w.strong_count() > 0)
    }

    /// The token every token of the current instance descends from.
    pub(crate) fn instance_token(&self) -> CancellationToken {
        self.instance_token.clone()
    }

    /// The current run's token and task tracker, for tasks spawned through
    /// the context.
    pub(crate) fn run_scope(&self) -> (CancellationToken, TaskTracker) {
        (self.run_token.clone(), self.run_tasks.clone())
    }

    /// Moves to `to` if that is legal now; otherwise returns the current state.
    pub(crate) fn move_to(&mut self, to: LifecycleState) -> Result<(), LifecycleState> {
        if self.lifecycle.can_become(to) {
            self.lifecycle = to;
            Ok(())
        } else {
            Err(self.lifecycle)
        }
    }

    /// The number of crashes that put the plugin in quarantine, if it is there.
    pub(crate) fn quarantine(&self) -> Option<u32> {
        self.quarantined
            .then(|| u32::try_from(self.crashes.len()).unwrap_or(u32::MAX))
    }

    /// The operator retries by hand: the quarantine and the crash count are lifted.
    pub(crate) fn lift_quarantine(&mut self) {
        self.quarantined = false;
        self.crashes.clear();
    }

    /// A new instance was constructed: it is Loaded, owns `token`, and
    /// nothing of the previous instance's run, failure or probe remains.
    pub(crate) fn loaded(&mut self, instance: Arc<dyn Plugin>, token: CancellationToken) {
        debug_assert!(
            self.instance.is_none(),
            "the previous instance was dropped first"
        );
        self.lifecycle = LifecycleState::Loaded;
        self.instance = Some(instance);
        self.instance_token = token;
        self.new_run();
        self.failure = None;
        self.health = Arc::new(HealthStatus::unknown());
        self.probe_started = None;
        self.consecutive_failures = 0;
        self.consecutive_successes = 0;
    }

    /// A run is about to start: the previous run's tasks are cancelled and a
    /// fresh scope is ready for the new one. Returns the instance to start.
    pub(crate) fn run_began(&mut self) -> Option<Arc<dyn Plugin>> {
        self.new_run();
        self.instance.clone()
    }

    /// The plugin's `start` succeeded: it is Running from `now`, unless a
    /// background failure made that illegal meanwhile (the state is returned).
    pub(crate) fn started(&mut self, now: Instant) -> Result<(), LifecycleState> {
        self.move_to(LifecycleState::Running)?;
        self.started_at = Some(now);
        Ok(())
    }

    /// The plugin's `stop` returned, whatever it said: the run is over. Its
    /// tasks are cancelled; the returned tracker lets the caller wait for them.
    pub(crate) fn run_ended(&mut self) -> TaskTracker {
        self.started_at = None;
        self.new_run()
    }

    /// The instance is being dropped: its token is cancelled and the plugin
    /// is Unloaded. Returns the instance (to drop outside the lock) and the
    /// last run's tracker (to wait for its tasks).
    pub(crate) fn unloaded(&mut self) -> (Option<Arc<dyn Plugin>>, TaskTracker) {
        self.instance_token.cancel();
        self.lifecycle = LifecycleState::Unloaded;
        self.started_at = None;
        let tasks = self.new_run();
        (self.take_instance(), tasks)
    }

    /// The plugin failed with `reason` at `now`: it is Failed, its instance
    /// token is cancelled (which cancels its tasks and children and closes
    /// its network service: every token of the instance descends from it),
    /// and the crash is counted; `crash_limit` crashes within `crash_window`
    /// quarantine it. `None` when it cannot fail now (already failed, or
    /// never built).
    pub(crate) fn failed(
        &mut self,
        reason: &str,
        now: Instant,
        probe: &ProbeSettings,
    ) -> Option<FailOutcome> {
        self.move_to(LifecycleState::Failed).ok()?;
        self.failure = Some(reason.into());
        self.instance_token.cancel();
        self.started_at = None;
        self.crashes.push_back(now);
        while self
            .crashes
            .front()
            .is_some_and(|t| now.duration_since(*t) > probe.crash_window.0)
        {
            self.crashes.pop_front();
        }
        let crashes = u32::try_from(self.crashes.len()).unwrap_or(u32::MAX);
        if crashes >= probe.crash_limit.get() {
            self.quarantined = true;
        }
        Some(FailOutcome {
            crashes,
            restarts: self.restarts,
            quarantined: self.quarantined,
            instance: self.take_instance(),
        })
    }

    /// An automatic restart begins, if the plugin is still Failed and not
    /// quarantined. Returns the attempt's number.
    pub(crate) fn restart_began(&mut self) -> Option<u32> {
        if self.lifecycle != LifecycleState::Failed || self.quarantined {
            return None;
        }
        self.restarts += 1;
        Some(self.restarts)
    }

    /// A health check begins at `at`. Lends the instance to check, or
    /// returns the state when there is none.
    pub(super) fn probe_began(
        &mut self,
        at: std::time::Instant,
    ) -> Result<Arc<dyn Plugin>, LifecycleState> {
        let instance = self.lend()?;
        self.probe_started = Some(at);
        Ok(instance)
    }

    /// The health check in flight ended without a result to count (it panicked).
    pub(crate) fn probe_abandoned(&mut self) {
        self.probe_started = None;
    }

    /// The health check in flight has been running for longer than `limit`:
    /// returns for how long, and stops watching it (the caller fails the plugin).
    pub(crate) fn probe_stuck(&mut self, limit: Duration) -> Option<Duration> {
        let elapsed = self.probe_started?.elapsed();
        if elapsed <= limit {
            return None;
        }
        self.probe_started = None;
        Some(elapsed)
    }

    /// Whether the probe loop should check now: the plugin runs and its
    /// start-up grace has passed.
    pub(crate) fn probe_due(&self, initial_delay: Duration, serving: Option<Instant>) -> bool {
        // A CLI command initializes its plugin without starting it; while
        // it serves a long-lived command, it is probed like a running one.
        let since = match self.lifecycle {
            LifecycleState::Running => self.started_at,
            LifecycleState::Initialized => serving,
            _ => None,
        };
        since.is_some_and(|t| t.elapsed() >= initial_delay)
    }

    /// Counts a check's result with probe semantics: `failure_threshold`
    /// unhealthy results in a row make the verdict unhealthy; once unhealthy,
    /// `success_threshold` good results in a row make it good again. Below a
    /// threshold the verdict does not change. Returns the verdicts before and
    /// after.
    pub(crate) fn record_probe(
        &mut self,
        status: &Arc<HealthStatus>,
        probe: &ProbeSettings,
    ) -> (HealthState, HealthState) {
        self.probe_started = None;
        let previous = self.health.state;
        let verdict = if status.state == HealthState::Unhealthy {
            self.consecutive_failures += 1;
            self.consecutive_successes = 0;
            if self.consecutive_failures >= probe.failure_threshold.get() {
                HealthState::Unhealthy
            } else {
                previous
            }
        } else {
            self.consecutive_successes += 1;
            self.consecutive_failures = 0;
            if previous == HealthState::Unhealthy
                && self.consecutive_successes < probe.success_threshold.get()
            {
                HealthState::Unhealthy
            } else {
                status.state
            }
        };
        // Readers share the check's own result whenever it is the verdict.
        self.health = if verdict == status.state {
            status.clone()
        } else {
            Arc::new(HealthStatus {
                state: verdict,
                ..HealthStatus::clone(status)
            })
        };
        (previous, verdict)
    }

    /// Takes a resource sample from `meter` at `now` and keeps it.
    pub(crate) fn record_sample(&mut self, meter: &PluginMeter, now: Instant) -> ResourceUsage {
        self.resources = ResourceUsage::sample(meter, &self.resources, now);
        self.resources
    }

    /// Records a violation at `now`; returns how many fell within `window`.
    pub(crate) fn push_violation(
        &mut self,
        violation: Arc<Violation>,
        now: Instant,
        window: Duration,
    ) -> u32 {
        self.violations.push(violation);
        self.violation_times.push_back(now);
        while self
            .violation_times
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            self.violation_times.pop_front();
        }
        u32::try_from(self.violation_times.len()).unwrap_or(u32::MAX)
    }

    /// The plugin's recent violations, oldest first.
    pub(crate) fn violations(&self) -> Vec<Arc<Violation>> {
        self.violations.snapshot()
    }

    /// Takes the instance out (to drop it outside the lock), remembering it
    /// as retired so that a load can wait for other holders to let go.
    pub(crate) fn take_instance(&mut self) -> Option<Arc<dyn Plugin>> {
        let instance = self.instance.take()?;
        self.retired = Some(Arc::downgrade(&instance));
        Some(instance)
    }

    /// A snapshot for `get` and `list`.
    pub(crate) fn info(&self, meta: &'static Metadata, enabled: bool) -> PluginInfo {
        PluginInfo {
            name: meta.name,
            version: meta.version,
            description: meta.description,
            command: meta.command,
            capabilities: meta.capabilities,
            dependencies: meta.dependencies,
            enabled,
            state: self.lifecycle,
            failure: self.failure.clone(),
            health: self.health.clone(),
            resources: self.resources,
            restarts: self.restarts,
            quarantined: self.quarantined,
            uptime: match self.lifecycle {
                LifecycleState::Running => self.started_at.map(|t| t.elapsed()),
                _ => None,
            },
        }
    }

    /// Starts a new run scope (a child of the instance token), cancels the
    /// old run's token and returns its tracker, closed, for the caller to
    /// wait on.
    fn new_run(&mut self) -> TaskTracker {
        let token = std::mem::replace(&mut self.run_token, self.instance_token.child_token());
        token.cancel();
        let tasks = std::mem::replace(&mut self.run_tasks, TaskTracker::new());
        tasks.close();
        tasks
    }
}
