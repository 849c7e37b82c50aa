//! The plugins linked into this binary: validated, sorted, and ordered by dependency.

use std::collections::{BTreeMap, BTreeSet};

use semver::{Version, VersionReq};
use vcli_plugin_api::{Metadata, Registration};

/// The host's own commands, and the ones it keeps for itself: no plugin may
/// contribute them, so `vcli plugins` or `vcli help` always mean the same.
pub const RESERVED_COMMANDS: &[&str] = &[
    "plugins",
    "policy",
    "version",
    "completions",
    "man",
    "help",
    "tui",
    "registry",
];

/// Why the set of linked plugins, or a request to order them, is unusable.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Two linked plugins share a name.
    #[error("two linked plugins are both named {0:?}; a bundle must link each plugin once")]
    Duplicate(String),
    /// Two linked plugins contribute the same CLI subcommand.
    #[error("plugins {first:?} and {second:?} both contribute the command {command:?}")]
    DuplicateCommand {
        /// The contested command.
        command: String,
        /// The first plugin, by name order.
        first: String,
        /// The second plugin.
        second: String,
    },
    /// A plugin's command would shadow one of the host's own.
    #[error(
        "plugin {plugin:?} contributes the command {command:?}, which is the host's own; give the plugin another command name"
    )]
    ReservedCommand {
        /// The command.
        command: String,
        /// The plugin.
        plugin: String,
    },
    /// A metadata field is malformed.
    #[error("plugin {plugin:?} has invalid metadata: {field}: {problem}")]
    InvalidMetadata {
        /// The plugin.
        plugin: String,
        /// The field, e.g. `version`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The plugin needs a plugin API this host does not provide.
    #[error(
        "plugin {plugin:?} requires plugin API {requirement} but this host provides {api}; rebuild it against vcli-plugin-api {api}"
    )]
    IncompatibleApi {
        /// The plugin.
        plugin: String,
        /// What it requires.
        requirement: String,
        /// What the host provides.
        api: String,
    },
    /// No plugin of that name is linked.
    #[error("no plugin named {name:?} is linked into this binary (linked: {linked})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names that are linked.
        linked: String,
    },
    /// A dependency is not linked.
    #[error(
        "plugin {plugin:?} depends on {dependency:?}, which is not linked into this binary; add it to the bundle"
    )]
    MissingDependency {
        /// The dependent plugin.
        plugin: String,
        /// The missing dependency.
        dependency: String,
    },
    /// A dependency is linked at a version the dependent does not accept.
    #[error("plugin {plugin:?} needs {dependency:?} {requirement}, but version {found} is linked")]
    DependencyVersion {
        /// The dependent plugin.
        plugin: String,
        /// The dependency.
        dependency: String,
        /// The requirement.
        requirement: String,
        /// The linked version.
        found: String,
    },
    /// Dependencies form a cycle.
    #[error("plugin dependencies form a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// The validated set of linked plugins, sorted by name.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: BTreeMap<&'static str, &'static Registration>,
}

impl Catalog {
    /// Every plugin registered in this binary.
    ///
    /// # Errors
    ///
    /// See [`Catalog::new`].
    pub fn linked() -> Result<Catalog, CatalogError> {
        Catalog::new(vcli_plugin_api::registrations())
    }

    /// A catalog of `registrations`, after checking each one's metadata and
    /// that names and commands are unique.
    ///
    /// # Errors
    ///
    /// A [`CatalogError`] naming the first bad plugin.
    pub fn new(
        registrations: impl IntoIterator<Item = &'static Registration>,
    ) -> Result<Catalog, CatalogError> {
        let api = Version::parse(vcli_plugin_api::API_VERSION)
            .expect("the API crate's own version is semver");
        let mut entries = BTreeMap::new();
        let mut commands: BTreeMap<&str, &str> = BTreeMap::new();
        for registration in registrations {
            let meta = registration.metadata();
            validate(meta, &api)?;
            if entries.insert(meta.name, registration).is_some() {
                return Err(CatalogError::Duplicate(meta.name.to_owned()));
            }
            if let Some(command) = meta.command
                && RESERVED_COMMANDS.contains(&command)
            {
                return Err(CatalogError::ReservedCommand {
                    command: command.to_owned(),
                    plugin: meta.name.to_owned(),
                });
            }
            if let Some(command) = meta.command
                && let Some(first) = commands.insert(command, meta.name)
            {
                return Err(CatalogError::DuplicateCommand {
                    command: command.to_owned(),
                    first: first.to_owned(),
                    second: meta.name.to_owned(),
                });
            }
        }
        Ok(Catalog { entries })
    }

    /// The registration named `name`.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`] listing the linked plugins.
    pub fn get(&self, name: &str) -> Result<&'static Registration, CatalogError> {
        self.entries
            .get(name)
            .copied()
            .ok_or_else(|| CatalogError::Unknown {
                name: name.to_owned(),
                linked: self.names().collect::<Vec<_>>().join(", "),
            })
    }

    /// The plugin contributing CLI command `command`, if any.
    pub fn by_command(&self, command: &str) -> Option<&'static Registration> {
        self.entries
            .values()
            .copied()
            .find(|r| r.metadata().command == Some(command))
    }

    /// All registrations, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &'static Registration> + '_ {
        self.entries.values().copied()
    }

    /// All plugin names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.keys().copied()
    }

    /// How many plugins are linked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no plugin is linked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `roots` and everything they depend on, dependencies first.
    ///
    /// # Errors
    ///
    /// A missing dependency, a version mismatch or a cycle.
    pub fn start_order<'a>(
        &self,
        roots: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<&'static str>, CatalogError> {
        let mut order = Vec::new();
        let mut done = BTreeSet::new();
        for root in roots {
            let mut path = Vec::new();
            self.visit(self.get(root)?, &mut path, &mut done, &mut order)?;
        }
        Ok(order)
    }

    fn visit(
        &self,
        registration: &'static Registration,
        path: &mut Vec<&'static str>,
        done: &mut BTreeSet<&'static str>,
        order: &mut Vec<&'static str>,
    ) -> Result<(), CatalogError> {
        let meta = registration.metadata();
        if done.contains(meta.name) {
            return Ok(());
        }
        if let Some(at) = path.iter().position(|p| *p == meta.name) {
            let mut cycle: Vec<String> = path[at..].iter().map(|s| (*s).to_owned()).collect();
            cycle.push(meta.name.to_owned());
            return Err(CatalogError::Cycle(cycle));
        }
        path.push(meta.name);
        for dep in meta.dependencies {
            let Some(target) = self.entries.get(dep.name).copied() else {
                return Err(CatalogError::MissingDependency {
                    plugin: meta.name.to_owned(),
                    dependency: dep.name.to_owned(),
                });
            };
            // Both parse: metadata was validated when the catalog was built.
            let req = VersionReq::parse(dep.version).ok();
            let found = Version::parse(target.metadata().version).ok();
            if let (Some(req), Some(found)) = (req, found)
                && !req.matches(&found)
            {
                return Err(CatalogError::DependencyVersion {
                    plugin: meta.name.to_owned(),
                    dependency: dep.name.to_owned(),
                    requirement: dep.version.to_owned(),
                    found: found.to_string(),
                });
            }
            self.visit(target, path, done, order)?;
        }
        path.pop();
        done.insert(meta.name);
        order.push(meta.name);
        Ok(())
    }
}

/// Checks a plugin's metadata: name syntax, semver fields, API compatibility.
fn validate(meta: &Metadata, api: &Version) -> Result<(), CatalogError> {
    let invalid = |field, problem: String| CatalogError::InvalidMetadata {
        plugin: meta.name.to_owned(),
        field,
        problem,
    };
    if let Some(problem) = name_problem(meta.name) {
        return Err(invalid("name", problem));
    }
    if let Some(command) = meta.command
        && let Some(problem) = name_problem(command)
    {
        return Err(invalid("command", problem));
    }
    Version::parse(meta.version)
        .map_err(|e| invalid("version", format!("{:?}: {e}", meta.version)))?;
    let requirement = VersionReq::parse(meta.api_requirement).map_err(|e| {
        invalid(
            "api_requirement",
            format!("{:?}: {e}", meta.api_requirement),
        )
    })?;
    for dep in meta.dependencies {
        VersionReq::parse(dep.version).map_err(|e| {
            invalid(
                "dependencies",
                format!("{}: {:?}: {e}", dep.name, dep.version),
            )
        })?;
    }
    if !requirement.matches(api) {
        return Err(CatalogError::IncompatibleApi {
            plugin: meta.name.to_owned(),
            requirement: meta.api_requirement.to_owned(),
            api: api.to_string(),
        });
    }
    Ok(())
}

/// What is wrong with a plugin or command name, if anything.
pub fn name_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    match chars.next() {
        None => Some("must not be empty".to_owned()),
        Some(c) if !c.is_ascii_lowercase() => {
            Some(format!("{name:?} must start with a lowercase ASCII letter"))
        }
        _ if name.len() > 64 => Some(format!("{name:?} is longer than 64 characters")),
        _ if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') => Some(
            format!("{name:?} may contain only lowercase ASCII letters, digits and '-'"),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use vcli_plugin_api::{
        DescribePlugin, Metadata, Plugin, PluginConfig, PluginContext, PluginError, async_trait,
    };

    use super::*;

    /// A plugin that tries to take over `vcli plugins`.
    struct Shadow;

    #[async_trait]
    impl Plugin for Shadow {
        async fn initialize(&self, _: PluginContext, _: PluginConfig) -> Result<(), PluginError> {
            Ok(())
        }
    }

    impl DescribePlugin for Shadow {
        const METADATA: Metadata = Metadata::new("shadow", "0.1.0").command("plugins");

        fn create() -> Self {
            Shadow
        }
    }

    static SHADOW: Registration = Registration::of::<Shadow>();

    #[test]
    fn a_plugin_cannot_take_a_host_command() {
        let err = Catalog::new([&SHADOW]).unwrap_err();
        assert!(
            matches!(&err, CatalogError::ReservedCommand { command, plugin }
                if command == "plugins" && plugin == "shadow"),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "plugin \"shadow\" contributes the command \"plugins\", which is the host's own; \
             give the plugin another command name"
        );
    }
}
