//! A host for plugin tests (feature `testing`): drives a plugin as vcli does
//! (construct, initialize with a configuration, run commands, check health,
//! render the view) without the vcli host.
//!
//! ```
//! use vcli_plugin_api::testing::{Harness, check_manifest};
//! # use std::io::Write;
//! # use vcli_plugin_api::{async_trait, clap, Capability, DescribePlugin, HealthStatus, Metadata,
//! #     Output, Plugin, PluginConfig, PluginContext, PluginError, register_plugin};
//! # #[derive(Default)]
//! # struct Echo;
//! # #[async_trait]
//! # impl Plugin for Echo {
//! #     async fn initialize(&self, _: PluginContext, config: PluginConfig) -> Result<(), PluginError> {
//! #         let _: toml::Table = config.parse()?;
//! #         Ok(())
//! #     }
//! #     async fn run_command(&self, m: &clap::ArgMatches, out: &mut Output) -> Result<(), PluginError> {
//! #         writeln!(out, "{}", m.get_one::<String>("word").map_or("", String::as_str))?;
//! #         out.note("echoed")?;
//! #         Ok(())
//! #     }
//! # }
//! # impl DescribePlugin for Echo {
//! #     const METADATA: Metadata = Metadata::new("echo", "0.1.0").command("echo")
//! #         .capabilities(&[Capability::CliCommands]);
//! #     fn command() -> Option<clap::Command> {
//! #         Some(clap::Command::new("echo").arg(clap::Arg::new("word")))
//! #     }
//! #     fn create() -> Self { Echo }
//! # }
//! # register_plugin!(Echo);
//! # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! # runtime.block_on(async {
//! // In a plugin's tests, inside `#[tokio::test] async fn ...`:
//! let echo = Harness::<Echo>::new("").await.unwrap();
//! let out = echo.run(&["hi"]).await.unwrap();
//! assert_eq!(out.data, "hi\n");
//! assert_eq!(out.notes, "echoed\n");
//! assert!(echo.health().await.state == vcli_plugin_api::HealthState::Healthy);
//! # });
//!
//! // `[package.metadata.vcli]` says what METADATA says:
//! let manifest = "[package.metadata.vcli]\nname = \"echo\"\ncommand = \"echo\"\ncapabilities = [\"cli-commands\"]\n";
//! check_manifest::<Echo>(manifest).unwrap();
//! ```

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use crate::{
    Capability, DescribePlugin, HealthStatus, HostServices, NetworkService, Output, OutputStyle,
    PluginConfig, PluginContext, PluginError,
};

/// A capability a plugin asked for and was not granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The capability.
    pub capability: Capability,
    /// What the plugin wanted it for.
    pub what: String,
}

/// [`HostServices`] for tests: tasks are spawned on the test's tokio
/// runtime and named in [`TestHost::spawned`]; denials are recorded; no
/// network, filesystem or process service is given (test those against a
/// server on loopback through the real host).
#[derive(Debug, Default)]
pub struct TestHost {
    denied: Mutex<Vec<Denial>>,
    spawned: Mutex<Vec<String>>,
}

impl TestHost {
    /// The capabilities denied so far, in order.
    pub fn denied(&self) -> Vec<Denial> {
        self.denied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The names of the tasks spawned so far, in order.
    pub fn spawned(&self) -> Vec<String> {
        self.spawned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl HostServices for TestHost {
    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Result<(), PluginError> {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(PluginError::failed(format!(
                "the test host spawns {plugin}'s task {name:?} only inside a tokio runtime (#[tokio::test])"
            )));
        };
        self.spawned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(name.to_owned());
        drop(runtime.spawn(task));
        Ok(())
    }

    fn capability_denied(&self, _plugin: &str, capability: Capability, what: &str) {
        self.denied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Denial {
                capability,
                what: what.to_owned(),
            });
    }

    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError> {
        Err(PluginError::failed(format!(
            "the test host opens no connections for {plugin}"
        )))
    }
}

/// What a command wrote: its data (stdout in the CLI) and its notes
/// (stderr).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The data.
    pub data: String,
    /// The notes, one per line.
    pub notes: String,
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

/// A plugin built and initialized as the host does, ready for commands,
/// health checks and its view.
pub struct Harness<P: DescribePlugin> {
    plugin: Arc<P>,
    host: Arc<TestHost>,
    context: PluginContext,
}

impl<P: DescribePlugin> std::fmt::Debug for Harness<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("plugin", &P::METADATA.name)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl<P: DescribePlugin> Harness<P> {
    /// Builds the plugin and initializes it with `config`, the TOML of its
    /// `[plugins.NAME.config]` table, granting every capability it declares.
    ///
    /// # Errors
    ///
    /// What `initialize` returned (a bad configuration is
    /// [`PluginError::Config`] naming the key).
    pub async fn new(config: &str) -> Result<Self, PluginError> {
        Self::with_grants(config, P::METADATA.capabilities).await
    }

    /// As [`Harness::new`], granting only `granted`.
    ///
    /// # Errors
    ///
    /// What `initialize` returned.
    pub async fn with_grants(config: &str, granted: &[Capability]) -> Result<Self, PluginError> {
        let host = Arc::new(TestHost::default());
        let context = PluginContext::new(
            P::METADATA.name,
            granted.to_vec(),
            crate::CancellationToken::new(),
            Arc::clone(&host) as Arc<dyn HostServices>,
        );
        let plugin = Arc::new(P::create());
        plugin
            .initialize(context.clone(), PluginConfig::from_toml(config))
            .await?;
        Ok(Harness {
            plugin,
            host,
            context,
        })
    }

    /// The plugin instance.
    pub fn plugin(&self) -> &P {
        &self.plugin
    }

    /// The test host: denials and spawned tasks.
    pub fn host(&self) -> &TestHost {
        &self.host
    }

    /// Runs `vcli COMMAND ARGS...`: parses `args` with the plugin's clap
    /// tree and calls `run_command`.
    ///
    /// # Errors
    ///
    /// [`PluginError::Usage`] when clap refuses the arguments, or what the
    /// command returned.
    pub async fn run(&self, args: &[&str]) -> Result<Captured, PluginError> {
        let command = P::command().ok_or_else(|| {
            PluginError::Usage(format!("plugin {} has no command", P::METADATA.name))
        })?;
        let name = command.get_name().to_owned();
        let matches = command
            .try_get_matches_from(std::iter::once(name.as_str()).chain(args.iter().copied()))
            .map_err(|e| PluginError::Usage(e.to_string()))?;
        let (data, notes) = (Shared::default(), Shared::default());
        let mut out = Output::new(Box::new(data.clone()), OutputStyle::PLAIN)
            .with_notes(Box::new(notes.clone()));
        self.plugin.run_command(&matches, &mut out).await?;
        drop(out);
        Ok(Captured {
            data: data.text(),
            notes: notes.text(),
        })
    }

    /// One health check.
    pub async fn health(&self) -> HealthStatus {
        self.plugin.health().await
    }

    /// A fresh view rendered once into `width` x `height` cells, as lines
    /// with trailing spaces removed; `None` if the plugin has no view.
    pub fn render(&self, width: u16, height: u16) -> Option<Vec<String>> {
        use ratatui_core::buffer::Buffer;
        use ratatui_core::layout::Rect;
        let mut view = self.plugin.view()?;
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        view.render(area, &mut buf);
        Some(
            (0..height)
                .map(|y| {
                    let line: String = (0..width).map(|x| buf[(x, y)].symbol()).collect();
                    line.trim_end().to_owned()
                })
                .collect(),
        )
    }

    /// Stops the plugin as the host does: `stop`, then its tasks are
    /// cancelled.
    ///
    /// # Errors
    ///
    /// What `stop` returned.
    pub async fn stop(&self) -> Result<(), PluginError> {
        let stopped = self.plugin.stop().await;
        self.context.cancellation().cancel();
        stopped
    }
}

/// Checks that `[package.metadata.vcli]` in `cargo_toml` (a plugin crate's
/// manifest, e.g. `include_str!("../Cargo.toml")`) says what `P::METADATA`
/// says: the name, the capabilities, and the command if it names one; and
/// that `P` is registered exactly once.
///
/// # Errors
///
/// Every difference, in words.
pub fn check_manifest<P: DescribePlugin>(cargo_toml: &str) -> Result<(), String> {
    let manifest: toml::Table = cargo_toml
        .parse()
        .map_err(|e| format!("the manifest is not TOML: {e}"))?;
    let vcli = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("vcli"))
        .ok_or("the manifest has no [package.metadata.vcli]")?;
    let meta = P::METADATA;
    let mut problems = Vec::new();
    if vcli.get("name").and_then(toml::Value::as_str) != Some(meta.name) {
        problems.push(format!(
            "name: the manifest says {:?}, METADATA says {:?}",
            vcli.get("name").and_then(toml::Value::as_str),
            meta.name
        ));
    }
    let declared: Vec<&str> = vcli
        .get("capabilities")
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
        .unwrap_or_default();
    let mut needed: Vec<&str> = meta.capabilities.iter().map(|c| c.as_str()).collect();
    let mut sorted = declared.clone();
    sorted.sort_unstable();
    needed.sort_unstable();
    if sorted != needed {
        problems.push(format!(
            "capabilities: the manifest says {declared:?}, METADATA says {needed:?}"
        ));
    }
    if let Some(command) = vcli.get("command").and_then(toml::Value::as_str)
        && meta.command != Some(command)
    {
        problems.push(format!(
            "command: the manifest says {command:?}, METADATA says {:?}",
            meta.command
        ));
    }
    let registered = crate::registrations()
        .into_iter()
        .filter(|r| r.metadata().name == meta.name)
        .count();
    if registered != 1 {
        problems.push(format!(
            "plugin {:?} is registered {registered} times; call register_plugin! once",
            meta.name
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
