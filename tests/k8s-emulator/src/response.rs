//! HTTP responses: JSON and text bodies, streamed bodies, and errors as `meta/v1` `Status`.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body::Frame;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, Status, StatusDetails};
use serde::Serialize;
use tokio::sync::mpsc;

pub(crate) type Body = UnsyncBoxBody<Bytes, Infallible>;
pub(crate) type Response = http::Response<Body>;

const JSON: &str = "application/json";

fn full(bytes: Bytes) -> Body {
    http_body_util::Full::new(bytes).boxed_unsync()
}

fn with_content_type(status: StatusCode, content_type: &'static str, body: Body) -> Response {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The real server never lets responses be cached by intermediaries.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    response
}

/// A 200 response with an already serialized JSON body.
pub(crate) fn json_bytes(bytes: impl Into<Bytes>) -> Response {
    with_content_type(StatusCode::OK, JSON, full(bytes.into()))
}

/// A 200 response with `value` serialized as JSON.
pub(crate) fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => json_bytes(bytes),
        Err(e) => ApiError::internal(&format!("encoding the response: {e}")).into_response(),
    }
}

/// A 200 `text/plain` response.
pub(crate) fn text(body: impl Into<Bytes>) -> Response {
    with_content_type(StatusCode::OK, "text/plain", full(body.into()))
}

/// A 200 response whose body is whatever is sent on the channel until it closes; chunked.
pub(crate) fn stream(content_type: &'static str, chunks: mpsc::Receiver<Bytes>) -> Response {
    with_content_type(
        StatusCode::OK,
        content_type,
        ChannelBody { chunks }.boxed_unsync(),
    )
}

/// A body fed by a producer task; dropping it (client gone) closes the channel, which is how
/// the producer learns to stop.
#[derive(Debug)]
struct ChannelBody {
    chunks: mpsc::Receiver<Bytes>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.chunks
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

/// A failed request, answered with a `Status` object like the API server's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: u16,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
    pub(crate) details: Option<Box<StatusDetails>>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: String) -> Self {
        ApiError {
            code,
            reason,
            message,
            details: None,
        }
    }

    fn with_details(mut self, kind: &str, name: Option<&str>) -> Self {
        self.details = Some(Box::new(StatusDetails {
            kind: Some(kind.to_owned()),
            name: name.map(str::to_owned),
            ..StatusDetails::default()
        }));
        self
    }

    /// `pods "x" not found`.
    pub(crate) fn not_found(plural: &str, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{plural} \"{name}\" not found"))
            .with_details(plural, Some(name))
    }

    /// What the server answers for a path it does not serve.
    pub(crate) fn unknown_path() -> Self {
        let mut error = Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource".to_owned(),
        );
        error.details = Some(Box::default());
        error
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message.into())
    }

    pub(crate) fn method_not_allowed() -> Self {
        let message = "the server does not allow this method on the requested resource";
        Self::new(405, "MethodNotAllowed", message.to_owned())
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized".to_owned())
    }

    /// `kind` is empty for non-resource paths, whose Status has empty details.
    pub(crate) fn forbidden(message: String, kind: &str, name: Option<&str>) -> Self {
        let error = Self::new(403, "Forbidden", message);
        if kind.is_empty() {
            ApiError {
                details: Some(Box::default()),
                ..error
            }
        } else {
            error.with_details(kind, name)
        }
    }

    /// 410: the requested resource version is older than the kept history.
    pub(crate) fn gone(message: String) -> Self {
        Self::new(410, "Expired", message)
    }

    pub(crate) fn internal(message: &str) -> Self {
        Self::new(500, "InternalError", message.to_owned())
    }

    /// An injected failure with `code`, worded as the real server words it.
    pub(crate) fn injected(code: u16) -> Self {
        let (reason, message) = match code {
            400 => (
                "BadRequest",
                "the server rejected our request for an unknown reason",
            ),
            401 => ("Unauthorized", "Unauthorized"),
            403 => ("Forbidden", "forbidden"),
            404 => (
                "NotFound",
                "the server could not find the requested resource",
            ),
            409 => (
                "Conflict",
                "the object has been modified; please apply your changes to the latest version and try again",
            ),
            410 => ("Expired", "too old resource version"),
            429 => (
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ),
            500 => ("InternalError", "etcdserver: request timed out"),
            503 => (
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            504 => (
                "Timeout",
                "the server was unable to return a response in the time allotted, but may still be processing the request",
            ),
            _ => (
                "InternalError",
                "an error on the server has prevented the request from succeeding",
            ),
        };
        Self::new(code, reason, message.to_owned())
    }

    /// The `Status` object, also used as the object of a watch `ERROR` event.
    pub(crate) fn status(&self) -> Status {
        Status {
            code: Some(i32::from(self.code)),
            details: self.details.as_deref().cloned(),
            message: Some(self.message.clone()),
            metadata: ListMeta::default(),
            reason: Some(self.reason.to_owned()),
            status: Some("Failure".to_owned()),
        }
    }

    pub(crate) fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.status()).unwrap_or_default();
        let mut response = with_content_type(code, JSON, full(body.into()));
        if code == StatusCode::TOO_MANY_REQUESTS {
            // Priority and fairness always asks clients to back off. Not sent with 5xx: client-go
            // would silently retry those, hiding injected failures from kubectl.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
