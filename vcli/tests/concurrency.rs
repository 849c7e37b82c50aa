//! Many concurrent lifecycle calls keep every plugin's state machine
//! consistent, and nothing leaks: no task, no instance.

mod common;

use std::sync::Arc;

use vcli::ManagerError;
use vcli_plugin_api::LifecycleState;
use vcli_test_plugins::SteadyCounters;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lifecycle_calls_stay_consistent_and_leak_nothing() {
    let manager = Arc::new(common::manager(&["steady", "sickly", "flappy"], ""));
    let plugins = ["steady", "sickly", "flappy"];
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..16u64 {
        let manager = manager.clone();
        workers.spawn(async move {
            // A cheap deterministic pseudo-random sequence per worker.
            let mut seed = worker.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            for _ in 0..200 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let plugin = plugins[(seed % 3) as usize];
                let result = match (seed >> 8) % 6 {
                    0 => manager.load(plugin).await,
                    1 => manager.start(plugin).await,
                    2 => manager.stop(plugin).await,
                    3 => manager.unload(plugin).await,
                    4 => manager.reload(plugin).await,
                    _ => manager.health_check(plugin).await.map(|_| ()),
                };
                match result {
                    Ok(())
                    | Err(ManagerError::IllegalTransition { .. })
                    | Err(ManagerError::NotLoaded { .. }) => {}
                    Err(other) => panic!("unexpected error from {plugin}: {other}"),
                }
                let info = manager.get(plugin).unwrap();
                assert!(
                    info.failure.is_none(),
                    "well-behaved plugins never fail: {:?}",
                    info.failure
                );
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.expect("no worker panicked");
    }
    for plugin in plugins {
        let info = manager.get(plugin).unwrap();
        assert_ne!(info.state, LifecycleState::Failed);
        let live = manager.update_resources(plugin).unwrap().live_tasks;
        if info.state == LifecycleState::Running && plugin == "steady" {
            assert_eq!(live, 1, "exactly one run's ticker");
        } else {
            assert_eq!(live, 0, "{plugin} in {} owns no task", info.state);
        }
        let counters = SteadyCounters::now();
        assert!(
            counters.live <= 1,
            "at most one steady instance at a time: {counters:?}"
        );
    }
    assert!(manager.shutdown().await.is_empty());
    assert_eq!(
        manager.owned_tasks(),
        0,
        "every task the manager started has ended"
    );
    assert_eq!(SteadyCounters::now().live, 0, "every instance was dropped");
    for plugin in plugins {
        assert_eq!(manager.update_resources(plugin).unwrap().live_tasks, 0);
    }
}
