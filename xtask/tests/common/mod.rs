//! Helpers for the tests of `cargo xtask bundle` and `new-plugin`: the
//! xtask binary, plugin crates generated outside the repository, and
//! registries made of them.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The xtask binary, without the variables `cargo test` sets about this
/// test crate (as a shell would run it).
pub fn xtask() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    scrub(&mut command);
    command
}

/// Removes the variables cargo sets about the crate under test.
pub fn scrub(command: &mut Command) {
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy();
        if var.starts_with("CARGO_PKG_")
            || var.starts_with("CARGO_MANIFEST_")
            || var.starts_with("CARGO_BIN_")
            || var.starts_with("CARGO_CRATE_")
            || matches!(&*var, "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR")
        {
            command.env_remove(&*var);
        }
    }
    command.env_remove("VCLI_REGISTRY");
}

/// Runs `command` and returns its output, printing its stderr for the log.
pub fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the command runs");
    eprintln!(
        "$ {command:?}\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `cargo xtask new-plugin NAME --path DIR`.
pub fn new_plugin(name: &str, dir: &Path) {
    let out = run(xtask().args(["new-plugin", name, "--path"]).arg(dir));
    assert!(out.status.success(), "new-plugin failed: {}", stderr(&out));
}

/// Rewrites `dir/Cargo.toml`, replacing `from` (which must occur) with `to`.
pub fn edit_manifest(dir: &Path, from: &str, to: &str) {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// A registry directory: `hello` 0.1.0 and 0.2.0 (which also needs the
/// network), and `future` 1.0.0, built for plugin API 2.
pub fn registry(root: &Path) -> PathBuf {
    let registry = root.join("registry");
    let v1 = registry.join("hello/0.1.0");
    new_plugin("hello", &v1);
    let v2 = registry.join("hello/0.2.0");
    new_plugin("hello", &v2);
    edit_manifest(&v2, "version = \"0.1.0\"", "version = \"0.2.0\"");
    edit_manifest(
        &v2,
        "capabilities = [\"cli-commands\", \"tui-rendering\"]",
        "capabilities = [\"network\", \"cli-commands\", \"tui-rendering\"]",
    );
    let future = registry.join("future");
    new_plugin("future", &future);
    edit_manifest(&future, "version = \"0.1.0\"", "version = \"1.0.0\"");
    edit_manifest(
        &future,
        "vcli-plugin-api = \"1\"",
        "vcli-plugin-api = \"2\"",
    );
    registry
}

/// The target directory this test binary was built in (`TARGET/debug/deps/`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in TARGET/PROFILE/deps")
        .to_owned()
}
