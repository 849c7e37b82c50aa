//! Reload really drops the old instance and builds a new one. (Its own test
//! binary: it counts `steady` instances process-wide.)

mod common;

use vcli_plugin_api::LifecycleState;
use vcli_test_plugins::SteadyCounters;

#[tokio::test(start_paused = true)]
async fn reload_drops_the_old_instance_and_builds_a_new_one() {
    let manager = common::manager(&["steady"], "");
    assert_eq!(
        SteadyCounters::now(),
        SteadyCounters {
            created: 0,
            live: 0
        },
        "listing constructs nothing"
    );
    let _ = manager.list();

    manager.load("steady").await.unwrap();
    manager.start("steady").await.unwrap();
    assert_eq!(
        SteadyCounters::now(),
        SteadyCounters {
            created: 1,
            live: 1
        }
    );

    manager.reload("steady").await.unwrap();
    assert_eq!(
        SteadyCounters::now(),
        SteadyCounters {
            created: 2,
            live: 1
        },
        "the old instance is gone"
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

    manager.unload("steady").await.unwrap();
    assert_eq!(
        SteadyCounters::now(),
        SteadyCounters {
            created: 2,
            live: 0
        }
    );
    manager.shutdown().await;
}
