//! Snapshot tests of the TUI view: the render function is pure, so a model
//! built here and a view state always draw the same screen. The lists are
//! the emulator's standard fixtures turned into rows as the watches do.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Service};
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier};
use vcli_k8s_emulator::{Emulator, Fixtures};
use vcli_plugin_api::testing::buffer_lines;
use vcli_plugin_kubernetes::{
    Kind, KubeModel, Listed, Picker, Sort, ViewState, WatchState, render, row_of,
};

/// The standard cluster as context `emulator`, every watch live, and
/// (with `second`) the second cluster as `emulator-2`.
async fn model(all_namespaces: bool, second: bool) -> KubeModel {
    let mut m = KubeModel::new("emulator", (!all_namespaces).then_some("default"));
    m.known_contexts = [
        "bad-token",
        "emulator",
        "emulator-2",
        "emulator-kube-system",
        "forbidden",
    ]
    .map(str::to_owned)
    .to_vec();
    fill(&mut m, "emulator", Fixtures::standard()).await;
    if second {
        m.contexts.push("emulator-2".to_owned());
        fill(&mut m, "emulator-2", Fixtures::second_cluster()).await;
    }
    // The fixtures' ages count from when they were built, a moment ago;
    // their curated ages print the same for at least a minute.
    m.now = Timestamp::now();
    m
}

async fn fill(m: &mut KubeModel, context: &str, fixtures: Fixtures) {
    let emulator = Emulator::start(fixtures).await.expect("emulator starts");
    let state = emulator.state();
    add::<Pod>(m, context, state.list());
    add::<Deployment>(m, context, state.list());
    add::<ReplicaSet>(m, context, state.list());
    add::<StatefulSet>(m, context, state.list());
    add::<DaemonSet>(m, context, state.list());
    add::<Job>(m, context, state.list());
    add::<Service>(m, context, state.list());
    add::<Node>(m, context, state.list());
    add::<Namespace>(m, context, state.list());
    add::<Event>(m, context, state.list());
    m.server_versions
        .insert(context.to_owned(), "v1.37.0".to_owned());
    emulator.shutdown().await;
}

/// Adds the rows as a watch of the model's namespace (or all) lists them.
fn add<K: Listed>(m: &mut KubeModel, context: &str, objects: Vec<K>) {
    let scope = m.namespace.clone();
    let rows = objects
        .iter()
        .map(|o| row_of(o, context))
        .filter(|r| !K::KIND.namespaced() || scope.as_ref().is_none_or(|ns| *ns == r.namespace))
        .collect();
    m.replace(K::KIND, context, rows);
    m.set_watch(K::KIND, context, WatchState::Live);
}

fn draw(model: &KubeModel, state: &ViewState, width: u16, height: u16) -> (String, Buffer) {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render(model, state, area, &mut buf);
    let text = buffer_lines(&buf)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    (text, buf)
}

/// Snapshots the screen at 80x24 and at 200x50.
fn snapshot(name: &str, model: &KubeModel, state: &ViewState) {
    for (w, h) in [(80, 24), (200, 50)] {
        let (text, _) = draw(model, state, w, h);
        insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("kubernetes__view_{name}_{w}x{h}"), text);
        });
    }
}

fn showing(kind: Kind) -> ViewState {
    ViewState {
        kind,
        ..ViewState::default()
    }
}

#[tokio::test]
async fn every_kind_lists_with_the_columns_kubectl_prints() {
    let all = model(true, false).await;
    for kind in Kind::ALL {
        snapshot(kind.plural(), &all, &showing(kind));
    }
    let default = model(false, false).await;
    snapshot("pods_in_default", &default, &showing(Kind::Pods));
    let (text, _) = draw(&default, &showing(Kind::Pods), 200, 50);
    let header = text.lines().nth(3).unwrap();
    let titles: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(titles, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    let (text, _) = draw(&all, &showing(Kind::Deployments), 200, 50);
    let titles: Vec<&str> = text.lines().nth(3).unwrap().split_whitespace().collect();
    assert_eq!(
        titles,
        [
            "NAMESPACE",
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE"
        ]
    );
}

#[tokio::test]
async fn sorted_lists_show_the_column_and_direction() {
    let all = model(true, false).await;
    let mut state = showing(Kind::Pods);
    state.sorts.insert(
        Kind::Pods,
        Sort {
            column: 3,
            descending: true,
        },
    );
    snapshot("pods_by_restarts_desc", &all, &state);
    let (text, _) = draw(&all, &state, 200, 50);
    assert!(text.lines().nth(3).unwrap().contains("RESTARTS↓"));
    assert!(text.lines().nth(2).unwrap().contains("sort: RESTARTS ↓"));
    state.sorts.insert(
        Kind::Pods,
        Sort {
            column: 4,
            descending: false,
        },
    );
    snapshot("pods_by_age", &all, &state);
}

#[tokio::test]
async fn filters_by_text_and_by_label_selector() {
    let all = model(true, false).await;
    let mut state = showing(Kind::Pods);
    state.set_filter("crash");
    snapshot("pods_filtered", &all, &state);
    state.set_filter("-l app=nginx");
    snapshot("pods_label_selector", &all, &state);
    let (text, _) = draw(&all, &state, 200, 50);
    let rows: Vec<&str> = text.lines().skip(4).filter(|l| !l.is_empty()).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r.contains("nginx")),
        "{text}"
    );
    // A bad selector says why and keeps the rows of the last good one.
    state.set_filter("-l app in (nginx");
    snapshot("pods_bad_selector", &all, &state);
    let (bad, buf) = draw(&all, &state, 200, 50);
    assert!(
        bad.lines()
            .nth(2)
            .unwrap()
            .contains("bad label selector: unclosed \"(\"")
    );
    assert_eq!(buf[(2, 2)].fg, Color::Red);
    assert_eq!(
        bad.lines().skip(4).collect::<Vec<_>>(),
        text.lines().skip(4).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn pickers_open_over_the_list() {
    let mut all = model(true, false).await;
    let mut state = showing(Kind::Pods);
    state.picker = Some(Picker::namespaces(&all));
    snapshot("namespace_picker", &all, &state);
    all.contexts.push("emulator-2".to_owned());
    state.picker = Some(Picker::contexts(&all));
    snapshot("context_picker", &all, &state);
}

#[tokio::test]
async fn several_contexts_make_one_list_with_a_context_column() {
    let both = model(true, true).await;
    let state = showing(Kind::Pods);
    snapshot("two_contexts", &both, &state);
    let (text, buf) = draw(&both, &state, 200, 50);
    assert!(
        text.lines()
            .nth(3)
            .unwrap()
            .trim_start()
            .starts_with("CONTEXT")
    );
    let edge = text.lines().position(|l| l.contains("edge-00000")).unwrap();
    assert!(text.lines().nth(edge).unwrap().contains("emulator-2"));
    // One colour per context, in the header and the CONTEXT cells.
    assert_eq!(buf[(1, 4)].fg, Color::Cyan);
    assert_eq!(buf[(1, u16::try_from(edge).unwrap())].fg, Color::Magenta);
    assert!(
        buf[(1, 4)].modifier.contains(Modifier::REVERSED),
        "first row selected"
    );
}

#[tokio::test]
async fn every_watch_state_shows_in_the_header() {
    let mut both = model(true, true).await;
    let state = showing(Kind::Pods);
    both.set_watch(Kind::Pods, "emulator", WatchState::Connecting);
    both.set_watch(Kind::Pods, "emulator-2", WatchState::Live);
    snapshot("watch_connecting", &both, &state);
    both.set_watch(Kind::Pods, "emulator", WatchState::Live);
    snapshot("watch_live", &both, &state);
    both.set_watch(
        Kind::Pods,
        "emulator-2",
        WatchState::Reconnecting {
            attempt: 3,
            retry_in: Duration::from_secs(4),
            error: "Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused".to_owned(),
        },
    );
    snapshot("watch_reconnecting", &both, &state);
    both.set_watch(
        Kind::Pods,
        "emulator-2",
        WatchState::Ended("error: You must be logged in to the server (Unauthorized)".to_owned()),
    );
    snapshot("watch_ended", &both, &state);
    let (text, _) = draw(&both, &state, 200, 50);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("emulator-2 v1.37.0 ✗ ended")
    );
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .contains("emulator-2: watch ended: error: You must be logged in")
    );
}

#[tokio::test]
async fn tiny_areas_do_not_panic() {
    let all = model(true, true).await;
    let mut state = showing(Kind::Events);
    state.picker = Some(Picker::contexts(&all));
    for (w, h) in [(0, 0), (1, 1), (5, 3), (20, 5), (80, 4), (3, 40)] {
        draw(&all, &state, w, h);
    }
}
