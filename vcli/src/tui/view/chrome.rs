//! The frame around the focused tab: header, tab bar, footer, the waiting
//! text of a plugin tab without a view, and the lens panels.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::super::hosted::HostedView;
use super::super::keys::Action;
use super::super::model::{Model, Tab};
use super::super::theme::Theme;
use super::layout;

/// `vcli 0.1.0 │ <summary of each plugin view>`.
pub fn header(model: &mut Model, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = model.theme;
    let mut spans = vec![Span::styled(format!(" {} ", model.binary), theme.header)];
    for tab in &mut model.tabs {
        if let Tab::Plugin {
            view: Some(view), ..
        } = tab
            && let Some(summary) = view.summary()
        {
            spans.push(Span::styled("│ ", theme.muted));
            spans.push(Span::raw(format!("{summary} ")));
        }
    }
    Line::from(spans).render(area, buf);
}

/// The tab bar, the focused tab highlighted; when the tabs do not fit,
/// the focused one stays in view and arrows say more are hidden.
pub fn tabs(model: &Model, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = model.theme;
    let bar = layout::tab_bar(model, area.width);
    let labels = layout::tab_labels(model);
    if bar.more_left {
        buf.set_stringn(area.x, area.y, "‹", 1, theme.heading);
    }
    let mut right_end = 0;
    for (i, (label, range)) in labels.iter().zip(&bar.ranges).enumerate() {
        let Some(range) = range else { continue };
        let style = if i == model.active {
            theme.tab_active
        } else {
            theme.tab
        };
        let x = area.x + range.start;
        if x >= area.x + area.width {
            break;
        }
        let room = usize::from(area.x + area.width - x);
        buf.set_stringn(x, area.y, label, room, style);
        let more = bar.ranges.get(i + 1).is_some_and(Option::is_some);
        if more && range.end < area.width {
            buf.set_stringn(area.x + range.end, area.y, "│", 1, theme.muted);
        }
        right_end = range.end + 1;
    }
    if bar.more_right && right_end < area.width {
        buf.set_stringn(area.x + area.width - 1, area.y, "›", 1, theme.heading);
    }
}

/// What a plugin tab shows before its view exists.
pub fn waiting(text: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    Paragraph::new(text.to_owned())
        .style(theme.muted)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// Lenses stacked in `area`, each in a titled box.
pub fn lenses(lenses: &mut [HostedView], theme: &Theme, area: Rect, buf: &mut Buffer) {
    if lenses.is_empty() || area.is_empty() {
        return;
    }
    let n = u16::try_from(lenses.len()).unwrap_or(u16::MAX);
    let each = (area.height / n).max(3);
    for (i, lens) in lenses.iter_mut().enumerate() {
        let y = area.y + each * u16::try_from(i).unwrap_or(u16::MAX);
        if y >= area.y + area.height {
            break;
        }
        let height = each.min(area.y + area.height - y);
        let rect = Rect::new(area.x, y, area.width, height);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(format!(" {} ", lens.title()), theme.heading));
        let inner = block.inner(rect);
        block.render(rect, buf);
        lens.render(inner, buf);
    }
}

/// Where the lens would be, when no plugin offers one: what is missing.
pub fn lens_note(note: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" lens ", theme.heading));
    let inner = block.inner(area);
    block.render(area, buf);
    waiting(note, theme, inner, buf);
}

/// The bottom line: the filter being typed, else a status message, else
/// the focused tab's key hints.
pub fn footer(model: &mut Model, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let theme = model.theme;
    if let Some(text) = &model.filter.editing {
        Line::from(vec![
            Span::styled("/", theme.heading),
            Span::raw(text.clone()),
            Span::styled("▏", theme.heading),
            Span::styled("  Enter keep · Esc clear", theme.muted),
        ])
        .render(area, buf);
        return;
    }
    let view_status = match model.active_tab() {
        Tab::Plugin {
            view: Some(view), ..
        } => view.status(),
        _ => None,
    };
    if let Some(status) = model.status.clone().or(view_status) {
        Line::from(Span::styled(status, theme.warn)).render(area, buf);
        return;
    }
    let mut hints: Vec<(String, String)> = match model.active_tab() {
        Tab::Plugin {
            view: Some(view), ..
        } => view
            .key_hints()
            .into_iter()
            .map(|h| (h.keys, h.action))
            .collect(),
        Tab::Plugins => vec![
            ("↑/↓".into(), "select".into()),
            ("Enter".into(), "details".into()),
        ],
        Tab::Events => vec![("↑/↓".into(), "scroll".into())],
        Tab::Command(_) => vec![
            ("↑/↓".into(), "scroll".into()),
            ("Esc".into(), "cancel".into()),
        ],
        Tab::Plugin { .. } => Vec::new(),
    };
    if matches!(model.tabs[model.active], Tab::Plugins) {
        for action in [Action::Start, Action::Stop, Action::Reload] {
            hints.push((model.keys.key_of(action), action.describe().to_owned()));
        }
    }
    if matches!(model.tabs[model.active], Tab::Command(_)) {
        hints.push((model.keys.key_of(Action::CloseTab), "close".into()));
    }
    for action in [Action::Palette, Action::Filter, Action::Help, Action::Quit] {
        // A view that binds the same key (its own `/` search) names it already.
        let key = model.keys.key_of(action);
        if !hints.iter().any(|(k, _)| *k == key) {
            hints.push((key, action.describe().to_owned()));
        }
    }
    let mut spans = Vec::new();
    for (keys, action) in hints {
        spans.push(Span::styled(format!(" {keys}"), theme.heading));
        spans.push(Span::styled(format!(" {action} "), Style::new()));
    }
    Line::from(spans).render(area, buf);
}
