//! The rules screen: each group with its file and evaluation time, and
//! under it each rule's health, state, evaluation time and last error.

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style};
use vcli_plugin_api::ratatui_core::text::{Line, Span};

use super::render_scrolled;
use super::targets::{cut, wrap};
use crate::format::latency;
use crate::model::{Health, PromModel};

pub(super) fn render(model: &PromModel, scroll: usize, area: Rect, buf: &mut Buffer) {
    if model.groups.is_empty() {
        render_scrolled(vec![Line::raw(" no rule groups")], 0, area, buf);
        return;
    }
    let name_width = model
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 40);
    // health, kind or state, name, evaluation time, then the error.
    let fixed = 3 + 8 + 10 + name_width + 1 + 9;
    let error_width = usize::from(area.width).saturating_sub(fixed).max(12);
    let mut lines = vec![Line::styled(
        format!(
            "   {:<8}{:<10}{:<name_width$} {:>8} LAST ERROR",
            "HEALTH", "STATE", "RULE", "EVAL"
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    for group in &model.groups {
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} ", group.name),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(
                    "{}  evaluated in {}",
                    group.file,
                    latency(group.evaluation_time)
                ),
                Style::default().fg(Color::DarkGray),
            ),
        ]));
        for rule in &group.rules {
            let (health, tint) = match rule.health {
                Health::Up => ("ok", Color::Green),
                Health::Down => ("err", Color::Red),
                Health::Unknown => ("unknown", Color::Yellow),
            };
            let (state, state_tint) = match rule.state.as_deref() {
                None => ("recording", Color::Reset),
                Some("firing") => ("firing", Color::Red),
                Some("pending") => ("pending", Color::Yellow),
                Some(other) => (other, Color::Reset),
            };
            let mut pieces = wrap(&rule.last_error, error_width).into_iter();
            lines.push(Line::from(vec![
                Span::styled(format!("   {health:<8}"), Style::default().fg(tint)),
                Span::styled(format!("{state:<10}"), Style::default().fg(state_tint)),
                Span::raw(format!(
                    "{:<name_width$} {:>8} ",
                    cut(&rule.name, name_width),
                    latency(rule.evaluation_time)
                )),
                Span::styled(
                    pieces.next().unwrap_or_default(),
                    Style::default().fg(Color::Red),
                ),
            ]));
            for piece in pieces {
                lines.push(Line::styled(
                    format!("{:fixed$}{piece}", ""),
                    Style::default().fg(Color::Red),
                ));
            }
        }
    }
    render_scrolled(lines, scroll, area, buf);
}
