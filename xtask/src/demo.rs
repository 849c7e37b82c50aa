//! `cargo xtask demo`: the cockpit on a fresh machine. Builds vcli and the
//! Kubernetes API emulator, starts the emulator with its pod metrics
//! exporter and (when installed) a Prometheus scraping it on free loopback
//! ports, with alert rules about the emulator's pods, points a temporary
//! config at them and opens the TUI; quitting stops everything it started.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A child process stopped when dropped, whatever way the demo ends.
pub(crate) struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the demo; `release` builds optimized binaries.
pub(crate) fn run(release: bool, pods: u32) -> Result<()> {
    let mut build = vec![
        "build",
        "--package",
        "vcli",
        "--package",
        "vcli-k8s-emulator",
    ];
    if release {
        build.push("--release");
    }
    crate::cargo(&build).context("cannot build vcli and the emulator")?;
    let bin = crate::bench::target_dir()?.join(if release { "release" } else { "debug" });
    let dir = std::env::temp_dir().join(format!("vcli-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = demo(&bin, &dir, pods);
    let _ = std::fs::remove_dir_all(&dir);
    let status = result?;
    if !status.success() {
        bail!("vcli exited with {status}");
    }
    Ok(())
}

fn demo(bin: &Path, dir: &Path, pods: u32) -> Result<ExitStatus> {
    let kubeconfig = dir.join("kubeconfig");
    let (_emulator, url, metrics) = spawn_emulator(bin, &kubeconfig, pods, true, &[])?;
    eprintln!("Kubernetes API emulator at {url}");
    let (_prometheus, prometheus_url) = match (which("prometheus"), metrics) {
        (Some(binary), Some(metrics)) => {
            eprintln!("pod metrics at http://{metrics}/metrics");
            let (child, url) = start_prometheus(&binary, dir, &metrics)?;
            eprintln!("Prometheus at {url}");
            (Some(child), url)
        }
        (Some(_), None) => bail!("the emulator did not say where its metrics are served"),
        (None, _) => {
            // Nothing listens there: the Prometheus tab says what is missing
            // and how to install it.
            eprintln!("no `prometheus` on PATH: the Prometheus tab will say how to get one");
            (None, format!("http://127.0.0.1:{}", free_port()?))
        }
    };
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "# Written by `cargo xtask demo`.\n[plugins.prometheus.config]\nurl = \"{prometheus_url}\"\nrefresh = \"5s\"\n\n[plugins.kubernetes.health]\ninitial_delay = \"2s\"\n"
        ),
    )?;
    Command::new(bin.join("vcli"))
        .arg("tui")
        .env("KUBECONFIG", &kubeconfig)
        .env("VCLI_CONFIG", &config)
        .env("VCLI_STATE_DIR", dir.join("state"))
        .env("VCLI_CACHE_DIR", dir.join("cache"))
        .status()
        .context("cannot run vcli")
}

/// Starts the emulator and waits for it to say where it listens.
pub(crate) fn start_emulator(bin: &Path, kubeconfig: &Path, pods: u32) -> Result<(Owned, String)> {
    let (owned, url, _) = spawn_emulator(bin, kubeconfig, pods, false, &[])?;
    Ok((owned, url))
}

/// The emulator with more flags of its own (e.g. `--chatty-rate 1000`).
pub(crate) fn start_emulator_with(
    bin: &Path,
    kubeconfig: &Path,
    pods: u32,
    extra: &[&str],
) -> Result<(Owned, String)> {
    let (owned, url, _) = spawn_emulator(bin, kubeconfig, pods, false, extra)?;
    Ok((owned, url))
}

/// Starts the emulator, with its pod metrics exporter when `metrics`, and
/// reads what it prints: its URL, then (when asked) the exporter's
/// `HOST:PORT` from its `metrics: http://HOST:PORT/metrics` line.
fn spawn_emulator(
    bin: &Path,
    kubeconfig: &Path,
    pods: u32,
    metrics: bool,
    extra: &[&str],
) -> Result<(Owned, String, Option<String>)> {
    let mut command = Command::new(bin.join("k8s-emulator"));
    command
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--pods")
        .arg(pods.to_string());
    if metrics {
        command.arg("--metrics-listen").arg("127.0.0.1:0");
    }
    command.args(extra);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the Kubernetes API emulator")?;
    let stdout = child.stdout.take().context("the emulator has no stdout")?;
    let owned = Owned(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .context("the emulator exited before it listened")??;
    let url = first
        .rsplit(' ')
        .next()
        .filter(|u| u.starts_with("http"))
        .with_context(|| format!("unexpected first line from the emulator: {first}"))?
        .to_owned();
    let mut exporter = None;
    if metrics {
        for line in lines.by_ref() {
            let line = line?;
            if let Some(address) = line
                .strip_prefix("metrics: http://")
                .and_then(|rest| rest.strip_suffix("/metrics"))
            {
                exporter = Some(address.to_owned());
                break;
            }
        }
    }
    // Its other lines are for people running it by hand; keep the pipe
    // drained so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((owned, url, exporter))
}

/// Alert rules about the emulator's pods: one that fires at once (the
/// nginx pod's 110 MiB working set is over 100 MiB) and one that stays
/// pending (the crash-looping pod's restarts, held for an hour), so the
/// alerts screen and the pod lens have something to show.
const DEMO_RULES: &str = "\
groups:
  - name: vcli-demo
    rules:
      - alert: PodMemoryHigh
        expr: sum by (namespace, pod) (container_memory_working_set_bytes{namespace=\"default\",pod=\"nginx-7c5ddbdf54-x8f9p\"}) > 100 * 1024 * 1024
        for: 0s
        labels:
          severity: warning
        annotations:
          summary: the nginx pod uses more than 100 MiB
      - alert: PodRestartingOften
        expr: sum by (namespace, pod) (kube_pod_container_status_restarts_total) > 5
        for: 1h
        labels:
          severity: info
      - record: namespace:container_memory_working_set_bytes:sum
        expr: sum by (namespace) (container_memory_working_set_bytes)
";

/// Starts Prometheus scraping itself and the emulator's pod metrics at
/// `metrics` (`HOST:PORT`) and evaluating [`DEMO_RULES`], and waits until
/// it is ready.
fn start_prometheus(binary: &Path, dir: &Path, metrics: &str) -> Result<(Owned, String)> {
    let port = free_port()?;
    let config = dir.join("prometheus.yml");
    std::fs::write(dir.join("rules.yml"), DEMO_RULES)?;
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\nrule_files: [rules.yml]\n\
             scrape_configs:\n  - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n  \
             - job_name: k8s-emulator\n    static_configs: [{{targets: ['{metrics}']}}]\n"
        ),
    )?;
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("prometheus").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start prometheus")?;
    let owned = Owned(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready(port) {
        if Instant::now() > deadline {
            bail!("Prometheus on port {port} was not ready within 30s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((owned, format!("http://127.0.0.1:{port}")))
}

/// Whether Prometheus answers `/-/ready` with 200.
fn ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = "GET /-/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.0 200")
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn which(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|p| p.is_file())
}
