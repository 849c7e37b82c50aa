//! Test harness: a real Prometheus on a free loopback port, and the plugin
//! on the API's test host (`vcli_plugin_api::testing`), which grants the
//! network and meters it.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub(crate) use vcli_plugin_api::testing::{Capture, Harness, TestHost};
use vcli_plugin_api::{DescribePlugin, OutputStyle, Plugin, PluginError};
use vcli_plugin_prometheus::PrometheusPlugin;

/// How long the server may take to start, scrape and fire its alert.
const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

const RULES: &str = "\
groups:
  - name: vcli-test
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: AlwaysFiring
        expr: vector(1)
        for: 0s
        labels:
          severity: page
        annotations:
          summary: always firing, for the tests
";

/// A Prometheus server owned by the tests.
#[derive(Debug)]
pub(crate) struct Prometheus {
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    pub(crate) port: u16,
    /// The address of the target that is always down.
    pub(crate) down_target: String,
    /// The watchdog shell; see [`Prometheus::start`].
    watchdog: Child,
    stdin: Option<ChildStdin>,
    log: PathBuf,
}

/// A loopback port nothing listens on (bound, read, released).
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener.local_addr().expect("local address").port()
}

/// The path of `binary` on `PATH`, or a panic that says how to install it.
pub(crate) fn require(binary: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("`{binary}` is not on PATH: these tests need a real Prometheus (apt-get install prometheus, which brings promtool)")
        })
}

impl Prometheus {
    /// Starts a server scraping itself and a closed port, with a recording
    /// rule and an alert that fires at once, and waits until it has scraped
    /// both targets, recorded the rule and fired the alert.
    ///
    /// The server runs under a tiny shell watchdog that holds a pipe from
    /// this process: when the pipe closes (on drop, or when the test process
    /// exits, even killed) it stops the server and removes its directory. A
    /// shared server lives in a `static`, which Rust never drops, so this is
    /// what makes it go away with the test binary.
    pub(crate) fn start() -> Prometheus {
        let server = Prometheus::launch(&[], RULES);
        server.wait_until("both targets scraped", |p| {
            p.get("/api/v1/targets").is_some_and(|(_, body)| {
                body.contains(r#""health":"down""#) && body.contains(r#""health":"up""#)
            })
        });
        server.wait_until("AlwaysFiring firing", |p| {
            p.get("/api/v1/alerts")
                .is_some_and(|(_, body)| body.contains(r#""state":"firing""#))
        });
        server.wait_until(
            "the recording rule for both jobs and both `up` series",
            |p| {
                let recorded = p
                    .get("/api/v1/query?query=job:up:sum")
                    .is_some_and(|(_, b)| {
                        b.contains(r#""job":"down""#) && b.contains(r#""job":"prometheus""#)
                    });
                let both = p
                    .get("/api/v1/query?query=count(up)")
                    .is_some_and(|(_, b)| b.contains(r#","2"]"#));
                recorded && both
            },
        );
        server
    }

    /// Starts a server (under the watchdog described at [`Prometheus::start`])
    /// scraping itself, a closed port and each of `extra` (`(job,
    /// "HOST:PORT")`) every second, evaluating `rules` every second, and
    /// waits until it is ready (not until it has scraped anything).
    pub(crate) fn launch(extra: &[(&str, &str)], rules: &str) -> Prometheus {
        let binary = require("prometheus");
        let dir = tempfile::Builder::new()
            .prefix("vcli-prom-test-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let port = free_port();
        let down_target = format!("127.0.0.1:{}", free_port());
        let mut config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n\
             scrape_configs:\n  - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n  \
             - job_name: down\n    static_configs: [{{targets: ['{down_target}']}}]\n"
        );
        for (job, target) in extra {
            config.push_str(&format!(
                "  - job_name: {job}\n    static_configs: [{{targets: ['{target}']}}]\n"
            ));
        }
        std::fs::write(dir.join("prometheus.yml"), config).expect("write prometheus.yml");
        std::fs::write(dir.join("rules.yml"), rules).expect("write rules.yml");
        let log = dir.join("prometheus.log");
        let script = r#"dir=$1; shift
"$@" >"$dir/prometheus.log" 2>&1 </dev/null &
pid=$!
read -r _
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir""#;
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(&dir)
            .arg(binary)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-lifecycle")
            .stdin(Stdio::piped())
            .spawn()
            .expect("start the prometheus watchdog shell");
        let stdin = watchdog.stdin.take();
        let server = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            port,
            down_target,
            watchdog,
            stdin,
            log,
        };
        server.wait_until("ready", |p| {
            p.get("/-/ready").is_some_and(|(code, _)| code == 200)
        });
        server
    }

    /// The server shared by every test of this binary.
    pub(crate) fn shared() -> &'static Prometheus {
        static SERVER: OnceLock<Prometheus> = OnceLock::new();
        SERVER.get_or_init(Prometheus::start)
    }

    /// Polls `condition` until it holds, panicking with the server log at the deadline.
    pub(crate) fn wait_until(&self, what: &str, condition: impl Fn(&Prometheus) -> bool) {
        let started = Instant::now();
        while !condition(self) {
            if started.elapsed() > STARTUP_DEADLINE {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!(
                    "Prometheus on port {} never got to `{what}` within {STARTUP_DEADLINE:?}; its log:\n{log}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A plain HTTP/1.0 GET, enough for polling: `(status, body)`.
    pub(crate) fn get(&self, path: &str) -> Option<(u16, String)> {
        http_get(self.port, path)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        // Closing the pipe tells the watchdog to stop the server and clean up.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.watchdog.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

/// `GET path` over HTTP/1.0 on loopback.
pub(crate) fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = text.split_once("\r\n\r\n")?;
    Some((status, body.to_owned()))
}

/// Runs `promtool` with `args`, returning stdout; panics with stderr on failure.
pub(crate) fn promtool(args: &[&str]) -> String {
    let output = Command::new(require("promtool"))
        .args(args)
        .output()
        .expect("run promtool");
    assert!(
        output.status.success(),
        "promtool {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("promtool prints UTF-8")
}

/// The API's test host with the network granted: real connections,
/// authorized and counted by its meter.
pub(crate) fn host() -> TestHost {
    TestHost::builder().network().build()
}

/// A plugin initialized with the configuration table `config` (TOML), on
/// a [`host`] granting the network, with the capabilities it declares.
pub(crate) async fn plugin(config: &str) -> Harness<PrometheusPlugin> {
    Harness::on_host(host(), config, PrometheusPlugin::METADATA.capabilities)
        .await
        .expect("initialize the plugin")
}

/// A plugin pointed at `url` by its configuration.
pub(crate) async fn plugin_for(url: &str) -> Harness<PrometheusPlugin> {
    plugin(&format!("url = \"{url}\"\ntimeout = \"10s\"\n")).await
}

/// Runs `vcli prom ARGS...` and returns the result and everything written.
pub(crate) async fn run(
    plugin: &PrometheusPlugin,
    args: &[&str],
) -> (Result<(), PluginError>, String) {
    run_styled(plugin, args, OutputStyle::PLAIN).await
}

/// [`run`] with a given output style (colour, width).
pub(crate) async fn run_styled(
    plugin: &PrometheusPlugin,
    args: &[&str],
    style: OutputStyle,
) -> (Result<(), PluginError>, String) {
    let command = PrometheusPlugin::command().expect("the plugin has a command");
    let matches = command
        .try_get_matches_from(std::iter::once("prom").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("bad test arguments {args:?}: {e}"));
    let capture = Capture::new();
    let result = plugin
        .run_command(&matches, &mut capture.output_styled(style))
        .await;
    (result, capture.data())
}

/// Runs a command that must succeed, returning its output.
pub(crate) async fn ok(plugin: &PrometheusPlugin, args: &[&str]) -> String {
    let (result, text) = run(plugin, args).await;
    if let Err(e) = result {
        panic!("`prom {}` failed: {e}\noutput:\n{text}", args.join(" "));
    }
    text
}

/// Runs a command that must fail, returning the error.
pub(crate) async fn fails(plugin: &PrometheusPlugin, args: &[&str]) -> PluginError {
    match run(plugin, args).await {
        (Err(e), _) => e,
        (Ok(()), text) => panic!("`prom {}` succeeded unexpectedly:\n{text}", args.join(" ")),
    }
}
