//! The Plugins tab: every linked plugin, live, and the selected one's details.

use std::time::SystemTime;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget, Wrap};
use vcli_plugin_api::print;
use vcli_plugin_api::{HealthState, LifecycleState};

use super::super::model::{PluginRow, PluginsPanel};
use super::super::theme::Theme;

/// Draws the table, and the detail pane of the selected plugin when open.
pub fn draw(panel: &PluginsPanel, theme: &Theme, now: SystemTime, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let rows = panel.visible();
    let (table_area, detail_area) = if panel.detail && area.height >= 8 {
        let top = (u16::try_from(rows.len()).unwrap_or(u16::MAX) + 2).min(area.height / 2);
        (
            Rect::new(area.x, area.y, area.width, top),
            Some(Rect::new(
                area.x,
                area.y + top,
                area.width,
                area.height - top,
            )),
        )
    } else {
        (area, None)
    };
    let name_width = rows
        .iter()
        .map(|r| r.info.name.len() + 1)
        .max()
        .unwrap_or(5)
        .max(5);
    let keep = columns_that_fit(name_width, area.width);
    let heading = Row::new(keep.iter().map(|&c| Cell::from(COLUMNS[c].0))).style(theme.heading);
    let body = rows.iter().enumerate().map(|(i, row)| {
        let selected = i == panel.selected;
        let marker = if selected { "›" } else { " " };
        let cells: [Cell<'_>; 11] = [
            Cell::from(format!("{marker}{}", row.info.name)),
            Cell::from(state_text(row)).style(state_style(row, theme)),
            Cell::from(row.info.health.state.to_string())
                .style(health_style(row.info.health.state, theme)),
            Cell::from(row.info.uptime.map_or_else(|| "-".to_owned(), print::age)),
            Cell::from(row.info.restarts.to_string()),
            Cell::from(format!("{:.1}%", row.info.resources.cpu_share * 100.0)),
            Cell::from(
                row.info
                    .resources
                    .memory_bytes
                    .map_or_else(|| "-".to_owned(), |b| bytes(u64::try_from(b).unwrap_or(0))),
            ),
            Cell::from(row.info.resources.live_tasks.to_string()),
            Cell::from(bytes(
                row.info.resources.bytes_received + row.info.resources.bytes_sent,
            )),
            Cell::from(format!("{}/s", bytes(row.net_rate.max(0.0) as u64))),
            Cell::from(violations_text(row, now)),
        ];
        let mut cells = cells.map(Some);
        let r = Row::new(keep.iter().filter_map(|&c| cells[c].take()));
        if selected { r.style(theme.selected) } else { r }
    });
    let widths: Vec<Constraint> = keep
        .iter()
        .map(|&c| match c {
            0 => Constraint::Length(u16::try_from(name_width + 1).unwrap_or(u16::MAX)),
            10 => Constraint::Min(COLUMNS[c].1),
            _ => Constraint::Length(COLUMNS[c].1),
        })
        .collect();
    Table::new(body, widths)
        .header(heading)
        .column_spacing(1)
        .render(table_area, buf);
    if rows.is_empty() && table_area.height > 1 {
        let text = if panel.filter.is_empty() {
            "no plugins are linked into this binary"
        } else {
            "no plugin matches the filter"
        };
        buf.set_stringn(
            table_area.x,
            table_area.y + 1,
            text,
            usize::from(table_area.width),
            theme.muted,
        );
    }
    if let (Some(detail), Some(row)) = (detail_area, rows.get(panel.selected)) {
        draw_detail(row, theme, now, detail, buf);
    }
}

/// Heading, width and priority (lower is kept longer) of each column.
const COLUMNS: [(&str, u16, u8); 11] = [
    ("NAME", 0, 0),
    ("STATE", 11, 0),
    ("HEALTH", 9, 1),
    ("UPTIME", 7, 4),
    ("RESTARTS", 8, 5),
    ("CPU", 6, 2),
    ("MEMORY", 10, 2),
    ("TASKS", 5, 6),
    ("NET", 10, 7),
    ("RATE", 11, 3),
    ("VIOLATIONS", 10, 3),
];

/// The columns shown in `width` cells: the least important go first.
fn columns_that_fit(name_width: usize, width: u16) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..COLUMNS.len()).collect();
    let cost = |keep: &[usize]| -> usize {
        keep.iter()
            .map(|&c| if c == 0 { name_width + 1 } else { usize::from(COLUMNS[c].1) } + 1)
            .sum()
    };
    while cost(&keep) > usize::from(width) {
        let Some((at, _)) = keep
            .iter()
            .enumerate()
            .filter(|(_, c)| COLUMNS[**c].2 > 0)
            .max_by_key(|(_, c)| COLUMNS[**c].2)
        else {
            break;
        };
        keep.remove(at);
    }
    keep
}

fn state_text(row: &PluginRow) -> String {
    if row.info.quarantined {
        "quarantined".to_owned()
    } else if !row.info.enabled {
        "disabled".to_owned()
    } else {
        row.info.state.to_string()
    }
}

fn state_style(row: &PluginRow, theme: &Theme) -> Style {
    match row.info.state {
        _ if row.info.quarantined => theme.bad,
        LifecycleState::Running => theme.good,
        LifecycleState::Failed => theme.bad,
        _ => theme.warn,
    }
}

fn health_style(state: HealthState, theme: &Theme) -> Style {
    match state {
        HealthState::Healthy => theme.good,
        HealthState::Degraded => theme.warn,
        HealthState::Unhealthy => theme.bad,
        _ => theme.muted,
    }
}

fn violations_text(row: &PluginRow, now: SystemTime) -> String {
    match row.violations.last() {
        None => "0".to_owned(),
        Some(last) => {
            let age = now.duration_since(last.at).unwrap_or_default();
            format!("{} (last {} ago)", row.violations.len(), print::age(age))
        }
    }
}

/// `1.5 MiB`, binary units like `vcli plugins list`.
pub fn bytes(n: u64) -> String {
    bytesize::ByteSize(n).display().iec().to_string()
}

fn draw_detail(row: &PluginRow, theme: &Theme, now: SystemTime, area: Rect, buf: &mut Buffer) {
    let info = &row.info;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} {}", info.name, info.version), theme.heading),
            Span::raw(format!(" — {}", info.description)),
        ]),
        Line::from(format!(
            "command: {}   depends on: {}",
            info.command.unwrap_or("-"),
            if info.dependencies.is_empty() {
                "-".to_owned()
            } else {
                info.dependencies
                    .iter()
                    .map(|d| d.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        Line::from(format!(
            "capabilities granted: {}",
            if row.granted.is_empty() {
                "none".to_owned()
            } else {
                row.granted
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        Line::from(format!(
            "limits: {}",
            if row.limits.is_empty() {
                "none".to_owned()
            } else {
                row.limits.join(", ")
            }
        )),
        Line::from(format!(
            "health: {} — {}",
            info.health.state, info.health.message
        )),
    ];
    if let Some(failure) = &info.failure {
        lines.push(Line::from(Span::styled(
            format!("failure: {failure}"),
            theme.bad,
        )));
    }
    lines.push(Line::from(Span::styled("health history", theme.heading)));
    if row.health_history.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no change seen since the TUI started",
            theme.muted,
        )));
    }
    for (at, state, message) in row.health_history.iter().rev().take(5) {
        let age = now.duration_since(*at).unwrap_or_default();
        lines.push(Line::from(format!(
            "  {:>7} ago  {state}  {message}",
            print::age(age)
        )));
    }
    lines.push(Line::from(Span::styled("violations", theme.heading)));
    if row.violations.is_empty() {
        lines.push(Line::from(Span::styled("  none", theme.muted)));
    }
    for v in row.violations.iter().rev().take(5) {
        let age = now.duration_since(v.at).unwrap_or_default();
        lines.push(Line::from(format!(
            "  {:>7} ago  {}",
            print::age(age),
            v.message
        )));
    }
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(theme.border)
                .title(" details (Esc closes) "),
        )
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
