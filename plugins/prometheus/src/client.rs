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

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures::FutureExt as _;
use http::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, InvalidHeaderValue, USER_AGENT,
};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Empty};
use hyper::body::{Bytes, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use percent_encoding::percent_decode_str;
use serde::de::{DeserializeOwned, IgnoredAny};
use url::Url;
use vcli_plugin_api::print::{Backoff, Retry};
use vcli_plugin_api::{NetworkService, PluginError};

use crate::answer::{Answer, Reply, decode, is_query_timeout, judge_split, malformed};
use crate::config::{Auth, check_url};
use crate::connector::{ConnectError, MeteredConnector};
use crate::error::PromError;
use crate::health::FailureTracker;
use crate::split::{Fault, Piece, Splitter};

/// A request whose failure is safe to retry is tried 3 times in all, 100 ms
/// before the second try, doubling before each further one.
const RETRY: Retry = Retry::new(3, Backoff::doubling(Duration::from_millis(100)));
/// How long an idle connection stays in the pool (reqwest's default).
const POOL_IDLE: Duration = Duration::from_secs(90);
/// Pieces of a body taken one after the other without waiting before the
/// command yields, so that one poll never decodes a whole fast answer: the
/// host meters CPU and memory, and delivers cancellation, per poll.
const READY_BEFORE_YIELD: u32 = 16;

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

    async fn split_answer(
        &self,
        path: &str,
        params: &Params,
        receiver: &mut dyn Receiver,
    ) -> Result<Vec<String>, PromError> {
        let (answered, mut left) = self.send(path, params, true).await?;
        let mut splitter = Splitter::default();
        let status = match answered {
            Answered::Whole(reply) => {
                // Not a 2xx JSON answer: the error it describes, in the
                // words `get` uses. Should it be an API success after all
                // (a JSON body under another content type), split it whole.
                decode::<IgnoredAny>(&self.url, &reply)?;
                self.feed(&mut splitter, reply.status, &reply.body, receiver)?;
                reply.status
            }
            Answered::Split { status, mut body } => {
                let mut ready = 0;
                while let Some(bytes) = self
                    .next_bytes(&mut body, &mut left, &mut ready, receiver)
                    .await?
                {
                    self.feed(&mut splitter, status, &bytes, receiver)?;
                }
                status
            }
        };
        let envelope = splitter
            .finish::<Stop>()
            .map_err(|fault| self.fault(fault, status, splitter.envelope()))?;
        judge_split(&self.url, status, &envelope)?;
        receiver.end().map_err(|stop| self.stopped(stop))?;
        Ok(envelope.warnings)
    }

    /// Passes one piece of the body through the splitter to `receiver`.
    fn feed(
        &self,
        splitter: &mut Splitter,
        status: StatusCode,
        bytes: &[u8],
        receiver: &mut dyn Receiver,
    ) -> Result<(), PromError> {
        match splitter.feed(bytes, &mut |piece| receiver.piece(piece)) {
            Ok(()) => Ok(()),
            Err(fault) => Err(self.fault(fault, status, splitter.envelope())),
        }
    }

    fn fault(
        &self,
        fault: Fault<Stop>,
        status: StatusCode,
        envelope: &crate::split::Envelope,
    ) -> PromError {
        match fault {
            Fault::Malformed(reason) => malformed(&self.url, status, envelope, &reason),
            Fault::Receiver(stop) => self.stopped(stop),
        }
    }

    fn stopped(&self, stop: Stop) -> PromError {
        match stop {
            Stop::Output(e) => PromError::Output(e),
            Stop::Undecodable(reason) => PromError::Protocol {
                url: self.url.clone(),
                reason: format!("cannot decode the answer: {reason}"),
            },
        }
    }

    /// The next bytes of `body`, `None` at its end. Before waiting for the
    /// server it lets `receiver` pass on what it has; only the waiting
    /// counts against the time `left`.
    async fn next_bytes(
        &self,
        body: &mut Incoming,
        left: &mut Duration,
        ready: &mut u32,
        receiver: &mut dyn Receiver,
    ) -> Result<Option<Bytes>, PromError> {
        loop {
            let frame = match body.frame().now_or_never() {
                Some(frame) if *ready < READY_BEFORE_YIELD => {
                    *ready += 1;
                    frame
                }
                Some(frame) => {
                    *ready = 0;
                    tokio::task::yield_now().await;
                    frame
                }
                None => {
                    *ready = 0;
                    receiver.idle().map_err(|stop| self.stopped(stop))?;
                    let waiting = Instant::now();
                    let frame = tokio::time::timeout(*left, body.frame())
                        .await
                        .map_err(|_| self.timed_out())?;
                    *left = left.saturating_sub(waiting.elapsed());
                    frame
                }
            };
            match frame {
                None => return Ok(None),
                Some(Err(e)) => return Err(self.broken(e)),
                // Trailers, and empty frames, carry nothing for us.
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(bytes) if !bytes.is_empty() => return Ok(Some(bytes)),
                    _ => {}
                },
            }
        }
    }

    /// The whole reply, reading a body left to read (which `send` leaves
    /// only when asked to split) within the time `left`.
    async fn whole(&self, answered: Answered, left: Duration) -> Result<Reply, PromError> {
        let (status, body) = match answered {
            Answered::Whole(reply) => return Ok(reply),
            Answered::Split { status, body } => (status, body),
        };
        let body = tokio::time::timeout(left, body.collect())
            .await
            .map_err(|_| self.timed_out())?
            .map_err(|e| self.broken(e))?
            .to_bytes();
        Ok(Reply {
            status,
            json: true,
            body: body.into(),
        })
    }

    fn broken(&self, e: hyper::Error) -> PromError {
        PromError::Transport {
            url: self.url.clone(),
            reason: format!(
                "the connection broke while reading the answer: {}",
                root_cause(&e)
            ),
            source: Some(e.into()),
        }
    }

    /// One attempt, no retry, within the timeout; for the health check,
    /// which must report what the server does now.
    pub(crate) async fn probe(&self, path: &str) -> Result<(Reply, Duration), PromError> {
        let started = Instant::now();
        let answered = tokio::time::timeout(self.timeout, self.send_once(path, &Vec::new(), false))
            .await
            .map_err(|_| self.timed_out())??;
        let left = self.timeout.saturating_sub(started.elapsed());
        let reply = self.whole(answered, left).await?;
        Ok((reply, started.elapsed()))
    }

    /// Sends with bounded retry (only when nothing reached the server or it
    /// answered 503 for a reason other than a query timeout), all within the
    /// overall timeout, which returns with what is left of it. With `split`,
    /// the body of a 2xx JSON answer is left to read as it arrives.
    async fn send(
        &self,
        path: &str,
        params: &Params,
        split: bool,
    ) -> Result<(Answered, Duration), PromError> {
        let started = Instant::now();
        let attempts = RETRY.run(
            || self.send_once(path, params, split),
            |outcome| match outcome {
                Ok(Answered::Whole(reply)) => {
                    reply.status == StatusCode::SERVICE_UNAVAILABLE && !is_query_timeout(reply)
                }
                Ok(Answered::Split { .. }) => false,
                Err(e) => e.is_retryable(),
            },
        );
        let answered = tokio::time::timeout(self.timeout, attempts)
            .await
            .map_err(|_| self.timed_out())??;
        Ok((answered, self.timeout.saturating_sub(started.elapsed())))
    }

    async fn send_once(
        &self,
        path: &str,
        params: &Params,
        split: bool,
    ) -> Result<Answered, PromError> {
        let url = endpoint(&self.base, path, params);
        let uri = Uri::try_from(url.as_str())
            .map_err(|e| PromError::Usage(format!("cannot build the request for {url}: {e}")))?;
        let mut request = Request::new(Empty::new());
        *request.uri_mut() = uri;
        *request.headers_mut() = HeaderMap::clone(&self.headers);
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| self.send_error(e))?;
        let status = response.status();
        let json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if split && json && status.is_success() {
            return Ok(Answered::Split {
                status,
                body: response.into_body(),
            });
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.broken(e))?
            .to_bytes();
        Ok(Answered::Whole(Reply {
            status,
            json,
            body: body.into(),
        }))
    }

    fn timed_out(&self) -> PromError {
        PromError::Timeout {
            url: self.url.clone(),
            after: self.timeout,
        }
    }

    fn send_error(&self, err: hyper_util::client::legacy::Error) -> PromError {
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

/// `base` + `path` + `params`, keeping a base path such as `/prometheus`
/// (as `prometheus_http_query` does for its own requests). Parameters are
/// form-encoded, as Prometheus expects; no parameters, no `?`.
fn endpoint(base: &Url, path: &str, params: &Params) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    if !params.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    }
    url
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
    fn endpoints_keep_the_base_path_and_encode_parameters() {
        let base = Url::parse("http://h:9090/prom/").unwrap();
        assert_eq!(
            endpoint(&base, "api/v1/query", &Vec::new()).as_str(),
            "http://h:9090/prom/api/v1/query"
        );
        let base = Url::parse("http://h:9090").unwrap();
        assert_eq!(
            endpoint(&base, "-/ready", &Vec::new()).as_str(),
            "http://h:9090/-/ready"
        );
        let params = vec![
            ("query", "sum by (job) (rate(x{a=\"b&c\"}[5m]))".to_owned()),
            ("match[]", "up".to_owned()),
            ("match[]", "go_info".to_owned()),
        ];
        assert_eq!(
            endpoint(&base, "api/v1/query", &params).as_str(),
            "http://h:9090/api/v1/query?query=sum+by+%28job%29+%28rate%28x%7Ba%3D%22b%26c%22%7D%5B5m%5D%29%29\
             &match%5B%5D=up&match%5B%5D=go_info"
        );
    }

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

    #[test]
    fn os_noise_is_trimmed() {
        assert_eq!(
            tidy("Connection refused (os error 111)"),
            "connection refused"
        );
    }
}
