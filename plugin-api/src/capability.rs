//! The eight capabilities a plugin can ask the host for.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Something a plugin needs from the host that the user's policy may grant or deny.
///
/// A plugin lists the capabilities it needs in its [`Metadata`](crate::Metadata).
/// The host refuses to start a plugin whose needs the policy does not grant,
/// and [`PluginContext`](crate::PluginContext) hands out a service (for example
/// the metered network connector) only for a granted capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Capability {
    /// Open network connections (through the host's metered connector).
    Network,
    /// Read or write files below the directories the policy grants.
    Filesystem,
    /// Spawn child processes.
    ProcessExecution,
    /// Talk to a Kubernetes API server.
    KubernetesApi,
    /// Talk to a Prometheus HTTP API.
    PrometheusApi,
    /// Talk to a database.
    Database,
    /// Render a view inside the TUI.
    TuiRendering,
    /// Contribute subcommands to the CLI.
    CliCommands,
}

impl Capability {
    /// Every capability, in a stable order.
    pub const ALL: [Capability; 8] = [
        Capability::Network,
        Capability::Filesystem,
        Capability::ProcessExecution,
        Capability::KubernetesApi,
        Capability::PrometheusApi,
        Capability::Database,
        Capability::TuiRendering,
        Capability::CliCommands,
    ];

    /// The name used in configuration files and on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Capability::Network => "network",
            Capability::Filesystem => "filesystem",
            Capability::ProcessExecution => "process-execution",
            Capability::KubernetesApi => "kubernetes-api",
            Capability::PrometheusApi => "prometheus-api",
            Capability::Database => "database",
            Capability::TuiRendering => "tui-rendering",
            Capability::CliCommands => "cli-commands",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no capability.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown capability {0:?} (expected one of: network, filesystem, process-execution, kubernetes-api, prometheus-api, database, tui-rendering, cli-commands)"
)]
pub struct UnknownCapability(pub String);

impl FromStr for Capability {
    type Err = UnknownCapability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCapability(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Capability::ALL {
            assert_eq!(c.as_str().parse::<Capability>(), Ok(c));
        }
        assert!("telepathy".parse::<Capability>().is_err());
    }
}
