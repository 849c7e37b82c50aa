//! Errors in the words an operator understands, and how they map onto the host's exit codes.

use std::time::Duration;

use vcli_plugin_api::{BoxError, Capability, PluginError};

/// Everything that can go wrong between a `vcli prom` command and the server.
///
/// Messages start lowercase (the host prefixes `error: `) except where they
/// quote Prometheus, and name the URL, so that the operator can tell a typo in
/// `--url` from a server that is down.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PromError {
    /// A flag value is wrong: exit code 2.
    #[error("{0}")]
    Usage(String),

    /// The URL from `--url`, the configuration or `PROMETHEUS_URL` is unusable.
    #[error("invalid Prometheus URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// No connection could be opened. Safe to retry: nothing reached the server.
    #[error("cannot reach Prometheus at {url}: {reason}")]
    Unreachable {
        url: String,
        reason: String,
        #[source]
        source: Option<BoxError>,
    },

    /// The connection was open but the exchange broke off. Not retried: the
    /// server may have seen the request.
    #[error("request to Prometheus at {url} failed: {reason}")]
    Transport {
        url: String,
        reason: String,
        #[source]
        source: Option<BoxError>,
    },

    /// The host's network policy refused the connection.
    #[error("capability {capability} is not granted to plugin {plugin}: {reason}")]
    Denied {
        plugin: String,
        capability: Capability,
        reason: String,
    },

    /// The whole command (every attempt included) outlasted `--timeout`.
    #[error("timed out after {} waiting for Prometheus at {url}", humantime::format_duration(*.after))]
    Timeout { url: String, after: Duration },

    /// The server rejected the PromQL expression or series matcher; the
    /// message is the server's, with its `line:column` position.
    #[error("bad query: {0}")]
    BadQuery(String),

    /// Any other non-2xx answer, with the server's own message.
    #[error("Prometheus answered {status}{}", colon_then(.message))]
    Status {
        /// `503 Service Unavailable`.
        status: String,
        /// The numeric status, for the retry and health decisions.
        code: u16,
        /// `errorType: error` from the JSON body, or the start of a plain-text body.
        message: String,
    },

    /// An answer that is not the Prometheus API's JSON (a login page, a
    /// proxy's HTML, another product's 404 on the port).
    #[error("this is not the Prometheus HTTP API at {url} (HTTP {status}); check --url")]
    NotPrometheus {
        url: String,
        /// `404 Not Found`.
        status: String,
    },

    /// An answer in the API's envelope whose data cannot be decoded.
    #[error("unexpected answer from {url}: {reason}")]
    Protocol { url: String, reason: String },

    /// Writing the result failed (a closed pipe, a full disk).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

fn colon_then(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl PromError {
    /// Whether repeating the request is both safe and useful: nothing reached
    /// the server, or the server said it is temporarily unavailable.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            PromError::Unreachable { .. } => true,
            PromError::Status { code, .. } => *code == 503,
            _ => false,
        }
    }

    /// Whether this failure says something about the server's health, as
    /// opposed to the operator's input (a bad query, a bad flag).
    pub(crate) fn is_server_failure(&self) -> bool {
        match self {
            PromError::Unreachable { .. }
            | PromError::Transport { .. }
            | PromError::Timeout { .. }
            | PromError::NotPrometheus { .. }
            | PromError::Protocol { .. } => true,
            PromError::Status { code, .. } => *code >= 500,
            _ => false,
        }
    }
}

impl From<PromError> for PluginError {
    fn from(err: PromError) -> Self {
        let message = err.to_string();
        match err {
            PromError::Usage(message) => PluginError::Usage(message),
            PromError::InvalidUrl { .. } => PluginError::Usage(message),
            PromError::Output(io) => PluginError::Output(io),
            PromError::Denied {
                plugin,
                capability,
                reason,
            } => PluginError::CapabilityDenied {
                plugin,
                capability,
                reason,
            },
            // Keep the transport error as the source so the host can show
            // the whole chain when asked to be verbose.
            PromError::Unreachable {
                source: Some(source),
                ..
            }
            | PromError::Transport {
                source: Some(source),
                ..
            } => PluginError::with_source(message, source),
            _ => PluginError::failed(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_kind_of_mistake() {
        let usage: PluginError = PromError::Usage("invalid --step".into()).into();
        assert_eq!(usage.exit_code(), 2);
        let url: PluginError = PromError::InvalidUrl {
            url: "ftp://x".into(),
            reason: "scheme".into(),
        }
        .into();
        assert_eq!(url.exit_code(), 2);
        let down: PluginError = PromError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            reason: "connection refused".into(),
            source: None,
        }
        .into();
        assert_eq!(down.exit_code(), 1);
        assert_eq!(
            down.to_string(),
            "cannot reach Prometheus at http://127.0.0.1:1: connection refused"
        );
    }

    #[test]
    fn status_message_quotes_the_server() {
        let err = PromError::Status {
            status: "503 Service Unavailable".into(),
            code: 503,
            message: "unavailable: not ready".into(),
        };
        assert_eq!(
            err.to_string(),
            "Prometheus answered 503 Service Unavailable: unavailable: not ready"
        );
        assert!(err.is_retryable());
        let bare = PromError::Status {
            status: "502 Bad Gateway".into(),
            code: 502,
            message: String::new(),
        };
        assert_eq!(bare.to_string(), "Prometheus answered 502 Bad Gateway");
        assert!(!bare.is_retryable());
        let timeout = PromError::Timeout {
            url: "http://p:9090".into(),
            after: Duration::from_secs(5),
        };
        assert_eq!(
            timeout.to_string(),
            "timed out after 5s waiting for Prometheus at http://p:9090"
        );
    }
}
