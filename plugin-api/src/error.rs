//! The error type plugins return to the host.

use crate::Capability;

/// A boxed error from any library a plugin uses.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong inside a plugin, in words the host can show to an operator.
///
/// The host maps variants to exit codes: [`PluginError::Usage`] and
/// [`PluginError::Config`] exit with 2 (the user must change what they typed or
/// wrote), everything else with 1. Messages are lowercase and say what to do
/// where they can.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The plugin's configuration is wrong. The message names the file and line
    /// when the configuration came from a file (see [`PluginConfig::parse`](crate::PluginConfig::parse)).
    #[error("{0}")]
    Config(String),
    /// The command line was wrong: a bad flag value, a missing argument.
    #[error("{0}")]
    Usage(String),
    /// The plugin asked the host for a service its policy does not grant.
    #[error("capability {capability} is not granted to plugin {plugin}: {reason}")]
    CapabilityDenied {
        /// The plugin that asked.
        plugin: String,
        /// The capability it asked for.
        capability: Capability,
        /// Why it was denied and what to change.
        reason: String,
    },
    /// A resource budget refused the request (too many tasks, for example).
    #[error("budget exceeded: {0}")]
    Budget(String),
    /// Writing the command's output failed. A broken pipe (the reader went
    /// away, as with `| head`) is not reported as an error by the host.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// The operation was cancelled because the plugin is stopping.
    #[error("cancelled")]
    Cancelled,
    /// The server behind the plugin answered with an error. The message is
    /// the whole text an operator sees, in the words of the server's own
    /// tools (kubectl's `Error from server (NotFound): pods "x" not found`),
    /// and the host prints it as it is, without an `error: ` prefix.
    #[error("{message}")]
    Server {
        /// The full message shown to the operator.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// The server could not be reached: refused, unresolvable, timed out,
    /// a TLS failure. Printed as it is, like [`PluginError::Server`].
    #[error("{message}")]
    Connection {
        /// The full message shown to the operator.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// Anything else: a failure inside the plugin, a timeout. The host
    /// prints it after `error: `.
    #[error("{message}")]
    Failed {
        /// The full message shown to the operator.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
}

impl PluginError {
    /// A failure with a message and no underlying error.
    pub fn failed(message: impl Into<String>) -> Self {
        PluginError::Failed {
            message: message.into(),
            source: None,
        }
    }

    /// A failure with a message explaining `source`.
    pub fn with_source(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        PluginError::Failed {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// An error answer from the server, shown as it is.
    pub fn server(message: impl Into<String>) -> Self {
        PluginError::Server {
            message: message.into(),
            source: None,
        }
    }

    /// The server could not be reached because of `source`; `message` is
    /// shown as it is.
    pub fn connection(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        PluginError::Connection {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The process exit code the host uses for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            PluginError::Config(_) | PluginError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// Whether this is a write to a closed pipe, which is not an error for a CLI.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, PluginError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
