//! The stock binary keeps Kubernetes API discovery in the cache directory the
//! host sets aside for the plugin, so a second `get` of a resource type asks
//! the server for the objects only; and a policy that refuses files runs the
//! plugin without the cache instead of refusing it.
#![cfg(feature = "k8s")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vcli_k8s_emulator::{Emulator, Fixtures};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vcli-discovery-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn get(dir: &Path, kubeconfig: &Path, config: &str, resource: &str) -> Output {
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vcli"))
        .args(["k8s", "--kubeconfig"])
        .arg(kubeconfig)
        .args(["get", resource, "-A", "-o", "name"])
        .env("VCLI_CONFIG", &config_path)
        .env("VCLI_STATE_DIR", dir.join("state"))
        .env("VCLI_CACHE_DIR", dir.join("cache"))
        .env_remove("KUBECONFIG")
        .env_remove("VCLI_LOG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// How many discovery requests (`/api`, `/apis`, group versions) the emulator served.
fn discovery_requests(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| {
            let path = r.split_whitespace().nth(1).unwrap_or("");
            let path = path.split('?').next().unwrap_or("");
            path == "/api"
                || path == "/apis"
                || path == "/api/v1"
                || path.matches('/').count() == 3 && path.starts_with("/apis/")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_is_cached_under_the_plugin_cache_dir() {
    let emulator = Emulator::start(Fixtures::standard()).await.unwrap();
    let dir = scratch("cached");
    let kubeconfig = emulator.write_kubeconfig(&dir).unwrap();

    let first = get(&dir, &kubeconfig, "", "leases");
    let after_first = discovery_requests(&emulator);
    assert!(after_first > 0, "the first get discovers");
    let cached: Vec<_> = std::fs::read_dir(dir.join("cache/plugins/kubernetes/discovery"))
        .expect("the discovery cache directory exists")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].ends_with(".json"), "{cached:?}");

    let second = get(&dir, &kubeconfig, "", "leases");
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(
        discovery_requests(&emulator),
        after_first,
        "the second get reads discovery from the cache"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_refusing_files_runs_the_plugin_without_a_cache() {
    let emulator = Emulator::start(Fixtures::standard()).await.unwrap();
    let dir = scratch("denied");
    let kubeconfig = emulator.write_kubeconfig(&dir).unwrap();
    let config = "[plugins.kubernetes.policy]\ndeny = [\"filesystem\"]\n";

    get(&dir, &kubeconfig, config, "leases");
    let after_first = discovery_requests(&emulator);
    get(&dir, &kubeconfig, config, "leases");
    assert!(
        discovery_requests(&emulator) > after_first,
        "without files every get discovers"
    );
    assert!(!dir.join("cache/plugins/kubernetes").exists());
}
