//! The view's keys: screens, scrolling, the alert selection and Enter on
//! it, and the query editor (typing, running, window and step).

use vcli_plugin_api::{Intent, Key, KeyHint, KeyOutcome};

use super::ui::{Screen, Ui};
use crate::model::ViewState;
use crate::model::refresh::RangeRequest;

/// Lines PgUp and PgDn move.
const PAGE: usize = 10;

/// The keys of the screen shown, for the footer and the help overlay.
pub(crate) fn hints(ui: &Ui) -> Vec<KeyHint> {
    if ui.editor.editing {
        return vec![
            KeyHint::new("Enter", "run the query"),
            KeyHint::new("Esc", "stop editing"),
            KeyHint::new("←/→ Home/End", "move"),
        ];
    }
    let mut hints = vec![KeyHint::new("t/a/g/e ←/→", "targets/alerts/rules/query")];
    match ui.screen {
        Screen::Targets | Screen::Rules => {
            hints.push(KeyHint::new("j/k PgUp/PgDn", "scroll"));
        }
        Screen::Alerts => {
            hints.push(KeyHint::new("j/k ↑↓", "select alert"));
            hints.push(KeyHint::new("Enter", "show the alert's pod"));
        }
        Screen::Query => {
            hints.push(KeyHint::new("i or /", "edit the query"));
            hints.push(KeyHint::new("+/-", "window"));
            hints.push(KeyHint::new("[/]", "step"));
        }
    }
    hints.push(KeyHint::new("r", "refresh now"));
    hints
}

/// Handles `key`, pushing any intent into `intents`.
pub(crate) fn handle(
    state: &ViewState,
    ui: &mut Ui,
    intents: &mut Vec<Intent>,
    key: Key,
) -> KeyOutcome {
    if ui.editor.editing {
        edit(state, ui, key);
        // Every key belongs to the editor while typing: `q` is a letter of
        // `sum(quantile...)`, not quit.
        return KeyOutcome::Consumed;
    }
    if let Key::Char(c) = key
        && let Some(screen) = Screen::for_key(c)
    {
        ui.screen = screen;
        return KeyOutcome::Consumed;
    }
    match key {
        Key::Char('r') => state.refresh_now(),
        Key::Left => ui.screen = ui.screen.cycle(false),
        Key::Right => ui.screen = ui.screen.cycle(true),
        _ => {
            return match ui.screen {
                Screen::Targets => scroll(&mut ui.targets_scroll, key),
                Screen::Rules => scroll(&mut ui.rules_scroll, key),
                Screen::Alerts => super::alerts::handle(state, ui, intents, key),
                Screen::Query => query(state, ui, key),
            };
        }
    }
    KeyOutcome::Consumed
}

fn scroll(top: &mut usize, key: Key) -> KeyOutcome {
    *top = match key {
        Key::Char('j') | Key::Down => top.saturating_add(1),
        Key::Char('k') | Key::Up => top.saturating_sub(1),
        Key::PageDown => top.saturating_add(PAGE),
        Key::PageUp => top.saturating_sub(PAGE),
        Key::Home => 0,
        _ => return KeyOutcome::Ignored,
    };
    KeyOutcome::Consumed
}

fn query(state: &ViewState, ui: &mut Ui, key: Key) -> KeyOutcome {
    let changed = match key {
        Key::Char('i' | '/') | Key::Enter => {
            ui.editor.editing = true;
            return KeyOutcome::Consumed;
        }
        Key::Char('+') => ui.zoom(true),
        Key::Char('-') => ui.zoom(false),
        Key::Char(']') => ui.restep(true),
        Key::Char('[') => ui.restep(false),
        _ => return KeyOutcome::Ignored,
    };
    if changed {
        run(state, ui, state.request().expr);
    }
    KeyOutcome::Consumed
}

fn edit(state: &ViewState, ui: &mut Ui, key: Key) {
    let editor = &mut ui.editor;
    match key {
        Key::Enter => {
            let expr = editor.text.trim().to_owned();
            editor.editing = false;
            if !expr.is_empty() {
                run(state, ui, expr);
            }
        }
        Key::Esc => editor.editing = false,
        Key::Backspace => editor.backspace(),
        Key::Delete => editor.delete(),
        Key::Left => editor.left(),
        Key::Right => editor.right(),
        Key::Home | Key::Ctrl('a') => editor.home(),
        Key::End | Key::Ctrl('e') => editor.end(),
        Key::Ctrl('u') => *editor = super::ui::Editor::default().with_editing(),
        Key::Char(c) => editor.insert(c),
        _ => {}
    }
}

/// Charts `expr` over the window and step `ui` shows.
fn run(state: &ViewState, ui: &Ui, expr: String) {
    state.run(RangeRequest {
        expr,
        span: ui.span(),
        step: ui.step_secs(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_a_query_takes_every_key_and_enter_runs_it() {
        let state = ViewState::default();
        let mut ui = Ui::default();
        let mut intents = Vec::new();
        for key in [Key::Char('e'), Key::Char('i'), Key::Ctrl('u')] {
            handle(&state, &mut ui, &mut intents, key);
        }
        for c in "rate(q[1m])".chars() {
            assert_eq!(
                handle(&state, &mut ui, &mut intents, Key::Char(c)),
                KeyOutcome::Consumed
            );
        }
        assert_eq!(ui.screen, Screen::Query, "`a`, `e` and `g` were typed");
        handle(&state, &mut ui, &mut intents, Key::Enter);
        assert!(!ui.editor.editing);
        assert_eq!(state.request().expr, "rate(q[1m])");
        handle(&state, &mut ui, &mut intents, Key::Char('+'));
        let request = state.request();
        assert_eq!((request.span, request.step), (3600.0, 60.0));
        assert!(intents.is_empty());
    }
}
