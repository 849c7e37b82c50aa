//! The view against two emulated clusters, with real watches: one list
//! with a CONTEXT column and rows from both, each context's state in the
//! header, kinds watched once shown, and `contexts` checked at start.

use std::sync::Arc;
use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use tokio::sync::Notify;
use vcli_k8s_emulator::{Emulator, Fixtures, names};
use vcli_plugin_api::testing::{TestHost, buffer_lines};
use vcli_plugin_api::{
    CancellationToken, Capability, DescribePlugin, HostServices, Key, KeyPress, Plugin,
    PluginConfig, PluginContext, PluginError, Redraw, View, ViewEvent,
};
use vcli_plugin_kubernetes::{Kind, KubeModel, KubernetesPlugin, SharedModel, WatchState};

struct Clusters {
    first: Emulator,
    second: Emulator,
    dir: tempfile::TempDir,
    cancel: CancellationToken,
}

async fn clusters() -> Clusters {
    let first = Emulator::start(Fixtures::standard()).await.unwrap();
    let second = Emulator::start(Fixtures::second_cluster()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    first
        .write_kubeconfig_with_to(&dir.path().join("kubeconfig"), &[("emulator-2", &second)])
        .unwrap();
    Clusters {
        first,
        second,
        dir,
        cancel: CancellationToken::new(),
    }
}

async fn plugin(c: &Clusters, config: &str) -> Result<Arc<KubernetesPlugin>, PluginError> {
    let host = Arc::new(TestHost::builder().network().build());
    let ctx = PluginContext::new(
        "kubernetes",
        Capability::ALL.to_vec(),
        c.cancel.clone(),
        host as Arc<dyn HostServices>,
    );
    let kubeconfig = c.dir.path().join("kubeconfig");
    let config = format!(
        "kubeconfig = {:?}\n{config}",
        kubeconfig.display().to_string()
    );
    let plugin = Arc::new(KubernetesPlugin::create());
    plugin
        .initialize(ctx, PluginConfig::from_toml(&config))
        .await?;
    Ok(plugin)
}

/// Waits, on the model's own redraw requests, until `cond` holds.
async fn until(
    model: &SharedModel,
    changed: &Notify,
    what: &str,
    cond: impl Fn(&KubeModel) -> bool,
) {
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        while !cond(&model.lock()) {
            changed.notified().await;
        }
    })
    .await;
    if waited.is_err() {
        let m = model.lock();
        panic!(
            "never saw {what}: pods {} states {:?} {:?}",
            m.count(Kind::Pods),
            m.watch(Kind::Pods, "emulator"),
            m.watch(Kind::Pods, "emulator-2")
        );
    }
}

fn screen(view: &mut dyn View, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    view.render(area, &mut buf);
    buffer_lines(&buf)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_contexts_make_one_list_with_a_context_column() {
    let c = clusters().await;
    let plugin = plugin(
        &c,
        "contexts = [\"emulator\", \"emulator-2\"]\nnamespace = \"*\"",
    )
    .await
    .unwrap();
    let model = plugin.model();
    let changed = Arc::new(Notify::new());
    let notify = changed.clone();
    model.attach(Redraw::new(move || notify.notify_one()));
    plugin.start().await.unwrap();
    let standard_pods = c
        .first
        .state()
        .list::<k8s_openapi::api::core::v1::Pod>()
        .len();
    until(&model, &changed, "both clusters' pods", |m| {
        m.count(Kind::Pods) == standard_pods + names::SECOND_CLUSTER_PODS.len()
            && m.watch(Kind::Pods, "emulator") == Some(&WatchState::Live)
            && m.watch(Kind::Pods, "emulator-2") == Some(&WatchState::Live)
    })
    .await;

    let mut view = plugin.view().unwrap();
    let text = screen(view.as_mut(), 200, 50);
    let mut lines = text.lines();
    let title = lines.next().unwrap();
    assert!(
        title.contains("emulator v1.") && title.contains("emulator-2 v1."),
        "{text}"
    );
    assert_eq!(title.matches("● live").count(), 2, "{text}");
    let header: Vec<&str> = lines.nth(2).unwrap().split_whitespace().collect();
    assert_eq!(header[..3], ["CONTEXT", "NAMESPACE", "NAME"], "{text}");
    let edge = text.lines().find(|l| l.contains("edge-00001")).unwrap();
    assert!(edge.trim_start().starts_with("emulator-2 "), "{edge}");
    let api = text.lines().find(|l| l.contains(names::API_POD)).unwrap();
    assert!(api.trim_start().starts_with("emulator "), "{api}");

    // Deployments are watched from the moment they are first shown, in both.
    assert_eq!(model.lock().count(Kind::Deployments), 0);
    view.handle_event(&ViewEvent::Key(KeyPress::plain(Key::Char(']'))));
    until(&model, &changed, "the deployments", |m| {
        m.count(Kind::Deployments) > 0
            && m.watch(Kind::Deployments, "emulator-2") == Some(&WatchState::Live)
    })
    .await;
    let text = screen(view.as_mut(), 200, 50);
    assert!(
        text.contains("Deployments") && text.contains("nginx"),
        "{text}"
    );

    // Commands offered for a row of the second context reach that context.
    let api = vcli_plugin_api::ResourceRef::new("Deployment", "api")
        .in_namespace("default")
        .in_scope("emulator-2");
    let lines: Vec<String> = plugin
        .commands_for(&api)
        .into_iter()
        .map(|c| c.line)
        .collect();
    assert_eq!(
        lines,
        [
            "k8s describe deployment api -n default --context emulator-2",
            "k8s get deployment api -n default -o yaml --context emulator-2"
        ]
    );

    // A change in the second cluster arrives through its watch.
    c.second
        .state()
        .delete::<k8s_openapi::api::core::v1::Pod>(names::SECOND_CLUSTER_NAMESPACE, "edge-00002");
    until(&model, &changed, "the deletion", |m| {
        !m.rows(Kind::Pods).any(|r| r.name == "edge-00002")
    })
    .await;
    c.cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_that_cannot_connect_ends_and_the_other_stays_live() {
    let c = clusters().await;
    let plugin = plugin(&c, "contexts = [\"emulator\", \"bad-token\"]")
        .await
        .unwrap();
    let model = plugin.model();
    let changed = Arc::new(Notify::new());
    let notify = changed.clone();
    model.attach(Redraw::new(move || notify.notify_one()));
    plugin.start().await.unwrap();
    until(&model, &changed, "one live, one failing", |m| {
        m.watch(Kind::Pods, "emulator") == Some(&WatchState::Live)
            && matches!(
                m.watch(Kind::Pods, "bad-token"),
                Some(WatchState::Reconnecting { .. })
            )
    })
    .await;
    let state = model.lock().watch(Kind::Pods, "bad-token").cloned();
    let Some(WatchState::Reconnecting { attempt, error, .. }) = state else {
        unreachable!("checked above");
    };
    assert!(attempt >= 1);
    assert_eq!(
        error,
        "error: You must be logged in to the server (Unauthorized)"
    );
    c.cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_that_cannot_be_used_ends_with_the_reason() {
    let c = clusters().await;
    // A context whose cluster the kubeconfig does not have: no client can
    // be built for it, and retrying would not change that.
    let path = c.dir.path().join("kubeconfig");
    let yaml = std::fs::read_to_string(&path).unwrap().replacen(
        "contexts:\n",
        "contexts:\n- name: broken\n  context:\n    cluster: nowhere\n    user: emulator-admin\n",
        1,
    );
    std::fs::write(&path, yaml).unwrap();
    let plugin = plugin(&c, "contexts = [\"emulator\", \"broken\"]")
        .await
        .unwrap();
    let model = plugin.model();
    let changed = Arc::new(Notify::new());
    let notify = changed.clone();
    model.attach(Redraw::new(move || notify.notify_one()));
    plugin.start().await.unwrap();
    until(&model, &changed, "the broken context ended", |m| {
        m.watch(Kind::Pods, "emulator") == Some(&WatchState::Live)
            && matches!(m.watch(Kind::Pods, "broken"), Some(WatchState::Ended(_)))
    })
    .await;
    let Some(WatchState::Ended(reason)) = model.lock().watch(Kind::Pods, "broken").cloned() else {
        unreachable!("checked above");
    };
    assert!(reason.contains("nowhere"), "{reason}");
    // Kinds shown later end at once too, with the same reason.
    model.request(vcli_plugin_kubernetes::Request::Watch(Kind::Services));
    until(&model, &changed, "services ended too", |m| {
        m.watch(Kind::Services, "broken") == Some(&WatchState::Ended(reason.clone()))
    })
    .await;
    let mut view = plugin.view().unwrap();
    let text = screen(view.as_mut(), 120, 10);
    assert!(text.contains("broken ✗ ended"), "{text}");
    assert!(text.contains("broken: watch ended: "), "{text}");
    c.cancel.cancel();
}

#[tokio::test]
async fn unknown_contexts_are_a_configuration_error_naming_the_key() {
    let c = clusters().await;
    let error = plugin(&c, "contexts = [\"emulator\", \"nope\"]")
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("plugins.kubernetes.config.contexts"),
        "{text}"
    );
    assert!(
        text.contains("context \"nope\" is not in the kubeconfig"),
        "{text}"
    );
    assert!(text.contains("emulator-2"), "lists the known ones: {text}");
}
