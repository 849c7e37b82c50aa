//! A memory limit holds in the shipped binary: `get pods -A --sort-by -o json`
//! (which holds every object until it has them all) over 50,000 pods under
//! `memory = "100MiB"` is terminated with the violation
//! named, its peak resident memory stays within the limit plus the host's
//! own baseline, and `vcli plugins violations` lists it afterwards.
//!
//! Its own test binary: peak memory is read with `getrusage(RUSAGE_CHILDREN)`,
//! which covers every child this process has waited for, so nothing else
//! may spawn children here. A spawned child's peak also covers its parent's
//! memory up to the moment it executes vcli (it starts in the parent's
//! address space), so the 50,000-pod emulator runs in a process of its own
//! (this test binary again, running the ignored `serve_large_emulator`),
//! keeping this process small.
#![cfg(feature = "k8s")]
#![allow(
    unsafe_code,
    reason = "getrusage is the one way to read a finished child's peak resident memory"
)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

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
        .args([
            "get",
            "pods",
            "-A",
            "--sort-by",
            ".metadata.name",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let baseline = children_peak_rss();

    let kubeconfig = dir.join("large.kubeconfig");
    let mut large = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "serve_large_emulator",
            "--ignored",
            "--nocapture",
        ])
        .env(KUBECONFIG_OUT, &kubeconfig)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(large.stdout.take().unwrap()).lines();
    let ready = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line == READY);
    assert!(ready, "the emulator process never said it was ready");
    // Its test harness still reports when it ends: keep reading.
    let drain = std::thread::spawn(move || lines.for_each(drop));
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
        .args([
            "get",
            "pods",
            "-A",
            "--sort-by",
            ".metadata.name",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    // Read before the emulator's process is waited for, which would count it.
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
        .find(|v| v["kind"] == "budget")
        .unwrap_or_else(|| panic!("no budget violation in {list}"));
    let message = memory["message"].as_str().unwrap();
    assert!(
        message.starts_with("memory ")
            && message
                .ends_with("over the hard limit of 100.0 MiB (plugins.kubernetes.limits.memory)"),
        "{message}"
    );
    // Closing its stdin ends the emulator's process.
    drop(large.stdin.take());
    large.wait().unwrap();
    drain.join().unwrap();
}

/// Where `serve_large_emulator` writes its kubeconfig.
const KUBECONFIG_OUT: &str = "VCLI_TEST_KUBECONFIG_OUT";
/// The line `serve_large_emulator` prints once it serves.
const READY: &str = "vcli-test-emulator-ready";

#[test]
#[ignore = "a helper: serves 50,000 pods for the test above, in a process of its own"]
fn serve_large_emulator() {
    let Some(path) = std::env::var_os(KUBECONFIG_OUT) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let emulator = Emulator::start(Fixtures::standard().with_generated_pods(50_000))
            .await
            .unwrap();
        emulator.write_kubeconfig_to(path.as_ref()).unwrap();
        println!("{READY}");
        // Serve until the test closes stdin.
        tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
            .await
            .unwrap()
            .unwrap();
        drop(emulator);
    });
}
