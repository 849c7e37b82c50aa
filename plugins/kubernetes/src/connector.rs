//! The TCP connector under the kube client: every connection is authorized
//! by the host's network service, and every byte is counted.
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
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tower::Service;
use vcli_plugin_api::{NetworkService, PluginError};

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

/// An [`HttpConnector`] that asks the host before each connection and meters
/// the stream it opens.
#[derive(Clone)]
pub(crate) struct MeteredConnector {
    inner: HttpConnector,
    network: NetworkService,
}

impl fmt::Debug for MeteredConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredConnector").finish_non_exhaustive()
    }
}

impl MeteredConnector {
    /// Wraps `inner`, which must accept any scheme (`enforce_http(false)`)
    /// because TLS is layered on top.
    pub(crate) fn new(inner: HttpConnector, network: NetworkService) -> Self {
        MeteredConnector { inner, network }
    }
}

type ConnectFuture = Pin<Box<dyn Future<Output = Result<MeteredIo, ConnectError>> + Send>>;

impl Service<Uri> for MeteredConnector {
    type Response = MeteredIo;
    type Error = ConnectError;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner
            .poll_ready(cx)
            .map_err(|e| ConnectError::Io(io::Error::other(e)))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let network = self.network.clone();
        // `call` must not block, so the authorization check runs first in the
        // future; a refused host never sees a SYN.
        let mut inner = self.inner.clone();
        Box::pin(async move {
            let Some(host) = uri.host() else {
                return Err(ConnectError::NoHost(uri));
            };
            let host = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
                Some("https") => 443,
                _ => 80,
            });
            network
                .authorize(&host, port)
                .map_err(ConnectError::Denied)?;
            let io = inner
                .call(uri)
                .await
                .map_err(|e| ConnectError::Io(into_io(e)))?;
            let counted = Counted {
                stream: io.into_inner(),
                network,
            };
            Ok(MeteredIo {
                inner: TokioIo::new(counted),
            })
        })
    }
}

/// hyper-util's connect error wraps the `io::Error` that says what happened
/// (refused, timed out); keep that kind so errors can be worded like kubectl's.
fn into_io<E: std::error::Error + Send + Sync + 'static>(err: E) -> io::Error {
    let kind = err
        .source()
        .and_then(|s| s.downcast_ref::<io::Error>())
        .map_or(io::ErrorKind::Other, io::Error::kind);
    io::Error::new(kind, err)
}

/// The TCP stream, counting bytes in both directions into the host's meter.
///
/// Counting happens on tokio's `AsyncRead`/`AsyncWrite`, whose `ReadBuf`
/// says how many bytes a read filled; hyper's own read cursor does not
/// without `unsafe`, which this workspace forbids.
struct Counted {
    stream: TcpStream,
    network: NetworkService,
}

impl AsyncRead for Counted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        let read = buf.filled().len().saturating_sub(before);
        if read > 0 {
            this.network.record_received(read as u64);
        }
        result
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            this.network.record_sent(n as u64);
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = result {
            this.network.record_sent(n as u64);
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The metered stream as hyper sees it.
pub(crate) struct MeteredIo {
    inner: TokioIo<Counted>,
}

impl fmt::Debug for MeteredIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredIo").finish_non_exhaustive()
    }
}

impl Connection for MeteredIo {
    fn connected(&self) -> Connected {
        self.inner.inner().stream.connected()
    }
}

impl Read for MeteredIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl Write for MeteredIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
