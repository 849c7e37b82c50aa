//! A plugin's tab in the TUI: render from a model, react to events, offer
//! key hints, and name resources for other plugins' lenses.

mod event;
mod intent;
mod palette;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

pub use event::{Key, KeyPress, Modifiers, Mouse, MouseKind, ViewEvent};
pub use intent::{Intent, KeyHint, ResourceCommand, ResourceRef};
pub use palette::PaletteEntry;

/// Whether a view used an event or lets the host handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    /// The view used the event; the host redraws.
    Consumed,
    /// The view ignored the event; the host may use it (tab switching, quit).
    Ignored,
}

/// A plugin's view in the TUI.
///
/// Views render from plain model structs that the plugin keeps current in
/// the background, so rendering is a pure function of the model and can be
/// snapshot-tested with ratatui's `TestBackend`. `render` must be fast: it
/// runs on the UI thread when something changed and must lay out only
/// visible rows. The host calls every method inside panic isolation: a view
/// that panics is replaced by the panic's message and its plugin is failed.
///
/// Only [`title`](View::title) and [`render`](View::render) are required;
/// every other method has a default, so a view written against an earlier
/// 1.x release keeps compiling.
///
/// # Example
///
/// A view over a counter that a background task keeps current. The task
/// asks the host for a frame through [`Redraw`](crate::Redraw) whenever the
/// model changes, so the host renders on change and never on a timer.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use vcli_plugin_api::ratatui_core::{buffer::Buffer, layout::Rect, style::Style};
/// use vcli_plugin_api::{Key, KeyHint, KeyOutcome, View, ViewEvent, Intent, ResourceRef};
///
/// #[derive(Default)]
/// struct Model {
///     items: Vec<String>,
/// }
///
/// struct ListView {
///     model: Arc<Mutex<Model>>,
///     selected: usize,
///     filter: String,
///     intents: Vec<Intent>,
/// }
///
/// impl View for ListView {
///     fn title(&self) -> String {
///         "Items".into()
///     }
///
///     fn render(&mut self, area: Rect, buf: &mut Buffer) {
///         let model = self.model.lock().unwrap();
///         let rows = model.items.iter().filter(|i| i.contains(&self.filter));
///         for (row, item) in rows.take(usize::from(area.height)).enumerate() {
///             let marker = if row == self.selected { "> " } else { "  " };
///             let y = area.y + row as u16;
///             buf.set_stringn(area.x, y, format!("{marker}{item}"), usize::from(area.width), Style::default());
///         }
///     }
///
///     fn handle_event(&mut self, event: &ViewEvent) -> KeyOutcome {
///         match event {
///             ViewEvent::Key(press) if press.key == Key::Down => {
///                 self.selected += 1;
///                 let name = self.model.lock().unwrap().items.get(self.selected).cloned();
///                 if let Some(name) = name {
///                     self.intents.push(Intent::Selected(ResourceRef::new("Item", name)));
///                 }
///                 KeyOutcome::Consumed
///             }
///             ViewEvent::Filter(text) => {
///                 self.filter = text.clone();
///                 KeyOutcome::Consumed
///             }
///             _ => KeyOutcome::Ignored,
///         }
///     }
///
///     fn filterable(&self) -> bool {
///         true
///     }
///
///     fn key_hints(&self) -> Vec<KeyHint> {
///         vec![KeyHint::new("↓", "next item")]
///     }
///
///     fn take_intents(&mut self) -> Vec<Intent> {
///         std::mem::take(&mut self.intents)
///     }
/// }
///
/// # let model = Arc::new(Mutex::new(Model { items: vec!["a".into(), "b".into()] }));
/// # let mut view = ListView { model, selected: 0, filter: String::new(), intents: vec![] };
/// # let mut buf = Buffer::empty(Rect::new(0, 0, 10, 2));
/// # view.render(buf.area, &mut buf);
/// # assert_eq!(view.handle_event(&ViewEvent::Key(vcli_plugin_api::KeyPress::plain(Key::Down))), KeyOutcome::Consumed);
/// # assert_eq!(view.take_intents(), vec![Intent::Selected(ResourceRef::new("Item", "b"))]);
/// ```
pub trait View: Send {
    /// The tab title.
    fn title(&self) -> String;

    /// Draws the view into `area` of `buf`.
    fn render(&mut self, area: Rect, buf: &mut Buffer);

    /// Handles a key press while the view has focus. Views that need
    /// modifiers, the mouse or the filter line implement
    /// [`handle_event`](View::handle_event) instead.
    fn handle_key(&mut self, key: Key) -> KeyOutcome {
        let _ = key;
        KeyOutcome::Ignored
    }

    /// Handles any event. The default passes key presses without Alt to
    /// [`handle_key`](View::handle_key) and ignores the rest.
    fn handle_event(&mut self, event: &ViewEvent) -> KeyOutcome {
        match event {
            ViewEvent::Key(press) if !press.modifiers.alt => self.handle_key(press.key),
            _ => KeyOutcome::Ignored,
        }
    }

    /// Whether the view filters its rows by the host's `/` filter line,
    /// delivered as [`ViewEvent::Filter`].
    fn filterable(&self) -> bool {
        false
    }

    /// The view's keys, for the footer and the `?` help overlay.
    fn key_hints(&self) -> Vec<KeyHint> {
        Vec::new()
    }

    /// A one-line summary for the header (for example the context and the
    /// connection state), shown even when the view's tab is not selected.
    fn summary(&self) -> Option<String> {
        None
    }

    /// A message for the status line (a note, a warning); `None` for none.
    fn status(&self) -> Option<String> {
        None
    }

    /// Words the view adds to the host's command palette while it has
    /// focus (for example `pods`, `deploy`), offered in completion. When
    /// the typed line is exactly one of them, the host delivers the entry as
    /// [`ViewEvent::Palette`] instead of running a command. The host asks
    /// when the palette opens and when a line is entered, so the list may
    /// change with the view's state. The default offers none.
    fn palette_entries(&self) -> Vec<PaletteEntry> {
        Vec::new()
    }

    /// The intents the view produced since the last call (the host calls
    /// this after every event it delivers).
    fn take_intents(&mut self) -> Vec<Intent> {
        Vec::new()
    }
}
