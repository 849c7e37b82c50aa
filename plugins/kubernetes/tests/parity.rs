//! Parity with the real kubectl on the same emulator: what vcli prints must
//! be what kubectl prints. kubectl is found through `VCLI_KUBECTL` or PATH;
//! these tests fail (they do not skip) when it is missing.

mod common;

use common::{Env, assert_same, kubectl_failure, run_kubectl};
use serde_json::Value;
use vcli_k8s_emulator::{Fixtures, names};
use vcli_plugin_api::PluginError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_across_all_namespaces() {
    let env = Env::standard().await;
    let ours = env.ok(&["get", "pods", "-A", "-o", "name"]).await;
    let theirs = run_kubectl(&env, &["get", "pods", "-A", "-o", "name"]);
    assert_same("get pods -A -o name", &ours, &theirs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_items() {
    let env = Env::standard().await;
    for args in [
        &["get", "pods", "-o", "json"][..],
        &["get", "pods", "-A", "-o", "json"],
        &["get", "svc", "-A", "-o", "json"],
        &["get", "nodes", "-o", "json"],
        &["get", "deploy", "-o", "json"],
    ] {
        let ours: Value = serde_json::from_str(&env.ok(args).await).unwrap();
        let theirs: Value = serde_json::from_str(&run_kubectl(&env, args)).unwrap();
        assert_eq!(ours["kind"], theirs["kind"], "{args:?}");
        assert_eq!(ours["apiVersion"], theirs["apiVersion"], "{args:?}");
        let (a, b) = (
            ours["items"].as_array().unwrap(),
            theirs["items"].as_array().unwrap(),
        );
        assert_eq!(a.len(), b.len(), "{args:?}");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x, y, "{args:?}: item {} differs", y["metadata"]["name"]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_text_is_byte_identical() {
    let env = Env::standard().await;
    for args in [
        &["get", "pods", "-o", "json"][..],
        &["get", "pod", "multi", "-o", "json"],
    ] {
        assert_same(
            &args.join(" "),
            &env.ok(args).await,
            &run_kubectl(&env, args),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_tables() {
    let env = Env::standard().await;
    for args in [
        &["get", "pods"][..],
        &["get", "pods", "-A"],
        &["get", "pods", "-A", "-o", "wide"],
        &["get", "pods", "-n", "kube-system", "--no-headers"],
        &["get", "pods", "-l", "tier=frontend"],
        &["get", "deployments"],
        &["get", "deployments", "-A", "-o", "wide"],
        &["get", "services", "-A"],
        &["get", "services", "-A", "-o", "wide"],
        &["get", "nodes"],
        &["get", "nodes", "-o", "wide"],
        &["get", "namespaces"],
        &["get", "events", "-A"],
        &["get", "events", "-n", "default", "-o", "wide"],
    ] {
        let ours = env.ok(args).await;
        let theirs = run_kubectl(&env, args);
        assert_same(&args.join(" "), &ours, &theirs);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_pods_table() {
    let env = Env::with(Fixtures::standard().with_generated_pods(10_000), "").await;
    let args = ["get", "pods", "-A"];
    let ours = env.ok(&args).await;
    let theirs = run_kubectl(&env, &args);
    assert_eq!(ours.lines().count(), 10_023);
    assert_same("get pods -A (10k)", &ours, &theirs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_tables_and_logs() {
    let env = Env::standard().await;
    for args in [
        &["get", "pods", "--sort-by", ".metadata.creationTimestamp"][..],
        &[
            "get",
            "pods",
            "-A",
            "--sort-by",
            "{.status.containerStatuses[0].restartCount}",
            "-o",
            "name",
        ],
        &["get", "pod", "multi", "init-pending"],
        &[
            "get",
            "pods",
            "-A",
            "--field-selector",
            "spec.nodeName=worker-1",
        ],
        &["logs", "multi"],
        &["logs", "multi", "--all-containers", "--prefix"],
        &["logs", "api-5f8d9c7b6d-q7w2n", "--previous"],
        &["logs", "-l", "app=nginx", "--tail", "2"],
    ] {
        let ours = env.ok(args).await;
        // vcli always prefixes lines from a selector's pods; kubectl needs --prefix.
        let kubectl_args: Vec<&str> = if args.contains(&"-l") {
            args.iter().copied().chain(["--prefix"]).collect()
        } else {
            args.to_vec()
        };
        let theirs = run_kubectl(&env, &kubectl_args);
        if args.contains(&"-l") {
            // kubectl reads a selector's pods in Go map order (random), so
            // only the lines, not the order of the pods, can be compared.
            let sorted = |t: &str| {
                let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
                lines.sort();
                lines.join("\n")
            };
            assert_same(&args.join(" "), &sorted(&ours), &sorted(&theirs));
        } else if args.contains(&"--all-containers") {
            // kubectl may print the containers in either order (seen here
            // both ways); each container's own lines keep their order, so
            // the lines are grouped by their `[pod/NAME/CONTAINER]` prefix
            // with a stable sort.
            let grouped = |t: &str| {
                let mut lines: Vec<&str> = t.lines().collect();
                lines.sort_by_key(|l| l.split_once(' ').map_or(*l, |(prefix, _)| prefix));
                lines.join("\n")
            };
            assert_same(&args.join(" "), &grouped(&ours), &grouped(&theirs));
        } else {
            assert_same(&args.join(" "), &ours, &theirs);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_matches() {
    let env = Env::standard().await;
    for args in [
        &["describe", "pod", "api-5f8d9c7b6d-q7w2n"][..],
        &["describe", "pod", "multi"],
        &["describe", "pod", "init-crashloop"],
        &["describe", "deployment", "nginx"],
        &["describe", "service", "nginx"],
        &["describe", "node", "worker-1"],
    ] {
        let ours = env.ok(args).await;
        let theirs = run_kubectl(&env, args);
        assert_same(&args.join(" "), &ours, &theirs);
    }
}

/// What the vcli host prints for `e`: server and connection errors as they
/// are, every other error after `error: `.
fn as_printed(e: &PluginError) -> String {
    match e {
        PluginError::Server { .. } | PluginError::Connection { .. } => e.to_string(),
        _ => format!("error: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_mistakes_fail_as_in_kubectl() {
    let env = Env::standard().await;
    for args in [
        &["logs", names::API_POD, "--tail", "-5"][..],
        &["logs", "-l", "app=api", "--tail", "-2"],
        &["logs", names::API_POD, "--since", "99999y"],
        &["logs", names::API_POD, "--since", "5"],
        &["logs", names::API_POD, "--since", "2562048h"],
        &["logs", names::API_POD, "--since", "-5s"],
        &["logs", names::API_POD, "--since", "1us"],
        &["logs", "nosuch"],
        &["logs", "pod/nosuch", "--tail", "-5"],
        &["logs", names::MULTI_POD, "-c", "nope"],
        &["logs", names::INIT_PENDING_POD, "-c", "nope"],
    ] {
        let e = env.err(args).await;
        let (code, stderr) = kubectl_failure(&env, args);
        // kubectl follows a flag's parse error with a line of help.
        let theirs = stderr.lines().next().unwrap_or_default();
        assert_eq!(
            (i32::from(e.exit_code()), as_printed(&e).as_str()),
            (code, theirs),
            "{args:?}"
        );
    }
}
