//! What a view receives from the host: keys with modifiers, the mouse,
//! resizes, focus, ticks and the filter line.

use super::intent::ResourceRef;

/// A key, independent of the terminal library the host uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Key {
    /// A printable character.
    Char(char),
    /// A character typed with Ctrl held. Hosts also send the same press as
    /// [`ViewEvent::Key`] with [`Modifiers::ctrl`] set.
    Ctrl(char),
    /// Enter / Return.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
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
    /// A function key, `F(1)` to `F(12)`.
    F(u8),
}

/// The modifier keys held with a key or a click.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Modifiers {
    /// Shift.
    pub shift: bool,
    /// Control.
    pub ctrl: bool,
    /// Alt (Option on macOS).
    pub alt: bool,
}

impl Modifiers {
    /// No modifier held.
    pub const NONE: Modifiers = Modifiers {
        shift: false,
        ctrl: false,
        alt: false,
    };
}

/// A key press with the modifiers held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPress {
    /// The key.
    pub key: Key,
    /// The modifiers held.
    pub modifiers: Modifiers,
}

impl KeyPress {
    /// A key pressed without modifiers.
    pub const fn plain(key: Key) -> Self {
        KeyPress {
            key,
            modifiers: Modifiers::NONE,
        }
    }
}

/// What the mouse did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MouseKind {
    /// The left button went down.
    Click,
    /// The wheel turned towards the user's past (content moves down).
    ScrollUp,
    /// The wheel turned the other way.
    ScrollDown,
}

/// A mouse event, at a cell relative to the view's area (0, 0 is its top left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    /// What happened.
    pub kind: MouseKind,
    /// Column inside the view's area.
    pub column: u16,
    /// Row inside the view's area.
    pub row: u16,
    /// The modifiers held.
    pub modifiers: Modifiers,
}

/// Everything the host tells a view, through [`View::handle_event`](super::View::handle_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViewEvent {
    /// A key was pressed while the view had focus.
    Key(KeyPress),
    /// The mouse acted inside the view's area.
    Mouse(Mouse),
    /// The view's area changed size (in cells).
    Resize {
        /// New width.
        width: u16,
        /// New height.
        height: u16,
    },
    /// The view's tab was selected (`true`) or left (`false`).
    Focus(bool),
    /// A slow periodic tick (about once a second), for clocks and ages.
    /// Views never need it to show new data: they ask for a redraw through
    /// [`Redraw`](crate::Redraw) when their model changes.
    Tick,
    /// The text of the host's filter line (`/`), sent on every edit; empty
    /// clears the filter. Only views whose [`View::filterable`](super::View::filterable)
    /// is true receive it.
    Filter(String),
    /// Another view asked to show this resource (an alert naming a pod, for
    /// example). A view that can show it selects it and returns
    /// [`KeyOutcome::Consumed`](super::KeyOutcome::Consumed); the host then
    /// focuses that view.
    Reveal(ResourceRef),
    /// The user chose one of the view's [`View::palette_entries`](super::View::palette_entries)
    /// in the host's command palette (typed its name or an alias).
    Palette(super::PaletteEntry),
}
