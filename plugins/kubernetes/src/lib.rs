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
mod kind;
mod kubeconfig;
mod logs;
mod model;
mod printers;
mod quantity;
mod resources;
mod ring;
mod row;
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
pub use kind::{Column, Kind, SortAs};
pub use model::{KubeModel, Request, SharedModel, WatchState};
pub use printers::{PodSummary, human_duration, pod_summary};
pub use row::{Cell, Listed, Row, row_of};
pub use settings::Settings;
pub use view::{
    Choice, KubeView, Picker, RowFilter, Selector, Sort, TABLE_TOP, ViewState, ordered, render,
};

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
    options: settings::ConnectOptions,
    network: NetworkService,
    /// The client `health` reuses between checks (built on first use).
    health_conn: tokio::sync::Mutex<Option<client::Conn>>,
    /// Discovery kept between runs, when the host grants files.
    discovery_cache: discovery_cache::DiscoveryCache,
    /// The contexts the view shows first (`contexts`, else `context`, else
    /// the kubeconfig's current one).
    contexts: Vec<String>,
    /// Every context of the kubeconfig, for the view's context picker.
    known_contexts: Vec<String>,
    /// The namespace the view watches first; `None` for all (`"*"`).
    namespace: Option<String>,
    /// Log lines a detail keeps (`log_lines`).
    log_lines: usize,
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
            log_lines: inner.log_lines,
            ..DetailSettings::default()
        };
        Ok(DetailOpener::new(
            inner.ctx.clone(),
            inner.options.clone(),
            inner.network.clone(),
            settings,
        ))
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
        let (contexts, known_contexts, context_namespace) = view_contexts(&settings, &options)?;
        let namespace = match options.namespace.as_deref() {
            Some("*") => None,
            Some(ns) => Some(ns.to_owned()),
            None => Some(context_namespace),
        };
        let inner = Inner {
            log_lines: settings.log_lines.unwrap_or(detail::DEFAULT_LOG_LINES),
            contexts,
            known_contexts,
            namespace,
            ctx,
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
        let model = self.model.clone();
        model.attach(inner.ctx.redraw());
        {
            let mut m = model.update();
            m.contexts.clone_from(&inner.contexts);
            m.known_contexts.clone_from(&inner.known_contexts);
            m.namespace = inner.namespace.clone();
        }
        let (requests, receiver) = tokio::sync::mpsc::unbounded_channel();
        model.serve(requests);
        let setup = watch::Setup {
            ctx: inner.ctx.clone(),
            options: inner.options.clone(),
            network: inner.network.clone(),
            model,
        };
        inner
            .ctx
            .spawn("k8s-watches", watch::supervise(setup, receiver, token))
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
            self.model
                .lock()
                .server_versions
                .insert(conn.context.clone(), v.clone());
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
        let ns = resource.namespace.as_deref().unwrap_or("default");
        let name = &resource.name;
        // A resource from another context than the default one names it,
        // so the command reaches the cluster the row came from.
        let context = resource
            .scope
            .as_deref()
            .map_or(String::new(), |c| format!(" --context {c}"));
        if resource.kind == "Deployment" {
            return vec![
                ResourceCommand::new(
                    "describe",
                    format!("k8s describe deployment {name} -n {ns}{context}"),
                ),
                ResourceCommand::new(
                    "yaml",
                    format!("k8s get deployment {name} -n {ns} -o yaml{context}"),
                ),
            ];
        }
        if resource.kind != "Pod" {
            return Vec::new();
        }
        vec![
            ResourceCommand::new(
                "logs",
                format!("k8s logs {name} -n {ns} --all-containers -f{context}"),
            ),
            ResourceCommand::new(
                "describe",
                format!("k8s describe pod {name} -n {ns}{context}"),
            ),
            ResourceCommand::new(
                "yaml",
                format!("k8s get pod {name} -n {ns} -o yaml{context}"),
            ),
        ]
    }
}

/// The contexts the view starts with, every context of the kubeconfig, and
/// the first context's namespace (`default` when it sets none).
/// `contexts` must name contexts the kubeconfig has; without it the view
/// shows `context`, else the kubeconfig's current context.
fn view_contexts(
    settings: &Settings,
    options: &settings::ConnectOptions,
) -> Result<(Vec<String>, Vec<String>, String), PluginError> {
    let rows = kubeconfig::contexts(&settings::ConnectOptions {
        context: None,
        ..options.clone()
    });
    let known: Vec<String> = rows
        .as_ref()
        .map(|rows| rows.iter().map(|r| r.name.clone()).collect())
        .unwrap_or_default();
    if let Some(wanted) = settings.contexts.as_ref().filter(|c| !c.is_empty()) {
        // Asked for by name, the contexts must exist now: a typo is a
        // configuration error at start, not an empty list in the view.
        let rows = rows
            .map_err(|e| PluginError::Config(format!("plugins.kubernetes.config.contexts: {e}")))?;
        if let Some(unknown) = wanted.iter().find(|w| !rows.iter().any(|r| &r.name == *w)) {
            return Err(PluginError::Config(format!(
                "plugins.kubernetes.config.contexts: context \"{unknown}\" is not in the kubeconfig (it has: {})",
                known.join(", ")
            )));
        }
        let namespace = namespace_of(&rows, &wanted[0]);
        return Ok((wanted.clone(), known, namespace));
    }
    let rows = rows.unwrap_or_default();
    let current = options
        .context
        .clone()
        .or_else(|| rows.iter().find(|r| r.current).map(|r| r.name.clone()));
    let namespace = current
        .as_deref()
        .map_or_else(|| "default".to_owned(), |c| namespace_of(&rows, c));
    Ok((current.into_iter().collect(), known, namespace))
}

fn namespace_of(rows: &[kubeconfig::ContextRow], context: &str) -> String {
    rows.iter()
        .find(|r| r.name == context && !r.namespace.is_empty())
        .map_or_else(|| "default".to_owned(), |r| r.namespace.clone())
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
