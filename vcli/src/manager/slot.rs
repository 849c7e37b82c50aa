//! One linked plugin's place in the manager: its state, instance and records,
//! and the claim that lets one lifecycle operation at a time change it.

mod state;

use std::sync::{Arc, Mutex, MutexGuard};

use vcli_plugin_api::{LifecycleState, Plugin, Registration};

pub(crate) use self::state::{FailOutcome, SlotState};
use super::call::{PluginMeter, call_plugin_sync_as};
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
    /// Commands running now (see `command.rs`).
    pub(crate) commands: Mutex<super::command::Commands>,
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
            commands: Mutex::default(),
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

    /// Lends the instance to a reader that calls it outside any claim (a
    /// view), or returns the state when there is none.
    pub(crate) fn lend(&self) -> Result<Loan<'_>, LifecycleState> {
        let instance = self.lock().lend()?;
        Ok(Loan {
            slot: self,
            instance: Some(instance),
        })
    }

    /// Lends the instance to a health check beginning at `at` (which the
    /// watchdog measures), or returns the state when there is none.
    pub(crate) fn probe_began(&self, at: std::time::Instant) -> Result<Loan<'_>, LifecycleState> {
        let instance = self.lock().probe_began(at)?;
        Ok(Loan {
            slot: self,
            instance: Some(instance),
        })
    }

    /// A snapshot for `get` and `list`.
    pub(crate) fn info(&self) -> PluginInfo {
        self.lock()
            .info(self.registration.metadata(), self.settings.enabled)
    }
}

/// A reference to a plugin's instance lent to a reader that calls it
/// without holding the claim (a health check, a view). A load waits until
/// every loan is returned, so a new instance is never built while an old
/// one lives. Returning the loan (dropping it) drops the reference inside
/// `catch_unwind`, charged to the plugin: if the instance was unloaded
/// meanwhile, this was the last reference and its `Drop` runs here.
pub(crate) struct Loan<'a> {
    slot: &'a Slot,
    instance: Option<Arc<dyn Plugin>>,
}

impl Loan<'_> {
    pub(crate) fn instance(&self) -> &Arc<dyn Plugin> {
        self.instance
            .as_ref()
            .expect("a loan holds its instance until it is returned")
    }

    /// Returns the loan and does `then` to the state in the same locked
    /// section, saving the hot path (health checks) a lock.
    pub(crate) fn return_with<R>(mut self, then: impl FnOnce(&mut SlotState) -> R) -> R {
        self.drop_instance();
        let mut state = self.slot.lock();
        state.loan_returned();
        then(&mut state)
    }

    /// Drops the lent reference (the last one, if the instance was taken
    /// out of the slot meanwhile) inside `catch_unwind`, charged to the plugin.
    fn drop_instance(&mut self) {
        let instance = self.instance.take();
        let _ = call_plugin_sync_as(&self.slot.meter, "drop", move || drop(instance));
    }
}

impl Drop for Loan<'_> {
    /// Returns a loan that was not returned with [`Loan::return_with`]
    /// (a view, or a health check whose future was dropped mid-way).
    fn drop(&mut self) {
        if self.instance.is_some() {
            self.drop_instance();
            self.slot.lock().loan_returned();
        }
    }
}
