//! Static facts about a plugin, readable without constructing it.

use crate::Capability;

/// Another plugin this plugin needs, with the versions it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Dependency {
    /// The name of the plugin depended on.
    pub name: &'static str,
    /// A semver requirement on its version, e.g. `"^0.3"` (`"*"` accepts any).
    pub version: &'static str,
}

impl Dependency {
    /// A dependency on `name` at versions matching `version`.
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Dependency { name, version }
    }
}

/// Everything the host knows about a plugin before building it.
///
/// Metadata is a `const` value built with a `const fn` builder, so listing the
/// plugins linked into a binary costs nothing at run time:
///
/// ```
/// use vcli_plugin_api::{Capability, Dependency, Metadata};
///
/// const METADATA: Metadata = Metadata::new("greeter", "0.2.0")
///     .description("Says hello")
///     .authors(&["Ada <ada@example.com>"])
///     .tags(&["demo"])
///     .command("greet")
///     .capabilities(&[Capability::CliCommands])
///     .dependencies(&[Dependency::new("clock", "^1")]);
///
/// assert_eq!(METADATA.name, "greeter");
/// ```
///
/// The host validates metadata when it discovers a plugin (name syntax, semver
/// version, requirements) and refuses to run a plugin whose metadata is
/// broken, with an error naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    /// Unique name: lowercase ASCII letters, digits and `-`, starting with a letter.
    pub name: &'static str,
    /// The plugin's own semver version, usually `env!("CARGO_PKG_VERSION")`.
    pub version: &'static str,
    /// One line saying what the plugin does.
    pub description: &'static str,
    /// Who wrote it.
    pub authors: &'static [&'static str],
    /// Words that registry searches match.
    pub tags: &'static [&'static str],
    /// Plugins that must be running before this one starts.
    pub dependencies: &'static [Dependency],
    /// A semver requirement on the host plugin API, e.g. `"^1"`.
    pub api_requirement: &'static str,
    /// The plugin API version this plugin was compiled against.
    pub api_version: &'static str,
    /// Capabilities the plugin uses; the user's policy must grant all of them
    /// but the [`optional_capabilities`](Self::optional_capabilities).
    pub capabilities: &'static [Capability],
    /// Those of `capabilities` the plugin can do without (say, files for a
    /// cache): a policy that refuses one runs the plugin without it instead
    /// of refusing the plugin. The plugin checks
    /// [`PluginContext::granted`](crate::PluginContext::granted) before using one.
    pub optional_capabilities: &'static [Capability],
    /// The name of the CLI subcommand the plugin contributes (`vcli <command> ...`),
    /// if any. Defaults to none.
    pub command: Option<&'static str>,
}

impl Metadata {
    /// Metadata with a name and version and everything else empty.
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Metadata {
            name,
            version,
            description: "",
            authors: &[],
            tags: &[],
            dependencies: &[],
            api_requirement: crate::API_REQUIREMENT,
            api_version: crate::API_VERSION,
            capabilities: &[],
            optional_capabilities: &[],
            command: None,
        }
    }

    /// Sets the description.
    pub const fn description(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// Sets the authors.
    pub const fn authors(mut self, authors: &'static [&'static str]) -> Self {
        self.authors = authors;
        self
    }

    /// Sets the search tags.
    pub const fn tags(mut self, tags: &'static [&'static str]) -> Self {
        self.tags = tags;
        self
    }

    /// Sets the plugins this one depends on.
    pub const fn dependencies(mut self, dependencies: &'static [Dependency]) -> Self {
        self.dependencies = dependencies;
        self
    }

    /// Sets the capabilities the plugin needs.
    pub const fn capabilities(mut self, capabilities: &'static [Capability]) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Marks some of the capabilities as optional: the plugin runs, without
    /// them, under a policy that refuses them. Each should also be in
    /// [`capabilities`](Self::capabilities), so that reviews list it.
    pub const fn optional_capabilities(mut self, optional: &'static [Capability]) -> Self {
        self.optional_capabilities = optional;
        self
    }

    /// Sets the CLI subcommand name.
    pub const fn command(mut self, command: &'static str) -> Self {
        self.command = Some(command);
        self
    }

    /// Overrides the host API requirement (the default accepts this API major).
    pub const fn api_requirement(mut self, requirement: &'static str) -> Self {
        self.api_requirement = requirement;
        self
    }

    /// Whether the plugin asked for `capability`.
    pub fn needs(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }
}
