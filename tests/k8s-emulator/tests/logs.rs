//! Pod logs through `kube`: container choice, tail, previous, timestamps, since, limits and
//! follow with lines appended through `Emulator::state()`.

mod common;

use std::time::Duration;

use common::{ScratchDir, client};
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use vcli_k8s_emulator::{Emulator, Fixtures, names};

const PATIENCE: Duration = Duration::from_secs(10);

async fn start() -> (Emulator, Api<Pod>, ScratchDir) {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("logs");
    let pods = Api::default_namespaced(client(&emulator, &dir, "emulator").await);
    (emulator, pods, dir)
}

fn bad_request(error: kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.code == 400 && status.reason == "BadRequest" => {
            status.message
        }
        other => panic!("expected 400 BadRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn logs_pick_containers_like_the_api_server() {
    let (_emulator, pods, _dir) = start().await;
    let nginx = pods
        .logs(names::NGINX_POD, &LogParams::default())
        .await
        .expect("nginx log");
    assert_eq!(nginx.lines().count(), 5);
    assert!(nginx.contains("héllo wörld ✓"));

    let sidecar = LogParams {
        container: Some("sidecar".to_owned()),
        ..LogParams::default()
    };
    assert!(
        pods.logs(names::MULTI_POD, &sidecar)
            .await
            .expect("sidecar")
            .starts_with("tailing /logs/app.log\n")
    );
    let message = bad_request(
        pods.logs(names::MULTI_POD, &LogParams::default())
            .await
            .expect_err("ambiguous"),
    );
    assert_eq!(
        message,
        "a container name must be specified for pod multi, choose one of: [app sidecar]"
    );
    let wrong = LogParams {
        container: Some("nope".to_owned()),
        ..LogParams::default()
    };
    let message = bad_request(
        pods.logs(names::MULTI_POD, &wrong)
            .await
            .expect_err("no such container"),
    );
    assert_eq!(message, "container nope is not valid for pod multi");
    let message = bad_request(
        pods.logs(names::CONTAINER_CREATING_POD, &LogParams::default())
            .await
            .expect_err("not started"),
    );
    assert_eq!(
        message,
        "container \"redis\" in pod \"cache-0\" is waiting to start: ContainerCreating"
    );
    match pods.logs("nope", &LogParams::default()).await {
        Err(kube::Error::Api(status)) => assert_eq!(
            (status.code, status.message.as_str()),
            (404, "pods \"nope\" not found")
        ),
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn tail_previous_timestamps_since_and_limit() {
    let (_emulator, pods, _dir) = start().await;
    let tail = LogParams {
        tail_lines: Some(2),
        ..LogParams::default()
    };
    let text = pods.logs(names::NGINX_POD, &tail).await.expect("tail");
    assert_eq!(text.lines().count(), 2);
    assert!(text.ends_with("\"kube-probe/1.37\"\n"));

    let previous = LogParams {
        previous: true,
        ..LogParams::default()
    };
    let text = pods
        .logs(names::CRASHLOOP_POD, &previous)
        .await
        .expect("previous");
    assert!(text.contains("panic: runtime error"), "{text}");
    let current = pods
        .logs(names::CRASHLOOP_POD, &LogParams::default())
        .await
        .expect("current");
    assert!(
        current.contains("connection refused") && !current.contains("panic"),
        "{current}"
    );
    let message = bad_request(
        pods.logs(names::API_POD, &previous)
            .await
            .expect_err("never restarted"),
    );
    assert_eq!(
        message,
        format!(
            "previous terminated container \"api\" in pod \"{}\" not found",
            names::API_POD
        )
    );

    let stamped = LogParams {
        timestamps: true,
        ..LogParams::default()
    };
    let text = pods
        .logs(names::API_POD, &stamped)
        .await
        .expect("timestamps");
    for line in text.lines() {
        let (stamp, _) = line.split_once(' ').expect("a timestamp prefix");
        assert_eq!(
            stamp.len(),
            "2026-01-02T03:04:05.000000000Z".len(),
            "{line}"
        );
        assert!(
            stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
            "{line}"
        );
    }

    // The last two lines of a running container are recent.
    let recent = LogParams {
        since_seconds: Some(60),
        ..LogParams::default()
    };
    assert_eq!(
        pods.logs(names::API_POD, &recent)
            .await
            .expect("since")
            .lines()
            .count(),
        2
    );
    let limited = LogParams {
        limit_bytes: Some(10),
        ..LogParams::default()
    };
    assert_eq!(
        pods.logs(names::NGINX_POD, &limited).await.expect("limit"),
        "/docker-en"
    );
}

#[tokio::test]
async fn follow_streams_appended_lines_until_the_pod_is_deleted() {
    let (emulator, pods, _dir) = start().await;
    let params = LogParams {
        follow: true,
        container: Some("sidecar".to_owned()),
        ..LogParams::default()
    };
    let mut lines = pods
        .log_stream(names::MULTI_POD, &params)
        .await
        .expect("follow")
        .lines();
    let mut next = async || {
        tokio::time::timeout(PATIENCE, lines.next())
            .await
            .expect("a line in time")
    };
    for expected in [
        "tailing /logs/app.log",
        "shipped 42 lines",
        "shipped 17 lines",
        "shipped 3 lines",
    ] {
        assert_eq!(next().await.expect("open").expect("line"), expected);
    }

    let state = emulator.state();
    state.append_log("default", names::MULTI_POD, "sidecar", "shipped 99 lines ✓");
    state.append_log("default", names::MULTI_POD, "app", "not for this follower");
    state.append_log("default", names::MULTI_POD, "sidecar", "two\nlines");
    assert_eq!(
        next().await.expect("open").expect("line"),
        "shipped 99 lines ✓"
    );
    assert_eq!(next().await.expect("open").expect("line"), "two");
    assert_eq!(next().await.expect("open").expect("line"), "lines");

    assert!(state.delete::<Pod>("default", names::MULTI_POD));
    assert!(next().await.is_none(), "the stream ends with the pod");

    // A finished container's log is complete: following it returns at once.
    let follow = LogParams {
        follow: true,
        ..LogParams::default()
    };
    let text = tokio::time::timeout(PATIENCE, pods.logs(names::COMPLETED_POD, &follow))
        .await
        .expect("in time")
        .expect("log");
    assert!(text.ends_with("done\n"), "{text}");
}
