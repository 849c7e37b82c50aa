//! The log tab against the emulator: logs that follow, reconnect after a
//! cut without repeating or losing a line, and end when the pod is deleted
//! or its container terminates; the container picker, the previous log, and
//! search over a chatty pod's bounded ring.
//!
//! Every wait is on a condition, woken by the detail's own frame requests.

mod common;

use std::time::Duration;

use common::screen::{env, fast, key, texts};
use k8s_openapi::api::core::v1::{ContainerState, ContainerStateTerminated, Pod};
use vcli_k8s_emulator::{Fixtures, names};
use vcli_plugin_api::{Key, KeyOutcome};
use vcli_plugin_kubernetes::{Backoff, DetailTab, EndReason, StreamState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_as_lines_are_written() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::API_POD, fast());
    assert_eq!(key(&mut detail, Key::Char('4')), KeyOutcome::Consumed);
    assert_eq!(detail.state().tab, DetailTab::Logs);
    env.until(&mut detail, "the log so far", |d| {
        d.log_stream == StreamState::Live && d.logs.len() == 5
    })
    .await;
    let state = env.emulator.state();
    for i in 0..300 {
        state.append_log(
            names::DEFAULT,
            names::API_POD,
            "api",
            &format!("new line {i}"),
        );
    }
    env.until(&mut detail, "the appended lines", |d| d.logs.len() == 305)
        .await;
    let lines = texts(&detail.shared().lock());
    let expected: Vec<String> = (0..300).map(|i| format!("new line {i}")).collect();
    assert_eq!(lines[5..], expected[..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_stream_reconnects_without_duplicates_or_gaps() {
    let env = env(Fixtures::standard()).await;
    // Slow enough for the test to see each reconnecting state.
    let backoff = Backoff {
        initial: Duration::from_millis(300),
        max: Duration::from_secs(1),
    };
    let mut detail = env.open(names::API_POD, backoff);
    env.until(&mut detail, "live", |d| {
        d.log_stream == StreamState::Live && d.logs.len() == 5
    })
    .await;
    let state = env.emulator.state();
    for i in 0..20 {
        state.append_log(
            names::DEFAULT,
            names::API_POD,
            "api",
            &format!("before {i}"),
        );
    }
    env.until(&mut detail, "lines before the cut", |d| d.logs.len() == 25)
        .await;
    // The next two attempts to re-open fail, then the server is back.
    env.emulator.faults().fail_next_matching(2, 503, "/log");
    env.emulator.faults().cut_log_streams();
    env.until(&mut detail, "a second failed attempt", |d| {
        matches!(&d.log_stream, StreamState::Reconnecting { attempt: 2, error, .. } if error.contains("ServiceUnavailable"))
    })
    .await;
    // Written while nobody was reading: the resumed stream must bring them.
    for i in 0..20 {
        state.append_log(
            names::DEFAULT,
            names::API_POD,
            "api",
            &format!("during {i}"),
        );
    }
    env.until(&mut detail, "live again with every line", |d| {
        d.log_stream == StreamState::Live && d.logs.len() == 45
    })
    .await;
    for i in 0..20 {
        state.append_log(names::DEFAULT, names::API_POD, "api", &format!("after {i}"));
    }
    env.until(&mut detail, "lines after the cut", |d| d.logs.len() >= 65)
        .await;
    let lines = texts(&detail.shared().lock());
    let mut expected: Vec<String> = Vec::new();
    for phase in ["before", "during", "after"] {
        expected.extend((0..20).map(|i| format!("{phase} {i}")));
    }
    assert_eq!(lines[5..], expected[..], "nothing repeated, nothing lost");
    let resumed = env
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.contains("/log?") && r.contains("sinceTime="))
        .count();
    assert!(resumed >= 1, "the stream resumed with sinceTime");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_ends_when_the_pod_is_deleted() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::API_POD, fast());
    env.until(&mut detail, "live", |d| d.log_stream == StreamState::Live)
        .await;
    assert!(
        env.emulator
            .state()
            .delete::<Pod>(names::DEFAULT, names::API_POD)
    );
    env.until(&mut detail, "ended", |d| d.log_stream.is_ended())
        .await;
    assert_eq!(
        detail.shared().lock().log_stream,
        StreamState::Ended(EndReason::PodDeleted)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_ends_when_the_container_terminates() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::API_POD, fast());
    env.until(&mut detail, "live", |d| d.log_stream == StreamState::Live)
        .await;
    let stopped = env
        .emulator
        .state()
        .modify::<Pod>(names::DEFAULT, names::API_POD, |pod| {
            if let Some(status) = pod
                .status
                .as_mut()
                .and_then(|s| s.container_statuses.as_mut())
            {
                for c in status {
                    c.state = Some(ContainerState {
                        terminated: Some(ContainerStateTerminated {
                            exit_code: 0,
                            reason: Some("Completed".into()),
                            ..ContainerStateTerminated::default()
                        }),
                        ..ContainerState::default()
                    });
                }
            }
        });
    assert!(stopped);
    env.until(&mut detail, "ended", |d| d.log_stream.is_ended())
        .await;
    assert_eq!(
        detail.shared().lock().log_stream,
        StreamState::Ended(EndReason::ContainerTerminated(
            "Completed, exit code 0".into()
        ))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_picker_and_previous_log() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::MULTI_POD, fast());
    env.until(&mut detail, "the default container", |d| {
        d.log_source.container == "app" && !d.logs.is_empty()
    })
    .await;
    assert_eq!(detail.shared().lock().containers, ["app", "sidecar"]);
    for k in [Key::Char('4'), Key::Char('c'), Key::Char('j'), Key::Enter] {
        assert_eq!(key(&mut detail, k), KeyOutcome::Consumed, "{k:?}");
    }
    env.until(&mut detail, "the sidecar's log", |d| {
        d.log_source.container == "sidecar" && texts(d).iter().any(|l| l.starts_with("tailing"))
    })
    .await;

    let mut detail = env.open(names::CRASHLOOP_POD, fast());
    key(&mut detail, Key::Char('4'));
    key(&mut detail, Key::Char('p'));
    env.until(&mut detail, "the previous log, complete", |d| {
        d.log_source.previous && d.log_stream == StreamState::Ended(EndReason::Complete)
    })
    .await;
    assert!(
        texts(&detail.shared().lock())
            .iter()
            .any(|l| l.contains("panic: runtime error"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pauses_on_matches_and_the_chatty_pod_is_bounded() {
    let env = env(Fixtures::standard().with_chatty_pod()).await;
    env.emulator.start_chatter(2_000);
    let mut detail = env.open(names::CHATTY_POD, fast());
    key(&mut detail, Key::Char('4'));
    env.until(&mut detail, "lines dropped from the ring", |d| {
        d.logs.dropped() > 0
    })
    .await;
    assert_eq!(detail.shared().lock().logs.len(), 500, "the ring's cap");
    for k in [
        Key::Char('/'),
        Key::Char('2'),
        Key::Char('0'),
        Key::Char('1'),
        Key::Enter,
    ] {
        key(&mut detail, k);
    }
    let state = detail.state().log.clone();
    assert!(!state.follow, "a match pauses following");
    let at = state.current.expect("a match");
    let d = detail.shared().lock();
    assert!(d.logs.get(at).is_none_or(|l| l.text().contains("201")));
    drop(d);
    key(&mut detail, Key::Char('n'));
    assert!(detail.state().log.current > Some(at));
    key(&mut detail, Key::Char('f'));
    assert!(detail.state().log.follow);
}

/// With no way to the server (the host refuses the connections), the stream keeps retrying, each attempt after
/// twice the pause of the one before, up to the cap. Time is simulated: the
/// pauses of half a minute pass at once.
#[tokio::test(start_paused = true)]
async fn an_unreachable_server_is_retried_with_capped_exponential_backoff() {
    let env = env(Fixtures::standard()).await;
    env.refuse_connections();
    let backoff = Backoff {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(8),
    };
    let mut detail = env.open(names::API_POD, backoff);
    let mut seen = Vec::new();
    while seen.len() < 6 {
        env.until(&mut detail, "the next attempt", |d| {
            matches!(&d.log_stream, StreamState::Reconnecting { attempt, .. } if !seen.contains(attempt))
        })
        .await;
        let started = tokio::time::Instant::now();
        let StreamState::Reconnecting { attempt, error, .. } =
            detail.shared().lock().log_stream.clone()
        else {
            unreachable!("checked above");
        };
        assert!(
            error.contains("127.0.0.1"),
            "the last error names the server: {error}"
        );
        seen.push(attempt);
        // The pause before this attempt is measured on the simulated clock
        // once the next attempt has failed.
        if seen.len() < 6 {
            env.until(&mut detail, "the attempt after", |d| {
                matches!(&d.log_stream, StreamState::Reconnecting { attempt: next, .. } if *next > attempt)
            })
            .await;
            let paused = started.elapsed().as_secs();
            let expected = backoff.delay(attempt).as_secs();
            assert_eq!(paused, expected, "the pause after attempt {attempt}");
        }
    }
    assert_eq!(seen, [1, 2, 3, 4, 5, 6]);
}

/// Waits until only `held` handles of the detail's data are left.
async fn until_held_by(shared: &vcli_plugin_kubernetes::SharedDetail, held: usize) {
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while shared.holders() > held {
            tokio::task::yield_now().await;
        }
    });
    assert!(
        ended.await.is_ok(),
        "{} handles still held",
        shared.holders()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_detail_or_stopping_the_plugin_ends_its_tasks() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::API_POD, fast());
    env.until(&mut detail, "both streams live", |d| {
        d.log_stream == StreamState::Live && d.events_stream == StreamState::Live
    })
    .await;
    let shared = detail.shared().clone();
    assert!(
        shared.holders() > 2,
        "the tasks hold the data while they run"
    );
    drop(detail);
    until_held_by(&shared, 1).await;

    let mut detail = env.open(names::API_POD, fast());
    env.until(&mut detail, "live again", |d| {
        d.log_stream == StreamState::Live
    })
    .await;
    let shared = detail.shared().clone();
    env.stop_plugin();
    // Only this test's handle and the still open detail's are left.
    until_held_by(&shared, 2).await;
}
