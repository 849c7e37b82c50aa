//! An object's detail against the emulator: describe and YAML as the CLI
//! prints them, events that arrive while the tab is open, and Enter and Esc
//! in the pod table. The log tab's tests are in `detail_logs.rs`.
//!
//! Every wait is on a condition, woken by the detail's own frame requests.

mod common;

use std::time::Duration;

use common::screen::{cli, env, fast};
use k8s_openapi::api::core::v1::Event;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vcli_k8s_emulator::{Fixtures, names};
use vcli_plugin_api::{Key, KeyOutcome, KeyPress, Plugin, ViewEvent};
use vcli_plugin_kubernetes::{DetailTarget, Loadable, StreamState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_and_yaml_are_what_the_cli_prints() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::CRASHLOOP_POD, fast());
    env.until(&mut detail, "describe and yaml", |d| {
        matches!(
            (&d.describe, &d.yaml),
            (Loadable::Ready(_), Loadable::Ready(_))
        )
    })
    .await;
    let describe = cli(&env, &["describe", "pod", names::CRASHLOOP_POD]).await;
    let yaml = cli(&env, &["get", "pod", names::CRASHLOOP_POD, "-o", "yaml"]).await;
    let d = detail.shared().lock().clone();
    let lines = |text: &str| text.lines().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(d.describe, Loadable::Ready(lines(&describe)));
    assert_eq!(d.yaml, Loadable::Ready(lines(&yaml)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_created_while_open_arrives() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::API_POD, fast());
    env.until(&mut detail, "events listed", |d| {
        d.events_stream == StreamState::Live
    })
    .await;
    let before = detail.shared().lock().events.len();
    let event: Event = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "api-probe.fresh", "namespace": names::DEFAULT},
        "involvedObject": {"kind": "Pod", "name": names::API_POD, "namespace": names::DEFAULT},
        "type": "Warning", "reason": "Unhealthy", "message": "Readiness probe failed: HTTP 503",
        "count": 1, "source": {"component": "kubelet"}
    }))
    .unwrap();
    env.emulator.state().add(event);
    // An event about another pod must not show.
    let other: Event = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "other.fresh", "namespace": names::DEFAULT},
        "involvedObject": {"kind": "Pod", "name": names::MULTI_POD, "namespace": names::DEFAULT},
        "type": "Normal", "reason": "Pulled", "message": "elsewhere"
    }))
    .unwrap();
    env.emulator.state().add(other);
    env.until(&mut detail, "the new event", |d| {
        d.events.contains_key("api-probe.fresh")
    })
    .await;
    let d = detail.shared().lock();
    assert_eq!(d.events.len(), before + 1);
    assert!(!d.events.contains_key("other.fresh"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_opens_the_selected_pod_and_esc_returns_with_the_selection_kept() {
    let env = env(Fixtures::standard()).await;
    env.plugin.start().await.unwrap();
    let mut view = env.plugin.view().unwrap();
    let model = env.plugin.model();
    while model.lock().count(vcli_plugin_kubernetes::Kind::Pods) < 10 {
        tokio::time::timeout(Duration::from_secs(20), env.frames.notified())
            .await
            .expect("the pod list arrives");
    }
    let press = |k| ViewEvent::Key(KeyPress::plain(k));
    view.handle_event(&press(Key::Down));
    view.handle_event(&press(Key::Down));
    let area = Rect::new(0, 0, 100, 30);
    let mut buf = Buffer::empty(area);
    view.render(area, &mut buf);
    // The third row of the list, below the header.
    let y = vcli_plugin_kubernetes::TABLE_TOP + 2;
    let selected_row: String = (0..100).map(|x| buf[(x, y)].symbol().to_owned()).collect();
    assert_eq!(view.handle_event(&press(Key::Enter)), KeyOutcome::Consumed);
    let mut buf = Buffer::empty(area);
    view.render(area, &mut buf);
    let title: String = (0..100).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
    let name = selected_row.split_whitespace().next().unwrap().to_owned();
    assert!(title.contains(&format!("Pod default/{name}")), "{title}");
    assert!(
        view.key_hints()
            .iter()
            .any(|h| h.action == "back to the list")
    );
    assert_eq!(view.handle_event(&press(Key::Esc)), KeyOutcome::Consumed);
    let mut buf = Buffer::empty(area);
    view.render(area, &mut buf);
    let row: String = (0..100).map(|x| buf[(x, y)].symbol().to_owned()).collect();
    assert_eq!(row, selected_row, "the same row, still selected");
    assert!(
        buf[(2, y)]
            .modifier
            .contains(ratatui_core::style::Modifier::REVERSED)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_kinds_open_the_same_detail() {
    let env = env(Fixtures::standard()).await;
    for (kind, namespace, name, cli_type) in [
        ("Deployment", Some(names::DEFAULT), "nginx", "deployment"),
        ("Node", None, names::WORKER_NODE, "node"),
    ] {
        let target = DetailTarget {
            context: String::new(),
            kind: kind.into(),
            namespace: namespace.map(str::to_owned),
            name: name.into(),
        };
        let mut detail = env.open_target(target);
        env.until(&mut detail, "describe and events", |d| {
            matches!(d.describe, Loadable::Ready(_)) && d.events_stream == StreamState::Live
        })
        .await;
        let describe = cli(&env, &["describe", cli_type, name]).await;
        let lines: Vec<String> = describe.lines().map(str::to_owned).collect();
        let d = detail.shared().lock();
        assert_eq!(d.describe, Loadable::Ready(lines), "{kind}");
        assert_eq!(
            d.log_stream,
            StreamState::Connecting,
            "no logs for a {kind}"
        );
    }
}
