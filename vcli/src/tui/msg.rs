//! What changes the model (messages) and what `update` asks the runtime to
//! do in return (effects).

use std::time::SystemTime;

use vcli_plugin_api::{KeyPress, MouseKind, ResourceRef};

use crate::manager::Event;

use super::hosted::HostedView;
use super::model::{CommandState, PluginAction, PluginRow};
use super::palette::Parsed;

/// Everything the event loop feeds `update`.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyPress),
    /// A mouse event at a screen cell.
    Mouse {
        /// What happened.
        kind: MouseKind,
        /// Screen column.
        column: u16,
        /// Screen row.
        row: u16,
    },
    /// The terminal's new size (already debounced).
    Resize(u16, u16),
    /// The slow tick, with the wall clock.
    Tick(SystemTime),
    /// A manager event.
    Manager(Event),
    /// The event subscriber lagged and missed this many events.
    Lagged(u64),
    /// Fresh snapshots of every plugin.
    Plugins(Vec<PluginRow>),
    /// A plugin's view became available, or why it is not.
    View {
        /// The plugin.
        plugin: &'static str,
        /// Its view, when it runs and has one.
        view: Option<HostedView>,
        /// What to show instead.
        waiting: String,
    },
    /// Lenses and commands other plugins offer for the selected resource.
    Lenses {
        /// What was selected.
        resource: ResourceRef,
        /// Panels about it.
        lenses: Vec<HostedView>,
        /// Command lines for it.
        commands: Vec<vcli_plugin_api::ResourceCommand>,
        /// What is missing, when no lens came.
        note: Option<String>,
    },
    /// Output from a palette command.
    Output {
        /// The command tab.
        id: u64,
        /// The text.
        text: String,
    },
    /// A palette command ended.
    Ended {
        /// The command tab.
        id: u64,
        /// How.
        state: CommandState,
    },
    /// A plugin's model changed: draw a frame.
    PluginChanged,
    /// A message for the status line.
    Status(String),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
}

/// What `update` asks the runtime to do.
#[derive(Debug)]
pub enum Effect {
    /// Start, stop or reload a plugin.
    Plugin {
        /// Which.
        plugin: &'static str,
        /// What.
        action: PluginAction,
    },
    /// Run a parsed palette line in command tab `id`.
    Run {
        /// The command tab.
        id: u64,
        /// The line as typed.
        line: String,
        /// The parsed command.
        parsed: Parsed,
    },
    /// Cancel the command of tab `id`.
    Cancel(u64),
    /// Ask every other plugin for lenses on `resource`, selected in `from`'s view.
    Lens {
        /// The plugin whose view selected it.
        from: &'static str,
        /// What was selected.
        resource: ResourceRef,
    },
    /// Tell the manager a view panicked.
    ViewPanicked {
        /// The plugin.
        plugin: &'static str,
        /// The panic.
        reason: String,
    },
    /// Write the palette history.
    SaveHistory,
    /// Clear the terminal and draw everything again.
    ClearScreen,
}
