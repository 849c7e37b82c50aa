//! Times and steps as operators type them (RFC 3339, unix seconds, `now`,
//! `-1h`, `now-30m`), and the checks a range query needs before it is sent.
//!
//! Times are unix seconds as `f64`, the form the Prometheus API itself uses.
//! Every function takes `now` as an argument, so the parsing is testable.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::parse_duration;
use crate::format::short_duration;

/// Prometheus refuses range queries with more points than this per series.
pub(crate) const MAX_POINTS: f64 = 11_000.0;
/// `--step` when none is given: about this many points over the range.
const AUTO_POINTS: f64 = 250.0;
/// `--since` when neither it nor `--start` is given.
pub(crate) const DEFAULT_SINCE: Duration = Duration::from_secs(3600);

const TIME_FORMS: &str =
    "RFC 3339 (2024-05-01T12:00:00Z), unix seconds, now, or a relative time like -1h or now-30m";

/// The current time in unix seconds.
pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Parses the value of the time flag `flag` (for the error message).
pub(crate) fn parse_time(flag: &str, input: &str, now: f64) -> Result<f64, String> {
    let text = input.trim();
    let invalid = |why: String| format!("invalid {flag} {input:?}: {why}");
    if text.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    // `-1h`, `now-1h`, `now+5m`.
    let relative = text
        .strip_prefix("now")
        .or_else(|| text.starts_with('-').then_some(text));
    if let Some(offset) = relative {
        let (sign, amount) = match offset.split_at_checked(1) {
            Some(("-", rest)) => (-1.0, rest),
            Some(("+", rest)) => (1.0, rest),
            _ => return Err(invalid(format!("expected {TIME_FORMS}"))),
        };
        let amount = parse_duration(amount).map_err(invalid)?;
        return Ok(now + sign * amount.as_secs_f64());
    }
    if let Ok(secs) = text.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok(secs);
        }
        return Err(invalid(
            "a unix time must be a non-negative number".to_owned(),
        ));
    }
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(at) => Ok(unix_seconds(&at)),
        Err(_) => Err(invalid(format!("expected {TIME_FORMS}"))),
    }
}

/// Unix seconds of `at`, exact to the microsecond (whole seconds and the
/// fraction are converted separately to keep f64 precision).
pub(crate) fn unix_seconds(at: &OffsetDateTime) -> f64 {
    at.unix_timestamp() as f64 + f64::from(at.nanosecond()) / 1e9
}

/// A validated range query window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    pub(crate) start: f64,
    pub(crate) end: f64,
    pub(crate) step: f64,
}

/// What the operator typed for a range query.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct WindowFlags<'a> {
    pub(crate) start: Option<&'a str>,
    pub(crate) end: Option<&'a str>,
    pub(crate) since: Option<&'a str>,
    pub(crate) step: Option<&'a str>,
}

impl Window {
    /// Resolves and checks the flags: start before end, a positive step, and
    /// no more points than Prometheus allows, each error naming its flag.
    pub(crate) fn from_flags(flags: WindowFlags<'_>, now: f64) -> Result<Window, String> {
        let end = match flags.end {
            Some(end) => parse_time("--end", end, now)?,
            None => now,
        };
        let start = match (flags.start, flags.since) {
            (Some(_), Some(_)) => return Err("give --start or --since, not both".to_owned()),
            (Some(start), None) => parse_time("--start", start, now)?,
            (None, Some(since)) => {
                let since = parse_duration(since).map_err(|e| format!("invalid --since: {e}"))?;
                end - since.as_secs_f64()
            }
            (None, None) => end - DEFAULT_SINCE.as_secs_f64(),
        };
        if start >= end {
            return Err(format!(
                "--start ({}) must be before --end ({})",
                rfc3339(start),
                rfc3339(end)
            ));
        }
        // Checked before a step is worked out from the span: a window that
        // reaches before Unix time began would give a step Prometheus
        // refuses, and it keeps no samples that old anyway.
        if start < 0.0 {
            let flag = if flags.start.is_some() {
                "--start"
            } else {
                "--since"
            };
            return Err(format!(
                "{flag} reaches before 1970-01-01T00:00:00Z, where Prometheus has no samples; \
                 ask for a shorter window"
            ));
        }
        let span = end - start;
        let step = match flags.step {
            Some(step) => parse_duration(step)
                .map_err(|e| format!("invalid --step: {e}"))?
                .as_secs_f64(),
            None => (span / AUTO_POINTS).ceil().max(1.0),
        };
        // The server's own rule: (end - start) / step must not exceed 11000.
        if span / step > MAX_POINTS {
            let minimum = (span / MAX_POINTS).ceil();
            return Err(format!(
                "--step {} is too small for a range of {}: Prometheus allows at most {} points \
                 per series; use --step {} or more",
                short_duration(step),
                short_duration(span),
                MAX_POINTS,
                short_duration(minimum)
            ));
        }
        Ok(Window { start, end, step })
    }
}

/// A time as an API parameter: seconds with millisecond precision.
pub(crate) fn param(t: f64) -> String {
    format!("{t:.3}")
}

/// A time as RFC 3339 in UTC, to the second: what tables show.
pub(crate) fn rfc3339(t: f64) -> String {
    let at =
        OffsetDateTime::from_unix_timestamp(t.floor() as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    at.format(&Rfc3339).unwrap_or_else(|_| param(t))
}

/// `HH:MM:SS` (UTC) for chart axes and the view's status line.
pub(crate) fn clock(t: f64) -> String {
    let at =
        OffsetDateTime::from_unix_timestamp(t.floor() as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_700_000_000.0;

    fn window(
        start: Option<&str>,
        end: Option<&str>,
        since: Option<&str>,
        step: Option<&str>,
    ) -> Result<Window, String> {
        Window::from_flags(
            WindowFlags {
                start,
                end,
                since,
                step,
            },
            NOW,
        )
    }

    #[test]
    fn absolute_times() {
        assert_eq!(parse_time("--time", "now", NOW), Ok(NOW));
        assert_eq!(parse_time("--time", "1700000123", NOW), Ok(1_700_000_123.0));
        assert_eq!(
            parse_time("--time", "1700000123.5", NOW),
            Ok(1_700_000_123.5)
        );
        assert_eq!(parse_time("--time", "2023-11-14T22:13:20Z", NOW), Ok(NOW));
        assert_eq!(
            parse_time("--time", "2023-11-14T23:13:20+01:00", NOW),
            Ok(NOW)
        );
        assert_eq!(
            parse_time("--time", "2023-11-14T22:13:20.250Z", NOW),
            Ok(NOW + 0.25)
        );
    }

    #[test]
    fn relative_times() {
        assert_eq!(parse_time("--start", "-1h", NOW), Ok(NOW - 3600.0));
        assert_eq!(parse_time("--start", "now-30m", NOW), Ok(NOW - 1800.0));
        assert_eq!(parse_time("--end", "now+5m", NOW), Ok(NOW + 300.0));
        assert_eq!(parse_time("--start", "now-90", NOW), Ok(NOW - 90.0));
    }

    #[test]
    fn bad_times_name_the_flag() {
        let err = parse_time("--start", "yesterday", NOW).unwrap_err();
        assert!(
            err.starts_with("invalid --start \"yesterday\": expected RFC 3339"),
            "{err}"
        );
        assert!(
            parse_time("--time", "now*2", NOW)
                .unwrap_err()
                .contains("--time")
        );
        assert!(parse_time("--time", "-1fortnight", NOW).is_err());
        assert!(parse_time("--time", "2023-13-01T00:00:00Z", NOW).is_err());
    }

    #[test]
    fn a_window_before_unix_time_is_refused_before_any_step() {
        let err = window(None, None, Some("99999y"), None).unwrap_err();
        assert_eq!(
            err,
            "--since reaches before 1970-01-01T00:00:00Z, where Prometheus has no samples; \
             ask for a shorter window"
        );
    }

    #[test]
    fn since_and_defaults() {
        let w = window(None, None, Some("1h"), Some("15s")).unwrap();
        assert_eq!((w.start, w.end, w.step), (NOW - 3600.0, NOW, 15.0));
        let w = window(None, None, None, None).unwrap();
        assert_eq!((w.start, w.end, w.step), (NOW - 3600.0, NOW, 15.0));
        let w = window(Some("-10m"), Some("-5m"), None, None).unwrap();
        assert_eq!((w.start, w.end, w.step), (NOW - 600.0, NOW - 300.0, 2.0));
        assert!(
            window(Some("-1h"), None, Some("1h"), None)
                .unwrap_err()
                .contains("not both")
        );
    }

    #[test]
    fn window_checks() {
        let err = window(Some("now"), Some("-1h"), None, None).unwrap_err();
        assert!(
            err.starts_with("--start (2023-11-14T22:13:20Z) must be before --end"),
            "{err}"
        );
        assert!(
            window(None, None, Some("1h"), Some("0s"))
                .unwrap_err()
                .contains("--step")
        );
        let err = window(None, None, Some("1d"), Some("1s")).unwrap_err();
        assert_eq!(
            err,
            "--step 1s is too small for a range of 24h: Prometheus allows at most 11000 points \
             per series; use --step 8s or more"
        );
        // Exactly at the limit is allowed, as by the server.
        assert!(window(Some("0"), Some("11000"), None, Some("1s")).is_ok());
        assert!(window(Some("0"), Some("11001"), None, Some("1s")).is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(param(1_700_000_000.123_4), "1700000000.123");
        assert_eq!(rfc3339(NOW + 0.9), "2023-11-14T22:13:20Z");
        assert_eq!(clock(NOW), "22:13:20");
    }
}
