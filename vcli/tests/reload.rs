//! Reload really drops the old instance before it builds a new one. (Its own
//! test binary: it counts `steady` instances process-wide.)

mod common;

use vcli_plugin_api::LifecycleState;
use vcli_test_plugins::{Count, STEADY};

#[tokio::test(start_paused = true)]
async fn reload_drops_the_old_instance_before_it_builds_a_new_one() {
    let manager = common::manager(&["steady"], "");
    let _ = manager.list();
    assert_eq!(
        STEADY.now(),
        Count {
            created: 0,
            live: 0,
            peak: 0
        },
        "listing constructs nothing"
    );

    manager.load("steady").await.unwrap();
    manager.start("steady").await.unwrap();
    // A health check holds its own reference to the instance while it runs;
    // it must not keep the old instance alive into the reload.
    manager.health_check("steady").await.unwrap();
    assert_eq!(
        STEADY.now(),
        Count {
            created: 1,
            live: 1,
            peak: 1
        }
    );

    manager.reload("steady").await.unwrap();
    assert_eq!(
        STEADY.now(),
        Count {
            created: 2,
            live: 1,
            peak: 1
        },
        "the old instance was dropped before the new one was constructed"
    );
    assert_eq!(
        manager.get("steady").unwrap().state,
        LifecycleState::Running,
        "it was running, so it runs again"
    );
    assert_eq!(
        manager.update_resources("steady").unwrap().live_tasks,
        1,
        "the old run's task was cancelled"
    );

    manager.reload("steady").await.unwrap();
    manager.unload("steady").await.unwrap();
    assert_eq!(
        STEADY.now(),
        Count {
            created: 3,
            live: 0,
            peak: 1
        }
    );
    manager.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_reload_waits_for_a_health_check_that_still_holds_the_old_instance() {
    use vcli_test_plugins::{BASE, BASE_HEALTH_GATE};

    let manager = common::manager(&["base"], "");
    manager.load("base").await.unwrap();
    manager.start("base").await.unwrap();

    BASE_HEALTH_GATE.close();
    let checking = tokio::spawn({
        let manager = manager.clone();
        async move { manager.health_check("base").await }
    });
    BASE_HEALTH_GATE.arrival().await;
    let reloading = tokio::spawn({
        let manager = manager.clone();
        async move { manager.reload("base").await }
    });
    // Let the reload run as far as it can: the old instance is unloaded,
    // but the check in flight still holds it, so nothing new is built.
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    assert_eq!(manager.get("base").unwrap().state, LifecycleState::Unloaded);
    assert_eq!(
        BASE.now().created,
        1,
        "no second instance while the first lives"
    );

    BASE_HEALTH_GATE.open();
    checking.await.unwrap().unwrap();
    reloading.await.unwrap().unwrap();
    assert_eq!(
        BASE.now(),
        Count {
            created: 2,
            live: 1,
            peak: 1
        }
    );
    assert_eq!(manager.get("base").unwrap().state, LifecycleState::Running);
    manager.shutdown().await;
    assert_eq!(BASE.now().live, 0);
}
