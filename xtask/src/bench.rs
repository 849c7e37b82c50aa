//! Benchmarks: the criterion suites, and whole-command comparisons run side
//! by side in one session with hyperfine.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod follow;
mod peers;
mod tui;

/// Which benchmark to run.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Which {
    /// Every benchmark below
    All,
    /// Criterion: the manager's load, health check, list, start/stop
    Manager,
    /// `vcli plugins list` against a hello-world Rust binary
    Startup,
    /// `vcli prom query` against `promtool query instant` on a real Prometheus
    Prometheus,
    /// `vcli k8s get pods -A` against `kubectl get pods -A` on 10,000 emulated pods
    Kubernetes,
    /// `vcli tui`: launch to first frame, idle CPU, memory (few pods and 10,000),
    /// and side by side with kdash and kubetui (installed once by the bench)
    Tui,
    /// `vcli prom query` on a generated 500,000-series answer: peak RSS and
    /// time to first line, table and JSON (`VCLI_BENCH_VCLI=PATH` measures
    /// another build)
    PromLarge,
    /// new-plugin, its tests and a release bundle with it (warm), then a
    /// second bundle that adds one plugin
    Bundle,
}

pub(crate) fn run(which: Which) -> Result<()> {
    match which {
        Which::All => {
            manager()?;
            startup()?;
            commands(true, true)?;
            tui::run()?;
            prom_large()?;
            bundle()
        }
        Which::Manager => manager(),
        Which::Startup => startup(),
        Which::Prometheus => commands(true, false),
        Which::Kubernetes => commands(false, true),
        Which::Tui => tui::run(),
        Which::PromLarge => prom_large(),
        Which::Bundle => bundle(),
    }
}

/// `vcli prom query` on a huge answer, with the release build of this tree
/// or the binary `VCLI_BENCH_VCLI` names.
fn prom_large() -> Result<()> {
    let vcli = match std::env::var_os("VCLI_BENCH_VCLI") {
        Some(path) => PathBuf::from(path),
        None => {
            crate::cargo(&["build", "--release", "--package", "vcli", "--bin", "vcli"])?;
            target_dir()?.join("release/vcli")
        }
    };
    crate::large_answer::run(&vcli)
}

fn manager() -> Result<()> {
    crate::cargo(&[
        "bench",
        "--package",
        "vcli",
        "--no-default-features",
        "--bench",
        "manager",
    ])
}

/// Startup cost: how much slower than the smallest Rust program is listing
/// the plugins of the full binary? Both are release builds, timed by
/// hyperfine in one run so they share the machine's state.
fn startup() -> Result<()> {
    crate::cargo(&[
        "build",
        "--release",
        "--package",
        "vcli",
        "--package",
        "xtask",
        "--bin",
        "vcli",
        "--bin",
        "hello-world",
    ])?;
    let target = target_dir()?;
    let vcli = target.join("release/vcli");
    let hello = target.join("release/hello-world");
    let export = target.join("startup.json");
    hyperfine(&[
        "--shell=none",
        "--warmup",
        "50",
        "--runs",
        "500",
        "--export-json",
        path(&export)?,
        "--command-name",
        "hello-world",
        path(&hello)?,
        "--command-name",
        "vcli plugins list",
        &format!("{} plugins list", path(&vcli)?),
    ])?;
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&export)?)?;
    let mean = |i: usize| {
        report["results"][i]["mean"]
            .as_f64()
            .context("hyperfine reported no mean")
    };
    let (hello_mean, vcli_mean) = (mean(0)?, mean(1)?);
    println!(
        "startup: hello-world {:.3} ms, vcli plugins list {:.3} ms, ratio {:.2}x (target: at most 2x)",
        hello_mean * 1e3,
        vcli_mean * 1e3,
        vcli_mean / hello_mean
    );
    Ok(())
}

fn commands(prometheus: bool, kubernetes: bool) -> Result<()> {
    build_vcli_and_emulator()?;
    let target = target_dir()?;
    let (vcli, emulator) = crate::compare::binaries(&target);
    if prometheus {
        crate::compare::prometheus(&target, &vcli)?;
    }
    if kubernetes {
        crate::compare::kubernetes(&target, &vcli, &emulator)?;
    }
    Ok(())
}

/// The plugin author's loop, timed: `new-plugin`, the new crate's `cargo
/// test`, and a release bundle with the first-party plugins and it; then a
/// second bundle that only adds one plugin. A warm-up round with another
/// plugin first, so every dependency is compiled (the new crate's tests
/// use the workspace's target directory, as with CARGO_TARGET_DIR).
fn bundle() -> Result<()> {
    let xtask = std::env::current_exe()?;
    let target = target_dir()?;
    let work = target.join("bench-bundle");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let timed = |what: &str, command: &mut Command| -> Result<f64> {
        let started = std::time::Instant::now();
        let status = command
            .status()
            .with_context(|| format!("cannot run {what}"))?;
        if !status.success() {
            bail!("{what} failed with {status}");
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!("bench bundle: {what}: {seconds:.1} s");
        Ok(seconds)
    };
    let new_plugin = |name: &str| {
        let mut c = Command::new(&xtask);
        c.args(["new-plugin", name, "--path"]).arg(work.join(name));
        c
    };
    let test = |name: &str| {
        let mut c = crate::cargo_command();
        c.args(["test", "--quiet"])
            .current_dir(work.join(name))
            .env("CARGO_TARGET_DIR", &target);
        c
    };
    let bundle = |with: &[&str]| {
        let mut c = Command::new(&xtask);
        c.args(["bundle", "--plugins", "k8s,prom", "--output"])
            .arg(work.join("vcli"));
        for name in with {
            c.arg("--with").arg(work.join(name));
        }
        c
    };
    let warm_new = timed("warm-up: new-plugin", &mut new_plugin("warmup"))?;
    let warm_test = timed("warm-up: cargo test", &mut test("warmup"))?;
    let warm_bundle = timed("warm-up: bundle", &mut bundle(&["warmup"]))?;
    let new = timed("new-plugin greeter", &mut new_plugin("greeter"))?;
    let tests = timed("cargo test (greeter)", &mut test("greeter"))?;
    let first = timed("bundle k8s,prom + greeter", &mut bundle(&["greeter"]))?;
    new_plugin("hello").status()?;
    let second = timed(
        "bundle k8s,prom + greeter + hello",
        &mut bundle(&["greeter", "hello"]),
    )?;
    println!("| step | seconds |\n| --- | ---: |");
    println!(
        "| warm-up (new-plugin, cargo test, bundle; every dependency compiled) | {:.1} |",
        warm_new + warm_test + warm_bundle
    );
    println!("| new-plugin greeter | {new:.1} |");
    println!("| its cargo test | {tests:.1} |");
    println!("| release bundle: k8s, prom, greeter | {first:.1} |");
    println!(
        "| **new-plugin + tests + bundle** (target: under 120) | **{:.1}** |",
        new + tests + first
    );
    println!("| **second bundle, adding hello** (target: under 60) | **{second:.1}** |");
    Ok(())
}

/// Release builds of `vcli` and the Kubernetes API emulator, which the
/// whole-command benchmarks run side by side.
fn build_vcli_and_emulator() -> Result<()> {
    crate::cargo(&[
        "build",
        "--release",
        "--package",
        "vcli",
        "--package",
        "vcli-k8s-emulator",
        "--bin",
        "vcli",
        "--bin",
        "k8s-emulator",
    ])
}

pub(crate) fn hyperfine(args: &[&str]) -> Result<()> {
    let status = Command::new("hyperfine")
        .args(args)
        .status()
        .context("cannot run hyperfine; install it with `apt-get install hyperfine`")?;
    if !status.success() {
        bail!("hyperfine failed with {status}");
    }
    Ok(())
}

pub(crate) fn target_dir() -> Result<PathBuf> {
    let meta = crate::cargo_output(&["metadata", "--format-version", "1", "--no-deps"])?;
    let meta: serde_json::Value = serde_json::from_str(&meta)?;
    Ok(PathBuf::from(
        meta["target_directory"]
            .as_str()
            .context("cargo metadata has no target directory")?,
    ))
}

pub(crate) fn path(p: &Path) -> Result<&str> {
    p.to_str()
        .with_context(|| format!("path is not UTF-8: {}", p.display()))
}
