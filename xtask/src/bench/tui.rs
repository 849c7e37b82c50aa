//! `cargo xtask bench tui`: the cockpit as an operator starts it, in a
//! pseudo-terminal (util-linux `script`): time from launch to the first
//! frame, CPU while nothing changes, and resident memory after start-up,
//! with the Kubernetes emulator serving a few pods and then 10,000; with
//! 10,000, also kdash and kubetui side by side (`peers.rs`); then a minute
//! of log follow at 1,000 lines a second (`follow.rs`).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Launches timed for the first frame.
const LAUNCHES: usize = 20;
/// How long the idle CPU is measured.
const IDLE: Duration = Duration::from_secs(10);

pub(crate) fn run() -> Result<()> {
    super::build_vcli_and_emulator()?;
    let bin = super::target_dir()?.join("release");
    let dir = std::env::temp_dir().join(format!("vcli-bench-tui-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = (|| {
        // The baseline: the same pseudo-terminal showing a word at once.
        let baseline = median(
            &(0..LAUNCHES)
                .map(|_| first_output("printf Events", "Events"))
                .collect::<Result<Vec<_>>>()?,
        );
        println!(
            "tui: pty baseline (script + sh + printf): {:.1} ms",
            ms(baseline)
        );
        for pods in [0, 10_000] {
            measure(&bin, &dir, pods, baseline)?;
        }
        super::follow::run(&bin, &dir)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(bin: &Path, dir: &Path, pods: u32, baseline: Duration) -> Result<()> {
    let kubeconfig = dir.join(format!("kubeconfig-{pods}"));
    let (_emulator, _url) = crate::demo::start_emulator(bin, &kubeconfig, pods)?;
    let config = dir.join("config.toml");
    // Prometheus off: this measures the host and the Kubernetes view, which
    // watches every namespace, as kdash and k9s do with `-A`.
    std::fs::write(
        &config,
        "[plugins.prometheus]\nenabled = false\n[plugins.kubernetes.config]\nnamespace = \"*\"\n",
    )?;
    let command = format!(
        "KUBECONFIG={} VCLI_CONFIG={} VCLI_STATE_DIR={} exec {} tui",
        kubeconfig.display(),
        config.display(),
        dir.join("state").display(),
        bin.join("vcli").display()
    );
    let mut firsts = Vec::new();
    for _ in 0..LAUNCHES {
        firsts.push(first_output(&command, "Events")?);
    }
    let first = median(&firsts);
    // One long run: settle, then CPU over a quiet window and RSS.
    let mut session = Session::start(&command)?;
    session.wait_for("Events")?;
    // Settle: the watch lists 10,000 pods from a local emulator in well
    // under a second (the screen only receives changed cells, so the count
    // cannot be read off the stream reliably).
    std::thread::sleep(Duration::from_secs(8));
    let pid = session.vcli_pid()?;
    let before = cpu_ticks(pid)?;
    std::thread::sleep(IDLE);
    let after = cpu_ticks(pid)?;
    let rss = rss_kib(pid)?;
    session.quit()?;
    let ticks_per_sec = 100.0;
    let cpu = (after - before) as f64 / ticks_per_sec / IDLE.as_secs_f64() * 100.0;
    if pods > 0 {
        let listed = Command::new(bin.join("vcli"))
            .args(["k8s", "--kubeconfig"])
            .arg(&kubeconfig)
            .args(["get", "pods", "-A", "-o", "name"])
            .env("VCLI_CONFIG", &config)
            .output()
            .context("cannot count the pods with vcli")?;
        let count = String::from_utf8_lossy(&listed.stdout).lines().count();
        super::peers::run(
            &super::target_dir()?,
            &bin.join("vcli"),
            dir,
            &kubeconfig,
            &config,
            count,
        )?;
    }
    println!(
        "tui, {pods} extra pods: first frame median {:.1} ms ({:.1} ms over the pty baseline; target 100 ms), idle CPU {:.2}% of a core over {}s (target < 1%), RSS after start-up {:.1} MiB",
        ms(first),
        ms(first.saturating_sub(baseline)),
        cpu,
        IDLE.as_secs(),
        rss as f64 / 1024.0
    );
    Ok(())
}

/// A command running in `script`'s pseudo-terminal of 200x50.
struct Session {
    child: Child,
    output: mpsc::Receiver<Vec<u8>>,
    seen: Vec<u8>,
    started: Instant,
}

impl Session {
    fn start(command: &str) -> Result<Session> {
        let mut child = Command::new("script")
            .args(["--quiet", "--flush", "--command"])
            .arg(format!("stty rows 50 cols 200; {command}"))
            .arg("/dev/null")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run script (util-linux)")?;
        let started = Instant::now();
        let mut stdout = child.stdout.take().context("no stdout")?;
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Ok(Session {
            child,
            output,
            seen: Vec::new(),
            started,
        })
    }

    fn wait_for(&mut self, text: &str) -> Result<Duration> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !String::from_utf8_lossy(&self.seen).contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.extend_from_slice(&bytes),
                Err(_) => bail!("no {text:?} on the screen within 30 s"),
            }
        }
        Ok(self.started.elapsed())
    }

    /// The program `script` runs (its only child).
    fn vcli_pid(&self) -> Result<u32> {
        let pid = self.child.id();
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))?;
        children
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
            .context("script has no child")
    }

    fn quit(mut self) -> Result<()> {
        if let Some(stdin) = self.child.stdin.as_mut() {
            stdin.write_all(b"q")?;
        }
        let status = self.child.wait()?;
        if !status.success() {
            bail!("vcli tui exited with {status}");
        }
        Ok(())
    }
}

/// Launch to the first appearance of `marker`, then quit.
fn first_output(command: &str, marker: &str) -> Result<Duration> {
    let mut session = Session::start(command)?;
    let first = session.wait_for(marker)?;
    if command.contains(" tui") {
        session.quit()?;
    } else {
        session.child.wait()?;
    }
    Ok(first)
}

/// utime + stime of `pid`, in clock ticks.
pub(super) fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').context("malformed stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("no utime")?.parse()?;
    let stime: u64 = fields.get(12).context("no stime")?.parse()?;
    Ok(utime + stime)
}

pub(super) fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
