//! Every legal and illegal lifecycle transition, through the state table and
//! through the manager's operations.

mod common;

use vcli::ManagerError;
use vcli::manager::EventKind;
use vcli_plugin_api::LifecycleState::{self, *};

#[test]
fn transition_table_is_exactly_the_designed_one() {
    let legal = [
        (Registered, Loaded),
        (Unloaded, Loaded),
        (Failed, Loaded),
        (Loaded, Initialized),
        (Initialized, Running),
        (Stopped, Running),
        (Running, Stopped),
        (Loaded, Unloaded),
        (Initialized, Unloaded),
        (Stopped, Unloaded),
        (Failed, Unloaded),
        (Loaded, Failed),
        (Initialized, Failed),
        (Running, Failed),
        (Stopped, Failed),
    ];
    for from in LifecycleState::ALL {
        for to in LifecycleState::ALL {
            assert_eq!(
                from.can_become(to),
                legal.contains(&(from, to)),
                "{from} -> {to}"
            );
        }
    }
}

fn illegal(result: Result<(), ManagerError>) -> (LifecycleState, LifecycleState) {
    match result {
        Err(ManagerError::IllegalTransition { from, to, .. }) => (from, to),
        other => panic!("expected an illegal transition, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn illegal_operations_are_errors_naming_both_states() {
    let manager = common::manager(&["steady"], "");
    assert_eq!(
        illegal(manager.start("steady").await),
        (Registered, Running)
    );
    assert_eq!(illegal(manager.stop("steady").await), (Registered, Stopped));
    assert_eq!(
        illegal(manager.unload("steady").await),
        (Registered, Unloaded)
    );
    let err = manager.start("steady").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot move plugin \"steady\" from registered to running"
    );

    manager.load("steady").await.unwrap();
    assert_eq!(illegal(manager.load("steady").await), (Initialized, Loaded));
    assert_eq!(
        illegal(manager.stop("steady").await),
        (Initialized, Stopped)
    );

    manager.start("steady").await.unwrap();
    assert_eq!(illegal(manager.start("steady").await), (Running, Running));
    assert_eq!(illegal(manager.load("steady").await), (Running, Loaded));

    manager.stop("steady").await.unwrap();
    assert_eq!(illegal(manager.stop("steady").await), (Stopped, Stopped));
    assert_eq!(illegal(manager.load("steady").await), (Stopped, Loaded));

    manager.unload("steady").await.unwrap();
    assert_eq!(
        illegal(manager.unload("steady").await),
        (Unloaded, Unloaded)
    );
    assert_eq!(illegal(manager.start("steady").await), (Unloaded, Running));
    assert_eq!(manager.get("steady").unwrap().state, Unloaded);
}

#[tokio::test(start_paused = true)]
async fn the_legal_path_moves_through_every_state_and_reports_it() {
    let manager = common::manager(&["steady"], "");
    let mut events = manager.subscribe();
    let state = || manager.get("steady").unwrap().state;
    assert_eq!(state(), Registered);
    manager.load("steady").await.unwrap();
    assert_eq!(state(), Initialized);
    manager.start("steady").await.unwrap();
    assert_eq!(state(), Running);
    manager.stop("steady").await.unwrap();
    assert_eq!(state(), Stopped);
    manager.start("steady").await.unwrap();
    assert_eq!(state(), Running);
    manager.unload("steady").await.unwrap();
    assert_eq!(state(), Unloaded);
    manager.load("steady").await.unwrap();
    assert_eq!(state(), Initialized);

    let kinds: Vec<EventKind> = common::drain(&mut events)
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Loaded,
            EventKind::Started,
            EventKind::Stopped,
            EventKind::Started,
            EventKind::Stopped,
            EventKind::Unloaded,
            EventKind::Loaded,
        ]
    );
    assert!(manager.shutdown().await.is_empty());
    assert_eq!(manager.owned_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn stopping_cancels_the_tasks_the_plugin_spawned() {
    let manager = common::manager(&["steady"], "");
    manager.load("steady").await.unwrap();
    manager.start("steady").await.unwrap();
    let usage = manager.update_resources("steady").unwrap();
    assert_eq!(usage.live_tasks, 1, "steady runs one ticker task");
    assert_eq!(usage.spawned_tasks, 1);
    manager.stop("steady").await.unwrap();
    assert_eq!(manager.update_resources("steady").unwrap().live_tasks, 0);
    manager.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_disabled_plugin_is_not_loaded() {
    let manager = common::manager(&["steady"], "[plugins.steady]\nenabled = false\n");
    let err = manager.load("steady").await.unwrap_err();
    assert!(matches!(err, ManagerError::Disabled(_)));
    assert_eq!(err.exit_code(), 2);
    assert_eq!(manager.get("steady").unwrap().state, Registered);
}

#[tokio::test(start_paused = true)]
async fn a_config_error_points_at_the_file_line_and_fails_the_plugin() {
    let config = "[plugins.steady.config]\ngreeting = \"hi\"\ncolour = \"blue\"\n";
    let manager = common::manager(&["steady"], config);
    let err = manager.load("steady").await.unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string()
            .contains("<config>:3:1: unknown field `colour`"),
        "{err}"
    );
    let info = manager.get("steady").unwrap();
    assert_eq!(info.state, Failed);
    assert!(info.failure.unwrap().contains("unknown field `colour`"));
}
