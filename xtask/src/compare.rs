//! Whole-command comparisons run side by side in one session: `vcli prom
//! query` against `promtool query instant` on one real Prometheus, and `vcli
//! k8s get pods -A` against `kubectl get pods -A` on the API emulator with
//! 10,000 pods. Wall time by hyperfine, peak memory by GNU time.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

/// Kills a child process when dropped, so a failed benchmark leaves no server behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One side of a comparison: a name and an argv.
struct Side<'a> {
    name: &'a str,
    argv: Vec<String>,
}

/// Times both sides with hyperfine in one run, measures each one's peak RSS,
/// and prints the ratios.
fn compare(
    target: &Path,
    label: &str,
    ours: &Side<'_>,
    theirs: &Side<'_>,
    runs: u32,
) -> Result<()> {
    let export = target.join(format!("compare-{label}.json"));
    let runs = runs.to_string();
    let mut args = vec![
        "--shell=none",
        "--warmup",
        "3",
        "--runs",
        &runs,
        "--export-json",
    ];
    let export_str = crate::bench::path(&export)?;
    args.push(export_str);
    let commands: Vec<String> = [ours, theirs]
        .iter()
        .map(|s| shell_words(&s.argv))
        .collect();
    for (side, command) in [ours, theirs].iter().zip(&commands) {
        args.extend(["--command-name", side.name, command.as_str()]);
    }
    crate::bench::hyperfine(&args)?;
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&export)?)?;
    let mean = |i: usize| {
        report["results"][i]["mean"]
            .as_f64()
            .context("hyperfine reported no mean")
    };
    let (ours_s, theirs_s) = (mean(0)?, mean(1)?);
    let (ours_kb, theirs_kb) = (peak_rss_kb(&ours.argv)?, peak_rss_kb(&theirs.argv)?);
    println!(
        "{label}: {} {:.1} ms / {} {:.1} ms = {:.2}x wall time; peak RSS {} MiB / {} MiB = {:.2}x",
        ours.name,
        ours_s * 1e3,
        theirs.name,
        theirs_s * 1e3,
        ours_s / theirs_s,
        ours_kb / 1024,
        theirs_kb / 1024,
        ours_kb as f64 / theirs_kb as f64,
    );
    Ok(())
}

/// The largest peak resident set size over five runs, from GNU time.
fn peak_rss_kb(argv: &[String]) -> Result<u64> {
    let mut peak = 0;
    for _ in 0..5 {
        let output = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .args(argv)
            .stdout(Stdio::null())
            .output()
            .context("cannot run /usr/bin/time; install it with `apt-get install time`")?;
        ensure!(
            output.status.success(),
            "{} failed: {}",
            argv.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let kb: u64 = stderr
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .with_context(|| format!("GNU time printed no peak RSS: {stderr}"))?;
        peak = peak.max(kb);
    }
    Ok(peak)
}

fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.contains([' ', '\'', '"']) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `vcli prom query up` against `promtool query instant` on one server.
pub(crate) fn prometheus(target: &Path, vcli: &Path) -> Result<()> {
    let dir = target.join("bench-prometheus");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data"))?;
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    std::fs::write(
        dir.join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )?;
    let child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start prometheus; install it with `apt-get install prometheus`")?;
    let _server = Server(child);
    // Ready once `up` has a sample: the first scrape happened.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = Command::new("promtool")
            .args(["query", "instant", &url, "up"])
            .output()?;
        if out.status.success() && String::from_utf8_lossy(&out.stdout).contains("up{") {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "prometheus at {url} did not scrape itself within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let ours = Side {
        name: "vcli prom query",
        argv: strings(&[
            crate::bench::path(vcli)?,
            "prom",
            "--url",
            &url,
            "query",
            "up",
        ]),
    };
    let theirs = Side {
        name: "promtool query instant",
        argv: strings(&["promtool", "query", "instant", &url, "up"]),
    };
    compare(target, "prometheus", &ours, &theirs, 50)
}

/// `vcli k8s get pods -A` against `kubectl get pods -A` on 10,000 pods.
pub(crate) fn kubernetes(target: &Path, vcli: &Path, emulator: &Path) -> Result<()> {
    let kubeconfig = target.join("bench-emulator.kubeconfig");
    let mut child = Command::new(emulator)
        .args(["--pods", "10000", "--kubeconfig"])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start the Kubernetes API emulator")?;
    let stdout = child.stdout.take().context("no emulator stdout")?;
    let _server = Server(child);
    // The emulator prints its address and contexts once it is listening.
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(line) => {
                if line?.starts_with("contexts:") {
                    break;
                }
            }
            None => bail!("the emulator exited before it was ready"),
        }
    }
    // Keep the pipe open: the emulator prints again when it shuts down.
    let _stdout = lines;
    let kubectl = std::env::var("VCLI_KUBECTL").unwrap_or_else(|_| "kubectl".to_owned());
    let kc = kubeconfig
        .to_str()
        .context("kubeconfig path is not UTF-8")?
        .to_owned();
    let ours = Side {
        name: "vcli k8s get pods -A",
        argv: strings(&[
            crate::bench::path(vcli)?,
            "k8s",
            "--kubeconfig",
            &kc,
            "get",
            "pods",
            "-A",
        ]),
    };
    let theirs = Side {
        name: "kubectl get pods -A",
        argv: strings(&[&kubectl, "--kubeconfig", &kc, "get", "pods", "-A"]),
    };
    compare(target, "kubernetes", &ours, &theirs, 10)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The release binaries the comparisons run.
pub(crate) fn binaries(target: &Path) -> (PathBuf, PathBuf) {
    (
        target.join("release/vcli"),
        target.join("release/k8s-emulator"),
    )
}
