//! The pod lens: beside another plugin's view of a pod, its CPU, memory and
//! restarts from Prometheus as sparklines with current values, and the
//! alerts whose `namespace` and `pod` labels name it. The Kubernetes plugin
//! never calls this plugin: the host routes the selection (`Plugin::lens`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style};
use vcli_plugin_api::{CancellationToken, Redraw, ResourceRef, View};

use crate::client::Api;
use crate::query;
use crate::rules;
use crate::time::{Window, now};

/// How far back the sparklines reach, and their step.
const SPAN: f64 = 30.0 * 60.0;
const STEP: f64 = 60.0;

/// One metric of the lens.
#[derive(Debug, Clone, Copy)]
struct Metric {
    label: &'static str,
    unit: Unit,
    /// The PromQL, with `{selector}` for `namespace="..",pod=".."`.
    template: &'static str,
}

#[derive(Debug, Clone, Copy)]
enum Unit {
    Cores,
    Bytes,
    Count,
}

/// cAdvisor's and kube-state-metrics' names, as most clusters export them.
const METRICS: [Metric; 3] = [
    Metric {
        label: "cpu",
        unit: Unit::Cores,
        template: "sum(rate(container_cpu_usage_seconds_total{{selector},container!=\"\"}[5m]))",
    },
    Metric {
        label: "memory",
        unit: Unit::Bytes,
        template: "sum(container_memory_working_set_bytes{{selector},container!=\"\"})",
    },
    Metric {
        label: "restarts",
        unit: Unit::Count,
        template: "sum(kube_pod_container_status_restarts_total{{selector}})",
    },
];

/// What the lens shows; filled by its refresh task.
#[derive(Debug, Default)]
struct LensModel {
    /// Per metric: the points of the last window, or `None` before the
    /// first answer.
    series: Vec<Option<Vec<f64>>>,
    /// `ALERTNAME (state)` for alerts naming the pod.
    alerts: Vec<String>,
    error: Option<String>,
}

/// The lens on one pod.
pub(crate) struct PodLens {
    pod: ResourceRef,
    model: Arc<Mutex<LensModel>>,
    /// Ends the refresh task when the host drops the lens.
    _stop: StopOnDrop,
}

/// Cancels its token when dropped.
struct StopOnDrop(CancellationToken);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl PodLens {
    /// A lens on `pod` and the task that keeps it current, or `None` when
    /// the task cannot be spawned (the plugin is stopping).
    pub(crate) fn start(
        pod: ResourceRef,
        api: Api,
        every: Duration,
        redraw: Redraw,
        spawn: impl FnOnce(futures::future::BoxFuture<'static, ()>) -> bool,
        cancel: &CancellationToken,
    ) -> Option<PodLens> {
        let model = Arc::new(Mutex::new(LensModel::default()));
        let stop = cancel.child_token();
        let task = refresh(
            pod.clone(),
            api,
            every,
            Arc::clone(&model),
            redraw,
            stop.clone(),
        );
        spawn(Box::pin(task)).then(|| PodLens {
            pod,
            model,
            _stop: StopOnDrop(stop),
        })
    }
}

fn selector(pod: &ResourceRef) -> String {
    format!(
        "namespace=\"{}\",pod=\"{}\"",
        pod.namespace.as_deref().unwrap_or("default"),
        pod.name
    )
}

async fn refresh(
    pod: ResourceRef,
    api: Api,
    every: Duration,
    model: Arc<Mutex<LensModel>>,
    redraw: Redraw,
    stop: CancellationToken,
) {
    let selector = selector(&pod);
    loop {
        let end = now();
        let window = Window {
            start: end - SPAN,
            end,
            step: STEP,
        };
        let queries = METRICS.map(|m| m.template.replace("{selector}", &selector));
        let fetched = tokio::select! {
            () = stop.cancelled() => return,
            r = futures::future::join(
                futures::future::join_all(queries.iter().map(|q| query::fetch_range(&api, q, window))),
                rules::fetch_alerts(&api),
            ) => r,
        };
        let (series, alerts) = fetched;
        {
            let mut m = model.lock().unwrap_or_else(PoisonError::into_inner);
            m.error = None;
            m.series = series
                .into_iter()
                .map(|r| match r {
                    Ok(data) => Some(
                        crate::results::chart_series(&data)
                            .first()
                            .map(|s| s.points.iter().map(|(_, v)| *v).collect())
                            .unwrap_or_default(),
                    ),
                    Err(e) => {
                        m.error.get_or_insert_with(|| e.to_string());
                        None
                    }
                })
                .collect();
            match alerts {
                Ok(alerts) => {
                    m.alerts = alerts
                        .iter()
                        .filter(|a| {
                            let labels = a.labels();
                            labels.get("pod").is_some_and(|p| *p == pod.name)
                                && labels.get("namespace").map(String::as_str)
                                    == pod.namespace.as_deref()
                        })
                        .map(|a| {
                            let name = a.labels().get("alertname").cloned().unwrap_or_default();
                            format!("{name} ({})", a.state())
                        })
                        .collect();
                }
                Err(e) => {
                    m.error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        redraw.request();
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

impl View for PodLens {
    fn title(&self) -> String {
        format!("Prometheus · {}", self.pod)
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let model = self.model.lock().unwrap_or_else(PoisonError::into_inner);
        draw(&model, area, buf);
    }
}

fn draw(model: &LensModel, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width);
    let mut row = area.y;
    let mut line = |text: &str, style: Style| {
        if row < area.y + area.height {
            buf.set_stringn(area.x, row, text, width, style);
            row += 1;
        }
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let spark_width = width.saturating_sub(26).clamp(1, 30);
    for (i, metric) in METRICS.iter().enumerate() {
        let text = match model.series.get(i) {
            None => format!("{:<9}…", metric.label),
            Some(None) => format!("{:<9}(query failed)", metric.label),
            Some(Some(points)) if points.is_empty() => {
                format!("{:<9}no series (is this metric scraped?)", metric.label)
            }
            Some(Some(points)) => format!(
                "{:<9}{:<w$} {}",
                metric.label,
                sparkline(points, spark_width),
                value(*points.last().unwrap_or(&0.0), metric.unit),
                w = spark_width
            ),
        };
        line(&text, Style::default());
    }
    match model.alerts.as_slice() {
        [] => line(
            "alerts   none name this pod",
            Style::default().fg(Color::Green),
        ),
        alerts => {
            line("alerts", bold);
            for alert in alerts {
                line(&format!("  {alert}"), Style::default().fg(Color::Red));
            }
        }
    }
    if let Some(error) = &model.error {
        line(&format!("! {error}"), Style::default().fg(Color::Yellow));
    }
}

/// The last `width` points as block characters, scaled to their range.
fn sparkline(points: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &points[points.len().saturating_sub(width)..];
    let (lo, hi) = tail
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    tail.iter()
        .map(|v| {
            let level = if hi > lo {
                (v - lo) / (hi - lo) * 7.0
            } else {
                0.0
            };
            BARS[(level.round() as usize).min(7)]
        })
        .collect()
}

fn value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Cores => format!("{v:.3} cores"),
        Unit::Bytes => format!("{:.1} MiB", v / 1024.0 / 1024.0),
        Unit::Count => format!("{v:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(model: &LensModel) -> String {
        let area = Rect::new(0, 0, 60, 6);
        let mut buf = Buffer::empty(area);
        draw(model, area, &mut buf);
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn shows_metrics_alerts_and_what_is_missing() {
        let model = LensModel {
            series: vec![Some(vec![0.1, 0.2, 0.4]), Some(Vec::new()), None],
            alerts: vec!["PodCrashLooping (firing)".into()],
            error: Some("cannot reach Prometheus at http://x: connection refused".into()),
        };
        insta::assert_snapshot!(text(&model), @r"
        cpu      ▁▃█                            0.400 cores
        memory   no series (is this metric scraped?)
        restarts (query failed)
        alerts
          PodCrashLooping (firing)
        ! cannot reach Prometheus at http://x: connection refused
        ");
    }

    #[test]
    fn the_selector_names_namespace_and_pod() {
        let pod = ResourceRef::new("Pod", "web-0").in_namespace("shop");
        assert_eq!(selector(&pod), r#"namespace="shop",pod="web-0""#);
    }
}
