//! The TUI view: four screens (targets by job, alerts, rules, the query
//! editor with its chart) switched by keys, drawn by a pure function of a
//! [`PromModel`] and the view's [`Ui`] state so it can be snapshot-tested.

mod alerts;
mod keys;
mod query;
mod rules;
mod targets;
mod ui;

use std::sync::Arc;

use ratatui_widgets::paragraph::{Paragraph, Wrap};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::{Constraint, Layout, Rect};
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style};
use vcli_plugin_api::ratatui_core::text::{Line, Span};
use vcli_plugin_api::ratatui_core::widgets::Widget;
use vcli_plugin_api::{Intent, Key, KeyHint, KeyOutcome, View};

use crate::model::ViewState;
pub use crate::model::{
    AlertInfo, AlertState, ChartSeries, Health, JobTargets, PromModel, QueryPanel, RuleGroupInfo,
    RuleInfo, TargetInfo,
};
use crate::time::clock;
pub(crate) use targets::wrap as wrap_text;
pub use ui::{Editor, STEPS, Screen, Ui, WINDOWS, span_label};

/// Draws `model` as `ui` says into `area` of `buf`. Reads nothing but its
/// arguments (no clock, no locks), so the same inputs always draw the same
/// cells.
pub fn render(model: &PromModel, ui: &Ui, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    // A long error (what to do when nothing answers) wraps onto up to
    // three lines rather than being cut at the screen's edge.
    let header_height = match &model.error {
        Some(error) => 1 + wrapped_height(error.chars().count() + 3, area.width, 3),
        None => 1,
    };
    let [header, tabs, body] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    render_header(model, header, buf);
    render_tabs(model, ui.screen, tabs, buf);
    match ui.screen {
        Screen::Targets => targets::render(model, ui.targets_scroll, body, buf),
        Screen::Alerts => alerts::render(model, ui.selected_alert, body, buf),
        Screen::Rules => rules::render(model, ui.rules_scroll, body, buf),
        Screen::Query => query::render(model, ui, body, buf),
    }
}

/// Lines `chars` characters take at `width` columns, at most `max`.
pub(crate) fn wrapped_height(chars: usize, width: u16, max: u16) -> u16 {
    let lines = chars.div_ceil(usize::from(width.max(1)));
    u16::try_from(lines).unwrap_or(max).clamp(1, max)
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
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// The tab line: each screen with its key and a count, the shown one reversed.
fn render_tabs(model: &PromModel, shown: Screen, area: Rect, buf: &mut Buffer) {
    let firing = model
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .count();
    let up: usize = model.jobs.iter().map(JobTargets::up).sum();
    let all: usize = model.jobs.iter().map(|j| j.targets.len()).sum();
    let broken = model
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| r.health == Health::Down)
        .count();
    let mut spans = vec![Span::raw(" ")];
    for screen in Screen::ALL {
        let count = match screen {
            Screen::Targets => format!(" {up}/{all} up"),
            Screen::Alerts if firing > 0 => format!(" {firing} firing"),
            Screen::Alerts => format!(" {}", model.alerts.len()),
            Screen::Rules if broken > 0 => format!(" {broken} failing"),
            Screen::Rules => String::new(),
            Screen::Query => String::new(),
        };
        let style = if screen == shown {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
        };
        spans.push(Span::styled(
            format!(" {} {}{count} ", screen.key(), screen.name()),
            style,
        ));
        spans.push(Span::raw("│"));
    }
    spans.pop();
    Line::from(spans).render(area, buf);
}

/// Draws `lines` from line `scroll` on, and a note when more lie below.
pub(crate) fn render_scrolled(lines: Vec<Line<'_>>, scroll: usize, area: Rect, buf: &mut Buffer) {
    let height = usize::from(area.height);
    let scroll = scroll.min(lines.len().saturating_sub(1));
    let total = lines.len();
    let mut shown: Vec<Line<'_>> = lines.into_iter().skip(scroll).take(height).collect();
    let below = total - scroll - shown.len();
    if below > 0
        && let Some(last) = shown.last_mut()
    {
        *last = Line::from(Span::styled(
            format!(" … {} more lines (j/k, PgUp/PgDn)", below + 1),
            Style::default().fg(Color::DarkGray),
        ));
    }
    Paragraph::new(shown).render(area, buf);
}

/// The view handed to the TUI: the shared model and this view's [`Ui`].
pub(crate) struct PromView {
    state: Arc<ViewState>,
    ui: Ui,
    /// The expression the editor last took from the shared request: a
    /// `prom range` run from the palette replaces it, and the editor follows
    /// unless the operator is typing.
    synced_expr: String,
    intents: Vec<Intent>,
}

impl std::fmt::Debug for PromView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromView")
            .field("ui", &self.ui)
            .finish_non_exhaustive()
    }
}

impl PromView {
    pub(crate) fn new(state: Arc<ViewState>) -> Self {
        let request = state.request();
        let ui = Ui {
            editor: Editor::with_text(&request.expr),
            ..Ui::default()
        };
        PromView {
            state,
            ui,
            synced_expr: request.expr,
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
                .fold((0, 0), |(u, d), j| (u + j.up(), d + j.down()));
            Some(format!("prom {} ({up} up, {down} down)", model.url))
        })
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        keys::hints(&self.ui)
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let expr = self.state.request().expr;
        if expr != self.synced_expr && !self.ui.editor.editing {
            self.ui.editor = Editor::with_text(&expr);
            self.synced_expr = expr;
        }
        let ui = &mut self.ui;
        self.state.with_model(|model| {
            alerts::follow(model, ui);
            render(model, ui, area, buf);
        });
    }

    fn handle_key(&mut self, key: Key) -> KeyOutcome {
        keys::handle(&self.state, &mut self.ui, &mut self.intents, key)
    }

    fn take_intents(&mut self) -> Vec<Intent> {
        std::mem::take(&mut self.intents)
    }
}
