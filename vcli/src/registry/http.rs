//! The HTTP backend: an index document (see [`super::index`]) at a URL,
//! cached on disk under the XDG cache directory.
//!
//! A cached index is used as it is for an hour; then (or at once with
//! `refresh`) it is revalidated with `If-None-Match`, and a `304 Not
//! Modified` costs no download. When the server cannot be reached or
//! answers with a server error, a stale copy is served with a warning;
//! `offline` reads only the cache. A malformed index is refused and never
//! cached.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls_platform_verifier::BuilderVerifierExt as _;
use serde::{Deserialize, Serialize};

use super::RegistryError;
use super::index::{self, Index};

/// How long a cached index is used without asking the server.
pub const FRESH_FOR: Duration = Duration::from_secs(3600);

/// The largest index accepted.
const MAX_INDEX: usize = 16 * 1024 * 1024;

/// How long a request may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// How to treat the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Revalidate now, even within the hour.
    pub refresh: bool,
    /// Never ask the server: the cache or an error.
    pub offline: bool,
}

/// Where an index came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The cache, fresh (less than an hour old); no request was made.
    Cache,
    /// The cache, after the server answered 304 Not Modified.
    Revalidated,
    /// A new download (200).
    Downloaded,
    /// The cache, stale, because the server could not be asked.
    Stale,
}

/// A fetched index.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The index.
    pub index: Index,
    /// Where it came from.
    pub origin: Origin,
    /// What to tell the user (a stale copy, skipped entries).
    pub warning: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    url: String,
    etag: Option<String>,
    /// Seconds since the Unix epoch when the server last confirmed it.
    checked: u64,
}

/// The cache directory for registry indexes: `registry` below vcli's cache directory
/// (`$VCLI_CACHE_DIR`, else `$XDG_CACHE_HOME/vcli`).
pub fn cache_dir() -> Option<PathBuf> {
    crate::dirs::cache_dir().map(|d| d.join("registry"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The cache files of `url` in `dir`: the index and its metadata.
fn cache_files(dir: &Path, url: &str) -> (PathBuf, PathBuf) {
    let hash = url.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (
        dir.join(format!("{hash:016x}.json")),
        dir.join(format!("{hash:016x}.meta.json")),
    )
}

/// The index at `url`, through the cache in `cache`.
///
/// # Errors
///
/// The server cannot be asked and nothing is cached (or `offline` and
/// nothing is cached), the server answers with an error, or the index is
/// malformed.
pub fn fetch(url: &str, cache: &Path, options: Options) -> Result<Fetched, RegistryError> {
    let (body_path, meta_path) = cache_files(cache, url);
    let cached_meta: Option<Meta> = std::fs::read(&meta_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let cached_body = std::fs::read_to_string(&body_path).ok();
    let cached = match (cached_meta, cached_body) {
        (Some(meta), Some(body)) if meta.url == url => Some((meta, body)),
        _ => None,
    };
    let from_cache = |body: &str, origin: Origin, warning: Option<String>| {
        let index = index::parse(&body_path, body)?;
        Ok(with_skipped(
            Fetched {
                index,
                origin,
                warning,
            },
            url,
        ))
    };
    if options.offline {
        return match &cached {
            Some((meta, body)) => from_cache(
                body,
                Origin::Cache,
                stale_note(meta).map(|age| format!("offline: registry {url} as cached {age}")),
            ),
            None => Err(RegistryError::Unsupported(format!(
                "offline, and registry {url} has never been fetched; run once without --offline"
            ))),
        };
    }
    if let Some((meta, body)) = &cached
        && !options.refresh
        && now().saturating_sub(meta.checked) < FRESH_FOR.as_secs()
    {
        return from_cache(body, Origin::Cache, None);
    }
    let etag = cached.as_ref().and_then(|(m, _)| m.etag.clone());
    match get(url, etag.as_deref(), MAX_INDEX) {
        Ok(Response::NotModified) => {
            let Some((meta, body)) = cached else {
                return Err(RegistryError::Unsupported(format!(
                    "registry {url} answered 304 Not Modified to a request without a cached copy"
                )));
            };
            write_meta(
                &meta_path,
                &Meta {
                    checked: now(),
                    ..meta
                },
            )?;
            from_cache(&body, Origin::Revalidated, None)
        }
        Ok(Response::Ok { body, etag }) => {
            let body = String::from_utf8(body).map_err(|_| RegistryError::Malformed {
                path: PathBuf::from(url),
                problem: "the index is not UTF-8".to_owned(),
            })?;
            let index = index::parse(Path::new(url), &body)?;
            std::fs::create_dir_all(cache).map_err(|source| RegistryError::Io {
                path: cache.to_owned(),
                source,
            })?;
            std::fs::write(&body_path, &body).map_err(|source| RegistryError::Io {
                path: body_path.clone(),
                source,
            })?;
            write_meta(
                &meta_path,
                &Meta {
                    url: url.to_owned(),
                    etag,
                    checked: now(),
                },
            )?;
            Ok(with_skipped(
                Fetched {
                    index,
                    origin: Origin::Downloaded,
                    warning: None,
                },
                url,
            ))
        }
        Err(Failure::Unreachable(why)) => match &cached {
            Some((meta, body)) => from_cache(
                body,
                Origin::Stale,
                Some(format!(
                    "registry {url} cannot be reached ({why}); using the copy cached {}",
                    stale_note(meta).unwrap_or_else(|| "earlier".to_owned())
                )),
            ),
            None => Err(RegistryError::Unsupported(format!(
                "registry {url} cannot be reached: {why}"
            ))),
        },
        Err(Failure::Refused(why)) => {
            Err(RegistryError::Unsupported(format!("registry {url}: {why}")))
        }
    }
}

fn with_skipped(mut fetched: Fetched, url: &str) -> Fetched {
    if fetched.index.skipped > 0 && fetched.warning.is_none() {
        fetched.warning = Some(format!(
            "registry {url}: {} entries need a newer vcli and were skipped",
            fetched.index.skipped
        ));
    }
    fetched
}

fn stale_note(meta: &Meta) -> Option<String> {
    let age = now().saturating_sub(meta.checked);
    Some(if age < 120 {
        format!("{age} s ago")
    } else if age < 7200 {
        format!("{} min ago", age / 60)
    } else {
        format!("{} h ago", age / 3600)
    })
}

fn write_meta(path: &Path, meta: &Meta) -> Result<(), RegistryError> {
    let text = serde_json::to_vec_pretty(meta).unwrap_or_default();
    std::fs::write(path, text).map_err(|source| RegistryError::Io {
        path: path.to_owned(),
        source,
    })
}

enum Response {
    Ok { body: Vec<u8>, etag: Option<String> },
    NotModified,
}

/// The body at `url` (a crate file, for `vcli registry download`).
///
/// # Errors
///
/// The server cannot be asked or answers anything but 200.
pub fn download(url: &str) -> Result<Vec<u8>, RegistryError> {
    match get(url, None, 64 * 1024 * 1024) {
        Ok(Response::Ok { body, .. }) => Ok(body),
        Ok(Response::NotModified) => Err(RegistryError::Unsupported(format!(
            "{url} answered 304 Not Modified to a plain request"
        ))),
        Err(Failure::Unreachable(why) | Failure::Refused(why)) => {
            Err(RegistryError::Unsupported(format!("{url}: {why}")))
        }
    }
}

enum Failure {
    /// The server could not be asked, or failed (5xx): a stale copy will do.
    Unreachable(String),
    /// The server answered that there is nothing (4xx, a redirect).
    Refused(String),
}

/// One GET, on a runtime of its own (the CLI and xtask are synchronous).
fn get(url: &str, etag: Option<&str>, limit: usize) -> Result<Response, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    runtime.block_on(async {
        tokio::time::timeout(TIMEOUT, get_async(url, etag, limit))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Unreachable(format!(
                    "no answer within {} s",
                    TIMEOUT.as_secs()
                )))
            })
    })
}

async fn get_async(url: &str, etag: Option<&str>, limit: usize) -> Result<Response, Failure> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| Failure::Refused(format!("not a URL: {e}")))?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => {
            return Err(Failure::Refused(
                "the URL must start with http:// or https://".to_owned(),
            ));
        }
    };
    let host = uri
        .host()
        .ok_or_else(|| Failure::Refused("the URL names no host".to_owned()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let mut request = hyper::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(
            hyper::header::HOST,
            uri.authority().map_or(host.as_str(), |a| a.as_str()),
        )
        .header(
            hyper::header::USER_AGENT,
            concat!("vcli/", env!("CARGO_PKG_VERSION")),
        )
        .header(hyper::header::ACCEPT, "application/json");
    if let Some(etag) = etag {
        request = request.header(hyper::header::IF_NONE_MATCH, etag);
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|e| Failure::Refused(e.to_string()))?;
    let response = if https {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_platform_verifier())
            .map_err(|e| Failure::Unreachable(format!("TLS: {e}")))?
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| Failure::Refused(format!("{host}: {e}")))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| Failure::Unreachable(format!("TLS: {e}")))?;
        send(TokioIo::new(tls), request).await?
    } else {
        send(TokioIo::new(tcp), request).await?
    };
    let status = response.status();
    if status == hyper::StatusCode::NOT_MODIFIED {
        return Ok(Response::NotModified);
    }
    if status.is_server_error() {
        return Err(Failure::Unreachable(format!(
            "the server answered {status}"
        )));
    }
    if !status.is_success() {
        let location = response
            .headers()
            .get(hyper::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| format!(" (to {l}: use that URL)"))
            .unwrap_or_default();
        return Err(Failure::Refused(format!(
            "the server answered {status}{location}"
        )));
    }
    let etag = response
        .headers()
        .get(hyper::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = Limited::new(response.into_body(), limit)
        .collect()
        .await
        .map_err(|e| Failure::Unreachable(format!("reading the answer: {e}")))?
        .to_bytes()
        .to_vec();
    Ok(Response::Ok { body, etag })
}

async fn send<T>(
    io: TokioIo<T>,
    request: hyper::Request<Empty<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, Failure>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    tokio::spawn(connection);
    sender
        .send_request(request)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))
}
