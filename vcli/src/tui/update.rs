//! `update`: the only place the model changes. Pure apart from calls into
//! the hosted views (which are themselves models the plugins keep).

use vcli_plugin_api::{Key, KeyOutcome, KeyPress, Mouse, MouseKind, PaletteEntry, ViewEvent};

use super::hosted::HostedView;
use super::keys::{Action, legacy_key};
use super::model::{CommandState, HEALTH_HISTORY, Model, Overlay, Tab};
use super::msg::{Effect, Msg};
use super::view::layout;

mod intents;
mod tabs;
mod typing;

use intents::intents_to_effects;
pub use intents::lens_missing;
use tabs::host_tab_key;
use typing::{palette_key, paste};

/// Applies `msg` to `model` and returns what the runtime must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        Msg::Key(press) => key(model, press, &mut effects),
        Msg::Mouse { kind, column, row } => mouse(model, kind, column, row, &mut effects),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            let body = layout::areas(model).body;
            deliver(
                model,
                &ViewEvent::Resize {
                    width: body.width,
                    height: body.height,
                },
                &mut effects,
            );
        }
        Msg::Tick(now) => {
            model.now = now;
            deliver(model, &ViewEvent::Tick, &mut effects);
        }
        Msg::Manager(event) => {
            if let crate::manager::EventKind::HealthChanged { to, message, .. } = &event.kind
                && let Some(row) = model
                    .plugins
                    .rows
                    .iter_mut()
                    .find(|r| r.info.name == event.plugin)
            {
                row.health_history
                    .push_back((event.at, *to, message.clone()));
                if row.health_history.len() > HEALTH_HISTORY {
                    row.health_history.pop_front();
                }
            }
            model.events.push(event);
        }
        Msg::Lagged(n) => model.events.dropped += n,
        Msg::Plugins(mut rows) => {
            // Health history lives in the TUI: carry it over.
            for row in &mut rows {
                if let Some(old) = model
                    .plugins
                    .rows
                    .iter_mut()
                    .find(|r| r.info.name == row.info.name)
                {
                    row.health_history = std::mem::take(&mut old.health_history);
                }
            }
            model.plugins.rows = rows;
            let n = model.plugins.visible().len();
            model.plugins.selected = model.plugins.selected.min(n.saturating_sub(1));
        }
        Msg::View {
            plugin,
            view,
            waiting,
        } => {
            if let Some(Tab::Plugin {
                view: slot,
                waiting: w,
                ..
            }) = model.plugin_tab(plugin)
            {
                *slot = view;
                *w = waiting;
            }
            let body = layout::areas(model).body;
            if let Some(Tab::Plugin { view: Some(v), .. }) = model.plugin_tab(plugin) {
                v.handle(&ViewEvent::Resize {
                    width: body.width,
                    height: body.height,
                });
            }
        }
        Msg::Lenses {
            resource,
            lenses,
            commands,
            note,
        } => {
            model.lenses = lenses;
            model.lens_note = note;
            model.selection = Some((resource, commands));
            model.palette.suggestion = None;
        }
        Msg::Output { id, text } => {
            if let Some(pane) = model.command_pane(id) {
                pane.append(&text);
            }
        }
        Msg::Ended { id, state } => {
            if let Some(pane) = model.command_pane(id) {
                pane.finish(state);
            }
        }
        Msg::PluginChanged => {}
        Msg::Status(text) => model.status = Some(text),
        Msg::Paste(text) => paste(model, &text, &mut effects),
    }
    effects.extend(collect_panics(model));
    effects
}

fn key(model: &mut Model, press: KeyPress, effects: &mut Vec<Effect>) {
    let ctrl_c = press.key == Key::Char('c') && press.modifiers.ctrl;
    if ctrl_c {
        // Ctrl-C stops what runs in the focused command tab, else quits.
        if let Tab::Command(pane) = model.active_tab()
            && pane.state == CommandState::Running
        {
            effects.push(Effect::Cancel(pane.id));
            return;
        }
        model.quit = true;
        return;
    }
    if let Some(overlay) = &model.overlay {
        match overlay {
            Overlay::Help => {
                if matches!(press.key, Key::Esc | Key::Enter)
                    || model.keys.action(press) == Some(Action::Help)
                    || model.keys.action(press) == Some(Action::Quit)
                {
                    model.overlay = None;
                }
            }
            Overlay::Confirm { action, plugin } => {
                let (action, plugin) = (*action, *plugin);
                match press.key {
                    Key::Char('y' | 'Y') | Key::Enter => {
                        model.overlay = None;
                        model.status = Some(format!("{}ing {plugin}…", action.verb()));
                        effects.push(Effect::Plugin { plugin, action });
                    }
                    Key::Char('n' | 'N') | Key::Esc => model.overlay = None,
                    _ => {}
                }
            }
            Overlay::Palette => palette_key(model, press, effects),
        }
        return;
    }
    if let Some(text) = &mut model.filter.editing {
        match press.key {
            Key::Esc => {
                model.filter.editing = None;
                set_filter(model, String::new(), effects);
            }
            Key::Enter => model.filter.editing = None,
            Key::Backspace => {
                text.pop();
                let text = text.clone();
                set_filter(model, text, effects);
            }
            Key::Char(c) if !press.modifiers.ctrl && !press.modifiers.alt => {
                text.push(c);
                let text = text.clone();
                set_filter(model, text, effects);
            }
            _ => {}
        }
        return;
    }
    // The focused view sees keys first, so its own modes (a search line,
    // say) are never broken by a global key.
    if let Tab::Plugin {
        view: Some(view), ..
    } = model.active_tab()
        && view.handle(&ViewEvent::Key(legacy_key(press))) == KeyOutcome::Consumed
    {
        let plugin = view.plugin;
        let intents = view.take_intents();
        intents_to_effects(model, plugin, intents, effects);
        return;
    }
    if host_tab_key(model, press, effects) {
        return;
    }
    if let Key::Char(c @ '1'..='9') = press.key
        && press.modifiers == vcli_plugin_api::Modifiers::NONE
    {
        let i = usize::from(c as u8 - b'1');
        if i < model.tabs.len() {
            focus(model, i, effects);
        }
        return;
    }
    match model.keys.action(press) {
        Some(Action::Quit) => model.quit = true,
        Some(Action::NextTab) => {
            let next = (model.active + 1) % model.tabs.len();
            focus(model, next, effects);
        }
        Some(Action::PrevTab) => {
            let prev = (model.active + model.tabs.len() - 1) % model.tabs.len();
            focus(model, prev, effects);
        }
        Some(Action::Palette) => {
            model.palette.error = None;
            model.palette.candidates.clear();
            model.palette.view_entries = focused_palette_entries(model);
            model.overlay = Some(Overlay::Palette);
        }
        Some(Action::Filter) => {
            let filterable = match model.active_tab() {
                Tab::Plugin { view: Some(v), .. } => v.filterable(),
                Tab::Plugins | Tab::Events => true,
                _ => false,
            };
            if filterable {
                let current = current_filter(model);
                model.filter.editing = Some(current);
            } else {
                model.status = Some("this tab has no filter".to_owned());
            }
        }
        Some(Action::Help) => model.overlay = Some(Overlay::Help),
        Some(Action::Redraw) => effects.push(Effect::ClearScreen),
        Some(Action::CloseTab) => {
            if let Tab::Command(pane) = model.active_tab() {
                if pane.state == CommandState::Running {
                    effects.push(Effect::Cancel(pane.id));
                }
                model.tabs.remove(model.active);
                let last = model.tabs.len() - 1;
                focus(model, model.active.min(last), effects);
            }
        }
        Some(Action::Start | Action::Stop | Action::Reload) | None => {
            if press.key == Key::Esc {
                model.status = None;
            }
        }
    }
}

fn mouse(model: &mut Model, kind: MouseKind, column: u16, row: u16, effects: &mut Vec<Effect>) {
    let areas = layout::areas(model);
    if kind == MouseKind::Click && row == areas.tabs.y && areas.tabs.height > 0 {
        if let Some(i) = layout::tab_bar(model, areas.tabs.width)
            .ranges
            .iter()
            .position(|r| r.as_ref().is_some_and(|r| r.contains(&column)))
        {
            focus(model, i, effects);
        }
        return;
    }
    let body = areas.body;
    if !body.contains(ratatui::layout::Position { x: column, y: row }) {
        return;
    }
    let relative = Mouse {
        kind,
        column: column - body.x,
        row: row - body.y,
        modifiers: vcli_plugin_api::Modifiers::NONE,
    };
    let step = match kind {
        MouseKind::ScrollUp => Key::Up,
        MouseKind::ScrollDown => Key::Down,
        _ => {
            if let Tab::Plugins = model.tabs[model.active] {
                // Rows start under the heading.
                let i = usize::from(relative.row).saturating_sub(1);
                if i < model.plugins.visible().len() {
                    model.plugins.selected = i;
                }
            }
            deliver(model, &ViewEvent::Mouse(relative), effects);
            return;
        }
    };
    match &model.tabs[model.active] {
        Tab::Plugin { .. } => deliver(model, &ViewEvent::Mouse(relative), effects),
        _ => {
            host_tab_key(model, KeyPress::plain(step), effects);
        }
    }
}

/// Focuses tab `i`, telling the views that lose and gain focus.
fn focus(model: &mut Model, i: usize, effects: &mut Vec<Effect>) {
    if i == model.active {
        return;
    }
    deliver(model, &ViewEvent::Focus(false), effects);
    model.active = i;
    model.filter.editing = None;
    deliver(model, &ViewEvent::Focus(true), effects);
}

/// Sends `event` to the focused plugin view, if that is what has focus.
fn deliver(model: &mut Model, event: &ViewEvent, effects: &mut Vec<Effect>) {
    if let Tab::Plugin {
        view: Some(view), ..
    } = model.active_tab()
    {
        let plugin = view.plugin;
        view.handle(event);
        let intents = view.take_intents();
        intents_to_effects(model, plugin, intents, effects);
    }
}

/// The palette words of the focused plugin view (none for host tabs).
fn focused_palette_entries(model: &mut Model) -> Vec<PaletteEntry> {
    match model.active_tab() {
        Tab::Plugin { view: Some(v), .. } => v.palette_entries(),
        _ => Vec::new(),
    }
}

fn current_filter(model: &mut Model) -> String {
    match model.tabs[model.active] {
        Tab::Plugins => model.plugins.filter.clone(),
        Tab::Events => model.events.filter.clone(),
        _ => String::new(),
    }
}

fn set_filter(model: &mut Model, text: String, effects: &mut Vec<Effect>) {
    match model.tabs[model.active] {
        Tab::Plugins => {
            model.plugins.filter = text;
            model.plugins.selected = 0;
        }
        Tab::Events => {
            model.events.filter = text;
            model.events.scroll = 0;
        }
        _ => deliver(model, &ViewEvent::Filter(text), effects),
    }
}

/// Views that panicked since the last message are reported once.
pub fn collect_panics(model: &mut Model) -> Vec<Effect> {
    let mut effects = Vec::new();
    let views = model
        .tabs
        .iter_mut()
        .filter_map(|t| match t {
            Tab::Plugin { view: Some(v), .. } => Some(v),
            _ => None,
        })
        .chain(model.lenses.iter_mut());
    for view in views {
        report(view, &mut effects);
    }
    effects
}

fn report(view: &mut HostedView, effects: &mut Vec<Effect>) {
    if let Some(reason) = view.unreported.take() {
        effects.push(Effect::ViewPanicked {
            plugin: view.plugin,
            reason,
        });
    }
}
