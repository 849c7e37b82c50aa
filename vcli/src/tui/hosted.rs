//! A plugin's view as the host holds it: every call inside panic
//! isolation, and a view that panicked replaced by what it said.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use vcli_plugin_api::{Intent, KeyHint, KeyOutcome, PaletteEntry, View, ViewEvent};

thread_local! {
    /// Set while this thread runs view code, so that the TUI's panic hook
    /// leaves the terminal alone for a panic that will be caught.
    static IN_VIEW: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is inside a view call.
pub fn in_view_call() -> bool {
    IN_VIEW.with(Cell::get)
}

/// A view and the plugin it belongs to.
pub struct HostedView {
    /// The plugin that made it.
    pub plugin: &'static str,
    view: Box<dyn View>,
    /// The panic that broke it, once it has.
    pub broken: Option<String>,
    /// A panic not yet reported to the manager.
    pub unreported: Option<String>,
    /// Charges the view's calls to its plugin (none in tests).
    charge: Option<crate::manager::ViewCharge>,
}

impl std::fmt::Debug for HostedView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostedView")
            .field("plugin", &self.plugin)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl HostedView {
    /// Hosts `view` from `plugin`.
    pub fn new(plugin: &'static str, view: Box<dyn View>) -> Self {
        HostedView {
            plugin,
            view,
            broken: None,
            unreported: None,
            charge: None,
        }
    }

    /// Charges every call into the view to its plugin's CPU and memory.
    #[must_use]
    pub fn charged(mut self, charge: Option<crate::manager::ViewCharge>) -> Self {
        self.charge = charge;
        self
    }

    /// Runs `f` on the view unless it is broken; a panic breaks it.
    fn call<T>(&mut self, call: &str, fallback: T, f: impl FnOnce(&mut dyn View) -> T) -> T {
        if self.broken.is_some() {
            return fallback;
        }
        IN_VIEW.with(|v| v.set(true));
        let view = self.view.as_mut();
        let guarded = || catch_unwind(AssertUnwindSafe(|| f(view)));
        let result = match &self.charge {
            Some(charge) => charge.run(guarded),
            None => guarded(),
        };
        IN_VIEW.with(|v| v.set(false));
        match result {
            Ok(value) => value,
            Err(payload) => {
                let message = crate::manager::panic_text(payload);
                let reason = format!("view panicked in {call}: {message}");
                self.broken = Some(reason.clone());
                self.unreported = Some(reason);
                fallback
            }
        }
    }

    /// The tab title.
    pub fn title(&self) -> String {
        if self.broken.is_some() {
            return format!("{} ✗", self.plugin);
        }
        IN_VIEW.with(|v| v.set(true));
        let title = catch_unwind(AssertUnwindSafe(|| self.view.title()));
        IN_VIEW.with(|v| v.set(false));
        title.unwrap_or_else(|_| self.plugin.to_owned())
    }

    /// Draws the view, or why it is gone.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        self.call("render", (), |v| v.render(area, buf));
        if let Some(reason) = &self.broken {
            let bold = Style::new().add_modifier(Modifier::BOLD);
            buf.set_stringn(area.x, area.y, reason, usize::from(area.width), bold);
            if area.height > 1 {
                buf.set_stringn(
                    area.x,
                    area.y + 1,
                    "the plugin was marked failed; see the Plugins tab",
                    usize::from(area.width),
                    Style::new(),
                );
            }
        }
    }

    /// Delivers an event.
    pub fn handle(&mut self, event: &ViewEvent) -> KeyOutcome {
        self.call("handle_event", KeyOutcome::Ignored, |v| {
            v.handle_event(event)
        })
    }

    /// Whether the view filters rows by the `/` line.
    pub fn filterable(&mut self) -> bool {
        self.call("filterable", false, |v| v.filterable())
    }

    /// The view's key hints.
    pub fn key_hints(&mut self) -> Vec<KeyHint> {
        self.call("key_hints", Vec::new(), |v| v.key_hints())
    }

    /// The header summary.
    pub fn summary(&mut self) -> Option<String> {
        self.call("summary", None, |v| v.summary())
    }

    /// The status message.
    pub fn status(&mut self) -> Option<String> {
        self.call("status", None, |v| v.status())
    }

    /// The words the view adds to the palette.
    pub fn palette_entries(&mut self) -> Vec<PaletteEntry> {
        self.call("palette_entries", Vec::new(), |v| v.palette_entries())
    }

    /// Intents produced since the last call.
    pub fn take_intents(&mut self) -> Vec<Intent> {
        self.call("take_intents", Vec::new(), |v| v.take_intents())
    }
}
