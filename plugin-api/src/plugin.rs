//! The trait every plugin implements, and the static description the host
//! reads without constructing it.

use async_trait::async_trait;

use crate::{
    CommandKind, HealthStatus, Metadata, Output, PluginConfig, PluginContext, PluginError,
    ResourceCommand, ResourceRef, View,
};

/// A plugin instance, driven by the host's manager.
///
/// Methods take `&self`: the host keeps the instance behind an `Arc` and runs
/// each call on its own task, under a deadline and inside panic isolation, so
/// a plugin that panics or hangs is marked failed while the host and the other
/// plugins go on. Keep mutable state behind interior mutability
/// (`std::sync::Mutex` for short critical sections, `OnceLock` for what
/// `initialize` sets up).
///
/// Calls arrive in lifecycle order: `initialize` once per instance, then any
/// number of `start` / `stop` pairs; `health` and `run_command` may arrive at
/// any time after `initialize`, concurrently with each other.
#[async_trait]
pub trait Plugin: Send + Sync + 'static {
    /// Receives the context and the plugin's configuration table. Validate the
    /// configuration here and return [`PluginError::Config`] if it is wrong.
    async fn initialize(&self, ctx: PluginContext, config: PluginConfig)
    -> Result<(), PluginError>;

    /// Starts background work (watchers, pollers) through
    /// [`PluginContext::spawn`].
    async fn start(&self) -> Result<(), PluginError> {
        Ok(())
    }

    /// Stops background work. Tasks spawned through the context are cancelled
    /// by the host after this returns.
    async fn stop(&self) -> Result<(), PluginError> {
        Ok(())
    }

    /// Reports health; the host calls it periodically under a timeout and
    /// applies probe semantics (failure threshold, restart policy).
    async fn health(&self) -> HealthStatus {
        HealthStatus::healthy("no health check implemented")
    }

    /// Runs one of the plugin's CLI commands. `matches` are the matches of the
    /// plugin's own subcommand (as built by [`DescribePlugin::command`]).
    async fn run_command(
        &self,
        matches: &clap::ArgMatches,
        out: &mut Output,
    ) -> Result<(), PluginError> {
        let _ = (matches, out);
        Err(PluginError::Usage("this plugin has no commands".to_owned()))
    }

    /// Whether the command `matches` names finishes by itself or follows a
    /// stream (`logs -f`, `get --watch`): the host puts a deadline only on
    /// the former. `matches` are the same as for [`Plugin::run_command`].
    /// The default says every command finishes by itself.
    fn command_kind(&self, matches: &clap::ArgMatches) -> CommandKind {
        let _ = matches;
        CommandKind::Finite
    }

    /// A fresh view for the TUI, if the plugin has one.
    fn view(&self) -> Option<Box<dyn View>> {
        None
    }

    /// A panel about a resource another plugin's view selected (a pod's
    /// metrics from the Prometheus plugin, say), shown beside that view.
    /// `None` when the plugin has nothing to say about it. The host asks
    /// every plugin on each [`Intent::Selected`](crate::Intent::Selected);
    /// plugins never call each other.
    fn lens(&self, resource: &ResourceRef) -> Option<Box<dyn View>> {
        let _ = resource;
        None
    }

    /// Command lines the plugin offers for a resource another view
    /// selected; the TUI's palette lists them. Asked on every
    /// [`Intent::Selected`](crate::Intent::Selected), so keep it cheap.
    fn commands_for(&self, resource: &ResourceRef) -> Vec<ResourceCommand> {
        let _ = resource;
        Vec::new()
    }
}

/// The static side of a plugin: its metadata, its command tree and how to
/// build it. [`register_plugin!`](crate::register_plugin) needs this.
pub trait DescribePlugin: Plugin + Sized {
    /// The plugin's metadata.
    const METADATA: Metadata;

    /// The clap subcommand tree the plugin contributes, named after
    /// [`Metadata::command`]. The host adds it to `vcli --help` without
    /// constructing the plugin.
    fn command() -> Option<clap::Command> {
        None
    }

    /// Builds a new, uninitialized instance.
    fn create() -> Self;
}
