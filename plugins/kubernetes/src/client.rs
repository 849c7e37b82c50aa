//! The kube client, built on the host's metered connector, and the request
//! helpers every command uses: kubectl-worded errors and a bounded retry of
//! idempotent GETs that met a 5xx.

use std::time::Duration;

use http::Request;
use hyper_util::rt::TokioExecutor;
use kube::client::ConfigExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::{BoxError, ServiceBuilder};
use vcli_plugin_api::print::{Backoff, Retry};
use vcli_plugin_api::{NetworkService, PluginError};

use crate::connector::MeteredConnector;
use crate::error::from_kube;
use crate::kubeconfig;
use crate::settings::ConnectOptions;

/// A GET whose answer was a 5xx is tried 3 times in all, 200 ms before the
/// second try, doubling for each further one.
const GET_RETRY: Retry = Retry::new(3, Backoff::doubling(Duration::from_millis(200)));

/// A connected client and what the commands need to know about it.
#[derive(Clone)]
pub(crate) struct Conn {
    /// The kube client.
    pub client: kube::Client,
    /// `host:port` of the API server, as kubectl names it in errors.
    pub server: String,
    /// The cluster URL, which keys the discovery cache.
    pub url: String,
    /// The kubeconfig context in use.
    pub context: String,
    /// The namespace commands use without `-n` (`-n`, or the context's).
    pub namespace: String,
    /// Objects per list page.
    pub page_size: u32,
    /// The per-request deadline, for error messages.
    pub request_timeout: Option<Duration>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("server", &self.server)
            .field("context", &self.context)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// Resolves the kubeconfig for `options` and builds a client whose every
/// connection goes through `network`.
///
/// # Errors
///
/// Kubeconfig problems (see [`kubeconfig::resolve`]) and TLS set-up errors.
pub(crate) async fn connect(
    options: &ConnectOptions,
    network: NetworkService,
) -> Result<Conn, PluginError> {
    let resolved = kubeconfig::resolve(options).await?;
    let config = resolved.config;
    let server = config
        .cluster_url
        .authority()
        .map(|a| a.as_str().rsplit('@').next().unwrap_or_default().to_owned())
        .unwrap_or_else(|| config.cluster_url.to_string());
    let client = build_client(&config, network, options.request_timeout).map_err(|e| {
        PluginError::with_source(format!("cannot build the Kubernetes client: {e}"), e)
    })?;
    Ok(Conn {
        client,
        url: config.cluster_url.to_string(),
        server,
        context: resolved.context,
        namespace: config.default_namespace.clone(),
        page_size: options.page_size,
        request_timeout: options.request_timeout,
    })
}

/// The same stack kube's `ClientBuilder::try_from(config)` assembles (base
/// URI, auth, extra headers), over our metered connector instead of a bare
/// `HttpConnector`, plus a deadline on response headers: it bounds how long
/// a request may wait for an answer without cutting off watches and log
/// streams, whose bodies legitimately last for hours.
fn build_client(
    config: &kube::Config,
    network: NetworkService,
    timeout: Option<Duration>,
) -> Result<kube::Client, kube::Error> {
    let metered = MeteredConnector::new(network, config.connect_timeout);
    if config.cluster_url.scheme_str() == Some("https") {
        let https = config.rustls_https_connector_with_connector(metered)?;
        finish(config, https, timeout)
    } else {
        finish(config, metered, timeout)
    }
}

fn finish<C>(
    config: &kube::Config,
    connector: C,
    timeout: Option<Duration>,
) -> Result<kube::Client, kube::Error>
where
    C: tower::Service<http::Uri> + Clone + Send + Sync + 'static,
    C::Response: hyper_util::client::legacy::connect::Connection
        + hyper::rt::Read
        + hyper::rt::Write
        + Send
        + Unpin
        + 'static,
    C::Future: Send + Unpin + 'static,
    C::Error: Into<BoxError>,
{
    let hyper: hyper_util::client::legacy::Client<C, kube::client::Body> =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .option_layer(timeout.map(tower::timeout::TimeoutLayer::new))
        .map_err(BoxError::from)
        .service(hyper);
    Ok(kube::Client::new(service, config.default_namespace.clone()))
}

impl Conn {
    /// Maps a kube error to kubectl's words for this server.
    pub(crate) fn error(&self, err: kube::Error) -> PluginError {
        from_kube(err, &self.server, self.request_timeout)
    }

    /// Sends a GET and decodes the JSON answer, retrying 5xx answers.
    ///
    /// # Errors
    ///
    /// The server's or the connection's error, in kubectl's words.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<T, PluginError> {
        let text = self
            .with_retry(request, |c, r| async move { c.request_text(r).await })
            .await?;
        serde_json::from_str(&text).map_err(|e| {
            PluginError::with_source(format!("cannot decode the server's answer: {e}"), e)
        })
    }

    /// Opens a streaming GET (logs), retrying 5xx answers before the stream starts.
    ///
    /// # Errors
    ///
    /// As [`Conn::get_json`].
    pub(crate) async fn get_stream(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<impl futures::AsyncBufRead + Send + Unpin + use<>, PluginError> {
        let stream = self
            .with_retry(request, |c, r| async move { c.request_stream(r).await })
            .await?;
        Ok(Box::pin(stream))
    }

    /// Runs `send` as [`GET_RETRY`] allows while the server answers with a
    /// 5xx. Only GETs are retried: repeating anything else could apply a
    /// change twice.
    async fn with_retry<T, F, Fut>(
        &self,
        request: Request<Vec<u8>>,
        send: F,
    ) -> Result<T, PluginError>
    where
        F: Fn(kube::Client, Request<Vec<u8>>) -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let idempotent = request.method() == http::Method::GET;
        GET_RETRY
            .run(
                || send(self.client.clone(), clone_request(&request)),
                |outcome| {
                    idempotent
                        && matches!(outcome, Err(kube::Error::Api(status)) if status.code >= 500)
                },
            )
            .await
            .map_err(|e| self.error(e))
    }
}

/// Decodes a typed object (k8s-openapi's) from JSON already read as a
/// `Value`. It goes through the text, with the deserializer kube's client
/// uses (`serde_json::from_str`), so that each k8s-openapi type's decoder
/// is in the binary once rather than once per kind of input: the copies
/// for `Value` input were about 0.5 MB (BENCHMARKS.md, binary size).
/// Printing the value again costs microseconds for the single objects and
/// short lists that `describe` and `logs` decode.
pub(crate) fn typed<T: DeserializeOwned>(value: &Value) -> serde_json::Result<T> {
    serde_json::from_str(&value.to_string())
}

fn clone_request(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    copy
}
