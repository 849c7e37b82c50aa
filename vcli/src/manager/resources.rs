//! Per-plugin resource figures: what the resource loop samples from each
//! plugin's meter.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::call::PluginMeter;

/// One sample of what a plugin uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ResourceUsage {
    /// Share of one core spent polling the plugin's futures since the
    /// previous sample (0.0 to the number of cores).
    pub cpu_share: f64,
    /// Total time spent polling the plugin's futures.
    #[serde(with = "duration_ms")]
    pub poll_time: Duration,
    /// Live tasks spawned through the plugin's context.
    pub live_tasks: usize,
    /// Tasks spawned through the plugin's context since start-up.
    pub spawned_tasks: u64,
    /// Bytes the plugin sent through the host's network service.
    pub bytes_sent: u64,
    /// Bytes the plugin received through the host's network service.
    pub bytes_received: u64,
    /// Bytes currently allocated on the plugin's behalf; `None` when the
    /// binary does not install the tracking allocator, or the plugin has no
    /// memory accounting id (and so was never loaded).
    pub memory_bytes: Option<i64>,
    #[serde(skip)]
    pub(crate) sampled_at: Option<Instant>,
}

impl ResourceUsage {
    /// A new sample from `meter`, computing the CPU share against `previous`.
    pub(crate) fn sample(meter: &PluginMeter, previous: &ResourceUsage, now: Instant) -> Self {
        let poll_time = Duration::from_nanos(meter.poll_nanos.load(Ordering::Relaxed));
        let cpu_share = match previous.sampled_at {
            Some(then) if now > then => {
                let busy = poll_time.saturating_sub(previous.poll_time);
                busy.as_secs_f64() / now.duration_since(then).as_secs_f64()
            }
            _ => 0.0,
        };
        ResourceUsage {
            cpu_share,
            poll_time,
            live_tasks: meter.live_tasks.load(Ordering::Relaxed),
            spawned_tasks: meter.spawned_tasks.load(Ordering::Relaxed),
            bytes_sent: meter.net.sent.load(Ordering::Relaxed),
            bytes_received: meter.net.received.load(Ordering::Relaxed),
            memory_bytes: if crate::sandbox::memory::is_installed() {
                meter.allocated()
            } else {
                None
            },
            sampled_at: Some(now),
        }
    }
}

mod duration_ms {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }
}
