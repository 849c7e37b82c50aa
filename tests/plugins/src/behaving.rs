//! Well-behaved test plugins: `steady` (counts its instances, runs a
//! background task, has a command) and `dependent` (needs `steady`).

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use vcli_plugin_api::{
    Capability, CommandKind, Dependency, DescribePlugin, HealthStatus, Metadata, Output, Plugin,
    PluginConfig, PluginContext, PluginError, async_trait, clap, register_plugin,
};

use crate::observe::Census;

/// Instances of `steady`, process-wide.
pub static STEADY: Census = Census::new();

#[derive(Debug, serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SteadyConfig {
    greeting: Option<String>,
    tick: Option<u64>,
}

/// A plugin that does everything right.
#[derive(Debug)]
pub struct Steady {
    ctx: OnceLock<PluginContext>,
    greeting: OnceLock<String>,
}

impl Drop for Steady {
    fn drop(&mut self) {
        STEADY.died();
    }
}

#[async_trait]
impl Plugin for Steady {
    async fn initialize(
        &self,
        ctx: PluginContext,
        config: PluginConfig,
    ) -> Result<(), PluginError> {
        let config: SteadyConfig = config.parse()?;
        let _ = self
            .greeting
            .set(config.greeting.unwrap_or_else(|| "hello".to_owned()));
        let _ = self.ctx.set(ctx);
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        let ctx = self
            .ctx
            .get()
            .ok_or_else(|| PluginError::failed("not initialized"))?;
        // A background loop that runs until the host cancels it.
        ctx.spawn("ticker", async {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }

    async fn health(&self) -> HealthStatus {
        HealthStatus::healthy("steady as ever").with_metric("answer", 42.0)
    }

    fn command_kind(&self, matches: &clap::ArgMatches) -> CommandKind {
        match matches.subcommand() {
            Some(("follow", _)) => CommandKind::Streaming,
            _ => CommandKind::Finite,
        }
    }

    async fn run_command(
        &self,
        matches: &clap::ArgMatches,
        out: &mut Output,
    ) -> Result<(), PluginError> {
        match matches.subcommand() {
            Some(("echo", args)) => {
                let words: Vec<&String> = args
                    .get_many::<String>("words")
                    .into_iter()
                    .flatten()
                    .collect();
                let greeting = self.greeting.get().map_or("hello", String::as_str);
                let words: Vec<&str> = words.iter().map(|s| s.as_str()).collect();
                writeln!(out, "{greeting} {}", words.join(" "))?;
                Ok(())
            }
            Some(("lines", args)) => {
                let count = args.get_one::<u64>("count").copied().unwrap_or(10);
                for i in 0..count {
                    writeln!(out, "line {i}")?;
                }
                Ok(())
            }
            Some(("fail", _)) => Err(PluginError::failed("the steady plugin was asked to fail")),
            Some(("overreach", _)) => {
                let ctx = self
                    .ctx
                    .get()
                    .ok_or_else(|| PluginError::failed("not initialized"))?;
                ctx.network().map(|_| ())
            }
            Some(("panic", _)) => panic!("the steady plugin was asked to panic"),
            Some(("follow", _)) => {
                // A stream that never ends by itself, like `logs -f`: one
                // kilobyte line after another, flushed as they come.
                let line = format!("{}\n", "x".repeat(1023));
                loop {
                    out.write_all(line.as_bytes())?;
                    out.flush()?;
                    tokio::task::yield_now().await;
                }
            }
            _ => Err(PluginError::Usage("unknown steady command".to_owned())),
        }
    }
}

impl DescribePlugin for Steady {
    const METADATA: Metadata = Metadata::new("steady", "1.2.3")
        .description("A well-behaved plugin for tests")
        .authors(&["vcli developers"])
        .tags(&["test"])
        .command("steady")
        .capabilities(&[Capability::CliCommands]);

    fn command() -> Option<clap::Command> {
        Some(
            clap::Command::new("steady")
                .subcommand_required(true)
                .subcommand(
                    clap::Command::new("echo")
                        .about("Greets and echoes")
                        .arg(clap::Arg::new("words").num_args(0..)),
                )
                .subcommand(
                    clap::Command::new("lines")
                        .about("Prints COUNT lines")
                        .arg(clap::Arg::new("count").value_parser(clap::value_parser!(u64))),
                )
                .subcommand(clap::Command::new("fail").about("Fails"))
                .subcommand(
                    clap::Command::new("overreach").about("Asks for the network it never declared"),
                )
                .subcommand(clap::Command::new("panic").about("Panics"))
                .subcommand(clap::Command::new("follow").about("Prints lines until interrupted")),
        )
    }

    fn create() -> Self {
        STEADY.born();
        Steady {
            ctx: OnceLock::new(),
            greeting: OnceLock::new(),
        }
    }
}

register_plugin!(Steady);

/// A plugin that needs `steady` to be running.
#[derive(Debug, Default)]
pub struct Dependent;

#[async_trait]
impl Plugin for Dependent {
    async fn initialize(
        &self,
        _ctx: PluginContext,
        _config: PluginConfig,
    ) -> Result<(), PluginError> {
        Ok(())
    }
}

impl DescribePlugin for Dependent {
    const METADATA: Metadata = Metadata::new("dependent", "0.1.0")
        .description("Depends on steady")
        .dependencies(&[Dependency::new("steady", "^1.2")]);

    fn create() -> Self {
        Dependent
    }
}

register_plugin!(Dependent);
