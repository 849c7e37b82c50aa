//! Runtime fault injection: slow responses, failing requests and cut streams, for testing how
//! a client copes with a struggling API server.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Faults applied to the requests the emulator receives from now on. Cheap to clone; all
/// clones share the same settings.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    inner: Arc<Mutex<Settings>>,
}

#[derive(Debug, Default)]
struct Settings {
    latency: Duration,
    failures: Vec<Failure>,
    /// Cancelled (and replaced) to cut the followed logs open at that moment.
    cut: CancellationToken,
}

/// A pending batch of failures.
#[derive(Debug)]
struct Failure {
    remaining: usize,
    code: u16,
    /// Only requests whose path contains this fail (empty: any request).
    path_contains: String,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Settings> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Delays every response by `latency` (before it is computed).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Makes the next `n` requests fail with HTTP `status_code` and a `Status` body worded as
    /// the real server words it (500: InternalError "etcdserver: request timed out", 503:
    /// ServiceUnavailable, 429: TooManyRequests, 504: Timeout, ...).
    pub fn fail_next(&self, n: usize, status_code: u16) {
        self.fail_next_matching(n, status_code, "");
    }

    /// Like [`Faults::fail_next`], but only requests whose path contains `path_contains`
    /// count (e.g. `"/pods"`), so discovery and other calls keep working.
    pub fn fail_next_matching(&self, n: usize, status_code: u16, path_contains: &str) {
        if n > 0 {
            self.lock().failures.push(Failure {
                remaining: n,
                code: status_code,
                path_contains: path_contains.to_owned(),
            });
        }
    }

    /// Ends every followed log stream open right now, as a restarting API server or a
    /// dropped connection to the kubelet would: the response ends while the container still
    /// runs. Streams opened afterwards are not affected.
    pub fn cut_log_streams(&self) {
        let cut = std::mem::take(&mut self.lock().cut);
        cut.cancel();
    }

    /// What a followed log stream opened now watches to know it was cut.
    pub(crate) fn log_cut(&self) -> CancellationToken {
        self.lock().cut.clone()
    }

    /// Removes the latency and all pending failures.
    pub fn clear(&self) {
        let mut settings = self.lock();
        settings.latency = Duration::ZERO;
        settings.failures.clear();
    }

    pub(crate) fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// The status code this request must fail with, if any; uses up one failure.
    pub(crate) fn take_failure(&self, path: &str) -> Option<u16> {
        let mut settings = self.lock();
        let index = settings
            .failures
            .iter()
            .position(|f| path.contains(&f.path_contains))?;
        let failure = &mut settings.failures[index];
        failure.remaining -= 1;
        let code = failure.code;
        if failure.remaining == 0 {
            settings.failures.remove(index);
        }
        Some(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_used_up_in_order() {
        let faults = Faults::default();
        faults.fail_next_matching(1, 503, "/pods");
        faults.fail_next(2, 500);
        assert_eq!(faults.take_failure("/api/v1/pods"), Some(503));
        assert_eq!(faults.take_failure("/api/v1/pods"), Some(500));
        assert_eq!(faults.take_failure("/version"), Some(500));
        assert_eq!(faults.take_failure("/version"), None);
        faults.set_latency(Duration::from_millis(5));
        faults.clear();
        assert_eq!(faults.latency(), Duration::ZERO);
    }

    #[test]
    fn a_cut_ends_only_the_streams_open_at_the_time() {
        let faults = Faults::default();
        let before = faults.log_cut();
        faults.cut_log_streams();
        let after = faults.log_cut();
        assert!(before.is_cancelled());
        assert!(!after.is_cancelled());
    }
}
