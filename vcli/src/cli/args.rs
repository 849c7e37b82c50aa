//! The clap command tree: host commands from derive, plugin commands from
//! each linked plugin's registration.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Command, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use crate::catalog::Catalog;

/// The host's own commands and global flags.
#[derive(Debug, Parser)]
#[command(
    name = "vcli",
    version,
    about = "A terminal cockpit for operators: every feature comes from a plugin",
    subcommand_required = true,
    arg_required_else_help = true
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: HostCommand,
}

/// Flags accepted before any subcommand.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Configuration file [default: $XDG_CONFIG_HOME/vcli/config.toml]
    // Empty values are let through (clap's path parser would refuse them as
    // a missing `--config` value) so that `dispatch` can treat an empty
    // VCLI_CONFIG as unset.
    #[arg(
        long,
        global = true,
        env = "VCLI_CONFIG",
        value_name = "PATH",
        value_parser = clap::builder::OsStringValueParser::new().map(PathBuf::from)
    )]
    pub(crate) config: Option<PathBuf>,
    /// More logging on stderr (-v info, -vv debug, -vvv trace); VCLI_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HostCommand {
    /// Inspect the plugins linked into this binary
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Check the sandbox policy in a config file
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print the host, plugin API and plugin versions
    Version {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script
    Completions {
        /// The shell
        shell: Shell,
    },
    /// Print the man page (roff)
    Man,
    /// Open the cockpit: every plugin's view, the plugins and their events,
    /// and a command palette (also what `vcli` alone opens in a terminal)
    Tui,
    /// Find plugin source crates in a registry, for `cargo xtask bundle`
    #[command(subcommand)]
    Registry(RegistryCommand),
}

/// Where the registry is and how to read it.
#[derive(Debug, Args)]
pub(crate) struct RegistryOptions {
    /// A directory of plugin crates or the URL of an index [default: [registry] url in the config]
    #[arg(long, env = "VCLI_REGISTRY", value_name = "DIR|URL")]
    pub(crate) registry: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub(crate) json: bool,
    /// Revalidate a cached index now, even within the hour
    #[arg(long, conflicts_with = "offline")]
    pub(crate) refresh: bool,
    /// Read only the cached index; ask no server
    #[arg(long)]
    pub(crate) offline: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Plugins whose name, description or tags contain QUERY (newest versions)
    Search {
        /// What to look for
        query: String,
        #[command(flatten)]
        options: RegistryOptions,
    },
    /// Every plugin in the registry (newest versions)
    List {
        #[command(flatten)]
        options: RegistryOptions,
    },
    /// One plugin: the newest version matching NAME[@REQ] this host's API meets
    Info {
        /// NAME or NAME@VERSION-REQ
        plugin: String,
        #[command(flatten)]
        options: RegistryOptions,
    },
    /// Fetch a plugin's source crate (checksum verified) into a directory
    Download {
        /// NAME or NAME@VERSION-REQ
        plugin: String,
        /// Where to put it [default: NAME-VERSION]
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        #[command(flatten)]
        options: RegistryOptions,
    },
    /// Validate the plugin crate at PATH and add it to an index file
    Publish {
        /// The plugin crate's directory
        path: PathBuf,
        /// The index file to add it to (created if absent)
        #[arg(long, value_name = "FILE")]
        index: PathBuf,
        /// Published in git at this URL (with --rev)
        #[arg(long, value_name = "URL", requires = "rev")]
        git: Option<String>,
        /// The full commit id of the published source
        #[arg(long, value_name = "COMMIT", requires = "git")]
        rev: Option<String>,
        /// Published on crates.io: the sha256 of its .crate file
        #[arg(long, value_name = "sha256:HEX", conflicts_with = "git")]
        checksum: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PluginsCommand {
    /// List linked plugins (constructs none of them)
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one plugin's metadata, capabilities and configuration
    Info {
        /// Plugin name
        name: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show recorded sandbox violations (the last 100, kept across runs)
    Violations {
        /// Only this plugin's
        name: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Initialize plugins and run one health check each
    Health {
        /// Only this plugin
        name: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Validate the policy and explain, plugin by plugin, what it grants and limits
    Check {
        /// The file to check [default: the config file in use]
        file: Option<PathBuf>,
    },
}

/// How much of each plugin's command tree to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail<'a> {
    /// Every plugin's whole tree (completions, man page).
    All,
    /// The whole tree of the plugin owning this command; the others are
    /// listed by name and description only.
    Only(&'a str),
}

/// The whole command tree: host commands plus every plugin's subcommand.
///
/// Building a large plugin tree costs real start-up time, and `vcli plugins
/// list` or `vcli --help` only need each plugin's name and description, so
/// only the tree the invocation can reach is built in full.
pub(crate) fn command(catalog: &Catalog, detail: Detail<'_>) -> Command {
    let mut cmd = Cli::command();
    for registration in catalog.iter() {
        let meta = registration.metadata();
        let Some(name) = meta.command else { continue };
        let full = match detail {
            Detail::All => true,
            Detail::Only(wanted) => wanted == name,
        };
        let sub = if full {
            registration.command()
        } else {
            Some(Command::new(name))
        };
        if let Some(sub) = sub {
            let sub = sub.name(name);
            let sub = if sub.get_about().is_none() {
                sub.about(meta.description)
            } else {
                sub
            };
            cmd = cmd.subcommand(sub);
        }
    }
    cmd
}

/// The first word of `args` (after the program name) that is not a global
/// flag or its value: the subcommand about to run.
pub(crate) fn first_command(args: &[std::ffi::OsString]) -> Option<&str> {
    let mut words = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(word) = words.next() {
        match word {
            "--config" => {
                words.next();
            }
            w if w.starts_with('-') => {}
            w => return Some(w),
        }
    }
    None
}
