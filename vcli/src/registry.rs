//! The plugin registry client: finds plugin *source crates* by name and
//! version requirement, so that `cargo xtask bundle` can link them into a
//! custom binary.
//!
//! A registry is a list of [`Entry`]s, one per plugin version: name,
//! version, description, tags, the plugin API it requires, the capabilities
//! it needs, and where its source is ([`Source`]). The local backend
//! ([`local`]) reads a directory of plugin crates, each described by its own
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "vcli-plugin-hello"
//! version = "0.2.0"                  # the plugin's version
//! description = "Says hello"         # unless metadata.vcli says otherwise
//!
//! [package.metadata.vcli]
//! name = "hello"                     # the plugin's name (required)
//! tags = ["demo"]                    # default: the package's keywords
//! capabilities = ["cli-commands"]    # what the host's policy must grant
//! command = "hello"                  # optional: lets a bundle refuse a clash before building
//!
//! [dependencies]
//! vcli-plugin-api = "1"              # the API requirement
//! ```

pub mod http;
pub mod index;
pub mod local;

/// The plugin guide, `docs/plugin-guide.md`: its code blocks are compiled
/// as this crate's doctests (vcli's dependencies give them tokio).
#[cfg(doctest)]
#[doc = include_str!("../../docs/plugin-guide.md")]
pub struct PluginGuide;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vcli_plugin_api::Capability;

/// Where a plugin's source crate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A crate published on crates.io, at one version, with the sha256 of
    /// its `.crate` file as the index records it.
    CratesIo {
        /// The exact version.
        version: Version,
        /// `sha256:` and 64 hex digits.
        checksum: String,
    },
    /// A git repository at a revision.
    Git {
        /// The repository's URL.
        url: String,
        /// The revision: pinned only when it is a full 40-hex commit id.
        rev: String,
    },
    /// A crate in a local directory.
    Path {
        /// The crate's directory.
        path: PathBuf,
    },
}

impl Source {
    /// Whether the source names exactly one content: a crates.io version
    /// with its checksum, or a git commit by its full id. A path is never
    /// pinned (its content may change under the same name and version).
    pub fn is_pinned(&self) -> bool {
        match self {
            Source::CratesIo { checksum, .. } => checksum_problem(checksum).is_none(),
            Source::Git { rev, .. } => {
                rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())
            }
            Source::Path { .. } => false,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::CratesIo { version, .. } => write!(f, "crates.io {version}"),
            Source::Git { url, rev } => write!(f, "git {url} rev {rev}"),
            Source::Path { path } => write!(f, "path {}", path.display()),
        }
    }
}

/// One version of one plugin, as a registry describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The plugin's name (what `vcli plugins list` shows).
    pub name: String,
    /// The Cargo package that holds it.
    pub package: String,
    /// The plugin's version, which is its package's version.
    pub version: Version,
    /// One line saying what it does.
    #[serde(default)]
    pub description: String,
    /// Words a search matches.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The CLI command it contributes, when the entry says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The plugin API versions it builds against (its `vcli-plugin-api`
    /// dependency requirement).
    pub api_requirement: VersionReq,
    /// The capabilities it needs.
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    /// Where its source is.
    pub source: Source,
}

impl Entry {
    /// Whether this host's plugin API (`api`) meets the entry's requirement.
    ///
    /// # Errors
    ///
    /// [`RegistryError::IncompatibleApi`], naming the plugin and what to do.
    pub fn check_api(&self, api: &Version) -> Result<(), RegistryError> {
        if self.api_requirement.matches(api) {
            Ok(())
        } else {
            Err(RegistryError::IncompatibleApi {
                name: self.name.clone(),
                version: self.version.to_string(),
                requirement: self.api_requirement.to_string(),
                api: api.to_string(),
                compatible: Vec::new(),
            })
        }
    }

    /// Whether `query` (lowercased) occurs in the name, description or a tag.
    fn matches(&self, query: &str) -> bool {
        self.name.contains(query)
            || self.description.to_lowercase().contains(query)
            || self.tags.iter().any(|t| t.to_lowercase().contains(query))
    }
}

/// Why a registry could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A plugin crate's manifest or an index is malformed.
    #[error("{}: {problem}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the key.
        problem: String,
    },
    /// No plugin of that name is known.
    #[error("unknown plugin {name:?}{}", did_you_mean(closest))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The closest known names, best first.
        closest: Vec<String>,
    },
    /// The plugin exists, but no version matches the requirement.
    #[error(
        "no version of plugin {name:?} matches {requirement} (versions: {}); ask for one of those, e.g. {name}@{}",
        join(available),
        available.last().map_or_else(String::new, |v| format!("={v}"))
    )]
    NoMatchingVersion {
        /// The plugin.
        name: String,
        /// The requirement asked for.
        requirement: String,
        /// The versions there are, oldest first.
        available: Vec<Version>,
    },
    /// The plugin requires a plugin API this host does not provide.
    #[error(
        "plugin {name:?} {version} requires vcli-plugin-api {requirement}, but this host provides {api}; {}",
        if compatible.is_empty() {
            format!("no version of {name} builds against API {api}: update vcli, or ask the plugin's authors for a release for API {}.x", api.split('.').next().unwrap_or(api))
        } else {
            format!("versions built for this API: {}", join(compatible))
        }
    )]
    IncompatibleApi {
        /// The plugin.
        name: String,
        /// Its version.
        version: String,
        /// What it requires.
        requirement: String,
        /// What the host provides.
        api: String,
        /// Versions of the plugin that this host's API meets, oldest first.
        compatible: Vec<Version>,
    },
    /// The registry's location is of a kind this client cannot read.
    #[error("{0}")]
    Unsupported(String),
}

fn did_you_mean(closest: &[String]) -> String {
    match closest {
        [] => String::new(),
        [one] => format!("; did you mean {one:?}?"),
        more => format!(
            "; did you mean one of {}?",
            more.iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn join(versions: &[Version]) -> String {
    if versions.is_empty() {
        return "none".to_owned();
    }
    versions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A registry's entries, sorted by name and then version.
#[derive(Debug, Clone)]
pub struct Registry {
    location: String,
    entries: Vec<Entry>,
    origin: Option<http::Origin>,
    warning: Option<String>,
}

impl Registry {
    /// Opens the registry at `location` with the default cache behaviour.
    ///
    /// # Errors
    ///
    /// See [`Registry::open_with`].
    pub fn open(location: &str) -> Result<Registry, RegistryError> {
        Registry::open_with(location, http::Options::default(), None)
    }

    /// Opens the registry at `location`: the URL of an index (`http://`,
    /// `https://`), read through the cache in `cache` (default: the XDG cache
    /// directory) as `options` say, or a directory of plugin crates.
    ///
    /// # Errors
    ///
    /// A directory that cannot be read or holds a malformed plugin crate; an
    /// index that cannot be fetched (and is not cached) or is malformed.
    pub fn open_with(
        location: &str,
        options: http::Options,
        cache: Option<&Path>,
    ) -> Result<Registry, RegistryError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            let default_cache = http::cache_dir();
            let cache = cache.or(default_cache.as_deref()).ok_or_else(|| {
                RegistryError::Unsupported(
                    "no cache directory for registry indexes (set XDG_CACHE_HOME or HOME)"
                        .to_owned(),
                )
            })?;
            let fetched = http::fetch(location, cache, options)?;
            let mut registry = Registry::from_entries(location, fetched.index.entries);
            registry.origin = Some(fetched.origin);
            registry.warning = fetched.warning;
            return Ok(registry);
        }
        let dir = Path::new(location);
        Ok(Registry::from_entries(location, local::scan(dir)?))
    }

    /// A registry of `entries`, read from `location`.
    pub fn from_entries(location: impl Into<String>, mut entries: Vec<Entry>) -> Registry {
        entries.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
        Registry {
            location: location.into(),
            entries,
            origin: None,
            warning: None,
        }
    }

    /// Where an HTTP registry's index came from (none for a directory).
    pub fn origin(&self) -> Option<http::Origin> {
        self.origin
    }

    /// What to tell the user about the index (a stale copy, skipped entries).
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// Where the registry was read from.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Every entry, by name and then version.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The names of the plugins in the registry, sorted, once each.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
        names.dedup();
        names
    }

    /// Every version of `name`, oldest first.
    pub fn versions(&self, name: &str) -> Vec<&Entry> {
        self.entries.iter().filter(|e| e.name == name).collect()
    }

    /// The newest version of each plugin whose name, description or tags
    /// contain `query` (case-insensitive); an empty query matches all.
    pub fn search(&self, query: &str) -> Vec<&Entry> {
        let query = query.to_lowercase();
        let mut found: Vec<&Entry> = Vec::new();
        for entry in self.entries.iter().filter(|e| e.matches(&query)) {
            match found.last_mut() {
                Some(last) if last.name == entry.name => *last = entry,
                _ => found.push(entry),
            }
        }
        found
    }

    /// The newest version of `name` that matches `requirement` and whose API
    /// requirement this host's API (`api`) meets.
    ///
    /// # Errors
    ///
    /// [`RegistryError::Unknown`] with the closest names,
    /// [`RegistryError::NoMatchingVersion`] with the versions there are, or
    /// [`RegistryError::IncompatibleApi`] for the newest matching version
    /// when none of them builds against this host.
    pub fn resolve(
        &self,
        name: &str,
        requirement: &VersionReq,
        api: &Version,
    ) -> Result<&Entry, RegistryError> {
        let versions = self.versions(name);
        if versions.is_empty() {
            return Err(RegistryError::Unknown {
                name: name.to_owned(),
                closest: closest(name, self.names()),
            });
        }
        let matching: Vec<&Entry> = versions
            .iter()
            .copied()
            .filter(|e| requirement.matches(&e.version))
            .collect();
        let Some(newest) = matching.last() else {
            return Err(RegistryError::NoMatchingVersion {
                name: name.to_owned(),
                requirement: requirement.to_string(),
                available: versions.iter().map(|e| e.version.clone()).collect(),
            });
        };
        if let Some(entry) = matching
            .iter()
            .rev()
            .find(|e| e.api_requirement.matches(api))
        {
            return Ok(entry);
        }
        Err(RegistryError::IncompatibleApi {
            name: newest.name.clone(),
            version: newest.version.to_string(),
            requirement: newest.api_requirement.to_string(),
            api: api.to_string(),
            compatible: versions
                .iter()
                .filter(|e| e.api_requirement.matches(api))
                .map(|e| e.version.clone())
                .collect(),
        })
    }
}

/// Up to three of `candidates` closest to `name`, best first: those within
/// a small edit distance, or that contain it, or that it contains.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let score = strsim::jaro_winkler(name, c);
            let close = strsim::damerau_levenshtein(name, c) <= 2.max(name.len() / 4)
                || score >= 0.85
                || (name.len() >= 3 && (c.contains(name) || name.contains(c)));
            close.then_some((score, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_owned())
        .collect()
}

/// What is wrong with a checksum written as `sha256:` and 64 hex digits.
pub fn checksum_problem(checksum: &str) -> Option<String> {
    match checksum.strip_prefix("sha256:") {
        Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => None,
        _ => Some(format!(
            "checksum {checksum:?} is not \"sha256:\" followed by 64 hex digits"
        )),
    }
}

/// The sha256 of `bytes`, written `sha256:HEX` (a `.crate` file's checksum,
/// as crates.io's index and Cargo.lock give it in hex).
pub fn checksum_bytes(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The sha256 of a crate's source directory: every file's path (relative,
/// with `/`) and content, in path order, leaving out `target/`, hidden
/// files and directories, and `Cargo.lock` (unused when the crate is a
/// dependency). Written `sha256:HEX`.
///
/// # Errors
///
/// A file or directory that cannot be read.
pub fn checksum_dir(dir: &Path) -> Result<String, RegistryError> {
    fn walk(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), RegistryError> {
        let io = |source| RegistryError::Io {
            path: dir.to_owned(),
            source,
        };
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || (dir == root && (name == "target" || name == "Cargo.lock"))
            {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type().map_err(io)?;
            if kind.is_dir() {
                walk(root, &path, files)?;
            } else {
                files.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let mut hash = Sha256::new();
    let mut buffer = Vec::new();
    for file in files {
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        let relative = relative.to_string_lossy().replace('\\', "/");
        buffer.clear();
        std::fs::File::open(&file)
            .and_then(|mut f| f.read_to_end(&mut buffer))
            .map_err(|source| RegistryError::Io {
                path: file.clone(),
                source,
            })?;
        hash.update((relative.len() as u64).to_le_bytes());
        hash.update(relative.as_bytes());
        hash.update((buffer.len() as u64).to_le_bytes());
        hash.update(&buffer);
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("sha256:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, version: &str, api: &str) -> Entry {
        Entry {
            name: name.to_owned(),
            package: format!("vcli-plugin-{name}"),
            version: version.parse().unwrap(),
            description: format!("the {name} plugin"),
            tags: vec!["demo".to_owned()],
            command: None,
            api_requirement: api.parse().unwrap(),
            capabilities: vec![Capability::CliCommands],
            source: Source::Path {
                path: PathBuf::from(format!("/plugins/{name}-{version}")),
            },
        }
    }

    fn registry() -> Registry {
        Registry::from_entries(
            "test",
            vec![
                entry("hello", "0.2.0", "1"),
                entry("hello", "0.1.0", "1"),
                entry("hello", "0.3.0", "^2"),
                entry("kafka", "1.0.0", "1"),
            ],
        )
    }

    #[test]
    fn resolves_the_newest_matching_version_the_api_meets() {
        let api = Version::new(1, 0, 0);
        let r = registry();
        let any = VersionReq::STAR;
        assert_eq!(
            r.resolve("hello", &any, &api).unwrap().version.to_string(),
            "0.2.0"
        );
        let old = VersionReq::parse("=0.1.0").unwrap();
        assert_eq!(
            r.resolve("hello", &old, &api).unwrap().version.to_string(),
            "0.1.0"
        );
    }

    #[test]
    fn refusals_say_what_exists() {
        let api = Version::new(1, 0, 0);
        let r = registry();
        let e = r.resolve("helo", &VersionReq::STAR, &api).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown plugin \"helo\"; did you mean \"hello\"?"
        );
        let e = r
            .resolve("hello", &VersionReq::parse("^0.9").unwrap(), &api)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "no version of plugin \"hello\" matches ^0.9 (versions: 0.1.0, 0.2.0, 0.3.0); ask for one of those, e.g. hello@=0.3.0"
        );
        let e = r
            .resolve("hello", &VersionReq::parse("=0.3.0").unwrap(), &api)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "plugin \"hello\" 0.3.0 requires vcli-plugin-api ^2, but this host provides 1.0.0; versions built for this API: 0.1.0, 0.2.0"
        );
    }

    #[test]
    fn search_matches_name_description_and_tags_once_per_plugin() {
        let r = registry();
        let names = |q: &str| -> Vec<String> {
            r.search(q)
                .iter()
                .map(|e| format!("{}@{}", e.name, e.version))
                .collect()
        };
        assert_eq!(names("kaf"), ["kafka@1.0.0"]);
        assert_eq!(names("DEMO"), ["hello@0.3.0", "kafka@1.0.0"]);
        assert_eq!(names("the hello"), ["hello@0.3.0"]);
        assert!(names("nothing").is_empty());
    }

    #[test]
    fn pinned_sources() {
        let git = |rev: &str| Source::Git {
            url: "https://example.invalid/p.git".to_owned(),
            rev: rev.to_owned(),
        };
        assert!(git(&"a".repeat(40)).is_pinned());
        assert!(!git("main").is_pinned());
        assert!(!git("abc123").is_pinned());
        assert!(!Source::Path { path: "/p".into() }.is_pinned());
        let crates = |checksum: &str| Source::CratesIo {
            version: Version::new(1, 0, 0),
            checksum: checksum.to_owned(),
        };
        assert!(crates(&format!("sha256:{}", "0".repeat(64))).is_pinned());
        assert!(!crates("md5:00").is_pinned());
    }

    #[test]
    fn closest_names() {
        let known = ["kubernetes", "prometheus", "k8s", "prom"];
        assert_eq!(closest("kubernets", known), ["kubernetes"]);
        assert_eq!(closest("prometheu", known), ["prometheus", "prom"]);
        assert!(closest("zzzzzz", known).is_empty());
    }
}
