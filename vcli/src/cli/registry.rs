//! `vcli registry search|list|info|download|publish`: the registry client
//! on the command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use semver::{Version, VersionReq};

use vcli_plugin_api::print::{Structured, Table, write_structured};

use super::args::{RegistryCommand, RegistryOptions};
use super::{EXIT_FAILURE, EXIT_USAGE, Failure};
use crate::config::Config;
use crate::registry::{self, Entry, Registry, RegistryError, Source, http};

fn failure(e: RegistryError) -> Failure {
    let code = match e {
        RegistryError::Unknown { .. } | RegistryError::NoMatchingVersion { .. } => EXIT_USAGE,
        _ => EXIT_FAILURE,
    };
    Failure::new(code, e.to_string())
}

fn open(config: &Config, options: &RegistryOptions) -> Result<Registry, Failure> {
    let location = options
        .registry
        .clone()
        .or_else(|| config.registry.url.clone())
        .ok_or_else(|| {
            Failure::new(
                EXIT_USAGE,
                "no registry: pass --registry DIR|URL, set VCLI_REGISTRY, or set [registry] url in the config file",
            )
        })?;
    let registry = Registry::open_with(
        &location,
        http::Options {
            refresh: options.refresh,
            offline: options.offline,
        },
        None,
    )
    .map_err(failure)?;
    if let Some(warning) = registry.warning() {
        eprintln!("warning: {warning}");
    }
    Ok(registry)
}

fn api() -> Version {
    vcli_plugin_api::API_VERSION
        .parse()
        .unwrap_or_else(|_| Version::new(1, 0, 0))
}

pub(crate) fn run(config: &Config, command: RegistryCommand) -> Result<(), Failure> {
    match command {
        RegistryCommand::Search { query, options } => {
            let registry = open(config, &options)?;
            let found = registry.search(&query);
            table(&found, options.json)
        }
        RegistryCommand::List { options } => {
            let registry = open(config, &options)?;
            table(&registry.search(""), options.json)
        }
        RegistryCommand::Info { plugin, options } => {
            let registry = open(config, &options)?;
            let (name, requirement) = spec(&plugin)?;
            let entry = registry
                .resolve(&name, &requirement, &api())
                .map_err(failure)?;
            info(&registry, entry, options.json)
        }
        RegistryCommand::Download {
            plugin,
            to,
            options,
        } => {
            let registry = open(config, &options)?;
            let (name, requirement) = spec(&plugin)?;
            let entry = registry
                .resolve(&name, &requirement, &api())
                .map_err(failure)?;
            let dir =
                to.unwrap_or_else(|| PathBuf::from(format!("{}-{}", entry.name, entry.version)));
            download(entry, &dir)?;
            eprintln!(
                "downloaded {} {} ({}) into {}",
                entry.name,
                entry.version,
                entry.source,
                dir.display()
            );
            Ok(())
        }
        RegistryCommand::Publish {
            path,
            index,
            git,
            rev,
            checksum,
        } => {
            let mut entry = registry::local::read_crate(&path).map_err(failure)?;
            entry.source = match (git, rev, checksum) {
                (Some(url), Some(rev), None) => Source::Git { url, rev },
                (None, None, Some(checksum)) => Source::CratesIo {
                    version: entry.version.clone(),
                    checksum,
                },
                _ => {
                    return Err(Failure::new(
                        EXIT_USAGE,
                        "say where the crate is published: --git URL --rev COMMIT, or --checksum sha256:HEX of its crates.io .crate",
                    ));
                }
            };
            registry::index::publish(&index, entry.clone()).map_err(failure)?;
            eprintln!(
                "published {} {} ({}) in {}",
                entry.name,
                entry.version,
                entry.source,
                index.display()
            );
            Ok(())
        }
    }
}

fn spec(text: &str) -> Result<(String, VersionReq), Failure> {
    match text.split_once('@') {
        Some((name, req)) => VersionReq::parse(req)
            .map(|r| (name.to_owned(), r))
            .map_err(|e| {
                Failure::new(
                    EXIT_USAGE,
                    format!("{text:?}: {req:?} is not a version requirement: {e}"),
                )
            }),
        None => Ok((text.to_owned(), VersionReq::STAR)),
    }
}

fn table(entries: &[&Entry], json: bool) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    if json {
        write_structured(&mut out, Structured::Json, entries)?;
        return Ok(());
    }
    if entries.is_empty() {
        eprintln!("no plugins found");
        return Ok(());
    }
    let mut t = Table::new(["NAME", "VERSION", "API", "CAPABILITIES", "DESCRIPTION"]);
    for e in entries {
        t.row([
            e.name.clone(),
            e.version.to_string(),
            e.api_requirement.to_string(),
            e.capabilities
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            e.description.clone(),
        ]);
    }
    out.write_all(t.render(false).as_bytes())?;
    Ok(())
}

fn info(registry: &Registry, entry: &Entry, json: bool) -> Result<(), Failure> {
    let versions: Vec<String> = registry
        .versions(&entry.name)
        .iter()
        .map(|e| e.version.to_string())
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        let doc = serde_json::json!({"plugin": entry, "versions": versions});
        write_structured(&mut out, Structured::Json, &doc)?;
        return Ok(());
    }
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "<none>".to_owned()
        } else {
            items.join(", ")
        }
    };
    writeln!(out, "Name:            {}", entry.name)?;
    writeln!(out, "Version:         {}", entry.version)?;
    writeln!(out, "Versions:        {}", versions.join(", "))?;
    writeln!(out, "Package:         {}", entry.package)?;
    writeln!(out, "Description:     {}", entry.description)?;
    writeln!(out, "Tags:            {}", list(entry.tags.clone()))?;
    writeln!(
        out,
        "Command:         {}",
        entry
            .command
            .as_deref()
            .map_or_else(|| "<not declared>".to_owned(), |c| format!("vcli {c}"))
    )?;
    writeln!(out, "Plugin API:      requires {}", entry.api_requirement)?;
    writeln!(
        out,
        "Capabilities:    {}",
        list(entry.capabilities.iter().map(ToString::to_string).collect())
    )?;
    writeln!(out, "Source:          {}", entry.source)?;
    Ok(())
}

/// Fetches the entry's source into `dir`, which must not exist: a copy of a
/// path, a git checkout at the commit, or the `.crate` file of a crates.io
/// version after its checksum is verified. Nothing is left on failure.
fn download(entry: &Entry, dir: &Path) -> Result<(), Failure> {
    if dir.exists() {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "{} exists; choose another directory with --to",
                dir.display()
            ),
        ));
    }
    let result = match &entry.source {
        Source::Path { path } => copy_dir(path, dir).map_err(|e| {
            Failure::new(EXIT_FAILURE, format!("cannot copy {}: {e}", path.display()))
        }),
        Source::Git { url, rev } => git_checkout(url, rev, dir),
        Source::CratesIo { version, checksum } => {
            let url = format!(
                "https://static.crates.io/crates/{0}/{0}-{version}.crate",
                entry.package
            );
            http::download(&url)
                .map_err(failure)
                .and_then(|bytes| {
                    let sum = registry::checksum_bytes(&bytes);
                    if sum != *checksum {
                        return Err(Failure::new(
                            EXIT_FAILURE,
                            format!(
                                "{url}: checksum {sum} does not match the index's {checksum}; nothing was written"
                            ),
                        ));
                    }
                    std::fs::create_dir_all(dir)
                        .and_then(|()| {
                            std::fs::write(
                                dir.join(format!("{}-{version}.crate", entry.package)),
                                &bytes,
                            )
                        })
                        .map_err(|e| Failure::new(EXIT_FAILURE, e.to_string()))
                })
        }
    };
    if result.is_err() {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

fn git_checkout(url: &str, rev: &str, dir: &Path) -> Result<(), Failure> {
    let run = |args: &[&std::ffi::OsStr]| -> Result<(), Failure> {
        let status = std::process::Command::new("git")
            .args(args)
            .status()
            .map_err(|e| Failure::new(EXIT_FAILURE, format!("cannot run git: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(Failure::new(EXIT_FAILURE, format!("git failed ({status})")))
        }
    };
    run(&[
        "clone".as_ref(),
        "--quiet".as_ref(),
        url.as_ref(),
        dir.as_os_str(),
    ])?;
    run(&[
        "-C".as_ref(),
        dir.as_os_str(),
        "checkout".as_ref(),
        "--quiet".as_ref(),
        rev.as_ref(),
    ])
}
