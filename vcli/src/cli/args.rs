//! The clap command tree: host commands from derive, plugin commands from
//! each linked plugin's registration.

use std::path::PathBuf;

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
    #[arg(long, global = true, env = "VCLI_CONFIG", value_name = "PATH")]
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

/// The whole command tree: host commands plus every plugin's subcommand.
pub(crate) fn command(catalog: &Catalog) -> Command {
    let mut cmd = Cli::command();
    for registration in catalog.iter() {
        let meta = registration.metadata();
        if let (Some(name), Some(sub)) = (meta.command, registration.command()) {
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
