//! Plugin commands under the manager, as a user meets them: Ctrl-C wins over
//! a reader that never reads (a test plugin's stream, and the Kubernetes
//! plugin's `get -w` and `logs -f` against the API emulator), a command that
//! blocks its thread for good is cut off by its deadline, and a health check
//! that never returns is given up on in twice its timeout. Each runs the
//! testbed binary in a process of its own, because a thread blocked for good
//! cannot be reclaimed.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn testbed(config: &str) -> Command {
    let dir = std::env::temp_dir().join(format!("vcli-commands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(format!("{:x}.toml", fxhash(config)));
    std::fs::write(&path, config).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vcli-testbed"));
    cmd.env("VCLI_CONFIG", &path)
        .env("VCLI_STATE_DIR", dir.join("state"))
        .env("VCLI_CACHE_DIR", dir.join("cache"))
        .env_remove("VCLI_LOG")
        .stdin(Stdio::null());
    cmd
}

/// A stable file name per config text.
fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Waits (bounded) until one of `child`'s threads sleeps in a write to a
/// full pipe: the state this test is about, observed rather than assumed.
fn wait_until_blocked_on_stdout(child: &Child) {
    let tasks = PathBuf::from(format!("/proc/{}/task", child.id()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let blocked = std::fs::read_dir(&tasks)
            .into_iter()
            .flatten()
            .flatten()
            .any(|task| {
                std::fs::read_to_string(task.path().join("wchan"))
                    .is_ok_and(|w| w.contains("pipe_write") || w.contains("pipe_wait"))
            });
        if blocked {
            return;
        }
        // Nothing to await here: the kernel's view of the child is polled.
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the command never blocked on its stdout");
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits for `child` to exit, giving up after `limit`; returns its code,
/// how long it took and what it wrote on stderr.
fn exit_within(mut child: Child, limit: Duration) -> (i32, Duration, String) {
    let started = Instant::now();
    let pid = child.id();
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        let status = child.wait().unwrap();
        let _ = done.send((
            status.code().expect("exited normally"),
            started.elapsed(),
            err,
        ));
    });
    exited.recv_timeout(limit).unwrap_or_else(|_| {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("still running {limit:?} after the interrupt");
    })
}

/// Runs the testbed with `args` (a command that streams), reads a little of
/// its output to know the stream runs, then never reads again; once the
/// command is blocked on its full stdout, sends SIGINT. Returns the exit
/// code, how long the exit took after the signal, and stderr.
fn interrupt_a_stalled_stream(args: &[&str]) -> (i32, Duration, String) {
    let mut child = testbed("")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 4096];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    wait_until_blocked_on_stdout(&child);
    interrupt(&child);
    exit_within(child, Duration::from_secs(10))
}

#[test]
fn ctrl_c_ends_a_stream_whose_reader_never_reads() {
    let (code, took, err) = interrupt_a_stalled_stream(&["steady", "follow"]);
    assert_eq!(code, 130, "exit code after SIGINT");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(err, "error: interrupted\n");
}

#[test]
fn a_command_blocking_its_thread_for_good_is_cut_off_by_its_deadline() {
    let started = Instant::now();
    let out = testbed("[manager]\ncommand_timeout = \"1s\"\n")
        .args(["wedged", "hang"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: plugin \"wedged\": command did not finish within 1s\n"
    );
    // The deadline, plus the process's own start and a bounded shutdown.
    assert!(took < Duration::from_millis(2000), "took {took:?}");
}

#[test]
fn a_health_check_blocking_its_thread_for_good_is_given_up_in_twice_its_timeout() {
    let started = Instant::now();
    let out = testbed("[plugins.wedged.health]\ntimeout = \"1s\"\n")
        .args(["plugins", "health", "wedged"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("health check has not returned for 2s; the plugin is blocking its thread"),
        "{stdout}"
    );
    // Twice the timeout, plus the process's own start and exit.
    assert!(took < Duration::from_millis(3000), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kubernetes_watches_and_follows_end_on_ctrl_c_when_nobody_reads() {
    use vcli_k8s_emulator::{Emulator, Fixtures, names};

    // Enough pods, and log lines, that the listing or the log alone
    // overflows the pipe and the queue.
    let line = "x".repeat(200);
    let lines: Vec<&str> = std::iter::repeat_n(line.as_str(), 5_000).collect();
    let fixtures = Fixtures::standard().with_generated_pods(5_000).with_logs(
        "default",
        names::NGINX_POD,
        "nginx",
        &lines,
    );
    let emulator = Emulator::start(fixtures).await.unwrap();
    let dir = std::env::temp_dir().join(format!("vcli-commands-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = emulator.write_kubeconfig(&dir).unwrap();
    let kubeconfig = kubeconfig.to_str().unwrap().to_owned();
    let streams: [&[&str]; 2] = [
        &["get", "pods", "-A", "-w"],
        &["logs", "-f", names::NGINX_POD],
    ];
    for stream in streams {
        let args: Vec<String> = ["k8s", "--kubeconfig", kubeconfig.as_str()]
            .into_iter()
            .chain(stream.iter().copied())
            .map(str::to_owned)
            .collect();
        // The emulator serves from this process's runtime: wait elsewhere.
        let (code, took, err) = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            interrupt_a_stalled_stream(&args)
        })
        .await
        .unwrap();
        assert_eq!(code, 130, "{stream:?}: {err}");
        assert_eq!(err, "error: interrupted\n", "{stream:?}");
        assert!(took < Duration::from_secs(1), "{stream:?} took {took:?}");
    }
}
