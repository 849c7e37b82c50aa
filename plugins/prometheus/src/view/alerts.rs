//! The alerts screen: firing then pending alerts with their labels, the
//! time since they became active and their value; Enter on a selected
//! alert that names a pod shows that pod (see `keys.rs`).

use ratatui_widgets::paragraph::Paragraph;
use ratatui_widgets::table::{Row, Table};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::{Constraint, Rect};
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style, Stylize};
use vcli_plugin_api::ratatui_core::text::Span;
use vcli_plugin_api::ratatui_core::widgets::Widget;

use crate::format::{compact, short_duration};
use crate::model::{AlertState, PromModel};

pub(super) fn render(model: &PromModel, selected: Option<usize>, area: Rect, buf: &mut Buffer) {
    if model.alerts.is_empty() {
        Paragraph::new(Span::styled(
            " nothing is firing or pending",
            Style::default().fg(Color::Green),
        ))
        .render(area, buf);
        return;
    }
    let now = model.updated_at.unwrap_or_default();
    // Keep the selection on screen: the header takes one line.
    let visible = usize::from(area.height.saturating_sub(1)).max(1);
    let offset = selected.map_or(0, |i| (i + 1).saturating_sub(visible));
    let rows = model.alerts.iter().enumerate().skip(offset).map(|(i, a)| {
        let (state, tint) = match a.state {
            AlertState::Firing => ("firing", Color::Red),
            AlertState::Pending => ("pending", Color::Yellow),
        };
        let row = Row::new(vec![
            Span::styled(state, Style::default().fg(tint)),
            Span::styled(a.name.clone(), Style::default().fg(tint)),
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
        Constraint::Length(7),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Fill(5),
    ];
    Table::new(rows, widths)
        .header(Row::new(["STATE", "NAME", "SEVERITY", "AGE", "VALUE", "LABELS"]).bold())
        .render(area, buf);
}
