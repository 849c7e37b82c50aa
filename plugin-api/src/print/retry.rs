//! Bounded retry with doubling delays, for the idempotent requests a plugin
//! sends to a server that may be briefly unavailable, and the delays the
//! host waits between restarts of a failed plugin. One policy type, so
//! every retry in vcli is bounded and backs off the same way.

use std::future::Future;
use std::time::Duration;

/// Doubling delays: `first`, twice that, four times... never above `max`.
///
/// ```
/// use std::time::Duration;
/// use vcli_plugin_api::print::Backoff;
///
/// let backoff = Backoff::doubling(Duration::from_secs(1)).capped(Duration::from_secs(5));
/// assert_eq!(backoff.delay(0), Duration::from_secs(1));
/// assert_eq!(backoff.delay(2), Duration::from_secs(4));
/// assert_eq!(backoff.delay(3), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    max: Duration,
}

impl Backoff {
    /// Delays starting at `first`, doubling without a cap.
    pub const fn doubling(first: Duration) -> Self {
        Backoff {
            first,
            max: Duration::MAX,
        }
    }

    /// The same delays, none above `max`.
    pub const fn capped(self, max: Duration) -> Self {
        Backoff { max, ..self }
    }

    /// The delay before retry number `retry` (0 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// At most `attempts` tries of one request, with a [`Backoff`] between them.
///
/// ```
/// use std::time::Duration;
/// use vcli_plugin_api::print::{Backoff, Retry};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let retry = Retry::new(3, Backoff::doubling(Duration::from_millis(1)));
/// let mut tries = 0;
/// // A server that answers 503 twice, then 200.
/// let status = retry
///     .run(|| { tries += 1; async move { if tries < 3 { 503 } else { 200 } } }, |s| *s == 503)
///     .await;
/// assert_eq!((status, tries), (200, 3));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    attempts: u32,
    backoff: Backoff,
}

impl Retry {
    /// `attempts` tries in all (the first one included), `backoff` between.
    pub const fn new(attempts: u32, backoff: Backoff) -> Self {
        Retry { attempts, backoff }
    }

    /// Runs `attempt` until `again` says its outcome is not worth another
    /// try, or the tries are used up, and returns the last outcome. Waits
    /// with the runtime's timer, so it must run on the host's runtime (every
    /// plugin call does); put the whole under a timeout to bound its time.
    pub async fn run<T, F, Fut>(&self, mut attempt: F, mut again: impl FnMut(&T) -> bool) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = T>,
    {
        let mut retry = 0;
        loop {
            let outcome = attempt().await;
            if retry + 1 >= self.attempts || !again(&outcome) {
                return outcome;
            }
            tokio::time::sleep(self.backoff.delay(retry)).await;
            retry += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_and_saturate() {
        let s = Duration::from_secs;
        let backoff = Backoff::doubling(s(1)).capped(s(300));
        assert_eq!(backoff.delay(0), s(1));
        assert_eq!(backoff.delay(3), s(8));
        assert_eq!(backoff.delay(40), s(300));
        // Past 2^31 the factor stops growing, and the product saturates.
        assert_eq!(Backoff::doubling(s(1)).delay(200), s(u64::from(u32::MAX)));
        assert_eq!(Backoff::doubling(Duration::MAX / 2).delay(2), Duration::MAX);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_last_attempt() {
        let retry = Retry::new(3, Backoff::doubling(Duration::from_millis(100)));
        let started = tokio::time::Instant::now();
        let mut tries = 0;
        let outcome = retry
            .run(
                || {
                    tries += 1;
                    async { Err::<(), _>("unavailable") }
                },
                Result::is_err,
            )
            .await;
        assert_eq!((outcome, tries), (Err("unavailable"), 3));
        // Two waits: 100 ms, then 200 ms.
        assert_eq!(started.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn a_final_outcome_returns_at_once() {
        let retry = Retry::new(5, Backoff::doubling(Duration::from_secs(1)));
        let started = tokio::time::Instant::now();
        assert_eq!(retry.run(|| async { 404 }, |s| *s >= 500).await, 404);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
