//! What the view's keys change and the model does not hold: the screen
//! shown, the selection and scroll, the query editor's text and the chart's
//! window and step. Rendering reads it beside the model, so a snapshot is a
//! function of the two.

/// The view's screens, in the order of the tab line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Screen {
    /// Targets grouped by job.
    #[default]
    Targets,
    /// Firing and pending alerts.
    Alerts,
    /// Rule groups and their rules.
    Rules,
    /// The query editor and its chart.
    Query,
}

impl Screen {
    /// Every screen, in tab order.
    pub const ALL: [Screen; 4] = [
        Screen::Targets,
        Screen::Alerts,
        Screen::Rules,
        Screen::Query,
    ];

    /// The key that shows the screen.
    pub fn key(self) -> char {
        match self {
            Screen::Targets => 't',
            Screen::Alerts => 'a',
            Screen::Rules => 'g',
            Screen::Query => 'e',
        }
    }

    /// The screen's name on the tab line.
    pub fn name(self) -> &'static str {
        match self {
            Screen::Targets => "Targets",
            Screen::Alerts => "Alerts",
            Screen::Rules => "Rules",
            Screen::Query => "Query",
        }
    }

    /// The screen shown by `key`, if any.
    pub fn for_key(key: char) -> Option<Screen> {
        Screen::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The next (`forward`) or previous screen, wrapping around.
    pub(crate) fn cycle(self, forward: bool) -> Screen {
        let i = Screen::ALL.iter().position(|s| *s == self).unwrap_or(0);
        let n = Screen::ALL.len();
        Screen::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Chart windows `+` and `-` step through, in seconds.
pub const WINDOWS: [f64; 5] = [300.0, 900.0, 3600.0, 6.0 * 3600.0, 86_400.0];
/// Steps `[` and `]` step through, in seconds.
pub const STEPS: [f64; 7] = [5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 3600.0];
/// Prometheus refuses a range query of more than 11,000 points per series.
const MAX_POINTS: f64 = 11_000.0;
/// Fewer points than this do not make a line worth drawing.
const MIN_POINTS: f64 = 4.0;

/// A window or step as people say it: `5s`, `15m`, `1h`, `1d`.
pub fn span_label(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        _ if s >= 86_400 && s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        _ if s >= 3600 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ if s >= 60 && s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => crate::format::short_duration(secs),
    }
}

/// The query editor: a one-line text input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editor {
    /// The expression being typed.
    pub text: String,
    /// The cursor, in characters from the start.
    pub cursor: usize,
    /// Whether keys go to the editor (after `i` or `/` on the query screen).
    pub editing: bool,
}

impl Editor {
    /// An editor holding `text`, the cursor at its end.
    pub fn with_text(text: &str) -> Editor {
        Editor {
            text: text.to_owned(),
            cursor: text.chars().count(),
            editing: false,
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// The same editor, taking keys.
    pub(crate) fn with_editing(mut self) -> Editor {
        self.editing = true;
        self
    }

    pub(crate) fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    pub(crate) fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub(crate) fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub(crate) fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub(crate) fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub(crate) fn home(&mut self) {
        self.cursor = 0;
    }

    pub(crate) fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }
}

/// The view's own state.
#[derive(Debug, Clone, PartialEq)]
pub struct Ui {
    /// The screen shown.
    pub screen: Screen,
    /// The alert the keys moved to on the alerts screen.
    pub selected_alert: Option<usize>,
    /// Which alert that is (name and labels): a refresh may reorder the
    /// list, and the selection follows the alert, not the row.
    pub selected_alert_key: Option<String>,
    /// The first line shown on the targets screen.
    pub targets_scroll: usize,
    /// The first line shown on the rules screen.
    pub rules_scroll: usize,
    /// The query editor.
    pub editor: Editor,
    /// Index into [`WINDOWS`].
    pub window: usize,
    /// Index into [`STEPS`].
    pub step: usize,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            screen: Screen::default(),
            selected_alert: None,
            selected_alert_key: None,
            targets_scroll: 0,
            rules_scroll: 0,
            editor: Editor::with_text(crate::model::DEFAULT_EXPR),
            window: 1,
            step: 1,
        }
    }
}

impl Ui {
    /// The chart's window in seconds.
    pub fn span(&self) -> f64 {
        WINDOWS[self.window.min(WINDOWS.len() - 1)]
    }

    /// The chart's step in seconds.
    pub fn step_secs(&self) -> f64 {
        STEPS[self.step.min(STEPS.len() - 1)]
    }

    /// A wider (`wider`) or narrower window; the step follows so the chart
    /// keeps about the same number of points. Returns whether it changed.
    pub(crate) fn zoom(&mut self, wider: bool) -> bool {
        let next = if wider {
            (self.window + 1).min(WINDOWS.len() - 1)
        } else {
            self.window.saturating_sub(1)
        };
        if next == self.window {
            return false;
        }
        let points = self.span() / self.step_secs();
        self.window = next;
        self.step = self.closest_step(self.span() / points);
        true
    }

    /// A coarser (`coarser`) or finer step, within what Prometheus accepts
    /// and what draws a line. Returns whether it changed.
    pub(crate) fn restep(&mut self, coarser: bool) -> bool {
        let next = if coarser {
            (self.step + 1).min(STEPS.len() - 1)
        } else {
            self.step.saturating_sub(1)
        };
        let points = self.span() / STEPS[next];
        if next == self.step || !(MIN_POINTS..=MAX_POINTS).contains(&points) {
            return false;
        }
        self.step = next;
        true
    }

    /// The allowed step nearest `wanted` seconds.
    fn closest_step(&self, wanted: f64) -> usize {
        let span = self.span();
        (0..STEPS.len())
            .filter(|&i| (MIN_POINTS..=MAX_POINTS).contains(&(span / STEPS[i])))
            .min_by(|&a, &b| {
                (STEPS[a] - wanted)
                    .abs()
                    .total_cmp(&(STEPS[b] - wanted).abs())
            })
            .unwrap_or(self.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_edits_at_the_cursor_in_characters() {
        let mut e = Editor::with_text("up{é}");
        e.left();
        e.backspace();
        e.insert('x');
        assert_eq!(e.text, "up{x}");
        e.home();
        e.delete();
        e.end();
        e.right();
        e.insert('!');
        assert_eq!((e.text.as_str(), e.cursor), ("p{x}!", 5));
    }

    #[test]
    fn spans_read_as_people_say_them() {
        let labels: Vec<String> = WINDOWS.iter().map(|&w| span_label(w)).collect();
        assert_eq!(labels, ["5m", "15m", "1h", "6h", "1d"]);
        assert_eq!(span_label(90.0), "90s");
        assert_eq!(span_label(5400.0), "90m");
    }

    #[test]
    fn zoom_keeps_the_points_and_stays_within_the_limits() {
        let mut ui = Ui::default();
        assert_eq!((ui.span(), ui.step_secs()), (900.0, 15.0));
        assert!(ui.zoom(true));
        assert_eq!((ui.span(), ui.step_secs()), (3600.0, 60.0));
        assert!(ui.zoom(true) && ui.zoom(true));
        assert_eq!((ui.span(), ui.step_secs()), (86_400.0, 900.0));
        assert!(!ui.zoom(true), "1d is the widest");
        assert!(ui.restep(true));
        assert_eq!(ui.step_secs(), 3600.0);
        assert!(!ui.restep(true), "1h is the coarsest");
        for _ in 0..4 {
            ui.zoom(false);
        }
        assert_eq!(ui.span(), 300.0);
        assert!(!ui.restep(true) || 300.0 / ui.step_secs() >= MIN_POINTS);
        while ui.restep(false) {}
        assert_eq!(ui.step_secs(), 5.0);
    }
}
