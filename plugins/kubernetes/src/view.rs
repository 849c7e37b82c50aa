//! The TUI view: lists of pods, deployments and eight more kinds, like
//! k9s. `[` `]` and the palette (`:deploy`, `:svc`) switch kinds, the
//! host's `/` line filters (text, or `-l` and a label selector), Shift and
//! a column's letter sorts, `n` and `c` pick the namespace and contexts.
//!
//! [`render`] is a pure function of the model and the view state, and lays
//! out only the rows that fit on screen, so a 10,000-pod model draws in
//! well under the frame budget (see `benches/view.rs`).

use std::collections::BTreeMap;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vcli_plugin_api::{
    Intent, Key, KeyHint, KeyOutcome, PaletteEntry, ResourceRef, View, ViewEvent,
};

use crate::detail::{Detail, DetailOpener, DetailTarget};
use crate::kind::Kind;
use crate::model::{Request, SharedModel, WatchState};

mod draw;
mod filter;
mod pickers;
mod sort;

pub use draw::{TABLE_TOP, render};
pub use filter::{RowFilter, Selector};
pub use pickers::{Choice, Picker};
pub use sort::{Sort, ordered};
use sort::{matching, window};

/// What the user did to the view: the kind shown, selection, scroll,
/// filter, sorts and an open picker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewState {
    /// The kind listed.
    pub kind: Kind,
    /// Index of the selected row among the rows shown.
    pub selected: usize,
    /// Index of the first row shown.
    pub offset: usize,
    /// Table rows that fit, from the last frame (PageUp/PageDown step).
    pub page: usize,
    /// The filter in force.
    pub filter: RowFilter,
    /// The text of the filter in force, as typed.
    pub filter_text: String,
    /// Why the text typed last is not a filter (a bad label selector).
    pub filter_error: Option<String>,
    /// Each kind's sort; a kind without one is in context/namespace/name order.
    pub sorts: BTreeMap<Kind, Sort>,
    /// The picker open over the table.
    pub picker: Option<Picker>,
}

impl ViewState {
    /// The first row to show so that the selection is visible in `height` rows.
    pub fn effective_offset(&self, height: usize) -> usize {
        let height = height.max(1);
        if self.selected < self.offset {
            self.selected
        } else if self.selected >= self.offset + height {
            self.selected + 1 - height
        } else {
            self.offset
        }
    }

    /// The sort of the kind shown.
    pub fn sort(&self) -> Option<Sort> {
        self.sorts.get(&self.kind).copied()
    }

    /// The filter in force as the user typed it.
    pub fn filter_text_shown(&self) -> &str {
        if self.filter.is_all() {
            "(none)"
        } else {
            &self.filter_text
        }
    }

    /// Applies the text of the host's filter line: a bad selector keeps the
    /// previous filter and says why.
    pub fn set_filter(&mut self, text: &str) {
        match RowFilter::parse(text) {
            Ok(filter) => {
                self.filter = filter;
                self.filter_text = text.to_owned();
                self.filter_error = None;
                self.selected = 0;
                self.offset = 0;
            }
            Err(e) => self.filter_error = Some(e),
        }
    }
}

/// The [`View`] the host's TUI drives: the shared model plus this tab's state.
#[derive(Debug)]
pub struct KubeView {
    model: SharedModel,
    state: ViewState,
    /// The resource last named to the host, so a move is announced once.
    announced: Option<ResourceRef>,
    intents: Vec<Intent>,
    /// Opens an object's detail (Enter); none in views built without a plugin.
    opener: Option<DetailOpener>,
    /// The open detail, drawn instead of the list until Esc closes it.
    detail: Option<Detail>,
}

impl KubeView {
    /// A view of `model`.
    pub fn new(model: SharedModel) -> Self {
        KubeView {
            model,
            state: ViewState::default(),
            announced: None,
            intents: Vec::new(),
            opener: None,
            detail: None,
        }
    }

    /// The same view, opening details with `opener`.
    pub fn with_details(mut self, opener: DetailOpener) -> Self {
        self.opener = Some(opener);
        self
    }

    /// The open detail, if any.
    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// Opens the selected row's detail, for the kinds `describe` knows
    /// (pods, deployments, services and nodes), in the row's own context.
    fn open_detail(&mut self) -> KeyOutcome {
        let kind = self.state.kind;
        let Some(opener) = &self.opener else {
            return KeyOutcome::Ignored;
        };
        if !matches!(
            kind,
            Kind::Pods | Kind::Deployments | Kind::Services | Kind::Nodes
        ) {
            return KeyOutcome::Ignored;
        }
        let model = self.model.lock();
        let s = &self.state;
        let (rows, _) = window(&model, kind, &s.filter, s.sort(), s.selected, 1);
        let target = rows.first().map(|row| DetailTarget {
            context: row.context.clone(),
            kind: kind.api_kind().to_owned(),
            namespace: (!row.namespace.is_empty()).then(|| row.namespace.clone()),
            name: row.name.clone(),
        });
        drop(model);
        match target {
            Some(target) => {
                self.detail = Some(opener.open(target));
                KeyOutcome::Consumed
            }
            None => KeyOutcome::Ignored,
        }
    }

    /// The view's state (for tests).
    pub fn state(&self) -> &ViewState {
        &self.state
    }

    /// The selected row as a resource, for the kinds other plugins know
    /// about (pods and deployments).
    fn selected_resource(&self) -> Option<ResourceRef> {
        let kind = self.state.kind;
        if !matches!(kind, Kind::Pods | Kind::Deployments) {
            return None;
        }
        let model = self.model.lock();
        let s = &self.state;
        let (rows, _) = window(&model, kind, &s.filter, s.sort(), s.selected, 1);
        let row = rows.first()?;
        let mut resource =
            ResourceRef::new(kind.api_kind(), row.name.clone()).in_namespace(row.namespace.clone());
        for (k, v) in &row.labels {
            resource = resource.label(k.clone(), v.clone());
        }
        if model.contexts.len() > 1 {
            resource = resource.in_scope(row.context.clone());
        }
        Some(resource)
    }

    /// Names the selection to the host (for other plugins' lenses and
    /// commands) when it moved to another resource.
    fn announce_selection(&mut self) {
        let now = self.selected_resource();
        if now == self.announced {
            return;
        }
        self.intents.push(match &now {
            Some(resource) => Intent::Selected(resource.clone()),
            None => Intent::Cleared,
        });
        self.announced = now;
    }

    /// Shows `kind`, starting its watch if this is the first time.
    fn show(&mut self, kind: Kind) {
        self.model.request(Request::Watch(kind));
        if self.state.kind != kind {
            self.state.kind = kind;
            // A filter typed for one kind rarely means anything for another
            // (k9s drops it too): the new list starts whole.
            self.state.set_filter("");
            self.state.selected = 0;
            self.state.offset = 0;
        }
    }

    /// Selects `resource` if a list has it (clearing a filter that hides it).
    fn reveal(&mut self, resource: &ResourceRef) -> KeyOutcome {
        let Some(kind) = Kind::from_api_kind(&resource.kind) else {
            return KeyOutcome::Ignored;
        };
        let model = self.model.lock();
        let at = ordered(
            &model,
            kind,
            &RowFilter::All,
            self.state.sorts.get(&kind).copied(),
        )
        .iter()
        .position(|r| {
            r.name == resource.name
                && resource
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| ns == r.namespace)
                && resource.scope.as_deref().is_none_or(|c| c == r.context)
        });
        drop(model);
        let Some(at) = at else {
            return KeyOutcome::Ignored;
        };
        self.show(kind);
        self.state.set_filter("");
        self.state.selected = at;
        self.state.picker = None;
        self.announce_selection();
        KeyOutcome::Consumed
    }

    /// Applies a picker's choice.
    fn choose(&mut self, choice: Choice) {
        match choice {
            Choice::Stay => return,
            Choice::Cancel => {}
            // The watches change the model's scope and its rows together,
            // so the rows shown always belong to the namespace and contexts
            // shown.
            Choice::Namespace(namespace) => {
                self.model.request(Request::Namespace(namespace));
                self.state.selected = 0;
                self.state.offset = 0;
            }
            Choice::Contexts(contexts) => {
                self.model.request(Request::Contexts(contexts));
                self.state.selected = 0;
                self.state.offset = 0;
            }
        }
        self.state.picker = None;
    }

    fn key(&mut self, key: Key) -> KeyOutcome {
        if let Some(picker) = &mut self.state.picker {
            let choice = picker.key(&self.model.lock(), key);
            self.choose(choice);
            return KeyOutcome::Consumed;
        }
        let kind = self.state.kind;
        let count = {
            let model = self.model.lock();
            matching(&model, kind, &self.state.filter)
        };
        let s = &mut self.state;
        let last = count.saturating_sub(1);
        let page = s.page.max(1);
        match key {
            Key::Char('j') | Key::Down => s.selected = (s.selected + 1).min(last),
            Key::Char('k') | Key::Up => s.selected = s.selected.saturating_sub(1),
            Key::PageDown => s.selected = (s.selected + page).min(last),
            Key::PageUp => s.selected = s.selected.saturating_sub(page),
            Key::Home => s.selected = 0,
            Key::End => s.selected = last,
            // Digits stay the host's (they switch tabs); brackets step
            // through the kinds, the palette jumps to one.
            Key::Char(c @ ('[' | ']')) => {
                let at = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
                let step = if c == ']' { 1 } else { Kind::ALL.len() - 1 };
                self.show(Kind::ALL[(at + step) % Kind::ALL.len()]);
            }
            Key::Char('<') => {
                s.sorts.insert(kind, Sort::moved(s.sort(), kind, -1));
            }
            Key::Char('>') => {
                s.sorts.insert(kind, Sort::moved(s.sort(), kind, 1));
            }
            Key::Char('r') => {
                let sort = s.sort().unwrap_or(Sort::moved(None, kind, 0));
                s.sorts.insert(
                    kind,
                    Sort {
                        descending: !sort.descending,
                        ..sort
                    },
                );
            }
            Key::Char(c) if c.is_ascii_uppercase() => match Sort::by_letter(s.sort(), kind, c) {
                Some(sort) => {
                    s.sorts.insert(kind, sort);
                }
                None => return KeyOutcome::Ignored,
            },
            Key::Char('n') => {
                // The picker lists the namespaces from their own watch.
                self.model.request(Request::Watch(Kind::Namespaces));
                self.state.picker = Some(Picker::namespaces(&self.model.lock()));
            }
            Key::Char('c') => self.state.picker = Some(Picker::contexts(&self.model.lock())),
            Key::Enter => return self.open_detail(),
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Consumed
    }
}

impl View for KubeView {
    fn title(&self) -> String {
        "Kubernetes".to_owned()
    }

    fn summary(&self) -> Option<String> {
        let model = self.model.lock();
        let states: Vec<String> = model
            .contexts
            .iter()
            .map(|c| {
                let state = match model.watch(Kind::Pods, c) {
                    None | Some(WatchState::Connecting) => "connecting",
                    Some(WatchState::Live) => "live",
                    Some(WatchState::Reconnecting { .. }) => "reconnecting",
                    Some(WatchState::Ended(_)) => "ended",
                };
                format!("{c} ({state})")
            })
            .collect();
        Some(format!("k8s {}", states.join(", ")))
    }

    fn status(&self) -> Option<String> {
        self.state.filter_error.clone()
    }

    fn filterable(&self) -> bool {
        true
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if let Some(detail) = &self.detail {
            return detail.key_hints();
        }
        if self.state.picker.is_some() {
            return vec![
                KeyHint::new("↑↓", "move"),
                KeyHint::new("Space", "check"),
                KeyHint::new("Enter", "choose"),
                KeyHint::new("Esc", "close"),
            ];
        }
        vec![
            KeyHint::new("j/k ↑↓", "select"),
            KeyHint::new("Enter", "details"),
            KeyHint::new("[ ] :deploy", "kind"),
            KeyHint::new("/ -l", "filter"),
            KeyHint::new("Shift+letter < >", "sort"),
            KeyHint::new("r", "reverse"),
            KeyHint::new("n", "namespace"),
            KeyHint::new("c", "contexts"),
        ]
    }

    fn palette_entries(&self) -> Vec<PaletteEntry> {
        Kind::ALL.iter().map(|k| k.palette_entry()).collect()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        if let Some(detail) = &mut self.detail {
            return detail.render(area, buf);
        }
        let mut model = self.model.lock();
        model.now = jiff::Timestamp::now();
        let height = usize::from(area.height.saturating_sub(TABLE_TOP));
        self.state.page = height.max(1);
        self.state.offset = self.state.effective_offset(height);
        render(&model, &self.state, area, buf);
    }

    fn handle_event(&mut self, event: &ViewEvent) -> KeyOutcome {
        if let Some(detail) = &mut self.detail {
            let outcome = detail.handle_event(event);
            if outcome == KeyOutcome::Ignored
                && matches!(event, ViewEvent::Key(press) if press.key == Key::Esc)
            {
                // Back to the list, whose selection was left as it was.
                self.detail = None;
                return KeyOutcome::Consumed;
            }
            // A reveal or a kind from the palette leaves the detail for the list.
            if outcome == KeyOutcome::Ignored
                && matches!(event, ViewEvent::Reveal(_) | ViewEvent::Palette(_))
            {
                self.detail = None;
            } else {
                return outcome;
            }
        }
        let outcome = match event {
            ViewEvent::Key(press) if !press.modifiers.alt && !press.modifiers.ctrl => {
                self.key(press.key)
            }
            ViewEvent::Reveal(resource) => return self.reveal(resource),
            ViewEvent::Filter(text) => {
                self.state.set_filter(text);
                KeyOutcome::Consumed
            }
            ViewEvent::Palette(entry) => match Kind::from_word(&entry.name) {
                Some(kind) => {
                    self.show(kind);
                    KeyOutcome::Consumed
                }
                None => KeyOutcome::Ignored,
            },
            ViewEvent::Focus(true) => KeyOutcome::Consumed,
            _ => KeyOutcome::Ignored,
        };
        if outcome == KeyOutcome::Consumed {
            self.announce_selection();
        }
        outcome
    }

    fn take_intents(&mut self) -> Vec<Intent> {
        std::mem::take(&mut self.intents)
    }
}
