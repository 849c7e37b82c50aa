//! Watches through `kube`: raw `Api::watch` from a list's resourceVersion and kube-runtime's
//! watcher, fed by changes made through `Emulator::state()`.

mod common;

use std::time::Duration;

use common::{ScratchDir, client};
use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::{Container, Namespace, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kube::api::{ListParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use vcli_k8s_emulator::{Emulator, Fixtures, names};

/// Generous bound for one event to arrive; events normally take milliseconds.
const PATIENCE: Duration = Duration::from_secs(10);

fn pod(name: &str, app: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("default".to_owned()),
            labels: Some([("app".to_owned(), app.to_owned())].into()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "main".to_owned(),
                image: Some("busybox:1.36".to_owned()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        status: None,
    }
}

/// The next non-bookmark watch event.
async fn next_change<S>(stream: &mut S) -> WatchEvent<Pod>
where
    S: Stream<Item = kube::Result<WatchEvent<Pod>>> + Unpin,
{
    loop {
        let event = tokio::time::timeout(PATIENCE, stream.next())
            .await
            .expect("an event in time")
            .expect("stream still open")
            .expect("a decodable event");
        if !matches!(event, WatchEvent::Bookmark(_)) {
            return event;
        }
    }
}

fn name(event: &WatchEvent<Pod>) -> (&'static str, String) {
    match event {
        WatchEvent::Added(p) => ("ADDED", p.metadata.name.clone().unwrap_or_default()),
        WatchEvent::Modified(p) => ("MODIFIED", p.metadata.name.clone().unwrap_or_default()),
        WatchEvent::Deleted(p) => ("DELETED", p.metadata.name.clone().unwrap_or_default()),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn watch_from_list_version_sees_added_modified_deleted() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("watch");
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "emulator").await);
    let listed = pods
        .list(&ListParams::default().labels("app=watched"))
        .await
        .expect("list");
    assert!(listed.items.is_empty());
    let version = listed
        .metadata
        .resource_version
        .expect("list resourceVersion");

    // A change between the list and the watch must not be lost: the watch resumes from the
    // list's version.
    let state = emulator.state();
    state.add(pod("early", "watched"));
    let mut stream = pods
        .watch(
            &WatchParams::default().labels("app=watched").timeout(60),
            &version,
        )
        .await
        .expect("watch")
        .boxed();
    assert_eq!(
        name(&next_change(&mut stream).await),
        ("ADDED", "early".to_owned())
    );

    state.add(pod("w-1", "watched"));
    state.add(pod("other", "unrelated"));
    assert_eq!(
        name(&next_change(&mut stream).await),
        ("ADDED", "w-1".to_owned())
    );
    assert!(state.modify::<Pod>("default", "w-1", |p| {
        p.metadata.annotations = Some([("touched".to_owned(), "yes ✓".to_owned())].into());
    }));
    let modified = next_change(&mut stream).await;
    let WatchEvent::Modified(modified) = modified else {
        panic!("expected MODIFIED, got {modified:?}")
    };
    assert_eq!(
        modified
            .metadata
            .annotations
            .unwrap_or_default()
            .get("touched")
            .map(String::as_str),
        Some("yes ✓")
    );
    assert!(state.delete::<Pod>("default", "w-1"));
    assert_eq!(
        name(&next_change(&mut stream).await),
        ("DELETED", "w-1".to_owned())
    );

    // Leaving the selection reads as DELETED, entering it as ADDED.
    state.modify::<Pod>("default", "early", |p| {
        p.metadata.labels = Some([("app".to_owned(), "moved".to_owned())].into())
    });
    assert_eq!(
        name(&next_change(&mut stream).await),
        ("DELETED", "early".to_owned())
    );
    state.modify::<Pod>("default", "other", |p| {
        p.metadata.labels = Some([("app".to_owned(), "watched".to_owned())].into())
    });
    assert_eq!(
        name(&next_change(&mut stream).await),
        ("ADDED", "other".to_owned())
    );
    assert!(!state.delete::<Pod>("default", "never-existed"));
}

#[tokio::test]
async fn watch_without_version_starts_with_current_objects_and_honours_timeout() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("watch");
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "emulator").await);
    let mut stream = pods
        .watch(&WatchParams::default().labels("app=nginx").timeout(1), "0")
        .await
        .expect("watch")
        .boxed();
    let mut added = Vec::new();
    for _ in 0..3 {
        added.push(name(&next_change(&mut stream).await).1);
    }
    assert_eq!(added, names::NGINX_PODS.to_vec());
    // timeoutSeconds=1: the server ends the stream (bookmarks may come first).
    let ended = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = stream.next().await {
            assert!(matches!(event, Ok(WatchEvent::Bookmark(_))), "{event:?}");
        }
    })
    .await;
    assert!(ended.is_ok(), "the watch did not end after its timeout");
}

#[tokio::test]
async fn kube_runtime_watcher_lists_then_follows_changes() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("watch");
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "emulator").await);
    let mut events = watcher(
        pods,
        watcher::Config::default().labels("app=nginx").page_size(2),
    )
    .boxed();
    let mut next = async || {
        tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("in time")
            .expect("open")
            .expect("ok")
    };

    assert!(matches!(next().await, watcher::Event::Init));
    let mut initial = Vec::new();
    loop {
        match next().await {
            watcher::Event::InitApply(p) => initial.push(p.metadata.name.unwrap_or_default()),
            watcher::Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(initial, names::NGINX_PODS.to_vec());

    let state = emulator.state();
    state.modify::<Pod>("default", names::NGINX_POD, |p| {
        p.metadata
            .labels
            .get_or_insert_default()
            .insert("version".to_owned(), "2".to_owned());
    });
    state.add(pod("nginx-new", "nginx"));
    state.delete::<Pod>("default", names::NGINX_PODS[0]);
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match next().await {
            watcher::Event::Apply(p) => {
                seen.push(format!("apply {}", p.metadata.name.unwrap_or_default()))
            }
            watcher::Event::Delete(p) => {
                seen.push(format!("delete {}", p.metadata.name.unwrap_or_default()))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        vec![
            format!("apply {}", names::NGINX_POD),
            "apply nginx-new".to_owned(),
            format!("delete {}", names::NGINX_PODS[0]),
        ]
    );
}

#[tokio::test]
async fn watch_from_a_compacted_version_gets_410_expired() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("watch");
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "emulator").await);
    let old = pods
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    // More changes than the emulator keeps (10,000): the list's version is compacted away.
    let state = emulator.state();
    for i in 0..10_001 {
        state.modify::<Namespace>("", "monitoring", |ns| {
            ns.metadata.annotations = Some([("round".to_owned(), i.to_string())].into());
        });
    }
    let mut stream = pods
        .watch(&WatchParams::default(), &old)
        .await
        .expect("watch")
        .boxed();
    match next_change(&mut stream).await {
        WatchEvent::Error(status) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"));
            assert!(
                status
                    .message
                    .starts_with(&format!("too old resource version: {old}"))
            );
        }
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
}
