//! Calling into plugin code: on its own task, under a deadline, inside panic
//! isolation, with the time spent polling it charged to the plugin.

use std::any::Any;
use std::cell::Cell;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio_util::task::TaskTracker;

use crate::sandbox::memory::{self, IdLease, PluginId};
use crate::sandbox::throttle::{NetCounters, Throttle};

/// Why a call into a plugin produced no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The plugin's code panicked.
    #[error("{call} panicked: {message}")]
    Panicked {
        /// The call, e.g. `start`.
        call: &'static str,
        /// The panic message.
        message: String,
    },
    /// The call did not finish in time.
    #[error("{call} did not finish within {}", humantime::format_duration(*.deadline))]
    TimedOut {
        /// The call.
        call: &'static str,
        /// The deadline it missed.
        deadline: Duration,
    },
    /// The task was cancelled because the host is shutting down.
    #[error("{call} was cancelled")]
    Cancelled {
        /// The call.
        call: &'static str,
    },
}

/// What the host measures per plugin, shared by every task that runs its code.
#[derive(Debug)]
pub(crate) struct PluginMeter {
    /// Whom allocations made while polling the plugin are charged to: an id
    /// taken from the process-wide pool when the manager was built, or at a
    /// later load if none was free then. A plugin without one is never
    /// loaded, so none of its code runs charged to the host.
    id: OnceLock<IdLease>,
    /// Nanoseconds spent inside `poll` of the plugin's futures.
    pub(crate) poll_nanos: AtomicU64,
    /// Live tasks spawned through the plugin's context.
    pub(crate) live_tasks: AtomicUsize,
    /// Tasks spawned through the plugin's context since start-up.
    pub(crate) spawned_tasks: AtomicU64,
    /// Bytes through the network service.
    pub(crate) net: Arc<NetCounters>,
    /// The network throughput limit, shared by all the plugin's connections.
    pub(crate) throttle: Option<Arc<Throttle>>,
}

impl PluginMeter {
    pub(crate) fn new(id: Option<IdLease>, throttle: Option<Arc<Throttle>>) -> Self {
        PluginMeter {
            id: id.map_or_else(OnceLock::new, OnceLock::from),
            poll_nanos: AtomicU64::new(0),
            live_tasks: AtomicUsize::new(0),
            spawned_tasks: AtomicU64::new(0),
            net: Arc::default(),
            throttle,
        }
    }

    /// The plugin's memory accounting id, if it has one.
    pub(crate) fn id(&self) -> Option<PluginId> {
        self.id.get().map(IdLease::id)
    }

    /// Gives the plugin an id if it has none yet and one is free; returns
    /// whether it has one now. Called with the slot claimed, so two callers
    /// never race to set it (and if they did, the loser's lease is dropped,
    /// which frees its id).
    pub(crate) fn ensure_id(&self) -> bool {
        if self.id.get().is_none()
            && let Some(lease) = IdLease::acquire()
        {
            let _ = self.id.set(lease);
        }
        self.id.get().is_some()
    }

    /// Bytes allocated on the plugin's behalf and not yet freed, relative to
    /// what its id's counter held when the id was taken (see [`IdLease`]).
    pub(crate) fn allocated(&self) -> Option<i64> {
        self.id.get().map(IdLease::allocated)
    }

    /// Sets (or removes) the plugin's hard memory limit, counted from its
    /// id's baseline, and clears the mark of having crossed it.
    pub(crate) fn set_memory_limit(&self, bytes: Option<u64>) {
        if let Some(lease) = self.id.get() {
            lease.set_limit(bytes);
        }
    }

    /// Whether an allocation charged to the plugin crossed its hard memory
    /// limit since the limit was set.
    pub(crate) fn over_memory_limit(&self) -> bool {
        self.id().is_some_and(memory::over_limit)
    }

    /// Charges allocations on this thread to the plugin until the guard is
    /// dropped. Without an id nothing changes; the plugin is then never
    /// loaded, so its code never runs.
    fn enter(&self) -> Option<memory::Attribution> {
        self.id().map(memory::enter)
    }
}

pin_project_lite::pin_project! {
    /// A future whose polls are timed and charged to a plugin.
    pub(crate) struct Metered<F> {
        #[pin]
        inner: F,
        meter: Arc<PluginMeter>,
    }
}

pin_project_lite::pin_project! {
    /// A future whose allocations are charged to a plugin, for callers that
    /// time the polls themselves.
    pub(crate) struct Charged<F> {
        #[pin]
        inner: F,
        plugin: Option<PluginId>,
    }
}

impl<F> Charged<F> {
    pub(crate) fn new(inner: F, plugin: Option<PluginId>) -> Self {
        Charged { inner, plugin }
    }
}

impl<F: Future> Future for Charged<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _charged = this.plugin.map(memory::enter);
        this.inner.poll(cx)
    }
}

impl<F> Metered<F> {
    pub(crate) fn new(inner: F, meter: Arc<PluginMeter>) -> Self {
        Metered { inner, meter }
    }
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // Allocations made while the plugin's code runs are charged to it.
        let _charged = this.meter.enter();
        let waited_before = HOST_WAIT_NANOS.with(Cell::get);
        let started = Instant::now();
        let result = this.inner.poll(cx);
        let spent = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let waited = HOST_WAIT_NANOS.with(Cell::get).wrapping_sub(waited_before);
        this.meter
            .poll_nanos
            .fetch_add(spent.saturating_sub(waited), Ordering::Relaxed);
        result
    }
}

/// Charges synchronous calls into a plugin's TUI view (made on the TUI's
/// thread, outside any future) to the plugin, as a poll would be: the time
/// to its CPU share, the allocations to its memory.
#[derive(Debug, Clone)]
pub struct ViewCharge {
    meter: Arc<PluginMeter>,
}

impl ViewCharge {
    pub(crate) fn new(meter: Arc<PluginMeter>) -> Self {
        ViewCharge { meter }
    }

    /// Runs `f`, charged to the plugin.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let _charged = self.meter.enter();
        let started = Instant::now();
        let out = f();
        let spent = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.meter.poll_nanos.fetch_add(spent, Ordering::Relaxed);
        out
    }
}

thread_local! {
    /// Nanoseconds this thread has spent in [`host_wait`], so that a poll
    /// can leave them out of the plugin's CPU time.
    static HOST_WAIT_NANOS: Cell<u64> = const { Cell::new(0) };
}

/// Runs `wait`, a blocking wait on the host's side made from inside a
/// plugin's poll (a command writing to a stdout whose reader is slow), so
/// that the time is not charged to the plugin as CPU.
pub(crate) fn host_wait<T>(wait: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = wait();
    let waited = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    HOST_WAIT_NANOS.with(|c| c.set(c.get().wrapping_add(waited)));
    result
}

/// Runs `future` (plugin code) on its own task owned by `tracker`, waits at
/// most `deadline`, and turns a panic or a missed deadline into a [`CallError`].
///
/// Running on a separate task is what makes a plugin that blocks its thread
/// survivable on the multi-threaded runtime: the deadline fires on another
/// worker. A timed-out task is aborted; if it is stuck inside a blocking call
/// the abort takes effect when that call returns.
pub(crate) async fn call_plugin<T: Send + 'static>(
    tracker: &TaskTracker,
    meter: &Arc<PluginMeter>,
    call: &'static str,
    deadline: Duration,
    future: impl Future<Output = T> + Send + 'static,
) -> Result<T, CallError> {
    let handle = tracker.spawn(Metered::new(future, meter.clone()));
    let abort = handle.abort_handle();
    match tokio::time::timeout(deadline, handle).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(join)) if join.is_panic() => Err(CallError::Panicked {
            call,
            message: panic_message(join.into_panic()),
        }),
        Ok(Err(_)) => Err(CallError::Cancelled { call }),
        Err(_elapsed) => {
            abort.abort();
            Err(CallError::TimedOut { call, deadline })
        }
    }
}

/// Runs synchronous plugin code (a constructor, a view, a drop) with its
/// allocations charged to the plugin `meter` measures, and turns a panic
/// into a [`CallError`].
pub(crate) fn call_plugin_sync_as<T>(
    meter: &PluginMeter,
    call: &'static str,
    f: impl FnOnce() -> T,
) -> Result<T, CallError> {
    let _charged = meter.enter();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        CallError::Panicked {
            call,
            message: panic_message(payload),
        }
    })
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "panic with a non-string payload".to_owned(),
        },
    }
}
