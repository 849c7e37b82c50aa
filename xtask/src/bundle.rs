//! `cargo xtask bundle`: a custom vcli binary with the plugins asked for.
//!
//! 1. plan: resolve every plugin (first-party crates of this repository by
//!    name or feature alias, registry entries, `--with` directories) and
//!    refuse, before building anything, what the manifests already show to
//!    be wrong;
//! 2. review against the lock beside the output (`--locked`,
//!    `--accept-capabilities`) and print every plugin's capabilities;
//! 3. generate a crate under `TARGET/vcli-bundles/` that names each plugin
//!    crate and calls `vcli::run()`;
//! 4. build it in the shared target directory (only what changed compiles);
//! 5. run the binary and compare its own plugin list with the request;
//! 6. copy it to `--output` and write the lock.

mod build;
mod generate;
mod lock;
mod plan;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use semver::Version;
use vcli::registry::{Registry, Source};

use plan::{Origin, Planned};

/// The profile the bundle is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Profile {
    /// Optimized, without whole-program LTO: a second bundle links in seconds
    Release,
    /// Unoptimized, with the repository's dev settings (shares its debug builds)
    Dev,
    /// The stock binary's settings: fat LTO, one codegen unit (smallest, minutes to link)
    Dist,
}

impl Profile {
    fn cargo_name(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Dev => "dev",
            Profile::Dist => "dist",
        }
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct BundleArgs {
    /// Plugins to link, comma-separated: first-party ones by name or feature
    /// (kubernetes or k8s, prometheus or prom), others from the registry, as
    /// NAME or NAME@VERSION-REQ
    #[arg(long, value_delimiter = ',', value_name = "NAME[@REQ],...")]
    plugins: Vec<String>,
    /// A plugin crate in a local directory (repeatable)
    #[arg(long = "with", value_name = "PATH")]
    with: Vec<PathBuf>,
    /// A registry: a directory of plugin crates, or the URL of an index
    /// (cached for an hour under the XDG cache directory)
    #[arg(long, env = "VCLI_REGISTRY", value_name = "DIR|URL")]
    registry: Option<String>,
    /// Where to write the binary; its lock goes beside it, as PATH.lock
    #[arg(long, short, value_name = "PATH", default_value = "vcli-bundle")]
    output: PathBuf,
    /// Hold the bundle to its lock: refuse unpinned sources (--with
    /// directories, git without a full commit id), a source whose checksum
    /// changed under the same version, and capabilities grown since the lock
    #[arg(long)]
    locked: bool,
    /// With --locked: accept plugins whose capabilities grew since the lock
    #[arg(long)]
    accept_capabilities: bool,
    /// How to build
    #[arg(long, value_enum, default_value = "release")]
    profile: Profile,
    /// Check the request and the lock, print the plan, build nothing
    #[arg(long)]
    dry_run: bool,
    /// Cargo target directory [default: the workspace's]
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// Use only what is downloaded: cargo's crates, the registry's cached index
    #[arg(long)]
    offline: bool,
}

/// The repository's root (this crate's parent directory).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the repository")
        .to_owned()
}

/// The workspace's target directory, as cargo sees it (CARGO_TARGET_DIR,
/// config, or `target/`).
pub(crate) fn target_dir(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(&cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .output()
        .with_context(|| format!("cannot run {cargo} metadata"))?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    doc["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata names no target directory")
}

pub(crate) fn run(args: &BundleArgs, command_line: &str) -> Result<()> {
    let root = repo_root();
    let api: Version = vcli_plugin_api::API_VERSION.parse()?;
    let cwd = std::env::current_dir()?;
    let output = cwd.join(&args.output);
    if output.is_dir() {
        bail!(
            "--output {} is a directory; give the path of the binary to write",
            output.display()
        );
    }
    let lock_path = lock::path_for(&output);

    // 1. Plan.
    let first_party = plan::first_party(&root)?;
    let registry = match &args.registry {
        Some(location) => Some(
            Registry::open(location)
                .map_err(|e| anyhow::anyhow!("cannot bundle: registry {location}: {e}"))?,
        ),
        None => None,
    };
    let with: Vec<PathBuf> = args.with.iter().map(|p| cwd.join(p)).collect();
    let request = plan::Request {
        specs: &args.plugins,
        with: &with,
        registry: registry.as_ref(),
    };
    let planned = plan::plan(&request, &first_party, &api).map_err(refused)?;

    // 2. Review against the lock.
    let planned: Vec<(Planned, String)> = planned
        .into_iter()
        .map(|p| {
            let checksum = match &p.entry.source {
                Source::Path { path } => vcli::registry::checksum_dir(path)?,
                Source::CratesIo { checksum, .. } => checksum.clone(),
                Source::Git { rev, .. } => format!("git:{rev}"),
            };
            Ok((p, checksum))
        })
        .collect::<Result<_, vcli::registry::RegistryError>>()?;
    let old_lock = lock::read(&lock_path)?;
    let review = lock::review(
        &planned,
        old_lock.as_ref(),
        &lock_path,
        args.locked,
        args.accept_capabilities,
    );
    print_plan(&planned, &review.grown, old_lock.is_some());
    if !review.refusals.is_empty() {
        return Err(refused(review.refusals));
    }
    let new_lock = lock::Lock {
        format: 1,
        vcli: vcli_version(&root)?,
        plugin_api: api.to_string(),
        plugins: planned
            .iter()
            .map(|(p, checksum)| lock::locked(p, checksum))
            .collect(),
    };
    let planned: Vec<Planned> = planned.into_iter().map(|(p, _)| p).collect();
    if args.dry_run {
        eprintln!("bundle: --dry-run: nothing built");
        return Ok(());
    }

    // 3. Generate.
    let target = match &args.target_dir {
        Some(t) => cwd.join(t),
        None => target_dir(&root)?,
    };
    let bundles = target.join("vcli-bundles");
    let generated = generate::generate(
        &generate::Setup {
            root: &root,
            bundles: &bundles,
            output: &output,
            command_line,
        },
        &planned,
    )?;

    // 4. Build.
    let (packages, _metadata) = build::count_packages(&generated.manifest, args.offline)?;
    verify_checksums(&generated.dir.join("Cargo.lock"), &planned)?;
    let exe = build::build(&build::Build {
        manifest: &generated.manifest,
        target_dir: &target,
        profile: args.profile.cargo_name(),
        bin: &generated.name,
        offline: args.offline,
        packages,
    })?;

    // 5. Verify.
    let config = generated.dir.join("empty-config.toml");
    std::fs::write(&config, "")?;
    build::verify(&exe, &planned, &api.to_string(), &config)?;

    // 6. Install.
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let partial = output.with_extension("partial");
    std::fs::copy(&exe, &partial).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    lock::write(&lock_path, &new_lock)?;
    eprintln!(
        "bundle: wrote {} ({}) and {}",
        args.output.display(),
        planned
            .iter()
            .map(|p| format!("{} {}", p.entry.name, p.entry.version))
            .collect::<Vec<_>>()
            .join(", "),
        lock_path.display()
    );
    Ok(())
}

/// A crates.io plugin must resolve to the `.crate` file the registry's index
/// names: its checksum in the bundle's `Cargo.lock` (which cargo verifies
/// against the download) must be the index's.
fn verify_checksums(cargo_lock: &Path, planned: &[Planned]) -> Result<()> {
    let wanted: Vec<(&Planned, &str)> = planned
        .iter()
        .filter_map(|p| match &p.entry.source {
            Source::CratesIo { checksum, .. } => Some((p, checksum.as_str())),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let lock: toml::Table = std::fs::read_to_string(cargo_lock)
        .with_context(|| format!("cannot read {}", cargo_lock.display()))?
        .parse()
        .with_context(|| format!("{} is not TOML", cargo_lock.display()))?;
    let packages = lock
        .get("package")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut refusals = Vec::new();
    for (p, checksum) in wanted {
        let found = packages.iter().find(|pkg| {
            pkg.get("name").and_then(toml::Value::as_str) == Some(p.entry.package.as_str())
                && pkg.get("version").and_then(toml::Value::as_str)
                    == Some(p.entry.version.to_string().as_str())
                && pkg
                    .get("source")
                    .and_then(toml::Value::as_str)
                    .is_some_and(|s| s.contains("crates.io"))
        });
        let locked = found
            .and_then(|pkg| pkg.get("checksum"))
            .and_then(toml::Value::as_str)
            .map(|c| format!("sha256:{c}"));
        if locked.as_deref() != Some(checksum) {
            refusals.push(format!(
                "plugin {:?} {}: the checksum of {} {} on crates.io is {}, but the registry's index says {checksum}; the index or the crate was tampered with: do not use this version, and tell the registry's maintainers",
                p.entry.name,
                p.entry.version,
                p.entry.package,
                p.entry.version,
                locked.as_deref().unwrap_or("unknown (not resolved from crates.io)")
            ));
        }
    }
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(refused(refusals))
    }
}

fn refused(refusals: Vec<String>) -> anyhow::Error {
    anyhow::anyhow!("cannot bundle:\n  - {}", refusals.join("\n  - "))
}

fn vcli_version(root: &Path) -> Result<String> {
    let entry: toml::Table = std::fs::read_to_string(root.join("vcli/Cargo.toml"))?.parse()?;
    entry
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .context("vcli/Cargo.toml has no package.version")
}

/// Every plugin with its version, origin and capabilities; capabilities new
/// since the lock are marked.
fn print_plan(
    planned: &[(Planned, String)],
    grown: &[Vec<vcli_plugin_api::Capability>],
    had_lock: bool,
) {
    eprintln!(
        "bundle: {} plugin(s), with the capabilities each needs:",
        planned.len()
    );
    for ((p, _), grown) in planned.iter().zip(grown) {
        let caps: Vec<String> = p
            .entry
            .capabilities
            .iter()
            .map(|c| {
                if had_lock && grown.contains(c) {
                    format!("{c} (new since the lock)")
                } else {
                    c.to_string()
                }
            })
            .collect();
        let origin = match &p.origin {
            Origin::FirstParty { alias } => format!("first-party, feature {alias}"),
            other => other.to_string(),
        };
        eprintln!(
            "  {} {} ({origin}): {}",
            p.entry.name,
            p.entry.version,
            if caps.is_empty() {
                "no capabilities".to_owned()
            } else {
                caps.join(", ")
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use vcli::registry::Entry;

    use super::*;

    fn planned(checksum: &str) -> Planned {
        Planned {
            entry: Entry {
                name: "hello".to_owned(),
                package: "vcli-plugin-hello".to_owned(),
                version: Version::new(0, 2, 0),
                description: String::new(),
                tags: Vec::new(),
                command: None,
                api_requirement: "^1".parse().unwrap(),
                capabilities: Vec::new(),
                source: Source::CratesIo {
                    version: Version::new(0, 2, 0),
                    checksum: checksum.to_owned(),
                },
            },
            origin: Origin::Registry {
                location: "https://example.invalid/index.json".to_owned(),
            },
            asked: "hello".to_owned(),
        }
    }

    #[test]
    fn crates_io_checksums_must_match_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        let sum = "ab".repeat(32);
        std::fs::write(
            &lock,
            format!(
                "version = 4\n\n[[package]]\nname = \"vcli-plugin-hello\"\nversion = \"0.2.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{sum}\"\n"
            ),
        )
        .unwrap();
        verify_checksums(&lock, &[planned(&format!("sha256:{sum}"))]).unwrap();
        let e = verify_checksums(&lock, &[planned(&format!("sha256:{}", "cd".repeat(32)))])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the checksum of vcli-plugin-hello 0.2.0 on crates.io is sha256:abab"),
            "{e}"
        );
        assert!(e.contains("do not use this version"), "{e}");
    }
}
