//! Snapshot tests of the TUI view: the render function is pure, so a fixed
//! model and view state always draw the same screen.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier};
use serde_json::json;
use vcli_plugin_api::{Key, KeyOutcome, View};
use vcli_plugin_kubernetes::{
    ConnectionStatus, KubeModel, KubeView, PodRow, SharedModel, ViewState, render,
};

const NOW: &str = "2024-05-01T12:00:00Z";

fn ts(offset_secs: i64) -> Option<Timestamp> {
    let now: Timestamp = NOW.parse().unwrap();
    Some(now - jiff::SignedDuration::from_secs(offset_secs))
}

fn model(all_namespaces: bool) -> KubeModel {
    let mut m = KubeModel::new("emulator", (!all_namespaces).then_some("default"));
    m.server_version = Some("v1.37.0".into());
    m.connection = ConnectionStatus::Connected;
    m.now = NOW.parse().unwrap();
    let rows = [
        (
            "default",
            "api-5f8d9c7b6d-k2j4h",
            "1/1",
            "Running",
            0,
            None,
            36_000,
            "control-plane-1",
        ),
        (
            "default",
            "api-5f8d9c7b6d-q7w2n",
            "0/1",
            "CrashLoopBackOff",
            7,
            Some(720),
            36_000,
            "worker-1",
        ),
        (
            "default",
            "init-pending",
            "0/1",
            "Init:0/1",
            0,
            None,
            2_700,
            "worker-1",
        ),
        (
            "default",
            "report-29384710-zx9kq",
            "0/1",
            "Completed",
            0,
            None,
            32_400,
            "worker-1",
        ),
        (
            "default",
            "worker-6d4b8f7c9-tx2lm",
            "1/1",
            "Terminating",
            0,
            None,
            172_800,
            "worker-1",
        ),
        (
            "kube-system",
            "coredns-787d4945fb-lm2xk",
            "1/1",
            "Running",
            0,
            None,
            3_456_000,
            "control-plane-1",
        ),
        (
            "monitoring",
            "gpu-trainer",
            "0/1",
            "Pending",
            0,
            None,
            5_400,
            "",
        ),
    ];
    for (ns, name, ready, status, restarts, last, age, node) in rows {
        if !all_namespaces && ns != "default" {
            continue;
        }
        m.upsert_pod(PodRow::new(
            ns,
            name,
            ready,
            status,
            restarts,
            last.and_then(ts),
            ts(age),
            node,
        ));
    }
    let deployment = |name: &str, replicas: i32, available: i32| -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {}, "template": {}},
            "status": {"availableReplicas": available}
        }))
        .unwrap()
    };
    m.replace_deployments(&[
        deployment("nginx", 3, 3),
        deployment("api", 2, 1),
        deployment("cache", 1, 0),
    ]);
    let service = |name: &str, kind: &str| -> Service {
        serde_json::from_value(
            json!({"metadata": {"name": name, "namespace": "default"}, "spec": {"type": kind}}),
        )
        .unwrap()
    };
    m.replace_services(&[
        service("nginx", "ClusterIP"),
        service("api", "NodePort"),
        service("lb", "LoadBalancer"),
    ]);
    m
}

fn draw(model: &KubeModel, state: &ViewState, width: u16, height: u16) -> (String, Buffer) {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render(model, state, area, &mut buf);
    let mut text = String::new();
    for y in 0..height {
        let line: String = (0..width)
            .map(|x| buf[(x, y)].symbol().to_owned())
            .collect();
        text.push_str(line.trim_end());
        text.push('\n');
    }
    (text, buf)
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn namespace_view() {
    let (text, buf) = draw(&model(false), &ViewState::default(), 110, 14);
    snapshot!("kubernetes__view_namespace", text);
    // The selected (first) row is reversed; CrashLoopBackOff is red, Running green.
    assert!(buf[(2, 5)].modifier.contains(Modifier::REVERSED));
    let row6: String = (0..110).map(|x| buf[(x, 6)].symbol().to_owned()).collect();
    let x = u16::try_from(row6.find("CrashLoopBackOff").unwrap()).unwrap();
    assert_eq!(buf[(x, 6)].fg, Color::Red);
}

#[test]
fn all_namespaces_view() {
    let (text, _) = draw(&model(true), &ViewState::default(), 130, 16);
    snapshot!("kubernetes__view_all_namespaces", text);
}

#[test]
fn filtered_view() {
    let state = ViewState {
        filter: "worker".into(),
        ..ViewState::default()
    };
    let (text, _) = draw(&model(true), &state, 130, 12);
    snapshot!("kubernetes__view_filtered", text);
    let editing = ViewState {
        filter: "cor".into(),
        editing: true,
        ..ViewState::default()
    };
    let (text, _) = draw(&model(true), &editing, 130, 8);
    snapshot!("kubernetes__view_filter_editing", text);
}

#[test]
fn disconnected_and_empty() {
    let mut m = KubeModel::new("bad-token", Some("default"));
    m.connection =
        ConnectionStatus::Error("error: You must be logged in to the server (Unauthorized)".into());
    let (text, _) = draw(&m, &ViewState::default(), 100, 7);
    snapshot!("kubernetes__view_error", text);
}

#[test]
fn tiny_areas_do_not_panic() {
    let m = model(true);
    for (w, h) in [(0, 0), (1, 1), (5, 3), (20, 6), (200, 2)] {
        draw(
            &m,
            &ViewState {
                selected: 3,
                ..ViewState::default()
            },
            w,
            h,
        );
    }
}

fn big_model(n: usize) -> KubeModel {
    let mut m = KubeModel::new("emulator", None);
    m.now = NOW.parse().unwrap();
    m.connection = ConnectionStatus::Connected;
    for i in 0..n {
        let status = if i % 97 == 0 {
            "CrashLoopBackOff"
        } else {
            "Running"
        };
        m.upsert_pod(PodRow::new(
            &format!("load-{}", i % 4),
            &format!("load-{i:05}"),
            "1/1",
            status,
            0,
            None,
            ts(3600),
            "worker-1",
        ));
    }
    m
}

#[test]
fn keys_scroll_and_filter() {
    let shared = SharedModel::new(big_model(10_000));
    let mut view = KubeView::new(shared.clone());
    let area = Rect::new(0, 0, 120, 25);
    let mut buf = Buffer::empty(area);
    view.render(area, &mut buf);
    assert_eq!(view.state().page, 20);
    for key in [Key::Char('j'), Key::Down, Key::PageDown, Key::Char('k')] {
        assert_eq!(view.handle_key(key), KeyOutcome::Consumed);
    }
    assert_eq!(view.state().selected, 21);
    view.render(area, &mut buf);
    assert_eq!(view.state().offset, 2, "the selection stays on screen");
    view.handle_key(Key::End);
    assert_eq!(view.state().selected, 9_999);
    view.handle_key(Key::Home);
    assert_eq!(view.state().selected, 0);
    view.handle_key(Key::PageUp);
    assert_eq!(view.state().selected, 0);
    for key in [
        Key::Char('/'),
        Key::Char('0'),
        Key::Char('0'),
        Key::Char('9'),
        Key::Char('x'),
        Key::Backspace,
        Key::Enter,
    ] {
        assert_eq!(view.handle_key(key), KeyOutcome::Consumed);
    }
    assert_eq!(view.state().filter, "009");
    assert!(!view.state().editing);
    view.handle_key(Key::End);
    // load-00009, load-00090..00099, load-00900..00999, load-01009, ... load-09009
    let state = view.state().clone();
    let mut m = shared.lock().clone();
    m.now = NOW.parse().unwrap();
    let (text, _) = draw(&m, &state, 120, 12);
    snapshot!("kubernetes__view_10k_filtered_end", text);
    assert_eq!(view.handle_key(Key::Esc), KeyOutcome::Consumed);
    assert!(view.state().filter.is_empty());
    assert_eq!(
        view.handle_key(Key::Esc),
        KeyOutcome::Ignored,
        "Esc without a filter is the host's"
    );
    assert_eq!(view.handle_key(Key::Tab), KeyOutcome::Ignored);
}

/// With 10,000 pods the frame shows the window around the selection, also
/// under a filter. How long a frame takes is measured by `benches/view.rs`
/// (criterion), not asserted here: a timed test fails on a loaded machine.
#[test]
fn ten_thousand_pods_show_the_window_around_the_selection() {
    let m = big_model(10_000);
    let area = Rect::new(0, 0, 200, 60);
    let text = |state: &ViewState| {
        let mut buf = Buffer::empty(area);
        render(&m, state, area, &mut buf);
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let near_end = text(&ViewState {
        selected: 9_000,
        offset: 8_990,
        ..ViewState::default()
    });
    let nth = |i: usize| m.pods().nth(i).unwrap().name.clone();
    assert!(near_end.contains("8991-"), "{near_end}");
    assert!(
        near_end.contains(&nth(8_990)) && near_end.contains(&nth(9_000)),
        "{near_end}"
    );
    assert!(!near_end.contains(&nth(0)), "{near_end}");
    let filtered = text(&ViewState {
        filter: "crash".into(),
        selected: 50,
        ..ViewState::default()
    });
    let crashing = m
        .pods()
        .filter(|p| p.status == "CrashLoopBackOff")
        .nth(50)
        .unwrap();
    assert!(filtered.contains(&crashing.name), "{filtered}");
    assert!(filtered.contains("1-55 of 104"), "{filtered}");
}
