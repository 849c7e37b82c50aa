//! Snapshot tests of an object's detail: rendering is a pure function of the
//! data the tasks keep and the view state, so each screen is built directly.

use jiff::{SignedDuration, Timestamp};
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::Color;
use serde_json::json;
use vcli_plugin_api::testing::buffer_lines;
use vcli_plugin_kubernetes::{
    DetailData, DetailTab, DetailTarget, DetailViewState, EndReason, Loadable, LogLine, LogSource,
    LogViewState, StreamState, render_detail,
};

const NOW: &str = "2024-05-01T12:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn stamp(seconds_ago: i64, nanos: i64) -> String {
    let t = now() - SignedDuration::from_secs(seconds_ago) + SignedDuration::from_nanos(nanos);
    t.strftime("%Y-%m-%dT%H:%M:%S.%9fZ").to_string()
}

fn event(
    name: &str,
    kind: &str,
    reason: &str,
    age: i64,
    count: i32,
    message: &str,
) -> serde_json::Value {
    let at = (now() - SignedDuration::from_secs(age)).to_string();
    json!({
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "api-5f8d9c7b6d-q7w2n", "namespace": "default",
                           "fieldPath": "spec.containers{api}"},
        "type": kind, "reason": reason, "message": message, "count": count,
        "firstTimestamp": at, "lastTimestamp": at,
        "source": {"component": "kubelet", "host": "worker-1"}
    })
}

/// A crash-looping pod's detail with every tab loaded.
fn data() -> DetailData {
    let target = DetailTarget::pod("emulator", "default", "api-5f8d9c7b6d-q7w2n");
    let mut d = DetailData::new(target, 10_000);
    d.now = now();
    let describe = "Name:             api-5f8d9c7b6d-q7w2n\nNamespace:        default\nPriority:         0\nService Account:  default\nNode:             worker-1/10.0.0.11\nStart Time:       Wed, 01 May 2024 02:00:00 +0000\nLabels:           app=api\n                  pod-template-hash=5f8d9c7b6d\nAnnotations:      <none>\nStatus:           Running\nIP:               10.244.1.7\nControlled By:    ReplicaSet/api-5f8d9c7b6d\nContainers:\n  api:\n    Image:          ghcr.io/example/api:2.3.1\n    Port:           8080/TCP\n    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n    Ready:          False\n    Restart Count:  7\nConditions:\n  Type              Status\n  Ready             False\nEvents:\n  Type     Reason   Age  From     Message\n  ----     ------   ---  ----     -------\n  Warning  BackOff  2m   kubelet  spec.containers{api}: Back-off restarting failed container";
    d.describe = Loadable::Ready(describe.lines().map(str::to_owned).collect());
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: \"2024-05-01T02:00:00Z\"\n  labels:\n    app: api\n    pod-template-hash: 5f8d9c7b6d\n  name: api-5f8d9c7b6d-q7w2n\n  namespace: default\n  resourceVersion: \"42\"\n  uid: 6b1f0c2e-3a4d-4e5f-a6b7-c8d9e0f1a2b3\nspec:\n  containers:\n  - image: ghcr.io/example/api:2.3.1\n    name: api\n    ports:\n    - containerPort: 8080\n      protocol: TCP\n  nodeName: worker-1\nstatus:\n  phase: Running\n  podIP: 10.244.1.7\n  containerStatuses:\n  - name: api\n    restartCount: 7\n    ready: false";
    d.yaml = Loadable::Ready(yaml.lines().map(str::to_owned).collect());
    for (name, kind, reason, age, count, message) in [
        (
            "e1",
            "Normal",
            "Scheduled",
            36_000,
            1,
            "Successfully assigned default/api-5f8d9c7b6d-q7w2n to worker-1",
        ),
        (
            "e2",
            "Normal",
            "Pulled",
            35_990,
            1,
            "Container image \"ghcr.io/example/api:2.3.1\" already present on machine",
        ),
        (
            "e3",
            "Warning",
            "BackOff",
            120,
            41,
            "Back-off restarting failed container api in pod api-5f8d9c7b6d-q7w2n_default",
        ),
    ] {
        let e = serde_json::from_value(event(name, kind, reason, age, count, message)).unwrap();
        d.events.insert(name.to_owned(), e);
    }
    d.events_stream = StreamState::Live;
    for i in 0..40 {
        let text = match i % 4 {
            0 => format!("level=info msg=\"request served\" path=/api/items/{i} status=200"),
            1 => format!("level=warn msg=\"slow upstream\" upstream=db latency={}ms", 200 + i),
            2 => "level=error msg=\"dial tcp 10.96.0.12:5432: connect: connection refused\" retry=true backoff=2s component=storage".to_owned(),
            _ => format!("level=info msg=\"cache refreshed\" entries={}", i * 10),
        };
        d.logs
            .push(LogLine::parse(&format!("{} {text}", stamp(40 - i, 0))));
    }
    d.log_stream = StreamState::Live;
    d.log_source = LogSource {
        container: "api".into(),
        previous: false,
    };
    d.containers = vec!["api".into()];
    d
}

fn draw(data: &DetailData, state: &DetailViewState, width: u16, height: u16) -> (String, Buffer) {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render_detail(data, state, area, &mut buf);
    let text = buffer_lines(&buf)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    (text, buf)
}

fn on(tab: DetailTab) -> DetailViewState {
    DetailViewState {
        tab,
        ..DetailViewState::default()
    }
}

fn logs(log: LogViewState) -> DetailViewState {
    DetailViewState {
        tab: DetailTab::Logs,
        log,
        ..DetailViewState::default()
    }
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn every_tab_at_both_sizes() {
    let d = data();
    for tab in DetailTab::ALL {
        for (w, h) in [(80, 24), (200, 50)] {
            let (text, _) = draw(&d, &on(tab), w, h);
            snapshot!(format!("kubernetes__detail_{}_{w}x{h}", tab.name()), text);
        }
    }
}

#[test]
fn log_search_highlights_matches_and_the_current_one() {
    let d = data();
    let state = logs(LogViewState {
        search: "REFUSED".into(),
        current: Some(34),
        ..LogViewState::default()
    });
    let (text, buf) = draw(&d, &state, 80, 24);
    snapshot!("kubernetes__detail_logs_search", text);
    let row = |y: u16| -> String { (0..80).map(|x| buf[(x, y)].symbol().to_owned()).collect() };
    let mut seen = (false, false);
    for y in 2..23 {
        if let Some(at) = row(y).find("refused") {
            let x = u16::try_from(row(y)[..at].chars().count()).unwrap();
            match buf[(x, y)].bg {
                Color::LightRed => seen.1 = true,
                Color::Yellow => seen.0 = true,
                other => panic!("a match drawn without highlight: {other:?}"),
            }
        }
    }
    assert_eq!(
        seen,
        (true, true),
        "other matches yellow, the current one light red"
    );
    assert!(text.contains("search: REFUSED"));
}

#[test]
fn log_wrap_and_timestamps() {
    let d = data();
    let (off, _) = draw(&d, &logs(LogViewState::default()), 80, 24);
    let (on, _) = draw(
        &d,
        &logs(LogViewState {
            wrap: true,
            ..LogViewState::default()
        }),
        80,
        24,
    );
    let (stamped, _) = draw(
        &d,
        &logs(LogViewState {
            timestamps: true,
            ..LogViewState::default()
        }),
        80,
        24,
    );
    snapshot!("kubernetes__detail_logs_wrap_off", off);
    snapshot!("kubernetes__detail_logs_wrap_on", on);
    snapshot!("kubernetes__detail_logs_timestamps", stamped);
    assert!(!off.contains("backoff=2s"), "cut without wrap");
    assert!(on.contains("backoff=2s"), "continued with wrap");
    assert!(
        stamped.contains(&stamp(1, 0)),
        "the newest line's timestamp"
    );
    // Following shows the newest line last, whatever the mode.
    for text in [&off, &on, &stamped] {
        assert!(
            text.lines().nth(23).unwrap().contains("entries=390"),
            "{text}"
        );
    }
}

#[test]
fn container_picker() {
    let mut d = data();
    d.target = DetailTarget::pod("emulator", "default", "multi");
    d.containers = vec!["app".into(), "sidecar".into(), "init-config".into()];
    d.log_source = LogSource {
        container: "app".into(),
        previous: false,
    };
    let state = logs(LogViewState {
        picker: Some(1),
        ..LogViewState::default()
    });
    let (text, buf) = draw(&d, &state, 80, 24);
    snapshot!("kubernetes__detail_logs_container_picker", text);
    assert!(text.contains("app ●"), "the streamed container is marked");
    let sidecar = text.lines().position(|l| l.contains("sidecar")).unwrap();
    let y = u16::try_from(sidecar).unwrap();
    assert!(
        buf[(4, y)]
            .modifier
            .contains(ratatui_core::style::Modifier::REVERSED)
    );
}

#[test]
fn dropped_lines_are_counted() {
    let mut d = DetailData::new(DetailTarget::pod("emulator", "default", "chatty"), 100);
    d.now = now();
    d.log_stream = StreamState::Live;
    d.log_source = LogSource {
        container: "app".into(),
        previous: false,
    };
    for i in 0..1_250 {
        d.logs
            .push(LogLine::parse(&format!("{} line {i}", stamp(2, i))));
    }
    let (text, _) = draw(&d, &logs(LogViewState::default()), 80, 24);
    snapshot!("kubernetes__detail_logs_dropped", text);
    assert!(text.contains("100 lines (1150 lines dropped)"), "{text}");
    assert!(text.contains("line 1249"));
}

#[test]
fn stream_states() {
    let mut d = data();
    let states = [
        ("live", StreamState::Live),
        (
            "reconnecting",
            StreamState::Reconnecting {
                attempt: 3,
                retry_at: now() + SignedDuration::from_millis(3_500),
                error: "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?".into(),
            },
        ),
        ("ended_pod_deleted", StreamState::Ended(EndReason::PodDeleted)),
        ("ended_terminated", StreamState::Ended(EndReason::ContainerTerminated("Completed, exit code 0".into()))),
        ("ended_server", StreamState::Ended(EndReason::ServerClosed("Error from server (BadRequest): container \"api\" in pod \"api-5f8d9c7b6d-q7w2n\" is waiting to start: ContainerCreating".into()))),
    ];
    for (name, state) in states {
        d.log_stream = state.clone();
        d.events_stream = state;
        let (logs_text, _) = draw(&d, &logs(LogViewState::default()), 200, 50);
        let (events_text, _) = draw(&d, &on(DetailTab::Events), 80, 24);
        snapshot!(
            format!("kubernetes__detail_stream_{name}"),
            format!("{logs_text}\n{events_text}")
        );
    }
    d.log_stream = StreamState::Reconnecting {
        attempt: 3,
        retry_at: now() + SignedDuration::from_millis(3_500),
        error: "x".into(),
    };
    let (text, _) = draw(&d, &logs(LogViewState::default()), 80, 24);
    assert!(
        text.contains("reconnecting (attempt 3, next retry in 4s)"),
        "{text}"
    );
}

#[test]
fn other_kinds_have_no_logs_tab_and_tiny_areas_do_not_panic() {
    let mut d = data();
    d.target = DetailTarget {
        context: "emulator".into(),
        kind: "Node".into(),
        namespace: None,
        name: "worker-1".into(),
    };
    d.describe = Loadable::Loading;
    d.yaml = Loadable::Failed("Error from server (NotFound): nodes \"worker-1\" not found".into());
    let (text, _) = draw(&d, &on(DetailTab::Describe), 80, 5);
    assert!(
        text.starts_with(" Node worker-1 │  1 describe   2 yaml   3 events"),
        "{text}"
    );
    assert!(!text.contains("logs") && text.contains("loading…"));
    let (text, _) = draw(&d, &on(DetailTab::Yaml), 80, 5);
    assert!(text.contains("not found"));
    for (w, h) in [(0, 0), (1, 1), (3, 2), (10, 3), (80, 1)] {
        for tab in DetailTab::ALL {
            let mut state = on(tab);
            state.log.wrap = true;
            state.log.search = "a".into();
            draw(&data(), &state, w, h);
        }
    }
}

#[test]
fn wide_characters_take_two_cells_and_matches_stay_on_their_text() {
    let mut d = DetailData::new(DetailTarget::pod("emulator", "default", "multi"), 10);
    d.now = now();
    d.logs.push(LogLine::parse(&format!(
        "{} 日本語のログ error here",
        stamp(1, 0)
    )));
    let state = logs(LogViewState {
        search: "error".into(),
        ..LogViewState::default()
    });
    let (text, buf) = draw(&d, &state, 40, 6);
    assert!(text.contains("error here"), "{text}");
    // Six wide characters take twelve cells, then a space: the match starts at column 13.
    assert_eq!(buf[(0, 2)].symbol(), "日");
    assert_eq!(buf[(10, 2)].symbol(), "グ");
    assert_eq!(buf[(13, 2)].symbol(), "e");
    assert_eq!(buf[(13, 2)].bg, Color::Yellow);
    assert_ne!(buf[(12, 2)].bg, Color::Yellow);
}
