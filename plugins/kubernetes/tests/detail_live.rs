//! An object's detail against the emulator: describe and YAML as the CLI
//! prints them, logs that follow, reconnect after a cut without repeating a
//! line, and end when the pod is deleted or its container terminates; events
//! that arrive while the tab is open; the container picker and the previous
//! log; Enter and Esc in the pod table.
//!
//! Every wait is on a condition, woken by the detail's own frame requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::{ContainerState, ContainerStateTerminated, Event, Pod};
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use tokio::sync::Notify;
use vcli_k8s_emulator::{Emulator, Fixtures, names};
use vcli_plugin_api::testing::TestHost;
use vcli_plugin_api::{
    CancellationToken, Capability, DescribePlugin, HostServices, Key, KeyOutcome, KeyPress,
    NetworkService, Plugin, PluginConfig, PluginContext, PluginError, Redraw, ViewEvent,
};
use vcli_plugin_kubernetes::{
    Backoff, Detail, DetailData, DetailSettings, DetailTab, DetailTarget, EndReason,
    KubernetesPlugin, StreamState,
};

/// The API's test host, plus a screen: frame requests wake the test.
#[derive(Debug)]
struct Screen {
    host: TestHost,
    frames: Arc<Notify>,
    requests: Arc<AtomicU64>,
}

impl HostServices for Screen {
    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: futures::future::BoxFuture<'static, ()>,
    ) -> Result<(), PluginError> {
        self.host.spawn(plugin, name, task)
    }

    fn capability_denied(&self, plugin: &str, capability: Capability, what: &str) {
        self.host.capability_denied(plugin, capability, what);
    }

    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError> {
        self.host.network(plugin)
    }

    fn redraw(&self, _plugin: &str) -> Redraw {
        let (frames, requests) = (self.frames.clone(), self.requests.clone());
        Redraw::new(move || {
            requests.fetch_add(1, Ordering::Relaxed);
            frames.notify_one();
        })
    }
}

struct Env {
    emulator: Emulator,
    plugin: KubernetesPlugin,
    frames: Arc<Notify>,
    cancel: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn env(fixtures: Fixtures) -> Env {
    let emulator = Emulator::start(fixtures).await.expect("emulator starts");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = emulator.write_kubeconfig(dir.path()).unwrap();
    let frames = Arc::new(Notify::new());
    let screen = Screen {
        host: TestHost::builder().network().build(),
        frames: frames.clone(),
        requests: Arc::new(AtomicU64::new(0)),
    };
    let cancel = CancellationToken::new();
    let ctx = PluginContext::new(
        "kubernetes",
        Capability::ALL.to_vec(),
        cancel.clone(),
        Arc::new(screen) as Arc<dyn HostServices>,
    );
    let plugin = KubernetesPlugin::create();
    let config = format!("kubeconfig = {:?}", kubeconfig.display().to_string());
    plugin
        .initialize(ctx, PluginConfig::from_toml(&config))
        .await
        .expect("initialize");
    Env {
        emulator,
        plugin,
        frames,
        cancel,
        _dir: dir,
    }
}

impl Env {
    fn open(&self, pod: &str, backoff: Backoff) -> Detail {
        let settings = DetailSettings {
            log_lines: 500,
            backoff,
        };
        let opener = self.plugin.detail_opener().unwrap().with_settings(settings);
        opener.open(DetailTarget::pod("", names::DEFAULT, pod))
    }

    /// Draws frames as the detail asks for them until `done` holds.
    async fn until(&self, detail: &mut Detail, what: &str, done: impl Fn(&DetailData) -> bool) {
        let area = Rect::new(0, 0, 100, 30);
        loop {
            let mut buf = Buffer::empty(area);
            detail.render(area, &mut buf);
            if done(&detail.shared().lock()) {
                return;
            }
            let woken = tokio::time::timeout(Duration::from_secs(20), self.frames.notified()).await;
            if woken.is_err() {
                let d = detail.shared().lock();
                panic!(
                    "waiting for {what}: no change in 20 s; logs {:?}, events {:?}, {} lines",
                    d.log_stream,
                    d.events_stream,
                    d.logs.len()
                );
            }
        }
    }
}

fn fast() -> Backoff {
    Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
    }
}

fn texts(d: &DetailData) -> Vec<String> {
    d.logs
        .iter_from(d.logs.first_seq())
        .map(|(_, l)| l.text().to_owned())
        .collect()
}

fn key(detail: &mut Detail, key: Key) -> KeyOutcome {
    detail.handle_event(&ViewEvent::Key(KeyPress::plain(key)))
}

async fn cli(env: &Env, args: &[&str]) -> String {
    let captured = vcli_plugin_api::testing::Capture::new();
    vcli_plugin_api::testing::run_command(&env.plugin, args, &mut captured.output())
        .await
        .unwrap_or_else(|e| panic!("vcli k8s {args:?}: {e}"));
    captured.data()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_and_yaml_are_what_the_cli_prints() {
    let env = env(Fixtures::standard()).await;
    let mut detail = env.open(names::CRASHLOOP_POD, fast());
    env.until(&mut detail, "describe and yaml", |d| {
        matches!(
            (&d.describe, &d.yaml),
            (
                vcli_plugin_kubernetes::Loadable::Ready(_),
                vcli_plugin_kubernetes::Loadable::Ready(_)
            )
        )
    })
    .await;
    let describe = cli(&env, &["describe", "pod", names::CRASHLOOP_POD]).await;
    let yaml = cli(&env, &["get", "pod", names::CRASHLOOP_POD, "-o", "yaml"]).await;
    let d = detail.shared().lock().clone();
    let lines = |text: &str| text.lines().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        d.describe,
        vcli_plugin_kubernetes::Loadable::Ready(lines(&describe))
    );
    assert_eq!(
        d.yaml,
        vcli_plugin_kubernetes::Loadable::Ready(lines(&yaml))
    );
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_opens_the_selected_pod_and_esc_returns_with_the_selection_kept() {
    let env = env(Fixtures::standard()).await;
    env.plugin.start().await.unwrap();
    let mut view = env.plugin.view().unwrap();
    let model = env.plugin.model();
    while model.lock().pod_count() < 10 {
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
    let selected_row: String = (0..100).map(|x| buf[(x, 7)].symbol().to_owned()).collect();
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
    let row: String = (0..100).map(|x| buf[(x, 7)].symbol().to_owned()).collect();
    assert_eq!(row, selected_row, "the same row, still selected");
    assert!(
        buf[(2, 7)]
            .modifier
            .contains(ratatui_core::style::Modifier::REVERSED)
    );
}
