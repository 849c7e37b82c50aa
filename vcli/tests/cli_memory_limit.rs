//! A memory limit holds in the shipped binary: `get pods -A --sort-by` over
//! 50,000 pods under `memory = "100MiB"` is terminated with the violation
//! named, its peak resident memory stays within the limit plus the host's
//! own baseline, and `vcli plugins violations` lists it afterwards.
//!
//! Its own test binary: peak memory is read with `getrusage(RUSAGE_CHILDREN)`,
//! which covers every child this process has waited for, so nothing else
//! may spawn children here.
#![cfg(feature = "k8s")]
#![allow(
    unsafe_code,
    reason = "getrusage is the one way to read a finished child's peak resident memory"
)]

use std::path::PathBuf;
use std::process::Command;

use vcli_k8s_emulator::{Emulator, Fixtures};

const MIB: u64 = 1024 * 1024;

fn vcli(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vcli"));
    cmd.env("VCLI_CONFIG", "/dev/null")
        .env("VCLI_STATE_DIR", dir.join("state"))
        .env_remove("KUBECONFIG")
        .env_remove("VCLI_LOG");
    cmd
}

/// The largest peak resident set of any child waited for so far, in bytes.
fn children_peak_rss() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable `rusage`; RUSAGE_CHILDREN is a
    // valid `who`. getrusage only writes the struct.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage");
    // SAFETY: getrusage succeeded, so the struct is initialized.
    let kib = unsafe { usage.assume_init() }.ru_maxrss;
    u64::try_from(kib).unwrap_or(0) * 1024
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_over_its_memory_limit_is_terminated_within_it() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("vcli-memory-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // The host's own baseline: the same command on a small cluster, which
    // the children's peak so far then holds.
    let small = Emulator::start(Fixtures::standard()).await.unwrap();
    let small_config = small.write_kubeconfig(&dir.join("small")).unwrap();
    let out = vcli(&dir)
        .arg("k8s")
        .arg("--kubeconfig")
        .arg(&small_config)
        .args(["get", "pods", "-A", "--sort-by", ".metadata.name"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let baseline = children_peak_rss();

    let large = Emulator::start(Fixtures::standard().with_generated_pods(50_000))
        .await
        .unwrap();
    let kubeconfig = large.write_kubeconfig(&dir.join("large")).unwrap();
    let config = dir.join("limit.toml");
    std::fs::write(
        &config,
        "[plugins.kubernetes.limits]\nmemory = \"100MiB\"\n",
    )
    .unwrap();
    let out = vcli(&dir)
        .env("VCLI_CONFIG", &config)
        .arg("k8s")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "pods", "-A", "--sort-by", ".metadata.name"])
        .output()
        .unwrap();
    let peak = children_peak_rss();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(
            "error: plugin \"kubernetes\" was stopped while its command ran: terminated: memory "
        ) && err.contains("is over the hard limit of 100.0 MiB (plugins.kubernetes.limits.memory)"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "a sorted listing prints nothing until it has everything"
    );
    // The count includes each block's header but not the system allocator's
    // own few bytes per block, and the allocation that crosses the limit
    // completes (a growing vector doubles at once); a fifth of the limit
    // covers both.
    let allowed = 100 * MIB + baseline + 20 * MIB;
    assert!(
        peak <= allowed,
        "peak RSS {} MiB, baseline {} MiB, allowed {} MiB",
        peak / MIB,
        baseline / MIB,
        allowed / MIB
    );
    eprintln!(
        "peak RSS {} MiB (baseline {} MiB, limit 100 MiB)",
        peak / MIB,
        baseline / MIB
    );

    let out = vcli(&dir)
        .args(["plugins", "violations", "kubernetes", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let memory = list
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "budget" && v["resource"] == "memory")
        .unwrap_or_else(|| panic!("no memory violation in {list}"));
    assert!(
        memory["message"]
            .as_str()
            .unwrap()
            .contains("plugins.kubernetes.limits.memory"),
        "{memory}"
    );
}
