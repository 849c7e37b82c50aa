//! The connector under the plugin's HTTP client: every connection is opened
//! by the host's network service (`NetworkService::connect`), which
//! authorizes `host:port` against the policy, counts every byte at the
//! socket, holds the plugin to its throughput limit and closes the
//! connection when the plugin is terminated.
//!
//! TLS for `https://` servers runs on top of that stream, so the host counts
//! what really crosses the wire (ciphertext, handshakes included), which is
//! what a network budget is about. The plugin itself counts nothing.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use http::Uri;
use rustls::pki_types::ServerName;
use rustls_platform_verifier::BuilderVerifierExt as _;
use tokio_rustls::TlsConnector;
use tower_service::Service;
use vcli_plugin_api::{HyperIo, NetworkService, PluginError, connect_target};

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    /// The host would not open it: the policy's network scope excludes the
    /// server (the host recorded the violation), or the plugin is stopping.
    /// Asking again would be refused again.
    #[error("{0}")]
    Refused(PluginError),
    /// The TCP connection failed: refused, unreachable, no such host.
    #[error("{0}")]
    Connect(#[source] PluginError),
    /// TLS could not be set up: no trust store, or the handshake failed (a
    /// certificate the platform does not trust, a plain-HTTP server).
    #[error("{0}")]
    Tls(#[source] io::Error),
}

/// Opens every connection through the host's network service, with TLS on
/// top for `https`.
#[derive(Clone)]
pub(crate) struct MeteredConnector {
    network: NetworkService,
    /// Built on the first `https` connection, so that a plugin talking plain
    /// HTTP never reads the system's trust store (nor fails without one).
    tls: Arc<OnceLock<Result<TlsConnector, Arc<rustls::Error>>>>,
}

impl fmt::Debug for MeteredConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredConnector").finish_non_exhaustive()
    }
}

impl MeteredConnector {
    /// A connector opening its connections through `network`.
    pub(crate) fn new(network: NetworkService) -> Self {
        MeteredConnector {
            network,
            tls: Arc::default(),
        }
    }

    /// The TLS client: the platform's trust store (what reqwest, the
    /// plugin's former client, used) with ring, the one crypto provider
    /// this workspace compiles, named explicitly rather than installed as
    /// the process default. HTTP/1.1 only, like the client above it.
    fn tls(&self) -> Result<TlsConnector, ConnectError> {
        let built = self.tls.get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .and_then(|builder| builder.with_platform_verifier())
                .map_err(Arc::new)?
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(TlsConnector::from(Arc::new(config)))
        });
        built
            .clone()
            .map_err(|e| ConnectError::Tls(io::Error::other(e)))
    }
}

/// The future of one connection attempt.
pub(crate) type Connecting = Pin<Box<dyn Future<Output = Result<HyperIo, ConnectError>> + Send>>;

impl Service<Uri> for MeteredConnector {
    type Response = HyperIo;
    type Error = ConnectError;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connector = self.clone();
        Box::pin(async move {
            let https = uri.scheme_str() == Some("https");
            // URLs are checked when an `Api` is made, so there is a host.
            let (host, port) = connect_target(&uri).unwrap_or_default();
            // The host authorizes each new connection, not once per client:
            // the policy may change while the plugin runs.
            let io = connector
                .network
                .connect(&host, port)
                .await
                .map_err(|e| match e {
                    PluginError::CapabilityDenied { .. } | PluginError::Cancelled => {
                        ConnectError::Refused(e)
                    }
                    other => ConnectError::Connect(other),
                })?;
            if !https {
                return Ok(HyperIo::new(io));
            }
            let name = ServerName::try_from(host)
                .map_err(|e| ConnectError::Tls(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
            let tls = connector
                .tls()?
                .connect(name, io)
                .await
                .map_err(ConnectError::Tls)?;
            Ok(HyperIo::new(Box::new(tls)))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures::future::BoxFuture;
    use hyper::rt::Write as _;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
    use tokio::sync::mpsc;
    use vcli_plugin_api::{BoxedIo, Capability, NetworkMeter};

    use super::*;

    /// Hands out one end of an in-memory pipe per connection and sends the
    /// other to the test, recording where each connection was meant to go.
    #[derive(Debug)]
    struct Pipes {
        asked: Mutex<Vec<(String, u16)>>,
        peers: mpsc::UnboundedSender<DuplexStream>,
    }

    fn pipes() -> (Arc<Pipes>, mpsc::UnboundedReceiver<DuplexStream>) {
        let (peers, receiver) = mpsc::unbounded_channel();
        let pipes = Pipes {
            asked: Mutex::default(),
            peers,
        };
        (Arc::new(pipes), receiver)
    }

    impl NetworkMeter for Pipes {
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

        fn connect(
            &self,
            host: &str,
            port: u16,
        ) -> BoxFuture<'static, Result<BoxedIo, PluginError>> {
            let authorized = self.authorize(host, port);
            let (ours, theirs) = tokio::io::duplex(1024);
            let _ = self.peers.send(theirs);
            Box::pin(async move { authorized.map(|()| Box::new(ours) as BoxedIo) })
        }
    }

    #[tokio::test]
    async fn every_connection_is_opened_by_the_host() {
        let (pipes, mut peers) = pipes();
        let mut connector = MeteredConnector::new(NetworkService::new(pipes.clone()));
        let mut io = connector
            .call(Uri::from_static("http://[::1]:9090/api"))
            .await
            .unwrap();
        connector
            .call(Uri::from_static("http://prom.example/"))
            .await
            .unwrap();
        let err = connector
            .call(Uri::from_static("https://forbidden/"))
            .await
            .unwrap_err();
        assert!(matches!(err, ConnectError::Refused(_)), "{err:?}");
        assert_eq!(
            *pipes.asked.lock().unwrap(),
            vec![
                ("::1".to_owned(), 9090),
                ("prom.example".to_owned(), 80),
                ("forbidden".to_owned(), 443),
            ]
        );
        // What hyper writes goes down the host's stream.
        let mut peer = peers.recv().await.unwrap();
        std::future::poll_fn(|cx| Pin::new(&mut io).poll_write(cx, b"GET"))
            .await
            .unwrap();
        let mut seen = [0u8; 3];
        peer.read_exact(&mut seen).await.unwrap();
        assert_eq!(&seen, b"GET");
        peer.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn https_speaks_tls_over_the_hosts_stream() {
        let (pipes, mut peers) = pipes();
        let mut connector = MeteredConnector::new(NetworkService::new(pipes));
        // No trust store needed to say hello, so the test does not depend
        // on the machine's CA certificates.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let _ = connector.tls.set(Ok(TlsConnector::from(Arc::new(config))));
        let connecting = tokio::spawn(async move {
            connector
                .call(Uri::from_static("https://prom.example/"))
                .await
        });
        // The first bytes on the host's stream are a TLS ClientHello
        // (handshake record, content type 22) naming the server.
        let mut peer = peers.recv().await.unwrap();
        let mut hello = vec![0u8; 512];
        let n = peer.read(&mut hello).await.unwrap();
        assert_eq!(hello[0], 22, "a TLS handshake record");
        let sni = b"prom.example";
        assert!(hello[..n].windows(sni.len()).any(|w| w == sni));
        drop(peer);
        let err = connecting.await.unwrap().unwrap_err();
        assert!(matches!(err, ConnectError::Tls(_)), "{err:?}");
    }
}
