//! Ages as kubectl prints them (apimachinery's `duration.HumanDuration`): `45s`, `2m30s`,
//! `10m`, `5h4m`, `10h`, `3d4h`, `12d`, `2y30d`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

/// kubectl's age of a timestamp (`<unknown>` when unset).
pub(crate) fn since(time: Option<&Time>, now: Timestamp) -> String {
    time.map_or("<unknown>".to_owned(), |t| human_duration(now, t.0))
}

/// `duration.HumanDuration` of apimachinery: 45s, 2m30s, 10m, 5h4m, 10h, 3d4h, 12d, 2y30d, ...
pub(crate) fn human_duration(now: Timestamp, then: Timestamp) -> String {
    let seconds = now.duration_since(then).as_secs();
    if seconds < -1 {
        return "<invalid>".to_owned();
    } else if seconds < 0 {
        return "0s".to_owned();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn human_durations_match_kubectl() {
        let now = crate::now();
        let ago = |s: u64| human_duration(now, now - Duration::from_secs(s));
        assert_eq!(ago(5), "5s");
        assert_eq!(ago(119), "119s");
        assert_eq!(ago(150), "2m30s");
        assert_eq!(ago(180), "3m");
        assert_eq!(ago(15 * 60), "15m");
        assert_eq!(ago(5 * 3600 + 4 * 60), "5h4m");
        assert_eq!(ago(10 * 3600), "10h");
        assert_eq!(ago(3 * 86400), "3d");
        assert_eq!(ago(3 * 86400 + 4 * 3600), "3d4h");
        assert_eq!(ago(40 * 86400), "40d");
        assert_eq!(ago(800 * 86400), "2y70d");
        assert_eq!(
            human_duration(now, now + Duration::from_secs(10)),
            "<invalid>"
        );
    }
}
