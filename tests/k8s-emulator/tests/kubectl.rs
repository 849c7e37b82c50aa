//! The real kubectl against the emulator: what `get`, `describe`, `logs` and `version` print,
//! and their errors. kubectl is found through `$VCLI_KUBECTL` or PATH; without it these
//! tests fail (they do not skip).

mod common;

use std::sync::OnceLock;

use common::{Kubectl, ScratchDir, row};
use vcli_k8s_emulator::{Emulator, Fixtures, SERVER_VERSION, names};

/// One emulator for all kubectl tests (nothing here changes it), on a runtime of its own so
/// it outlives every test; kubectl runs are blocking child processes.
struct Shared {
    _runtime: tokio::runtime::Runtime,
    emulator: Emulator,
    kubectl: Kubectl,
    _dir: ScratchDir,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let emulator = runtime
            .block_on(Emulator::start(Fixtures::standard()))
            .expect("start emulator");
        remove_stale_dirs();
        let dir = ScratchDir::new("kubectl");
        let kubeconfig = emulator.write_kubeconfig(dir.path()).expect("kubeconfig");
        let kubectl = Kubectl::new(kubeconfig, dir.path().join("cache"));
        Shared {
            _runtime: runtime,
            emulator,
            kubectl,
            _dir: dir,
        }
    })
}

/// The shared scratch dir is never dropped (it lives in a static), so earlier runs' dirs are
/// removed here once their process is gone.
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(env!("CARGO_TARGET_TMPDIR")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("k8s-emulator-kubectl-")
            .and_then(|rest| rest.split('-').next());
        if let Some(pid) = pid
            && !std::path::Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn kubectl(args: &[&str]) -> common::Run {
    shared().kubectl.run(args)
}

#[test]
fn get_pods_prints_the_server_side_table() {
    let out = kubectl(&["get", "pods"]).ok();
    let header: Vec<&str> = out
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(
        row(&out, names::CRASHLOOP_POD),
        [
            names::CRASHLOOP_POD,
            "0/1",
            "CrashLoopBackOff",
            "7",
            "(12m",
            "ago)",
            "10h"
        ]
    );
    assert_eq!(
        row(&out, names::NGINX_POD),
        [names::NGINX_POD, "1/1", "Running", "2", "(2d", "ago)", "3d"]
    );
    assert_eq!(
        row(&out, names::MULTI_POD),
        [names::MULTI_POD, "2/2", "Running", "0", "20h"]
    );
    for (pod, status) in [
        (names::INIT_PENDING_POD, "Init:0/1"),
        (names::INIT_CRASHLOOP_POD, "Init:CrashLoopBackOff"),
        (names::COMPLETED_POD, "Completed"),
        (names::TERMINATING_POD, "Terminating"),
        (names::CONTAINER_CREATING_POD, "ContainerCreating"),
        (names::IMAGE_PULL_BACKOFF_POD, "ImagePullBackOff"),
    ] {
        assert_eq!(row(&out, pod)[2], status, "{pod} in\n{out}");
    }
    assert!(
        !out.contains("coredns"),
        "only the context's namespace:\n{out}"
    );
    assert_eq!(out.lines().count(), 13);
}

#[test]
fn get_pods_all_namespaces_wide_and_selected() {
    let out = kubectl(&["get", "pods", "-A"]).ok();
    assert!(out.starts_with("NAMESPACE "));
    assert_eq!(row(&out, "kube-system")[1], "coredns-787d4945fb-lm2xk");
    assert!(
        out.lines()
            .any(|l| l.contains(names::ERR_IMAGE_PULL_POD) && l.contains("ErrImagePull"))
    );
    assert!(
        out.lines()
            .any(|l| l.contains(names::UNSCHEDULABLE_POD) && l.contains("Pending"))
    );
    assert!(out.contains(names::LONG_NAME_POD));

    let wide = kubectl(&["get", "pods", "-o", "wide"]).ok();
    let header: Vec<&str> = wide
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ]
    );
    assert_eq!(
        row(&wide, names::NGINX_PODS[1])[5..],
        ["10.244.1.7", "worker-1", "<none>", "<none>"]
    );
    assert_eq!(row(&wide, names::CONTAINER_CREATING_POD)[5], "<none>");

    let labelled = kubectl(&["get", "pods", "-l", "app=nginx", "-o", "name"]).ok();
    let expected: Vec<String> = names::NGINX_PODS
        .iter()
        .map(|n| format!("pod/{n}"))
        .collect();
    assert_eq!(labelled.lines().collect::<Vec<_>>(), expected);
    let running = kubectl(&[
        "get",
        "pods",
        "--field-selector",
        "status.phase=Running",
        "-o",
        "name",
    ])
    .ok();
    assert_eq!(running.lines().count(), 7, "{running}");
    assert!(!running.contains(names::COMPLETED_POD) && running.contains("pod/multi"));
}

#[test]
fn get_json_is_a_list_of_pods() {
    let out = kubectl(&["get", "pods", "-o", "json"]).ok();
    let list: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 12);
    assert!(
        items
            .iter()
            .all(|i| i["kind"] == "Pod" && i["metadata"]["namespace"] == "default")
    );
    let one = kubectl(&["get", "pod", names::MULTI_POD, "-o", "json"]).ok();
    let pod: serde_json::Value = serde_json::from_str(&one).expect("json");
    assert_eq!(
        pod["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"],
        "app"
    );
    assert_eq!(pod["status"]["qosClass"], "BestEffort");
}

#[test]
fn get_other_resource_types() {
    let out = kubectl(&["get", "deploy,svc"]).ok();
    assert_eq!(row(&out, "deployment.apps/nginx")[1..4], ["3/3", "3", "3"]);
    assert_eq!(row(&out, "deployment.apps/api")[1..4], ["1/2", "2", "1"]);
    assert_eq!(
        row(&out, "service/frontend")[1..5],
        [
            "LoadBalancer",
            "10.96.78.90",
            "<pending>",
            "80:31380/TCP,443:31443/TCP"
        ]
    );
    assert_eq!(
        row(&out, "service/api")[1..5],
        ["NodePort", "10.96.45.67", "<none>", "8080:30080/TCP"]
    );
    assert_eq!(row(&out, "service/api-headless")[2], "None");

    let nodes = kubectl(&["get", "nodes"]).ok();
    assert_eq!(
        row(&nodes, names::CONTROL_PLANE_NODE)[1..],
        ["Ready", "control-plane", "40d", "v1.37.0"]
    );
    assert_eq!(
        row(&nodes, names::WORKER_NODE)[1..3],
        ["NotReady", "<none>"]
    );
    let namespaces = kubectl(&["get", "ns"]).ok();
    assert_eq!(row(&namespaces, "monitoring")[1..], ["Active", "8d"]);
    assert_eq!(row(&namespaces, "kube-system")[1..], ["Active", "40d"]);

    let events = kubectl(&["get", "events"]).ok();
    let header: Vec<&str> = events
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    let backoff = format!("pod/{}", names::CRASHLOOP_POD);
    assert!(
        events
            .lines()
            .any(|l| l.contains("Warning") && l.contains("BackOff") && l.contains(&backoff)),
        "{events}"
    );
    assert!(events.contains("Scaled up replica set nginx-7c5ddbdf54 from 0 to 3"));
}

fn header(table: &str) -> Vec<&str> {
    table
        .lines()
        .next()
        .unwrap_or("")
        .split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn every_served_type_lists_across_namespaces() {
    for (kind, columns) in [
        ("configmaps", &["NAMESPACE", "NAME", "DATA", "AGE"][..]),
        ("secrets", &["NAMESPACE", "NAME", "TYPE", "DATA", "AGE"]),
        (
            "persistentvolumeclaims",
            &[
                "NAMESPACE",
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
            ],
        ),
        (
            "replicasets",
            &["NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        ),
        ("statefulsets", &["NAMESPACE", "NAME", "READY", "AGE"]),
        (
            "daemonsets",
            &[
                "NAMESPACE",
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "NODE SELECTOR",
                "AGE",
            ],
        ),
        (
            "jobs",
            &[
                "NAMESPACE",
                "NAME",
                "STATUS",
                "COMPLETIONS",
                "DURATION",
                "AGE",
            ],
        ),
        (
            "cronjobs",
            &[
                "NAMESPACE",
                "NAME",
                "SCHEDULE",
                "TIMEZONE",
                "SUSPEND",
                "ACTIVE",
                "LAST SCHEDULE",
                "AGE",
            ],
        ),
        (
            "ingresses",
            &[
                "NAMESPACE",
                "NAME",
                "CLASS",
                "HOSTS",
                "ADDRESS",
                "PORTS",
                "AGE",
            ],
        ),
        ("leases", &["NAMESPACE", "NAME", "HOLDER", "AGE"]),
        ("customresourcedefinitions", &["NAME", "CREATED AT"]),
        (
            "widgets",
            &[
                "NAMESPACE",
                "NAME",
                "SIZE",
                "COLOR",
                "PHASE",
                "READY",
                "AGE",
            ],
        ),
    ] {
        let out = kubectl(&["get", kind, "-A"]).ok();
        assert_eq!(header(&out), columns, "{kind}:\n{out}");
        assert!(out.lines().count() > 1, "{kind} has no rows");
    }

    let out = kubectl(&["get", "cm", "-n", "kube-system"]).ok();
    assert_eq!(row(&out, "kube-proxy")[1..], ["2", "40d"]);
    let out = kubectl(&["get", "secrets"]).ok();
    assert_eq!(
        row(&out, "registry-credentials")[1..],
        ["kubernetes.io/dockerconfigjson", "1", "12d"]
    );
    assert_eq!(row(&out, "feature-toggles")[1..], ["Opaque", "0", "25m"]);
    let out = kubectl(&["get", "pvc", "-A"]).ok();
    assert_eq!(row(&out, "default")[1..3], ["backup-2025", "Terminating"]);
    assert_eq!(
        row(&out, "monitoring")[1..],
        ["grafana-storage", "Pending", "fast-ssd", "<unset>", "11h"]
    );
    let out = kubectl(&["get", "sts", "cache"]).ok();
    assert_eq!(row(&out, "cache")[1..], ["0/1", "25m"]);
    let out = kubectl(&["get", "ds", "-n", "kube-system", "-o", "wide"]).ok();
    assert_eq!(
        row(&out, "kube-proxy")[1..],
        [
            "2",
            "2",
            "1",
            "2",
            "1",
            "kubernetes.io/os=linux",
            "40d",
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.37.0",
            "k8s-app=kube-proxy"
        ]
    );
    let out = kubectl(&["get", "jobs", "-A"]).ok();
    let job = |name: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no job {name} in\n{out}"))
    };
    assert_eq!(job("report-29384710"), ["Complete", "1/1", "97s", "9h"]);
    assert_eq!(job("db-migrate"), ["Failed", "0/1", "3h", "3h"]);
    assert_eq!(
        job("backfill-metrics"),
        ["Running", "0/1", "of", "3", "25m", "25m"]
    );
    let out = kubectl(&["get", "cj", "-A"]).ok();
    assert_eq!(
        row(&out, "kube-system")[1..],
        [
            "etcd-defrag",
            "30",
            "2",
            "*",
            "*",
            "0",
            "Europe/Berlin",
            "True",
            "0",
            "<none>",
            "12d"
        ]
    );
    let out = kubectl(&["get", "ing"]).ok();
    assert_eq!(
        row(&out, "docs")[1..],
        [
            "nginx",
            "docs.example.com,help.example.com,guides.example.com",
            "+",
            "1",
            "more...",
            "203.0.113.10,203.0.113.11",
            "80,",
            "443",
            "12d"
        ]
    );
    let out = kubectl(&["get", "crd"]).ok();
    assert!(
        row(&out, "widgets.example.com")[1].ends_with('Z'),
        "CREATED AT is RFC 3339:\n{out}"
    );
}

#[test]
fn the_custom_resource_prints_its_own_columns() {
    let out = kubectl(&["get", "wdg", "-o", "wide"]).ok();
    assert_eq!(
        header(&out),
        [
            "NAME", "SIZE", "COLOR", "PHASE", "READY", "AGE", "OWNER", "LOAD"
        ]
    );
    assert_eq!(
        row(&out, "gizmo")[1..],
        ["3", "blue", "Ready", "true", "2d", "team-shop", "0.75"]
    );
    // No status yet: the missing values are empty cells.
    assert_eq!(row(&out, "doohickey")[1..], ["1", "25m"]);
    let out = kubectl(&[
        "get",
        "Widget.example.com",
        "-n",
        "monitoring",
        "-o",
        "name",
    ])
    .ok();
    assert_eq!(out, "widget.example.com/dial\n");
    let crd = kubectl(&["get", "crd", "widgets.example.com", "-o", "json"]).ok();
    let crd: serde_json::Value = serde_json::from_str(&crd).expect("json");
    assert_eq!(
        crd["spec"]["versions"][0]["additionalPrinterColumns"][0]["jsonPath"],
        ".spec.size"
    );
    assert_eq!(crd["status"]["acceptedNames"]["shortNames"][0], "wdg");
    let resources = kubectl(&["api-resources", "--api-group", "example.com"]).ok();
    assert_eq!(
        row(&resources, "widgets")[1..],
        ["wdg", "example.com/v1", "true", "Widget"]
    );
}

#[test]
fn chunked_get_pages_through_the_same_rows() {
    let whole = kubectl(&["get", "pods", "-A"]).ok();
    let chunked = kubectl(&["get", "pods", "-A", "--chunk-size=2"]).ok();
    assert_eq!(chunked, whole);
    let requests = shared().emulator.requests();
    let pages = requests
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/pods?") && r.contains("limit=2"))
        .count();
    assert!(pages >= 11, "expected paginated requests, saw {requests:?}");
    assert!(
        requests
            .iter()
            .any(|r| r.contains("limit=2") && r.contains("continue="))
    );
}

#[test]
fn describe_shows_containers_conditions_and_events() {
    let pod = kubectl(&["describe", "pod", names::CRASHLOOP_POD]).ok();
    for needle in [
        "Controlled By:  ReplicaSet/api-5f8d9c7b6d",
        "Containers:\n  api:",
        "Reason:       CrashLoopBackOff",
        "Last State:     Terminated",
        "Exit Code:    1",
        "Restart Count:  7",
        "QoS Class:       Burstable",
        "Events:",
        "(x143 over 10h)",
        "Back-off restarting failed container api",
    ] {
        assert!(pod.contains(needle), "{needle:?} missing from\n{pod}");
    }
    let deployment = kubectl(&["describe", "deployment", "nginx"]).ok();
    assert!(
        deployment.contains("3 desired | 3 updated | 3 total | 3 available | 0 unavailable"),
        "{deployment}"
    );
    assert!(
        deployment.contains("NewReplicaSet:   nginx-7c5ddbdf54 (3/3 replicas created)"),
        "{deployment}"
    );
    assert!(deployment.contains("ScalingReplicaSet"));
    let node = kubectl(&["describe", "node", names::WORKER_NODE]).ok();
    for needle in [
        "node.kubernetes.io/unreachable:NoExecute",
        "Non-terminated Pods:",
        "NodeNotReady",
        "Kubelet stopped posting node status.",
        "HolderIdentity:  worker-1",
    ] {
        assert!(node.contains(needle), "{needle:?} missing from\n{node}");
    }
    let service = kubectl(&["describe", "service", "frontend"]).ok();
    assert!(
        service.contains("LoadBalancer")
            && service.contains("31380/TCP")
            && service.contains("app=frontend"),
        "{service}"
    );
}

#[test]
fn logs_choose_containers_tail_previous_and_timestamps() {
    let nginx = kubectl(&["logs", names::NGINX_POD]).ok();
    assert!(nginx.contains("héllo wörld ✓"), "{nginx}");
    assert_eq!(nginx.lines().count(), 5);
    assert!(
        kubectl(&["logs", names::MULTI_POD])
            .ok()
            .starts_with("app ready on :3000\n"),
        "default container"
    );
    assert!(
        kubectl(&["logs", "-c", "sidecar", names::MULTI_POD])
            .ok()
            .starts_with("tailing /logs/app.log\n")
    );
    assert_eq!(
        kubectl(&["logs", "--tail=2", names::NGINX_POD])
            .ok()
            .lines()
            .count(),
        2
    );
    assert!(
        kubectl(&["logs", "-p", names::CRASHLOOP_POD])
            .ok()
            .contains("panic: runtime error")
    );
    let stamped = kubectl(&["logs", "--timestamps", names::API_POD]).ok();
    assert!(
        stamped
            .lines()
            .all(|l| l.len() > 31 && &l[10..11] == "T" && &l[29..31] == "Z "),
        "{stamped}"
    );

    let run = kubectl(&["logs", "-p", names::MULTI_POD]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("previous terminated container \"app\" in pod \"multi\" not found"),
        "{}",
        run.stderr
    );
}

#[test]
fn errors_read_as_against_a_real_cluster() {
    let run = kubectl(&["get", "pod", "nope"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("Error from server (NotFound): pods \"nope\" not found"),
        "{}",
        run.stderr
    );

    let run = kubectl(&["--context", "bad-token", "get", "pods"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("error: You must be logged in to the server (Unauthorized)"),
        "{}",
        run.stderr
    );

    let run = kubectl(&["--context", "forbidden", "get", "pods"]);
    assert_eq!(run.code, Some(1));
    let expected = "Error from server (Forbidden): pods is forbidden: User \"forbidden\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"";
    assert!(run.stderr.contains(expected), "{}", run.stderr);

    let system = kubectl(&["--context", "emulator-kube-system", "get", "pods"]).ok();
    assert!(system.contains("coredns-787d4945fb-lm2xk") && !system.contains(names::MULTI_POD));
}

#[test]
fn version_reports_the_server() {
    let out = kubectl(&["version"]).ok();
    assert!(
        out.contains(&format!("Server Version: {SERVER_VERSION}")),
        "{out}"
    );
    assert!(out.contains("Client Version: v1."), "{out}");
}
