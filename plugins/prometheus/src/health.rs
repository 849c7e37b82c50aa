//! The plugin's health is the server's: readiness, latency and version, and
//! whether the plugin's recent requests to it have been failing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use http::StatusCode;
use vcli_plugin_api::HealthStatus;

use crate::client::Api;
use crate::status::fetch_build;

/// Slower than this and the server is reported degraded.
pub(crate) const SLOW: Duration = Duration::from_secs(1);
/// After this many server-side failures in a row (commands or view
/// refreshes), a server that still answers its readiness probe is degraded.
pub(crate) const FAILURE_THRESHOLD: u32 = 3;

/// Counts consecutive server-side failures of the plugin's requests. Bad
/// queries and bad flags do not count: they say nothing about the server.
#[derive(Debug, Default)]
pub(crate) struct FailureTracker {
    consecutive: AtomicU32,
    last: Mutex<Option<String>>,
}

impl FailureTracker {
    pub(crate) fn success(&self) {
        self.consecutive.store(0, Ordering::Relaxed);
    }

    pub(crate) fn failure(&self, message: String) {
        self.consecutive.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last.lock() {
            *last = Some(message);
        }
    }

    /// Failures in a row, and the last failure's message.
    pub(crate) fn state(&self) -> (u32, Option<String>) {
        let last = self.last.lock().ok().and_then(|l| l.clone());
        (self.consecutive.load(Ordering::Relaxed), last)
    }
}

/// `major.minor.patch` as numbers, ignoring suffixes like `+ds` or `-rc.0`.
fn version_numbers(version: &str) -> Vec<f64> {
    version
        .split(['.', '+', '-'])
        .take(3)
        .map_while(|part| part.parse::<f64>().ok())
        .collect()
}

/// One health check: `/-/ready` (timed), then the build information.
///
/// - unreachable, timed out, or an error status other than 503 → unhealthy;
/// - 503 from `/-/ready` (starting up, replaying the WAL) → degraded;
/// - ready but slower than [`SLOW`], or ready while the plugin's last
///   [`FAILURE_THRESHOLD`] requests failed → degraded;
/// - otherwise healthy, with the version in the message.
pub(crate) async fn check(api: &Api, failures: &FailureTracker) -> HealthStatus {
    let probe = api.probe("-/ready").await;
    let (reply, elapsed) = match probe {
        Ok(ok) => ok,
        Err(e) => {
            failures.failure(e.to_string());
            let (count, _) = failures.state();
            return HealthStatus::unhealthy(e.to_string())
                .with_metric("ready", 0.0)
                .with_metric("consecutive_failures", f64::from(count));
        }
    };
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let url = api.url();
    if reply.status == StatusCode::SERVICE_UNAVAILABLE {
        let said = String::from_utf8_lossy(&reply.body).trim().to_owned();
        return HealthStatus::degraded(format!("Prometheus at {url} is not ready yet: {said}"))
            .with_metric("ready", 0.0)
            .with_metric("latency_ms", latency_ms);
    }
    if !reply.status.is_success() {
        failures.failure(format!("readiness probe answered {}", reply.status));
        return HealthStatus::unhealthy(format!(
            "Prometheus at {url} answered {} to its readiness probe",
            reply.status
        ))
        .with_metric("ready", 0.0)
        .with_metric("latency_ms", latency_ms);
    }
    // Read the count before the build-information request below, whose
    // success would reset it: the question is whether the requests made
    // since the last check failed.
    let (count, last) = failures.state();
    let version = fetch_build(api).await.map(|b| b.version);
    let described = match &version {
        Ok(v) => format!("Prometheus {v} at {url} answered in {latency_ms:.0} ms"),
        Err(e) => format!(
            "Prometheus at {url} is ready (in {latency_ms:.0} ms) but its build information failed: {e}"
        ),
    };
    let mut status = if elapsed > SLOW {
        HealthStatus::degraded(format!("{described}, slower than {} ms", SLOW.as_millis()))
    } else if version.is_err() {
        HealthStatus::degraded(described)
    } else if count >= FAILURE_THRESHOLD {
        let last = last.unwrap_or_default();
        HealthStatus::degraded(format!(
            "{described}, but the last {count} requests failed: {last}"
        ))
    } else {
        HealthStatus::healthy(described)
    };
    status = status
        .with_metric("ready", 1.0)
        .with_metric("latency_ms", latency_ms)
        .with_metric("consecutive_failures", f64::from(count));
    if let Ok(v) = &version {
        for (name, n) in ["version_major", "version_minor", "version_patch"]
            .into_iter()
            .zip(version_numbers(v))
        {
            status = status.with_metric(name, n);
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_become_numbers() {
        assert_eq!(version_numbers("2.42.0+ds"), vec![2.0, 42.0, 0.0]);
        assert_eq!(version_numbers("3.0.0-rc.1"), vec![3.0, 0.0, 0.0]);
        assert!(version_numbers("main").is_empty());
    }

    #[test]
    fn failures_count_until_a_success() {
        let t = FailureTracker::default();
        t.failure("a".into());
        t.failure("b".into());
        assert_eq!(t.state(), (2, Some("b".into())));
        t.success();
        assert_eq!(t.state().0, 0);
    }
}
