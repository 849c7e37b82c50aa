//! A dependent never runs without its dependency, even when one is started
//! while the other is being stopped: starting a plugin holds its
//! dependencies' claims. Both races are made deterministic with gates that
//! hold a plugin call. (Its own test binary: the `base`/`leaning` pair keeps
//! process-wide records, so the two races run one after the other.)

mod common;

use vcli::ManagerError;
use vcli_plugin_api::LifecycleState;
use vcli_test_plugins::{BASE_STOP_GATE, LEANING_START_GATE, pair};

/// Lets every other task on this current-thread runtime run until it waits.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn starting_and_stopping_a_dependency_pair_at_once_keeps_the_rule() {
    let manager = common::manager(&["base", "leaning"], "");
    manager.load("base").await.unwrap();
    manager.start("base").await.unwrap();
    manager.load("leaning").await.unwrap();

    // The dependent is started while its dependency's stop is under way: it
    // waits for the dependency's claim, then finds it stopped.
    BASE_STOP_GATE.close();
    let stopping = tokio::spawn({
        let manager = manager.clone();
        async move { manager.stop("base").await }
    });
    BASE_STOP_GATE.arrival().await;
    let starting = tokio::spawn({
        let manager = manager.clone();
        async move { manager.start("leaning").await }
    });
    settle().await;
    assert_eq!(pair().leaning_starts, 0, "the start waits for base's claim");
    BASE_STOP_GATE.open();
    stopping.await.unwrap().unwrap();
    let err = starting.await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            ManagerError::DependencyNotRunning {
                state: LifecycleState::Stopped,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        manager.get("leaning").unwrap().state,
        LifecycleState::Initialized
    );
    assert_eq!(manager.get("base").unwrap().state, LifecycleState::Stopped);

    // The dependency is stopped while the dependent's start is under way:
    // the stop waits for the start to finish, then finds a running dependent.
    manager.start("base").await.unwrap();
    LEANING_START_GATE.close();
    let starting = tokio::spawn({
        let manager = manager.clone();
        async move { manager.start("leaning").await }
    });
    LEANING_START_GATE.arrival().await;
    let stopping = tokio::spawn({
        let manager = manager.clone();
        async move { manager.stop("base").await }
    });
    settle().await;
    assert_eq!(manager.get("base").unwrap().state, LifecycleState::Running);
    LEANING_START_GATE.open();
    starting.await.unwrap().unwrap();
    let err = stopping.await.unwrap().unwrap_err();
    assert!(
        matches!(err, ManagerError::NeededBy { ref dependent, .. } if dependent == "leaning"),
        "{err}"
    );
    assert_eq!(
        manager.get("leaning").unwrap().state,
        LifecycleState::Running
    );
    assert_eq!(manager.get("base").unwrap().state, LifecycleState::Running);

    assert!(manager.shutdown().await.is_empty());
    let seen = pair();
    assert!(seen.violations.is_empty(), "{:?}", seen.violations);
}
