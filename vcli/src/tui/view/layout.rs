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
    let owner_focused = matches!(
        model.tabs.get(model.active),
        Some(super::super::model::Tab::Plugin { plugin, .. }) if Some(*plugin) == model.lens_owner
    );
    let note_only = model.lenses.is_empty() && model.lens_note.is_some();
    if owner_focused && (!model.lenses.is_empty() || note_only) && body.height >= 6 {
        if w >= 120 {
            // Wide: lenses on the right, a third of the width.
            let lw = w / 3;
            lens = Some(Rect::new(w - lw, body.y, lw, body.height));
            body.width = w - lw;
        } else {
            // A note needs a box of two lines, not the room of a chart.
            let lh = if note_only { 4 } else { body.height * 2 / 5 };
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

/// Where each tab label is drawn (`None` for tabs scrolled out of a bar
/// too narrow for all of them), and whether tabs are hidden to the left and
/// to the right. The focused tab is always shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabBar {
    /// Per tab, the columns its label covers.
    pub ranges: Vec<Option<Range<u16>>>,
    /// Tabs hidden to the left.
    pub more_left: bool,
    /// Tabs hidden to the right.
    pub more_right: bool,
}

/// Lays out the tab bar in `width` columns.
pub fn tab_bar(model: &Model, width: u16) -> TabBar {
    let widths: Vec<u16> = tab_labels(model)
        .iter()
        .map(|l| u16::try_from(unicode_width(l)).unwrap_or(u16::MAX))
        .collect();
    let n = widths.len();
    let active = model.active.min(n.saturating_sub(1));
    let total: u32 = widths.iter().map(|w| u32::from(*w) + 1).sum();
    let (first, last) = if total <= u32::from(width) + 1 {
        (0, n)
    } else {
        // Two columns each side for the "‹ " and " ›" markers.
        let room = u32::from(width.saturating_sub(4));
        let mut first = active;
        let mut used = u32::from(widths[active]) + 1;
        while first > 0 && used + u32::from(widths[first - 1]) < room {
            first -= 1;
            used += u32::from(widths[first]) + 1;
        }
        let mut last = active + 1;
        while last < n && used + u32::from(widths[last]) < room {
            used += u32::from(widths[last]) + 1;
            last += 1;
        }
        (first, last)
    };
    let more_left = first > 0;
    let mut x: u16 = if more_left { 2 } else { 0 };
    let ranges = (0..n)
        .map(|i| {
            if i < first || i >= last {
                return None;
            }
            let range = x..x.saturating_add(widths[i]);
            x = x.saturating_add(widths[i]).saturating_add(1);
            Some(range)
        })
        .collect();
    TabBar {
        ranges,
        more_left,
        more_right: last < n,
    }
}

/// Display width in cells.
pub fn unicode_width(text: &str) -> usize {
    ratatui::text::Span::raw(text).width()
}
