//! A dependency pair that checks, from the inside, the rule the manager
//! must keep: `leaning` runs only while `base` runs. Both record what they
//! see under one lock, so a test can read a consistent snapshot at any
//! moment, and every change is checked against the rule as it happens.
//! `leaning` can be told to fail some of its starts, and both count their
//! instances.

use std::sync::{Mutex, OnceLock};

use vcli_plugin_api::{
    Dependency, DescribePlugin, HealthStatus, Metadata, Plugin, PluginConfig, PluginContext,
    PluginError, async_trait, register_plugin,
};

use crate::observe::{Census, Gate};

/// Instances of `base`.
pub static BASE: Census = Census::new();
/// Instances of `leaning`.
pub static LEANING: Census = Census::new();
/// Holds every `base` stop while a test keeps it closed.
pub static BASE_STOP_GATE: Gate = Gate::new();
/// Holds every `base` health check while a test keeps it closed.
pub static BASE_HEALTH_GATE: Gate = Gate::new();
/// Holds every `leaning` start while a test keeps it closed.
pub static LEANING_START_GATE: Gate = Gate::new();

/// What the pair saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// `base` has started and not begun to stop (nor been dropped).
    pub base_running: bool,
    /// `leaning` has started and not begun to stop (nor been dropped).
    pub leaning_running: bool,
    /// Calls of `leaning`'s `start`, successful or not.
    pub leaning_starts: u64,
    /// Every moment the rule was broken, described.
    pub violations: Vec<String>,
}

static PAIR: Mutex<Pair> = Mutex::new(Pair {
    base_running: false,
    leaning_running: false,
    leaning_starts: 0,
    violations: Vec::new(),
});

/// A snapshot of what the pair saw.
pub fn pair() -> Pair {
    lock().clone()
}

fn lock() -> std::sync::MutexGuard<'static, Pair> {
    // A failed assertion elsewhere must not hide what the pair saw.
    PAIR.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `base` stops running (its `stop` began, or it is dropped): `leaning` must not run.
fn base_ends(how: &str) {
    let mut pair = lock();
    if pair.leaning_running {
        pair.violations
            .push(format!("base {how} while leaning was running"));
    }
    pair.base_running = false;
}

/// The dependency: well-behaved, with a stop and a health check that a test can hold.
#[derive(Debug)]
pub struct Base;

impl Drop for Base {
    fn drop(&mut self) {
        base_ends("was dropped");
        BASE.died();
    }
}

#[async_trait]
impl Plugin for Base {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        lock().base_running = true;
        Ok(())
    }

    async fn stop(&self) -> Result<(), PluginError> {
        base_ends("began to stop");
        BASE_STOP_GATE.pass().await;
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        BASE_HEALTH_GATE.pass().await;
        HealthStatus::healthy("base is up")
    }
}

impl DescribePlugin for Base {
    const METADATA: Metadata =
        Metadata::new("base", "1.0.0").description("A dependency whose stop a test can hold");

    fn create() -> Self {
        BASE.born();
        Base
    }
}

register_plugin!(Base);

/// The dependent: needs `base`; with `fail_every = N` in its config table,
/// every Nth call of `start` (counted process-wide) fails.
#[derive(Debug)]
pub struct Leaning {
    fail_every: OnceLock<u64>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LeaningConfig {
    fail_every: Option<u64>,
}

impl Drop for Leaning {
    fn drop(&mut self) {
        lock().leaning_running = false;
        LEANING.died();
    }
}

#[async_trait]
impl Plugin for Leaning {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        config: PluginConfig,
    ) -> Result<(), PluginError> {
        let config: LeaningConfig = config.parse()?;
        if let Some(every) = config.fail_every {
            let _ = self.fail_every.set(every);
        }
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let attempt = {
            let mut pair = lock();
            pair.leaning_starts += 1;
            if !pair.base_running {
                pair.violations
                    .push("leaning started while base was not running".to_owned());
            }
            pair.leaning_starts
        };
        LEANING_START_GATE.pass().await;
        if let Some(every) = self.fail_every.get()
            && attempt % every == 0
        {
            return Err(PluginError::failed(format!(
                "leaning fails every {every}th start"
            )));
        }
        let mut pair = lock();
        if !pair.base_running {
            pair.violations
                .push("base stopped while leaning was starting".to_owned());
        }
        pair.leaning_running = true;
        Ok(())
    }

    async fn stop(&self) -> Result<(), PluginError> {
        lock().leaning_running = false;
        Ok(())
    }
}

impl DescribePlugin for Leaning {
    const METADATA: Metadata = Metadata::new("leaning", "0.1.0")
        .description("Depends on base; fails some starts if told to")
        .dependencies(&[Dependency::new("base", "^1")]);

    fn create() -> Self {
        LEANING.born();
        Leaning {
            fail_every: OnceLock::new(),
        }
    }
}

register_plugin!(Leaning);
