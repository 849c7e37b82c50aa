//! Prometheus for vcli: PromQL, targets, alerts, rules and status from the
//! CLI (`vcli prom ...`), the server's health, and a live TUI view.
//!
//! The plugin talks to Prometheus over a hyper client whose every connection
//! the host's network service opens: authorized by the user's policy, every
//! byte counted and held to the policy's `network_rate`, and closed when the
//! plugin is terminated. Query results are decoded and printed series by
//! series as they arrive, so an answer of any size takes the memory of one
//! series (`split.rs`, `results.rs`); other answers are decoded into
//! `prometheus-http-query`'s types. Configuration lives in
//! `[plugins.prometheus.config]`:
//!
//! ```toml
//! [plugins.prometheus.config]
//! url = "https://prometheus.example.com"  # else $PROMETHEUS_URL, else http://localhost:9090
//! timeout = "10s"                         # waiting for the server, per command, retries included
//! refresh = "15s"                         # how often every screen of the view and the pod lens refresh
//! bearer_token = "..."                    # or basic_auth = { username = "...", password = "..." }
//!
//! [plugins.prometheus.config.lens]        # the pod lens's PromQL; {namespace} and {pod} are filled in
//! cpu = 'sum(rate(container_cpu_usage_seconds_total{namespace="{namespace}",pod="{pod}",container!=""}[5m]))'
//! memory = 'sum(container_memory_working_set_bytes{namespace="{namespace}",pod="{pod}",container!=""})'
//! restarts = 'sum(kube_pod_container_status_restarts_total{namespace="{namespace}",pod="{pod}"})'
//! ```
//!
//! For a Deployment selected in the Kubernetes view, the lens matches its
//! pods: `pod="{pod}"` becomes `pod=~"NAME-[a-z0-9]+-[a-z0-9]+"`.

mod answer;
mod cli;
mod client;
mod config;
mod connector;
mod error;
mod format;
mod graph;
mod health;
mod labels;
mod lens;
mod model;
mod query;
mod results;
mod rules;
mod split;
mod status;
mod targets;
mod time;
pub mod view;

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use vcli_plugin_api::{
    CancellationToken, Capability, DescribePlugin, HealthStatus, Metadata, Output, Plugin,
    PluginConfig, PluginContext, PluginError, ResourceCommand, ResourceRef, View, async_trait,
    register_plugin,
};

use crate::client::{Api, Connector};
use crate::config::{DEFAULT_TIMEOUT, Settings, URL_ENV, resolve_url};
use crate::health::FailureTracker;
pub use crate::lens::{LensAlert, LensMetric, LensModel, MetricData, Unit, render_lens};
use crate::model::ViewState;
pub use crate::view::{PromModel, render};

/// The Prometheus plugin. Construct it with [`DescribePlugin::create`]; the
/// host drives it through [`Plugin`].
#[derive(Debug, Default)]
pub struct PrometheusPlugin {
    runtime: OnceLock<Runtime>,
    views: Arc<ViewState>,
    /// Cancels the view's refresh task; a fresh token per `start`, so the
    /// plugin can be stopped and started again.
    refresh: Mutex<Option<CancellationToken>>,
}

/// What `initialize` sets up.
#[derive(Debug)]
pub(crate) struct Runtime {
    pub(crate) ctx: PluginContext,
    pub(crate) settings: Settings,
    pub(crate) connector: Connector,
    /// The server from the configuration (or the environment), used when no
    /// `--url` is given, by the health check and by the view.
    pub(crate) api: Api,
    pub(crate) failures: Arc<FailureTracker>,
}

impl PrometheusPlugin {
    fn runtime(&self) -> Result<&Runtime, PluginError> {
        self.runtime
            .get()
            .ok_or_else(|| PluginError::failed("the prometheus plugin is not initialized"))
    }
}

#[async_trait]
impl Plugin for PrometheusPlugin {
    async fn initialize(
        &self,
        ctx: PluginContext,
        config: PluginConfig,
    ) -> Result<(), PluginError> {
        let settings: Settings = config.parse()?;
        let auth = settings.auth()?;
        let network = ctx.network()?;
        let failures = Arc::new(FailureTracker::default());
        let connector = Connector::new(network, &auth, Arc::clone(&failures))?;
        let url = resolve_url(settings.url.as_deref(), std::env::var(URL_ENV).ok());
        let timeout = settings.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let api = connector.api(&url, timeout).map_err(|e| match e {
            // A bad URL here came from the configuration or the environment.
            error::PromError::InvalidUrl { .. } => {
                PluginError::Config(format!("{e} (from the configuration or ${URL_ENV})"))
            }
            other => other.into(),
        })?;
        self.views.set_url(api.url());
        let runtime = Runtime {
            ctx,
            settings,
            connector,
            api,
            failures,
        };
        self.runtime
            .set(runtime)
            .map_err(|_| PluginError::failed("the prometheus plugin is already initialized"))
    }

    async fn start(&self) -> Result<(), PluginError> {
        let runtime = self.runtime()?;
        let cancel = runtime.ctx.cancellation().child_token();
        self.views.attach(runtime.ctx.redraw());
        let task = model::refresh_loop(
            runtime.api.clone(),
            Arc::clone(&self.views),
            runtime.settings.refresh(),
            cancel.clone(),
        );
        runtime.ctx.spawn("prometheus-view-refresh", task)?;
        let previous = self
            .refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(cancel);
        if let Some(previous) = previous {
            previous.cancel();
        }
        Ok(())
    }

    async fn stop(&self) -> Result<(), PluginError> {
        if let Some(cancel) = self
            .refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            cancel.cancel();
        }
        Ok(())
    }

    async fn health(&self) -> HealthStatus {
        match self.runtime.get() {
            Some(runtime) => health::check(&runtime.api, &runtime.failures).await,
            None => HealthStatus::unknown(),
        }
    }

    async fn run_command(
        &self,
        matches: &clap::ArgMatches,
        out: &mut Output,
    ) -> Result<(), PluginError> {
        cli::run(self.runtime()?, &self.views, matches, out).await
    }

    fn view(&self) -> Option<Box<dyn View>> {
        Some(Box::new(view::PromView::new(Arc::clone(&self.views))))
    }

    fn lens(&self, resource: &ResourceRef) -> Option<Box<dyn View>> {
        let runtime = self.runtime().ok()?;
        let ctx = &runtime.ctx;
        let task = lens::LensTask {
            api: runtime.api.clone(),
            queries: runtime.settings.lens.clone(),
            every: runtime.settings.refresh(),
            redraw: ctx.redraw(),
        };
        let lens = lens::PodLens::start(
            resource,
            task,
            |task| ctx.spawn("prometheus-lens", task).is_ok(),
            ctx.cancellation(),
        )?;
        Some(Box::new(lens))
    }

    fn commands_for(&self, resource: &ResourceRef) -> Vec<ResourceCommand> {
        if resource.kind != "Pod" {
            return Vec::new();
        }
        let Ok(runtime) = self.runtime() else {
            return Vec::new();
        };
        // The lens's own queries, so the palette shows the same numbers.
        let lens = &runtime.settings.lens;
        let namespace = resource.namespace.as_deref().unwrap_or("default");
        let pod = config::PodMatch::Exact(resource.name.clone());
        let line = |template: &str| {
            let expr = config::fill(template, namespace, &pod);
            // The palette splits words as a shell does: single quotes keep
            // the expression whole unless it has one itself.
            format!("prom query '{}'", expr.replace('\'', "'\"'\"'"))
        };
        vec![
            ResourceCommand::new("cpu", line(&lens.cpu)),
            ResourceCommand::new("memory", line(&lens.memory)),
            ResourceCommand::new("alerts", "prom alerts".to_owned()),
        ]
    }
}

impl DescribePlugin for PrometheusPlugin {
    const METADATA: Metadata = Metadata::new("prometheus", env!("CARGO_PKG_VERSION"))
        .description("Prometheus: PromQL queries, targets, alerts, rules and server status, with a live TUI view")
        .tags(&["prometheus", "promql", "metrics", "monitoring", "alerts"])
        .command("prom")
        .capabilities(&[
            Capability::Network,
            Capability::PrometheusApi,
            Capability::CliCommands,
            Capability::TuiRendering,
        ]);

    fn command() -> Option<clap::Command> {
        Some(cli::command())
    }

    fn create() -> Self {
        PrometheusPlugin::default()
    }
}

register_plugin!(PrometheusPlugin);

/// Snapshots a CLI table rendered by a unit test into the workspace's
/// `snapshots/` directory, as `prometheus__table_NAME`.
#[cfg(test)]
pub(crate) fn snapshot_table(name: &str, table: &str) {
    insta::with_settings!({
        snapshot_path => "../../../snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(format!("prometheus__table_{name}"), table);
    });
}
