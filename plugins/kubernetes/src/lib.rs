//! The Kubernetes plugin for vcli: `get`, `describe` and `logs` as operators
//! know them from kubectl, an API-server health check, and a live TUI view
//! kept current by watchers.
//!
//! Every connection goes through the host's [`NetworkService`]: the kube
//! client is built on a connector that asks the host before connecting and
//! counts the bytes (see `connector.rs` and `client.rs`).

use std::sync::{Mutex, OnceLock, PoisonError};

use vcli_plugin_api::{
    CancellationToken, Capability, CommandKind, DescribePlugin, HealthStatus, Metadata,
    NetworkService, Output, Plugin, PluginConfig, PluginContext, PluginError, ResourceCommand,
    ResourceRef, View, async_trait, register_plugin,
};

mod cli;
mod client;
mod connector;
mod custom_columns;
mod describe;
mod describe_containers;
mod describe_node;
mod describe_objects;
mod describe_pod;
mod detail;
mod discovery;
mod discovery_cache;
mod error;
mod format;
mod get;
mod goduration;
mod gofmt;
mod gosort;
mod health;
mod jsonpath;
mod jsonpath_eval;
mod kubeconfig;
mod logs;
mod model;
mod printers;
mod quantity;
mod resources;
mod ring;
mod settings;
mod sort;
mod table;
mod view;
mod watch;

pub use detail::{
    Backoff, DEFAULT_LOG_LINES, Detail, DetailData, DetailFrame, DetailOpener, DetailSettings,
    DetailTab, DetailTarget, DetailViewState, EndReason, Loadable, LogBuffer, LogFrame, LogLine,
    LogSource, LogViewState, SharedDetail, StreamState, render_detail,
};
pub use model::{ConnectionStatus, DeploymentState, KubeModel, PodRow, SharedModel};
pub use printers::{PodSummary, human_duration, pod_summary};
pub use settings::Settings;
pub use view::{KubeView, ViewState, render};

/// The plugin: `vcli k8s ...` and the Kubernetes tab of the TUI.
#[derive(Debug)]
pub struct KubernetesPlugin {
    inner: OnceLock<Inner>,
    model: SharedModel,
    /// Cancels the running watchers; a child of the context's token so that
    /// `stop` then `start` works without the host's token being renewed.
    running: Mutex<Option<CancellationToken>>,
}

#[derive(Debug)]
struct Inner {
    ctx: PluginContext,
    settings: Settings,
    options: settings::ConnectOptions,
    network: NetworkService,
    /// The client `health` reuses between checks (built on first use).
    health_conn: tokio::sync::Mutex<Option<client::Conn>>,
    /// Discovery kept between runs, when the host grants files.
    discovery_cache: discovery_cache::DiscoveryCache,
}

impl KubernetesPlugin {
    fn inner(&self) -> Result<&Inner, PluginError> {
        self.inner
            .get()
            .ok_or_else(|| PluginError::failed("the kubernetes plugin is not initialized"))
    }

    /// The model the view draws, shared with the watchers.
    pub fn model(&self) -> SharedModel {
        self.model.clone()
    }

    /// What opens the detail of an object (the view's Enter), on the
    /// plugin's context so that its tasks are the host's.
    ///
    /// # Errors
    ///
    /// When the plugin is not initialized.
    pub fn detail_opener(&self) -> Result<DetailOpener, PluginError> {
        let inner = self.inner()?;
        let settings = DetailSettings {
            log_lines: inner
                .settings
                .log_lines
                .unwrap_or(detail::DEFAULT_LOG_LINES),
            ..DetailSettings::default()
        };
        Ok(DetailOpener::new(
            inner.ctx.clone(),
            inner.options.clone(),
            inner.network.clone(),
            settings,
        ))
    }

    /// Whether the configuration asks the view to watch all namespaces.
    fn all_namespaces(&self) -> bool {
        self.inner
            .get()
            .and_then(|i| i.settings.namespace.as_deref())
            == Some("*")
    }
}

#[async_trait]
impl Plugin for KubernetesPlugin {
    async fn initialize(
        &self,
        ctx: PluginContext,
        config: PluginConfig,
    ) -> Result<(), PluginError> {
        let settings: Settings = config.parse()?;
        settings.validate()?;
        ctx.require(Capability::KubernetesApi, "talking to the Kubernetes API")?;
        let network = ctx.network()?;
        let options = settings::ConnectOptions::from_settings(&settings);
        let discovery_cache = discovery_cache_for(&ctx, &settings);
        let inner = Inner {
            ctx,
            settings,
            options,
            network,
            health_conn: tokio::sync::Mutex::new(None),
            discovery_cache,
        };
        self.inner
            .set(inner)
            .map_err(|_| PluginError::failed("the kubernetes plugin was initialized twice"))
    }

    async fn start(&self) -> Result<(), PluginError> {
        let inner = self.inner()?;
        let token = inner.ctx.cancellation().child_token();
        if let Some(old) = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(token.clone())
        {
            old.cancel();
        }
        let options = inner.options.clone();
        let network = inner.network.clone();
        let model = self.model.clone();
        model.attach(inner.ctx.redraw());
        let all = self.all_namespaces();
        inner.ctx.spawn("k8s-watchers", async move {
            let connected = tokio::select! {
                () = token.cancelled() => return,
                c = client::connect(&options, network) => c,
            };
            match connected {
                Ok(conn) => watch::run(conn, model, all, token).await,
                Err(e) => model.update().connection = ConnectionStatus::Error(e.to_string()),
            }
        })
    }

    async fn stop(&self) -> Result<(), PluginError> {
        if let Some(token) = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            token.cancel();
        }
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        let Ok(inner) = self.inner() else {
            return HealthStatus::unknown();
        };
        let mut cached = inner.health_conn.lock().await;
        if cached.is_none() {
            match client::connect(&inner.options, inner.network.clone()).await {
                Ok(conn) => *cached = Some(conn),
                Err(e) => return HealthStatus::unhealthy(e.to_string()),
            }
        }
        let Some(conn) = cached.as_ref() else {
            return HealthStatus::unknown();
        };
        let probe = health::probe(conn).await;
        if let Some(v) = &probe.version {
            self.model.lock().server_version = Some(v.clone());
        }
        health::status(&conn.server, &probe)
    }

    async fn run_command(
        &self,
        matches: &clap::ArgMatches,
        out: &mut Output,
    ) -> Result<(), PluginError> {
        let inner = self.inner()?;
        let Some((name, sub)) = matches.subcommand() else {
            return Err(PluginError::Usage(
                "a subcommand is required: contexts, get, describe, logs or health".to_owned(),
            ));
        };
        let options = cli::connect_options(sub, &inner.options)?;
        if name == "contexts" {
            return get::contexts(&options, out);
        }
        let conn = client::connect(&options, inner.network.clone()).await?;
        match name {
            "get" => {
                let cache = &inner.discovery_cache;
                get::run(&conn, cache, sub, out, inner.ctx.cancellation()).await
            }
            "describe" => describe::run(&conn, sub, out).await,
            "logs" => logs::run(&conn, &inner.ctx, sub, out).await,
            "health" => health::run(&conn, out).await,
            other => Err(PluginError::Usage(format!(
                "unknown command \"{other}\" for \"vcli k8s\""
            ))),
        }
    }

    fn command_kind(&self, matches: &clap::ArgMatches) -> CommandKind {
        let streams = match matches.subcommand() {
            Some(("get", sub)) => sub.get_flag("watch"),
            Some(("logs", sub)) => sub.get_flag("follow"),
            _ => false,
        };
        if streams {
            CommandKind::Streaming
        } else {
            CommandKind::Finite
        }
    }

    fn view(&self) -> Option<Box<dyn View>> {
        let view = KubeView::new(self.model.clone());
        Some(Box::new(match self.detail_opener() {
            Ok(opener) => view.with_details(opener),
            Err(_) => view,
        }))
    }

    fn commands_for(&self, resource: &ResourceRef) -> Vec<ResourceCommand> {
        if resource.kind != "Pod" {
            return Vec::new();
        }
        let ns = resource.namespace.as_deref().unwrap_or("default");
        let name = &resource.name;
        vec![
            ResourceCommand::new(
                "logs",
                format!("k8s logs {name} -n {ns} --all-containers -f"),
            ),
            ResourceCommand::new("describe", format!("k8s describe pod {name} -n {ns}")),
            ResourceCommand::new("yaml", format!("k8s get pod {name} -n {ns} -o yaml")),
        ]
    }
}

/// The discovery cache: in the `cache_dir` setting or the cache directory the host sets
/// aside for the plugin, through the host's filesystem service, when the policy grants
/// files (the plugin declares the capability, so a stock policy grants it). Without the
/// grant there is no cache; the capability is only checked, never asked for, so its
/// absence is no violation.
fn discovery_cache_for(
    ctx: &PluginContext,
    settings: &Settings,
) -> discovery_cache::DiscoveryCache {
    if !ctx.granted().contains(&Capability::Filesystem) {
        return discovery_cache::DiscoveryCache::disabled();
    }
    let Ok(files) = ctx.filesystem() else {
        return discovery_cache::DiscoveryCache::disabled();
    };
    match settings.cache_dir.clone().or_else(|| files.cache_dir()) {
        Some(dir) => discovery_cache::DiscoveryCache::new(files, &dir, discovery_cache::TTL),
        None => discovery_cache::DiscoveryCache::disabled(),
    }
}

impl DescribePlugin for KubernetesPlugin {
    const METADATA: Metadata = Metadata::new("kubernetes", env!("CARGO_PKG_VERSION"))
        .description("Kubernetes: get, describe and logs as kubectl prints them, API health, and a live view")
        .authors(&["vcli developers"])
        .tags(&["kubernetes", "k8s", "kubectl", "pods", "logs"])
        .command("k8s")
        .capabilities(&[
            Capability::Network,
            Capability::Filesystem,
            Capability::KubernetesApi,
            Capability::CliCommands,
            Capability::TuiRendering,
        ])
        // Files only hold the discovery cache: without them `get` asks the server each time.
        .optional_capabilities(&[Capability::Filesystem]);

    fn command() -> Option<clap::Command> {
        Some(cli::command())
    }

    fn create() -> Self {
        KubernetesPlugin {
            inner: OnceLock::new(),
            model: SharedModel::new(KubeModel::new("", None)),
            running: Mutex::new(None),
        }
    }
}

register_plugin!(KubernetesPlugin);
