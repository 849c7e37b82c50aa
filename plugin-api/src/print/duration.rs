//! Durations as kubectl prints ages: precise while short, coarser as they
//! grow (`45s`, `5m10s`, `3h20m`, `9d`, `2y3d`), so an age in any plugin's
//! table or view reads the way operators know from `kubectl get`.

use std::time::Duration;

/// kubectl's `HumanDuration` (k8s.io/apimachinery `duration.HumanDuration`)
/// of a number of seconds; `<invalid>` below -1, `0s` for -1 (a clock a
/// little ahead of the server's).
///
/// ```
/// use vcli_plugin_api::print::human_duration;
///
/// assert_eq!(human_duration(45), "45s");
/// assert_eq!(human_duration(310), "5m10s");
/// assert_eq!(human_duration(12_000), "3h20m");
/// assert_eq!(human_duration(800 * 86_400), "2y70d");
/// ```
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return with_rest(minutes, "m", seconds % 60, "s");
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        return with_rest(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return with_rest(hours / 24, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return with_rest(hours / 24 / 365, "y", (hours / 24) % 365, "d");
    }
    format!("{}y", hours / 24 / 365)
}

/// `3m`, or `3m10s` when the smaller unit is not zero.
fn with_rest(big: i64, big_unit: &str, small: i64, small_unit: &str) -> String {
    if small == 0 {
        format!("{big}{big_unit}")
    } else {
        format!("{big}{big_unit}{small}{small_unit}")
    }
}

/// [`human_duration`] of an elapsed time (an age, an uptime).
pub fn age(elapsed: Duration) -> String {
    human_duration(i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

/// [`human_duration`] of seconds counted in floating point (Prometheus'
/// timestamps and intervals): rounded to the second, in milliseconds below
/// one second (`2ms`, a scrape's duration), `-` when unknown (NaN), and
/// `0s` for a negative span.
pub fn short_duration(secs: f64) -> String {
    if secs.is_nan() {
        return "-".to_owned();
    }
    if secs > 0.0 && secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as u64);
    }
    // `as` saturates: an infinite span prints as the largest one.
    human_duration(secs.max(0.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_kubectl() {
        let cases = [
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (130, "2m10s"),
            (599, "9m59s"),
            (600, "10m"),
            (10_799, "179m"),
            (10_800, "3h"),
            (11_100, "3h5m"),
            (28_800, "8h"),
            (172_799, "47h"),
            (172_800, "2d"),
            (174_600, "2d"),
            (180_000, "2d2h"),
            (200_000, "2d7h"),
            (8 * 86_400, "8d"),
            (729 * 86_400, "729d"),
            (730 * 86_400, "2y"),
            (733 * 86_400, "2y3d"),
            (800 * 86_400, "2y70d"),
            (8 * 365 * 86_400, "8y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn ages_and_float_spans() {
        assert_eq!(age(Duration::from_secs(65)), "65s");
        assert_eq!(age(Duration::from_secs(3_700)), "61m");
        assert_eq!(short_duration(0.0023), "2ms");
        assert_eq!(short_duration(45.4), "45s");
        assert_eq!(short_duration(192.0), "3m12s");
        assert_eq!(short_duration(-5.0), "0s");
        assert_eq!(short_duration(f64::NAN), "-");
        assert_eq!(short_duration(10.0 * 86_400.0), "10d");
    }
}
