//! The `kube` crate against the emulator through the generated kubeconfig: lists with
//! selectors and pagination, errors as `kube::Error::Api`, auth failures, fault injection.

mod common;

use std::time::{Duration, Instant};

use common::{ScratchDir, client};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::Api;
use kube::api::{DeleteParams, ListParams};
use vcli_k8s_emulator::{Emulator, Fixtures, names};

async fn start() -> (Emulator, ScratchDir) {
    let emulator = Emulator::start(Fixtures::standard())
        .await
        .expect("start emulator");
    (emulator, ScratchDir::new("kube"))
}

fn api_status(error: kube::Error) -> kube::core::Status {
    match error {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn names_of(pods: &[Pod]) -> Vec<String> {
    pods.iter()
        .map(|p| p.metadata.name.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn lists_with_label_selector_and_pagination() {
    let (emulator, dir) = start().await;
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "emulator").await);

    let first = pods
        .list(&ListParams::default().labels("app=nginx").limit(2))
        .await
        .expect("page 1");
    assert_eq!(names_of(&first.items), names::NGINX_PODS[..2].to_vec());
    let token = first.metadata.continue_.clone().expect("a continue token");
    assert!(first.metadata.resource_version.is_some());
    let second = pods
        .list(
            &ListParams::default()
                .labels("app=nginx")
                .limit(2)
                .continue_token(&token),
        )
        .await
        .expect("page 2");
    assert_eq!(names_of(&second.items), vec![names::NGINX_PODS[2]]);
    assert_eq!(second.metadata.continue_, None);

    // Every pod of the cluster, two at a time, each exactly once and in (namespace, name) order.
    let all: Api<Pod> = Api::all(pods.clone().into_client());
    let everything = all.list(&ListParams::default()).await.expect("list all");
    let mut paged = Vec::new();
    let mut params = ListParams::default().limit(2);
    let mut pages = 0;
    loop {
        let page = all.list(&params).await.expect("page");
        pages += 1;
        paged.extend(
            page.items
                .iter()
                .map(|p| (p.metadata.namespace.clone(), p.metadata.name.clone())),
        );
        match page.metadata.continue_ {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    let expected: Vec<_> = everything
        .items
        .iter()
        .map(|p| (p.metadata.namespace.clone(), p.metadata.name.clone()))
        .collect();
    assert_eq!(paged, expected);
    assert_eq!(pages, expected.len().div_ceil(2));
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(expected, sorted);
}

#[tokio::test]
async fn selectors_cover_set_operators_and_fields() {
    let (emulator, dir) = start().await;
    let client = client(&emulator, &dir, "emulator").await;
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let list = |labels: &str, fields: &str| {
        let pods = pods.clone();
        let params = ListParams::default().labels(labels).fields(fields);
        async move { names_of(&pods.list(&params).await.expect("list").items) }
    };
    assert_eq!(
        list("tier in (backend),app notin (api)", "").await,
        vec![names::MULTI_POD, names::TERMINATING_POD]
    );
    assert_eq!(
        list("app=api,tier!=frontend", "status.phase=Running")
            .await
            .len(),
        2
    );
    assert_eq!(
        list("!tier", "").await,
        vec![
            names::INIT_CRASHLOOP_POD,
            names::INIT_PENDING_POD,
            names::COMPLETED_POD
        ]
    );
    assert_eq!(
        list("app==nginx", "spec.nodeName=worker-1,metadata.name!=x").await,
        vec![names::NGINX_PODS[1]]
    );
    assert_eq!(
        list("", "status.phase=Succeeded").await,
        vec![names::COMPLETED_POD]
    );

    let error = pods
        .list(&ListParams::default().fields("spec.bogus=1"))
        .await
        .expect_err("bad field");
    let status = api_status(error);
    assert_eq!(
        (status.code, status.message.as_str()),
        (400, "field label not supported: spec.bogus")
    );

    // What `kubectl describe pod` asks for.
    let uid = pods
        .get(names::CRASHLOOP_POD)
        .await
        .expect("get")
        .metadata
        .uid
        .expect("uid");
    let events: Api<Event> = Api::default_namespaced(client.clone());
    let selector = format!(
        "involvedObject.name={},involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid={uid}",
        names::CRASHLOOP_POD
    );
    let found = events
        .list(&ListParams::default().fields(&selector))
        .await
        .expect("events");
    let reasons: Vec<_> = found
        .items
        .iter()
        .filter_map(|e| e.reason.clone())
        .collect();
    assert!(reasons.contains(&"BackOff".to_owned()), "{reasons:?}");
    assert!(found.items.iter().any(|e| e.count == Some(143)));

    let nodes: Api<Node> = Api::all(client.clone());
    assert_eq!(
        nodes
            .list(&ListParams::default())
            .await
            .expect("nodes")
            .items
            .len(),
        2
    );
    let deployments: Api<Deployment> = Api::default_namespaced(client);
    let api = deployments.get("api").await.expect("deployment");
    assert_eq!(api.status.and_then(|s| s.ready_replicas), Some(1));
}

#[tokio::test]
async fn missing_objects_are_404_not_found() {
    let (emulator, dir) = start().await;
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "emulator").await);
    let status = api_status(pods.get("nope").await.expect_err("no such pod"));
    assert_eq!(status.code, 404);
    assert_eq!(status.reason, "NotFound");
    assert_eq!(status.message, "pods \"nope\" not found");
    assert_eq!(
        status.details.map(|d| (d.name, d.kind)),
        Some(("nope".to_owned(), "pods".to_owned()))
    );
    assert!(pods.get_opt("nope").await.expect("get_opt").is_none());

    // Writes are refused as the server refuses unsupported verbs.
    let status = api_status(
        pods.delete(names::MULTI_POD, &DeleteParams::default())
            .await
            .expect_err("read-only"),
    );
    assert_eq!(
        (status.code, status.reason.as_str()),
        (405, "MethodNotAllowed")
    );
}

#[tokio::test]
async fn bad_token_is_401_and_forbidden_user_is_403() {
    let (emulator, dir) = start().await;
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "bad-token").await);
    let status = api_status(pods.list(&ListParams::default()).await.expect_err("401"));
    assert_eq!(
        (status.code, status.reason.as_str(), status.message.as_str()),
        (401, "Unauthorized", "Unauthorized")
    );

    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "forbidden").await);
    let status = api_status(pods.list(&ListParams::default()).await.expect_err("403"));
    assert_eq!(status.code, 403);
    assert_eq!(status.reason, "Forbidden");
    assert_eq!(
        status.message,
        "pods is forbidden: User \"forbidden\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    let status = api_status(pods.get(names::MULTI_POD).await.expect_err("403"));
    assert!(
        status
            .message
            .starts_with("pods \"multi\" is forbidden: User \"forbidden\" cannot get resource")
    );

    // The kube-system context is just a different default namespace.
    let system: Api<Pod> =
        Api::default_namespaced(client(&emulator, &dir, "emulator-kube-system").await);
    let listed = system
        .list(&ListParams::default())
        .await
        .expect("kube-system pods");
    assert!(
        listed
            .items
            .iter()
            .all(|p| p.metadata.namespace.as_deref() == Some("kube-system"))
    );
    assert!(
        names_of(&listed.items)
            .iter()
            .any(|n| n.starts_with("coredns-"))
    );
}

#[tokio::test]
async fn injected_faults_fail_then_recover() {
    let (emulator, dir) = start().await;
    let pods: Api<Pod> = Api::default_namespaced(client(&emulator, &dir, "emulator").await);

    emulator.faults().fail_next(2, 500);
    let status = api_status(pods.list(&ListParams::default()).await.expect_err("500"));
    assert_eq!(
        (status.code, status.reason.as_str()),
        (500, "InternalError")
    );
    assert_eq!(status.message, "etcdserver: request timed out");
    assert_eq!(
        api_status(pods.get(names::MULTI_POD).await.expect_err("500")).code,
        500
    );
    pods.list(&ListParams::default()).await.expect("recovered");

    // kube retries 503 by default, so a short outage is invisible to its callers...
    emulator.faults().fail_next_matching(2, 503, "/pods/multi");
    pods.list(&ListParams::default())
        .await
        .expect("other paths unaffected");
    pods.get(names::MULTI_POD)
        .await
        .expect("retried through the outage");
    let attempts = emulator
        .requests()
        .iter()
        .filter(|r| r.ends_with("/pods/multi"))
        .count();
    assert_eq!(
        attempts,
        1 + 3,
        "1 earlier get, then 2 failures and 1 success"
    );
    // ...unless retries are off.
    let path = emulator.write_kubeconfig(dir.path()).expect("kubeconfig");
    let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("read");
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    config.default_retry = false;
    let no_retry: Api<Pod> =
        Api::default_namespaced(kube::Client::try_from(config).expect("client"));
    emulator.faults().fail_next(1, 503);
    let status = api_status(no_retry.get(names::MULTI_POD).await.expect_err("503"));
    assert_eq!(
        (status.code, status.reason.as_str()),
        (503, "ServiceUnavailable")
    );

    // A second of latency: a loopback GET takes milliseconds, so "cleared"
    // below has a wide margin even on a loaded machine.
    let latency = Duration::from_secs(1);
    emulator.faults().set_latency(latency);
    let started = Instant::now();
    pods.get(names::MULTI_POD).await.expect("slow but fine");
    assert!(started.elapsed() >= latency, "took {:?}", started.elapsed());
    emulator.faults().fail_next(5, 500);
    emulator.faults().clear();
    let started = Instant::now();
    pods.get(names::MULTI_POD).await.expect("cleared");
    assert!(
        started.elapsed() < latency,
        "the latency is cleared: took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn plain_http_works_for_clients_that_send_the_token() {
    let emulator = Emulator::start(Fixtures::standard())
        .await
        .expect("start emulator");
    let mut config = kube::Config::new(emulator.url().parse().expect("url"));
    config.default_namespace = "default".to_owned();
    config.auth_info.token = Some("emulator-token".to_owned().into());
    let pods: Api<Pod> = Api::default_namespaced(kube::Client::try_from(config).expect("client"));
    let multi = pods.get(names::MULTI_POD).await.expect("get over http");
    let annotations = multi.metadata.annotations.unwrap_or_default();
    assert_eq!(
        annotations
            .get("kubectl.kubernetes.io/default-container")
            .map(String::as_str),
        Some("app")
    );
    assert!(
        emulator
            .requests()
            .iter()
            .any(|r| r == "GET /api/v1/namespaces/default/pods/multi"),
        "{:?}",
        emulator.requests()
    );
}
