//! From a request (`--plugins`, `--with`, `--registry`) to the list of plugin
//! crates to link, refusing before anything is built whatever can be told
//! from the crates' manifests: unknown plugins, versions that do not exist,
//! API requirements this host does not meet, two plugins with one name or
//! one command.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use semver::{Version, VersionReq};
use vcli::registry::{self, Entry, Registry, RegistryError, Source};

/// Where a planned plugin comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A first-party plugin crate of this repository, asked for by name or
    /// by its Cargo feature (`alias`).
    FirstParty { alias: String },
    /// An entry of the registry at `location`.
    Registry { location: String },
    /// A crate directory given with `--with`.
    With,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::FirstParty { .. } => f.write_str("first-party"),
            Origin::Registry { location } => write!(f, "registry {location}"),
            Origin::With => f.write_str("--with"),
        }
    }
}

/// One plugin crate the bundle links.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub(crate) entry: Entry,
    pub(crate) origin: Origin,
    /// What the user typed for it.
    pub(crate) asked: String,
}

impl Planned {
    /// Whether its source names one content. First-party plugins are pinned
    /// by this repository's own commit; a `--with` directory never is.
    pub(crate) fn is_pinned(&self) -> bool {
        match self.origin {
            Origin::FirstParty { .. } => true,
            Origin::With => false,
            Origin::Registry { .. } => match self.entry.source {
                // A crate in a local registry directory is pinned by the
                // checksum the lock records (checked against the lock).
                Source::Path { .. } => true,
                _ => self.entry.source.is_pinned(),
            },
        }
    }
}

/// A first-party plugin crate: the Cargo feature of `vcli` that links it
/// (its alias), and its registry entry read from its own manifest.
#[derive(Debug, Clone)]
pub(crate) struct FirstParty {
    pub(crate) alias: String,
    pub(crate) entry: Entry,
}

/// The first-party plugins: every feature of `vcli/Cargo.toml` that is
/// exactly one optional dependency on a path crate of this workspace.
pub(crate) fn first_party(root: &Path) -> Result<Vec<FirstParty>> {
    let read = |path: PathBuf| -> Result<toml::Table> {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        text.parse::<toml::Table>()
            .with_context(|| format!("{} is not valid TOML", path.display()))
    };
    let host = read(root.join("vcli/Cargo.toml"))?;
    let workspace = read(root.join("Cargo.toml"))?;
    let deps = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table)
        .context("the workspace's Cargo.toml has no [workspace.dependencies]")?;
    let mut found = Vec::new();
    let features = host
        .get("features")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    for (feature, enables) in &features {
        let Some([toml::Value::String(only)]) = enables.as_array().map(Vec::as_slice) else {
            continue;
        };
        let Some(package) = only.strip_prefix("dep:") else {
            continue;
        };
        let Some(path) = deps
            .get(package)
            .and_then(|d| d.get("path"))
            .and_then(toml::Value::as_str)
        else {
            continue;
        };
        let entry = vcli::registry::local::read_crate(&root.join(path))
            .with_context(|| format!("first-party plugin of feature {feature:?}"))?;
        found.push(FirstParty {
            alias: feature.clone(),
            entry,
        });
    }
    Ok(found)
}

/// One `--plugins` item: `NAME` or `NAME@REQUIREMENT`.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) name: String,
    pub(crate) requirement: Option<VersionReq>,
    pub(crate) text: String,
}

impl Spec {
    pub(crate) fn parse(text: &str) -> Result<Spec, String> {
        let text = text.trim();
        let (name, requirement) = match text.split_once('@') {
            Some((name, req)) => {
                let req = VersionReq::parse(req).map_err(|e| {
                    format!("{text:?}: {req:?} is not a version requirement ({e}); write NAME@1.2, NAME@=1.2.3 or NAME@^2")
                })?;
                (name, Some(req))
            }
            None => (text, None),
        };
        if name.is_empty() {
            return Err(format!("{text:?}: the plugin name is empty"));
        }
        Ok(Spec {
            name: name.to_owned(),
            requirement,
            text: text.to_owned(),
        })
    }
}

/// What the user asked for.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) specs: &'a [String],
    pub(crate) with: &'a [PathBuf],
    pub(crate) registry: Option<&'a Registry>,
}

/// The plugins to link, or every refusal at once (each naming the plugin
/// and what to do).
pub(crate) fn plan(
    request: &Request<'_>,
    first_party: &[FirstParty],
    api: &Version,
) -> Result<Vec<Planned>, Vec<String>> {
    let mut refusals = Vec::new();
    let mut planned = Vec::new();
    let known_names = || -> Vec<String> {
        let mut names: Vec<String> = first_party
            .iter()
            .flat_map(|f| [f.entry.name.clone(), f.alias.clone()])
            .collect();
        if let Some(r) = request.registry {
            names.extend(r.names().into_iter().map(str::to_owned));
        }
        names
    };
    for text in request.specs.iter().filter(|s| !s.trim().is_empty()) {
        let spec = match Spec::parse(text) {
            Ok(s) => s,
            Err(e) => {
                refusals.push(e);
                continue;
            }
        };
        let requirement = spec.requirement.clone().unwrap_or(VersionReq::STAR);
        if let Some(fp) = first_party
            .iter()
            .find(|f| f.entry.name == spec.name || f.alias == spec.name)
        {
            if !requirement.matches(&fp.entry.version) {
                refusals.push(
                    RegistryError::NoMatchingVersion {
                        name: fp.entry.name.clone(),
                        requirement: requirement.to_string(),
                        available: vec![fp.entry.version.clone()],
                    }
                    .to_string()
                        + " (a first-party plugin comes at this repository's version)",
                );
                continue;
            }
            if let Err(e) = fp.entry.check_api(api) {
                refusals.push(e.to_string());
                continue;
            }
            planned.push(Planned {
                entry: fp.entry.clone(),
                origin: Origin::FirstParty {
                    alias: fp.alias.clone(),
                },
                asked: spec.text,
            });
            continue;
        }
        let Some(registry) = request.registry else {
            let closest = registry::closest(&spec.name, known_names().iter().map(String::as_str));
            refusals.push(format!(
                "{}. First-party plugins: {}; others come from a registry (--registry DIR) or a crate directory (--with PATH)",
                RegistryError::Unknown {
                    name: spec.name.clone(),
                    closest,
                },
                first_party
                    .iter()
                    .map(|f| format!("{} ({})", f.entry.name, f.alias))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        };
        match registry.resolve(&spec.name, &requirement, api) {
            Ok(entry) => planned.push(Planned {
                entry: entry.clone(),
                origin: Origin::Registry {
                    location: registry.location().to_owned(),
                },
                asked: spec.text,
            }),
            Err(RegistryError::Unknown { name, .. }) => {
                let closest = registry::closest(&name, known_names().iter().map(String::as_str));
                refusals.push(format!(
                    "{} (not first-party, and not in registry {})",
                    RegistryError::Unknown { name, closest },
                    registry.location()
                ));
            }
            Err(e) => refusals.push(e.to_string()),
        }
    }
    for dir in request.with {
        match registry::local::read_crate(dir) {
            Ok(entry) => {
                if let Err(e) = entry.check_api(api) {
                    refusals.push(format!("{e} (crate at {})", dir.display()));
                    continue;
                }
                planned.push(Planned {
                    entry,
                    origin: Origin::With,
                    asked: format!("--with {}", dir.display()),
                });
            }
            Err(e) => refusals.push(format!("--with {}: {e}", dir.display())),
        }
    }
    let planned = dedup(planned, &mut refusals);
    clashes(&planned, &mut refusals);
    if planned.is_empty() && refusals.is_empty() {
        refusals.push(
            "no plugins asked for: name some with --plugins k8s,prom,NAME[@REQ] or --with PATH"
                .to_owned(),
        );
    }
    if refusals.is_empty() {
        Ok(planned)
    } else {
        Err(refusals)
    }
}

/// The same plugin asked for twice from the same source is linked once; two
/// different crates that call themselves by one name are refused.
fn dedup(planned: Vec<Planned>, refusals: &mut Vec<String>) -> Vec<Planned> {
    let mut by_name: BTreeMap<String, Planned> = BTreeMap::new();
    let mut order = Vec::new();
    for p in planned {
        match by_name.get(&p.entry.name) {
            Some(first) if first.entry.source == p.entry.source && first.entry.version == p.entry.version => {}
            Some(first) => refusals.push(format!(
                "two plugins are named {:?}: {} {} ({}, asked as {:?}) and {} {} ({}, asked as {:?}); a bundle links each plugin once: drop one of them",
                p.entry.name,
                first.entry.package,
                first.entry.version,
                first.entry.source,
                first.asked,
                p.entry.package,
                p.entry.version,
                p.entry.source,
                p.asked,
            )),
            None => {
                order.push(p.entry.name.clone());
                by_name.insert(p.entry.name.clone(), p);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|name| by_name.remove(&name))
        .collect()
}

/// Two plugins that declare one command, or a command that is the host's own.
fn clashes(planned: &[Planned], refusals: &mut Vec<String>) {
    let mut commands: BTreeMap<&str, &Planned> = BTreeMap::new();
    for p in planned {
        let Some(command) = p.entry.command.as_deref() else {
            continue;
        };
        if vcli::catalog::RESERVED_COMMANDS.contains(&command) {
            refusals.push(format!(
                "plugin {:?} ({}) contributes the command {command:?}, which is the host's own; the plugin must use another command name",
                p.entry.name, p.asked
            ));
        } else if let Some(first) = commands.insert(command, p) {
            refusals.push(format!(
                "plugins {:?} ({}) and {:?} ({}) both contribute the command {command:?}; a bundle can link only one of them",
                first.entry.name, first.asked, p.entry.name, p.asked
            ));
        }
    }
}
