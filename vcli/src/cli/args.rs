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
