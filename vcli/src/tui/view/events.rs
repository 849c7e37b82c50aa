//! The Events tab: the manager's events, newest at the bottom, and how
//! many were missed.

use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::manager::EventKind;

use super::super::model::EventLog;
use super::super::theme::Theme;

/// The kind's short name and its message.
pub fn kind_text(kind: &EventKind) -> (&'static str, String) {
    match kind {
        EventKind::Loaded => ("loaded", String::new()),
        EventKind::Started => ("started", String::new()),
        EventKind::Stopped => ("stopped", String::new()),
        EventKind::Unloaded => ("unloaded", String::new()),
        EventKind::HealthChanged { from, to, message } => {
            ("health", format!("{from} → {to}: {message}"))
        }
        EventKind::Failed { reason } => ("failed", reason.clone()),
        EventKind::Restarted { attempt } => ("restarted", format!("attempt {attempt}")),
        EventKind::Quarantined { crashes } => ("quarantined", format!("{crashes} crashes")),
        EventKind::Violation { message } => ("violation", message.clone()),
        EventKind::Terminated { reason } => ("terminated", reason.clone()),
    }
}

fn kind_style(kind: &EventKind, theme: &Theme) -> Style {
    match kind {
        EventKind::Failed { .. } | EventKind::Terminated { .. } | EventKind::Quarantined { .. } => {
            theme.bad
        }
        EventKind::Violation { .. } | EventKind::Restarted { .. } => theme.warn,
        EventKind::Started => theme.good,
        _ => Style::new(),
    }
}

/// `HH:MM:SS` in UTC: events are seconds apart, and the date is today.
pub fn clock(at: SystemTime) -> String {
    let s = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// Draws the log.
pub fn draw(log: &EventLog, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let visible = log.visible();
    let mut lines = Vec::new();
    let mut heading = vec![Span::styled(
        "TIME      PLUGIN        KIND         MESSAGE",
        theme.heading,
    )];
    if log.dropped > 0 {
        heading.push(Span::styled(
            format!("   {} events dropped", log.dropped),
            theme.warn,
        ));
    }
    if !log.filter.is_empty() {
        heading.push(Span::styled(
            format!("   filter: {}", log.filter),
            theme.muted,
        ));
    }
    lines.push(Line::from(heading));
    let room = usize::from(area.height.saturating_sub(1));
    let end = visible.len().saturating_sub(log.scroll);
    let start = end.saturating_sub(room);
    if visible.is_empty() {
        lines.push(Line::from(Span::styled(
            if log.filter.is_empty() {
                "no events yet"
            } else {
                "no event matches the filter"
            },
            theme.muted,
        )));
    }
    for event in &visible[start..end] {
        let (kind, message) = kind_text(&event.kind);
        lines.push(Line::from(vec![
            Span::raw(format!("{}  {:<13} ", clock(event.at), event.plugin)),
            Span::styled(format!("{kind:<12} "), kind_style(&event.kind, theme)),
            Span::raw(message),
        ]));
    }
    Paragraph::new(lines).render(area, buf);
}
