//! One linked plugin's place in the manager: its state, instance and records,
//! and the claim that lets one lifecycle operation at a time change it.

mod state;

use std::sync::{Arc, Mutex, MutexGuard};

use vcli_plugin_api::Registration;

pub(crate) use self::state::{FailOutcome, SlotState};
use super::call::PluginMeter;
use super::info::PluginInfo;
use crate::config::PluginSettings;
use crate::sandbox::memory::IdLease;
use crate::sandbox::throttle::Throttle;

/// Everything the manager keeps for one plugin.
pub(crate) struct Slot {
    pub(crate) registration: &'static Registration,
    pub(crate) settings: PluginSettings,
    pub(crate) meter: Arc<PluginMeter>,
    state: Mutex<SlotState>,
    /// Held by the lifecycle operation now running on this plugin.
    claim: tokio::sync::Mutex<()>,
}

/// Proof that the holder is the only lifecycle operation on a slot.
pub(crate) type Claim<'a> = tokio::sync::MutexGuard<'a, ()>;

impl Slot {
    /// A slot for `registration`, charging its allocations to `id` (`None`
    /// when every plugin id in the process was taken: loading will try
    /// again, and fail clearly if there is still none).
    pub(crate) fn new(
        registration: &'static Registration,
        settings: PluginSettings,
        id: Option<IdLease>,
    ) -> Self {
        // The throughput limit, with a burst of a tenth of a second's worth
        // (at least 16 KiB, so one TLS record fits).
        let throttle = settings.limits.network_rate.and_then(|rate| {
            let rate = u32::try_from(rate.as_u64()).unwrap_or(u32::MAX);
            let per_second = std::num::NonZeroU32::new(rate)?;
            let burst = std::num::NonZeroU32::new((rate / 10).max(16 * 1024))?;
            Some(Arc::new(Throttle::new(per_second, burst)))
        });
        Slot {
            registration,
            settings,
            meter: Arc::new(PluginMeter::new(id, throttle)),
            state: Mutex::new(SlotState::new()),
            claim: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.registration.metadata().name
    }

    /// Locks the state for a short synchronous section. A poisoned lock only
    /// means a panic elsewhere while it was held; the data is still coherent
    /// because every method of [`SlotState`] leaves it consistent before
    /// doing anything that can panic, so the guard is recovered.
    pub(crate) fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until no other lifecycle operation is running on this plugin and
    /// claims it. The claim is a `tokio::sync::Mutex` that guards no data:
    /// waiting for it does not touch the state's lock, so readers (`get`,
    /// `list`, health) are never blocked by a slow plugin call, and waiters
    /// are served first come, first served.
    ///
    /// Lock order: an operation that holds several claims took them
    /// dependent first, then its dependencies from dependents to
    /// dependencies (see `Inner::claim_dependencies`); nothing claims a
    /// dependent while holding one of its dependencies.
    pub(crate) async fn claim(&self) -> Claim<'_> {
        self.claim.lock().await
    }

    /// A snapshot for `get` and `list`.
    pub(crate) fn info(&self) -> PluginInfo {
        self.lock()
            .info(self.registration.metadata(), self.settings.enabled)
    }
}
