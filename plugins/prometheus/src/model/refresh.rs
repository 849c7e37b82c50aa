//! The model shared by the view, the refresh task and the commands, and the
//! refresh itself: every screen's data fetched together, on the configured
//! interval or at once when the view asks (a new query, `r`).

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use prometheus_http_query::TargetState;
use tokio::sync::Notify;
use vcli_plugin_api::{CancellationToken, Redraw};

use super::convert::{alerts, groups, jobs};
use super::{ChartSeries, MAX_CHART_SERIES, PromModel, QueryPanel};
use crate::client::Api;
use crate::error::PromError;
use crate::time::{Window, now};
use crate::{query, rules, targets};

/// The editor's query until the operator types one: how many targets are up.
pub(crate) const DEFAULT_EXPR: &str = "sum(up)";

/// The range query the refresh runs, over a window ending now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RangeRequest {
    pub(crate) expr: String,
    /// Seconds back from now.
    pub(crate) span: f64,
    /// Seconds between points.
    pub(crate) step: f64,
}

impl Default for RangeRequest {
    fn default() -> Self {
        RangeRequest {
            expr: DEFAULT_EXPR.to_owned(),
            span: 15.0 * 60.0,
            step: 15.0,
        }
    }
}

/// The model shared between the view, the refresh task and the commands.
#[derive(Debug, Default)]
pub(crate) struct ViewState {
    model: Mutex<PromModel>,
    request: Mutex<RangeRequest>,
    /// Wakes the refresh task early (a new query, the view's `r` key).
    wake: Notify,
    /// Asks the host for a frame when the model changed.
    redraw: OnceLock<Redraw>,
}

/// A poisoned lock only means a panic elsewhere mid-update; the data is
/// still plain values, so keep going rather than take the UI down.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ViewState {
    /// Connects the model to the host's redraw handle (once; at start).
    pub(crate) fn attach(&self, redraw: Redraw) {
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

    /// The query the chart follows.
    pub(crate) fn request(&self) -> RangeRequest {
        lock(&self.request).clone()
    }

    /// Charts `request` from now on, starting with a refresh right away.
    pub(crate) fn run(&self, request: RangeRequest) {
        *lock(&self.request) = request;
        self.refresh_now();
    }

    /// Wakes the refresh task for an immediate refresh.
    pub(crate) fn refresh_now(&self) {
        self.wake.notify_one();
    }

    /// Called by `prom range`: the editor shows this query from now on.
    pub(crate) fn remember_range(
        &self,
        expr: &str,
        window: Window,
        series: Vec<ChartSeries>,
        total: usize,
    ) {
        *lock(&self.request) = RangeRequest {
            expr: expr.to_owned(),
            span: window.end - window.start,
            step: window.step,
        };
        lock(&self.model).query = Some(QueryPanel {
            expr: expr.to_owned(),
            start: window.start,
            end: window.end,
            step: window.step,
            series,
            total_series: total,
            error: None,
        });
    }
}

/// Refreshes now, then every `every` (or when woken), until `cancel` fires.
pub(crate) async fn refresh_loop(
    api: Api,
    state: Arc<ViewState>,
    every: Duration,
    cancel: CancellationToken,
) {
    loop {
        let changed = tokio::select! {
            () = cancel.cancelled() => return,
            changed = refresh_once(&api, &state) => changed,
        };
        // The view draws on change only.
        if changed && let Some(redraw) = state.redraw.get() {
            redraw.request();
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
            () = state.wake.notified() => {}
        }
    }
}

/// One refresh: targets, alerts, rules and the editor's query, fetched
/// concurrently. A part that fails keeps its previous data and reports the
/// error. Returns whether the model changed.
pub(crate) async fn refresh_once(api: &Api, state: &ViewState) -> bool {
    let request = state.request();
    let at = now();
    let window = Window {
        start: at - request.span,
        end: at,
        step: request.step,
    };
    let (targets, active, rule_groups, series) = futures::join!(
        targets::fetch(api, TargetState::Active),
        rules::fetch_alerts(api),
        rules::fetch_groups(api),
        query::fetch_range(api, &request.expr, window),
    );
    let mut model = lock(&state.model);
    let before = model.clone();
    let mut errors: Vec<PromError> = Vec::new();
    match targets {
        Ok(targets) => model.jobs = jobs(targets.active()),
        Err(e) => errors.push(e),
    }
    match active {
        Ok(active) => model.alerts = alerts(&active),
        Err(e) => errors.push(e),
    }
    match rule_groups {
        Ok(rule_groups) => model.groups = groups(&rule_groups),
        Err(e) => errors.push(e),
    }
    model.query = Some(match series {
        Ok(data) => {
            let all = crate::results::chart_series(&data);
            QueryPanel {
                expr: request.expr,
                start: window.start,
                end: window.end,
                step: window.step,
                total_series: all.len(),
                series: all.into_iter().take(MAX_CHART_SERIES).collect(),
                error: None,
            }
        }
        // A bad expression keeps the last good chart under its own title,
        // with the server's words about the new one below the editor.
        Err(e) => QueryPanel {
            error: Some(e.to_string()),
            ..model.query.clone().unwrap_or_default()
        },
    });
    // A server-side failure of targets, alerts or rules is the headline.
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
    *model != before
}
