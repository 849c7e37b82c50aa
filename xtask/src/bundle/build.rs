//! Building the bundle crate with cargo (a progress bar from cargo's JSON
//! messages), and checking the built binary against the request.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::plan::{Origin, Planned};

fn cargo() -> Command {
    let mut command = crate::cargo_command();
    // The target directory is passed explicitly.
    command.env_remove("CARGO_TARGET_DIR");
    command.env_remove("CARGO_BUILD_TARGET_DIR");
    command
}

/// How many packages the bundle's build compiles, for the progress bar:
/// resolves the bundle (writing its `Cargo.lock`) and counts the packages
/// built for this machine.
pub(crate) fn count_packages(manifest: &Path, offline: bool) -> Result<(u64, Value)> {
    let host = rustc_host()?;
    let mut command = cargo();
    command.args([
        "metadata",
        "--format-version",
        "1",
        "--filter-platform",
        &host,
    ]);
    command.arg("--manifest-path").arg(manifest);
    if offline {
        command.arg("--offline");
    }
    let output = command
        .stderr(Stdio::piped())
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo cannot resolve the bundle's dependencies:\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    let doc: Value = serde_json::from_slice(&output.stdout).context("cargo metadata's JSON")?;
    let count = doc["resolve"]["nodes"].as_array().map_or(0, Vec::len) as u64;
    Ok((count, doc))
}

fn rustc_host() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .with_context(|| format!("cannot run {rustc}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV names no host")
}

/// What to build.
pub(crate) struct Build<'a> {
    pub(crate) manifest: &'a Path,
    pub(crate) target_dir: &'a Path,
    pub(crate) profile: &'a str,
    pub(crate) bin: &'a str,
    pub(crate) offline: bool,
    pub(crate) packages: u64,
}

/// Builds the bundle and returns its executable. A progress bar on a
/// terminal; elsewhere one line when it starts and one when it ends.
pub(crate) fn build(b: &Build<'_>) -> Result<PathBuf> {
    let started = Instant::now();
    let mut command = cargo();
    command
        .args(["build", "--message-format", "json-render-diagnostics"])
        .arg("--manifest-path")
        .arg(b.manifest)
        .arg("--target-dir")
        .arg(b.target_dir)
        .args(["--profile", b.profile, "--bin", b.bin, "--color", "never"]);
    if b.offline {
        command.arg("--offline");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run cargo build")?;
    let mut stderr = child.stderr.take().expect("piped");
    let stderr_thread = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    eprintln!(
        "bundle: building {} ({} packages, profile {}) in {}",
        b.bin,
        b.packages,
        b.profile,
        b.target_dir.display()
    );
    let bar = ProgressBar::new(b.packages.max(1));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
        )
        .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut executable = None;
    let mut compiled = 0u64;
    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    for line in stdout.lines() {
        let line = line.context("reading cargo's output")?;
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let kinds = &message["target"]["kind"];
        if kinds
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "custom-build"))
        {
            continue;
        }
        let name = message["target"]["name"].as_str().unwrap_or("?");
        if message["fresh"] == false {
            compiled += 1;
        }
        bar.inc(1);
        bar.set_message(name.to_owned());
        if name == b.bin
            && let Some(exe) = message["executable"].as_str()
        {
            executable = Some(PathBuf::from(exe));
        }
    }
    let status = child.wait().context("waiting for cargo build")?;
    let stderr = stderr_thread.join().unwrap_or_default();
    bar.finish_and_clear();
    if !status.success() {
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(200)..].join("\n");
        bail!("cargo could not build the bundle ({status}):\n{tail}");
    }
    eprintln!(
        "bundle: built in {:.1}s ({compiled} packages compiled, the rest were up to date)",
        started.elapsed().as_secs_f64()
    );
    executable.context("cargo built no executable for the bundle")
}

/// Runs the built binary and compares what it links with what was asked
/// for: names, versions, the plugin API, and the capabilities each plugin
/// declares against its crate's manifest. Every difference is reported.
pub(crate) fn verify(exe: &Path, planned: &[Planned], api: &str, config: &Path) -> Result<()> {
    let run = |args: &[&str]| -> Result<Value> {
        let out = Command::new(exe)
            .arg("--config")
            .arg(config)
            .args(args)
            .env_remove("VCLI_CONFIG")
            .output()
            .with_context(|| format!("cannot run the built bundle {}", exe.display()))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stderr = stderr.trim_end();
            let stderr = stderr.strip_prefix("error: ").unwrap_or(stderr);
            bail!(
                "the built bundle refuses its plugins: {stderr}\n\
                 (it ran `{} {}`); drop or fix the plugin named there",
                exe.display(),
                args.join(" ")
            );
        }
        serde_json::from_slice(&out.stdout)
            .with_context(|| format!("`{}` printed no JSON", args.join(" ")))
    };
    let listed = run(&["plugins", "list", "--json"])?;
    let version = run(&["version", "--json"])?;
    let mut problems = Vec::new();
    if version["plugin_api"] != api {
        problems.push(format!(
            "the bundle provides plugin API {}, not {api}",
            version["plugin_api"]
        ));
    }
    let mut found: BTreeMap<String, &Value> = BTreeMap::new();
    for plugin in listed.as_array().map(Vec::as_slice).unwrap_or_default() {
        if let Some(name) = plugin["name"].as_str() {
            found.insert(name.to_owned(), plugin);
        }
    }
    for p in planned {
        let name = &p.entry.name;
        let Some(linked) = found.remove(name) else {
            let crate_hint = match &p.origin {
                Origin::FirstParty { .. } => String::new(),
                _ => format!(
                    " at {}; it must call `vcli_plugin_api::register_plugin!(ItsPluginType);`, and its metadata name must be {name:?} as its Cargo.toml says",
                    p.entry.source
                ),
            };
            problems.push(format!(
                "plugin {name:?} is not in the built binary: crate {} {} registers no plugin named {name:?}{crate_hint}",
                p.entry.package, p.entry.version
            ));
            continue;
        };
        let version = linked["version"].as_str().unwrap_or("?");
        if version != p.entry.version.to_string() {
            problems.push(format!(
                "plugin {name:?}: asked for version {} (its crate's), the binary has {version}; its Metadata should use env!(\"CARGO_PKG_VERSION\")",
                p.entry.version
            ));
        }
        let declared: Vec<String> = p
            .entry
            .capabilities
            .iter()
            .map(ToString::to_string)
            .collect();
        let undeclared: Vec<&str> = linked["capabilities"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .filter(|c| !declared.iter().any(|d| d == c))
            .collect();
        if !undeclared.is_empty() {
            problems.push(format!(
                "plugin {name:?} needs capabilities its Cargo.toml does not declare: {}; add them to [package.metadata.vcli] capabilities, so that they are reviewed",
                undeclared.join(", ")
            ));
        }
    }
    for (name, plugin) in found {
        problems.push(format!(
            "the built binary also links plugin {name:?} {}, which was not asked for: a plugin crate pulls it in; ask for it too, or drop the crate that brings it",
            plugin["version"].as_str().unwrap_or("?")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!(
            "the built bundle does not link what was asked for:\n  - {}",
            problems.join("\n  - ")
        )
    }
}
