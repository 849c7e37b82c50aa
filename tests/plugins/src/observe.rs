//! What tests use to watch and steer plugins from outside: a census of a
//! plugin type's instances, and a gate that holds a plugin call until the
//! test lets it through.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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
