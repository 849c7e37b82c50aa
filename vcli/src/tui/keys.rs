//! The global keys: what each action is bound to, parsed once from
//! `[tui.keys]` with conflicts reported against the file.

use std::collections::BTreeMap;
use std::fmt;

use vcli_plugin_api::{Key, KeyPress, Modifiers};

/// What a global key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Leave the TUI.
    Quit,
    /// Next tab.
    NextTab,
    /// Previous tab.
    PrevTab,
    /// Open the command palette.
    Palette,
    /// Open the filter line of the focused list.
    Filter,
    /// Show the keys.
    Help,
    /// Clear and redraw the whole screen.
    Redraw,
    /// Start the selected plugin (Plugins tab).
    Start,
    /// Stop the selected plugin, after a confirmation (Plugins tab).
    Stop,
    /// Reload the selected plugin, after a confirmation (Plugins tab).
    Reload,
    /// Close the focused command tab.
    CloseTab,
}

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: [Action; 11] = [
        Action::Quit,
        Action::NextTab,
        Action::PrevTab,
        Action::Palette,
        Action::Filter,
        Action::Help,
        Action::Redraw,
        Action::Start,
        Action::Stop,
        Action::Reload,
        Action::CloseTab,
    ];

    /// The name used in `[tui.keys]`.
    pub fn config_name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::Palette => "palette",
            Action::Filter => "filter",
            Action::Help => "help",
            Action::Redraw => "redraw",
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Reload => "reload",
            Action::CloseTab => "close_tab",
        }
    }

    /// What it does, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::Palette => "command palette",
            Action::Filter => "filter the list",
            Action::Help => "this help",
            Action::Redraw => "redraw the screen",
            Action::Start => "start plugin",
            Action::Stop => "stop plugin",
            Action::Reload => "reload plugin",
            Action::CloseTab => "close command tab",
        }
    }

    /// The default binding. None of them is a tmux or screen prefix
    /// (Ctrl-B, Ctrl-A) or a key terminals take for themselves.
    fn default_key(self) -> KeyPress {
        let plain = |c| KeyPress::plain(Key::Char(c));
        match self {
            Action::Quit => plain('q'),
            Action::NextTab => KeyPress::plain(Key::Tab),
            Action::PrevTab => KeyPress::plain(Key::BackTab),
            Action::Palette => plain(':'),
            Action::Filter => plain('/'),
            Action::Help => plain('?'),
            Action::Redraw => KeyPress {
                key: Key::Char('l'),
                modifiers: Modifiers {
                    ctrl: true,
                    ..Modifiers::NONE
                },
            },
            Action::Start => plain('s'),
            Action::Stop => plain('x'),
            Action::Reload => plain('r'),
            Action::CloseTab => plain('w'),
        }
    }
}

/// The bindings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Action, KeyPress>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: Action::ALL.iter().map(|a| (*a, a.default_key())).collect(),
        }
    }
}

/// Why `[tui.keys]` could not be used: `at` is the byte offset in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    /// Byte offset of the offending entry.
    pub at: usize,
    /// The dotted key (`tui.keys.quit`).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl Keymap {
    /// Builds the keymap from `[tui.keys]` entries (action name, key text,
    /// offsets of both), on top of the defaults.
    ///
    /// # Errors
    ///
    /// An unknown action, a key that cannot be parsed, or two actions on
    /// the same key.
    pub fn from_entries(
        entries: impl IntoIterator<Item = (String, usize, String, usize)>,
    ) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        let mut set_at = BTreeMap::new();
        for (name, name_at, text, text_at) in entries {
            let Some(action) = Action::ALL
                .iter()
                .copied()
                .find(|a| a.config_name() == name)
            else {
                let known: Vec<_> = Action::ALL.iter().map(|a| a.config_name()).collect();
                return Err(KeymapError {
                    at: name_at,
                    key: format!("tui.keys.{name}"),
                    message: format!("unknown action; known: {}", known.join(", ")),
                });
            };
            let press = parse_key(&text).map_err(|message| KeymapError {
                at: text_at,
                key: format!("tui.keys.{name}"),
                message,
            })?;
            map.bindings.insert(action, press);
            set_at.insert(action, text_at);
        }
        // Conflicts are reported at the entry the user wrote; a default
        // that now collides with it is named so it can be moved too.
        for (action, at) in &set_at {
            let press = map.bindings[action];
            if let Some(other) = map
                .bindings
                .iter()
                .find(|(a, p)| *a != action && **p == press)
                .map(|(a, _)| *a)
            {
                return Err(KeymapError {
                    at: *at,
                    key: format!("tui.keys.{}", action.config_name()),
                    message: format!(
                        "{} is already bound to {}; bind {} to another key too",
                        KeyName(press),
                        other.config_name(),
                        other.config_name()
                    ),
                });
            }
        }
        Ok(map)
    }

    /// The action bound to `press`, if any.
    pub fn action(&self, press: KeyPress) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(_, p)| **p == press)
            .map(|(a, _)| *a)
    }

    /// The key bound to `action`, as the user would type it.
    pub fn key_of(&self, action: Action) -> String {
        self.bindings
            .get(&action)
            .map_or_else(String::new, |p| KeyName(*p).to_string())
    }
}

/// Parses `q`, `ctrl-l`, `alt-x`, `shift-tab`, `f5`, `esc`, `enter`, `:`.
fn parse_key(text: &str) -> Result<KeyPress, String> {
    let mut modifiers = Modifiers::NONE;
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        if let Some(r) = lower
            .strip_prefix("ctrl-")
            .or_else(|| lower.strip_prefix("c-"))
        {
            modifiers.ctrl = true;
            rest = &rest[rest.len() - r.len()..];
        } else if let Some(r) = lower
            .strip_prefix("alt-")
            .or_else(|| lower.strip_prefix("m-"))
        {
            modifiers.alt = true;
            rest = &rest[rest.len() - r.len()..];
        } else if let Some(r) = lower.strip_prefix("shift-") {
            modifiers.shift = true;
            rest = &rest[rest.len() - r.len()..];
        } else {
            break;
        }
    }
    let key = match rest.to_ascii_lowercase().as_str() {
        "tab" if modifiers.shift => {
            modifiers.shift = false;
            Key::BackTab
        }
        "tab" => Key::Tab,
        "backtab" => Key::BackTab,
        "enter" | "return" => Key::Enter,
        "esc" | "escape" => Key::Esc,
        "backspace" => Key::Backspace,
        "delete" | "del" => Key::Delete,
        "up" => Key::Up,
        "down" => Key::Down,
        "left" => Key::Left,
        "right" => Key::Right,
        "pageup" => Key::PageUp,
        "pagedown" => Key::PageDown,
        "home" => Key::Home,
        "end" => Key::End,
        "space" => Key::Char(' '),
        f if f.len() > 1
            && f.starts_with('f')
            && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
        {
            Key::F(f[1..].parse().unwrap_or(1))
        }
        _ => {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if modifiers.ctrl => Key::Char(c.to_ascii_lowercase()),
                (Some(c), None) => Key::Char(c),
                _ => {
                    return Err(format!(
                        "cannot read key {text:?}; write e.g. \"q\", \"ctrl-l\", \"alt-x\", \"shift-tab\", \"f5\""
                    ));
                }
            }
        }
    };
    if matches!(key, Key::Char('c')) && modifiers.ctrl && !modifiers.alt {
        return Err("ctrl-c always quits and cannot be bound to anything else".to_owned());
    }
    Ok(KeyPress { key, modifiers })
}

/// A key press as the user would write it.
#[derive(Debug)]
pub struct KeyName(pub KeyPress);

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let KeyPress { key, modifiers } = self.0;
        if modifiers.ctrl {
            f.write_str("Ctrl-")?;
        }
        if modifiers.alt {
            f.write_str("Alt-")?;
        }
        if modifiers.shift {
            f.write_str("Shift-")?;
        }
        match key {
            Key::Char(' ') => f.write_str("Space"),
            Key::Char(c) | Key::Ctrl(c) => write!(f, "{c}"),
            Key::Enter => f.write_str("Enter"),
            Key::Esc => f.write_str("Esc"),
            Key::Backspace => f.write_str("Backspace"),
            Key::Delete => f.write_str("Delete"),
            Key::Tab => f.write_str("Tab"),
            Key::BackTab => f.write_str("Shift-Tab"),
            Key::Up => f.write_str("↑"),
            Key::Down => f.write_str("↓"),
            Key::Left => f.write_str("←"),
            Key::Right => f.write_str("→"),
            Key::PageUp => f.write_str("PgUp"),
            Key::PageDown => f.write_str("PgDn"),
            Key::Home => f.write_str("Home"),
            Key::End => f.write_str("End"),
            Key::F(n) => write!(f, "F{n}"),
            _ => f.write_str("?"),
        }
    }
}

/// The terminal's key event as the plugin API names it; `None` for key
/// releases and keys the API has no name for.
pub fn from_crossterm(event: crossterm::event::KeyEvent) -> Option<KeyPress> {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let m = event.modifiers;
    let mut modifiers = Modifiers {
        shift: m.contains(KeyModifiers::SHIFT),
        ctrl: m.contains(KeyModifiers::CONTROL),
        alt: m.contains(KeyModifiers::ALT),
    };
    let key = match event.code {
        KeyCode::Char(c) => {
            // Shift is already in the character (`?`, `A`); keeping it would
            // make `?` differ between terminals that report it and those
            // that don't.
            modifiers.shift = false;
            Key::Char(if modifiers.ctrl {
                c.to_ascii_lowercase()
            } else {
                c
            })
        }
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => {
            modifiers.shift = false;
            Key::BackTab
        }
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::F(n) => Key::F(n),
        _ => return None,
    };
    Some(KeyPress { key, modifiers })
}

/// The key a view written against the first API expects: Ctrl-held
/// characters as [`Key::Ctrl`].
pub fn legacy_key(press: KeyPress) -> KeyPress {
    match press.key {
        Key::Char(c) if press.modifiers.ctrl => KeyPress {
            key: Key::Ctrl(c),
            modifiers: press.modifiers,
        },
        _ => press,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, key: &str) -> (String, usize, String, usize) {
        (name.to_owned(), 0, key.to_owned(), 7)
    }

    #[test]
    fn keys_are_parsed_the_way_they_are_written() {
        let ctrl_l = parse_key("ctrl-l").unwrap();
        assert_eq!(ctrl_l.key, Key::Char('l'));
        assert!(ctrl_l.modifiers.ctrl);
        assert_eq!(
            parse_key("shift-tab").unwrap(),
            KeyPress::plain(Key::BackTab)
        );
        assert_eq!(parse_key("F5").unwrap(), KeyPress::plain(Key::F(5)));
        assert_eq!(parse_key(":").unwrap(), KeyPress::plain(Key::Char(':')));
        assert!(parse_key("ctrl-c").unwrap_err().contains("always quits"));
        assert!(
            parse_key("hyper-q")
                .unwrap_err()
                .contains("cannot read key")
        );
    }

    #[test]
    fn a_remapped_key_replaces_the_default() {
        let map = Keymap::from_entries([entry("quit", "ctrl-q")]).unwrap();
        assert_eq!(map.action(KeyPress::plain(Key::Char('q'))), None);
        assert_eq!(map.key_of(Action::Quit), "Ctrl-q");
    }

    #[test]
    fn conflicts_name_both_actions_and_point_at_the_entry() {
        let err = Keymap::from_entries([entry("quit", "?")]).unwrap_err();
        assert_eq!(err.at, 7);
        assert_eq!(err.key, "tui.keys.quit");
        assert_eq!(
            err.message,
            "? is already bound to help; bind help to another key too"
        );
        let err = Keymap::from_entries([entry("qiut", "z")]).unwrap_err();
        assert!(
            err.message.starts_with("unknown action; known: quit,"),
            "{}",
            err.message
        );
    }
}
