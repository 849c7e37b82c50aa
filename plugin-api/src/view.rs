//! A plugin's tab in the TUI: render from a model, react to keys.

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

/// A key press, independent of the terminal library the host uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Key {
    /// A printable character.
    Char(char),
    /// A character typed with Ctrl held.
    Ctrl(char),
    /// Enter / Return.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Tab.
    Tab,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
}

/// Whether a view used a key or lets the host handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    /// The view used the key; the host redraws.
    Consumed,
    /// The view ignored the key; the host may use it (tab switching, quit).
    Ignored,
}

/// A plugin's view in the TUI.
///
/// Views render from plain model structs that the plugin keeps current in
/// the background, so rendering is a pure function of the model and can be
/// snapshot-tested with ratatui's `TestBackend`. `render` must be fast: it
/// runs on the UI thread every frame and must lay out only visible rows.
pub trait View: Send {
    /// The tab title.
    fn title(&self) -> String;

    /// Draws the view into `area` of `buf`.
    fn render(&mut self, area: Rect, buf: &mut Buffer);

    /// Handles a key press while the view has focus.
    fn handle_key(&mut self, key: Key) -> KeyOutcome {
        let _ = key;
        KeyOutcome::Ignored
    }
}
