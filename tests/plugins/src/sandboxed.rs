//! Test plugins that push against the sandbox: they leak memory, spawn tasks
//! without end, flood the network, burn CPU, and use capabilities they were
//! not granted.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use vcli_plugin_api::{
    Capability, DescribePlugin, Metadata, Plugin, PluginConfig, PluginContext, PluginError,
    async_trait, register_plugin,
};

fn context(cell: &OnceLock<PluginContext>) -> Result<&PluginContext, PluginError> {
    cell.get()
        .ok_or_else(|| PluginError::failed("not initialized"))
}

/// Allocates 1 MiB every 10 ms and never frees it.
#[derive(Debug, Default)]
pub struct MemoryLeaker {
    ctx: OnceLock<PluginContext>,
    hoard: Arc<Mutex<Vec<Vec<u8>>>>,
}

#[async_trait]
impl Plugin for MemoryLeaker {
    async fn initialize(
        &self,
        ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let hoard = self.hoard.clone();
        context(&self.ctx)?.spawn("leak", async move {
            loop {
                let chunk = vec![1u8; 1 << 20];
                hoard
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(chunk);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    }
}

test_plugin!(
    MemoryLeaker,
    Metadata::new("memory-leaker", "0.1.0").description("Leaks 100 MiB/s")
);

/// Tasks `task-spawner` started and had refused.
pub static SPAWNER_STARTED: AtomicUsize = AtomicUsize::new(0);
/// Spawns refused by the budget.
pub static SPAWNER_REFUSED: AtomicUsize = AtomicUsize::new(0);

/// Spawns 100 tasks that wait forever; the budget refuses some.
#[derive(Debug, Default)]
pub struct TaskSpawner {
    ctx: OnceLock<PluginContext>,
}

#[async_trait]
impl Plugin for TaskSpawner {
    async fn initialize(
        &self,
        ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let ctx = context(&self.ctx)?;
        for i in 0..100 {
            match ctx.spawn(&format!("idle-{i}"), std::future::pending()) {
                Ok(()) => SPAWNER_STARTED.fetch_add(1, Ordering::SeqCst),
                Err(PluginError::Budget(_)) => SPAWNER_REFUSED.fetch_add(1, Ordering::SeqCst),
                Err(other) => return Err(other),
            };
        }
        Ok(())
    }
}

test_plugin!(
    TaskSpawner,
    Metadata::new("task-spawner", "0.1.0").description("Spawns 100 idle tasks")
);

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FloodConfig {
    host: String,
    port: u16,
}

/// Writes to `host:port` as fast as the host lets it.
#[derive(Debug, Default)]
pub struct NetworkFlooder {
    ctx: OnceLock<PluginContext>,
    target: OnceLock<(String, u16)>,
}

#[async_trait]
impl Plugin for NetworkFlooder {
    async fn initialize(
        &self,
        ctx: PluginContext,
        config: PluginConfig,
    ) -> Result<(), PluginError> {
        let config: FloodConfig = config.parse()?;
        let _ = self.target.set((config.host, config.port));
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let ctx = context(&self.ctx)?;
        let (host, port) = self
            .target
            .get()
            .cloned()
            .ok_or_else(|| PluginError::failed("no target"))?;
        let mut io = ctx.network()?.connect(&host, port).await?;
        ctx.spawn("flood", async move {
            let chunk = vec![0u8; 64 * 1024];
            while io.write_all(&chunk).await.is_ok() {}
        })
    }
}

test_plugin!(
    NetworkFlooder,
    Metadata::new("network-flooder", "0.1.0")
        .description("Floods a TCP sink")
        .capabilities(&[Capability::Network])
);

/// Nanoseconds `cpu-burner` itself measured spinning: the truth its
/// measured CPU share is compared with.
pub static BURNER_SPUN_NANOS: AtomicU64 = AtomicU64::new(0);

/// Nanoseconds the operating system says `cpu-burner`'s threads spent on a
/// CPU while it spun (from `/proc/thread-self/schedstat`): a clock the
/// plugin does not control, to check the host's measurement against.
pub static BURNER_THREAD_CPU_NANOS: AtomicU64 = AtomicU64::new(0);

/// The calling thread's time on a CPU so far, as the kernel counts it.
fn thread_cpu_nanos() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Spins 20 ms, then sleeps 20 ms, forever: half a core.
#[derive(Debug, Default)]
pub struct CpuBurner {
    ctx: OnceLock<PluginContext>,
}

#[async_trait]
impl Plugin for CpuBurner {
    async fn initialize(
        &self,
        ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        context(&self.ctx)?.spawn("burn", async {
            loop {
                let on_cpu = thread_cpu_nanos();
                let started = Instant::now();
                while started.elapsed() < Duration::from_millis(20) {
                    std::hint::spin_loop();
                }
                let spun = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                BURNER_SPUN_NANOS.fetch_add(spun, Ordering::SeqCst);
                BURNER_THREAD_CPU_NANOS
                    .fetch_add(thread_cpu_nanos().saturating_sub(on_cpu), Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    }
}

test_plugin!(
    CpuBurner,
    Metadata::new("cpu-burner", "0.1.0").description("Burns half a core")
);

/// What `overreacher` got when it asked for the network it never declared.
pub static OVERREACHER_RESULT: Mutex<Option<String>> = Mutex::new(None);

/// Declares no capability, then asks for the network in `start`, and for
/// files 150 times in `stop`.
#[derive(Debug, Default)]
pub struct Overreacher {
    ctx: OnceLock<PluginContext>,
}

#[async_trait]
impl Plugin for Overreacher {
    async fn initialize(
        &self,
        ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let outcome = match context(&self.ctx)?.network() {
            Ok(_) => "granted".to_owned(),
            Err(e) => e.to_string(),
        };
        *OVERREACHER_RESULT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
        Ok(())
    }

    async fn stop(&self) -> Result<(), PluginError> {
        let ctx = context(&self.ctx)?;
        for _ in 0..150 {
            let _ = ctx.filesystem();
        }
        Ok(())
    }
}

test_plugin!(
    Overreacher,
    Metadata::new("overreacher", "0.1.0").description("Uses capabilities it never declared")
);

/// Runs `sleep 31.4159` through the host's process service from a background
/// task; the host must kill it when the plugin stops.
#[derive(Debug, Default)]
pub struct ChildRunner {
    ctx: OnceLock<PluginContext>,
}

#[async_trait]
impl Plugin for ChildRunner {
    async fn initialize(
        &self,
        ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let ctx = context(&self.ctx)?;
        let processes = ctx.processes()?;
        ctx.spawn("child", async move {
            let _ = processes.run("sleep", &["31.4159".to_owned()]).await;
        })
    }
}

test_plugin!(
    ChildRunner,
    Metadata::new("child-runner", "0.1.0")
        .description("Runs a long child process")
        .capabilities(&[Capability::ProcessExecution])
);
