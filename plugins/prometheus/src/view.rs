//! The TUI view: targets per job, firing alerts and the query panel, drawn
//! by a pure function of a [`PromModel`] so it can be snapshot-tested.

use std::fmt;
use std::sync::Arc;

use ratatui_widgets::block::Block;
use ratatui_widgets::paragraph::Paragraph;
use ratatui_widgets::table::{Row, Table};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::{Constraint, Layout, Rect};
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style, Stylize};
use vcli_plugin_api::ratatui_core::text::{Line, Span};
use vcli_plugin_api::ratatui_core::widgets::Widget;
use vcli_plugin_api::{Intent, Key, KeyOutcome, ResourceRef, View};

use crate::format::{compact, short_duration};
use crate::graph::{chart, color_of, legend_symbol};
use crate::model::ViewState;
pub use crate::model::{ChartSeries, FiringAlert, JobSummary, PromModel, QueryPanel};
use crate::time::clock;

/// Most lines the chart legend takes; further series are summarized.
const LEGEND_LINES: usize = 3;

/// Draws `model` into `area` of `buf`. Reads nothing but its arguments (no
/// clock, no locks), so the same model always draws the same cells.
pub fn render(model: &PromModel, area: Rect, buf: &mut Buffer) {
    render_selected(model, None, area, buf);
}

/// Draws the view with firing alert `selected` highlighted.
pub fn render_selected(model: &PromModel, selected: Option<usize>, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    // A long error (what to do when nothing answers) wraps onto up to
    // three lines rather than being cut at the screen's edge.
    let header_height = match &model.error {
        Some(error) => {
            let width = usize::from(area.width.max(1));
            let lines = (error.chars().count() + 3).div_ceil(width);
            1 + u16::try_from(lines.clamp(1, 3)).unwrap_or(3)
        }
        None => 1,
    };
    let table_rows = model.jobs.len().max(model.alerts.len()).clamp(1, 8) as u16;
    let [header, tables, panel] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Length(table_rows + 3),
        Constraint::Min(6),
    ])
    .areas(area);
    render_header(model, header, buf);
    let [targets, alerts] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(tables);
    render_targets(model, targets, buf);
    render_alerts(model, selected, alerts, buf);
    render_query(model, panel, buf);
}

fn render_header(model: &PromModel, area: Rect, buf: &mut Buffer) {
    let updated = match model.updated_at {
        Some(t) => format!("updated {} UTC", clock(t)),
        None if model.error.is_some() => "not refreshed yet".to_owned(),
        None => "waiting for the first refresh".to_owned(),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            " Prometheus ",
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::raw(model.url.clone()),
        Span::styled(
            format!("  {updated}  r: refresh"),
            Style::default().fg(Color::DarkGray),
        ),
    ])];
    if let Some(error) = &model.error {
        lines.push(Line::from(Span::styled(
            format!(" ! {error}"),
            Style::default().fg(Color::Red),
        )));
    }
    Paragraph::new(lines)
        .wrap(ratatui_widgets::paragraph::Wrap { trim: false })
        .render(area, buf);
}

fn render_targets(model: &PromModel, area: Rect, buf: &mut Buffer) {
    let up: usize = model.jobs.iter().map(|j| j.up).sum();
    let all: usize = model.jobs.iter().map(|j| j.up + j.down + j.unknown).sum();
    let block = Block::bordered().title(format!(" Targets {up}/{all} up "));
    if model.jobs.is_empty() {
        Paragraph::new(" no targets").block(block).render(area, buf);
        return;
    }
    let rows = model.jobs.iter().map(|j| {
        let down = if j.down > 0 {
            Style::default().fg(Color::Red)
        } else {
            Style::default()
        };
        Row::new(vec![
            Span::raw(j.job.clone()),
            Span::styled(j.up.to_string(), Style::default().fg(Color::Green)),
            Span::styled(j.down.to_string(), down),
            Span::raw(j.unknown.to_string()),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(7),
    ];
    Table::new(rows, widths)
        .header(Row::new(["JOB", "UP", "DOWN", "UNKNOWN"]).bold())
        .block(block)
        .render(area, buf);
}

fn render_alerts(model: &PromModel, selected: Option<usize>, area: Rect, buf: &mut Buffer) {
    let block = Block::bordered().title(format!(" Firing alerts ({}) ", model.alerts.len()));
    if model.alerts.is_empty() {
        Paragraph::new(Span::styled(
            " nothing is firing",
            Style::default().fg(Color::Green),
        ))
        .block(block)
        .render(area, buf);
        return;
    }
    let now = model.updated_at.unwrap_or_default();
    let rows = model.alerts.iter().enumerate().map(|(i, a)| {
        let row = Row::new(vec![
            Span::styled(a.name.clone(), Style::default().fg(Color::Red)),
            Span::raw(a.severity.clone().unwrap_or_else(|| "-".to_owned())),
            Span::raw(short_duration(now - a.active_at)),
            Span::raw(compact(a.value)),
            Span::raw(a.labels.clone()),
        ]);
        if selected == Some(i) {
            row.style(Style::default().add_modifier(Modifier::REVERSED))
        } else {
            row
        }
    });
    let widths = [
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Fill(3),
    ];
    Table::new(rows, widths)
        .header(Row::new(["NAME", "SEVERITY", "AGE", "VALUE", "LABELS"]).bold())
        .block(block)
        .render(area, buf);
}

fn render_query(model: &PromModel, area: Rect, buf: &mut Buffer) {
    let Some(query) = &model.query else {
        Paragraph::new(" run `prom range EXPR` to chart a query here")
            .block(Block::bordered().title(" Query "))
            .render(area, buf);
        return;
    };
    let current = query.current().map_or_else(|| "-".to_owned(), compact);
    let title = format!(
        " Query: {} · last {} · current {current} ",
        query.expr,
        short_duration(query.end - query.start)
    );
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    if let Some(error) = &query.error {
        Paragraph::new(Span::styled(
            format!(" {error}"),
            Style::default().fg(Color::Red),
        ))
        .render(inner, buf);
        return;
    }
    if query.series.iter().all(|s| s.points.is_empty()) {
        Paragraph::new(" no data in this range").render(inner, buf);
        return;
    }
    let legend_height = query.series.len().min(LEGEND_LINES) as u16;
    let [plot, legend] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(legend_height)]).areas(inner);
    chart(&query.series, query.start, query.end, true).render(plot, buf);
    let mut lines: Vec<Line<'_>> = query
        .series
        .iter()
        .enumerate()
        .take(LEGEND_LINES)
        .map(|(i, s)| {
            Line::from(vec![
                Span::styled(
                    format!(" {} ", legend_symbol(i, true)),
                    Style::default().fg(color_of(i)),
                ),
                Span::raw(s.name.clone()),
            ])
        })
        .collect();
    let hidden = query.total_series.max(query.series.len()) - lines.len();
    if hidden > 0
        && let Some(last) = lines.last_mut()
    {
        last.push_span(Span::styled(
            format!("  (+{hidden} more)"),
            Style::default().fg(Color::DarkGray),
        ));
    }
    Paragraph::new(lines).render(legend, buf);
}

/// The view handed to the TUI: renders the shared model, `r` refreshes now.
pub(crate) struct PromView {
    state: Arc<ViewState>,
    /// The firing alert the keys moved to, if any.
    selected: Option<usize>,
    intents: Vec<Intent>,
}

impl fmt::Debug for PromView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromView").finish_non_exhaustive()
    }
}

impl PromView {
    pub(crate) fn new(state: Arc<ViewState>) -> Self {
        PromView {
            state,
            selected: None,
            intents: Vec::new(),
        }
    }
}

impl View for PromView {
    fn title(&self) -> String {
        "Prometheus".to_owned()
    }

    fn summary(&self) -> Option<String> {
        self.state.with_model(|model| {
            let (up, down) = model
                .jobs
                .iter()
                .fold((0, 0), |(u, d), j| (u + j.up, d + j.down));
            Some(format!("prom {} ({up} up, {down} down)", model.url))
        })
    }

    fn key_hints(&self) -> Vec<vcli_plugin_api::KeyHint> {
        vec![
            vcli_plugin_api::KeyHint::new("r", "refresh now"),
            vcli_plugin_api::KeyHint::new("j/k ↑↓", "select alert"),
            vcli_plugin_api::KeyHint::new("Enter", "show the alert's pod"),
        ]
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let selected = self.selected;
        self.state
            .with_model(|model| render_selected(model, selected, area, buf));
    }

    fn handle_key(&mut self, key: Key) -> KeyOutcome {
        let count = self.state.with_model(|model| model.alerts.len());
        let last = count.saturating_sub(1);
        match key {
            Key::Char('r') => self.state.wake.notify_one(),
            Key::Char('j') | Key::Down if count > 0 => {
                self.selected = Some(self.selected.map_or(0, |i| (i + 1).min(last)));
            }
            Key::Char('k') | Key::Up if count > 0 => {
                self.selected = Some(self.selected.map_or(0, |i| i.saturating_sub(1)).min(last));
            }
            Key::Esc if self.selected.is_some() => self.selected = None,
            Key::Enter => {
                let pod = self.state.with_model(|model| {
                    self.selected
                        .and_then(|i| model.alerts.get(i))
                        .map(|a| (a.name.clone(), a.pod.clone()))
                });
                match pod {
                    Some((_, Some((namespace, name)))) => self.intents.push(Intent::Reveal(
                        ResourceRef::new("Pod", name).in_namespace(namespace),
                    )),
                    Some((alert, None)) => self.intents.push(Intent::Status(format!(
                        "alert {alert} names no pod (no namespace and pod labels)"
                    ))),
                    None => return KeyOutcome::Ignored,
                }
            }
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Consumed
    }

    fn take_intents(&mut self) -> Vec<Intent> {
        std::mem::take(&mut self.intents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FiringAlert, PromModel};

    fn alert(name: &str, pod: Option<(&str, &str)>) -> FiringAlert {
        FiringAlert {
            name: name.to_owned(),
            pod: pod.map(|(ns, p)| (ns.to_owned(), p.to_owned())),
            ..FiringAlert::default()
        }
    }

    #[test]
    fn enter_on_an_alert_asks_to_show_its_pod() {
        let state = Arc::new(ViewState::default());
        state.replace(PromModel {
            alerts: vec![
                alert("NodeDown", None),
                alert("PodCrashLooping", Some(("shop", "web-0"))),
            ],
            ..PromModel::default()
        });
        let mut view = PromView::new(Arc::clone(&state));
        assert_eq!(
            view.handle_key(Key::Enter),
            KeyOutcome::Ignored,
            "nothing selected"
        );
        view.handle_key(Key::Down);
        view.handle_key(Key::Enter);
        assert_eq!(
            view.take_intents(),
            [Intent::Status(
                "alert NodeDown names no pod (no namespace and pod labels)".into()
            )]
        );
        view.handle_key(Key::Down);
        view.handle_key(Key::Down);
        view.handle_key(Key::Enter);
        assert_eq!(
            view.take_intents(),
            [Intent::Reveal(
                ResourceRef::new("Pod", "web-0").in_namespace("shop")
            )]
        );
    }
}
