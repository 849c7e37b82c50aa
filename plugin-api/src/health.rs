//! What a plugin reports when the host asks whether it is well.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// The coarse verdict of a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealthState {
    /// Works as intended.
    Healthy,
    /// Works, but something is off (slow backend, partial data).
    Degraded,
    /// Does not work.
    Unhealthy,
    /// Not checked yet, or the check could not say.
    Unknown,
}

impl HealthState {
    /// The lowercase name shown to users.
    pub const fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Degraded => "degraded",
            HealthState::Unhealthy => "unhealthy",
            HealthState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for HealthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one health check: a verdict, a message for humans, metrics
/// for machines and the time it was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthStatus {
    /// The verdict.
    pub state: HealthState,
    /// A one-line explanation, e.g. "API server v1.34.0 answered in 12 ms".
    pub message: String,
    /// Named numeric measurements, e.g. `latency_ms`.
    pub metrics: BTreeMap<String, f64>,
    /// When the check was made.
    pub checked_at: SystemTime,
}

impl HealthStatus {
    /// A status with the given verdict and message, timestamped now.
    pub fn new(state: HealthState, message: impl Into<String>) -> Self {
        HealthStatus {
            state,
            message: message.into(),
            metrics: BTreeMap::new(),
            checked_at: SystemTime::now(),
        }
    }

    /// A healthy status.
    pub fn healthy(message: impl Into<String>) -> Self {
        Self::new(HealthState::Healthy, message)
    }

    /// A degraded status.
    pub fn degraded(message: impl Into<String>) -> Self {
        Self::new(HealthState::Degraded, message)
    }

    /// An unhealthy status.
    pub fn unhealthy(message: impl Into<String>) -> Self {
        Self::new(HealthState::Unhealthy, message)
    }

    /// The status of a plugin nobody has checked yet.
    pub fn unknown() -> Self {
        Self::new(HealthState::Unknown, "not checked yet")
    }

    /// Adds a metric, builder style.
    pub fn with_metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.insert(name.into(), value);
        self
    }
}
