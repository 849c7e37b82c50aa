//! Where things go on screen, shared by drawing and by mouse hit-testing.

use std::ops::Range;

use ratatui::layout::Rect;

use super::super::model::Model;

/// The screen's regions; empty rectangles when the terminal is too small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The whole screen.
    pub screen: Rect,
    /// Binary and plugin summaries.
    pub header: Rect,
    /// The tab bar.
    pub tabs: Rect,
    /// The focused tab.
    pub body: Rect,
    /// Lenses on the selected resource, when there are any.
    pub lens: Option<Rect>,
    /// Key hints, status or the filter line.
    pub footer: Rect,
}

/// Splits the screen: header, tabs, body (and lens), footer. Below four
/// rows the body takes what there is, so even a 1x1 terminal shows
/// something of the focused tab.
pub fn areas(model: &Model) -> Areas {
    let (w, h) = model.size;
    let screen = Rect::new(0, 0, w, h);
    let empty = Rect::new(0, 0, 0, 0);
    if h < 4 {
        return Areas {
            screen,
            header: empty,
            tabs: empty,
            body: screen,
            lens: None,
            footer: empty,
        };
    }
    let header = Rect::new(0, 0, w, 1);
    let tabs = Rect::new(0, 1, w, 1);
    let footer = Rect::new(0, h - 1, w, 1);
    let mut body = Rect::new(0, 2, w, h - 3);
    let mut lens = None;
    if !model.lenses.is_empty() && body.height >= 6 {
        if w >= 120 {
            // Wide: lenses on the right, a third of the width.
            let lw = w / 3;
            lens = Some(Rect::new(w - lw, body.y, lw, body.height));
            body.width = w - lw;
        } else {
            let lh = body.height * 2 / 5;
            lens = Some(Rect::new(0, body.y + body.height - lh, w, lh));
            body.height -= lh;
        }
    }
    Areas {
        screen,
        header,
        tabs,
        body,
        lens,
        footer,
    }
}

/// The tab bar's labels: `1 Kubernetes`.
pub fn tab_labels(model: &Model) -> Vec<String> {
    model
        .tabs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i < 9 {
                format!(" {} {} ", i + 1, t.title())
            } else {
                format!(" {} ", t.title())
            }
        })
        .collect()
}

/// The columns each tab label covers, for clicks.
pub fn tab_ranges(model: &Model) -> Vec<Range<u16>> {
    let mut x = 0u16;
    tab_labels(model)
        .iter()
        .map(|label| {
            let width = u16::try_from(unicode_width(label)).unwrap_or(u16::MAX);
            let range = x..x.saturating_add(width);
            // One column of separator.
            x = x.saturating_add(width).saturating_add(1);
            range
        })
        .collect()
}

/// Display width in cells.
pub fn unicode_width(text: &str) -> usize {
    ratatui::text::Span::raw(text).width()
}
