//! `vcli k8s get` against the emulator: every resource type, flag and format.

mod common;

use common::Env;
use serde_json::Value;
use vcli_k8s_emulator::{Fixtures, names};

fn column(text: &str, name: &str) -> Vec<String> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let start = header
        .find(name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines
        .map(|l| {
            l.get(start..)
                .unwrap_or_default()
                .split("   ")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_table_has_kubectl_columns_and_statuses() {
    let env = Env::standard().await;
    let text = env.ok(&["get", "pods"]).await;
    let header = text.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
            .to_owned()
    };
    assert!(line(names::CRASHLOOP_POD).contains("CrashLoopBackOff"));
    assert!(
        line(names::CRASHLOOP_POD).contains("7 (12m ago)"),
        "{}",
        line(names::CRASHLOOP_POD)
    );
    assert!(line(names::INIT_PENDING_POD).contains("Init:0/1"));
    assert!(line(names::INIT_CRASHLOOP_POD).contains("Init:CrashLoopBackOff"));
    assert!(line(names::TERMINATING_POD).contains("Terminating"));
    assert!(line(names::COMPLETED_POD).contains("Completed"));
    assert!(line(names::MULTI_POD).contains("2/2"));
    assert!(
        !text.contains("kube-system"),
        "only the context's namespace"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_wide_and_aliases() {
    let env = Env::standard().await;
    let all = env.ok(&["get", "po", "-A", "-o", "wide"]).await;
    let header: Vec<&str> = all
        .lines()
        .next()
        .unwrap()
        .split("  ")
        .filter(|s| !s.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(
        header,
        [
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ]
    );
    assert!(column(&all, "NAMESPACE").contains(&"kube-system".to_owned()));
    assert!(column(&all, "IP").contains(&"<none>".to_owned()));

    let ks = env
        .ok(&["get", "pods", "-n", "kube-system", "--no-headers"])
        .await;
    assert!(ks.lines().all(|l| !l.starts_with("NAME")));
    assert!(ks.contains("coredns"));
    let ctx = env
        .ok(&[
            "get",
            "pods",
            "--context",
            "emulator-kube-system",
            "-o",
            "name",
        ])
        .await;
    assert!(
        ctx.lines().all(|l| l.starts_with("pod/")) && ctx.contains("pod/coredns"),
        "{ctx}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_type() {
    let env = Env::standard().await;
    for (args, header) in [
        (
            vec!["get", "deploy"],
            vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ),
        (
            vec!["get", "svc"],
            vec![
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
            ],
        ),
        (
            vec!["get", "no"],
            vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        ),
        (vec!["get", "ns"], vec!["NAME", "STATUS", "AGE"]),
        (
            vec!["get", "ev"],
            vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        ),
        (
            vec!["get", "deployments.apps", "-o", "wide"],
            vec![
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR",
            ],
        ),
        (
            vec!["get", "nodes", "-o", "wide"],
            vec![
                "NAME",
                "STATUS",
                "ROLES",
                "AGE",
                "VERSION",
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ],
        ),
        (
            vec!["get", "services", "-A", "-o", "wide"],
            vec![
                "NAMESPACE",
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
                "SELECTOR",
            ],
        ),
        (
            vec!["get", "events", "-A"],
            vec![
                "NAMESPACE",
                "LAST SEEN",
                "TYPE",
                "REASON",
                "OBJECT",
                "MESSAGE",
            ],
        ),
    ] {
        let text = env.ok(&args).await;
        let got: Vec<&str> = text
            .lines()
            .next()
            .unwrap()
            .split("  ")
            .filter(|s| !s.is_empty())
            .map(str::trim)
            .collect();
        assert_eq!(got, header, "{args:?}");
        assert!(
            text.lines().count() > 1,
            "{args:?} printed no rows:\n{text}"
        );
    }
    let nodes = env.ok(&["get", "nodes"]).await;
    assert!(
        nodes
            .lines()
            .any(|l| l.starts_with(names::WORKER_NODE) && l.contains("NotReady")),
        "{nodes}"
    );
    assert!(
        nodes
            .lines()
            .any(|l| l.starts_with(names::CONTROL_PLANE_NODE) && l.contains("control-plane")),
        "{nodes}"
    );
    let svc = env.ok(&["get", "svc", "-A"]).await;
    assert!(
        svc.contains("<pending>"),
        "LoadBalancer without ingress:\n{svc}"
    );
    let deploy = env.ok(&["get", "deploy"]).await;
    assert!(
        deploy
            .lines()
            .any(|l| l.starts_with("api ") && l.contains("1/2")),
        "{deploy}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_sorting_and_names() {
    let env = Env::standard().await;
    let nginx = env
        .ok(&["get", "pods", "-l", "app=nginx", "-o", "name"])
        .await;
    let want: Vec<String> = names::NGINX_PODS
        .iter()
        .map(|p| format!("pod/{p}"))
        .collect();
    assert_eq!(nginx.lines().collect::<Vec<_>>(), want);
    let running = env
        .ok(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            "status.phase=Pending",
            "-o",
            "name",
        ])
        .await;
    assert!(
        running.contains(&format!("pod/{}", names::UNSCHEDULABLE_POD)),
        "{running}"
    );
    assert!(!running.contains("coredns"));
    let sorted = env
        .ok(&[
            "get",
            "pods",
            "--sort-by",
            "{.status.containerStatuses[0].restartCount}",
            "-o",
            "name",
        ])
        .await;
    let last = sorted.lines().last().unwrap();
    assert_eq!(
        last,
        format!("pod/{}", names::CRASHLOOP_POD),
        "most restarts last:\n{sorted}"
    );
    let by_name = env
        .ok(&["get", "pods", "--sort-by", ".metadata.name", "--no-headers"])
        .await;
    let order: Vec<&str> = by_name
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut sorted_names = order.clone();
    sorted_names.sort();
    assert_eq!(order, sorted_names);
    let deploy = env.ok(&["get", "deploy", "-o", "name"]).await;
    assert!(
        deploy.lines().all(|l| l.starts_with("deployment.apps/")),
        "{deploy}"
    );
    let one = env.ok(&["get", "pod", names::API_POD]).await;
    assert_eq!(one.lines().count(), 2, "{one}");
    let slash = env
        .ok(&["get", &format!("pods/{}", names::API_POD), "-o", "name"])
        .await;
    assert_eq!(slash.trim(), format!("pod/{}", names::API_POD));
    // stdout is data, stderr is talk: an empty list prints nothing and says so.
    let (empty, notes) = env.ok_noted(&["get", "pods", "-l", "app=nothing"]).await;
    assert_eq!(empty, "");
    assert_eq!(notes, "No resources found in default namespace.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_yaml_are_v1_lists() {
    let env = Env::standard().await;
    let text = env.ok(&["get", "pods", "-o", "json"]).await;
    assert!(
        text.starts_with("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n"),
        "{}",
        &text[..200.min(text.len())]
    );
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["kind"], "List");
    assert_eq!(list["metadata"]["resourceVersion"], "");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 12);
    assert!(
        items
            .iter()
            .all(|i| i["kind"] == "Pod" && i["apiVersion"] == "v1")
    );
    let empty: Value =
        serde_json::from_str(&env.ok(&["get", "pods", "-l", "x=y", "-o", "json"]).await).unwrap();
    assert_eq!(empty["items"], Value::Array(vec![]));
    let one: Value =
        serde_json::from_str(&env.ok(&["get", "pod", names::API_POD, "-o", "json"]).await).unwrap();
    assert_eq!(one["metadata"]["name"], names::API_POD);
    assert_eq!(one["kind"], "Pod");

    let yaml = env.ok(&["get", "svc", "-o", "yaml"]).await;
    assert!(
        yaml.starts_with("apiVersion: v1\nitems:\n- apiVersion: v1\n"),
        "{yaml}"
    );
    assert!(yaml.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"));
    let parsed: Value = serde_yaml::from_str(&yaml).unwrap();
    assert!(
        parsed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "Service")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_pods_arrive_in_pages() {
    let env = Env::with(
        Fixtures::standard().with_generated_pods(10_000),
        "page_size = 500",
    )
    .await;
    let text = env.ok(&["get", "pods", "-A", "-o", "name"]).await;
    let generated = text.lines().filter(|l| l.starts_with("pod/load-")).count();
    assert_eq!(generated, 10_000);
    let mut unique: Vec<&str> = text.lines().collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), text.lines().count(), "no pod twice");
    let lists: Vec<String> = env
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("GET /api/v1/pods?"))
        .collect();
    assert!(lists.len() >= 20, "{} list requests", lists.len());
    assert!(lists.iter().all(|r| r.contains("limit=500")), "{lists:?}");
    assert!(lists.iter().skip(1).all(|r| r.contains("continue=")));

    let table = env
        .ok(&["get", "pods", "-n", "load-2", "--chunk-size", "1000"])
        .await;
    assert_eq!(table.lines().count(), 2_501, "header + 2,500 rows");
}

/// How many discovery documents the emulator has served so far.
fn discovery_requests(env: &Env) -> usize {
    env.emulator
        .requests()
        .iter()
        .filter(|r| {
            let path = r.split_whitespace().nth(1).unwrap_or_default();
            path == "/api" || path == "/apis" || path == "/api/v1" || {
                // /apis/GROUP/VERSION, with nothing after it.
                let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
                parts.len() == 3 && parts[0] == "apis"
            }
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_served_type_and_its_aliases() {
    let env = Env::standard().await;
    for (arg, first) in [
        ("cm", "configmap/api-settings"),
        ("secrets", "secret/api-credentials"),
        ("pvc", "persistentvolumeclaim/backup-2025"),
        ("rs", "replicaset.apps/api-5f8d9c7b6d"),
        ("sts", "statefulset.apps/cache"),
        ("cj", "cronjob.batch/report"),
        ("job", "job.batch/db-migrate"),
        ("ing", "ingress.networking.k8s.io/api"),
        (
            "crd",
            "customresourcedefinition.apiextensions.k8s.io/widgets.example.com",
        ),
        ("wdg", "widget.example.com/doohickey"),
        ("Widget.example.com", "widget.example.com/doohickey"),
        ("Deployment.apps", "deployment.apps/api"),
    ] {
        let text = env.ok(&["get", arg, "-o", "name"]).await;
        assert_eq!(text.lines().next(), Some(first), "{arg}:\n{text}");
    }
    let ds = env.ok(&["get", "ds", "-n", "kube-system"]).await;
    assert!(
        ds.starts_with("NAME         DESIRED   CURRENT   READY   UP-TO-DATE"),
        "{ds}"
    );
    let widgets = env.ok(&["get", "widgets", "-o", "wide"]).await;
    assert_eq!(
        widgets
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        [
            "NAME", "SIZE", "COLOR", "PHASE", "READY", "AGE", "OWNER", "LOAD"
        ]
    );
    let e = env.err(&["get", "gadgets"]).await;
    assert_eq!(
        (e.exit_code(), e.to_string().as_str()),
        (1, "the server doesn't have a resource type \"gadgets\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_files_every_run_asks_for_discovery_and_says_nothing() {
    let env = Env::standard().await;
    let (_, notes) = env.ok_noted(&["get", "cm", "-o", "name"]).await;
    assert_eq!(notes, "");
    let first = discovery_requests(&env);
    assert!(first >= 3, "discovery was read ({first} documents)");
    env.ok(&["get", "cm", "-o", "name"]).await;
    assert_eq!(discovery_requests(&env), 2 * first);
    assert!(env.host.denied().is_empty(), "no capability asked for");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_files_discovery_is_cached_and_refreshed_for_an_unknown_type() {
    let (env, cache) = Env::with_files().await;
    env.ok(&["get", "cm", "-o", "name"]).await;
    let first = discovery_requests(&env);
    let file = cache
        .join("discovery")
        .join(format!("127.0.0.1_{}.json", env.emulator.addr().port()));
    assert!(file.is_file(), "{} written", file.display());
    // Fresh: the next runs ask the server for nothing but the objects.
    env.ok(&["get", "wdg", "-A", "-o", "name"]).await;
    env.ok(&["get", "deploy"]).await;
    assert_eq!(discovery_requests(&env), first);
    // A type the cache does not know: discovery is fetched again before giving up.
    let e = env.err(&["get", "gadgets"]).await;
    assert!(e.to_string().contains("\"gadgets\""), "{e}");
    assert_eq!(discovery_requests(&env), 2 * first);
    // A stale file is not trusted.
    let text = std::fs::read_to_string(&file).unwrap();
    let stale = text.replacen("\"fetchedAt\":", "\"fetchedAt\":1,\"was\":", 1);
    std::fs::write(&file, stale).unwrap();
    env.ok(&["get", "cm", "-o", "name"]).await;
    assert_eq!(discovery_requests(&env), 3 * first);
}
