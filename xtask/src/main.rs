//! Project automation: `cargo xtask test` (what CI runs), `cargo xtask
//! demo` (the cockpit on a fresh machine), `cargo xtask bench` (the
//! numbers in BENCHMARKS.md) and `cargo xtask bundle` (a custom vcli
//! binary with the plugins asked for).

mod bench;
mod bundle;
mod compare;
mod demo;
mod features;
mod large_answer;
mod new_plugin;

use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "vcli project automation")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Format check, clippy, every test, the feature-selection check, and
    /// the bundle builds
    Test,
    /// Open the TUI against the Kubernetes API emulator and, when installed,
    /// a local Prometheus; quitting stops everything it started
    Demo {
        /// Build optimized binaries (slower to build, faster to run)
        #[arg(long)]
        release: bool,
        /// Extra generated pods in the emulator
        #[arg(long, default_value_t = 0)]
        pods: u32,
    },
    /// Benchmarks: criterion suites and whole-command comparisons
    Bench {
        /// Which benchmark
        #[arg(value_enum, default_value = "all")]
        which: bench::Which,
    },
    /// Build a custom vcli binary with the plugins asked for, check that it
    /// links exactly those, and write its lock beside it
    Bundle(bundle::BundleArgs),
    /// Create an out-of-tree plugin crate: one command, a health check, a
    /// view, [package.metadata.vcli] and tests
    NewPlugin(new_plugin::NewPluginArgs),
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Task::Test => test(),
        Task::Bench { which } => bench::run(which),
        Task::Demo { release, pods } => demo::run(release, pods),
        Task::Bundle(args) => {
            let line = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
            bundle::run(&args, &format!("cargo xtask {line}"))
        }
        Task::NewPlugin(args) => new_plugin::run(&args),
    }
}

fn test() -> Result<()> {
    cargo(&["fmt", "--all", "--check"]).context("code is not formatted; run `cargo fmt --all`")?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--all-targets"])?;
    cargo(&["test", "--workspace", "--doc"])?;
    features::check()?;
    // The crates to publish package (a full verification, which builds them
    // again from their packages, is `cargo package` without the flag).
    cargo(&[
        "package",
        "--no-verify",
        "--allow-dirty",
        "--package",
        "vcli-plugin-api",
        "--package",
        "vcli-plugin-kubernetes",
        "--package",
        "vcli-plugin-prometheus",
        "--package",
        "vcli",
    ])?;
    // Bundle builds last: the feature check's final build (the stock
    // binary's features) left most of what a debug bundle compiles.
    cargo(&[
        "test",
        "--package",
        "xtask",
        "--test",
        "bundle_build",
        "--",
        "--ignored",
    ])
}

/// A cargo command without the variables `cargo run` (and `cargo test`)
/// set about the crate being run: build scripts that watch one (ring's
/// watch CARGO_PKG_NAME) would see it differ from a build started in a
/// shell and rebuild, with everything above them.
pub(crate) fn cargo_command() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy();
        if var.starts_with("CARGO_PKG_")
            || var.starts_with("CARGO_MANIFEST_")
            || var.starts_with("CARGO_BIN_")
            || var.starts_with("CARGO_CRATE_")
            || matches!(
                &*var,
                "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR" | "CARGO_RUSTC_CURRENT_DIR"
            )
        {
            command.env_remove(&*var);
        }
    }
    command
}

/// Runs cargo with `args`, inheriting stdio, and fails if it fails.
pub(crate) fn cargo(args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {}", args.join(" "));
    let status = cargo_command()
        .args(args)
        .status()
        .with_context(|| format!("cannot run {cargo}"))?;
    if !status.success() {
        bail!("`cargo {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// Runs cargo with `args` and returns its stdout.
pub(crate) fn cargo_output(args: &[&str]) -> Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {}", args.join(" "));
    let output = cargo_command()
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {cargo}"))?;
    if !output.status.success() {
        bail!("`cargo {}` failed with {}", args.join(" "), output.status);
    }
    String::from_utf8(output.stdout).context("cargo printed non-UTF-8 output")
}
