//! What a stream the detail opened (a log stream, an events watch) is doing,
//! and the exponential backoff its reconnections follow.
//!
//! Operators must never be left guessing whether a quiet log is quiet or
//! dead, so every stream carries one of these states and the detail draws it.

use std::time::Duration;

use jiff::Timestamp;

/// Why a stream ended for good (it is not retried).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The container stopped; its log is complete. Carries kubectl's words
    /// for how it stopped (`Completed, exit code 0`).
    ContainerTerminated(String),
    /// The pod is gone.
    PodDeleted,
    /// The server refused the stream or closed it for a reason retrying
    /// cannot fix; carries its message.
    ServerClosed(String),
    /// A finite log (the previous instance's) was read to its end.
    Complete,
}

impl EndReason {
    /// The reason in words.
    pub fn text(&self) -> String {
        match self {
            EndReason::ContainerTerminated(how) => format!("container terminated ({how})"),
            EndReason::PodDeleted => "pod deleted".to_owned(),
            EndReason::ServerClosed(why) => format!("server closed the stream: {why}"),
            EndReason::Complete => "end of log".to_owned(),
        }
    }
}

/// The state of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// The first request is in flight.
    Connecting,
    /// Data is flowing (or the stream is open and quiet).
    Live,
    /// The stream broke and is being re-opened.
    Reconnecting {
        /// Which attempt comes next (1 for the first retry).
        attempt: u32,
        /// When it will be made.
        retry_at: Timestamp,
        /// What went wrong last.
        error: String,
    },
    /// The stream is over and will not be re-opened.
    Ended(EndReason),
}

impl StreamState {
    /// One line for the status bar: `● live`, `↻ reconnecting (attempt 3, next retry
    /// in 4s): connection refused`, `■ ended: pod deleted`. Countdowns are
    /// computed against `now`, rounded up to whole seconds.
    pub fn text(&self, now: Timestamp) -> String {
        match self {
            StreamState::Connecting => "○ connecting".to_owned(),
            StreamState::Live => "● live".to_owned(),
            StreamState::Reconnecting {
                attempt,
                retry_at,
                error,
            } => {
                let left = retry_at.duration_since(now).as_millis().max(0);
                let secs = (left + 999) / 1000;
                format!("↻ reconnecting (attempt {attempt}, next retry in {secs}s): {error}")
            }
            StreamState::Ended(reason) => format!("■ ended: {}", reason.text()),
        }
    }

    /// Whether the stream will not change any more by itself.
    pub fn is_ended(&self) -> bool {
        matches!(self, StreamState::Ended(_))
    }
}

/// Exponential backoff: `initial`, doubled after each failed attempt, never
/// more than `max`. A success resets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The pause before the first retry.
    pub initial: Duration,
    /// The cap.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The pause before retry number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial
            .saturating_mul(1u32 << doublings)
            .min(self.max)
            .max(Duration::from_millis(1))
    }
}

/// Counts attempts for one stream and produces its `Reconnecting` states.
#[derive(Debug, Clone)]
pub(crate) struct Retry {
    backoff: Backoff,
    attempt: u32,
}

impl Retry {
    pub(crate) fn new(backoff: Backoff) -> Self {
        Retry {
            backoff,
            attempt: 0,
        }
    }

    /// The stream works again: the next failure starts from the first delay.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    /// A failure: the state to show and how long to wait before retrying.
    pub(crate) fn failed(&mut self, error: String) -> (StreamState, Duration) {
        self.attempt = self.attempt.saturating_add(1);
        let delay = self.backoff.delay(self.attempt);
        let retry_at = Timestamp::now()
            .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
            .unwrap_or_else(|_| Timestamp::now());
        let state = StreamState::Reconnecting {
            attempt: self.attempt,
            retry_at,
            error,
        };
        (state, delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(5),
        };
        let delays: Vec<u128> = (1..=7).map(|a| b.delay(a).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 5000, 5000, 5000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn countdown_rounds_up() {
        let now: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let state = StreamState::Reconnecting {
            attempt: 2,
            retry_at: "2024-05-01T12:00:03.2Z".parse().unwrap(),
            error: "connection refused".into(),
        };
        assert_eq!(
            state.text(now),
            "↻ reconnecting (attempt 2, next retry in 4s): connection refused"
        );
        let mut retry = Retry::new(Backoff::default());
        let (first, d1) = retry.failed("x".into());
        let (_, d2) = retry.failed("x".into());
        assert!(matches!(
            first,
            StreamState::Reconnecting { attempt: 1, .. }
        ));
        assert_eq!((d1, d2), (Duration::from_secs(1), Duration::from_secs(2)));
        retry.reset();
        assert_eq!(retry.failed("x".into()).1, Duration::from_secs(1));
    }
}
