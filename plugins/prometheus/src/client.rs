//! The HTTP side: a hyper client whose every connection the host opens
//! (`connector.rs`), with the operator's credentials, bounded retry, one
//! timeout on the time spent waiting for the server, and error messages an
//! operator can act on.
//!
//! Because the host opens the connections, it counts the plugin's bytes at
//! the socket, holds them to the policy's `network_rate`, and closes the
//! connections when the plugin is terminated: a request in flight then fails
//! at once with a message saying so.
//!
//! Query answers are split as they arrive ([`Api::split`]); the others are
//! decoded into `prometheus_http_query`'s response types. The requests are
//! ours: its own client (reqwest) cannot be given the host's connections,
//! and its typed methods hide what this plugin needs, the HTTP status and
//! the body of a non-JSON error (a proxy's `503`) and a request we can
//! repeat when that is safe.
//!
//! How a request is built, sent and retried is in `client/request.rs`, how
//! an answer's body is read (split as it arrives, or whole) in
//! `client/body.rs`, and how a failure is put into words in
//! `client/errors.rs`.

mod body;
mod errors;
mod request;

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http::StatusCode;
use http::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, InvalidHeaderValue, USER_AGENT};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use url::Url;
use vcli_plugin_api::{NetworkService, PluginError};

use crate::answer::{Answer, Reply, decode};
use crate::config::{Auth, check_url};
use crate::connector::MeteredConnector;
use crate::error::PromError;
use crate::health::FailureTracker;
use crate::split::Piece;

/// How long an idle connection stays in the pool (reqwest's default).
const POOL_IDLE: Duration = Duration::from_secs(90);

/// The HTTP client: HTTP/1.1 over the host's connections. It follows no
/// redirects and uses no proxy, so a connection goes nowhere the host did
/// not authorize for the URL the operator gave.
type Http = Client<MeteredConnector, Empty<Bytes>>;

/// Builds API handles for any base URL, sharing the connection pool, the
/// credentials and the failure count.
#[derive(Clone)]
pub(crate) struct Connector {
    http: Http,
    headers: Arc<HeaderMap>,
    failures: Arc<FailureTracker>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The headers hold credentials.
        f.debug_struct("Connector").finish_non_exhaustive()
    }
}

impl Connector {
    /// A connector sending `auth` with every request.
    pub(crate) fn new(
        network: NetworkService,
        auth: &Auth,
        failures: Arc<FailureTracker>,
    ) -> Result<Self, PluginError> {
        let mut headers = HeaderMap::new();
        let agent = concat!("vcli-prometheus/", env!("CARGO_PKG_VERSION"));
        headers.insert(USER_AGENT, HeaderValue::from_static(agent));
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        let credential = match auth {
            Auth::None => None,
            Auth::Basic { username, password } => Some(basic_auth(username, &password.0)),
            Auth::Bearer(token) => Some(sensitive(&format!("Bearer {}", token.0))),
        };
        if let Some(credential) = credential {
            let value = credential.map_err(|_| {
                PluginError::Config(
                    "plugins.prometheus.config: credentials must be printable ASCII".to_owned(),
                )
            })?;
            headers.insert(AUTHORIZATION, value);
        }
        // Connection tasks run on tokio like the kube client's; the host
        // still owns their sockets and closes them on termination.
        let http = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE)
            .build(MeteredConnector::new(network));
        Ok(Connector {
            http,
            headers: Arc::new(headers),
            failures,
        })
    }

    /// An API handle for the server at `url`, giving up after `timeout`.
    pub(crate) fn api(&self, url: &str, timeout: Duration) -> Result<Api, PromError> {
        let url = check_url(url)?;
        let mut base = Url::parse(&url).map_err(|e| PromError::InvalidUrl {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        let mut headers = Arc::clone(&self.headers);
        if let Some(credential) = take_url_credentials(&mut base)? {
            Arc::make_mut(&mut headers).insert(AUTHORIZATION, credential);
        }
        Ok(Api {
            http: self.http.clone(),
            base,
            url,
            headers,
            timeout,
            failures: Arc::clone(&self.failures),
        })
    }
}

/// One Prometheus server, as the commands, the health check and the view use it.
#[derive(Clone)]
pub(crate) struct Api {
    http: Http,
    base: Url,
    url: String,
    headers: Arc<HeaderMap>,
    timeout: Duration,
    failures: Arc<FailureTracker>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Query parameters; `match[]` repeats, so a list rather than a map.
pub(crate) type Params = Vec<(&'static str, String)>;

/// What takes the pieces of an answer split as it arrives ([`Api::split`]).
pub(crate) trait Receiver: Send {
    /// The next piece of the answer.
    fn piece(&mut self, piece: Piece<'_>) -> Result<(), Stop>;
    /// Nothing more has arrived for now: the moment to pass on what waits
    /// to be written (a flush), so that it appears before the next piece.
    fn idle(&mut self) -> Result<(), Stop>;
    /// The answer is complete and a success.
    fn end(&mut self) -> Result<(), Stop>;
}

/// Why a [`Receiver`] stopped taking pieces.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Writing failed; a closed pipe (`| head`) among others.
    Output(io::Error),
    /// A piece cannot be decoded: the reason, without the URL.
    Undecodable(String),
}

/// What came back for a request.
enum Answered {
    /// A 2xx JSON answer whose body is still to be read.
    Split { status: StatusCode, body: Incoming },
    /// Everything else, read whole.
    Whole(Reply),
}

impl Api {
    /// The base URL, as shown in messages.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The same server with another overall timeout.
    pub(crate) fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// GETs an API endpoint (`api/v1/...`) and decodes its `data` into `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &Params,
    ) -> Result<Answer<T>, PromError> {
        let result = match self.send(path, params, false).await {
            Ok((answered, left)) => match self.whole(answered, left).await {
                Ok(reply) => decode(&self.url, &reply),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        self.record(result.as_ref().map(|_| ()));
        result
    }

    /// GETs a query endpoint and hands `receiver` the elements of
    /// `data.result` one at a time as they arrive, so that an answer of any
    /// size is decoded (and printed) in the memory of one series. Returns
    /// the server's warnings, which come after the result.
    ///
    /// The timeout bounds the time spent waiting for the server, retries
    /// included; the time `receiver` spends writing (to a pager the
    /// operator reads slowly, say) is not counted.
    pub(crate) async fn split(
        &self,
        path: &str,
        params: &Params,
        receiver: &mut dyn Receiver,
    ) -> Result<Vec<String>, PromError> {
        let result = self.split_answer(path, params, receiver).await;
        self.record(result.as_ref().map(|_| ()));
        result
    }

    /// Tells the health check how the server did.
    fn record(&self, result: Result<(), &PromError>) {
        match result {
            Ok(()) => self.failures.success(),
            Err(e) if e.is_server_failure() => self.failures.failure(e.to_string()),
            Err(_) => {}
        }
    }
}

/// Moves `user:password@` out of a URL into a basic-auth header, as curl
/// and reqwest do: the credentials must not be sent in the request line,
/// and when present they win over the configured ones.
fn take_url_credentials(url: &mut Url) -> Result<Option<HeaderValue>, PromError> {
    if url.username().is_empty() && url.password().is_none() {
        return Ok(None);
    }
    let decode = |part: &str| percent_decode_str(part).decode_utf8_lossy().into_owned();
    let username = decode(url.username());
    let password = url.password().map(decode).unwrap_or_default();
    // Infallible for http(s) URLs with a host, which `check_url` ensured.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    basic_auth(&username, &password)
        .map(Some)
        .map_err(|_| PromError::InvalidUrl {
            url: url.to_string(),
            reason: "the credentials in the URL must be printable ASCII".to_owned(),
        })
}

/// `Authorization: Basic base64(username:password)`.
fn basic_auth(username: &str, password: &str) -> Result<HeaderValue, InvalidHeaderValue> {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    sensitive(&format!("Basic {encoded}"))
}

/// A header value holding a credential, marked sensitive so that it never
/// appears in debug output.
fn sensitive(text: &str) -> Result<HeaderValue, InvalidHeaderValue> {
    let mut value = HeaderValue::from_str(text)?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_become_a_basic_auth_header() {
        let mut url = Url::parse("https://ops:p%40ss@h:9090/prom").unwrap();
        let header = take_url_credentials(&mut url).unwrap().unwrap();
        assert_eq!(url.as_str(), "https://h:9090/prom");
        assert!(header.is_sensitive());
        let expected = base64::engine::general_purpose::STANDARD.encode("ops:p@ss");
        assert_eq!(header.to_str().unwrap(), format!("Basic {expected}"));
        let mut plain = Url::parse("http://h:9090").unwrap();
        assert!(take_url_credentials(&mut plain).unwrap().is_none());
    }
}
