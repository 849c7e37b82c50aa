//! Misbehaving plugins for the host's tests: they panic, hang, block threads,
//! fail or flap their health checks, and depend on each other (also in a
//! cycle, and in a pair that checks the dependency rule from inside). Integration tests and the `vcli-testbed` binary link this crate;
//! the release binary never does.
//!
//! Each plugin exposes its knobs and counters as statics so a test can steer
//! it and observe it from outside.

/// Implements [`DescribePlugin`](vcli_plugin_api::DescribePlugin) for a `Default` plugin type with the given metadata and a plain constructor.
macro_rules! test_plugin {
    ($ty:ident, $meta:expr) => {
        impl DescribePlugin for $ty {
            const METADATA: Metadata = $meta;

            fn create() -> Self {
                $ty::default()
            }
        }

        register_plugin!($ty);
    };
}

mod behaving;
mod broken;
mod observe;
mod paired;
mod sandboxed;

pub use behaving::{Dependent, STEADY, Steady};
pub use broken::{
    BlocksInHealth, BlocksThread, CycleA, CycleB, DropsSlowly, FLAPPY_HEALTHY, Flappy,
    HangsInHealth, HangsInStop, PanicsInHealth, PanicsInStart, SLOW_DROP, Sickly,
    SpawnsPanickingTask, Wedged,
};

pub use observe::{BlockingGate, Census, Count, Gate};
pub use paired::{
    BASE, BASE_HEALTH_GATE, BASE_STOP_GATE, Base, LEANING, LEANING_START_GATE, Leaning, Pair, pair,
};
pub use sandboxed::{
    BURNER_SPUN_NANOS, BURNER_THREAD_CPU_NANOS, ChildRunner, CpuBurner, MemoryLeaker,
    NetworkFlooder, OVERREACHER_RESULT, Overreacher, SPAWNER_REFUSED, SPAWNER_STARTED, TaskSpawner,
};

/// Names of every plugin in this crate.
pub const ALL: &[&str] = &[
    "base",
    "blocks-in-health",
    "blocks-thread",
    "child-runner",
    "cpu-burner",
    "cycle-a",
    "cycle-b",
    "dependent",
    "drops-slowly",
    "flappy",
    "hangs-in-health",
    "hangs-in-stop",
    "leaning",
    "memory-leaker",
    "network-flooder",
    "overreacher",
    "panics-in-health",
    "panics-in-start",
    "sickly",
    "spawns-panicking-task",
    "steady",
    "task-spawner",
    "wedged",
];
