//! What opens over the body: help, a confirmation, the command palette.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::super::keys::Action;
use super::super::model::{Model, PluginAction, Tab};
use super::super::palette::Palette;
use super::super::theme::Theme;
use vcli_plugin_api::{ResourceCommand, ResourceRef};

/// A box of `w` x `h` centred in `area`, clipped to it.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn boxed<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.heading))
}

/// The keys: global ones, then the focused view's.
pub fn help(model: &mut Model, area: Rect, buf: &mut Buffer) {
    let theme = model.theme;
    let mut lines = vec![Line::from(Span::styled("global", theme.heading))];
    for action in Action::ALL {
        lines.push(Line::from(format!(
            "  {:<10} {}",
            model.keys.key_of(action),
            action.describe()
        )));
    }
    lines.push(Line::from("  1-9        jump to tab"));
    lines.push(Line::from("  Ctrl-c     cancel the command / quit"));
    lines.push(Line::from("  Esc        close this"));
    let hints = match model.active_tab() {
        Tab::Plugin {
            view: Some(view), ..
        } => {
            let title = view.title();
            Some((title, view.key_hints()))
        }
        _ => None,
    };
    if let Some((title, hints)) = hints {
        lines.push(Line::from(Span::styled(title, theme.heading)));
        if hints.is_empty() {
            lines.push(Line::from("  (this view lists no keys)"));
        }
        for hint in hints {
            lines.push(Line::from(format!("  {:<10} {}", hint.keys, hint.action)));
        }
    }
    let h = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let rect = centred(area, 52, h);
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .block(boxed(" keys ", &theme))
        .render(rect, buf);
}

/// "Stop kubernetes? y/n".
pub fn confirm(action: PluginAction, plugin: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rect = centred(area, 44, 5);
    Clear.render(rect, buf);
    let text = vec![
        Line::from(format!("{} plugin {plugin}?", capitalised(action.verb()))),
        Line::from(Span::styled("y / Enter: yes    n / Esc: no", theme.muted)),
    ];
    Paragraph::new(text)
        .block(boxed(" confirm ", theme))
        .wrap(Wrap { trim: true })
        .render(rect, buf);
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The palette near the top: the line, the error or the completions, or
/// what plugins offer for the selected resource.
pub fn palette(
    palette: &Palette,
    selection: Option<&(ResourceRef, Vec<ResourceCommand>)>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.heading),
        Span::raw(palette.input.clone()),
        Span::styled("▏", theme.heading),
    ])];
    if let Some(error) = &palette.error {
        lines.push(Line::from(Span::styled(
            format!("error: {error}"),
            theme.bad,
        )));
    } else if let Some((resource, commands)) = selection.filter(|(_, c)| {
        !c.is_empty() && (palette.input.is_empty() || palette.suggestion.is_some())
    }) {
        let labels: Vec<&str> = commands.iter().map(|c| c.label.as_str()).collect();
        lines.push(Line::from(Span::styled(
            format!("for {resource}, Tab offers: {}", labels.join(" · ")),
            theme.muted,
        )));
    } else if !palette.candidates.is_empty() {
        candidate_lines(palette, theme, &mut lines);
    } else {
        lines.push(Line::from(Span::styled(
            "Tab completes · ↑/↓ history · Enter runs · Esc closes",
            theme.muted,
        )));
    }
    let w = area.width.saturating_sub(4).clamp(1, 100);
    let h = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let rect = Rect::new(
        area.x + (area.width - w.min(area.width)) / 2,
        area.y + area.height.min(2),
        w,
        h,
    )
    .intersection(area);
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .block(boxed(" command ", theme))
        .render(rect, buf);
}

/// Completion candidates listed under the palette's line, one a line with
/// what it does (a subcommand's or flag's help, a view word's description),
/// the first [`CANDIDATES_SHOWN`] of them and how many more.
fn candidate_lines(palette: &Palette, theme: &Theme, lines: &mut Vec<Line<'static>>) {
    let mut described = palette.described_candidates();
    let more = described.len().saturating_sub(CANDIDATES_SHOWN);
    described.truncate(CANDIDATES_SHOWN);
    let width = described
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    for (candidate, about) in described {
        lines.push(Line::from(vec![
            Span::raw(format!("{candidate:<width$}  ")),
            Span::styled(about, theme.muted),
        ]));
    }
    if more > 0 {
        lines.push(Line::from(Span::styled(
            format!("… and {more} more: type to narrow"),
            theme.muted,
        )));
    }
}

/// How many completion candidates the palette lists.
const CANDIDATES_SHOWN: usize = 8;
