//! Feature `hyper`: a metered connection as hyper's client sees it, for
//! plugins that build their HTTP client (hyper-util's pooled client, or
//! kube's, which is one) on the host's [`NetworkService`](crate::NetworkService).
//!
//! hyper's client wants its own `Read`/`Write` traits and hyper-util's
//! `Connection`; a plugin cannot implement foreign traits for the foreign
//! `TokioIo<BoxedIo>`, so every plugin used to carry the same newtype.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;

use crate::BoxedIo;

/// A connection from the host's network service (TLS on top or not), ready
/// for hyper: a connector's `Service<Uri>` answers with it.
pub struct HyperIo {
    inner: TokioIo<BoxedIo>,
}

impl HyperIo {
    /// Wraps a connection from `NetworkService::connect` (or a TLS stream
    /// over one, boxed).
    pub fn new(io: BoxedIo) -> Self {
        HyperIo {
            inner: TokioIo::new(io),
        }
    }
}

/// The host (without IPv6 brackets) and port a connector opens for `uri`:
/// the URI's port, else 443 for `https` and 80 otherwise; `None` without a
/// host.
///
/// ```
/// use vcli_plugin_api::connect_target;
///
/// let uri = "https://[::1]/api".parse().unwrap();
/// assert_eq!(connect_target(&uri), Some(("::1".to_owned(), 443)));
/// ```
pub fn connect_target(uri: &Uri) -> Option<(String, u16)> {
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("https") => 443,
        _ => 80,
    });
    Some((host.to_owned(), port))
}

impl fmt::Debug for HyperIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperIo").finish_non_exhaustive()
    }
}

impl Connection for HyperIo {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Read for HyperIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl Write for HyperIo {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_default_their_port_by_scheme() {
        let target = |u: &str| connect_target(&u.parse().unwrap());
        assert_eq!(target("http://a.example"), Some(("a.example".into(), 80)));
        assert_eq!(target("https://a.example"), Some(("a.example".into(), 443)));
        assert_eq!(
            target("http://a.example:9090/x"),
            Some(("a.example".into(), 9090))
        );
        assert_eq!(target("/relative"), None);
    }
}
