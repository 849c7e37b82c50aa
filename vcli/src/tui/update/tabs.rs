//! Keys of the host's own tabs: Plugins, Events and command output.

use vcli_plugin_api::{Key, KeyPress};

use super::super::keys::Action;
use super::super::model::{CommandState, Model, Overlay, PluginAction, Tab};
use super::super::msg::Effect;

/// Keys of the host's own tabs; true when used.
pub(super) fn host_tab_key(model: &mut Model, press: KeyPress, effects: &mut Vec<Effect>) -> bool {
    let action = model.keys.action(press);
    match &mut model.tabs[model.active] {
        Tab::Plugins => {
            let visible = model.plugins.visible().len();
            let panel = &mut model.plugins;
            match press.key {
                Key::Up | Key::Char('k') => panel.selected = panel.selected.saturating_sub(1),
                Key::Down | Key::Char('j') => {
                    panel.selected = (panel.selected + 1).min(visible.saturating_sub(1));
                }
                Key::Enter => panel.detail = !panel.detail,
                Key::Esc if panel.detail => panel.detail = false,
                _ => {
                    let action = match action {
                        Some(Action::Start) => PluginAction::Start,
                        Some(Action::Stop) => PluginAction::Stop,
                        Some(Action::Reload) => PluginAction::Reload,
                        _ => return false,
                    };
                    let Some(plugin) = model
                        .plugins
                        .visible()
                        .get(model.plugins.selected)
                        .map(|r| r.info.name)
                    else {
                        return true;
                    };
                    if action == PluginAction::Start {
                        model.status = Some(format!("starting {plugin}…"));
                        effects.push(Effect::Plugin { plugin, action });
                    } else {
                        model.overlay = Some(Overlay::Confirm { action, plugin });
                    }
                }
            }
            true
        }
        Tab::Events => {
            let log = &mut model.events;
            let len = log.visible().len();
            match press.key {
                Key::Up | Key::Char('k') => {
                    log.scroll = (log.scroll + 1).min(len.saturating_sub(1))
                }
                Key::Down | Key::Char('j') => log.scroll = log.scroll.saturating_sub(1),
                Key::PageUp => log.scroll = (log.scroll + 10).min(len.saturating_sub(1)),
                Key::PageDown => log.scroll = log.scroll.saturating_sub(10),
                Key::End => log.scroll = 0,
                Key::Home => log.scroll = len.saturating_sub(1),
                _ => return false,
            }
            true
        }
        Tab::Command(pane) => {
            let len = pane.lines.len();
            let page = usize::from(model.size.1.saturating_sub(5)).max(1);
            match press.key {
                Key::Esc if pane.state == CommandState::Running => {
                    effects.push(Effect::Cancel(pane.id))
                }
                Key::Up | Key::Char('k') => {
                    pane.scroll = (pane.scroll + 1).min(len.saturating_sub(1))
                }
                Key::Down | Key::Char('j') => pane.scroll = pane.scroll.saturating_sub(1),
                Key::PageUp => pane.scroll = (pane.scroll + page).min(len.saturating_sub(1)),
                Key::PageDown => pane.scroll = pane.scroll.saturating_sub(page),
                Key::End | Key::Char('G') => pane.scroll = 0,
                Key::Home | Key::Char('g') => pane.scroll = len.saturating_sub(1),
                _ => return false,
            }
            true
        }
        Tab::Plugin { .. } => false,
    }
}
