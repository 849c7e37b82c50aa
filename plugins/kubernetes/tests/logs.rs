//! `vcli k8s logs` against the emulator: containers, flags, selectors,
//! follow, and the bounded buffer's drop marker.

mod common;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use common::{Capture, Env, run_with};
use vcli_k8s_emulator::names;
use vcli_plugin_api::{DescribePlugin, Output, OutputStyle, Plugin, PluginError};
use vcli_plugin_kubernetes::KubernetesPlugin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_container_and_its_flags() {
    let env = Env::standard().await;
    let text = env.ok(&["logs", names::API_POD]).await;
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.contains("listening on :8080"));
    let tail = env.ok(&["logs", names::API_POD, "--tail", "2"]).await;
    assert_eq!(
        tail.lines().collect::<Vec<_>>(),
        text.lines().skip(3).collect::<Vec<_>>()
    );
    let since = env.ok(&["logs", names::API_POD, "--since", "1m"]).await;
    assert_eq!(
        since.lines().count(),
        2,
        "the last two lines are recent:\n{since}"
    );
    // A zero `--since` is no bound at all, as in kubectl; `-1` is all.
    for args in [["--since", "0s"], ["--since", "0"], ["--tail", "-1"]] {
        let all = env
            .ok(&[&["logs", names::API_POD][..], &args].concat())
            .await;
        assert_eq!(all, text, "{args:?}");
    }
    let minutes = env
        .ok(&["logs", names::API_POD, "--since", "0.5h1m30s"])
        .await;
    assert_eq!(minutes.lines().count(), 2, "{minutes}");
    let stamped = env
        .ok(&["logs", names::API_POD, "--timestamps", "--tail", "1"])
        .await;
    let (ts, rest) = stamped.trim_end().split_once(' ').unwrap();
    assert!(ts.parse::<jiff::Timestamp>().is_ok(), "{stamped}");
    assert_eq!(rest, text.lines().last().unwrap());
    let previous = env.ok(&["logs", names::CRASHLOOP_POD, "-p"]).await;
    assert!(previous.contains("panic: runtime error"), "{previous}");
    let current = env
        .ok(&["logs", &format!("pod/{}", names::CRASHLOOP_POD)])
        .await;
    assert!(current.contains("connection refused") && !current.contains("panic"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_container_pods() {
    let env = Env::standard().await;
    // The pod's `kubectl.kubernetes.io/default-container` annotation chose
    // the container, so, as kubectl, vcli says nothing about choosing.
    let (text, notes) = env.ok_noted(&["logs", names::MULTI_POD]).await;
    assert_eq!(notes, "");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("app ready on :3000"));
    assert!(text.contains("héllo wörld ✓"));
    let sidecar = env.ok(&["logs", names::MULTI_POD, "-c", "sidecar"]).await;
    assert!(sidecar.starts_with("tailing /logs/app.log"), "{sidecar}");
    let all = env
        .ok(&["logs", names::MULTI_POD, "--all-containers"])
        .await;
    let app_at = all.find("app ready").unwrap();
    let sidecar_at = all.find("tailing").unwrap();
    assert!(
        app_at < sidecar_at,
        "containers in order, each whole:\n{all}"
    );
    let prefixed = env
        .ok(&[
            "logs",
            names::MULTI_POD,
            "--all-containers",
            "--prefix",
            "--tail",
            "1",
        ])
        .await;
    assert_eq!(
        prefixed.lines().collect::<Vec<_>>(),
        [
            "[pod/multi/app] GET /healthz 200",
            "[pod/multi/sidecar] shipped 3 lines"
        ]
    );
    // Checked against the pod, as kubectl does, before the server is asked.
    let e = env.err(&["logs", names::MULTI_POD, "-c", "nope"]).await;
    assert_eq!(
        (e.exit_code(), e.to_string().as_str()),
        (
            1,
            "container nope is not valid for pod multi out of: app, sidecar"
        )
    );
    let e = env
        .err(&["logs", names::INIT_PENDING_POD, "-c", "init-db"])
        .await;
    assert_eq!(
        e.to_string(),
        "container init-db is not valid for pod init-pending out of: app, wait-for-db (init)"
    );
    let init = env
        .ok(&["logs", names::INIT_PENDING_POD, "-c", "wait-for-db"])
        .await;
    assert!(!init.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selector_prefixes_every_line() {
    let env = Env::standard().await;
    let text = env.ok(&["logs", "-l", "app=nginx"]).await;
    for pod in names::NGINX_PODS {
        assert!(
            text.contains(&format!("[pod/{pod}/nginx] ")),
            "{pod} missing:\n{text}"
        );
    }
    assert!(text.lines().all(|l| l.starts_with("[pod/nginx-")), "{text}");
    let e = env
        .err(&["logs", "-f", "-l", "app=nginx", "--max-log-requests", "2"])
        .await;
    assert!(
        e.to_string()
            .contains("you are attempting to follow 3 log streams"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 2);
    let (none, notes) = env.ok_noted(&["logs", "-l", "app=none"]).await;
    assert_eq!(none, "");
    assert_eq!(notes, "No resources found in default namespace.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_streams_new_lines_until_cancelled() {
    let env = Env::standard().await;
    let captured = Capture::new();
    let plugin = env.plugin.clone();
    let task = {
        let captured = captured.clone();
        tokio::spawn(async move {
            run_with(
                &plugin,
                &["logs", "-f", names::API_POD, "--tail", "1"],
                &captured,
            )
            .await
        })
    };
    captured
        .wait_for("the last line", |t| t.contains("GET /v1/orders"))
        .await;
    for i in 0..3 {
        env.emulator.state().append_log(
            "default",
            names::API_POD,
            "api",
            &format!("live line {i}"),
        );
    }
    let text = captured
        .wait_for("the appended lines", |t| t.contains("live line 2"))
        .await;
    assert_eq!(text.lines().count(), 4, "{text}");
    env.cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("follow ends on cancel");
    assert!(result.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_of_several_pods_with_selector() {
    let env = Env::standard().await;
    let captured = Capture::new();
    let cmd = run_with(
        &env.plugin,
        &["logs", "-f", "-l", "tier=frontend", "--tail", "0"],
        &captured,
    );
    let drive = async {
        // Appends land only once the streams are open; keep appending until they show.
        for round in 0.. {
            env.emulator.state().append_log(
                "default",
                names::NGINX_PODS[1],
                "nginx",
                &format!("hello {round}"),
            );
            let seen = tokio::time::timeout(
                Duration::from_millis(200),
                captured.wait_for("a line", |t| t.contains("hello")),
            )
            .await;
            if seen.is_ok() {
                break;
            }
        }
        captured.data()
    };
    tokio::select! {
        r = cmd => panic!("follow ended by itself: {r:?}"),
        text = drive => assert!(text.contains(&format!("[pod/{}/nginx] hello", names::NGINX_PODS[1])), "{text}"),
    }
}

/// An output that blocks on every write, like a terminal nobody reads.
struct Slow(Capture);

impl Write for Slow {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        std::thread::sleep(Duration::from_millis(1));
        self.0.write(data)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_writer_gets_an_explicit_drop_marker() {
    let env = Env::standard().await;
    let chatty: String = (0..20_000).map(|i| format!("chatty line {i}\n")).collect();
    env.emulator
        .state()
        .append_log("default", names::API_POD, "api", chatty.trim_end());
    let captured = Capture::new();
    let matches = KubernetesPlugin::command()
        .unwrap()
        .try_get_matches_from(["k8s", "logs", names::API_POD, "--buffer-lines", "100"])
        .unwrap();
    let mut out = Output::new(Box::new(Slow(captured.clone())), OutputStyle::PLAIN);
    let plugin: Arc<KubernetesPlugin> = env.plugin.clone();
    plugin.run_command(&matches, &mut out).await.unwrap();
    let text = captured.data();
    let dropped: u64 = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix("... ")
                .and_then(|r| r.strip_suffix(" lines dropped ..."))
        })
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    let kept = text.lines().filter(|l| !l.starts_with("... ")).count() as u64;
    assert!(dropped > 0, "the writer fell behind, so lines were dropped");
    assert_eq!(
        kept + dropped,
        20_005,
        "every line is either printed or counted"
    );
    assert!(
        text.ends_with("chatty line 19999\n"),
        "the newest lines survive"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_errors() {
    let env = Env::standard().await;
    // kubectl logs words this one its own way: after `error: `, lowercase,
    // with the namespace.
    let e = env.err(&["logs", "nope"]).await;
    assert!(matches!(e, PluginError::Failed { .. }), "{e:?}");
    assert_eq!(
        (e.exit_code(), e.to_string().as_str()),
        (
            1,
            "error from server (NotFound): pods \"nope\" not found in namespace \"default\""
        )
    );
    let e = env.err(&["logs", names::API_POD, "-p"]).await;
    assert!(
        e.to_string()
            .starts_with("Error from server (BadRequest): previous terminated container"),
        "{e}"
    );
    for (args, message) in [
        (
            &["logs", names::API_POD, "--since", "soon"][..],
            "invalid argument \"soon\" for \"--since\" flag: time: invalid duration \"soon\"",
        ),
        (
            &["logs", names::API_POD, "--since", "99999y"],
            "invalid argument \"99999y\" for \"--since\" flag: time: unknown unit \"y\" in duration \"99999y\"",
        ),
        (
            &["logs", names::API_POD, "--since", "-5s"],
            "--since must be greater than 0",
        ),
        (
            &["logs", names::API_POD, "--tail", "-5"],
            "--tail must be greater than or equal to -1",
        ),
        (
            &["logs", "-l", "app=api", "--tail", "-2"],
            "--tail must be greater than or equal to -1",
        ),
    ] {
        let e = env.err(args).await;
        assert!(matches!(e, PluginError::Failed { .. }), "{args:?}: {e:?}");
        assert_eq!(
            (e.exit_code(), e.to_string().as_str()),
            (1, message),
            "{args:?}"
        );
    }
    // A missing pod is reported before a bad value, as kubectl does, and
    // an empty selection is noted before it.
    let e = env.err(&["logs", "nope", "--tail", "-5"]).await;
    assert!(e.to_string().contains("not found in namespace"), "{e}");
    let captured = Capture::new();
    let result = run_with(
        &env.plugin,
        &["logs", "-l", "app=nope", "--tail", "-2"],
        &captured,
    )
    .await;
    assert_eq!(captured.data(), "");
    assert_eq!(
        captured.notes(),
        "No resources found in default namespace.\n"
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        "--tail must be greater than or equal to -1"
    );
    // Rounded to whole seconds as kubectl rounds: 1us asks for 0, which the
    // server refuses.
    let e = env.err(&["logs", names::API_POD, "--since", "1us"]).await;
    assert_eq!(
        e.to_string(),
        "Error from server (BadRequest): sinceSeconds: Invalid value: must be greater than 0"
    );
    let e = env.err(&["logs"]).await;
    assert_eq!(e.exit_code(), 2, "POD or -l is required: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_defaulted_container_is_a_note_not_data() {
    let env = Env::standard().await;
    let captured = Capture::new();
    let e = run_with(&env.plugin, &["logs", names::INIT_CRASHLOOP_POD], &captured)
        .await
        .unwrap_err();
    assert_eq!(
        captured.notes(),
        "Defaulted container \"app\" out of: app, migrate (init)\n",
        "as kubectl says it, on stderr"
    );
    assert_eq!(captured.data(), "");
    assert!(
        e.to_string()
            .starts_with("Error from server (BadRequest): container \"app\""),
        "{e}"
    );
}
