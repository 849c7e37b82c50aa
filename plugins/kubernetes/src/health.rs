//! Health: is the API server reachable, how fast does it answer `/version`,
//! and which version is it.

use std::io::Write;
use std::time::{Duration, Instant};

use vcli_plugin_api::{HealthState, HealthStatus, Output, PluginError};

use crate::client::Conn;

/// Answers slower than this make the plugin Degraded.
pub(crate) const SLOW: Duration = Duration::from_secs(1);
/// No answer within this makes it Unhealthy.
pub(crate) const DEADLINE: Duration = Duration::from_secs(5);

/// What one `/version` probe found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Probe {
    /// `v1.37.0`, when the server answered.
    pub version: Option<String>,
    /// How long the answer took.
    pub latency: Duration,
    /// Why the server could not be used, in kubectl's words.
    pub error: Option<String>,
}

/// Asks `/version` once, within [`DEADLINE`].
pub(crate) async fn probe(conn: &Conn) -> Probe {
    let start = Instant::now();
    let answer = tokio::time::timeout(DEADLINE, conn.client.apiserver_version()).await;
    let latency = start.elapsed();
    match answer {
        Ok(Ok(info)) => Probe {
            version: Some(info.git_version),
            latency,
            error: None,
        },
        Ok(Err(e)) => Probe {
            version: None,
            latency,
            error: Some(conn.error(e).to_string()),
        },
        Err(_) => Probe {
            version: None,
            latency,
            error: Some(format!(
                "Unable to connect to the server {}: no answer to /version within {}",
                conn.server,
                humantime::format_duration(DEADLINE)
            )),
        },
    }
}

/// The verdict for a probe: Healthy, Degraded when slow, Unhealthy when the
/// server is unreachable or refuses us (401/403 included: nothing works).
pub(crate) fn status(server: &str, probe: &Probe) -> HealthStatus {
    let ms = probe.latency.as_secs_f64() * 1000.0;
    let status = match (&probe.version, &probe.error) {
        (Some(v), _) if probe.latency > SLOW => HealthStatus::degraded(format!(
            "API server {} ({v}) is slow: /version took {ms:.0} ms",
            server
        )),
        (Some(v), _) => HealthStatus::healthy(format!(
            "API server {} ({v}) answered in {ms:.0} ms",
            server
        )),
        (None, Some(e)) => HealthStatus::unhealthy(e.clone()),
        (None, None) => HealthStatus::unhealthy("the API server gave no version"),
    };
    status.with_metric("latency_ms", ms)
}

/// `vcli k8s health`: prints the verdict; fails (exit 1) when Unhealthy.
///
/// # Errors
///
/// When the server is unreachable or refuses the credentials.
pub(crate) async fn run(conn: &Conn, out: &mut Output) -> Result<(), PluginError> {
    let p = probe(conn).await;
    let s = status(&conn.server, &p);
    writeln!(out, "{}: {}", s.state, s.message)?;
    writeln!(
        out,
        "context: {}  namespace: {}",
        conn.context, conn.namespace
    )?;
    if s.state == HealthState::Unhealthy {
        return Err(PluginError::failed(p.error.unwrap_or(s.message)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(version: Option<&str>, ms: u64, error: Option<&str>) -> Probe {
        Probe {
            version: version.map(str::to_owned),
            latency: Duration::from_millis(ms),
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn fast_answers_are_healthy() {
        let s = status("127.0.0.1:6443", &probe(Some("v1.37.0"), 12, None));
        assert_eq!(s.state, HealthState::Healthy);
        assert_eq!(
            s.message,
            "API server 127.0.0.1:6443 (v1.37.0) answered in 12 ms"
        );
        assert_eq!(s.metrics.get("latency_ms"), Some(&12.0));
    }

    #[test]
    fn slow_answers_are_degraded() {
        let s = status("h:1", &probe(Some("v1.37.0"), 1500, None));
        assert_eq!(s.state, HealthState::Degraded);
        assert!(
            s.message.contains("is slow: /version took 1500 ms"),
            "{}",
            s.message
        );
    }

    #[test]
    fn errors_are_unhealthy_in_kubectl_words() {
        let message = "error: You must be logged in to the server (Unauthorized)";
        let s = status("h:1", &probe(None, 3, Some(message)));
        assert_eq!(s.state, HealthState::Unhealthy);
        assert_eq!(s.message, message);
        assert_eq!(
            status("h:1", &probe(None, 3, None)).state,
            HealthState::Unhealthy
        );
    }
}
