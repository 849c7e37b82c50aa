//! A command tab: the palette command's output, following new lines unless
//! scrolled back, with its state on top.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::model::{CommandPane, CommandState};
use super::super::theme::Theme;

/// Draws the pane.
pub fn draw(pane: &CommandPane, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let (state, style) = match &pane.state {
        CommandState::Running => ("running (Esc or Ctrl-C cancels)".to_owned(), theme.warn),
        CommandState::Done => ("done".to_owned(), theme.good),
        CommandState::Failed(e) => (e.clone(), theme.bad),
        CommandState::Cancelled => ("cancelled".to_owned(), theme.warn),
    };
    let mut top = vec![
        Span::styled(format!(":{}  ", pane.line), theme.heading),
        Span::styled(state, style),
    ];
    if pane.dropped > 0 {
        top.push(Span::styled(
            format!("  ({} lines dropped)", pane.dropped),
            theme.muted,
        ));
    }
    if pane.scroll > 0 {
        top.push(Span::styled(
            format!("  ↑{} (End follows)", pane.scroll),
            theme.muted,
        ));
    }
    let mut lines = vec![Line::from(top)];
    let room = usize::from(area.height.saturating_sub(1));
    let partial = usize::from(!pane.partial.is_empty());
    let total = pane.lines.len() + partial;
    let end = total.saturating_sub(pane.scroll);
    let start = end.saturating_sub(room);
    for i in start..end {
        let text = pane
            .lines
            .get(i)
            .map_or(pane.partial.as_str(), String::as_str);
        lines.push(Line::raw(text.to_owned()));
    }
    Paragraph::new(lines).render(area, buf);
}
