//! The TUI view's model: plain data, kept current by a background refresh,
//! that `view::render` draws. Nothing here touches the terminal.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use prometheus_http_query::TargetState;
use tokio::sync::Notify;
use vcli_plugin_api::CancellationToken;

use crate::client::Api;
use crate::error::PromError;
use crate::time::{Window, now};
use crate::{query, rules, targets};

/// Series kept for the chart; more would not fit a legend or a terminal.
pub(crate) const MAX_CHART_SERIES: usize = 8;
/// The panel's query until the operator runs `prom range`: how many targets are up.
const DEFAULT_EXPR: &str = "sum(up)";
const DEFAULT_SPAN: f64 = 15.0 * 60.0;
const DEFAULT_STEP: f64 = 15.0;

/// Everything the Prometheus view shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromModel {
    /// The server's base URL.
    pub url: String,
    /// When the model was last refreshed successfully (unix seconds); ages
    /// are computed against it, so rendering never reads the clock.
    pub updated_at: Option<f64>,
    /// Why the last refresh failed, if it did; older data stays visible.
    pub error: Option<String>,
    /// Active targets per job.
    pub jobs: Vec<JobSummary>,
    /// Firing alerts, oldest first.
    pub alerts: Vec<FiringAlert>,
    /// The query panel: the last range query and its chart.
    pub query: Option<QueryPanel>,
}

/// How many targets of one job are up, down or unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobSummary {
    /// The `job` label.
    pub job: String,
    /// Targets whose last scrape succeeded.
    pub up: usize,
    /// Targets whose last scrape failed.
    pub down: usize,
    /// Targets not scraped yet.
    pub unknown: usize,
}

/// One firing alert.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FiringAlert {
    /// The `alertname` label.
    pub name: String,
    /// The `severity` label, when there is one.
    pub severity: Option<String>,
    /// The other labels, `k=v,k=v`.
    pub labels: String,
    /// When the alert became active (unix seconds).
    pub active_at: f64,
    /// The value of the alert expression.
    pub value: f64,
    /// The pod the alert names (its `namespace` and `pod` labels), if any:
    /// Enter on the alert shows that pod in the view that has it.
    pub pod: Option<(String, String)>,
}

/// The query panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPanel {
    /// The PromQL expression.
    pub expr: String,
    /// Start and end of the charted window (unix seconds).
    pub start: f64,
    /// End of the window.
    pub end: f64,
    /// The series, at most a handful.
    pub series: Vec<ChartSeries>,
    /// How many series the query returned in all.
    pub total_series: usize,
    /// Why the query failed, when it did.
    pub error: Option<String>,
}

impl QueryPanel {
    /// The current value: the last sample of the first series.
    pub fn current(&self) -> Option<f64> {
        self.series.first()?.points.last().map(|&(_, v)| v)
    }
}

/// One line of a chart: a name and `(unix seconds, value)` points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartSeries {
    /// The series' PromQL name, `up{job="x"}`.
    pub name: String,
    /// Finite points only: NaN and infinities cannot be drawn.
    pub points: Vec<(f64, f64)>,
}

/// The last range query, re-run by every refresh over a window ending now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RangeRequest {
    pub(crate) expr: String,
    pub(crate) span: f64,
    pub(crate) step: f64,
}

/// The model shared between the view, the refresh task and the commands.
#[derive(Debug, Default)]
pub(crate) struct ViewState {
    model: Mutex<PromModel>,
    last_range: Mutex<Option<RangeRequest>>,
    /// Wakes the refresh task early (the view's `r` key).
    pub(crate) wake: Notify,
    /// Asks the host for a frame after each refresh.
    redraw: std::sync::OnceLock<vcli_plugin_api::Redraw>,
}

/// A poisoned lock only means a panic elsewhere mid-update; the data is
/// still plain values, so keep going rather than take the UI down.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ViewState {
    /// Connects the model to the host's redraw handle (once; at start).
    pub(crate) fn attach(&self, redraw: vcli_plugin_api::Redraw) {
        let _ = self.redraw.set(redraw);
    }

    /// Runs `f` on the current model under the lock (keep it short).
    pub(crate) fn with_model<R>(&self, f: impl FnOnce(&PromModel) -> R) -> R {
        f(&lock(&self.model))
    }

    /// Replaces the model (tests build one by hand).
    #[cfg(test)]
    pub(crate) fn replace(&self, model: PromModel) {
        *lock(&self.model) = model;
    }

    pub(crate) fn set_url(&self, url: &str) {
        lock(&self.model).url = url.to_owned();
    }

    /// Called by `prom range`: the panel shows this query from now on.
    pub(crate) fn remember_range(
        &self,
        expr: &str,
        window: Window,
        series: Vec<ChartSeries>,
        total: usize,
    ) {
        *lock(&self.last_range) = Some(RangeRequest {
            expr: expr.to_owned(),
            span: window.end - window.start,
            step: window.step,
        });
        lock(&self.model).query = Some(QueryPanel {
            expr: expr.to_owned(),
            start: window.start,
            end: window.end,
            series,
            total_series: total,
            error: None,
        });
    }

    fn range_request(&self) -> RangeRequest {
        lock(&self.last_range)
            .clone()
            .unwrap_or_else(|| RangeRequest {
                expr: DEFAULT_EXPR.to_owned(),
                span: DEFAULT_SPAN,
                step: DEFAULT_STEP,
            })
    }
}

/// Refreshes now, then every `every`, until `cancel` fires.
pub(crate) async fn refresh_loop(
    api: Api,
    state: Arc<ViewState>,
    every: Duration,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = refresh_once(&api, &state) => {}
        }
        // The view draws on change: one frame per refresh.
        if let Some(redraw) = state.redraw.get() {
            redraw.request();
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
            () = state.wake.notified() => {}
        }
    }
}

/// One refresh: targets, alerts and the panel's query, fetched concurrently.
/// A part that fails keeps its previous data and reports the error.
pub(crate) async fn refresh_once(api: &Api, state: &ViewState) {
    let request = state.range_request();
    let at = now();
    let window = Window {
        start: at - request.span,
        end: at,
        step: request.step,
    };
    let (targets, alerts, series) = futures::join!(
        targets::fetch(api, TargetState::Active),
        rules::fetch_alerts(api),
        query::fetch_range(api, &request.expr, window),
    );
    let mut model = lock(&state.model);
    let mut errors: Vec<PromError> = Vec::new();
    match targets {
        Ok(targets) => model.jobs = summarize(targets.active()),
        Err(e) => errors.push(e),
    }
    match alerts {
        Ok(alerts) => model.alerts = firing(&alerts),
        Err(e) => errors.push(e),
    }
    let (chart, total, query_error) = match series {
        Ok(data) => {
            let all = crate::results::chart_series(&data);
            let total = all.len();
            (
                all.into_iter().take(MAX_CHART_SERIES).collect(),
                total,
                None,
            )
        }
        Err(e) => {
            let previous = model.query.as_ref().filter(|q| q.expr == request.expr);
            let kept = previous
                .map(|q| (q.series.clone(), q.total_series))
                .unwrap_or_default();
            (kept.0, kept.1, Some(e.to_string()))
        }
    };
    model.query = Some(QueryPanel {
        expr: request.expr,
        start: window.start,
        end: window.end,
        series: chart,
        total_series: total,
        error: query_error,
    });
    // A server-side failure of targets or alerts is the panel's headline.
    // Nothing listening is what a new user meets first: say what to do.
    model.error = errors.first().map(|e| match e {
        PromError::Unreachable { .. } => format!(
            "{e}; start a Prometheus there (Debian/Ubuntu: apt-get install prometheus) or set [plugins.prometheus.config] url"
        ),
        _ => e.to_string(),
    });
    if errors.is_empty() {
        model.updated_at = Some(at);
    }
}

/// Counts active targets per job, jobs sorted by name.
pub(crate) fn summarize(
    active: &[prometheus_http_query::response::ActiveTarget],
) -> Vec<JobSummary> {
    let mut jobs: BTreeMap<String, JobSummary> = BTreeMap::new();
    for target in active {
        let job = targets::job_of(target);
        let entry = jobs.entry(job.clone()).or_insert_with(|| JobSummary {
            job,
            ..JobSummary::default()
        });
        let health = target.health();
        if health.is_up() {
            entry.up += 1;
        } else if health.is_down() {
            entry.down += 1;
        } else {
            entry.unknown += 1;
        }
    }
    jobs.into_values().collect()
}

/// The firing alerts, oldest first.
pub(crate) fn firing(alerts: &[prometheus_http_query::response::Alert]) -> Vec<FiringAlert> {
    let mut firing: Vec<FiringAlert> = alerts
        .iter()
        .filter(|a| a.state().is_firing())
        .map(|a| {
            let labels = crate::format::sorted(a.labels());
            FiringAlert {
                name: labels.get("alertname").cloned().unwrap_or_default(),
                severity: labels.get("severity").cloned(),
                labels: crate::format::label_list(&labels, &["alertname", "severity"]),
                active_at: rules::unix(a.active_at()),
                value: a.value(),
                pod: labels
                    .get("namespace")
                    .zip(labels.get("pod"))
                    .map(|(ns, pod)| (ns.clone(), pod.clone())),
            }
        })
        .collect();
    firing.sort_by(|a, b| {
        a.active_at
            .total_cmp(&b.active_at)
            .then_with(|| a.name.cmp(&b.name))
    });
    firing
}
