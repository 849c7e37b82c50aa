//! Reading an answer: the `data` of a success, or the error the server
//! described, classified so the operator sees a bad query as a bad query and
//! a proxy's 503 with its message.

use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::PromError;
use crate::split::Envelope;

/// A whole HTTP answer, body read.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) json: bool,
    pub(crate) body: Vec<u8>,
}

/// Decoded `data` of a successful API answer. (Its warnings are printed
/// only for queries, which read them from the split answer's envelope.)
#[derive(Debug)]
pub(crate) struct Answer<T> {
    pub(crate) data: T,
}

#[derive(Deserialize)]
struct Status {
    status: Option<String>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    // `data` is skipped here (serde ignores unknown fields without
    // buffering them) and decoded in a second pass only on success.
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

/// A 503 whose JSON says `errorType: timeout` is a query that ran out of
/// time on the server: repeating it would just burn the server again.
pub(crate) fn is_query_timeout(reply: &Reply) -> bool {
    reply.json
        && serde_json::from_slice::<Status>(&reply.body)
            .is_ok_and(|s| s.error_type.as_deref() == Some("timeout"))
}

/// Turns an answer into `data` or into the error the server described.
pub(crate) fn decode<T: DeserializeOwned>(
    url: &str,
    reply: &Reply,
) -> Result<Answer<T>, PromError> {
    let status = reply.status;
    let envelope = if reply.json {
        serde_json::from_slice::<Status>(&reply.body).ok()
    } else {
        None
    };
    if let Some(envelope) = envelope {
        if status.is_success() && envelope.status.as_deref() == Some("success") {
            let data = serde_json::from_slice::<Data<T>>(&reply.body).map_err(|e| {
                PromError::Protocol {
                    url: url.to_owned(),
                    reason: format!("cannot decode the answer: {e}"),
                }
            })?;
            return Ok(Answer { data: data.data });
        }
        if let Some(message) = envelope.error {
            return Err(api_error(status, envelope.error_type.as_deref(), &message));
        }
    }
    // An answer that is not the API's JSON, and not a server error that a
    // proxy in front of Prometheus may well send (a 502 or 503 page): a web
    // page, another product's 404, a login form. Its body is not shown.
    if status.is_success() || !status.is_server_error() {
        return Err(not_prometheus(url, status));
    }
    Err(PromError::Status {
        status: status_line(status),
        code: status.as_u16(),
        message: excerpt(&String::from_utf8_lossy(&reply.body)),
    })
}

/// Judges the envelope of a 2xx JSON answer whose `data.result` was split
/// as it arrived ([`crate::split`]), by the rules [`decode`] applies to a
/// whole one.
pub(crate) fn judge_split(
    url: &str,
    status: StatusCode,
    envelope: &Envelope,
) -> Result<(), PromError> {
    if envelope.status.as_deref() == Some("success") {
        if envelope.has_result {
            return Ok(());
        }
        return Err(PromError::Protocol {
            url: url.to_owned(),
            reason: "cannot decode the answer: it has no data.result".to_owned(),
        });
    }
    if let Some(message) = &envelope.error {
        return Err(api_error(status, envelope.error_type.as_deref(), message));
    }
    Err(not_prometheus(url, status))
}

/// An answer whose bytes broke off the envelope's shape: undecodable data
/// in an API success, else not the API at all.
pub(crate) fn malformed(
    url: &str,
    status: StatusCode,
    envelope: &Envelope,
    reason: &str,
) -> PromError {
    if envelope.status.as_deref() == Some("success") {
        PromError::Protocol {
            url: url.to_owned(),
            reason: format!("cannot decode the answer: {reason}"),
        }
    } else {
        not_prometheus(url, status)
    }
}

fn not_prometheus(url: &str, status: StatusCode) -> PromError {
    PromError::NotPrometheus {
        url: url.to_owned(),
        status: status_line(status),
    }
}

/// Classifies a JSON error: a PromQL or matcher parse error is a bad query,
/// anything else is quoted with its status.
fn api_error(status: StatusCode, error_type: Option<&str>, message: &str) -> PromError {
    // Prometheus says `invalid parameter "query": 1:5: parse error: ...`;
    // the operator knows which parameter they gave, the position matters.
    let bare = message
        .strip_prefix("invalid parameter \"")
        .and_then(|rest| rest.split_once("\": "))
        .map_or(message, |(_, rest)| rest);
    if error_type == Some("bad_data") && bare.contains("parse error") {
        return PromError::BadQuery(bare.to_owned());
    }
    PromError::Status {
        status: status_line(status),
        code: status.as_u16(),
        message: match error_type {
            Some(kind) => format!("{kind}: {message}"),
            None => message.to_owned(),
        },
    }
}

fn status_line(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The first line of a plain-text body, shortened: enough to recognize a
/// proxy's message without pasting an HTML page into the terminal.
fn excerpt(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, json: bool, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(code).unwrap(),
            json,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn parse_errors_become_bad_queries() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected end of input"}"#;
        let err = decode::<serde_json::Value>("u", &reply(400, true, body)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad query: 1:5: parse error: unexpected end of input"
        );
    }

    #[test]
    fn other_errors_quote_status_and_message() {
        let body = r#"{"status":"error","errorType":"execution","error":"too many samples"}"#;
        let err = decode::<serde_json::Value>("u", &reply(422, true, body)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Prometheus answered 422 Unprocessable Entity: execution: too many samples"
        );
        let err =
            decode::<serde_json::Value>("u", &reply(503, false, "\n upstream overloaded\nmore"))
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Prometheus answered 503 Service Unavailable: upstream overloaded"
        );
        assert!(err.is_retryable());
        let err = decode::<serde_json::Value>("u", &reply(200, false, "<html>")).unwrap_err();
        assert!(matches!(err, PromError::NotPrometheus { .. }), "{err}");
        let err = decode::<serde_json::Value>("u", &reply(404, false, "<html>")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "this is not the Prometheus HTTP API at u (HTTP 404 Not Found); check --url"
        );
    }

    #[test]
    fn success_yields_data() {
        let body = r#"{"status":"success","data":["a","b"],"warnings":["partial"]}"#;
        let answer = decode::<Vec<String>>("u", &reply(200, true, body)).unwrap();
        assert_eq!(answer.data, ["a", "b"]);
    }

    #[test]
    fn query_timeouts_are_not_retried() {
        let body = r#"{"status":"error","errorType":"timeout","error":"query timed out"}"#;
        assert!(is_query_timeout(&reply(503, true, body)));
        assert!(!is_query_timeout(&reply(503, false, "busy")));
    }
}
