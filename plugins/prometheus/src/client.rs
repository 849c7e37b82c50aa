//! The HTTP side: a reqwest client on the host's network service, wrapped in a
//! `prometheus_http_query::Client`, with metering, bounded retry, one overall
//! timeout and error messages an operator can act on.
//!
//! Requests go through the wrapped client's `inner()` reqwest client and
//! `base_url()`, and answers are decoded into `prometheus_http_query`'s
//! response types. The library's typed methods are not used, because they
//! hide what this plugin needs: the HTTP status and the body of a non-JSON
//! error (a proxy's `503`), the exact bytes for the host's meter, and a
//! request we can repeat when that is safe.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use vcli_plugin_api::{NetworkService, PluginError};

use crate::answer::{Answer, Reply, decode, is_query_timeout};
use crate::config::{Auth, check_url};
use crate::connector::{AuthorizeLayer, PolicyRefusal};
use crate::error::PromError;
use crate::health::FailureTracker;

/// Attempts for one request when the failure is safe to retry.
const MAX_ATTEMPTS: u32 = 3;
/// The pause before the second attempt; it doubles before each further one.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Builds API handles for any base URL, sharing the network service, the
/// credentials and the failure count.
#[derive(Clone)]
pub(crate) struct Connector {
    network: NetworkService,
    headers: HeaderMap,
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
        let credential = match auth {
            Auth::None => None,
            Auth::Basic { username, password } => {
                let pair = format!("{username}:{}", password.0);
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
            }
            Auth::Bearer(token) => Some(format!("Bearer {}", token.0)),
        };
        if let Some(credential) = credential {
            let mut value = HeaderValue::from_str(&credential).map_err(|_| {
                PluginError::Config(
                    "plugins.prometheus.config: credentials must be printable ASCII".to_owned(),
                )
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        Ok(Connector {
            network,
            headers,
            failures,
        })
    }

    /// An API handle for the server at `url`, giving up after `timeout`.
    pub(crate) fn api(&self, url: &str, timeout: Duration) -> Result<Api, PromError> {
        let url = check_url(url)?;
        let parsed = Url::parse(&url).map_err(|e| PromError::InvalidUrl {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        let host = parsed.host_str().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = parsed.port_or_known_default().unwrap_or(80);
        let http = reqwest::Client::builder()
            // The layer authorizes exactly this host:port, so nothing may
            // send the connection elsewhere: no system proxy, no redirects.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(self.headers.clone())
            .connector_layer(AuthorizeLayer::new(self.network.clone(), host, port))
            .build()
            .map_err(|e| PromError::InvalidUrl {
                url: url.clone(),
                reason: format!("cannot build an HTTP client: {e}"),
            })?;
        let prom =
            prometheus_http_query::Client::from(http, &url).map_err(|e| PromError::InvalidUrl {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        Ok(Api {
            prom,
            url,
            network: self.network.clone(),
            default_headers_len: headers_len(&self.headers),
            timeout,
            failures: Arc::clone(&self.failures),
        })
    }
}

/// One Prometheus server, as the commands, the health check and the view use it.
#[derive(Clone)]
pub(crate) struct Api {
    prom: prometheus_http_query::Client,
    url: String,
    network: NetworkService,
    default_headers_len: u64,
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
        let result = match self.send(path, params).await {
            Ok(reply) => decode(&self.url, reply),
            Err(e) => Err(e),
        };
        match &result {
            Ok(_) => self.failures.success(),
            Err(e) if e.is_server_failure() => self.failures.failure(e.to_string()),
            Err(_) => {}
        }
        result
    }

    /// One attempt, no retry, within the timeout; for the health check,
    /// which must report what the server does now.
    pub(crate) async fn probe(&self, path: &str) -> Result<(Reply, Duration), PromError> {
        let started = Instant::now();
        let reply = tokio::time::timeout(self.timeout, self.send_once(path, &Vec::new()))
            .await
            .map_err(|_| self.timed_out())?;
        Ok((reply?, started.elapsed()))
    }

    /// Sends with bounded retry (only when nothing reached the server or it
    /// answered 503 for a reason other than a query timeout), all within the
    /// overall timeout.
    async fn send(&self, path: &str, params: &Params) -> Result<Reply, PromError> {
        let attempts = async {
            let mut backoff = FIRST_BACKOFF;
            let mut attempt = 1;
            loop {
                let outcome = self.send_once(path, params).await;
                let again = match &outcome {
                    Ok(reply) => {
                        reply.status == StatusCode::SERVICE_UNAVAILABLE && !is_query_timeout(reply)
                    }
                    Err(e) => e.is_retryable(),
                };
                if !again || attempt >= MAX_ATTEMPTS {
                    return outcome;
                }
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
        };
        tokio::time::timeout(self.timeout, attempts)
            .await
            .map_err(|_| self.timed_out())?
    }

    async fn send_once(&self, path: &str, params: &Params) -> Result<Reply, PromError> {
        let http = self.prom.inner();
        let request = http
            .get(endpoint(self.prom.base_url(), path))
            .query(params)
            .build()
            .map_err(|e| PromError::Usage(format!("cannot build the request: {e}")))?;
        self.network
            .record_sent(request_len(&request) + self.default_headers_len);
        let response = http
            .execute(request)
            .await
            .map_err(|e| self.send_error(e))?;
        let status = response.status();
        let json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let head_len = response_head_len(status, response.headers());
        let body = response.bytes().await.map_err(|e| PromError::Transport {
            url: self.url.clone(),
            reason: format!(
                "the connection broke while reading the answer: {}",
                root_cause(&e)
            ),
            source: Some(e.into()),
        })?;
        self.network.record_received(head_len + body.len() as u64);
        Ok(Reply {
            status,
            json,
            body: body.into(),
        })
    }

    fn timed_out(&self) -> PromError {
        PromError::Timeout {
            url: self.url.clone(),
            after: self.timeout,
        }
    }

    fn send_error(&self, err: reqwest::Error) -> PromError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        while let Some(e) = cause {
            if let Some(PolicyRefusal(refusal)) = e.downcast_ref::<PolicyRefusal>() {
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
                    // Another refusal (a budget): not retried, the host
                    // would refuse again.
                    other => PromError::Transport {
                        url: self.url.clone(),
                        reason: other.to_string(),
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

/// `base` + `path`, keeping a base path such as `/prometheus` (as
/// `prometheus_http_query` does for its own requests).
fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url
}

/// The innermost error in words: `connection refused`, `dns error: ...`.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut dns = false;
    let mut last = err.to_string();
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            let text = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => "connection reset by peer".to_owned(),
                std::io::ErrorKind::TimedOut => "connection timed out".to_owned(),
                _ => tidy(&io.to_string()),
            };
            return if dns {
                format!("dns error: {text}")
            } else {
                text
            };
        }
        last = e.to_string();
        dns |= last.starts_with("dns error");
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

fn headers_len(headers: &HeaderMap) -> u64 {
    headers
        .iter()
        .map(|(k, v)| (k.as_str().len() + v.len() + 4) as u64)
        .sum()
}

/// Bytes of the HTTP/1.1 request as written: request line, Host, headers,
/// blank line, body. hyper's own additions (e.g. `accept`) are not seen
/// here, and TLS framing is not counted.
fn request_len(request: &reqwest::Request) -> u64 {
    let url = request.url();
    let target = url.path().len() + url.query().map_or(0, |q| q.len() + 1);
    let authority =
        url.host_str().map_or(0, str::len) + url.port().map_or(0, |p| p.to_string().len() + 1);
    let line = request.method().as_str().len() + 1 + target + " HTTP/1.1\r\n".len();
    let host = "host: \r\n".len() + authority;
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .map_or(0, <[u8]>::len);
    (line + host + 2 + body) as u64 + headers_len(request.headers())
}

fn response_head_len(status: StatusCode, headers: &HeaderMap) -> u64 {
    let reason = status.canonical_reason().map_or(0, str::len);
    ("HTTP/1.1 200 \r\n".len() + reason + 2) as u64 + headers_len(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = Url::parse("http://h:9090/prom/").unwrap();
        assert_eq!(
            endpoint(&base, "api/v1/query").as_str(),
            "http://h:9090/prom/api/v1/query"
        );
        let base = Url::parse("http://h:9090").unwrap();
        assert_eq!(endpoint(&base, "-/ready").as_str(), "http://h:9090/-/ready");
    }

    #[test]
    fn os_noise_is_trimmed() {
        assert_eq!(
            tidy("Connection refused (os error 111)"),
            "connection refused"
        );
    }
}
