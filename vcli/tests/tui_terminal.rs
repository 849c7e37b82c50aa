//! The stock binary's TUI in a real terminal (tmux), against the Kubernetes
//! emulator and a real Prometheus, driven with keys as a person would: the
//! first frame, tabs, a filter, a palette command and its output, and a
//! quit that exits 0 with the terminal back in its normal mode; and the
//! Prometheus screens with the pod lens beside the Kubernetes view.
#![cfg(all(feature = "k8s", feature = "prom"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vcli_k8s_emulator::{Emulator, Fixtures};

#[path = "support/prometheus.rs"]
mod prometheus;
use prometheus::Prometheus;

/// How long a screen may take to show what the test waits for: generous,
/// because CI builds are debug builds on two shared cores.
const PATIENCE: Duration = Duration::from_secs(30);

/// What the shell does once vcli has exited: print its exit code and
/// whether the terminal is back in canonical mode with echo (raw mode would
/// show `-icanon -echo`), then keep the pane open to be read.
const AFTER_EXIT: &str = " ; echo EXIT=$? ; stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' ' ; echo ; sleep 600";

/// A tmux server of the test's own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
    /// The session keys go to and screens come from.
    session: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        // `-u`: UTF-8 whatever the locale says, so box-drawing characters
        // come back as they were drawn.
        // No user configuration either: the server is the test's own.
        let out = Command::new("tmux")
            .args(["-f", "/dev/null"])
            .arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("these tests need tmux (apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `shell` in a new session of `width` x `height` with the test's
    /// environment, and sends keys to it from now on.
    fn open(&mut self, session: &str, (width, height): (u16, u16), env: &[String], shell: &str) {
        let (width, height) = (width.to_string(), height.to_string());
        let mut args = vec![
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            &width,
            "-y",
            &height,
        ];
        for var in env {
            args.extend(["-e", var.as_str()]);
        }
        args.extend(["-e", "TERM=xterm-256color", "sh", "-c", shell]);
        self.run(&args);
        self.session = session.to_owned();
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn literal(&self, text: &str) {
        self.run(&["send-keys", "-t", &self.session, "-l", text]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Waits until the screen shows `text`, and returns the screen.
    fn wait_for(&self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the screen never showed {text:?}; it shows:\n{screen}"
            );
            // A terminal has nothing to await: look again shortly.
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen no longer shows `text`.
    fn wait_until_gone(&self, text: &str) {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the screen still shows {text:?}:\n{screen}"
            );
            // A terminal has nothing to await: look again shortly.
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vcli-tui-terminal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cockpit_in_a_real_terminal() {
    let dir = temp_dir();
    let emulator = Emulator::start(Fixtures::standard()).await.unwrap();
    let kubeconfig = emulator.write_kubeconfig(&dir).unwrap();
    let prometheus = Prometheus::start(&dir);
    prometheus.wait_until_scraped();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[plugins.prometheus.config]\nurl = \"{}\"\n",
            prometheus.url
        ),
    )
    .unwrap();
    let dir_for_shell = dir.clone();
    tokio::task::spawn_blocking(move || drive(&dir_for_shell, &kubeconfig, &config))
        .await
        .unwrap();
    drop(prometheus);
    let _ = std::fs::remove_dir_all(dir);
}

fn drive(dir: &Path, kubeconfig: &Path, config: &Path) {
    let mut tmux = Tmux {
        socket: format!("vcli-test-{}", std::process::id()),
        session: "tui".to_owned(),
    };
    // `vcli` alone, at a terminal, opens the cockpit.
    let shell = format!("{}{AFTER_EXIT}", env!("CARGO_BIN_EXE_vcli"));
    let env = [
        format!("KUBECONFIG={}", kubeconfig.display()),
        format!("VCLI_CONFIG={}", config.display()),
        format!("VCLI_STATE_DIR={}", dir.join("state").display()),
        format!("VCLI_CACHE_DIR={}", dir.join("cache").display()),
    ];
    tmux.open("tui", (120, 32), &env, &shell);

    // The first frame: tabs, then the pods once the watch answered.
    tmux.wait_for("1 Kubernetes │ 2 Prometheus │ 3 Plugins │ 4 Events");
    let screen = tmux.wait_for("nginx-");
    assert!(screen.contains("● live"), "{screen}");

    // Prometheus tab: its target, scraped for real.
    tmux.keys(&["2"]);
    tmux.wait_for("Targets 1/1 up");

    // Plugins tab, filtered down to one plugin.
    tmux.keys(&["3"]);
    tmux.wait_for("prometheus");
    tmux.keys(&["/"]);
    tmux.literal("kube");
    let screen = tmux.wait_for("/kube");
    assert!(screen.contains("kubernetes"), "{screen}");
    assert!(
        !screen.contains("›prometheus") && !screen.contains(" prometheus "),
        "{screen}"
    );
    tmux.keys(&["Enter"]);

    // A palette command with completion; its output in a tab of its own.
    tmux.keys(&[":"]);
    tmux.literal("k8s ge");
    tmux.keys(&["Tab"]);
    tmux.wait_for(":k8s get ");
    tmux.literal("pods -n kube-system");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("coredns-");
    assert!(
        screen.contains(":k8s get pods -n kube-system  done"),
        "{screen}"
    );

    // Help opens and Esc closes it. ("this help" is also a footer hint:
    // the overlay is known by its box.) A key sent right after Escape
    // could be read with it as Alt-key, so its closing is awaited first.
    tmux.keys(&["?"]);
    tmux.wait_for("close this");
    tmux.keys(&["Escape"]);
    tmux.wait_until_gone("close this");

    // Quit: exit 0, the terminal back to normal.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    let modes = tmux.wait_for("icanon");
    assert!(
        modes.contains("icanon echo"),
        "terminal left in raw mode:\n{modes}"
    );
    assert!(
        !modes.contains("3 Plugins"),
        "the alternate screen was not left:\n{modes}"
    );

    // A SIGTERM from elsewhere (a closed window, `kill`) quits the same way.
    // A second session, made while the first still holds the server up (a
    // server whose last session was killed may still be exiting).
    let pid_file = dir.join("vcli.pid");
    let shell = format!(
        "sh -c 'echo $$ > {}; exec {}'{AFTER_EXIT}",
        pid_file.display(),
        env!("CARGO_BIN_EXE_vcli")
    );
    tmux.open("term", (100, 30), &env, &shell);
    tmux.wait_for("3 Plugins");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    let screen = tmux.wait_for("icanon");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("icanon echo"),
        "terminal left in raw mode:\n{screen}"
    );
}

#[test]
fn without_a_terminal_the_tui_says_what_to_use_instead() {
    let out = Command::new(env!("CARGO_BIN_EXE_vcli"))
        .arg("tui")
        .env("VCLI_CONFIG", "/dev/null")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: vcli tui needs a terminal on stdin and stdout; in scripts and pipes use the commands (`vcli k8s get pods`, `vcli prom query up`)\n"
    );
}

/// The Prometheus view and the pod lens at 80x24, against a Prometheus
/// scraping the emulator's pod metrics with an alert about one pod: the
/// alerts screen lists it, Enter on it shows the pod in the Kubernetes view
/// with the lens beside it (its memory and the alert), and a bad query in
/// the editor is answered in words.
#[tokio::test(flavor = "multi_thread")]
async fn the_prometheus_screens_and_the_pod_lens_in_a_real_terminal() {
    use vcli_k8s_emulator::{MetricsExporter, memory_bytes, names};

    // A directory of its own: the other session's test removes its own
    // when it ends, whenever that is.
    let dir = std::env::temp_dir().join(format!("vcli-tui-prometheus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let emulator = Emulator::start(Fixtures::standard()).await.unwrap();
    let exporter = MetricsExporter::start(emulator.state().clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let kubeconfig = emulator.write_kubeconfig(&dir).unwrap();
    let pod = names::NGINX_POD;
    let memory = memory_bytes("default", pod, "nginx");
    let rules = format!(
        "groups:\n  - name: pods\n    rules:\n      - alert: PodMemoryHigh\n        \
         expr: sum by (namespace, pod) (container_memory_working_set_bytes{{pod=\"{pod}\"}}) > {}\n        \
         for: 0s\n",
        memory - 1024.0 * 1024.0
    );
    let target = exporter.addr().to_string();
    let prometheus =
        Prometheus::start_with(&dir, &[("k8s-emulator", target.as_str())], Some(&rules));
    // The rule has evaluated and fired before the cockpit opens.
    prometheus.wait_until_answer("/api/v1/alerts", "\"state\":\"firing\"");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[plugins.prometheus.config]\nurl = \"{}\"\nrefresh = \"1s\"\n",
            prometheus.url
        ),
    )
    .unwrap();
    let mib = format!("{:.1} MiB", memory / 1024.0 / 1024.0);
    let dir_for_shell = dir.clone();
    tokio::task::spawn_blocking(move || {
        let tmux = Tmux {
            socket: format!("vcli-prom-test-{}", std::process::id()),
            session: String::new(),
        };
        drive_prometheus(tmux, &dir_for_shell, &kubeconfig, &config, pod, &mib);
    })
    .await
    .unwrap();
    drop(prometheus);
    drop(exporter);
    let _ = std::fs::remove_dir_all(dir);
}

fn drive_prometheus(
    mut tmux: Tmux,
    dir: &Path,
    kubeconfig: &Path,
    config: &Path,
    pod: &str,
    mib: &str,
) {
    let shell = format!("{}{AFTER_EXIT}", env!("CARGO_BIN_EXE_vcli"));
    let env = [
        format!("KUBECONFIG={}", kubeconfig.display()),
        format!("VCLI_CONFIG={}", config.display()),
        format!("VCLI_STATE_DIR={}", dir.join("state").display()),
    ];
    tmux.open("prom", (80, 24), &env, &shell);
    tmux.wait_for("nginx-");
    tmux.keys(&["2"]);
    tmux.wait_for("a Alerts 1 firing");
    tmux.keys(&["a"]);
    tmux.wait_for("PodMemoryHigh");
    tmux.keys(&["j"]);
    tmux.keys(&["Enter"]);
    // The Kubernetes view, the pod selected, and the lens beside it.
    let screen = tmux.wait_for(mib);
    assert!(
        screen.contains(&format!("Prometheus · Pod default/{pod}")),
        "{screen}"
    );
    tmux.wait_for("firing  PodMemoryHigh");
    // A bad expression is answered in words under the editor.
    tmux.keys(&["2"]);
    tmux.keys(&["e"]);
    tmux.keys(&["i"]);
    tmux.keys(&["C-u"]);
    tmux.literal("sum(up))");
    tmux.keys(&["Enter"]);
    tmux.wait_for("! bad query:");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
}
