//! `cargo xtask bundle` refuses what its request already shows to be wrong,
//! before building anything, naming the plugin and what to do. (The one
//! refusal that needs a build, a crate that registers no plugin, is in
//! `bundle_build.rs`.)

mod common;

use std::path::Path;

use common::{edit_manifest, new_plugin, registry, run, stderr, xtask};

/// Runs `cargo xtask bundle ARGS --dry-run` (so nothing can be built even if
/// a refusal were missed) and returns its stderr, asserting it failed.
fn refused(output: &Path, args: &[&str]) -> String {
    let out = run(xtask()
        .arg("bundle")
        .args(args)
        .arg("--output")
        .arg(output)
        .arg("--dry-run"));
    let err = stderr(&out);
    assert!(!out.status.success(), "not refused: {err}");
    assert!(err.contains("cannot bundle"), "{err}");
    assert!(!output.exists());
    err
}

#[test]
fn unknown_plugins_get_the_closest_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("vcli");
    let err = refused(&out, &["--plugins", "k8s,kubernets"]);
    assert!(
        err.contains("unknown plugin \"kubernets\"; did you mean \"kubernetes\"?"),
        "{err}"
    );
    assert!(err.contains("--registry DIR"), "{err}");
    let registry = registry(dir.path());
    let err = refused(
        &out,
        &[
            "--plugins",
            "helo",
            "--registry",
            registry.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("unknown plugin \"helo\"; did you mean \"hello\"?"),
        "{err}"
    );
}

#[test]
fn versions_that_do_not_exist_list_those_that_do() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let out = dir.path().join("vcli");
    let err = refused(
        &out,
        &[
            "--plugins",
            "hello@^0.5",
            "--registry",
            registry.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("no version of plugin \"hello\" matches ^0.5 (versions: 0.1.0, 0.2.0)"),
        "{err}"
    );
    let err = refused(&out, &["--plugins", "k8s@2"]);
    assert!(
        err.contains("no version of plugin \"kubernetes\" matches ^2 (versions: 0.1.0)"),
        "{err}"
    );
}

#[test]
fn an_api_this_host_does_not_provide() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let out = dir.path().join("vcli");
    let err = refused(
        &out,
        &[
            "--plugins",
            "future",
            "--registry",
            registry.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains(
            "plugin \"future\" 1.0.0 requires vcli-plugin-api ^2, but this host provides 1.0.0"
        ),
        "{err}"
    );
    let with = registry.join("future");
    let err = refused(&out, &["--with", with.to_str().unwrap()]);
    assert!(err.contains("requires vcli-plugin-api ^2"), "{err}");
}

#[test]
fn two_plugins_with_one_name_or_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("vcli");
    let a = dir.path().join("a");
    new_plugin("greeter", &a);
    let b = dir.path().join("b");
    new_plugin("greeter", &b);
    edit_manifest(
        &b,
        "name = \"vcli-plugin-greeter\"",
        "name = \"other-greeter\"",
    );
    let err = refused(
        &out,
        &["--with", a.to_str().unwrap(), "--with", b.to_str().unwrap()],
    );
    assert!(err.contains("two plugins are named \"greeter\""), "{err}");

    let c = dir.path().join("c");
    new_plugin("salute", &c);
    edit_manifest(&c, "command = \"salute\"", "command = \"greeter\"");
    let err = refused(
        &out,
        &["--with", a.to_str().unwrap(), "--with", c.to_str().unwrap()],
    );
    assert!(
        err.contains("both contribute the command \"greeter\""),
        "{err}"
    );
    edit_manifest(&c, "command = \"greeter\"", "command = \"k8s\"");
    let err = refused(&out, &["--plugins", "k8s", "--with", c.to_str().unwrap()]);
    assert!(
        err.contains("plugins \"kubernetes\" (k8s) and \"salute\" (--with"),
        "{err}"
    );
    assert!(err.contains("both contribute the command \"k8s\""), "{err}");

    edit_manifest(&c, "command = \"k8s\"", "command = \"version\"");
    let err = refused(&out, &["--with", c.to_str().unwrap()]);
    assert!(
        err.contains("the command \"version\", which is the host's own"),
        "{err}"
    );
}

#[test]
fn locked_refuses_unpinned_sources() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("vcli");
    let a = dir.path().join("greeter");
    new_plugin("greeter", &a);
    let err = refused(
        &out,
        &[
            "--plugins",
            "k8s",
            "--with",
            a.to_str().unwrap(),
            "--locked",
        ],
    );
    assert!(
        err.contains("plugin \"greeter\" comes from an unpinned source"),
        "{err}"
    );
    assert!(err.contains("no lock at"), "{err}");
}

/// A lock for `out` with `hello` at `version` from `source`.
fn write_lock(out: &Path, version: &str, source: &Path, checksum: &str) {
    let text = format!(
        r#"format = 1
vcli = "0.1.0"
plugin_api = "1.0.0"

[[plugin]]
name = "hello"
version = "{version}"
package = "vcli-plugin-hello"
source = "path+{}"
checksum = "{checksum}"
api_requirement = "^1"
capabilities = ["cli-commands", "tui-rendering"]
"#,
        source.display()
    );
    std::fs::write(out.with_extension("lock"), text).unwrap();
}

#[test]
fn locked_refuses_grown_capabilities_until_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let out = dir.path().join("vcli");
    write_lock(
        &out,
        "0.1.0",
        &registry.join("hello/0.1.0"),
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    );
    let reg = registry.to_str().unwrap();
    let err = refused(&out, &["--plugins", "hello", "--registry", reg, "--locked"]);
    assert!(
        err.contains("plugin \"hello\" 0.2.0 needs capabilities that 0.1.0 did not: network; review them, then pass --accept-capabilities"),
        "{err}"
    );
    assert!(err.contains("network (new since the lock)"), "{err}");
    // Accepted: the review passes (and --dry-run builds nothing).
    let ok = run(xtask()
        .args([
            "bundle",
            "--plugins",
            "hello",
            "--registry",
            reg,
            "--locked",
        ])
        .args(["--accept-capabilities", "--dry-run", "--output"])
        .arg(&out));
    assert!(ok.status.success(), "{}", stderr(&ok));
    // Without --locked the capabilities are printed, not refused.
    let ok = run(xtask()
        .args([
            "bundle",
            "--plugins",
            "hello",
            "--registry",
            reg,
            "--dry-run",
        ])
        .arg("--output")
        .arg(&out));
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stderr(&ok).contains("hello 0.2.0"), "{}", stderr(&ok));
}

#[test]
fn locked_refuses_a_changed_source_under_the_same_version() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let out = dir.path().join("vcli");
    write_lock(
        &out,
        "0.1.0",
        &registry.join("hello/0.1.0"),
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    );
    let err = refused(
        &out,
        &[
            "--plugins",
            "hello@=0.1.0",
            "--registry",
            registry.to_str().unwrap(),
            "--locked",
        ],
    );
    assert!(
        err.contains(
            "plugin \"hello\" 0.1.0 does not match the lock: its source's checksum is sha256:"
        ),
        "{err}"
    );
}

#[test]
fn malformed_plugin_crates_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("vcli");
    let a = dir.path().join("odd");
    new_plugin("odd", &a);
    edit_manifest(&a, "\"cli-commands\", \"tui-rendering\"", "\"telepathy\"");
    let err = refused(&out, &["--with", a.to_str().unwrap()]);
    assert!(err.contains("unknown capability \"telepathy\""), "{err}");
    assert!(err.contains("Cargo.toml"), "{err}");
    let err = refused(&out, &[]);
    assert!(err.contains("no plugins asked for"), "{err}");
}

#[test]
fn new_plugin_refuses_bad_names_and_full_directories() {
    let dir = tempfile::tempdir().unwrap();
    for (name, expected) in [
        ("Greeter", "must start with a lowercase ASCII letter"),
        ("plugins", "host's own commands"),
    ] {
        let out = run(xtask()
            .args(["new-plugin", name, "--path"])
            .arg(dir.path().join("x")));
        assert!(!out.status.success());
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
    std::fs::write(dir.path().join("file"), "").unwrap();
    let out = run(xtask().args(["new-plugin", "ok", "--path"]).arg(dir.path()));
    assert!(stderr(&out).contains("is not empty"), "{}", stderr(&out));
}
