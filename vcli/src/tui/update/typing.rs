//! Text being typed: the command palette's keys, pasted text, and the
//! command tab a palette line opens.

use vcli_plugin_api::{Key, KeyPress, ViewEvent};

use super::super::model::{CommandPane, Model, Overlay, Tab};
use super::super::msg::Effect;
use super::super::palette::Parsed;
use super::{focus, set_filter};

pub(super) fn palette_key(model: &mut Model, press: KeyPress, effects: &mut Vec<Effect>) {
    let palette = &mut model.palette;
    match press.key {
        Key::Esc => model.overlay = None,
        // With nothing typed, Tab cycles through what plugins offer for
        // the selected resource.
        Key::Tab if palette.input.is_empty() || palette.suggestion.is_some() => {
            let offered = model
                .selection
                .as_ref()
                .map_or(&[][..], |(_, c)| c.as_slice());
            if offered.is_empty() {
                palette.complete();
            } else {
                let next = palette.suggestion.map_or(0, |i| (i + 1) % offered.len());
                palette.suggestion = Some(next);
                palette.input.clone_from(&offered[next].line);
            }
        }
        Key::Tab => palette.complete(),
        Key::Up => palette.recall(true),
        Key::Down => palette.recall(false),
        Key::Backspace => {
            palette.input.pop();
            palette.candidates.clear();
            palette.suggestion = None;
        }
        Key::Char('u') if press.modifiers.ctrl => palette.input.clear(),
        Key::Char(c) if !press.modifiers.ctrl && !press.modifiers.alt => {
            palette.input.push(c);
            palette.candidates.clear();
            palette.error = None;
            palette.suggestion = None;
        }
        Key::Enter => {
            let line = palette.input.trim().to_owned();
            // A line that is one of the focused view's words goes to the
            // view; its entries are asked again, as its state may have changed.
            let entries = super::focused_palette_entries(model);
            let palette = &mut model.palette;
            palette.view_entries = entries;
            if let Some(entry) = palette.view_entry(&line) {
                palette.remember(&line);
                palette.input.clear();
                palette.error = None;
                model.overlay = None;
                super::deliver(model, &ViewEvent::Palette(entry), effects);
                effects.push(Effect::SaveHistory);
                return;
            }
            match palette.parse(&line) {
                Ok(parsed) => {
                    palette.remember(&line);
                    palette.input.clear();
                    palette.error = None;
                    model.overlay = None;
                    run(model, line, parsed, effects);
                    effects.push(Effect::SaveHistory);
                }
                Err(e) => palette.error = Some(e),
            }
        }
        _ => {}
    }
}

/// Pasted text goes where text is being typed: the palette or the filter
/// line, on one line (a pasted newline must not run a command).
pub(super) fn paste(model: &mut Model, text: &str, effects: &mut Vec<Effect>) {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if matches!(model.overlay, Some(Overlay::Palette)) {
        model.palette.input.push_str(&text);
        model.palette.candidates.clear();
        model.palette.suggestion = None;
    } else if let Some(line) = &mut model.filter.editing {
        line.push_str(&text);
        let line = line.clone();
        set_filter(model, line, effects);
    }
}

/// Opens a command tab for `line` and asks the runtime to run it.
pub(super) fn run(model: &mut Model, line: String, parsed: Parsed, effects: &mut Vec<Effect>) {
    let id = model.next_command;
    model.next_command += 1;
    model
        .tabs
        .push(Tab::Command(CommandPane::new(id, line.clone())));
    let last = model.tabs.len() - 1;
    focus(model, last, effects);
    effects.push(Effect::Run { id, line, parsed });
}
