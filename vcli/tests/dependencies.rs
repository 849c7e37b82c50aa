//! Dependencies start in order and stop in reverse; missing dependencies and
//! cycles are clear errors.

mod common;

use vcli::ManagerError;
use vcli::catalog::CatalogError;
use vcli::manager::EventKind;
use vcli_plugin_api::LifecycleState;

#[tokio::test(start_paused = true)]
async fn a_plugin_does_not_start_before_its_dependency() {
    let manager = common::manager(&["dependent", "steady"], "");
    manager.load("dependent").await.unwrap();
    let err = manager.start("dependent").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin \"dependent\" cannot start: it depends on \"steady\", which is registered"
    );
    assert!(matches!(err, ManagerError::DependencyNotRunning { .. }));
}

#[tokio::test(start_paused = true)]
async fn start_all_starts_dependencies_first_and_shutdown_stops_them_last() {
    let manager = common::manager(&["dependent", "steady"], "");
    let mut events = manager.subscribe();
    assert!(manager.start_all().await.is_empty());
    let started: Vec<String> = common::drain(&mut events)
        .into_iter()
        .filter(|(_, k)| *k == EventKind::Started)
        .map(|(p, _)| p)
        .collect();
    assert_eq!(started, ["steady", "dependent"]);

    let err = manager.stop("steady").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin \"steady\" is needed by running plugin \"dependent\"; stop \"dependent\" first"
    );

    assert!(manager.shutdown().await.is_empty());
    let stopped: Vec<String> = common::drain(&mut events)
        .into_iter()
        .filter(|(_, k)| *k == EventKind::Stopped)
        .map(|(p, _)| p)
        .collect();
    assert_eq!(stopped, ["dependent", "steady"]);
    assert_eq!(
        manager.get("steady").unwrap().state,
        LifecycleState::Unloaded
    );
}

#[tokio::test(start_paused = true)]
async fn a_cycle_is_reported_with_its_path() {
    let manager = common::manager(&["cycle-a", "cycle-b", "steady"], "");
    let failures = manager.start_all().await;
    let messages: Vec<String> = failures.iter().map(|(_, e)| e.to_string()).collect();
    assert!(
        messages.contains(
            &"plugin dependencies form a cycle: cycle-a -> cycle-b -> cycle-a".to_owned()
        ),
        "{messages:?}"
    );
    assert!(
        failures
            .iter()
            .all(|(_, e)| matches!(e, ManagerError::Catalog(CatalogError::Cycle(_))))
    );
    // The cycle does not stop unrelated plugins.
    assert_eq!(
        manager.get("steady").unwrap().state,
        LifecycleState::Running
    );
    manager.shutdown().await;
}

#[test]
fn a_missing_dependency_is_reported_by_name() {
    let manager = common::manager(&["dependent"], "");
    let err = manager.catalog().start_order(["dependent"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin \"dependent\" depends on \"steady\", which is not linked into this binary; add it to the bundle"
    );
}
