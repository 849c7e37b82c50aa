//! The stock binary in a real pseudo-terminal, as an operator sees it: what
//! each command puts on the screen is exactly its output, with no stray line
//! (a log line, a warning from a library), and colour appears on a terminal
//! only without `NO_COLOR`. Tests that only ever redirect output hide all of
//! this. The terminal comes from util-linux's `script`.
#![cfg(all(feature = "k8s", feature = "prom"))]

use std::path::{Path, PathBuf};
use std::process::Command;

use vcli_k8s_emulator::{Emulator, Fixtures, names};

#[path = "support/prometheus.rs"]
mod prometheus;

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("vcli-terminal-{}", std::process::id()))
}

/// `vcli ARGS` with no user configuration, state or kubeconfig leaking in.
fn vcli(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vcli"));
    cmd.args(args)
        .env("VCLI_CONFIG", "/dev/null")
        .env("VCLI_STATE_DIR", state_dir())
        .env("VCLI_CACHE_DIR", state_dir().join("cache"))
        .env_remove("KUBECONFIG")
        .env_remove("VCLI_LOG")
        .env_remove("NO_COLOR");
    cmd
}

/// Quotes `word` for the shell `script` hands the command to.
fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Runs `vcli ARGS` on a pseudo-terminal; returns its exit code and what
/// appeared on the terminal (stdout and stderr, as on a screen).
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_vcli"))
        .chain(args.iter().copied())
        .map(quoted)
        .collect();
    let mut script = Command::new("script");
    script
        .args(["--quiet", "--return", "--command"])
        .arg(line.join(" "))
        .arg("/dev/null")
        .env("VCLI_CONFIG", "/dev/null")
        .env("VCLI_STATE_DIR", state_dir())
        .env("VCLI_CACHE_DIR", state_dir().join("cache"))
        .env_remove("KUBECONFIG")
        .env_remove("VCLI_LOG")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color");
    for (key, value) in env {
        script.env(key, value);
    }
    let out = script.output().expect("script (util-linux) runs");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// What a pipe receives, as a terminal shows it (`\n` becomes `\r\n`).
fn piped(args: &[&str]) -> (i32, String) {
    let out = vcli(args).output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    (out.status.code().unwrap(), text.replace('\n', "\r\n"))
}

async fn emulator(dir: &Path) -> (Emulator, String) {
    let emulator = Emulator::start(Fixtures::standard()).await.unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let kubeconfig = emulator.write_kubeconfig(dir).unwrap();
    (emulator, kubeconfig.display().to_string())
}

#[test]
fn host_commands_show_exactly_their_output() {
    for args in [&["version"][..], &["plugins", "list"]] {
        let (code, screen) = on_terminal(args, &[]);
        assert_eq!((code, screen), piped(args), "{args:?}");
    }
    // Asking for logs on a terminal colours them; it must not break the command.
    let (code, screen) = on_terminal(&["-vv", "version"], &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("vcli 0.1.0 (plugin API 1.0.0)"), "{screen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kubernetes_commands_show_exactly_their_output() {
    let (_emulator, kubeconfig) = emulator(&state_dir().join("k8s")).await;
    let get = ["k8s", "--kubeconfig", &kubeconfig, "get", "pods"];
    let logs = ["k8s", "--kubeconfig", &kubeconfig, "logs", names::NGINX_POD];
    for args in [&get[..], &logs[..]] {
        let screen = tokio::task::spawn_blocking({
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                (on_terminal(&args, &[]), piped(&args))
            }
        })
        .await
        .unwrap();
        let ((code, on_screen), (piped_code, piped_text)) = screen;
        assert_eq!(code, 0, "{args:?}: {on_screen}");
        assert!(!piped_text.is_empty(), "{args:?}");
        assert_eq!((code, on_screen), (piped_code, piped_text), "{args:?}");
    }
    // A note, on stderr, is all an empty namespace shows.
    let (code, screen) = tokio::task::spawn_blocking(move || {
        on_terminal(
            &[
                "k8s",
                "--kubeconfig",
                &kubeconfig,
                "get",
                "pods",
                "-n",
                "nothere",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        (code, screen.as_str()),
        (0, "No resources found in nothere namespace.\r\n")
    );
}

#[test]
fn a_prometheus_query_shows_exactly_its_output() {
    let dir = state_dir().join("prometheus");
    std::fs::create_dir_all(&dir).unwrap();
    let server = prometheus::Prometheus::start(&dir);
    server.wait_until_scraped();
    let args = ["prom", "--url", &server.url, "query", "up"];
    let (code, screen) = on_terminal(&args, &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.starts_with("NAME   INSTANCE"), "{screen}");
    assert_eq!((code, screen), piped(&args));
}

#[test]
fn an_error_is_one_line_and_nothing_else() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nothing listens there any more.
    let url = format!("http://127.0.0.1:{port}");
    let (code, screen) = on_terminal(&["prom", "--url", &url, "query", "up"], &[]);
    assert_eq!(code, 1);
    assert_eq!(
        screen,
        format!("error: cannot reach Prometheus at {url}: connection refused\r\n")
    );
}

#[test]
fn colour_on_a_terminal_and_none_with_no_color() {
    let (code, screen) = on_terminal(&["--help"], &[]);
    assert_eq!(code, 0);
    assert!(screen.contains('\u{1b}'), "help is coloured on a terminal");
    let (code, screen) = on_terminal(&["--help"], &[("NO_COLOR", "1")]);
    assert_eq!(code, 0);
    assert!(!screen.contains('\u{1b}'), "NO_COLOR: {screen:?}");
    assert!(screen.contains("Usage: vcli"), "{screen}");
}
