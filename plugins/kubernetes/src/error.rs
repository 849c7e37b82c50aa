//! kube's errors in the words operators know from kubectl.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use vcli_plugin_api::PluginError;

use crate::connector::ConnectError;

/// The reason kube puts in a `Status` it made up because the server's error
/// body was not a `Status`.
const UNPARSED_REASON: &str = "Failed to parse error data";

/// Maps `err`, from a request to `server` (`host:port`), to a [`PluginError`]
/// whose message is what kubectl would print.
pub(crate) fn from_kube(err: kube::Error, server: &str, timeout: Option<Duration>) -> PluginError {
    match err {
        kube::Error::Api(status) => from_status(status.code, &status.reason, &status.message),
        kube::Error::Auth(e) => PluginError::with_source(format!("getting credentials: {e}"), e),
        kube::Error::SerdeError(e) => {
            PluginError::with_source(format!("cannot decode the server's answer: {e}"), e)
        }
        other => from_transport(other, server, timeout),
    }
}

/// `Error from server (Reason): message`, or the special wording kubectl uses
/// for 401.
pub(crate) fn from_status(code: u16, reason: &str, message: &str) -> PluginError {
    let (reason, message) =
        if reason == UNPARSED_REASON || (reason.is_empty() && message.is_empty()) {
            generic_status(code, message)
        } else {
            (reason.to_owned(), message.to_owned())
        };
    let text = if code == 401 || reason == "Unauthorized" {
        let why = if message.is_empty() {
            "Unauthorized"
        } else {
            message.as_str()
        };
        format!("error: You must be logged in to the server ({why})")
    } else if reason.is_empty() {
        format!("Error from server: {message}")
    } else {
        format!("Error from server ({reason}): {message}")
    };
    PluginError::server(text)
}

/// What client-go says when an error response carries no `Status`.
fn generic_status(code: u16, body: &str) -> (String, String) {
    let reason = match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Gone",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "",
    };
    let message = match code {
        401 => "Unauthorized".to_owned(),
        404 => "the server could not find the requested resource".to_owned(),
        500..=599 if !body.is_empty() => {
            format!("an error on the server ({body:?}) has prevented the request from succeeding")
        }
        _ if !body.is_empty() => body.to_owned(),
        _ => format!(
            "the server responded with the status code {code} but did not return more information"
        ),
    };
    (reason.to_owned(), message)
}

fn from_transport(err: kube::Error, server: &str, timeout: Option<Duration>) -> PluginError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
    let mut innermost = err.to_string();
    while let Some(e) = source {
        if let Some(ConnectError::Denied(denied)) = e.downcast_ref::<ConnectError>() {
            // The host's own refusal goes back as the host's error, so it
            // is reported (and counted) as a capability denial.
            return match denied {
                PluginError::CapabilityDenied {
                    plugin,
                    capability,
                    reason,
                } => PluginError::CapabilityDenied {
                    plugin: plugin.clone(),
                    capability: *capability,
                    reason: reason.clone(),
                },
                other => PluginError::failed(format!("{other}")),
            };
        }
        if e.is::<tower::timeout::error::Elapsed>() {
            let after = timeout.map_or_else(String::new, |t| {
                format!(" after {}", humantime::format_duration(t))
            });
            return PluginError::failed(format!(
                "Unable to connect to the server: the request timed out{after} (--request-timeout)"
            ));
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => {
                    return PluginError::Connection {
                        message: format!(
                            "The connection to the server {server} was refused - did you specify the right host or port?"
                        ),
                        source: None,
                    };
                }
                io::ErrorKind::TimedOut => {
                    return PluginError::failed(format!(
                        "Unable to connect to the server: dial tcp {server}: i/o timeout"
                    ));
                }
                _ => {}
            }
        }
        innermost = e.to_string();
        source = e.source();
    }
    PluginError::failed(format!("Unable to connect to the server: {innermost}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_like_kubectl() {
        assert_eq!(
            from_status(404, "NotFound", "pods \"x\" not found").to_string(),
            "Error from server (NotFound): pods \"x\" not found"
        );
        assert_eq!(
            from_status(401, "Unauthorized", "Unauthorized").to_string(),
            "error: You must be logged in to the server (Unauthorized)"
        );
        assert_eq!(
            from_status(500, UNPARSED_REASON, "boom").to_string(),
            "Error from server (InternalError): an error on the server (\"boom\") has prevented the request from succeeding"
        );
        assert_eq!(
            from_status(418, "", "teapot").to_string(),
            "Error from server: teapot"
        );
    }
}
