//! The host CLI driven as a user drives it, on a bundle that links the
//! misbehaving test plugins: dispatch to plugin commands, exit codes, config
//! errors, broken pipes and plugin failures.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn testbed() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vcli-testbed"));
    // No user configuration leaks into the tests.
    cmd.env("VCLI_CONFIG", config_file("empty", ""));
    cmd.env_remove("VCLI_LOG");
    cmd
}

fn config_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vcli-testbed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the testbed runs");
    (
        status.code().expect("exited normally"),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

#[test]
fn plugin_commands_are_dispatched_to_their_plugin() {
    let (code, out, err) = run(testbed().args(["steady", "echo", "to", "you"]));
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "hello to you\n", "")
    );
}

#[test]
fn a_plugin_reads_its_own_config_table() {
    let config = config_file("greeting", "[plugins.steady.config]\ngreeting = \"ahoy\"\n");
    let (code, out, _) = run(testbed()
        .arg("--config")
        .arg(&config)
        .args(["steady", "echo", "there"]));
    assert_eq!((code, out.as_str()), (0, "ahoy there\n"));
}

#[test]
fn a_plugin_config_error_names_file_and_line_and_exits_2() {
    let config = config_file("bad-plugin", "[plugins.steady.config]\ngreeting = 7\n");
    let (code, out, err) = run(testbed()
        .arg("--config")
        .arg(&config)
        .args(["steady", "echo"]));
    assert_eq!(code, 2);
    assert_eq!(out, "");
    let expected = format!(
        "{}:2:12: invalid type: integer `7`, expected a string",
        config.display()
    );
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn a_broken_host_config_names_file_and_line_and_exits_2() {
    let config = config_file(
        "bad-host",
        "[manager]\ncall_timeout = \"10s\"\nhealth = true\n",
    );
    let (code, _, err) = run(testbed()
        .arg("--config")
        .arg(&config)
        .args(["plugins", "list"]));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: {}:3:1: unknown field `health`, expected one of `call_timeout`, `resource_interval`, `shutdown_timeout`, `command_timeout`\n",
            config.display()
        )
    );
}

#[test]
fn a_missing_explicit_config_file_is_an_error() {
    let (code, _, err) =
        run(testbed().args(["--config", "/nonexistent/vcli.toml", "plugins", "list"]));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: cannot read config file /nonexistent/vcli.toml: "),
        "{err}"
    );
}

#[test]
fn unknown_plugin_sections_are_warned_about() {
    let config = config_file("ghost", "[plugins.ghost]\nenabled = true\n");
    let (code, _, err) = run(testbed()
        .arg("--config")
        .arg(&config)
        .args(["plugins", "list"]));
    assert_eq!(code, 0);
    assert!(
        err.contains(":1: [plugins.ghost] configures a plugin that is not linked"),
        "{err}"
    );
}

#[test]
fn a_failing_command_exits_1_and_a_usage_error_exits_2() {
    let (code, _, err) = run(testbed().args(["steady", "fail"]));
    assert_eq!(
        (code, err.as_str()),
        (1, "error: the steady plugin was asked to fail\n")
    );
    let (code, _, err) = run(testbed().args(["steady", "lines", "many"]));
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'many'"), "{err}");
}

#[test]
fn a_panicking_command_is_contained() {
    let (code, _, err) = run(testbed().args(["steady", "panic"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("error: plugin \"steady\" panicked: the steady plugin was asked to panic"),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = testbed()
        .args(["steady", "lines", "1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 7];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"line 0\n");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_one_shot_command_initializes_only_its_plugin() {
    let (code, _, err) = run(testbed()
        .env("VCLI_LOG", "vcli=debug")
        .args(["steady", "echo"]));
    assert_eq!(code, 0);
    let touched: Vec<&str> = err.lines().filter(|l| l.contains("plugin event")).collect();
    assert!(
        !touched.is_empty(),
        "debug logging shows plugin events: {err}"
    );
    assert!(
        touched.iter().all(|l| l.contains("plugin=\"steady\"")),
        "{touched:#?}"
    );
}

#[test]
fn health_reports_each_plugin_and_exits_1_when_one_is_unhealthy() {
    let (code, out, _) = run(testbed().args(["plugins", "health", "steady"]));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "NAME     STATE         HEALTH    MESSAGE\nsteady   initialized   healthy   steady as ever\n"
    );

    let (code, out, err) = run(testbed().args(["plugins", "health", "sickly", "--json"]));
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["name"], "sickly");
    assert_eq!(json[0]["health"]["state"], "unhealthy");
    assert_eq!(json[0]["health"]["message"], "backend unreachable");
    assert_eq!(err, "error: 1 of 1 plugins unhealthy\n");
}

#[test]
fn health_of_every_plugin_survives_the_broken_ones() {
    let config = config_file(
        "fast",
        "[manager]\ncall_timeout = \"300ms\"\n[plugins.blocks-thread]\nenabled = false\n[plugins.blocks-in-health]\nenabled = false\n[plugins.hangs-in-health.health]\ntimeout = \"300ms\"\n[plugins.wedged.health]\ntimeout = \"300ms\"\n",
    );
    let (code, out, _) = run(testbed()
        .arg("--config")
        .arg(&config)
        .args(["plugins", "health"]));
    assert_eq!(code, 1, "{out}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("steady").contains("healthy"), "{out}");
    assert!(
        line("panics-in-health").contains("health panicked: boom in health"),
        "{out}"
    );
    assert!(
        line("cycle-a").contains("plugin dependencies form a cycle"),
        "{out}"
    );
    assert!(
        line("wedged").contains("the plugin is blocking its thread"),
        "{out}"
    );
    assert!(
        !out.contains("blocks-thread"),
        "disabled plugins are not checked: {out}"
    );
}

#[test]
fn version_lists_every_linked_plugin() {
    let (code, out, _) = run(testbed().arg("version"));
    assert_eq!(code, 0);
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("testbed__version", out);
    });
}

#[test]
fn plugins_list_is_a_kubectl_style_table() {
    let (code, out, _) = run(testbed().args(["plugins", "list"]));
    assert_eq!(code, 0);
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("testbed__plugins_list", out);
    });
}

#[test]
fn plugins_info_shows_metadata_and_probe_settings() {
    let (code, out, _) = run(testbed().args(["plugins", "info", "dependent"]));
    assert_eq!(code, 0);
    // Poll time is measured, so it differs from run to run.
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![(r"polled [^,]+,", "polled [time],")],
    }, {
        insta::assert_snapshot!("testbed__plugins_info_dependent", out);
    });
    let (code, _, err) = run(testbed().args(["plugins", "info", "nope"]));
    assert_eq!(code, 1);
    assert!(
        err.starts_with(
            "error: no plugin named \"nope\" is linked into this binary (linked: base, blocks-in-health, blocks-thread, "
        ),
        "{err}"
    );
}

#[test]
fn completions_and_man_page_include_plugin_commands() {
    let (code, out, _) = run(testbed().args(["completions", "bash"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("vcli__subcmd__steady__subcmd__echo"),
        "bash completion knows plugin subcommands"
    );
    let (code, out, _) = run(testbed().arg("man"));
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie"), "roff");
    assert!(out.contains("steady"));
}

#[test]
fn help_lists_plugin_commands_beside_host_commands() {
    let (code, out, _) = run(testbed().arg("--help"));
    assert_eq!(code, 0);
    assert!(
        out.contains("plugins")
            && out.contains("steady")
            && out.contains("A well-behaved plugin for tests"),
        "{out}"
    );
    let (code, _, err) = run(&mut testbed());
    assert_eq!(code, 2, "no command is a usage error");
    assert!(err.contains("Usage:"));
}

#[test]
fn stdin_is_never_read() {
    let mut child = testbed()
        .args(["steady", "echo"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"ignored").unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn violations_are_kept_across_runs_and_listed() {
    let state = std::env::temp_dir().join(format!("vcli-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let (code, _, err) = run(testbed()
        .env("VCLI_STATE_DIR", &state)
        .args(["steady", "overreach"]));
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: capability network is not granted to plugin steady: opening network connections needs it; the plugin must declare it in its metadata and the policy grant it (plugins.steady.policy.grant)\n"
    );
    let (code, out, _) = run(testbed()
        .env("VCLI_STATE_DIR", &state)
        .args(["steady", "overreach"]));
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = run(testbed().env("VCLI_STATE_DIR", &state).args([
        "plugins",
        "violations",
        "steady",
        "--json",
    ]));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 2, "one per run: {out}");
    assert_eq!(list[0]["plugin"], "steady");
    assert_eq!(list[0]["kind"], "capability-denied");
    let (code, out, _) =
        run(testbed()
            .env("VCLI_STATE_DIR", &state)
            .args(["plugins", "violations", "sickly"]));
    assert_eq!((code, out.as_str()), (0, "No violations recorded.\n"));
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn policy_check_explains_each_plugin_and_fails_on_a_refusal() {
    let config = config_file(
        "policy",
        "[policy]\ndefault = \"deny\"\n[plugins.steady.policy]\ngrant = [\"cli-commands\"]\n[plugins.steady.limits]\nmemory = \"64MiB\"\ncpu = 0.5\ntasks = 8\nnetwork_rate = \"1MiB\"\n[plugins.network-flooder.policy]\nnetwork_hosts = [\"127.0.0.1:9000\"]\n",
    );
    let (code, out, err) = run(testbed().args(["policy", "check"]).arg(&config));
    assert_eq!(
        code, 2,
        "network-flooder's network is not granted under default = deny"
    );
    assert!(
        out.contains("only capabilities listed in `grant` are granted"),
        "{out}"
    );
    assert!(
        out.contains("steady 1.2.3\n  needs:       cli-commands\n  granted:     cli-commands\n"),
        "{out}"
    );
    assert!(out.contains("limits:      memory 64.0 MiB (terminated above), cpu 50% of a core (a violation above), tasks 8, network 1.0 MiB/s"), "{out}");
    assert!(out.contains("REFUSED:     network (add \"network\" to plugins.network-flooder.policy.grant in the config file)"), "{out}");
    assert!(
        err.contains(
            "plugin \"network-flooder\" needs capability network, which the policy denies"
        ),
        "{err}"
    );

    let bad = config_file(
        "bad-policy",
        "[plugins.steady.policy]\ngrant = [\"telepathy\"]\n",
    );
    let (code, _, err) = run(testbed().args(["policy", "check"]).arg(&bad));
    assert_eq!(code, 2);
    assert!(
        err.contains(":2:10: plugins.steady.policy.grant[0]: unknown variant `telepathy`"),
        "{err}"
    );
}

#[test]
fn policy_check_refuses_values_that_make_no_sense() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let config = config_file(
        "meaning",
        "[plugins.steady]\nenabled = true\n\n[plugins.steady.limits]\n\n# half a core was meant\ncpu = -1\n",
    );
    let (code, out, err) = run(testbed().args(["policy", "check"]).arg(&config));
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        format!(
            "error: {}:7:7: plugins.steady.limits.cpu: must be more than 0 and at most {cores} (cores on this machine), got -1\n",
            config.display()
        )
    );

    let config = config_file("zero-period", "[plugins.steady.health]\nperiod = \"0s\"\n");
    let (code, _, err) = run(testbed()
        .arg("--config")
        .arg(&config)
        .args(["plugins", "list"]));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: {}:2:10: plugins.steady.health.period: must be more than 0, got \"0s\"\n",
            config.display()
        )
    );
}

#[test]
fn an_empty_vcli_config_is_unset_and_an_oversized_config_is_refused() {
    let (code, _, err) = run(testbed()
        .env("VCLI_CONFIG", "")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .args(["steady", "echo", "hi"]));
    assert_eq!((code, err.as_str()), (0, ""));

    let (code, _, err) = run(testbed().args(["--config", "", "plugins", "list"]));
    assert_eq!(
        (code, err.as_str()),
        (2, "error: --config needs a path, got an empty one\n")
    );

    let big = config_file("big", &"#".repeat(1024 * 1024 + 10));
    let (code, _, err) = run(testbed()
        .arg("--config")
        .arg(&big)
        .args(["plugins", "list"]));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: config file {} is 1048586 bytes, over the limit of 1048576 bytes (1 MiB)\n",
            big.display()
        )
    );
}
