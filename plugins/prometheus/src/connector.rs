//! The tower layer that asks the host's network policy before reqwest opens a connection.
//!
//! reqwest hands its connector layers an opaque request type (`Unnameable`,
//! from a sealed module) whose destination cannot be read, and expects its
//! own private connection type back. So the layer cannot learn where a
//! connection goes, nor wrap the byte stream to meter it. Two consequences:
//!
//! - every reqwest client is built for one base URL, and the layer authorizes
//!   that URL's `host:port`. Redirects and proxies are turned off on those
//!   clients (see `client.rs`), so no connection can go anywhere else;
//! - bytes are counted per request and response at the plugin level, in
//!   `client.rs`, rather than on the socket.

use std::future::{Future, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;
use vcli_plugin_api::{BoxError, NetworkService, PluginError};

/// Wraps reqwest's connector so that each new connection is authorized first.
#[derive(Clone, Debug)]
pub(crate) struct AuthorizeLayer {
    network: NetworkService,
    host: Arc<str>,
    port: u16,
}

impl AuthorizeLayer {
    /// A layer authorizing connections to `host:port` (host without IPv6 brackets).
    pub(crate) fn new(network: NetworkService, host: &str, port: u16) -> Self {
        AuthorizeLayer {
            network,
            host: host.into(),
            port,
        }
    }
}

impl<S> Layer<S> for AuthorizeLayer {
    type Service = Authorize<S>;

    fn layer(&self, inner: S) -> Authorize<S> {
        Authorize {
            inner,
            network: self.network.clone(),
            host: Arc::clone(&self.host),
            port: self.port,
        }
    }
}

/// The service produced by [`AuthorizeLayer`].
#[derive(Clone, Debug)]
pub(crate) struct Authorize<S> {
    inner: S,
    network: NetworkService,
    host: Arc<str>,
    port: u16,
}

/// The host's refusal, carried through reqwest's error chain so that
/// `client.rs` can turn it back into `PluginError::CapabilityDenied`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct PolicyRefusal(pub(crate) PluginError);

type Connecting<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<S, R> Service<R> for Authorize<S>
where
    S: Service<R, Error = BoxError>,
    S::Response: Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Connecting<S::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        // Authorize on every new connection, not once per client: the policy
        // may change while the plugin runs (a reload of the user's config).
        match self.network.authorize(&self.host, self.port) {
            Ok(()) => Box::pin(self.inner.call(request)),
            Err(refusal) => Box::pin(ready(Err(Box::new(PolicyRefusal(refusal)) as BoxError))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use vcli_plugin_api::{Capability, NetworkMeter};

    use super::*;

    #[derive(Debug, Default)]
    struct Meter {
        asked: Mutex<Vec<(String, u16)>>,
    }

    impl NetworkMeter for Meter {
        fn authorize(&self, host: &str, port: u16) -> Result<(), PluginError> {
            self.asked.lock().unwrap().push((host.to_owned(), port));
            if host == "forbidden" {
                return Err(PluginError::CapabilityDenied {
                    plugin: "prometheus".into(),
                    capability: Capability::Network,
                    reason: "not in scope".into(),
                });
            }
            Ok(())
        }
        fn record_sent(&self, _: u64) {}
        fn record_received(&self, _: u64) {}
    }

    #[derive(Clone)]
    struct Echo;

    impl Service<u8> for Echo {
        type Response = u8;
        type Error = BoxError;
        type Future = std::future::Ready<Result<u8, BoxError>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, n: u8) -> Self::Future {
            ready(Ok(n))
        }
    }

    #[tokio::test]
    async fn asks_before_connecting_and_carries_the_refusal() {
        let meter = Arc::new(Meter::default());
        let network = NetworkService::new(meter.clone());
        let mut allowed = AuthorizeLayer::new(network.clone(), "127.0.0.1", 9090).layer(Echo);
        assert_eq!(allowed.call(7).await.unwrap(), 7);
        let mut denied = AuthorizeLayer::new(network, "forbidden", 443).layer(Echo);
        let err = denied.call(7).await.unwrap_err();
        assert!(err.downcast_ref::<PolicyRefusal>().is_some());
        assert_eq!(
            *meter.asked.lock().unwrap(),
            vec![
                ("127.0.0.1".to_owned(), 9090),
                ("forbidden".to_owned(), 443)
            ]
        );
    }
}
