//! The bundle's lock, written next to the binary (`PATH.lock`): what was
//! linked (plugins, versions, sources, checksums, the plugin API, and the
//! capabilities each plugin needs), and the review of a new request against
//! it (`--locked`, `--accept-capabilities`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use vcli::registry::Source;
use vcli_plugin_api::Capability;

use super::plan::{Origin, Planned};

/// The lock file's format version.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Lock {
    /// The format of this file.
    pub(crate) format: u32,
    /// The host (`vcli`) version the bundle was built with.
    pub(crate) vcli: String,
    /// The plugin API version the host provides.
    pub(crate) plugin_api: String,
    #[serde(default, rename = "plugin")]
    pub(crate) plugins: Vec<LockedPlugin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LockedPlugin {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) package: String,
    /// `first-party`, `path+DIR`, `git+URL#REV` or `crates-io`.
    pub(crate) source: String,
    /// `sha256:...` of the crate's source (a directory's files, or the
    /// `.crate` file of a crates.io version).
    pub(crate) checksum: String,
    /// The plugin API requirement of the crate.
    pub(crate) api_requirement: String,
    pub(crate) capabilities: Vec<Capability>,
}

/// `PATH.lock` for the binary at `output`.
pub(crate) fn path_for(output: &Path) -> PathBuf {
    let mut name = output.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    output.with_file_name(name)
}

pub(crate) fn read(path: &Path) -> Result<Option<Lock>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let lock: Lock = toml::from_str(&text)
        .with_context(|| format!("{} is not a bundle lock", path.display()))?;
    anyhow::ensure!(
        lock.format == FORMAT,
        "{}: lock format {} is not the one this xtask writes ({FORMAT})",
        path.display(),
        lock.format
    );
    Ok(Some(lock))
}

pub(crate) fn write(path: &Path, lock: &Lock) -> Result<()> {
    let text = format!(
        "# Written by `cargo xtask bundle`: what the binary beside it links.\n\
         # `cargo xtask bundle --locked` refuses unpinned sources, changed\n\
         # checksums and capabilities grown since this file was written.\n{}",
        toml::to_string_pretty(lock).context("cannot serialize the lock")?
    );
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The lock's view of a planned plugin's source.
pub(crate) fn source_string(p: &Planned) -> String {
    match (&p.origin, &p.entry.source) {
        (Origin::FirstParty { .. }, _) => "first-party".to_owned(),
        (_, Source::Path { path }) => format!("path+{}", path.display()),
        (_, Source::Git { url, rev }) => format!("git+{url}#{rev}"),
        (_, Source::CratesIo { .. }) => "crates-io".to_owned(),
    }
}

/// A plugin's entry in the new lock.
pub(crate) fn locked(p: &Planned, checksum: &str) -> LockedPlugin {
    LockedPlugin {
        name: p.entry.name.clone(),
        version: p.entry.version.to_string(),
        package: p.entry.package.clone(),
        source: source_string(p),
        checksum: checksum.to_owned(),
        api_requirement: p.entry.api_requirement.to_string(),
        capabilities: p.entry.capabilities.clone(),
    }
}

/// The capabilities `now` needs that `before` did not.
pub(crate) fn grown(before: Option<&LockedPlugin>, now: &[Capability]) -> Vec<Capability> {
    let had: BTreeSet<Capability> = before
        .map(|b| b.capabilities.iter().copied().collect())
        .unwrap_or_default();
    now.iter().copied().filter(|c| !had.contains(c)).collect()
}

/// What the review found, for each planned plugin (in order): the
/// capabilities grown since the lock, and the refusals.
pub(crate) struct Review {
    pub(crate) grown: Vec<Vec<Capability>>,
    pub(crate) refusals: Vec<String>,
}

/// Reviews `planned` (with each one's source checksum) against the lock.
/// Under `locked`, refuses unpinned sources, a checksum that differs from
/// the lock's for the same version, and, unless `accept` is given,
/// capabilities grown since the lock (a plugin the lock lacks grows from
/// none).
pub(crate) fn review(
    planned: &[(Planned, String)],
    lock: Option<&Lock>,
    lock_path: &Path,
    locked: bool,
    accept: bool,
) -> Review {
    let mut refusals = Vec::new();
    let mut all_grown = Vec::new();
    if locked && lock.is_none() {
        refusals.push(format!(
            "--locked, but there is no lock at {}: build once without --locked to write it, and review the capabilities it prints",
            lock_path.display()
        ));
    }
    for (p, checksum) in planned {
        let before = lock.and_then(|l| l.plugins.iter().find(|b| b.name == p.entry.name));
        let grown = grown(before, &p.entry.capabilities);
        if locked {
            if !p.is_pinned() {
                refusals.push(format!(
                    "plugin {:?} comes from an unpinned source ({}, asked as {:?}), which --locked refuses: its content can change under the same version; publish it to a registry, or name a git commit by its full id",
                    p.entry.name, p.entry.source, p.asked
                ));
            }
            if let Some(before) = before
                && before.version == p.entry.version.to_string()
                && before.source == source_string(p)
                && before.checksum != *checksum
            {
                refusals.push(format!(
                    "plugin {:?} {} does not match the lock: its source's checksum is {checksum}, the lock says {}; the same version must not change: give the change a new version, or rebuild without --locked to accept it",
                    p.entry.name, p.entry.version, before.checksum
                ));
            }
            if !grown.is_empty() && !accept && lock.is_some() {
                let names: Vec<&str> = grown.iter().map(|c| c.as_str()).collect();
                refusals.push(match before {
                    Some(b) => format!(
                        "plugin {:?} {} needs capabilities that {} did not: {}; review them, then pass --accept-capabilities",
                        p.entry.name,
                        p.entry.version,
                        b.version,
                        names.join(", ")
                    ),
                    None => format!(
                        "plugin {:?} {} is not in the lock and needs capabilities: {}; review them, then pass --accept-capabilities",
                        p.entry.name,
                        p.entry.version,
                        names.join(", ")
                    ),
                });
            }
        }
        all_grown.push(grown);
    }
    Review {
        grown: all_grown,
        refusals,
    }
}
