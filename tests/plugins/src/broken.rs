//! Test plugins that misbehave in one specific way each.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::observe::BlockingGate;

use vcli_plugin_api::{
    Capability, Dependency, DescribePlugin, HealthStatus, Metadata, Output, Plugin, PluginConfig,
    PluginContext, PluginError, async_trait, clap, register_plugin,
};

/// Panics in `start`.
#[derive(Debug, Default)]
pub struct PanicsInStart;

#[async_trait]
impl Plugin for PanicsInStart {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        panic!("boom in start");
    }
}

test_plugin!(
    PanicsInStart,
    Metadata::new("panics-in-start", "0.1.0").description("Panics when started")
);

/// Never returns from `stop`.
#[derive(Debug, Default)]
pub struct HangsInStop;

#[async_trait]
impl Plugin for HangsInStop {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn stop(&self) -> Result<(), PluginError> {
        std::future::pending::<()>().await;
        Ok(())
    }
}

test_plugin!(
    HangsInStop,
    Metadata::new("hangs-in-stop", "0.1.0").description("Hangs when stopped")
);

/// Blocks its thread (no await) for two seconds in `start`.
#[derive(Debug, Default)]
pub struct BlocksThread;

#[async_trait]
impl Plugin for BlocksThread {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        std::thread::sleep(Duration::from_secs(2));
        Ok(())
    }
}

test_plugin!(
    BlocksThread,
    Metadata::new("blocks-thread", "0.1.0").description("Blocks a runtime thread")
);

/// Always unhealthy.
#[derive(Debug, Default)]
pub struct Sickly;

#[async_trait]
impl Plugin for Sickly {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        HealthStatus::unhealthy("backend unreachable")
    }
}

test_plugin!(
    Sickly,
    Metadata::new("sickly", "0.1.0").description("Always unhealthy")
);

/// Whether `flappy` reports healthy; tests flip it.
pub static FLAPPY_HEALTHY: AtomicBool = AtomicBool::new(true);

/// Healthy or not as [`FLAPPY_HEALTHY`] says.
#[derive(Debug, Default)]
pub struct Flappy;

#[async_trait]
impl Plugin for Flappy {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        if FLAPPY_HEALTHY.load(Ordering::SeqCst) {
            HealthStatus::healthy("up")
        } else {
            HealthStatus::unhealthy("down")
        }
    }
}

test_plugin!(
    Flappy,
    Metadata::new("flappy", "0.1.0").description("Flaps between healthy and unhealthy")
);

/// Panics in `health`.
#[derive(Debug, Default)]
pub struct PanicsInHealth;

#[async_trait]
impl Plugin for PanicsInHealth {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        panic!("boom in health");
    }
}

test_plugin!(
    PanicsInHealth,
    Metadata::new("panics-in-health", "0.1.0").description("Panics in its health check")
);

/// Starts a background task that panics after a second.
#[derive(Debug, Default)]
pub struct SpawnsPanickingTask {
    ctx: OnceLock<PluginContext>,
}

#[async_trait]
impl Plugin for SpawnsPanickingTask {
    async fn initialize(
        &self,
        ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let ctx = self
            .ctx
            .get()
            .ok_or_else(|| PluginError::failed("not initialized"))?;
        ctx.spawn("doomed", async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            panic!("boom in a background task");
        })
    }
}

test_plugin!(
    SpawnsPanickingTask,
    Metadata::new("spawns-panicking-task", "0.1.0").description("Its background task panics")
);

/// Half of a dependency cycle.
#[derive(Debug, Default)]
pub struct CycleA;

#[async_trait]
impl Plugin for CycleA {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }
}

test_plugin!(
    CycleA,
    Metadata::new("cycle-a", "0.1.0").dependencies(&[Dependency::new("cycle-b", "*")])
);

/// The other half of the cycle.
#[derive(Debug, Default)]
pub struct CycleB;

#[async_trait]
impl Plugin for CycleB {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }
}

test_plugin!(
    CycleB,
    Metadata::new("cycle-b", "0.1.0").dependencies(&[Dependency::new("cycle-a", "*")])
);

/// Never returns from `health` (an async hang).
#[derive(Debug, Default)]
pub struct HangsInHealth;

#[async_trait]
impl Plugin for HangsInHealth {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        std::future::pending().await
    }
}

test_plugin!(
    HangsInHealth,
    Metadata::new("hangs-in-health", "0.1.0").description("Hangs in its health check")
);

/// Blocks its thread for two seconds in `health`.
#[derive(Debug, Default)]
pub struct BlocksInHealth;

#[async_trait]
impl Plugin for BlocksInHealth {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        std::thread::sleep(Duration::from_secs(2));
        HealthStatus::healthy("finally")
    }
}

test_plugin!(
    BlocksInHealth,
    Metadata::new("blocks-in-health", "0.1.0").description("Blocks a thread in its health check")
);

/// Holds every `drops-slowly` drop while a test keeps it closed.
pub static SLOW_DROP: BlockingGate = BlockingGate::new();

/// Fails in `start`; its `Drop` waits at [`SLOW_DROP`] and then panics.
#[derive(Debug, Default)]
pub struct DropsSlowly;

impl Drop for DropsSlowly {
    fn drop(&mut self) {
        SLOW_DROP.pass();
        panic!("boom in drop");
    }
}

#[async_trait]
impl Plugin for DropsSlowly {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        Err(PluginError::failed("drops-slowly never starts"))
    }
}

test_plugin!(
    DropsSlowly,
    Metadata::new("drops-slowly", "0.1.0")
        .description("Fails to start; its drop is slow and panics")
);

/// Blocks its thread for good, never yielding: in `health` and in its
/// `wedged hang` command. The host can only give up on such a call, so the
/// tests that use it run it in a process of its own (the testbed binary).
#[derive(Debug, Default)]
pub struct Wedged;

/// Parks the calling thread for good. `park` may wake spuriously, hence the loop.
fn block_for_good() -> ! {
    loop {
        std::thread::park();
    }
}

#[async_trait]
impl Plugin for Wedged {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        block_for_good()
    }

    async fn run_command(
        &self,
        _matches: &clap::ArgMatches,
        _out: &mut Output,
    ) -> Result<(), PluginError> {
        block_for_good()
    }
}

impl DescribePlugin for Wedged {
    const METADATA: Metadata = Metadata::new("wedged", "0.1.0")
        .description("Blocks its thread for good in health and in its command")
        .command("wedged")
        .capabilities(&[Capability::CliCommands]);

    fn command() -> Option<clap::Command> {
        Some(
            clap::Command::new("wedged")
                .subcommand_required(true)
                .subcommand(clap::Command::new("hang").about("Blocks its thread for good")),
        )
    }

    fn create() -> Self {
        Wedged
    }
}

register_plugin!(Wedged);
