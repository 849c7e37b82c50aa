//! The TUI's state: a plain struct that `update` changes and `view` draws.
//! Nothing in it talks to the terminal or the manager, so whole screens are
//! built in tests and snapshotted.

use std::collections::VecDeque;
use std::time::SystemTime;

use crate::manager::{Event, PluginInfo, Violation};

use super::hosted::HostedView;
use super::keys::Keymap;
use super::palette::Palette;
use super::theme::Theme;

/// How many manager events the Events tab keeps.
pub const EVENT_RING: usize = 1_000;
/// How many lines a command tab keeps; older ones are dropped and counted.
pub const OUTPUT_LINES: usize = 10_000;
/// Health results kept per plugin for the detail pane.
pub const HEALTH_HISTORY: usize = 20;

/// The whole TUI.
#[derive(Debug)]
pub struct Model {
    /// `vcli 0.1.0`, for the header.
    pub binary: String,
    /// Tabs in order: plugin views, Plugins, Events, then command tabs.
    pub tabs: Vec<Tab>,
    /// The selected tab.
    pub active: usize,
    /// The Plugins tab.
    pub plugins: PluginsPanel,
    /// The Events tab.
    pub events: EventLog,
    /// What is drawn over the body, if anything.
    pub overlay: Option<Overlay>,
    /// The filter line while it is being typed, and the filter in force per tab.
    pub filter: FilterLine,
    /// Lenses other plugins offer on the resource the focused view selected.
    pub lenses: Vec<HostedView>,
    /// The plugin whose view selected what the lenses show: they are shown
    /// beside that view only.
    pub lens_owner: Option<&'static str>,
    /// Why no other plugin shows anything about the selection, when none
    /// does (a plugin not in this build, disabled or failed): said where the
    /// lens would be, so an operator knows what is missing.
    pub lens_note: Option<String>,
    /// The selected resource and the command lines plugins offer for it.
    pub selection: Option<(
        vcli_plugin_api::ResourceRef,
        Vec<vcli_plugin_api::ResourceCommand>,
    )>,
    /// A message for the status line.
    pub status: Option<String>,
    /// The global keys.
    pub keys: Keymap,
    /// Colours.
    pub theme: Theme,
    /// The terminal's size.
    pub size: (u16, u16),
    /// The wall clock, for ages; set by ticks so that views stay pure.
    pub now: SystemTime,
    /// Set by `update` when the user asked to leave.
    pub quit: bool,
    /// The command palette's history and state (kept while closed).
    pub palette: Palette,
    /// Numbers the next command tab.
    pub next_command: u64,
}

/// One tab.
#[derive(Debug)]
pub enum Tab {
    /// A plugin's own view; `None` until the plugin runs.
    Plugin {
        /// The plugin's name.
        plugin: &'static str,
        /// Its title until the view exists.
        title: String,
        /// The view, once the plugin runs.
        view: Option<HostedView>,
        /// Why there is no view (starting, failed, not running).
        waiting: String,
    },
    /// Every linked plugin.
    Plugins,
    /// Manager events.
    Events,
    /// A command run from the palette.
    Command(CommandPane),
}

impl Tab {
    /// The title shown in the tab bar.
    pub fn title(&self) -> String {
        match self {
            Tab::Plugin { title, view, .. } => view
                .as_ref()
                .map_or_else(|| title.clone(), HostedView::title),
            Tab::Plugins => "Plugins".to_owned(),
            Tab::Events => "Events".to_owned(),
            Tab::Command(pane) => pane.title(),
        }
    }
}

/// The Plugins tab: the manager's snapshots plus what the TUI remembers.
#[derive(Debug, Default)]
pub struct PluginsPanel {
    /// One row per linked plugin, sorted by name.
    pub rows: Vec<PluginRow>,
    /// The selected row.
    pub selected: usize,
    /// Whether the detail pane of the selected plugin is open.
    pub detail: bool,
    /// The filter in force.
    pub filter: String,
}

/// What the Plugins tab shows of one plugin.
#[derive(Debug)]
pub struct PluginRow {
    /// The manager's snapshot.
    pub info: PluginInfo,
    /// Capabilities the policy granted.
    pub granted: Vec<vcli_plugin_api::Capability>,
    /// Received + sent bytes per second since the previous sample.
    pub net_rate: f64,
    /// The last health results, oldest first.
    pub health_history: VecDeque<(SystemTime, vcli_plugin_api::HealthState, String)>,
    /// The last violations, oldest first.
    pub violations: Vec<std::sync::Arc<Violation>>,
    /// Budget lines for the detail pane (`memory 64 MiB`).
    pub limits: Vec<String>,
}

impl PluginsPanel {
    /// The rows that match the filter.
    pub fn visible(&self) -> Vec<&PluginRow> {
        let needle = self.filter.to_lowercase();
        self.rows
            .iter()
            .filter(|r| needle.is_empty() || r.info.name.to_lowercase().contains(&needle))
            .collect()
    }
}

/// The Events tab: a bounded ring of the manager's events.
#[derive(Debug, Default)]
pub struct EventLog {
    /// Newest last.
    pub ring: VecDeque<Event>,
    /// Events the subscriber missed because it lagged, plus those pushed out of the ring.
    pub dropped: u64,
    /// The filter in force (plugin, kind or message).
    pub filter: String,
    /// Rows scrolled up from the newest; 0 follows new events.
    pub scroll: usize,
}

impl EventLog {
    /// Adds an event, dropping the oldest past [`EVENT_RING`].
    pub fn push(&mut self, event: Event) {
        if self.ring.len() == EVENT_RING {
            self.ring.pop_front();
            self.dropped += 1;
        }
        self.ring.push_back(event);
        if self.scroll > 0 {
            self.scroll += 1;
        }
    }

    /// The events that match the filter, oldest first.
    pub fn visible(&self) -> Vec<&Event> {
        let needle = self.filter.to_lowercase();
        self.ring
            .iter()
            .filter(|e| {
                needle.is_empty()
                    || e.plugin.to_lowercase().contains(&needle)
                    || super::view::events::kind_text(&e.kind).0.contains(&needle)
                    || super::view::events::kind_text(&e.kind)
                        .1
                        .to_lowercase()
                        .contains(&needle)
            })
            .collect()
    }
}

/// What covers the body.
#[derive(Debug)]
pub enum Overlay {
    /// The keys.
    Help,
    /// Asks before stopping or reloading a plugin.
    Confirm {
        /// What will happen.
        action: PluginAction,
        /// To which plugin.
        plugin: &'static str,
    },
    /// The command palette is open.
    Palette,
}

/// What the Plugins tab can do to a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginAction {
    /// Start it.
    Start,
    /// Stop it.
    Stop,
    /// Stop, rebuild and start it.
    Reload,
}

impl PluginAction {
    /// The verb, for prompts and status messages.
    pub fn verb(self) -> &'static str {
        match self {
            PluginAction::Start => "start",
            PluginAction::Stop => "stop",
            PluginAction::Reload => "reload",
        }
    }
}

/// The `/` line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FilterLine {
    /// The text being typed, while the line is open.
    pub editing: Option<String>,
}

/// A command run from the palette, with its output.
#[derive(Debug)]
pub struct CommandPane {
    /// Which command tab this is.
    pub id: u64,
    /// The line as typed.
    pub line: String,
    /// Complete lines of output, oldest first, at most [`OUTPUT_LINES`].
    pub lines: VecDeque<String>,
    /// A line not yet ended by a newline.
    pub partial: String,
    /// Lines dropped from the front.
    pub dropped: u64,
    /// Rows scrolled up from the end; 0 follows the output.
    pub scroll: usize,
    /// Running, or how it ended.
    pub state: CommandState,
}

/// Where a palette command is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandState {
    /// Still running (following a stream, or not done yet).
    Running,
    /// Ended well.
    Done,
    /// Ended with this error, in the CLI's words.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

impl CommandPane {
    /// A pane for a command that just started.
    pub fn new(id: u64, line: String) -> Self {
        CommandPane {
            id,
            line,
            lines: VecDeque::new(),
            partial: String::new(),
            dropped: 0,
            scroll: 0,
            state: CommandState::Running,
        }
    }

    /// The tab title: the command, shortened.
    pub fn title(&self) -> String {
        let mut title: String = self.line.chars().take(24).collect();
        if self.line.chars().count() > 24 {
            title.push('…');
        }
        let mark = match self.state {
            CommandState::Running => "⟳ ",
            CommandState::Done => "",
            CommandState::Failed(_) => "✗ ",
            CommandState::Cancelled => "■ ",
        };
        format!("{mark}{title}")
    }

    /// Appends output, splitting it into lines and keeping the last
    /// [`OUTPUT_LINES`].
    pub fn append(&mut self, text: &str) {
        let mut rest = text;
        while let Some(i) = rest.find('\n') {
            self.partial.push_str(rest[..i].trim_end_matches('\r'));
            let line = std::mem::take(&mut self.partial);
            self.push_line(line);
            rest = &rest[i + 1..];
        }
        self.partial.push_str(rest);
    }

    fn push_line(&mut self, line: String) {
        if self.lines.len() == OUTPUT_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
        if self.scroll > 0 {
            self.scroll += 1;
        }
    }

    /// Ends the pane: a last partial line becomes a line.
    pub fn finish(&mut self, state: CommandState) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.push_line(line);
        }
        self.state = state;
    }
}

impl Model {
    /// A model with no plugin tabs yet, the Plugins and Events tabs, the
    /// given keys and theme, at `size`.
    pub fn new(
        binary: String,
        keys: Keymap,
        theme: Theme,
        size: (u16, u16),
        now: SystemTime,
    ) -> Model {
        Model {
            binary,
            tabs: vec![Tab::Plugins, Tab::Events],
            active: 0,
            plugins: PluginsPanel::default(),
            events: EventLog::default(),
            overlay: None,
            filter: FilterLine::default(),
            lenses: Vec::new(),
            selection: None,
            lens_owner: None,
            lens_note: None,
            status: None,
            keys,
            theme,
            size,
            now,
            quit: false,
            palette: Palette::default(),
            next_command: 1,
        }
    }

    /// Adds a tab for `plugin`'s view before the Plugins tab.
    pub fn add_plugin_tab(&mut self, plugin: &'static str, title: String, waiting: String) {
        let at = self
            .tabs
            .iter()
            .position(|t| matches!(t, Tab::Plugins))
            .unwrap_or(self.tabs.len());
        self.tabs.insert(
            at,
            Tab::Plugin {
                plugin,
                title,
                view: None,
                waiting,
            },
        );
    }

    /// The tab of `plugin`'s view.
    pub fn plugin_tab(&mut self, plugin: &str) -> Option<&mut Tab> {
        self.tabs
            .iter_mut()
            .find(|t| matches!(t, Tab::Plugin { plugin: p, .. } if *p == plugin))
    }

    /// The command tab with `id`.
    pub fn command_pane(&mut self, id: u64) -> Option<&mut CommandPane> {
        self.tabs.iter_mut().find_map(|t| match t {
            Tab::Command(pane) if pane.id == id => Some(pane),
            _ => None,
        })
    }

    /// The focused tab.
    pub fn active_tab(&mut self) -> &mut Tab {
        let last = self.tabs.len() - 1;
        &mut self.tabs[self.active.min(last)]
    }
}
