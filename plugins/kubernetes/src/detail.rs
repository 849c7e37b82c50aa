//! The detail of one object, opened from a list with Enter: tabs with its
//! describe text, its YAML, its events (watched live) and, for pods, its logs
//! (followed live), each stream showing whether it is live, reconnecting or
//! ended.
//!
//! The detail is split like the rest of the view: background tasks (owned
//! by the host, cancelled when the detail closes) write [`DetailData`]; the
//! UI thread keeps a [`DetailViewState`] (tab, scroll, search); and
//! [`render_detail`] draws from both without ever waiting for I/O.

mod events;
mod fetch;
mod log_buffer;
mod log_stream;
mod log_view;
mod render;
mod session;
mod stream_state;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
use vcli_plugin_api::Redraw;

pub use log_buffer::{DEFAULT_LOG_LINES, LogBuffer, LogLine};
pub use log_view::LogFrame;
pub use log_view::LogViewState;
pub use render::{DetailFrame, DetailViewState, render_detail};
pub use session::{Detail, DetailOpener, DetailSettings};
pub use stream_state::{Backoff, EndReason, StreamState};

/// The object a detail shows. Any kind `describe` knows can be shown (pods,
/// deployments, services, nodes); only pods have logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DetailTarget {
    /// The kubeconfig context the object lives in (empty: the configured one).
    pub context: String,
    /// The kind, as the API names it (`Pod`, `Deployment`, `Service`, `Node`).
    pub kind: String,
    /// The namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl DetailTarget {
    /// A pod in `namespace`.
    pub fn pod(context: &str, namespace: &str, name: &str) -> Self {
        DetailTarget {
            context: context.to_owned(),
            kind: "Pod".to_owned(),
            namespace: Some(namespace.to_owned()),
            name: name.to_owned(),
        }
    }

    /// Whether the object has logs.
    pub fn is_pod(&self) -> bool {
        self.kind.eq_ignore_ascii_case("pod")
    }

    /// `Pod default/api-1`, as the title shows it.
    pub fn title(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// The detail's tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DetailTab {
    /// `vcli k8s describe`'s text.
    #[default]
    Describe,
    /// `vcli k8s get -o yaml`'s text.
    Yaml,
    /// The object's events, newest last.
    Events,
    /// The pod's logs.
    Logs,
}

impl DetailTab {
    /// Every tab, in the order keys `1` to `4` choose them.
    pub const ALL: [DetailTab; 4] = [
        DetailTab::Describe,
        DetailTab::Yaml,
        DetailTab::Events,
        DetailTab::Logs,
    ];

    /// The tab's name on the tab bar.
    pub fn name(self) -> &'static str {
        match self {
            DetailTab::Describe => "describe",
            DetailTab::Yaml => "yaml",
            DetailTab::Events => "events",
            DetailTab::Logs => "logs",
        }
    }
}

/// A text fetched once when the detail opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Loadable {
    /// The request is in flight.
    #[default]
    Loading,
    /// The text, one entry per line.
    Ready(Vec<String>),
    /// Why it could not be fetched, in kubectl's words.
    Failed(String),
}

impl Loadable {
    /// The text of a finished fetch.
    pub fn from_result(result: Result<String, vcli_plugin_api::PluginError>) -> Self {
        match result {
            Ok(text) => Loadable::Ready(text.lines().map(str::to_owned).collect()),
            Err(e) => Loadable::Failed(e.to_string()),
        }
    }
}

/// Which log the logs tab streams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSource {
    /// The container; empty until the pod told which one is the default.
    pub container: String,
    /// The previous instance's log instead of the current one.
    pub previous: bool,
}

/// Everything the background tasks know about the object.
#[derive(Debug, Clone)]
pub struct DetailData {
    /// What is shown.
    pub target: DetailTarget,
    /// The describe text.
    pub describe: Loadable,
    /// The YAML text.
    pub yaml: Loadable,
    /// The object's events by name.
    pub events: BTreeMap<String, Event>,
    /// The events watch.
    pub events_stream: StreamState,
    /// The log lines kept.
    pub logs: LogBuffer,
    /// The log stream.
    pub log_stream: StreamState,
    /// The log being streamed.
    pub log_source: LogSource,
    /// The pod's containers (regular, then init), for the picker.
    pub containers: Vec<String>,
    /// The time ages and countdowns are computed against (set before each frame).
    pub now: Timestamp,
}

impl DetailData {
    /// The data of a detail that has just opened, keeping `log_lines` log lines.
    pub fn new(target: DetailTarget, log_lines: usize) -> Self {
        DetailData {
            target,
            describe: Loadable::Loading,
            yaml: Loadable::Loading,
            events: BTreeMap::new(),
            events_stream: StreamState::Connecting,
            logs: LogBuffer::new(log_lines),
            log_stream: StreamState::Connecting,
            log_source: LogSource::default(),
            containers: Vec::new(),
            now: Timestamp::UNIX_EPOCH,
        }
    }
}

/// The data shared between the detail's tasks (writers) and the view (reader).
///
/// Writers ask for a frame after each change, but at most once until the
/// frame is drawn: a stream delivering a thousand lines a second costs the
/// UI a frame per batch the host draws, not a frame per line.
#[derive(Debug, Clone)]
pub struct SharedDetail {
    data: Arc<Mutex<DetailData>>,
    redraw: Redraw,
    pending: Arc<AtomicBool>,
}

impl SharedDetail {
    /// Shares `data`; changes ask `redraw` for frames.
    pub fn new(data: DetailData, redraw: Redraw) -> Self {
        SharedDetail {
            data: Arc::new(Mutex::new(data)),
            redraw,
            pending: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Locks the data to read it. Writers change it in short, complete steps,
    /// so a panic in one cannot leave it inconsistent: poison is ignored.
    pub fn lock(&self) -> MutexGuard<'_, DetailData> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the data, then asks for a frame unless one is already asked for.
    pub fn update<R>(&self, change: impl FnOnce(&mut DetailData) -> R) -> R {
        let result = change(&mut self.lock());
        if !self.pending.swap(true, Ordering::AcqRel) {
            self.redraw.request();
        }
        result
    }

    /// How many handles share the data: the detail's own and one per task
    /// still running (a task drops its handle when it ends).
    pub fn holders(&self) -> usize {
        Arc::strong_count(&self.data)
    }

    /// A frame was drawn: the next change asks for another.
    pub fn frame_drawn(&self) {
        self.pending.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn a_burst_of_changes_asks_for_one_frame_until_it_is_drawn() {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = asked.clone();
        let redraw = Redraw::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let target = DetailTarget::pod("", "default", "p");
        let shared = SharedDetail::new(DetailData::new(target, 10), redraw);
        for i in 0..100 {
            shared.update(|d| d.logs.push(LogLine::parse(&format!("line {i}"))));
        }
        assert_eq!(asked.load(Ordering::Relaxed), 1);
        shared.frame_drawn();
        shared.update(|d| d.log_stream = StreamState::Live);
        shared.update(|d| d.events_stream = StreamState::Live);
        assert_eq!(asked.load(Ordering::Relaxed), 2);
        assert_eq!(shared.lock().logs.len(), 10);
    }
}
