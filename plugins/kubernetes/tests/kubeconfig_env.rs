//! `$KUBECONFIG` with several files merged, and "no kubeconfig found" with
//! the places looked at. These need an environment of their own: editing
//! the environment of a running multi-threaded test process is unsound, so
//! the test re-runs this test binary as a child process with it set.

mod common;

use std::process::Command;
use std::sync::Arc;

use vcli_k8s_emulator::{Emulator, Fixtures, names};
use vcli_plugin_api::{
    Capability, DescribePlugin, HostServices, Plugin, PluginConfig, PluginContext,
};
use vcli_plugin_kubernetes::KubernetesPlugin;

const CHILD: &str = "VCLI_K8S_TEST_CHILD";

fn run_child(envs: &[(&str, &str)], remove: &[&str]) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "child",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(CHILD, "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    for k in remove {
        cmd.env_remove(k);
    }
    let out = cmd.output().expect("the test binary runs");
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_from_the_environment() {
    let emulator = Emulator::start(Fixtures::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let yaml = emulator.kubeconfig_yaml();
    let (clusters, users) = yaml.split_once("users:\n").expect("a users section");
    let first = dir.path().join("clusters.yaml");
    let second = dir.path().join("users.yaml");
    std::fs::write(&first, clusters).unwrap();
    std::fs::write(
        &second,
        format!("apiVersion: v1\nkind: Config\nusers:\n{users}"),
    )
    .unwrap();
    let missing = dir.path().join("missing.yaml");
    let list = std::env::join_paths([&first, &missing, &second]).unwrap();
    let list = list.to_str().unwrap().to_owned();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let home = home.to_str().unwrap().to_owned();

    let out = tokio::task::spawn_blocking({
        let (list, home) = (list.clone(), home.clone());
        move || {
            run_child(
                &[("KUBECONFIG", &list), ("HOME", &home)],
                &["KUBERNETES_SERVICE_HOST"],
            )
        }
    })
    .await
    .unwrap();
    assert!(
        out.contains(&format!("pod/{}", names::API_POD)),
        "merged files work:\n{out}"
    );
    assert!(
        out.contains("*         emulator "),
        "contexts from the merged files:\n{out}"
    );

    let out = tokio::task::spawn_blocking(move || {
        run_child(
            &[("HOME", &home)],
            &["KUBECONFIG", "KUBERNETES_SERVICE_HOST"],
        )
    })
    .await
    .unwrap();
    assert!(
        out.contains("ERR: no kubeconfig found; looked at $KUBECONFIG (not set), ")
            && out.contains("/home/.kube/config (does not exist), the in-cluster service account (KUBERNETES_SERVICE_HOST not set)"),
        "{out}"
    );
}

/// Runs in the child process only (see [`kubeconfig_from_the_environment`]).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by kubeconfig_from_the_environment in a child process"]
async fn child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let host = Arc::new(common::host());
    let ctx = PluginContext::new(
        "kubernetes",
        Capability::ALL.to_vec(),
        Default::default(),
        host as Arc<dyn HostServices>,
    );
    let plugin = KubernetesPlugin::create();
    plugin.initialize(ctx, PluginConfig::empty()).await.unwrap();
    for args in [&["get", "pods", "-o", "name"][..], &["contexts"]] {
        let captured = common::Capture::new();
        match common::run_with(&plugin, args, &captured).await {
            Ok(()) => println!("{}", captured.data()),
            Err(e) => println!("ERR: {e}"),
        }
    }
}
