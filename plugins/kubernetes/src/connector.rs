//! The TCP connector under the kube client: every connection is opened by
//! the host's network service, which authorizes it, counts and throttles
//! every byte, and closes it if the plugin is terminated.
//!
//! The metering sits below TLS, so the host counts what really crosses the
//! wire (ciphertext, handshakes included), which is what a network budget is
//! about.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use std::time::Duration;
use tower::Service;
use vcli_plugin_api::{HyperIo, NetworkService, PluginError, connect_target};

/// Why a connection could not be opened.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The host's policy refused `host:port`; the host already recorded it.
    Denied(PluginError),
    /// The URI has no host to connect to.
    NoHost(Uri),
    /// The TCP connection failed (refused, unreachable, timed out).
    Io(io::Error),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Denied(e) => write!(f, "connection refused by vcli's policy: {e}"),
            ConnectError::NoHost(uri) => write!(f, "no host in URL {uri}"),
            ConnectError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::Denied(e) => Some(e),
            ConnectError::Io(e) => Some(e),
            ConnectError::NoHost(_) => None,
        }
    }
}

/// A connector that opens every connection through the host's network
/// service: the host authorizes `host:port` against the policy, counts every
/// byte, applies the plugin's throughput limit, and closes the connection if
/// the plugin is terminated.
#[derive(Clone)]
pub(crate) struct MeteredConnector {
    network: NetworkService,
    connect_timeout: Option<Duration>,
}

impl fmt::Debug for MeteredConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredConnector").finish_non_exhaustive()
    }
}

impl MeteredConnector {
    /// A connector opening connections through `network`, each within
    /// `connect_timeout`.
    pub(crate) fn new(network: NetworkService, connect_timeout: Option<Duration>) -> Self {
        MeteredConnector {
            network,
            connect_timeout,
        }
    }
}

/// The future of one connection attempt.
pub(crate) type ConnectFuture = Pin<Box<dyn Future<Output = Result<HyperIo, ConnectError>> + Send>>;

impl Service<Uri> for MeteredConnector {
    type Response = HyperIo;
    type Error = ConnectError;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let network = self.network.clone();
        let connect_timeout = self.connect_timeout;
        Box::pin(async move {
            let Some((host, port)) = connect_target(&uri) else {
                return Err(ConnectError::NoHost(uri));
            };
            let connect = network.connect(&host, port);
            let connected = match connect_timeout {
                Some(limit) => tokio::time::timeout(limit, connect).await.map_err(|_| {
                    ConnectError::Io(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("connecting to {host}:{port} timed out"),
                    ))
                })?,
                None => connect.await,
            };
            let io = connected.map_err(into_connect_error)?;
            Ok(HyperIo::new(io))
        })
    }
}

/// Keeps the kind of the I/O error behind a failed connection (refused,
/// timed out), so errors can be worded like kubectl's; a policy refusal
/// stays a refusal.
fn into_connect_error(err: PluginError) -> ConnectError {
    if matches!(
        err,
        PluginError::CapabilityDenied { .. } | PluginError::Cancelled
    ) {
        return ConnectError::Denied(err);
    }
    let kind = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<io::Error>())
        .map_or(io::ErrorKind::Other, io::Error::kind);
    ConnectError::Io(io::Error::new(kind, err))
}
