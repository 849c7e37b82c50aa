//! The lens's model and its drawing: a pure function of [`LensModel`], so
//! snapshots of it are deterministic.

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style};

use crate::format::compact;
use crate::model::AlertState;

/// What the lens shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LensModel {
    /// What the numbers are about: `pod shop/web-0`, or a Deployment's pods.
    pub subject: String,
    /// CPU, memory and restarts, in that order.
    pub metrics: Vec<LensMetric>,
    /// Alerts whose `namespace` and `pod` labels name the subject, firing first.
    pub alerts: Vec<LensAlert>,
    /// Whether the alerts were fetched at all (else "none" would be a lie).
    pub alerts_known: bool,
    /// What went wrong, in words, when something did.
    pub error: Option<String>,
}

/// One metric of the lens.
#[derive(Debug, Clone, PartialEq)]
pub struct LensMetric {
    /// `cpu`, `memory` or `restarts`.
    pub label: String,
    /// How its values read.
    pub unit: Unit,
    /// Its points, or why there are none.
    pub data: MetricData,
}

/// How a metric's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// CPU cores.
    Cores,
    /// Bytes, shown in MiB.
    Bytes,
    /// A plain count.
    Count,
}

/// A metric's data.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum MetricData {
    /// Not fetched yet.
    #[default]
    Waiting,
    /// The query failed (the reason is the lens's error).
    Failed,
    /// Prometheus answered, with no series for the subject.
    NoSeries,
    /// The values of the last window, oldest first.
    Points(Vec<f64>),
}

/// An alert naming the subject.
#[derive(Debug, Clone, PartialEq)]
pub struct LensAlert {
    /// The `alertname` label.
    pub name: String,
    /// Firing or pending.
    pub state: AlertState,
    /// The pod it names (for a Deployment, which of its pods).
    pub pod: String,
    /// The alert expression's value.
    pub value: f64,
}

/// Draws `model` into `area` of `buf`.
pub fn render_lens(model: &LensModel, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    let width = usize::from(area.width);
    let mut row = area.y;
    let mut line = |text: &str, style: Style| {
        if row < area.bottom() {
            buf.set_stringn(area.x, row, text, width, style);
            row += 1;
        }
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    line(&model.subject, bold);
    // Label, sparkline, value: the sparkline takes what the others leave.
    let spark_width = width.saturating_sub(9 + 16).clamp(1, 120);
    for metric in &model.metrics {
        let (text, style) = match &metric.data {
            MetricData::Waiting => (format!("{:<9}…", metric.label), Style::default()),
            MetricData::Failed => (
                format!("{:<9}unknown (the query failed)", metric.label),
                Style::default().fg(Color::Yellow),
            ),
            MetricData::NoSeries => (
                format!("{:<9}no series (is this metric scraped?)", metric.label),
                Style::default().fg(Color::DarkGray),
            ),
            MetricData::Points(points) => (
                format!(
                    "{:<9}{:<spark_width$} {}",
                    metric.label,
                    sparkline(points, spark_width),
                    points
                        .last()
                        .map_or_else(|| "-".to_owned(), |v| value(*v, metric.unit)),
                ),
                Style::default(),
            ),
        };
        line(&text, style);
    }
    if !model.alerts_known {
        line("alerts   unknown", Style::default().fg(Color::Yellow));
    } else if model.alerts.is_empty() {
        line(
            "alerts   none name this pod",
            Style::default().fg(Color::Green),
        );
    } else {
        line("alerts", bold);
        for alert in &model.alerts {
            let (state, tint) = match alert.state {
                AlertState::Firing => ("firing", Color::Red),
                AlertState::Pending => ("pending", Color::Yellow),
            };
            line(
                &format!(
                    "  {state:<8}{}  {}  value {}",
                    alert.name,
                    alert.pod,
                    compact(alert.value)
                ),
                Style::default().fg(tint),
            );
        }
    }
    if let Some(error) = &model.error {
        // Wrapped, so the whole reason is readable in a narrow panel.
        let pieces = crate::view::wrap_text(&format!("! {error}"), width);
        for piece in pieces {
            line(&piece, Style::default().fg(Color::Yellow));
        }
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
