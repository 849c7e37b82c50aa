//! Sandbox violations: what a plugin did against its policy, kept in bounded
//! histories, and the rule that terminates a plugin that keeps doing it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::time::Instant;
use vcli_plugin_api::Capability;

use super::Inner;
use super::events::EventKind;
use super::resources::ResourceUsage;
use super::slot::Slot;

/// How many violations are kept, overall and per plugin.
pub const VIOLATION_HISTORY: usize = 100;

/// The resource a budget limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resource {
    /// Bytes allocated on the plugin's behalf.
    Memory,
    /// Share of a core spent polling the plugin's futures.
    Cpu,
    /// Live tasks spawned through the context.
    Tasks,
    /// Network throughput.
    Network,
}

/// What kind of rule was broken, with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ViolationKind {
    /// A capability the policy does not grant was used.
    CapabilityDenied {
        /// The capability.
        capability: Capability,
    },
    /// A granted capability was used outside its scope (a host, a path).
    OutOfScope {
        /// The capability.
        capability: Capability,
        /// What was asked for.
        target: String,
    },
    /// A budget was exceeded.
    Budget {
        /// Which budget.
        resource: Resource,
        /// What was used.
        used: f64,
        /// The limit.
        limit: f64,
    },
    /// A call into the plugin missed its deadline.
    DeadlineMissed {
        /// The call.
        call: String,
        /// The deadline, in milliseconds.
        deadline_ms: u64,
    },
}

impl ViolationKind {
    /// `call` did not finish within `deadline`.
    pub(crate) fn deadline_missed(call: &str, deadline: Duration) -> Self {
        ViolationKind::DeadlineMissed {
            call: call.to_owned(),
            deadline_ms: u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// One violation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// When it happened.
    pub at: SystemTime,
    /// Which plugin.
    pub plugin: String,
    /// What rule, with figures.
    #[serde(flatten)]
    pub kind: ViolationKind,
    /// A sentence for operators.
    pub message: String,
}

/// A bounded history that keeps the newest entries.
#[derive(Debug, Default)]
pub(crate) struct History {
    entries: VecDeque<Arc<Violation>>,
}

impl History {
    pub(crate) fn push(&mut self, violation: Arc<Violation>) {
        if self.entries.len() == VIOLATION_HISTORY {
            self.entries.pop_front();
        }
        self.entries.push_back(violation);
    }

    pub(crate) fn snapshot(&self) -> Vec<Arc<Violation>> {
        self.entries.iter().cloned().collect()
    }
}

/// The overall history, shared by all plugins.
#[derive(Debug, Default)]
pub(crate) struct ViolationLog {
    overall: Mutex<History>,
}

impl ViolationLog {
    pub(crate) fn snapshot(&self) -> Vec<Arc<Violation>> {
        self.overall
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .snapshot()
    }
}

impl Inner {
    /// Records a violation by `slot`'s plugin, emits it, and terminates the
    /// plugin once it has committed `violations.max` within `violations.window`.
    pub(crate) fn violate(self: &Arc<Self>, slot: &Slot, kind: ViolationKind, message: String) {
        let policy = &slot.settings.violations;
        let violation = Arc::new(Violation {
            at: SystemTime::now(),
            plugin: slot.name().to_owned(),
            kind,
            message: message.clone(),
        });
        tracing::info!(plugin = slot.name(), %message, "sandbox violation");
        self.violations
            .overall
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(violation.clone());
        let recent = slot
            .lock()
            .push_violation(violation, Instant::now(), policy.window.0);
        self.events.emit(
            slot.name(),
            EventKind::Violation {
                message: message.clone(),
            },
        );
        if policy.max > 0 && recent >= policy.max {
            self.terminate(
                slot,
                format!(
                    "terminated after {recent} sandbox violations within {}; the last: {message}",
                    humantime::format_duration(policy.window.0)
                ),
            );
        }
    }

    /// Records that the plugin holds `used` bytes, over its hard memory
    /// limit, and terminates it.
    pub(crate) fn memory_exceeded(self: &Arc<Self>, slot: &Slot, used: i64) {
        let Some(limit) = slot.settings.limits.memory else {
            return;
        };
        let used_size = bytesize::ByteSize::b(u64::try_from(used).unwrap_or(0));
        let message = format!(
            "memory {used_size} is over the hard limit of {limit} (plugins.{}.limits.memory)",
            slot.name()
        );
        #[allow(
            clippy::cast_precision_loss,
            reason = "byte counts are reported, not computed with"
        )]
        let kind = ViolationKind::Budget {
            resource: Resource::Memory,
            used: used as f64,
            limit: limit.as_u64() as f64,
        };
        self.violate(slot, kind, message.clone());
        self.terminate(slot, format!("terminated: {message}"));
    }

    /// Checks a fresh resource sample against the plugin's limits: memory
    /// over the hard limit terminates it at once; CPU over its share is a
    /// violation (enough of them terminate it).
    pub(crate) fn enforce_budgets(self: &Arc<Self>, slot: &Slot, usage: &ResourceUsage) {
        if !slot.lock().lifecycle().has_instance() {
            return;
        }
        let limits = &slot.settings.limits;
        if let (Some(limit), Some(used)) = (limits.memory, usage.memory_bytes)
            && u64::try_from(used).unwrap_or(0) > limit.as_u64()
        {
            self.memory_exceeded(slot, used);
            return;
        }
        if let Some(limit) = limits.cpu
            && usage.cpu_share > limit
        {
            let message = format!(
                "used {:.0}% of a core, over its limit of {:.0}% (plugins.{}.limits.cpu)",
                usage.cpu_share * 100.0,
                limit * 100.0,
                slot.name()
            );
            let kind = ViolationKind::Budget {
                resource: Resource::Cpu,
                used: usage.cpu_share,
                limit,
            };
            self.violate(slot, kind, message);
        }
    }
}
