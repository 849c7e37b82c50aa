//! `cargo xtask bundle` end to end: a plugin crate generated outside the
//! repository passes its own tests, and one bundle links it with the
//! first-party plugins and a registry plugin; the bundle is run. A second,
//! small build shows the check that refuses a crate registering no plugin.
//!
//! Builds are expensive, so these tests are ignored by `cargo test` and run
//! by `cargo xtask test` after the feature check, whose last build (the
//! stock binary's features, dev profile) leaves most of what a debug bundle
//! needs compiled in the same target directory.

mod common;

use std::process::Command;

use common::{new_plugin, registry, run, scrub, stderr, target_dir, xtask};

fn vcli(exe: &std::path::Path, args: &[&str]) -> String {
    let out = run(Command::new(exe)
        .args(args)
        .env("VCLI_CONFIG", "/dev/null/none")
        .arg("--config")
        .arg(exe.with_file_name("empty.toml")));
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "builds bundles; run by `cargo xtask test` after the feature check"]
fn bundle_first_party_outside_and_registry_plugins() {
    let dir = tempfile::tempdir().unwrap();
    let target = target_dir();

    // A plugin crate made outside the repository passes its own tests.
    let greeter = dir.path().join("greeter");
    new_plugin("greeter", &greeter);
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    scrub(&mut cargo);
    let out = run(cargo
        .args(["test", "--quiet"])
        .current_dir(&greeter)
        .env("CARGO_TARGET_DIR", &target));
    assert!(
        out.status.success(),
        "the scaffold's own tests: {}",
        stderr(&out)
    );

    // One bundle: both first-party plugins (one by feature alias, one by
    // name), the outside crate, and a registry plugin at a version asked for.
    let registry = registry(dir.path());
    let exe = dir.path().join("out/vcli-custom");
    let out = run(xtask()
        .args([
            "bundle",
            "--plugins",
            "k8s,prometheus,hello@0.1",
            "--registry",
        ])
        .arg(&registry)
        .arg("--with")
        .arg(&greeter)
        .args(["--profile", "dev", "--target-dir"])
        .arg(&target)
        .arg("--output")
        .arg(&exe));
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("greeter 0.1.0 (--with): cli-commands, tui-rendering"),
        "the capabilities are printed: {err}"
    );
    assert!(err.contains("hello 0.1.0 (registry"), "{err}");
    std::fs::write(exe.with_file_name("empty.toml"), "").unwrap();

    // It lists exactly what was asked for, at the versions asked for.
    let list: serde_json::Value =
        serde_json::from_str(&vcli(&exe, &["plugins", "list", "--json"])).unwrap();
    let listed: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
                p["command"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = |n: &str, v: &str, c: &str| (n.to_owned(), v.to_owned(), c.to_owned());
    assert_eq!(
        listed,
        [
            expected("greeter", "0.1.0", "greeter"),
            expected("hello", "0.1.0", "hello"),
            expected("kubernetes", "0.1.0", "k8s"),
            expected("prometheus", "0.1.0", "prom"),
        ]
    );
    // Its commands run, the outside plugin's and the registry plugin's.
    assert_eq!(vcli(&exe, &["greeter", "hello", "ada"]), "hello, ada\n");
    assert_eq!(vcli(&exe, &["hello", "hello", "--shout"]), "HELLO, WORLD\n");
    assert!(vcli(&exe, &["k8s", "--help"]).contains("get"));
    // `vcli version` names the host, the API and every plugin.
    let version = vcli(&exe, &["version"]);
    assert!(
        version.starts_with("vcli 0.1.0 (plugin API 1.0.0)\n"),
        "{version}"
    );
    for line in [
        "  greeter 0.1.0 (vcli greeter)",
        "  hello 0.1.0 (vcli hello)",
        "  kubernetes 0.1.0 (vcli k8s)",
        "  prometheus 0.1.0 (vcli prom)",
    ] {
        assert!(version.contains(line), "{line:?} in {version}");
    }

    // The lock beside it: versions, sources, checksums, API, capabilities.
    let lock: toml::Table = std::fs::read_to_string(exe.with_file_name("vcli-custom.lock"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(lock["plugin_api"].as_str(), Some("1.0.0"));
    let plugins = lock["plugin"].as_array().unwrap();
    let find = |name: &str| {
        plugins
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("{name} in the lock"))
    };
    assert_eq!(find("kubernetes")["source"].as_str(), Some("first-party"));
    assert_eq!(
        find("greeter")["source"].as_str().unwrap(),
        format!("path+{}", greeter.display())
    );
    assert_eq!(find("hello")["version"].as_str(), Some("0.1.0"));
    assert!(
        find("hello")["checksum"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(
        find("prometheus")["capabilities"].as_array().unwrap().len(),
        4
    );

    // --locked accepts the same registry plugin unchanged (review only).
    let out = run(xtask()
        .args(["bundle", "--plugins", "k8s,hello@0.1", "--registry"])
        .arg(&registry)
        .args(["--locked", "--dry-run", "--output"])
        .arg(&exe));
    assert!(out.status.success(), "{}", stderr(&out));

    // A crate that registers no plugin: the built binary is checked, the
    // refusal names the crate and what to do, and nothing is written.
    let silent = dir.path().join("silent");
    new_plugin("silent", &silent);
    let lib = silent.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, text.replace("register_plugin!(SilentPlugin);", "")).unwrap();
    let silent_exe = dir.path().join("out/vcli-silent");
    let out = run(xtask()
        .args(["bundle", "--plugins", "k8s,prom", "--with"])
        .arg(&silent)
        .args(["--profile", "dev", "--target-dir"])
        .arg(&target)
        .arg("--output")
        .arg(&silent_exe));
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("plugin \"silent\" is not in the built binary: crate vcli-plugin-silent 0.1.0 registers no plugin named \"silent\""),
        "{err}"
    );
    assert!(err.contains("register_plugin!"), "{err}");
    assert!(!silent_exe.exists());
    assert!(!silent_exe.with_file_name("vcli-silent.lock").exists());
}
