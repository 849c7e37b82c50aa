//! Drawing the detail: the title with the tab bar, a status line (the
//! stream's state, positions, toggles), the body of the chosen tab, and the
//! search line. A pure function of the data and the view state.

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier, Style};

use super::log_view::{LogFrame, draw_lines};
use super::{DetailData, DetailTab, Loadable, StreamState};
use crate::describe::{Doc, describe_events};

/// What the user did to the detail: the tab, each text tab's scroll, the log viewer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailViewState {
    /// The tab shown.
    pub tab: DetailTab,
    /// The first line shown of the describe, YAML and events tabs.
    pub scroll: [usize; 3],
    /// The log viewer's state.
    pub log: super::LogViewState,
}

/// Where the frame left the detail: body rows and the log viewer's position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailFrame {
    /// Rows of the body (what a page is).
    pub page: usize,
    /// The log viewer's position.
    pub log: LogFrame,
}

/// Rows above the body: the title with the tabs, and the status line.
const BODY_TOP: u16 = 2;

/// The tabs an object has: logs only for pods.
pub(crate) fn tabs_of(data: &DetailData) -> &'static [DetailTab] {
    if data.target.is_pod() {
        &DetailTab::ALL
    } else {
        &DetailTab::ALL[..3]
    }
}

/// Draws the detail into `area` of `buf`.
pub fn render_detail(
    data: &DetailData,
    state: &DetailViewState,
    area: Rect,
    buf: &mut Buffer,
) -> DetailFrame {
    let area = area.intersection(buf.area);
    if area.width == 0 || area.height == 0 {
        return DetailFrame::default();
    }
    let line = |buf: &mut Buffer, row: u16, x: u16, text: &str, style: Style| {
        if row < area.height && x < area.width {
            buf.set_stringn(
                area.x + x,
                area.y + row,
                text,
                usize::from(area.width - x),
                style,
            );
        }
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let title = format!(" {} │ ", data.target.title());
    line(buf, 0, 0, &title, bold);
    let mut x = u16::try_from(title.chars().count()).unwrap_or(u16::MAX);
    for (i, tab) in tabs_of(data).iter().enumerate() {
        let label = format!(" {} {} ", i + 1, tab.name());
        let style = if *tab == state.tab {
            bold.add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        line(buf, 0, x, &label, style);
        x = x.saturating_add(u16::try_from(label.chars().count()).unwrap_or(u16::MAX) + 1);
    }

    let searching =
        state.tab == DetailTab::Logs && (state.log.editing || !state.log.search.is_empty());
    let bottom = u16::from(searching);
    let body = Rect::new(
        area.x,
        area.y + BODY_TOP.min(area.height),
        area.width,
        area.height.saturating_sub(BODY_TOP + bottom),
    );
    let page = usize::from(body.height);
    let dim = Style::default().fg(Color::DarkGray);
    match state.tab {
        DetailTab::Describe | DetailTab::Yaml => {
            let (text, i) = if state.tab == DetailTab::Describe {
                (&data.describe, 0)
            } else {
                (&data.yaml, 1)
            };
            let (status, style) = match text {
                Loadable::Loading => ("loading…".to_owned(), dim),
                Loadable::Failed(e) => (e.clone(), Style::default().fg(Color::Red)),
                Loadable::Ready(lines) => (position(state.scroll[i], page, lines.len()), dim),
            };
            line(buf, 1, 0, &format!(" {status}"), style);
            if let Loadable::Ready(lines) = text {
                draw_text(lines, state.scroll[i], body, buf);
            }
        }
        DetailTab::Events => {
            let lines = event_lines(data);
            let status = format!(
                " events {} │ {} │ {}",
                data.events.len(),
                data.events_stream.text(data.now),
                position(state.scroll[2], page, lines.len())
            );
            line(buf, 1, 0, &status, stream_style(&data.events_stream));
            draw_text(&lines, state.scroll[2], body, buf);
        }
        DetailTab::Logs => {
            let frame = draw_logs(data, state, body, buf, &line);
            if searching {
                let text = if state.log.editing {
                    format!(" /{}█   Enter finds, Esc clears", state.log.search)
                } else {
                    format!(
                        " search: {}   n next · N previous · Esc clears",
                        state.log.search
                    )
                };
                line(buf, area.height - 1, 0, &text, dim);
            }
            return DetailFrame { page, log: frame };
        }
    }
    DetailFrame {
        page,
        log: LogFrame::default(),
    }
}

fn draw_logs(
    data: &DetailData,
    state: &DetailViewState,
    body: Rect,
    buf: &mut Buffer,
    line: &impl Fn(&mut Buffer, u16, u16, &str, Style),
) -> LogFrame {
    let logs = &data.logs;
    let source = &data.log_source;
    let mut status = format!(" {}", data.log_stream.text(data.now));
    if !source.container.is_empty() {
        let previous = if source.previous { " (previous)" } else { "" };
        status = format!(" container {}{previous} │{status}", source.container);
    }
    status.push_str(&format!(" │ {} lines", logs.len()));
    if logs.dropped() > 0 {
        status.push_str(&format!(" ({} lines dropped)", logs.dropped()));
    }
    let mut modes = vec![if state.log.follow { "follow" } else { "paused" }];
    if state.log.wrap {
        modes.push("wrap");
    }
    if state.log.timestamps {
        modes.push("timestamps");
    }
    status.push_str(&format!(" │ {}", modes.join(" · ")));
    line(buf, 1, 0, &status, stream_style(&data.log_stream));
    if let Some(row) = state.log.picker {
        line(
            buf,
            2,
            0,
            " container (Enter picks, Esc cancels):",
            Style::default(),
        );
        for (i, name) in data.containers.iter().enumerate() {
            let style = if i == row {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
            let current = if *name == source.container {
                " ●"
            } else {
                ""
            };
            let y = 3 + u16::try_from(i).unwrap_or(u16::MAX);
            line(buf, y, 0, &format!("   {name}{current} "), style);
        }
        return LogFrame::default();
    }
    if logs.is_empty() {
        let text = match &data.log_stream {
            StreamState::Ended(_) => " (no lines)",
            _ => " (no lines yet)",
        };
        line(buf, 2, 0, text, Style::default().fg(Color::DarkGray));
        return LogFrame {
            top: logs.first_seq(),
            at_bottom: true,
        };
    }
    draw_lines(logs, &state.log, body, buf)
}

fn stream_style(state: &StreamState) -> Style {
    let color = match state {
        StreamState::Connecting => Color::Yellow,
        StreamState::Live => Color::Green,
        StreamState::Reconnecting { .. } => Color::Yellow,
        StreamState::Ended(_) => Color::Magenta,
    };
    Style::default().fg(color)
}

/// `lines 21-40 of 80`.
fn position(scroll: usize, page: usize, total: usize) -> String {
    let first = scroll.min(total.saturating_sub(page.min(total)));
    let last = (first + page).min(total);
    if total == 0 {
        return "no lines".to_owned();
    }
    format!("lines {}-{last} of {total}", first + 1)
}

fn draw_text(lines: &[String], scroll: usize, body: Rect, buf: &mut Buffer) {
    let height = usize::from(body.height);
    let first = scroll.min(lines.len().saturating_sub(height));
    for (i, text) in lines.iter().skip(first).take(height).enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(u16::MAX);
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        buf.set_stringn(body.x, y, &clean, usize::from(body.width), Style::default());
    }
}

/// The events as describe's table prints them, oldest first.
pub(crate) fn event_lines(data: &DetailData) -> Vec<String> {
    let mut events: Vec<_> = data.events.values().cloned().collect();
    events.sort_by_key(|e| {
        e.last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or_else(|| e.event_time.as_ref().map(|t| t.0))
            .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
    });
    let mut doc = Doc::default();
    describe_events(&mut doc, Some(&events), data.now);
    doc.finish().lines().map(str::to_owned).collect()
}
