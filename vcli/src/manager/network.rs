//! Connections the host opens for plugins: counted and throttled by the
//! sandbox's metered IO, and closed the moment the plugin is terminated.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use vcli_plugin_api::BoxedIo;

use super::call::PluginMeter;
use crate::sandbox::throttle::MeteredIo;

impl PluginMeter {
    /// Wraps a plugin's connection: bytes are counted into the plugin's
    /// meter, throughput is limited by its throttle, and IO fails once
    /// `closed` is cancelled.
    pub(crate) fn metered_io<T>(&self, io: T, closed: CancellationToken) -> BoxedIo
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let mut metered = MeteredIo::new(io, self.net.clone());
        if let Some(throttle) = &self.throttle {
            metered = metered.with_throttle(throttle.clone());
        }
        Box::new(Closable {
            inner: metered,
            closed: Box::pin(closed.cancelled_owned()),
        })
    }
}

/// IO that errors with `ConnectionAborted` once its plugin is terminated,
/// waking any read or write pending at that moment.
struct Closable<T> {
    inner: T,
    closed: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl<T> Closable<T> {
    fn check(&mut self, cx: &mut Context<'_>) -> Result<(), std::io::Error> {
        match self.closed.as_mut().poll(cx) {
            Poll::Ready(()) => Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "the plugin was stopped or terminated; its connections are closed",
            )),
            Poll::Pending => Ok(()),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Closable<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Closable<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.check(cx)?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
