//! The event channel is bounded: a slow subscriber is told how many events
//! it missed and never holds the manager up.

mod common;

use tokio::sync::broadcast::error::RecvError;
use vcli::manager::{EVENT_BUFFER, EVENT_CAPACITY, EventKind};

#[tokio::test(start_paused = true)]
async fn a_slow_subscriber_is_told_how_many_events_it_missed() {
    let manager = common::manager(&["steady"], "");
    let mut slow = manager.subscribe();
    manager.load("steady").await.unwrap();
    assert_eq!(EVENT_CAPACITY, 100);
    assert_eq!(
        EVENT_BUFFER, 128,
        "tokio rounds the ring up to a power of two"
    );
    // 1 Loaded + 2 per cycle: 80 cycles make 161 events, 33 more than fit.
    for _ in 0..80 {
        manager.start("steady").await.unwrap();
        manager.stop("steady").await.unwrap();
    }
    let sent = 1 + 2 * 80;
    match slow.recv().await {
        Err(RecvError::Lagged(missed)) => assert_eq!(missed, (sent - EVENT_BUFFER) as u64),
        other => panic!("expected a lag report, got {other:?}"),
    }
    // After the report the subscriber continues with the oldest kept event.
    let next = slow.recv().await.unwrap();
    assert!(matches!(next.kind, EventKind::Started | EventKind::Stopped));
    let rest = common::drain(&mut slow);
    assert_eq!(rest.len(), EVENT_BUFFER - 1);
}
