//! A plugin that panics or hangs, async or blocking, is marked Failed with
//! the reason; the host and the other plugins go on.

mod common;

use std::time::Duration;

use vcli::ManagerError;
use vcli::manager::{CallError, EventKind};
use vcli_plugin_api::{HealthState, LifecycleState};

#[tokio::test(start_paused = true)]
async fn a_panic_in_start_fails_only_that_plugin() {
    let manager = common::manager(&["panics-in-start", "steady"], "");
    let mut events = manager.subscribe();
    manager.load("steady").await.unwrap();
    manager.start("steady").await.unwrap();
    manager.load("panics-in-start").await.unwrap();

    let err = manager.start("panics-in-start").await.unwrap_err();
    assert!(
        matches!(
            err,
            ManagerError::Call {
                source: CallError::Panicked { call: "start", .. },
                ..
            }
        ),
        "{err:?}"
    );
    let info = manager.get("panics-in-start").unwrap();
    assert_eq!(info.state, LifecycleState::Failed);
    assert_eq!(
        info.failure.as_deref(),
        Some("start panicked: boom in start")
    );
    let failed =
        common::next_matching(&mut events, |e| matches!(e.kind, EventKind::Failed { .. })).await;
    assert_eq!(failed.plugin, "panics-in-start");

    // The neighbour is untouched and still answers.
    assert_eq!(
        manager.get("steady").unwrap().state,
        LifecycleState::Running
    );
    assert_eq!(
        manager.health_check("steady").await.unwrap().state,
        HealthState::Healthy
    );
    manager.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_hang_in_stop_misses_its_deadline() {
    let manager = common::manager(&["hangs-in-stop"], "[manager]\ncall_timeout = \"3s\"\n");
    manager.load("hangs-in-stop").await.unwrap();
    manager.start("hangs-in-stop").await.unwrap();
    let before = tokio::time::Instant::now();
    let err = manager.stop("hangs-in-stop").await.unwrap_err();
    assert_eq!(
        before.elapsed(),
        Duration::from_secs(3),
        "the deadline, not a second more"
    );
    assert!(
        matches!(
            err,
            ManagerError::Call {
                source: CallError::TimedOut { call: "stop", .. },
                ..
            }
        ),
        "{err:?}"
    );
    let info = manager.get("hangs-in-stop").unwrap();
    assert_eq!(info.state, LifecycleState::Failed);
    assert_eq!(
        info.failure.as_deref(),
        Some("stop did not finish within 3s")
    );
    // Unloading a failed plugin is legal and frees it.
    manager.unload("hangs-in-stop").await.unwrap();
    assert!(manager.shutdown().await.is_empty());
    assert_eq!(manager.owned_tasks(), 0, "the hung call was aborted");
}

/// A plugin that blocks its thread cannot be pre-empted, but on the
/// multi-threaded runtime the deadline still fires on another worker and
/// the host goes on with the other plugins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_blocking_its_thread_misses_its_deadline_and_the_host_goes_on() {
    let manager = common::manager(
        &["blocks-thread", "steady"],
        "[manager]\ncall_timeout = \"200ms\"\n",
    );
    manager.load("blocks-thread").await.unwrap();
    let err = manager.start("blocks-thread").await.unwrap_err();
    assert!(
        matches!(
            err,
            ManagerError::Call {
                source: CallError::TimedOut { call: "start", .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        manager.get("blocks-thread").unwrap().state,
        LifecycleState::Failed
    );

    manager.load("steady").await.unwrap();
    manager.start("steady").await.unwrap();
    assert_eq!(
        manager.health_check("steady").await.unwrap().state,
        HealthState::Healthy
    );
    manager.stop("steady").await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_a_health_check_fails_the_plugin() {
    let manager = common::manager(&["panics-in-health"], "");
    manager.load("panics-in-health").await.unwrap();
    manager.start("panics-in-health").await.unwrap();
    let status = manager.health_check("panics-in-health").await.unwrap();
    assert_eq!(status.state, HealthState::Unhealthy);
    assert_eq!(status.message, "health panicked: boom in health");
    assert_eq!(
        manager.get("panics-in-health").unwrap().state,
        LifecycleState::Failed
    );
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_a_background_task_fails_the_plugin() {
    let manager = common::manager(&["spawns-panicking-task"], "");
    let mut events = manager.subscribe();
    manager.load("spawns-panicking-task").await.unwrap();
    manager.start("spawns-panicking-task").await.unwrap();
    let failed =
        common::next_matching(&mut events, |e| matches!(e.kind, EventKind::Failed { .. })).await;
    assert_eq!(
        failed.kind,
        EventKind::Failed {
            reason: "task \"doomed\" panicked: boom in a background task".to_owned()
        }
    );
    assert_eq!(
        manager.get("spawns-panicking-task").unwrap().state,
        LifecycleState::Failed
    );
    manager.shutdown().await;
    assert_eq!(manager.owned_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_health_check_times_out_as_unhealthy() {
    let manager = common::manager(
        &["hangs-in-health"],
        "[plugins.hangs-in-health.health]\ntimeout = \"2s\"\n",
    );
    manager.load("hangs-in-health").await.unwrap();
    let before = tokio::time::Instant::now();
    let status = manager.health_check("hangs-in-health").await.unwrap();
    assert_eq!(before.elapsed(), Duration::from_secs(2));
    assert_eq!(status.state, HealthState::Unhealthy);
    assert_eq!(status.message, "health check did not finish within 2s");
    assert_eq!(
        manager.get("hangs-in-health").unwrap().state,
        LifecycleState::Initialized,
        "one failure is below the threshold"
    );
}

/// A health check that blocks its thread cannot time out by itself; the
/// watchdog in the resource loop fails the plugin, and the late answer counts
/// as a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_health_check_blocking_its_thread_is_caught_by_the_watchdog() {
    let config = "[manager]\nresource_interval = \"50ms\"\n[plugins.blocks-in-health.health]\ntimeout = \"100ms\"\n";
    let manager = common::manager(&["blocks-in-health"], config);
    let mut events = manager.subscribe();
    manager.load("blocks-in-health").await.unwrap();
    manager.spawn_monitors();
    let check = tokio::spawn({
        let manager = manager.clone();
        async move { manager.health_check("blocks-in-health").await }
    });
    let failed =
        common::next_matching(&mut events, |e| matches!(e.kind, EventKind::Failed { .. })).await;
    let EventKind::Failed { reason } = failed.kind else {
        unreachable!()
    };
    assert!(
        reason.starts_with("health check has not returned for "),
        "{reason}"
    );
    assert!(
        reason.ends_with("the plugin is blocking its thread"),
        "{reason}"
    );
    let late = check.await.unwrap().unwrap();
    assert_eq!(late.state, HealthState::Unhealthy);
    assert!(
        late.message.starts_with("health check took 2s"),
        "{}",
        late.message
    );
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_instance_is_dropped_outside_the_lock_and_its_panic_is_caught() {
    use vcli_test_plugins::SLOW_DROP;

    let manager = common::manager(&["drops-slowly"], "");
    manager.load("drops-slowly").await.unwrap();
    SLOW_DROP.close();
    let starting = tokio::spawn({
        let manager = manager.clone();
        async move { manager.start("drops-slowly").await }
    });
    let arrived = tokio::task::spawn_blocking(|| SLOW_DROP.await_arrival(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(arrived, "the failed instance is being dropped");

    // Its Drop is blocked, yet the plugin's state is readable: the drop
    // does not run under the slot's lock. (The timeout only turns a
    // regression into a failure instead of a hang.)
    let reader = manager.clone();
    let read = tokio::task::spawn_blocking(move || reader.get("drops-slowly").unwrap());
    let info = tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("reading the state is not blocked by the drop")
        .unwrap();
    assert_eq!(info.state, LifecycleState::Failed);

    SLOW_DROP.open();
    let err = starting.await.unwrap().unwrap_err();
    assert!(matches!(err, ManagerError::Plugin { .. }), "{err}");
    // The Drop panicked after the gate opened; the host carries on, and the
    // next instance can be loaded and unloaded (its Drop panics too).
    manager.load("drops-slowly").await.unwrap();
    manager.unload("drops-slowly").await.unwrap();
    assert!(manager.shutdown().await.is_empty());
}
