//! `vcli k8s get --watch`: live updates until cancelled or dropped.

mod common;

use common::{Capture, Env, run_with};
use vcli_k8s_emulator::names;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_changes_until_cancelled() {
    let env = Env::standard().await;
    let captured = Capture::new();
    let plugin = env.plugin.clone();
    let task = {
        let captured = captured.clone();
        tokio::spawn(async move {
            run_with(
                &plugin,
                &["get", "pods", "-w", "-l", "app=nginx"],
                &captured,
            )
            .await
        })
    };
    captured
        .wait_for("the initial list", |t| t.contains(names::NGINX_POD))
        .await;
    let mut pod = env
        .emulator
        .state()
        .get::<k8s_openapi::api::core::v1::Pod>("default", names::NGINX_PODS[0])
        .unwrap();
    pod.metadata.name = Some("nginx-7c5ddbdf54-new01".into());
    pod.metadata.resource_version = None;
    pod.metadata.uid = None;
    env.emulator.state().add(pod);
    let text = captured
        .wait_for("the added pod", |t| t.contains("nginx-7c5ddbdf54-new01"))
        .await;
    assert!(text.starts_with("NAME"), "{text}");
    assert_eq!(text.matches("NAME ").count(), 1, "one header:\n{text}");
    env.cancel.cancel();
    let result = tokio::time::timeout(std::time::Duration::from_secs(10), task)
        .await
        .expect("watch ends on cancel");
    assert!(result.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_json_ends_when_the_future_is_dropped() {
    let env = Env::standard().await;
    let captured = Capture::new();
    let cmd = run_with(
        &env.plugin,
        &["get", "pod", names::API_POD, "-w", "-o", "json"],
        &captured,
    );
    let wait = async {
        captured
            .wait_for("the object", |t| t.contains(names::API_POD))
            .await;
        env.emulator
            .state()
            .modify::<k8s_openapi::api::core::v1::Pod>("default", names::API_POD, |p| {
                p.metadata
                    .labels
                    .get_or_insert_default()
                    .insert("touched".into(), "yes".into());
            });
        captured
            .wait_for("the modification", |t| t.contains("touched"))
            .await
    };
    tokio::select! {
        r = cmd => panic!("watch ended by itself: {r:?}"),
        text = wait => assert_eq!(text.matches("\"kind\": \"Pod\"").count(), 2, "{text}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watching_a_custom_resource_prints_its_columns() {
    use vcli_k8s_emulator::{Widget, WidgetSpec, WidgetStatus};
    let env = Env::standard().await;
    let captured = Capture::new();
    let cmd = run_with(
        &env.plugin,
        &["get", "wdg", "-w", "-L", "app.kubernetes.io/part-of"],
        &captured,
    );
    let wait = async {
        captured
            .wait_for("the initial list", |t| t.contains("sprocket"))
            .await;
        let mut widget = Widget::default();
        widget.metadata.name = Some("flux-capacitor".into());
        widget.metadata.namespace = Some("default".into());
        widget.spec = WidgetSpec {
            size: 88,
            color: Some("chrome".into()),
            owner: None,
        };
        widget.status = Some(WidgetStatus {
            phase: Some("Ready".into()),
            ready: Some(true),
            load: None,
        });
        env.emulator.state().add(widget);
        captured
            .wait_for("the added widget", |t| t.contains("flux-capacitor"))
            .await
    };
    let text = tokio::select! {
        r = cmd => panic!("watch ended by itself: {r:?}"),
        text = wait => text,
    };
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "SIZE", "COLOR", "PHASE", "READY", "AGE", "PART-OF"]
    );
    let added: Vec<&str> = text.lines().last().unwrap().split_whitespace().collect();
    assert_eq!(
        added[..5],
        ["flux-capacitor", "88", "chrome", "Ready", "true"]
    );
    assert_eq!(text.matches("SIZE").count(), 1, "one header:\n{text}");
}
