//! `get` on every resource type the emulator serves, custom resource included, and the
//! output options kubectl has for them (`-o jsonpath`, `-o custom-columns`,
//! `--show-labels`, `-L`), against the real kubectl on the same emulator: stdout byte for
//! byte, and what kubectl writes to stderr on vcli's notes. kubectl is found through
//! `VCLI_KUBECTL` or PATH; these tests fail (they do not skip) when it is missing.

mod common;

use common::{Env, assert_same, run_kubectl_noted};

/// Runs each case in vcli and kubectl and compares stdout, and the notes with stderr.
async fn same(env: &Env, cases: &[&[&str]]) {
    for args in cases {
        let (ours, notes) = env.ok_noted(args).await;
        let (theirs, stderr) = run_kubectl_noted(env, args);
        let what = args.join(" ");
        assert_same(&what, &ours, &theirs);
        assert_eq!(notes, stderr, "{what}: notes");
    }
}

/// Every type the emulator serves, in its namespace, across all of them, wide and by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_served_type() {
    let env = Env::standard().await;
    let types = [
        "pods",
        "services",
        "namespaces",
        "nodes",
        "events",
        "configmaps",
        "secrets",
        "persistentvolumeclaims",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "ingresses",
        "leases",
        "customresourcedefinitions",
        "widgets",
    ];
    for kind in types {
        same(
            &env,
            &[
                &["get", kind],
                &["get", kind, "-A"],
                &["get", kind, "-A", "-o", "wide"],
                &["get", kind, "-A", "-o", "name"],
                &["get", kind, "-A", "--no-headers"],
            ],
        )
        .await;
    }
}

/// Short names, singular names, kinds and group-qualified forms resolve as in kubectl.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn type_names_resolve_through_discovery() {
    let env = Env::standard().await;
    same(
        &env,
        &[
            &["get", "cm"],
            &["get", "secret", "-n", "kube-system"],
            &["get", "pvc", "-A"],
            &["get", "rs", "-n", "kube-system"],
            &["get", "sts", "-A"],
            &["get", "ds", "-A"],
            &["get", "job"],
            &["get", "cj", "-A"],
            &["get", "ing"],
            &["get", "lease", "-n", "kube-node-lease"],
            &["get", "crd"],
            &["get", "crds"],
            &["get", "wdg"],
            &["get", "Widget"],
            &["get", "widgets.example.com", "-A"],
            &["get", "Widget.v1.example.com", "-n", "monitoring"],
            &["get", "wdg.example", "-o", "name"],
            &["get", "Deployment.apps"],
            &["get", "deploy.app"],
            &["get", "deployments.v1.apps", "-A"],
            &["get", "jobs.batch", "-A"],
            &["get", "CustomResourceDefinition"],
            &["get", "ConfigMap", "-n", "kube-public"],
            &["get", "PODS", "-n", "kube-system"],
        ],
    )
    .await;
}

/// Objects by name, with `TYPE/NAME` too, and cluster-scoped ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_objects() {
    let env = Env::standard().await;
    same(
        &env,
        &[
            &["get", "cm", "nginx-conf", "api-settings"],
            &["get", "crd", "widgets.example.com"],
            &["get", "crd/widgets.example.com", "-o", "name"],
            &["get", "widget", "gizmo", "-o", "wide"],
            &["get", "widget", "sprocket", "gizmo", "-o", "wide"],
            &[
                "get",
                "widget",
                "gizmo",
                "sprocket",
                "-o",
                "wide",
                "--no-headers",
            ],
            &["get", "jobs/db-migrate"],
            &["get", "secret", "nginx-tls", "-o", "json"],
            &["get", "wdg", "sprocket", "-o", "json"],
            &["get", "pvc", "data-cache-0", "-o", "name"],
        ],
    )
    .await;
}

/// `-o json` lists of the new types are byte-identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lists() {
    let env = Env::standard().await;
    same(
        &env,
        &[
            &["get", "cm", "-A", "-o", "json"],
            &["get", "sts", "-A", "-o", "json"],
            &["get", "cj", "-A", "-o", "json"],
            &["get", "wdg", "-A", "-o", "json"],
            &["get", "crd", "-o", "json"],
        ],
    )
    .await;
}

/// Sorting, selectors, chunks and empty answers (the note on stderr) on the new types.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sorting_selectors_and_empty_lists() {
    let env = Env::standard().await;
    same(
        &env,
        &[
            &["get", "cm", "-A", "--sort-by", ".metadata.name"],
            &["get", "wdg", "-A", "--sort-by", "{.spec.size}"],
            &[
                "get",
                "wdg",
                "-A",
                "--sort-by",
                ".status.load",
                "-o",
                "wide",
            ],
            &[
                "get",
                "jobs",
                "-A",
                "--sort-by",
                ".metadata.creationTimestamp",
            ],
            &["get", "pvc", "-A", "-l", "app=cache"],
            &["get", "secrets", "-A", "--field-selector", "type=Opaque"],
            &["get", "cm", "-A", "--chunk-size", "3"],
            &["get", "secrets", "-n", "kube-public"],
            &["get", "wdg", "-n", "kube-system"],
            &["get", "crd", "-l", "x=y"],
            &["get", "wdg", "-l", "x=y", "-o", "name"],
        ],
    )
    .await;
}

/// `-o jsonpath=...`: kubectl's template language, on lists and single objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonpath() {
    let env = Env::standard().await;
    same(
        &env,
        &[
            &["get", "pods", "-o", "jsonpath={.items[*].metadata.name}"],
            &["get", "pods", "-A", "-o", "jsonpath={.items[0].metadata.labels}"],
            &[
                "get",
                "pods",
                "-o",
                r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}"#,
            ],
            &[
                "get",
                "pods",
                "-A",
                "-o",
                r#"jsonpath={.items[?(@.status.phase=="Running")].metadata.name}"#,
            ],
            &[
                "get",
                "pods",
                "-o",
                r#"jsonpath={range .items[*]}{.metadata.name}:{range .spec.containers[*]} {.name}={.image}{end}{"\n"}{end}"#,
            ],
            &[
                "get",
                "pods",
                "-o",
                "jsonpath={.items[-1:].metadata.name} {.items[0:2].metadata.name}",
            ],
            &["get", "pod", "multi", "-o", "jsonpath={.spec.containers[*].name}"],
            &["get", "pod", "multi", "-o", "jsonpath={.metadata}"],
            &["get", "pod", "multi", "-o", "jsonpath={@.kind}/{$.metadata.name}"],
            &["get", "pods", "-o", "jsonpath={.kind} {.metadata} {.apiVersion}"],
            &["get", "deploy", "-A", "-o", "jsonpath={.items[*].spec.replicas}"],
            &["get", "wdg", "-A", "-o", "jsonpath={.items[*].status.load}"],
            &["get", "wdg", "-A", "-o", "jsonpath={.items[*].status.ready}"],
            &[
                "get",
                "wdg",
                "-A",
                "-o",
                r#"jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} size={.spec.size} color={.spec.color}{"\n"}{end}"#,
            ],
            &[
                "get",
                "wdg",
                "-A",
                "-o",
                "jsonpath={.items[?(@.spec.size>2)].metadata.name}",
            ],
            &[
                "get",
                "nodes",
                "-o",
                r#"jsonpath={range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}"#,
            ],
            &["get", "secrets", "-o", "jsonpath={.items[*].data}"],
            &["get", "crd", "-o", "jsonpath={.items[0].spec.versions[0].additionalPrinterColumns[*].name}"],
            &["get", "pods", "-o", "jsonpath={.items[*].nothing.here}"],
            &["get", "pods", "-l", "app=nothing", "-o", "jsonpath={.items}"],
            &["get", "pods", "-o", "jsonpath-as-json={.items[*].metadata.name}"],
            &["get", "pod", "multi", "-o", "jsonpath=plain text"],
            &["get", "pods", "-o", "jsonpath={.items[*].metadata.labels.app}"],
            &["get", "pods", "-o", "jsonpath={range .items[*]}{@.metadata.name};{end}"],
            &[
                "get",
                "pods",
                "-A",
                "-o",
                "jsonpath={.items[?(@.metadata.labels.tier)].metadata.name}",
            ],
            &["get", "pods", "-o", "jsonpath={.items[*]['metadata.name']}"],
            &["get", "pods", "-o", "jsonpath={.items[1:3].metadata.name}"],
            &["get", "pods", "-o", "jsonpath={.items[0:6:2].metadata.name}"],
            &[
                "get",
                "pods",
                "-o",
                "jsonpath={.items[0].spec.containers[0]['name','image']}",
            ],
            &[
                "get",
                "pods",
                "-o",
                "jsonpath={.items[*].status.containerStatuses[0].restartCount}",
            ],
            &[
                "get",
                "pods",
                "-o",
                "jsonpath={.items[*].spec.terminationGracePeriodSeconds}",
            ],
            &["get", "pods", "-o", "jsonpath={.items[0].spec.containers}"],
            &[
                "get",
                "pods",
                "-A",
                "-o",
                r#"jsonpath={range .items[?(@.status.phase!="Running")]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}"#,
            ],
            &["get", "wdg", "gizmo", "-o", "jsonpath={.status}"],
            &["get", "wdg", "doohickey", "-o", "jsonpath={.status.phase}"],
        ],
    )
    .await;
}

/// `-o custom-columns=...`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_columns() {
    let env = Env::standard().await;
    same(
        &env,
        &[
            &[
                "get",
                "pods",
                "-A",
                "-o",
                "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IMAGES:.spec.containers[*].image",
            ],
            &[
                "get",
                "pods",
                "-o",
                "custom-columns=NAME:metadata.name,LABELS:{.metadata.labels},RESTARTS:.status.containerStatuses[*].restartCount",
            ],
            &[
                "get",
                "wdg",
                "-A",
                "-o",
                "custom-columns=NAME:.metadata.name,SIZE:.spec.size,LOAD:.status.load,READY:.status.ready,OWNER:.spec.owner",
            ],
            &[
                "get",
                "wdg",
                "-A",
                "--no-headers",
                "-o",
                "custom-columns=N:.metadata.name,S:.spec.size",
            ],
            &[
                "get",
                "deploy",
                "-A",
                "--sort-by",
                ".spec.replicas",
                "-o",
                "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas",
            ],
            &[
                "get",
                "crd",
                "widgets.example.com",
                "-o",
                "custom-columns=GROUP:.spec.group,KIND:.spec.names.kind,SHORT:.spec.names.shortNames",
            ],
            &[
                "get",
                "ing",
                "-A",
                "-o",
                "custom-columns=NAME:.metadata.name,HOSTS:.spec.rules[*].host,TLS:.spec.tls[*].secretName",
            ],
            &["get", "cm", "-A", "-o", "custom-columns=NAME:.metadata.name"],
            &[
                "get",
                "pods",
                "-l",
                "app=nothing",
                "-o",
                "custom-columns=NAME:.metadata.name",
            ],
        ],
    )
    .await;
}

/// `--show-labels` and `-L` (repeated and comma-separated).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_columns() {
    let env = Env::standard().await;
    same(
        &env,
        &[
            &["get", "pods", "--show-labels"],
            &["get", "pods", "-A", "-o", "wide", "--show-labels"],
            &["get", "pods", "-L", "app", "-L", "tier"],
            &["get", "pods", "-A", "-L", "app,tier,missing"],
            &[
                "get",
                "wdg",
                "-A",
                "-L",
                "app.kubernetes.io/part-of",
                "--show-labels",
            ],
            &["get", "crd", "--show-labels"],
            &[
                "get",
                "ns",
                "--label-columns",
                "kubernetes.io/metadata.name",
            ],
            &["get", "nodes", "-L", "kubernetes.io/arch", "--show-labels"],
        ],
    )
    .await;
}

/// What kubectl refuses, vcli refuses with the same first line and exit code (kubectl
/// follows a failed template with a dump of the Go object, which vcli leaves out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals() {
    let env = Env::standard().await;
    for args in [
        &["get", "gadgets"][..],
        &["get", "gadgets.example.com"],
        &["get", "CM"],
        &["get", "pods", "-o", "table"],
        &["get", "pods", "-o", "jsonpath"],
        &["get", "pods", "-o", "jsonpath={.items"],
        &["get", "pods", "-o", "jsonpath={.items[0}"],
        &["get", "pods", "-o", "jsonpath={end}"],
        &["get", "pods", "-o", "jsonpath={.items[99]}"],
        &["get", "pods", "-o", "custom-columns"],
        &["get", "pods", "-o", "custom-columns=NAME"],
        &["get", "pods", "-o", "name", "--show-labels"],
        &["get", "pods", "-o", "jsonpath={.kind}", "--show-labels"],
    ] {
        let e = env.err(args).await;
        let (code, stderr) = common::kubectl_failure(&env, args);
        let ours = format!("error: {e}");
        let theirs = stderr.lines().next().unwrap_or_default();
        assert_eq!(i32::from(e.exit_code()), code, "{args:?}: {ours}");
        assert!(
            theirs.starts_with(&ours),
            "{args:?}\nvcli:    {ours}\nkubectl: {theirs}"
        );
    }
}
