//! `cargo xtask demo`: the cockpit on a fresh machine. Builds vcli and the
//! Kubernetes API emulator, starts the emulator and (when installed) a
//! Prometheus on free loopback ports, points a temporary config at them
//! and opens the TUI; quitting stops everything it started.

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
    let (_emulator, url) = start_emulator(bin, &kubeconfig, pods)?;
    eprintln!("Kubernetes API emulator at {url}");
    let (_prometheus, prometheus_url) = match which("prometheus") {
        Some(binary) => {
            let (child, url) = start_prometheus(&binary, dir)?;
            eprintln!("Prometheus at {url}");
            (Some(child), url)
        }
        None => {
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
            "# Written by `cargo xtask demo`.\n[plugins.prometheus.config]\nurl = \"{prometheus_url}\"\n\n[plugins.kubernetes.health]\ninitial_delay = \"2s\"\n"
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
    let mut child = Command::new(bin.join("k8s-emulator"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--pods")
        .arg(pods.to_string())
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
    // Its other lines are for people running it by hand; keep the pipe
    // drained so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((owned, url))
}

/// Starts Prometheus scraping itself, and waits until it is ready.
fn start_prometheus(binary: &Path, dir: &Path) -> Result<(Owned, String)> {
    let port = free_port()?;
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
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
