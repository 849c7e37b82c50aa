//! Many concurrent lifecycle calls, on well-behaved plugins, on a dependent
//! pair and on plugins that fail, keep every plugin's state machine and the
//! rules between plugins true while they run, and nothing leaks: no task,
//! no instance.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use vcli::{Manager, ManagerError};
use vcli_plugin_api::LifecycleState;
use vcli_test_plugins::{BASE, Census, LEANING, STEADY, pair};

const PLUGINS: [&str; 5] = ["steady", "base", "leaning", "sickly", "panics-in-start"];

/// Whom the workers pick: the dependent pair twice as often as the others.
const TARGETS: [&str; 7] = [
    "steady",
    "base",
    "base",
    "leaning",
    "leaning",
    "sickly",
    "panics-in-start",
];

/// `leaning` fails every third start; the failing plugins restart quickly
/// (so restarts race with the workers) and `sickly` fails its first check.
const CONFIG: &str = r#"
[manager]
call_timeout = "5s"

[plugins.leaning.config]
fail_every = 3

[plugins.leaning.health]
restart = "on-failure"
backoff = "5ms"
max_backoff = "20ms"

[plugins.sickly.health]
restart = "on-failure"
failure_threshold = 1
backoff = "5ms"
max_backoff = "20ms"

[plugins.panics-in-start.health]
restart = "on-failure"
backoff = "5ms"
max_backoff = "20ms"
"#;

/// The plugins whose instances are counted.
const CENSUSES: [(&str, &Census); 3] =
    [("steady", &STEADY), ("base", &BASE), ("leaning", &LEANING)];

/// The rules that must hold at every moment, checked from outside while
/// the workers run.
fn check_invariants(manager: &Manager) {
    let before = pair();
    assert!(before.violations.is_empty(), "{:?}", before.violations);
    assert!(
        !before.leaning_running || before.base_running,
        "leaning runs without base: {before:?}"
    );
    // The manager's own view. The states are read one at a time, so a
    // report counts only if leaning ran throughout: Running before and
    // after reading base, with no start of leaning in between.
    let leaning = manager.get("leaning").unwrap().state;
    let base = manager.get("base").unwrap().state;
    let leaning_again = manager.get("leaning").unwrap().state;
    let after = pair();
    if leaning == LifecycleState::Running
        && leaning_again == LifecycleState::Running
        && before.leaning_starts == after.leaning_starts
    {
        assert_eq!(
            base,
            LifecycleState::Running,
            "leaning ran throughout while base was {base}"
        );
    }
    for (name, census) in CENSUSES {
        let count = census.now();
        assert!(count.live <= 1, "at most one {name} instance: {count:?}");
    }
}

/// Whether `plugin` may refuse an operation this way while others race it.
fn acceptable(plugin: &str, error: &ManagerError) -> bool {
    match error {
        ManagerError::IllegalTransition { .. }
        | ManagerError::NotLoaded { .. }
        | ManagerError::NeededBy { .. }
        | ManagerError::DependencyNotRunning { .. } => true,
        ManagerError::Quarantined { .. } => plugin != "steady" && plugin != "base",
        ManagerError::Plugin { .. } => plugin == "leaning",
        ManagerError::Call { .. } => plugin == "panics-in-start",
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lifecycle_calls_keep_every_rule_and_leak_nothing() {
    // Expected panics of `panics-in-start` would flood the output.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str() != Some("boom in start") {
            report(info);
        }
    }));

    let manager = common::manager(&PLUGINS, CONFIG);
    let done = Arc::new(AtomicBool::new(false));
    let checker = tokio::spawn({
        let (manager, done) = (manager.clone(), done.clone());
        async move {
            let mut checks = 0u64;
            while !done.load(Ordering::SeqCst) {
                check_invariants(&manager);
                checks += 1;
                tokio::task::yield_now().await;
            }
            checks
        }
    });

    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..16u64 {
        let manager = manager.clone();
        workers.spawn(async move {
            // A cheap deterministic pseudo-random sequence per worker.
            let mut seed = worker.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            for _ in 0..300 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let plugin = TARGETS[(seed % TARGETS.len() as u64) as usize];
                let result = match (seed >> 8) % 7 {
                    0 => manager.load(plugin).await,
                    1 => manager.start(plugin).await,
                    2 => manager.stop(plugin).await,
                    3 => manager.unload(plugin).await,
                    4 => manager.reload(plugin).await,
                    5 => manager.health_check(plugin).await.map(|_| ()),
                    _ => {
                        // Loads and starts everything, dependencies first.
                        for (plugin, error) in manager.start_all().await {
                            assert!(
                                acceptable(&plugin, &error),
                                "unexpected error from {plugin}: {error}"
                            );
                        }
                        Ok(())
                    }
                };
                if let Err(error) = result {
                    assert!(
                        acceptable(plugin, &error),
                        "unexpected error from {plugin}: {error}"
                    );
                }
                for plugin in ["steady", "base"] {
                    let info = manager.get(plugin).unwrap();
                    assert!(
                        info.failure.is_none(),
                        "well-behaved {plugin} never fails: {:?}",
                        info.failure
                    );
                }
            }
        });
    }
    while let Some(finished) = workers.join_next().await {
        finished.expect("no worker panicked");
    }
    done.store(true, Ordering::SeqCst);
    let checks = checker.await.expect("the invariants held throughout");
    assert!(
        checks > 0,
        "the invariants were checked while the workers ran"
    );
    check_invariants(&manager);

    for plugin in ["steady", "base"] {
        let info = manager.get(plugin).unwrap();
        let live = manager.update_resources(plugin).unwrap().live_tasks;
        if info.state == LifecycleState::Running && plugin == "steady" {
            assert_eq!(live, 1, "exactly one run's ticker");
        } else {
            assert_eq!(live, 0, "{plugin} in {} owns no task", info.state);
        }
    }
    assert!(
        manager.shutdown().await.is_empty(),
        "every plugin stopped cleanly"
    );
    assert_eq!(
        manager.owned_tasks(),
        0,
        "every task the manager started has ended"
    );
    for plugin in PLUGINS {
        assert_eq!(manager.update_resources(plugin).unwrap().live_tasks, 0);
    }
    for (name, census) in CENSUSES {
        let count = census.now();
        assert_eq!(count.live, 0, "every {name} instance was dropped");
        assert_eq!(count.peak, 1, "never two {name} instances at once");
    }
    assert!(pair().violations.is_empty());
}
