//! The namespace picker (`n`) and the context picker (`c`): overlays over
//! the table. The namespace picker chooses one namespace or all; the
//! context picker checks any number of the kubeconfig's contexts, whose
//! lists the view then shows together.

use std::collections::BTreeSet;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Modifier, Style};
use vcli_plugin_api::Key;

use crate::model::KubeModel;

use super::draw::context_color;

/// The line of the namespace picker that means every namespace.
pub(crate) const ALL_NAMESPACES: &str = "(all namespaces)";

/// An open picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picker {
    /// Choosing the namespace.
    Namespace {
        /// The highlighted line (0 is all namespaces).
        selected: usize,
    },
    /// Choosing the contexts.
    Context {
        /// The highlighted line.
        selected: usize,
        /// The contexts checked so far.
        checked: BTreeSet<String>,
    },
}

/// What a key in a picker decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Keep the picker open.
    Stay,
    /// Close it without a change.
    Cancel,
    /// Watch this namespace (`None`: all).
    Namespace(Option<String>),
    /// Show these contexts, in the kubeconfig's order.
    Contexts(Vec<String>),
}

impl Picker {
    /// The namespace picker, on the namespace shown now.
    pub fn namespaces(model: &KubeModel) -> Picker {
        let selected = model
            .namespace
            .as_ref()
            .and_then(|ns| model.namespaces().iter().position(|n| n == ns))
            .map_or(0, |i| i + 1);
        Picker::Namespace { selected }
    }

    /// The context picker, with the shown contexts checked.
    pub fn contexts(model: &KubeModel) -> Picker {
        Picker::Context {
            selected: 0,
            checked: model.contexts.iter().cloned().collect(),
        }
    }

    /// The picker's lines.
    fn lines(&self, model: &KubeModel) -> Vec<String> {
        match self {
            Picker::Namespace { .. } => std::iter::once(ALL_NAMESPACES.to_owned())
                .chain(model.namespaces())
                .collect(),
            Picker::Context { .. } => model.known_contexts.clone(),
        }
    }

    /// Handles a key: moving, checking (Space), choosing (Enter), leaving (Esc).
    pub fn key(&mut self, model: &KubeModel, key: Key) -> Choice {
        let lines = self.lines(model);
        let last = lines.len().saturating_sub(1);
        let (Picker::Namespace { selected } | Picker::Context { selected, .. }) = self;
        match key {
            Key::Esc => return Choice::Cancel,
            Key::Down | Key::Char('j') => *selected = (*selected + 1).min(last),
            Key::Up | Key::Char('k') => *selected = selected.saturating_sub(1),
            Key::Home => *selected = 0,
            Key::End => *selected = last,
            Key::Char(' ') => {
                if let Picker::Context { selected, checked } = self
                    && let Some(name) = lines.get(*selected)
                    && !checked.remove(name)
                {
                    checked.insert(name.clone());
                }
            }
            Key::Enter => return self.choose(&lines, &model.contexts),
            _ => {}
        }
        Choice::Stay
    }

    fn choose(&self, lines: &[String], shown: &[String]) -> Choice {
        match self {
            Picker::Namespace { selected: 0 } => Choice::Namespace(None),
            Picker::Namespace { selected } => lines
                .get(*selected)
                .map_or(Choice::Cancel, |ns| Choice::Namespace(Some(ns.clone()))),
            Picker::Context { selected, checked } => {
                // Enter with nothing checked shows the highlighted context
                // alone, so one key switches context as in k9s.
                // Contexts shown before keep their place (and colour);
                // new ones follow in the kubeconfig's order.
                let chosen: Vec<String> = if checked.is_empty() {
                    lines.get(*selected).cloned().into_iter().collect()
                } else {
                    let kept = shown.iter().filter(|c| checked.contains(*c));
                    let added = lines
                        .iter()
                        .filter(|l| checked.contains(*l) && !shown.contains(l));
                    kept.chain(added).cloned().collect()
                };
                if chosen.is_empty() {
                    Choice::Cancel
                } else {
                    Choice::Contexts(chosen)
                }
            }
        }
    }
}

/// Draws `picker` as a box over the middle of `area`.
pub(crate) fn render(model: &KubeModel, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let lines = picker.lines(model);
    let (title, hint, selected) = match picker {
        Picker::Namespace { selected } => {
            (" Namespace ", " ↑↓ move · Enter choose · Esc ", *selected)
        }
        Picker::Context { selected, .. } => {
            (" Contexts ", " Space check · Enter show · Esc ", *selected)
        }
    };
    let width = lines
        .iter()
        .map(|l| l.chars().count() + 8)
        .chain([hint.chars().count() + 2, 24])
        .max()
        .unwrap_or(24)
        .min(usize::from(area.width));
    let width = u16::try_from(width).unwrap_or(area.width);
    let inner = usize::from(area.height.saturating_sub(4));
    let shown = lines.len().min(inner).max(1);
    let height = u16::try_from(shown + 2)
        .unwrap_or(area.height)
        .min(area.height);
    if width < 4 || height < 3 {
        return;
    }
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let w = usize::from(width);
    let border = Style::default().add_modifier(Modifier::BOLD);
    buf.set_style(rect, Style::default());
    let top = format!("┌{title:─<inner$}┐", inner = w - 2);
    let bottom = format!("└{hint:─<inner$}┘", inner = w - 2);
    buf.set_stringn(rect.x, rect.y, &top, w, border);
    buf.set_stringn(rect.x, rect.y + height - 1, &bottom, w, border);
    // The window of lines keeps the highlighted one visible.
    let first = selected.saturating_sub(shown - 1);
    for (i, line) in lines.iter().enumerate().skip(first).take(shown) {
        let y = rect.y + 1 + u16::try_from(i - first).unwrap_or(0);
        let mark = match picker {
            Picker::Context { checked, .. } if checked.contains(line) => "[x] ",
            Picker::Context { .. } => "[ ] ",
            Picker::Namespace { .. } => "",
        };
        let text = format!(
            "│ {mark}{line:<pad$}│",
            pad = w.saturating_sub(3 + mark.chars().count())
        );
        let mut style = Style::default();
        if let Picker::Context { .. } = picker
            && let Some(at) = model.contexts.iter().position(|c| c == line)
        {
            style = style.fg(context_color(at));
        }
        if i == selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        buf.set_stringn(rect.x, y, &text, w, style);
    }
}
