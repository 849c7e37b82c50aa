//! What tests use to watch and steer plugins from outside: a census of a
//! plugin type's instances, and gates that hold plugin code (async or
//! blocking) until the test lets it through.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Semaphore;

/// Counts one plugin type's instances, process-wide.
#[derive(Debug)]
pub struct Census {
    created: AtomicUsize,
    live: AtomicUsize,
    peak: AtomicUsize,
}

/// A snapshot of a [`Census`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Instances ever constructed.
    pub created: usize,
    /// Instances alive now (constructed and not dropped).
    pub live: usize,
    /// The most instances that were ever alive at once.
    pub peak: usize,
}

impl Census {
    /// An empty census, for a `static`.
    pub const fn new() -> Self {
        Census {
            created: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Counts an instance being constructed.
    pub fn born(&self) {
        self.created.fetch_add(1, Ordering::SeqCst);
        let live = self.live.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(live, Ordering::SeqCst);
    }

    /// Counts an instance being dropped.
    pub fn died(&self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }

    /// The counts now.
    pub fn now(&self) -> Count {
        Count {
            created: self.created.load(Ordering::SeqCst),
            live: self.live.load(Ordering::SeqCst),
            peak: self.peak.load(Ordering::SeqCst),
        }
    }
}

impl Default for Census {
    fn default() -> Self {
        Census::new()
    }
}

/// Holds a plugin call (the plugin awaits [`Gate::pass`]) while the test
/// keeps it closed. Open by default, so it only steers tests that close it.
#[derive(Debug)]
pub struct Gate {
    closed: AtomicBool,
    arrivals: Semaphore,
    passes: Semaphore,
}

impl Gate {
    /// An open gate, for a `static`.
    pub const fn new() -> Self {
        Gate {
            closed: AtomicBool::new(false),
            arrivals: Semaphore::const_new(0),
            passes: Semaphore::const_new(0),
        }
    }

    /// Makes callers of [`Gate::pass`] wait until [`Gate::open`].
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// Waits until a plugin call is waiting at the closed gate.
    pub async fn arrival(&self) {
        self.arrivals
            .acquire()
            .await
            .expect("the semaphore is never closed")
            .forget();
    }

    /// Opens the gate and lets one waiting call through.
    pub fn open(&self) {
        self.closed.store(false, Ordering::SeqCst);
        self.passes.add_permits(1);
    }

    /// Called by the plugin: returns at once while the gate is open,
    /// otherwise announces the arrival and waits for [`Gate::open`].
    pub async fn pass(&self) {
        if self.closed.load(Ordering::SeqCst) {
            self.arrivals.add_permits(1);
            self.passes
                .acquire()
                .await
                .expect("the semaphore is never closed")
                .forget();
        }
    }
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new()
    }
}

/// Like [`Gate`], for synchronous plugin code (a `Drop`): the plugin blocks
/// its thread in [`BlockingGate::pass`] while the test keeps it closed.
#[derive(Debug)]
pub struct BlockingGate {
    /// Whether the gate is closed, and how many callers arrived at it.
    state: Mutex<(bool, usize)>,
    changed: Condvar,
}

impl BlockingGate {
    /// How long a caller waits at most, so a broken test cannot hang forever.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// An open gate, for a `static`.
    pub const fn new() -> Self {
        BlockingGate {
            state: Mutex::new((false, 0)),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (bool, usize)> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes callers of [`BlockingGate::pass`] wait until [`BlockingGate::open`].
    pub fn close(&self) {
        self.lock().0 = true;
    }

    /// Opens the gate.
    pub fn open(&self) {
        self.lock().0 = false;
        self.changed.notify_all();
    }

    /// Blocks until a caller waits at the gate, at most `limit`; returns
    /// whether one did.
    pub fn await_arrival(&self, limit: Duration) -> bool {
        let state = self.lock();
        let (state, _) = self
            .changed
            .wait_timeout_while(state, limit, |(_, arrivals)| *arrivals == 0)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.1 > 0
    }

    /// Called by the plugin: returns at once while the gate is open,
    /// otherwise announces the arrival and blocks until the gate opens.
    pub fn pass(&self) {
        let mut state = self.lock();
        if !state.0 {
            return;
        }
        state.1 += 1;
        self.changed.notify_all();
        let _ = self
            .changed
            .wait_timeout_while(state, Self::PATIENCE, |(closed, _)| *closed);
    }
}

impl Default for BlockingGate {
    fn default() -> Self {
        BlockingGate::new()
    }
}
