//! How a failed request is put into words an operator can act on: a refusal
//! by the host, an unreachable server, a broken connection, a timeout, each
//! naming the URL and the innermost cause.

use vcli_plugin_api::PluginError;

use super::Api;
use crate::connector::ConnectError;
use crate::error::PromError;

impl Api {
    pub(super) fn broken(&self, e: hyper::Error) -> PromError {
        PromError::Transport {
            url: self.url.clone(),
            reason: format!(
                "the connection broke while reading the answer: {}",
                root_cause(&e)
            ),
            source: Some(e.into()),
        }
    }

    pub(super) fn timed_out(&self) -> PromError {
        PromError::Timeout {
            url: self.url.clone(),
            after: self.timeout,
        }
    }

    pub(super) fn send_error(&self, err: hyper_util::client::legacy::Error) -> PromError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        while let Some(e) = cause {
            if let Some(ConnectError::Refused(refusal)) = e.downcast_ref::<ConnectError>() {
                return match refusal {
                    PluginError::CapabilityDenied {
                        plugin,
                        capability,
                        reason,
                    } => PromError::Denied {
                        plugin: plugin.clone(),
                        capability: *capability,
                        reason: reason.clone(),
                    },
                    // The plugin is stopping: not retried, the host would
                    // refuse again.
                    _ => PromError::Transport {
                        url: self.url.clone(),
                        reason: "the plugin is stopping, so vcli opens no more connections for it"
                            .to_owned(),
                        source: None,
                    },
                };
            }
            cause = e.source();
        }
        let reason = root_cause(&err);
        if err.is_connect() {
            PromError::Unreachable {
                url: self.url.clone(),
                reason,
                source: Some(err.into()),
            }
        } else {
            PromError::Transport {
                url: self.url.clone(),
                reason,
                source: Some(err.into()),
            }
        }
    }
}

/// The innermost error in words: `connection refused`, `failed to lookup
/// address information: ...`, the host's word that the plugin's
/// connections are closed, a TLS certificate error.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err.to_string();
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            // rustls reports a server that answers TLS with plain bytes as
            // a corrupt record; say what that means.
            if let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>())
                && matches!(tls, rustls::Error::InvalidMessage(_))
            {
                return "the server does not speak TLS there; if it serves plain HTTP, use an http:// URL"
                    .to_owned();
            }
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => "connection reset by peer".to_owned(),
                std::io::ErrorKind::TimedOut => "connection timed out".to_owned(),
                _ => tidy(&io.to_string()),
            };
        }
        last = e.to_string();
        cause = e.source();
    }
    tidy(&last)
}

/// `Connection refused (os error 111)` → `connection refused`.
fn tidy(message: &str) -> String {
    let message = match message.find(" (os error") {
        Some(at) => &message[..at],
        None => message,
    };
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_noise_is_trimmed() {
        assert_eq!(
            tidy("Connection refused (os error 111)"),
            "connection refused"
        );
    }
}
