//! Colours: a dark and a light theme, and a monochrome one for `NO_COLOR`
//! in which the selection is still visible (reverse video and a marker).

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The theme named in `[tui] theme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    /// Light text on a dark terminal.
    #[default]
    Dark,
    /// Dark text on a light terminal.
    Light,
}

/// The styles the host draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours are used at all.
    pub color: bool,
    /// The header line.
    pub header: Style,
    /// The selected tab.
    pub tab_active: Style,
    /// Other tabs.
    pub tab: Style,
    /// Column headings.
    pub heading: Style,
    /// The selected row.
    pub selected: Style,
    /// Secondary text.
    pub muted: Style,
    /// Good news (running, healthy).
    pub good: Style,
    /// Warnings (degraded, stopping).
    pub warn: Style,
    /// Bad news (failed, unhealthy).
    pub bad: Style,
    /// Overlay borders.
    pub border: Style,
}

impl Theme {
    /// The theme for `name`; monochrome when `color` is false.
    pub fn new(name: ThemeName, color: bool) -> Theme {
        if !color {
            let plain = Style::new();
            return Theme {
                color,
                header: plain.add_modifier(Modifier::BOLD),
                tab_active: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
                tab: plain,
                heading: plain.add_modifier(Modifier::BOLD),
                selected: plain.add_modifier(Modifier::REVERSED),
                muted: plain,
                good: plain,
                warn: plain,
                bad: plain.add_modifier(Modifier::BOLD),
                border: plain,
            };
        }
        let (fg, accent, muted, selected_bg) = match name {
            ThemeName::Dark => (Color::White, Color::Cyan, Color::DarkGray, Color::Blue),
            ThemeName::Light => (Color::Black, Color::Blue, Color::Gray, Color::LightBlue),
        };
        Theme {
            color,
            header: Style::new().fg(fg).add_modifier(Modifier::BOLD),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(accent)
                .add_modifier(Modifier::BOLD),
            tab: Style::new().fg(fg),
            heading: Style::new().fg(accent).add_modifier(Modifier::BOLD),
            selected: Style::new().fg(Color::White).bg(selected_bg),
            muted: Style::new().fg(muted),
            good: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            bad: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            border: Style::new().fg(accent),
        }
    }
}

/// Whether the environment allows colour: `NO_COLOR` set to anything but
/// the empty string turns it off (<https://no-color.org>).
pub fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
