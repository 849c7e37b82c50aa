//! Probe semantics, restarts with exponential backoff, and quarantine.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;
use vcli::manager::EventKind;
use vcli_plugin_api::{HealthState, LifecycleState};
use vcli_test_plugins::FLAPPY_HEALTHY;

#[tokio::test(start_paused = true)]
async fn the_verdict_turns_unhealthy_only_at_the_failure_threshold() {
    let manager = common::manager(&["sickly"], "");
    let mut events = manager.subscribe();
    manager.load("sickly").await.unwrap();
    manager.start("sickly").await.unwrap();
    common::drain(&mut events);
    for _ in 0..2 {
        let status = manager.health_check("sickly").await.unwrap();
        assert_eq!(
            status.state,
            HealthState::Unhealthy,
            "each check reports what the plugin said"
        );
        assert_eq!(
            manager.get("sickly").unwrap().health.state,
            HealthState::Unknown,
            "below the threshold"
        );
    }
    manager.health_check("sickly").await.unwrap();
    assert_eq!(
        manager.get("sickly").unwrap().health.state,
        HealthState::Unhealthy
    );
    assert_eq!(
        common::drain(&mut events),
        vec![(
            "sickly".to_owned(),
            EventKind::HealthChanged {
                from: HealthState::Unknown,
                to: HealthState::Unhealthy,
                message: "backend unreachable".to_owned()
            }
        )]
    );
    // Without a restart policy the plugin stays running, unhealthy.
    assert_eq!(
        manager.get("sickly").unwrap().state,
        LifecycleState::Running
    );
}

#[tokio::test(start_paused = true)]
async fn recovery_needs_the_success_threshold() {
    let config = "[plugins.flappy.health]\nfailure_threshold = 1\nsuccess_threshold = 2\n";
    let manager = common::manager(&["flappy"], config);
    manager.load("flappy").await.unwrap();
    manager.start("flappy").await.unwrap();
    let verdict = || manager.get("flappy").unwrap().health.state;
    FLAPPY_HEALTHY.store(false, Ordering::SeqCst);
    manager.health_check("flappy").await.unwrap();
    assert_eq!(verdict(), HealthState::Unhealthy);
    FLAPPY_HEALTHY.store(true, Ordering::SeqCst);
    manager.health_check("flappy").await.unwrap();
    assert_eq!(
        verdict(),
        HealthState::Unhealthy,
        "one success is not enough"
    );
    manager.health_check("flappy").await.unwrap();
    assert_eq!(verdict(), HealthState::Healthy);
}

#[tokio::test(start_paused = true)]
async fn the_probe_loop_waits_out_the_start_up_grace() {
    let config = "[plugins.sickly.health]\nperiod = \"1s\"\ninitial_delay = \"10s\"\nfailure_threshold = 1\n";
    let manager = common::manager(&["sickly"], config);
    let mut events = manager.subscribe();
    manager.load("sickly").await.unwrap();
    manager.start("sickly").await.unwrap();
    let started = Instant::now();
    manager.spawn_monitors();
    common::next_matching(&mut events, |e| {
        matches!(e.kind, EventKind::HealthChanged { .. })
    })
    .await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(10) && waited <= Duration::from_secs(11),
        "{waited:?}"
    );
    manager.shutdown().await;
    assert_eq!(manager.owned_tasks(), 0);
}

/// Unhealthy three times → failed → restarted after 1 s, then 2 s; the third
/// crash inside five minutes quarantines it for good.
#[tokio::test(start_paused = true)]
async fn restarts_back_off_exponentially_and_quarantine_after_three_crashes() {
    let config = "[plugins.sickly.health]\nperiod = \"1s\"\ninitial_delay = \"0s\"\nrestart = \"on-failure\"\nbackoff = \"1s\"\n";
    let manager = common::manager(&["sickly"], config);
    let mut events = manager.subscribe();
    manager.load("sickly").await.unwrap();
    manager.start("sickly").await.unwrap();
    manager.spawn_monitors();

    let mut timeline = Vec::new();
    loop {
        let event = events.recv().await.unwrap();
        let quarantined = matches!(event.kind, EventKind::Quarantined { .. });
        if matches!(
            event.kind,
            EventKind::Failed { .. } | EventKind::Restarted { .. } | EventKind::Quarantined { .. }
        ) {
            timeline.push((Instant::now(), event.kind));
        }
        if quarantined {
            break;
        }
    }
    let kinds: Vec<&EventKind> = timeline.iter().map(|(_, k)| k).collect();
    assert!(
        matches!(kinds[0], EventKind::Failed { reason } if reason.starts_with("health probe failed 3 times in a row"))
    );
    assert_eq!(kinds[1], &EventKind::Restarted { attempt: 1 });
    assert!(matches!(kinds[2], EventKind::Failed { .. }));
    assert_eq!(kinds[3], &EventKind::Restarted { attempt: 2 });
    assert!(matches!(kinds[4], EventKind::Failed { .. }));
    assert_eq!(kinds[5], &EventKind::Quarantined { crashes: 3 });
    assert_eq!(
        timeline[1].0 - timeline[0].0,
        Duration::from_secs(1),
        "first backoff"
    );
    assert_eq!(
        timeline[3].0 - timeline[2].0,
        Duration::from_secs(2),
        "second backoff doubles"
    );

    // Quarantined: no more restarts, however long we wait.
    tokio::time::sleep(Duration::from_secs(600)).await;
    let info = manager.get("sickly").unwrap();
    assert_eq!(info.state, LifecycleState::Failed);
    assert!(info.quarantined);
    assert_eq!(info.restarts, 2);
    assert!(matches!(
        manager.load("sickly").await,
        Err(vcli::ManagerError::Quarantined { crashes: 3, .. })
    ));
    // An explicit reload is the operator's retry and lifts the quarantine.
    manager.reload("sickly").await.unwrap();
    assert_eq!(
        manager.get("sickly").unwrap().state,
        LifecycleState::Initialized
    );
    manager.shutdown().await;
    assert_eq!(manager.owned_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn the_resource_loop_samples_every_interval() {
    let manager = common::manager(&["steady"], "[manager]\nresource_interval = \"5s\"\n");
    manager.load("steady").await.unwrap();
    manager.start("steady").await.unwrap();
    manager.spawn_monitors();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let usage = manager.get("steady").unwrap().resources;
    assert_eq!(usage.live_tasks, 1);
    assert!(
        usage.poll_time > Duration::ZERO,
        "polling the plugin's futures is measured"
    );
    manager.shutdown().await;
}
