//! The raw API documents: discovery, server-side Tables, metadata-only lists and the
//! answers for unknown paths, through a kube client's raw requests.

mod common;

use common::{ScratchDir, client};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{ListParams, PartialObjectMeta};
use serde_json::Value;
use vcli_k8s_emulator::{Emulator, Fixtures, SERVER_VERSION, names};

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

async fn get(client: &kube::Client, uri: &str, accept: &str) -> kube::Result<Value> {
    let request = http::Request::get(uri)
        .header("Accept", accept)
        .body(Vec::new())
        .expect("request");
    client.request(request).await
}

#[tokio::test]
async fn discovery_documents() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("api");
    let client = client(&emulator, &dir, "emulator").await;
    let version = client.apiserver_version().await.expect("version");
    assert_eq!(version.git_version, SERVER_VERSION);

    let core = get(&client, "/api/v1", "application/json")
        .await
        .expect("core");
    let pods = core["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["name"] == "pods")
        .expect("pods")
        .clone();
    assert_eq!(pods["kind"], "Pod");
    assert_eq!(pods["shortNames"], serde_json::json!(["po"]));
    assert_eq!(pods["namespaced"], true);
    assert!(
        pods["verbs"]
            .as_array()
            .expect("verbs")
            .contains(&Value::from("watch"))
    );
    let groups = get(&client, "/apis", "application/json")
        .await
        .expect("groups");
    assert_eq!(
        groups["groups"][0]["preferredVersion"]["groupVersion"],
        "apps/v1"
    );
    let apps = get(&client, "/apis/apps/v1", "application/json")
        .await
        .expect("apps");
    assert!(
        apps["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .any(|r| r["shortNames"] == serde_json::json!(["deploy"]))
    );

    // kube's discovery walks the same documents.
    let discovery = kube::Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    let (resource, _) = discovery
        .resolve_gvk(&kube::api::GroupVersionKind::gvk(
            "apps",
            "v1",
            "Deployment",
        ))
        .expect("deployments");
    assert_eq!(resource.plural, "deployments");

    match get(
        &client,
        "/apis/policy/v1/poddisruptionbudgets",
        "application/json",
    )
    .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
            assert_eq!(
                status.message,
                "the server could not find the requested resource"
            );
        }
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn tables_render_like_the_api_server_and_paginate() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("api");
    let client = client(&emulator, &dir, "emulator").await;
    let table = get(&client, "/api/v1/namespaces/default/pods?limit=500", TABLE)
        .await
        .expect("table");
    assert_eq!(
        (table["kind"].as_str(), table["apiVersion"].as_str()),
        (Some("Table"), Some("meta.k8s.io/v1"))
    );
    let columns: Vec<(&str, i64)> = table["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or(""),
                c["priority"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        columns,
        vec![
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1),
        ]
    );
    let row = |name: &str| {
        table["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["cells"][0] == name)
            .cloned()
            .expect("row")
    };
    let crash = row(names::CRASHLOOP_POD);
    assert_eq!(crash["cells"][1], "0/1");
    assert_eq!(crash["cells"][2], "CrashLoopBackOff");
    assert_eq!(crash["cells"][3], "7 (12m ago)");
    assert_eq!(crash["cells"][4], "10h");
    assert_eq!(crash["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(crash["object"]["metadata"]["namespace"], "default");
    for (pod, status) in [
        (names::INIT_PENDING_POD, "Init:0/1"),
        (names::INIT_CRASHLOOP_POD, "Init:CrashLoopBackOff"),
        (names::COMPLETED_POD, "Completed"),
        (names::TERMINATING_POD, "Terminating"),
        (names::CONTAINER_CREATING_POD, "ContainerCreating"),
        (names::IMAGE_PULL_BACKOFF_POD, "ImagePullBackOff"),
    ] {
        assert_eq!(row(pod)["cells"][2], status, "{pod}");
    }
    assert_eq!(
        row(names::COMPLETED_POD)["conditions"][0]["type"],
        "Completed"
    );
    assert_eq!(row(names::NGINX_POD)["cells"][3], "2 (2d ago)");

    // Tables paginate like lists; includeObject=Object embeds the full pod.
    let page = get(&client, "/api/v1/pods?limit=3&includeObject=Object", TABLE)
        .await
        .expect("page");
    assert_eq!(page["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(page["rows"][0]["object"]["kind"], "Pod");
    let token = page["metadata"]["continue"].as_str().expect("continue");
    let next = get(
        &client,
        &format!("/api/v1/pods?limit=3&continue={token}"),
        TABLE,
    )
    .await
    .expect("next");
    assert_ne!(next["rows"][0]["cells"][0], page["rows"][0]["cells"][0]);

    let services = get(&client, "/api/v1/namespaces/default/services", TABLE)
        .await
        .expect("services");
    let frontend = services["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["cells"][0] == "frontend")
        .expect("lb");
    assert_eq!(frontend["cells"][3], "<pending>");
    assert_eq!(frontend["cells"][4], "80:31380/TCP,443:31443/TCP");
    let nodes = get(&client, "/api/v1/nodes", TABLE).await.expect("nodes");
    assert_eq!(nodes["rows"][1]["cells"][1], "NotReady");
    assert_eq!(nodes["rows"][0]["cells"][2], "control-plane");

    let bad = get(&client, "/api/v1/pods?limit=abc", "application/json")
        .await
        .expect_err("bad limit");
    assert!(matches!(bad, kube::Error::Api(s) if s.code == 400));
    let bad = get(
        &client,
        "/api/v1/pods?continue=bm90LWpzb24",
        "application/json",
    )
    .await
    .expect_err("bad token");
    assert!(
        matches!(bad, kube::Error::Api(s) if s.code == 400 && s.message.starts_with("continue key is not valid"))
    );
}

#[tokio::test]
async fn metadata_only_lists() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("api");
    let pods: Api<Pod> = Api::namespaced(client(&emulator, &dir, "emulator").await, "kube-system");
    let list = pods
        .list_metadata(&ListParams::default().labels("k8s-app=kube-dns"))
        .await
        .expect("metadata");
    let names: Vec<_> = list
        .items
        .iter()
        .map(|m: &PartialObjectMeta<Pod>| m.metadata.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        vec!["coredns-787d4945fb-lm2xk", "coredns-787d4945fb-p9s8t"]
    );
    let one = pods
        .get_metadata("coredns-787d4945fb-lm2xk")
        .await
        .expect("get metadata");
    assert!(one.metadata.uid.is_some());
}

#[tokio::test]
async fn the_custom_resource_is_discovered_and_tabled_from_its_crd() {
    let emulator = Emulator::start(Fixtures::standard()).await.expect("start");
    let dir = ScratchDir::new("api");
    let client = client(&emulator, &dir, "emulator").await;
    let groups = get(&client, "/apis", "application/json")
        .await
        .expect("groups");
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "apps",
            "batch",
            "networking.k8s.io",
            "coordination.k8s.io",
            "apiextensions.k8s.io",
            "example.com"
        ]
    );
    let list = get(&client, "/apis/example.com/v1", "application/json")
        .await
        .expect("resources");
    let widgets = &list["resources"][0];
    assert_eq!(
        (
            widgets["name"].as_str(),
            widgets["singularName"].as_str(),
            widgets["kind"].as_str()
        ),
        (Some("widgets"), Some("widget"), Some("Widget"))
    );
    assert_eq!(widgets["shortNames"], serde_json::json!(["wdg"]));
    assert_eq!(list["resources"][1]["name"], "widgets/status");
    let core = get(&client, "/api/v1", "application/json")
        .await
        .expect("core");
    let has = |name: &str| {
        core["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .any(|r| r["name"] == name)
    };
    assert!(has("configmaps") && has("persistentvolumeclaims/status"));
    assert!(!has("configmaps/status") && !has("secrets/status"));

    let table = get(
        &client,
        "/apis/example.com/v1/namespaces/default/widgets",
        TABLE,
    )
    .await
    .expect("table");
    let columns: Vec<(&str, &str, i64)> = table["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or(""),
                c["type"].as_str().unwrap_or(""),
                c["priority"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("Name", "string", 0),
            ("Size", "integer", 0),
            ("Color", "string", 0),
            ("Phase", "string", 0),
            ("Ready", "boolean", 0),
            ("Age", "date", 0),
            ("Owner", "string", 1),
            ("Load", "number", 1),
        ]
    );
    let rows = table["rows"].as_array().expect("rows");
    assert_eq!(
        rows[0]["cells"],
        serde_json::json!(["doohickey", 1, null, null, null, "25m", null, null])
    );
    assert_eq!(
        rows[1]["cells"],
        serde_json::json!(["gizmo", 3, "blue", "Ready", true, "2d", "team-shop", 0.75])
    );
}
