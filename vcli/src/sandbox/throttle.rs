//! Metered, throttled network IO: [`MeteredIo`] wraps a plugin's connection,
//! counts the bytes that cross it into [`NetCounters`], and, given a
//! [`Throttle`], delays reads and writes so that throughput stays at the
//! configured rate.
//!
//! # Rate limiting
//!
//! A [`Throttle`] is a token bucket of bytes (a `governor` GCRA limiter): it
//! refills at `bytes_per_second` and holds at most `burst`. Every read and
//! write first obtains tokens for the bytes it may move; when there are none
//! the operation sleeps on a `tokio::time::Sleep` until the limiter says enough
//! will be available, and returns `Pending` meanwhile, so a throttled plugin
//! costs no thread and no CPU while it waits.
//!
//! Which traffic shares a bucket is decided by who shares the `Arc<Throttle>`:
//! [`MeteredIo::with_throttle`] puts both directions of a connection on one
//! bucket, so `sent + received` stays at the rate; the same `Arc` given to all
//! of a plugin's connections caps the plugin as a whole; separate throttles
//! for [`MeteredIo::with_read_throttle`] and
//! [`MeteredIo::with_write_throttle`] cap each direction on its own.
//!
//! Tokens are obtained *before* the bytes move, because afterwards it would
//! be too late to refuse them. An operation moves at most the tokens it
//! obtained (a read gets a smaller buffer, a write a shorter slice); tokens a
//! short read or write did not use stay with the connection as credit for its
//! next operation, so nothing is paid twice or lost. The price is that a
//! connection waiting for data holds the tokens of its pending read (at most
//! half a burst) away from the other connections sharing its throttle.
//!
//! A single request asks for at most half the burst. Waiting until the bucket
//! is completely full would lose whatever refills between the moment it is
//! full and the moment the (millisecond-granular) timer wakes the task;
//! asking for half leaves room for that refill to accumulate. Bursts should
//! therefore hold at least a few milliseconds' worth of the rate.

use std::fmt;
use std::io;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Bytes moved through metered connections, shared by every connection of
/// one plugin.
#[derive(Debug, Default)]
pub struct NetCounters {
    /// Bytes written to the peer.
    pub sent: AtomicU64,
    /// Bytes read from the peer.
    pub received: AtomicU64,
}

/// A token bucket of bytes: at most `bytes_per_second` on average, at most
/// `burst` at once.
pub struct Throttle {
    limiter: RateLimiter<NotKeyed, InMemoryState, DefaultClock>,
    bytes_per_second: NonZeroU32,
    burst: NonZeroU32,
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle")
            .field("bytes_per_second", &self.bytes_per_second)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    /// A bucket that refills at `bytes_per_second` and holds `burst` bytes,
    /// full at the start.
    #[must_use]
    pub fn new(bytes_per_second: NonZeroU32, burst: NonZeroU32) -> Throttle {
        let quota = Quota::per_second(bytes_per_second).allow_burst(burst);
        Throttle {
            limiter: RateLimiter::direct(quota),
            bytes_per_second,
            burst,
        }
    }

    /// The sustained rate.
    #[must_use]
    pub fn bytes_per_second(&self) -> NonZeroU32 {
        self.bytes_per_second
    }

    /// The most the bucket holds.
    #[must_use]
    pub fn burst(&self) -> NonZeroU32 {
        self.burst
    }

    /// The most one IO operation asks for at a time: half the burst (see the
    /// module documentation for why not all of it).
    fn chunk(&self) -> NonZeroU32 {
        NonZeroU32::new(self.burst.get() / 2).unwrap_or(NonZeroU32::MIN)
    }

    /// Takes tokens for up to `bytes` at once, without waiting.
    ///
    /// Grants `min(bytes, burst)` (a bucket can never hold more, so larger
    /// requests must be split, which [`Throttle::acquire`] does) and returns
    /// the amount granted, or how long to wait before that amount will be
    /// available. A refusal takes nothing.
    pub fn try_acquire(&self, bytes: NonZeroU32) -> Result<NonZeroU32, Duration> {
        let n = bytes.min(self.burst);
        match self.limiter.check_n(n) {
            Ok(Ok(())) => Ok(n),
            Ok(Err(not_until)) => Err(not_until.wait_time_from(self.limiter.clock().now())),
            // `n <= burst`, so the limiter's capacity always suffices; should
            // that ever change, waiting for a full bucket is the safe answer.
            Err(_insufficient) => Err(Duration::from_secs_f64(
                f64::from(self.burst.get()) / f64::from(self.bytes_per_second.get()),
            )),
        }
    }

    /// Waits until `bytes` tokens have been taken, in pieces of at most the
    /// burst.
    pub async fn acquire(&self, bytes: u64) {
        let mut remaining = bytes;
        while let Some(wanted) = NonZeroU32::new(u32::try_from(remaining).unwrap_or(u32::MAX)) {
            match self.try_acquire(wanted) {
                Ok(granted) => remaining -= u64::from(granted.get()),
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

/// One direction of a [`MeteredIo`]: its throttle, its unspent tokens and the
/// timer it waits on.
#[derive(Debug, Default)]
struct Direction {
    throttle: Option<Arc<Throttle>>,
    /// Tokens obtained and not yet spent on bytes.
    credit: u32,
    /// Kept between waits so that the timer entry is reused.
    sleep: Option<Pin<Box<Sleep>>>,
    /// Whether `sleep` is armed for a wait that has not completed yet.
    waiting: bool,
}

impl Direction {
    /// How many of `wanted` (> 0) bytes may move now; `Pending` with the
    /// waker registered on the timer when none may.
    fn poll_allowance(&mut self, cx: &mut Context<'_>, wanted: usize) -> Poll<usize> {
        let Some(throttle) = &self.throttle else {
            return Poll::Ready(wanted);
        };
        if self.credit > 0 {
            return Poll::Ready(wanted.min(self.credit as usize));
        }
        let request = NonZeroU32::new(u32::try_from(wanted).unwrap_or(u32::MAX))
            .unwrap_or(NonZeroU32::MIN)
            .min(throttle.chunk());
        // A timer whose deadline has passed completes at once, so this loop
        // normally runs once or twice; it is bounded anyway so that a clock
        // disagreement between `governor` and tokio cannot spin it.
        for _ in 0..4 {
            if self.waiting {
                if let Some(sleep) = self.sleep.as_mut() {
                    ready!(sleep.as_mut().poll(cx));
                }
                self.waiting = false;
            }
            match throttle.try_acquire(request) {
                Ok(granted) => {
                    self.credit = granted.get();
                    return Poll::Ready(wanted.min(self.credit as usize));
                }
                Err(wait) => {
                    let deadline = Instant::now() + wait;
                    match self.sleep.as_mut() {
                        Some(sleep) => sleep.as_mut().reset(deadline),
                        None => self.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
                    }
                    self.waiting = true;
                }
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Records that `bytes` of the allowance moved.
    fn spend(&mut self, bytes: usize) {
        if self.throttle.is_some() {
            self.credit = self
                .credit
                .saturating_sub(u32::try_from(bytes).unwrap_or(u32::MAX));
        }
    }
}

/// A connection whose traffic is counted and, optionally, rate-limited.
///
/// Reads count into [`NetCounters::received`], writes into
/// [`NetCounters::sent`]; flush and shutdown pass through.
#[derive(Debug)]
pub struct MeteredIo<T> {
    inner: T,
    counters: Arc<NetCounters>,
    read: Direction,
    write: Direction,
}

impl<T> MeteredIo<T> {
    /// Counts the traffic of `inner` into `counters`, without a rate limit.
    pub fn new(inner: T, counters: Arc<NetCounters>) -> MeteredIo<T> {
        MeteredIo {
            inner,
            counters,
            read: Direction::default(),
            write: Direction::default(),
        }
    }

    /// Limits reads and writes together: `sent + received` through this
    /// connection (and any other sharing `throttle`) stays at its rate.
    #[must_use]
    pub fn with_throttle(self, throttle: Arc<Throttle>) -> MeteredIo<T> {
        self.with_read_throttle(Arc::clone(&throttle))
            .with_write_throttle(throttle)
    }

    /// Limits reads only, with `throttle`.
    #[must_use]
    pub fn with_read_throttle(mut self, throttle: Arc<Throttle>) -> MeteredIo<T> {
        self.read = Direction {
            throttle: Some(throttle),
            ..Direction::default()
        };
        self
    }

    /// Limits writes only, with `throttle`.
    #[must_use]
    pub fn with_write_throttle(mut self, throttle: Arc<Throttle>) -> MeteredIo<T> {
        self.write = Direction {
            throttle: Some(throttle),
            ..Direction::default()
        };
        self
    }

    /// The counters this connection adds to.
    pub fn counters(&self) -> &Arc<NetCounters> {
        &self.counters
    }

    /// The wrapped connection.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped connection; bytes moved through it directly are neither
    /// counted nor throttled.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the connection.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// A byte count for the counters; `usize` fits in `u64` on every target Rust
/// supports.
fn as_u64(bytes: usize) -> u64 {
    u64::try_from(bytes).unwrap_or(u64::MAX)
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for MeteredIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let room = buf.remaining();
        if room == 0 {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let allowed = ready!(this.read.poll_allowance(cx, room));
        let read = if allowed >= room {
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
            buf.filled().len() - before
        } else {
            // Offer the inner reader only as many bytes as the allowance. The
            // window is initialized (zeroed on first use) so that it can be
            // handed out as a fresh `ReadBuf` and then marked filled in `buf`
            // without unsafe code.
            let window = buf.initialize_unfilled_to(allowed);
            let mut limited = ReadBuf::new(window);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut limited))?;
            let read = limited.filled().len();
            buf.advance(read);
            read
        };
        this.read.spend(read);
        this.counters
            .received
            .fetch_add(as_u64(read), Ordering::Relaxed);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for MeteredIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        let allowed = ready!(this.write.poll_allowance(cx, buf.len()));
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..allowed]))?;
        this.write.spend(written);
        this.counters
            .sent
            .fetch_add(as_u64(written), Ordering::Relaxed);
        Poll::Ready(Ok(written))
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
    use std::time::Instant as StdInstant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;

    use super::*;

    const MIB: u32 = 1024 * 1024;
    /// How long the throughput tests push data.
    const RUN: Duration = Duration::from_secs(2);
    /// The largest acceptable relative error of a throttled rate.
    const TOLERANCE: f64 = 0.10;

    fn throttle(bytes_per_second: u32, burst: u32) -> Arc<Throttle> {
        Arc::new(Throttle::new(
            NonZeroU32::new(bytes_per_second).expect("non-zero rate"),
            NonZeroU32::new(burst).expect("non-zero burst"),
        ))
    }

    /// A loopback sink that reads and discards until the peer closes, and
    /// returns how much it read.
    async fn sink() -> (std::net::SocketAddr, JoinHandle<u64>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut buf = vec![0u8; 256 * 1024];
            let mut total = 0u64;
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return total,
                    Ok(n) => total += as_u64(n),
                }
            }
        });
        (addr, task)
    }

    /// A loopback source that writes as fast as it can until the peer
    /// closes, and returns how much it wrote.
    async fn source() -> (std::net::SocketAddr, JoinHandle<u64>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let buf = vec![0x5a_u8; 256 * 1024];
            let mut total = 0u64;
            loop {
                match stream.write(&buf).await {
                    Ok(0) | Err(_) => return total,
                    Ok(n) => total += as_u64(n),
                }
            }
        });
        (addr, task)
    }

    /// Writes through `io` as fast as it accepts for `run`; returns the bytes
    /// written and the time it took.
    async fn flood<T: AsyncRead + AsyncWrite + Unpin>(
        io: &mut MeteredIo<T>,
        run: Duration,
    ) -> (u64, Duration) {
        let buf = vec![0xa5_u8; 64 * 1024];
        let started = StdInstant::now();
        let mut total = 0u64;
        while started.elapsed() < run {
            let n = io.write(&buf).await.expect("write");
            total += as_u64(n);
        }
        (total, started.elapsed())
    }

    /// Reads through `io` as fast as it delivers for `run`.
    async fn drain<T: AsyncRead + AsyncWrite + Unpin>(
        io: &mut MeteredIo<T>,
        run: Duration,
    ) -> (u64, Duration) {
        let mut buf = vec![0u8; 64 * 1024];
        let started = StdInstant::now();
        let mut total = 0u64;
        while started.elapsed() < run {
            let n = io.read(&mut buf).await.expect("read");
            assert_ne!(n, 0, "the source never closes first");
            total += as_u64(n);
        }
        (total, started.elapsed())
    }

    fn rate(bytes: u64, spent: Duration) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "test arithmetic")]
        let bytes = bytes as f64;
        bytes / spent.as_secs_f64()
    }

    fn assert_near(measured: f64, target: f64) {
        let error = (measured - target).abs() / target;
        // Shown with `--nocapture`, to see how close the throttle gets.
        eprintln!(
            "measured {measured:.0} B/s, target {target:.0} B/s, error {:+.2}%",
            (measured - target) / target * 100.0
        );
        assert!(
            error <= TOLERANCE,
            "measured {measured:.0} B/s, target {target:.0} B/s, error {:.1}%",
            error * 100.0
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_are_throttled_to_the_configured_rate() {
        let (addr, sink) = sink().await;
        let counters = Arc::new(NetCounters::default());
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut io =
            MeteredIo::new(stream, counters.clone()).with_throttle(throttle(MIB, 32 * 1024));

        let (written, spent) = flood(&mut io, RUN).await;
        io.shutdown().await.expect("shutdown");
        drop(io);
        let received = sink.await.expect("sink");

        assert_near(rate(written, spent), f64::from(MIB));
        assert_eq!(counters.sent.load(Ordering::Relaxed), written);
        assert_eq!(received, written);
        assert_eq!(counters.received.load(Ordering::Relaxed), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_a_throttle_writes_are_much_faster() {
        let (addr, sink) = sink().await;
        let counters = Arc::new(NetCounters::default());
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut io = MeteredIo::new(stream, counters.clone());

        let (written, spent) = flood(&mut io, Duration::from_millis(500)).await;
        io.shutdown().await.expect("shutdown");
        drop(io);
        let received = sink.await.expect("sink");

        assert!(
            rate(written, spent) > 10.0 * f64::from(MIB),
            "unthrottled loopback managed only {:.0} B/s",
            rate(written, spent)
        );
        assert_eq!(counters.sent.load(Ordering::Relaxed), written);
        assert_eq!(received, written);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_are_throttled_to_the_configured_rate() {
        let (addr, source) = source().await;
        let counters = Arc::new(NetCounters::default());
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut io =
            MeteredIo::new(stream, counters.clone()).with_throttle(throttle(MIB, 32 * 1024));

        let (read, spent) = drain(&mut io, RUN).await;
        drop(io);
        source.await.expect("source");

        assert_near(rate(read, spent), f64::from(MIB));
        assert_eq!(counters.received.load(Ordering::Relaxed), read);
        assert_eq!(counters.sent.load(Ordering::Relaxed), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_throttle_caps_several_connections_together() {
        let shared = throttle(MIB, 32 * 1024);
        let counters = Arc::new(NetCounters::default());
        let mut flooders = Vec::new();
        let mut sinks = Vec::new();
        for _ in 0..2 {
            let (addr, sink) = sink().await;
            let stream = TcpStream::connect(addr).await.expect("connect");
            let mut io = MeteredIo::new(stream, counters.clone()).with_throttle(shared.clone());
            sinks.push(sink);
            flooders.push(tokio::spawn(async move {
                let result = flood(&mut io, RUN).await;
                io.shutdown().await.expect("shutdown");
                result
            }));
        }
        let mut total = 0;
        let mut longest = Duration::ZERO;
        for flooder in flooders {
            let (written, spent) = flooder.await.expect("flooder");
            total += written;
            longest = longest.max(spent);
        }
        for sink in sinks {
            sink.await.expect("sink");
        }

        assert_near(rate(total, longest), f64::from(MIB));
        assert_eq!(counters.sent.load(Ordering::Relaxed), total);
    }

    #[tokio::test]
    async fn requests_larger_than_the_burst_are_split() {
        let bucket = throttle(1000, 100);
        // A single grant never exceeds the burst, which is all governor's
        // `check_n` could ever allow.
        let granted = bucket
            .try_acquire(NonZeroU32::new(500).expect("non-zero"))
            .expect("the bucket starts full");
        assert_eq!(granted.get(), 100);
        assert!(bucket.try_acquire(NonZeroU32::MIN).is_err(), "now empty");

        // 250 more bytes at 1000 B/s take about a quarter of a second.
        let started = StdInstant::now();
        bucket.acquire(250).await;
        let spent = started.elapsed();
        assert!(
            spent >= Duration::from_millis(200) && spent < Duration::from_millis(600),
            "took {spent:?}"
        );
    }
}
