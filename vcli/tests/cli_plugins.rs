//! The stock `vcli` binary with its first-party plugins, driven as an
//! operator drives it: against the Kubernetes API emulator through a
//! generated kubeconfig, and against a real (or absent) Prometheus. They
//! need the binary built with both plugins (the default features).
#![cfg(all(feature = "k8s", feature = "prom"))]

use std::path::PathBuf;
use std::process::Command;

use vcli_k8s_emulator::{Emulator, Fixtures, names};

fn vcli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vcli"));
    // No user configuration or state leaks into the tests.
    cmd.env("VCLI_CONFIG", "/dev/null")
        .env("VCLI_STATE_DIR", state_dir())
        .env("VCLI_CACHE_DIR", state_dir().join("cache"))
        .env_remove("KUBECONFIG");
    cmd
}

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("vcli-cli-plugins-{}", std::process::id()))
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("vcli runs");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn emulator() -> (Emulator, PathBuf) {
    let emulator = Emulator::start(Fixtures::standard()).await.unwrap();
    let dir = state_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = emulator.write_kubeconfig(&dir).unwrap();
    (emulator, kubeconfig)
}

#[test]
fn the_stock_binary_links_both_first_party_plugins() {
    let (code, out, _) = run(vcli().args(["plugins", "list", "--json"]));
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kubernetes", "prometheus"]);
    let (code, out, _) = run(vcli().arg("version"));
    assert_eq!(code, 0);
    assert!(
        out.contains("kubernetes 0.1.0 (vcli k8s)") && out.contains("prometheus 0.1.0 (vcli prom)"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn k8s_get_describe_and_logs_through_the_binary() {
    let (_emulator, kubeconfig) = emulator().await;
    let base = || {
        let mut cmd = vcli();
        cmd.arg("k8s").arg("--kubeconfig").arg(&kubeconfig);
        cmd
    };
    let (code, out, err) = run(base().args(["get", "pods"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("NAME "), "{out}");
    assert!(
        out.contains(names::CRASHLOOP_POD) && out.contains("CrashLoopBackOff"),
        "{out}"
    );

    let (code, out, _) = run(base().args(["describe", "pod", names::CRASHLOOP_POD]));
    assert_eq!(code, 0);
    assert!(out.contains("Events:") && out.contains("BackOff"), "{out}");

    let (code, out, _) = run(base().args(["logs", names::NGINX_POD, "--tail", "1"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn k8s_errors_read_like_kubectl_with_meaningful_exit_codes() {
    let (_emulator, kubeconfig) = emulator().await;
    let base = || {
        let mut cmd = vcli();
        cmd.arg("k8s").arg("--kubeconfig").arg(&kubeconfig);
        cmd
    };
    let (code, _, err) = run(base().args(["get", "pod", "nope"]));
    assert_eq!(
        (code, err.as_str()),
        (1, "Error from server (NotFound): pods \"nope\" not found\n")
    );
    let (code, _, err) = run(base().args(["--context", "bad-token", "get", "pods"]));
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: You must be logged in to the server (Unauthorized)\n"
        )
    );
    let (code, _, err) = run(base().args(["get", "gadgets"]));
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: the server doesn't have a resource type \"gadgets\"\n"
        )
    );
    let (code, _, err) = run(vcli().args([
        "k8s",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
        "get",
        "pods",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("/nonexistent/kubeconfig"),
        "says where it looked: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn k8s_refuses_hosts_outside_the_policy_scope() {
    let (_emulator, kubeconfig) = emulator().await;
    let dir = state_dir();
    let config = dir.join("scoped.toml");
    std::fs::write(
        &config,
        "[plugins.kubernetes.policy]\nnetwork_hosts = [\"kube.example.com\"]\n",
    )
    .unwrap();
    let (code, _, err) = run(vcli()
        .env("VCLI_CONFIG", &config)
        .arg("k8s")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "pods"]));
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "is outside the network scope; add it to plugins.kubernetes.policy.network_hosts"
        ),
        "{err}"
    );
    let (_, out, _) = run(vcli().args(["plugins", "violations", "kubernetes", "--json"]));
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|v| v["kind"] == "out-of-scope"),
        "{out}"
    );
}

#[test]
fn prom_reports_an_unreachable_server_and_exits_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (code, out, err) =
        run(vcli().args(["prom", "--url", &url, "--timeout", "2s", "query", "up"]));
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains(&format!("cannot reach Prometheus at {url}"))
            && err.contains("connection refused"),
        "{err}"
    );
    let (code, _, err) = run(vcli().args([
        "prom",
        "--url",
        &url,
        "range",
        "up",
        "--start",
        "yesterday-ish",
    ]));
    assert_eq!(code, 2, "a bad --start is a usage error: {err}");
    assert!(err.contains("--start"), "names the flag: {err}");
}
