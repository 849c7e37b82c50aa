//! An open detail: its tasks (spawned through the host, cancelled when it
//! closes or the plugin stops), its keys, and its frames.

use jiff::Timestamp;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::{
    Key, KeyHint, KeyOutcome, MouseKind, NetworkService, PluginContext, ViewEvent,
};

use super::log_view::LogAction;
use super::render::{DetailFrame, DetailViewState, event_lines, render_detail, tabs_of};
use super::stream_state::{Backoff, EndReason, StreamState};
use super::{DetailData, DetailTab, DetailTarget, Loadable, LogBuffer, LogSource, SharedDetail};
use super::{events, fetch, log_stream};
use crate::settings::ConnectOptions;

/// How details behave: how many log lines they keep and how their streams back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailSettings {
    /// Log lines kept per detail (the oldest are dropped, and counted).
    pub log_lines: usize,
    /// The backoff of reconnecting streams.
    pub backoff: Backoff,
}

impl Default for DetailSettings {
    fn default() -> Self {
        DetailSettings {
            log_lines: super::DEFAULT_LOG_LINES,
            backoff: Backoff::default(),
        }
    }
}

/// Opens details: what a detail's tasks need from the plugin.
#[derive(Debug, Clone)]
pub struct DetailOpener {
    ctx: PluginContext,
    options: ConnectOptions,
    network: NetworkService,
    settings: DetailSettings,
}

impl DetailOpener {
    pub(crate) fn new(
        ctx: PluginContext,
        options: ConnectOptions,
        network: NetworkService,
        settings: DetailSettings,
    ) -> Self {
        DetailOpener {
            ctx,
            options,
            network,
            settings,
        }
    }

    /// The same opener with other settings.
    pub fn with_settings(mut self, settings: DetailSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Opens the detail of `target`: its describe text, YAML, events and (for
    /// a pod) logs start loading at once.
    pub fn open(&self, target: DetailTarget) -> Detail {
        let shared = SharedDetail::new(
            DetailData::new(target.clone(), self.settings.log_lines),
            self.ctx.redraw(),
        );
        let mut detail = Detail {
            shared,
            state: DetailViewState::default(),
            frame: DetailFrame::default(),
            opener: self.clone(),
            cancel: self.ctx.cancellation().child_token(),
            logs_cancel: None,
        };
        detail.spawn_fetch(true);
        if detail.target().is_pod() {
            detail.restart_logs(LogSource::default());
        }
        detail
    }
}

fn fail_all(shared: &SharedDetail, error: &str) {
    shared.update(|d| {
        d.describe = Loadable::Failed(error.to_owned());
        d.yaml = Loadable::Failed(error.to_owned());
        d.events_stream = StreamState::Ended(EndReason::ServerClosed(error.to_owned()));
        d.log_stream = StreamState::Ended(EndReason::ServerClosed(error.to_owned()));
    });
}

/// An open detail. Dropping it (Esc, the plugin stopping) cancels its tasks.
#[derive(Debug)]
pub struct Detail {
    shared: SharedDetail,
    state: DetailViewState,
    frame: DetailFrame,
    opener: DetailOpener,
    cancel: CancellationToken,
    logs_cancel: Option<CancellationToken>,
}

impl Drop for Detail {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl Detail {
    /// What is shown.
    pub fn target(&self) -> DetailTarget {
        self.shared.lock().target.clone()
    }

    /// The data the tasks keep current.
    pub fn shared(&self) -> &SharedDetail {
        &self.shared
    }

    /// The view state (tab, scroll, log viewer).
    pub fn state(&self) -> &DetailViewState {
        &self.state
    }

    /// Fetches the describe text and the YAML (again), and, with `events`,
    /// starts the events watch.
    fn spawn_fetch(&mut self, events: bool) {
        let (opener, shared, cancel) = (
            self.opener.clone(),
            self.shared.clone(),
            self.cancel.clone(),
        );
        let target = shared.update(|d| {
            d.describe = Loadable::Loading;
            d.yaml = Loadable::Loading;
            d.target.clone()
        });
        let task = async move {
            let connected = tokio::select! {
                () = cancel.cancelled() => return,
                c = fetch::connect(&opener.options, opener.network.clone(), &target) => c,
            };
            let conn = match connected {
                Ok(conn) => conn,
                Err(e) => return fail_all(&shared, &e.to_string()),
            };
            let backoff = opener.settings.backoff;
            let watch = async {
                if events {
                    events::watch(conn.clone(), target.clone(), shared.clone(), backoff).await;
                }
            };
            let both = futures::future::join(fetch::texts(&conn, &target, &shared), watch);
            tokio::select! {
                () = cancel.cancelled() => {}
                _ = both => {}
            }
        };
        if let Err(e) = self.opener.ctx.spawn("k8s-detail", task) {
            fail_all(&self.shared, &e.to_string());
        }
    }

    /// (Re)starts the log stream on `source`, with an empty ring.
    fn restart_logs(&mut self, source: LogSource) {
        if let Some(old) = self.logs_cancel.take() {
            old.cancel();
        }
        let cancel = self.cancel.child_token();
        self.logs_cancel = Some(cancel.clone());
        let target = self.shared.update(|d| {
            d.logs = LogBuffer::new(d.logs.cap());
            d.log_stream = StreamState::Connecting;
            d.log_source = source.clone();
            d.target.clone()
        });
        self.state.log.top = 0;
        self.state.log.current = None;
        self.state.log.follow = true;
        let (opener, shared) = (self.opener.clone(), self.shared.clone());
        let namespace = target.namespace.clone().unwrap_or_default();
        let settings = opener.settings;
        let task = log_stream::follow_until(cancel, async move {
            let conn = match fetch::connect(&opener.options, opener.network.clone(), &target).await
            {
                Ok(conn) => conn,
                Err(e) => {
                    let reason = EndReason::ServerClosed(e.to_string());
                    shared.update(|d| d.log_stream = StreamState::Ended(reason));
                    return;
                }
            };
            let name = target.name.clone();
            log_stream::follow(
                conn,
                namespace,
                name,
                source,
                shared,
                settings.backoff,
                settings.log_lines,
            )
            .await;
        });
        if let Err(e) = self.opener.ctx.spawn("k8s-detail-logs", task) {
            let reason = EndReason::ServerClosed(e.to_string());
            self.shared
                .update(|d| d.log_stream = StreamState::Ended(reason));
        }
    }

    /// Draws the detail; the tasks may ask for the next frame from now on.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer) {
        // Cleared before reading, so a change made while this frame is drawn
        // asks for the next one rather than being lost.
        self.shared.frame_drawn();
        let mut data = self.shared.lock();
        data.now = Timestamp::now();
        self.frame = render_detail(&data, &self.state, area, buf);
    }

    /// The detail's keys, for the footer and the help.
    pub fn key_hints(&self) -> Vec<KeyHint> {
        let mut hints = vec![
            KeyHint::new("1-4 [ ]", "tabs"),
            KeyHint::new("j/k PgUp/PgDn g/G", "scroll"),
            KeyHint::new("Esc", "back to the list"),
        ];
        if matches!(self.state.tab, DetailTab::Describe | DetailTab::Yaml) {
            hints.push(KeyHint::new("r", "reload"));
        }
        if self.state.tab == DetailTab::Logs {
            hints.extend([
                KeyHint::new("f/End", "follow"),
                KeyHint::new("/ n N", "search"),
                KeyHint::new("w", "wrap"),
                KeyHint::new("t", "timestamps"),
                KeyHint::new("c", "container"),
                KeyHint::new("p", "previous"),
            ]);
        }
        hints
    }

    /// Handles an event; `Ignored` for an Esc the detail has no use for,
    /// which closes it.
    pub fn handle_event(&mut self, event: &ViewEvent) -> KeyOutcome {
        match event {
            ViewEvent::Key(press) if !press.modifiers.alt && !press.modifiers.ctrl => {
                self.handle_key(press.key)
            }
            ViewEvent::Filter(text) if self.state.tab == DetailTab::Logs => {
                // The host's filter line, when it is used for this view, is the log search.
                self.state.log.search.clone_from(text);
                self.state.log.current = None;
                KeyOutcome::Consumed
            }
            ViewEvent::Mouse(mouse) => {
                let key = match mouse.kind {
                    MouseKind::ScrollUp => Key::Up,
                    MouseKind::ScrollDown => Key::Down,
                    _ => return KeyOutcome::Ignored,
                };
                // Three lines a notch, as terminals scroll.
                for _ in 0..3 {
                    self.handle_key(key);
                }
                KeyOutcome::Consumed
            }
            // Countdowns of reconnecting streams move with the clock.
            ViewEvent::Tick => {
                let d = self.shared.lock();
                let counting = |s: &StreamState| matches!(s, StreamState::Reconnecting { .. });
                if counting(&d.log_stream) || counting(&d.events_stream) {
                    KeyOutcome::Consumed
                } else {
                    KeyOutcome::Ignored
                }
            }
            _ => KeyOutcome::Ignored,
        }
    }

    fn handle_key(&mut self, key: Key) -> KeyOutcome {
        let tabs = tabs_of(&self.shared.lock());
        let typing = self.state.log.editing || self.state.log.picker.is_some();
        if !(typing && self.state.tab == DetailTab::Logs) {
            let at = tabs.iter().position(|t| *t == self.state.tab).unwrap_or(0);
            let to = match key {
                Key::Char(c @ '1'..='4') => tabs.get(usize::from(c as u8 - b'1')).copied(),
                Key::Char(']') => Some(tabs[(at + 1) % tabs.len()]),
                Key::Char('[') => Some(tabs[(at + tabs.len() - 1) % tabs.len()]),
                _ => None,
            };
            if let Some(tab) = to {
                self.state.tab = tab;
                return KeyOutcome::Consumed;
            }
        }
        if self.state.tab == DetailTab::Logs {
            let action = {
                let data = self.shared.lock();
                self.state.log.key(
                    key,
                    &data.logs,
                    &data.containers,
                    self.frame.log,
                    self.frame.page,
                )
            };
            return match action {
                LogAction::Done(true) => KeyOutcome::Consumed,
                LogAction::Done(false) => KeyOutcome::Ignored,
                LogAction::Container(container) => {
                    self.restart_logs(LogSource {
                        container,
                        previous: false,
                    });
                    KeyOutcome::Consumed
                }
                LogAction::TogglePrevious => {
                    let mut source = self.shared.lock().log_source.clone();
                    source.previous = !source.previous;
                    self.restart_logs(source);
                    KeyOutcome::Consumed
                }
            };
        }
        self.scroll_text(key)
    }

    fn scroll_text(&mut self, key: Key) -> KeyOutcome {
        let i = match self.state.tab {
            DetailTab::Describe => 0,
            DetailTab::Yaml => 1,
            DetailTab::Events => 2,
            DetailTab::Logs => return KeyOutcome::Ignored,
        };
        if key == Key::Char('r') && i < 2 {
            self.spawn_fetch(false);
            return KeyOutcome::Consumed;
        }
        let total = {
            let data = self.shared.lock();
            match self.state.tab {
                DetailTab::Describe => loaded_len(&data.describe),
                DetailTab::Yaml => loaded_len(&data.yaml),
                _ => event_lines(&data).len(),
            }
        };
        let page = self.frame.page.max(1);
        let last = total.saturating_sub(page);
        let scroll = &mut self.state.scroll[i];
        *scroll = (*scroll).min(last);
        match key {
            Key::Char('j') | Key::Down => *scroll = (*scroll + 1).min(last),
            Key::Char('k') | Key::Up => *scroll = scroll.saturating_sub(1),
            Key::PageDown => *scroll = (*scroll + page).min(last),
            Key::PageUp => *scroll = scroll.saturating_sub(page),
            Key::Char('g') | Key::Home => *scroll = 0,
            Key::Char('G') | Key::End => *scroll = last,
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Consumed
    }
}

fn loaded_len(text: &Loadable) -> usize {
    match text {
        Loadable::Ready(lines) => lines.len(),
        _ => 0,
    }
}
