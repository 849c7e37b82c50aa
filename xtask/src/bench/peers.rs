//! `cargo xtask bench tui`, side by side: vcli, kdash and kubetui, one after
//! the other in one run on the same emulator with 10,000 pods, each in a tmux
//! pane of 200x50 as an operator opens it: the time until the pod count is on
//! the screen, the resident memory after 30 s, and the CPU over the 10 s that
//! follow, when nothing changes in the cluster.
//!
//! The peers are installed from crates.io by this benchmark, into the target
//! directory (never by CI), at the versions the comparison was first made with.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The peers and the versions compared against.
const PEERS: [(&str, &str); 2] = [("kdash", "2.1.1"), ("kubetui", "1.14.0")];
/// When resident memory is read, from launch.
const SETTLE: Duration = Duration::from_secs(30);
/// The quiet window over which CPU is measured, after [`SETTLE`].
const IDLE: Duration = Duration::from_secs(10);

/// One tool's numbers.
struct Measured {
    name: String,
    until_count: Duration,
    rss_kib: u64,
    idle_cpu: f64,
}

/// Installs the peers (once) and returns the directory of their binaries.
fn install(target: &Path) -> Result<PathBuf> {
    let root = target.join("bench-tools");
    for (name, version) in PEERS {
        if root.join("bin").join(name).exists() {
            continue;
        }
        println!("tui: installing {name} {version} from crates.io for the comparison (once)");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .args(["install", "--locked", "--quiet", "--root"])
            .arg(&root)
            .arg(format!("{name}@{version}"))
            .status()
            .with_context(|| format!("cannot run cargo install {name}"))?;
        if !status.success() {
            bail!("cargo install {name}@{version} failed with {status}");
        }
    }
    Ok(root.join("bin"))
}

/// Runs the comparison: `vcli` is the release binary, `kubeconfig` points at
/// the emulator, `config` is vcli's config watching every namespace, `pods`
/// is how many pods the cluster has in all.
pub(crate) fn run(
    target: &Path,
    vcli: &Path,
    dir: &Path,
    kubeconfig: &Path,
    config: &Path,
    pods: usize,
) -> Result<()> {
    let bin = install(target)?;
    let env = format!("KUBECONFIG={} TERM=xterm-256color", kubeconfig.display());
    let count = pods.to_string();
    // Each tool shows the count its own way; the marker is what it prints
    // once every pod is listed.
    let tools = [
        (
            "vcli",
            format!(
                "{env} VCLI_CONFIG={} VCLI_STATE_DIR={} exec {} tui",
                config.display(),
                dir.join("state").display(),
                vcli.display()
            ),
            format!("Pods {count} "),
        ),
        (
            "kdash 2.1.1",
            format!("{env} exec {}", bin.join("kdash").display()),
            format!("Pods [{count}]"),
        ),
        (
            "kubetui 1.14.0",
            format!(
                "{env} exec {} --all-namespaces",
                bin.join("kubetui").display()
            ),
            format!("/{count}]"),
        ),
    ];
    let mut results = Vec::new();
    for (name, command, marker) in &tools {
        results.push(measure(name, command, marker)?);
    }
    let vcli = &results[0];
    println!(
        "\n| tool, {pods} pods | until the pod count shows | RSS after {}s | CPU idle, {}s |",
        SETTLE.as_secs(),
        IDLE.as_secs()
    );
    println!("| --- | ---: | ---: | ---: |");
    for r in &results {
        println!(
            "| {} | {:.0} ms | {:.1} MiB ({:.2}x vcli) | {:.2}% of a core |",
            r.name,
            r.until_count.as_secs_f64() * 1e3,
            r.rss_kib as f64 / 1024.0,
            r.rss_kib as f64 / vcli.rss_kib as f64,
            r.idle_cpu
        );
    }
    Ok(())
}

fn measure(name: &str, command: &str, marker: &str) -> Result<Measured> {
    let pane = Pane::open(command)?;
    let started = Instant::now();
    let until_count = loop {
        if pane.screen()?.contains(marker) {
            break started.elapsed();
        }
        if started.elapsed() > SETTLE {
            bail!(
                "{name}: {marker:?} not on the screen within {}s; the screen:\n{}",
                SETTLE.as_secs(),
                pane.screen()?
            );
        }
        // tmux is asked again: there is no event to await for a redraw
        // of another program's screen.
        std::thread::sleep(Duration::from_millis(5));
    };
    let pid = pane.pid()?;
    std::thread::sleep(SETTLE.saturating_sub(started.elapsed()));
    let rss_kib = super::tui::rss_kib(pid)?;
    let before = super::tui::cpu_ticks(pid)?;
    std::thread::sleep(IDLE);
    let after = super::tui::cpu_ticks(pid)?;
    let ticks_per_sec = 100.0;
    let idle_cpu = (after - before) as f64 / ticks_per_sec / IDLE.as_secs_f64() * 100.0;
    println!(
        "tui, side by side: {name}: pod count after {:.0} ms, RSS {:.1} MiB, idle CPU {idle_cpu:.2}%",
        until_count.as_secs_f64() * 1e3,
        rss_kib as f64 / 1024.0
    );
    Ok(Measured {
        name: name.to_owned(),
        until_count,
        rss_kib,
        idle_cpu,
    })
}

/// A tmux server of its own with one 200x50 pane running a command; the
/// server (and so the command) ends when this is dropped.
pub(super) struct Pane {
    socket: String,
}

impl Pane {
    pub(super) fn open(command: &str) -> Result<Pane> {
        // A socket of its own per pane: the previous pane's server may still
        // be exiting, and a new session on its socket fails with "server
        // exited unexpectedly".
        static PANES: AtomicUsize = AtomicUsize::new(0);
        let pane = Pane {
            socket: format!(
                "vcli-bench-{}-{}",
                std::process::id(),
                PANES.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let status = pane
            .tmux()
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "50",
            ])
            .arg(command)
            .status()
            .context("cannot run tmux")?;
        if !status.success() {
            bail!("tmux new-session failed with {status}");
        }
        Ok(pane)
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket]);
        cmd
    }

    /// Types `keys` (tmux key names, e.g. `Enter`), one send-keys each, so
    /// that Escape is never read together with the next key as Alt-key.
    pub(super) fn keys(&self, keys: &[&str]) -> Result<()> {
        for key in keys {
            let status = self.tmux().args(["send-keys", key]).status()?;
            if !status.success() {
                bail!("tmux send-keys {key} failed with {status}");
            }
        }
        Ok(())
    }

    /// Waits (up to 30 s) until `text` is on the screen.
    pub(super) fn wait_for(&self, text: &str) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen()?;
            if screen.contains(text) {
                return Ok(screen);
            }
            if Instant::now() > deadline {
                bail!("{text:?} not on the screen within 30 s; the screen:\n{screen}");
            }
            // Another program's screen: there is no event to await.
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub(super) fn screen(&self) -> Result<String> {
        let out = self.tmux().args(["capture-pane", "-p"]).output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The command's process (the pane's, since the command is `exec`ed).
    pub(super) fn pid(&self) -> Result<u32> {
        let out = self
            .tmux()
            .args(["display-message", "-p", "#{pane_pid}"])
            .output()?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .context("tmux gave no pane pid")
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}
