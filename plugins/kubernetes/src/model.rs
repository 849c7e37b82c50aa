//! The TUI's model: what the watches know about the clusters, kept as rows
//! already computed (see `row.rs`) so that drawing never touches API
//! objects, plus each watch's state. Writers are the watch tasks; the view
//! reads it and asks for watches through [`SharedModel::request`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc::UnboundedSender;
use vcli_plugin_api::Redraw;

use crate::kind::Kind;
use crate::row::Row;

/// Where one watch (one kind in one context) stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchState {
    /// Connecting, or the first list is in flight.
    Connecting,
    /// Listed and streaming changes.
    Live,
    /// The last attempt failed; the watch tries again after a backoff.
    Reconnecting {
        /// Failed attempts in a row.
        attempt: u32,
        /// The wait before the next attempt.
        retry_in: Duration,
        /// The last error, in kubectl's words.
        error: String,
    },
    /// The watch stopped for good (the context cannot be used, the plugin stopped).
    Ended(String),
}

/// The key of a row: context, namespace, name (the list's default order).
type RowKey = (String, String, String);

/// The rows of one kind, from every context shown, and how many have each
/// STATUS (kept as rows come and go, so the header costs nothing per frame).
#[derive(Debug, Clone, Default)]
struct List {
    rows: BTreeMap<RowKey, Row>,
    statuses: BTreeMap<String, usize>,
}

impl List {
    fn insert(&mut self, kind: Kind, row: Row) {
        if let Some(status) = status_of(kind, &row) {
            *self.statuses.entry(status.to_owned()).or_default() += 1;
        }
        let key = (row.context.clone(), row.namespace.clone(), row.name.clone());
        if let Some(old) = self.rows.insert(key, row) {
            self.uncount(kind, &old);
        }
    }

    fn remove(&mut self, kind: Kind, key: &RowKey) {
        if let Some(old) = self.rows.remove(key) {
            self.uncount(kind, &old);
        }
    }

    fn uncount(&mut self, kind: Kind, row: &Row) {
        if let Some(status) = status_of(kind, row)
            && let Some(n) = self.statuses.get_mut(status)
        {
            *n -= 1;
            if *n == 0 {
                self.statuses.remove(status);
            }
        }
    }

    /// Keeps the rows `keep` says, counting again.
    fn retain(&mut self, kind: Kind, keep: impl Fn(&RowKey) -> bool) {
        self.rows.retain(|k, _| keep(k));
        self.statuses.clear();
        for row in self.rows.values() {
            if let Some(status) = status_of(kind, row) {
                *self.statuses.entry(status.to_owned()).or_default() += 1;
            }
        }
    }
}

/// A row's STATUS, for kinds that have the column.
fn status_of(kind: Kind, row: &Row) -> Option<&str> {
    row.text_of(kind.columns(), "STATUS")
}

/// What the view asks of the watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Watch this kind from now on (in every shown context).
    Watch(Kind),
    /// Watch this namespace only, or all of them (`None`).
    Namespace(Option<String>),
    /// Show these contexts, in this order.
    Contexts(Vec<String>),
}

/// Everything the view draws.
#[derive(Debug, Clone)]
pub struct KubeModel {
    /// The contexts shown, in the order of their colours.
    pub contexts: Vec<String>,
    /// Every context of the kubeconfig, for the context picker.
    pub known_contexts: Vec<String>,
    /// The watched namespace; `None` for all namespaces.
    pub namespace: Option<String>,
    /// `v1.37.0` per context, once known.
    pub server_versions: BTreeMap<String, String>,
    /// The time ages are computed against (set before each frame).
    pub now: Timestamp,
    lists: BTreeMap<Kind, List>,
    watches: BTreeMap<(Kind, String), WatchState>,
}

impl KubeModel {
    /// An empty model of `context`, watching `namespace` (`None`: all).
    pub fn new(context: &str, namespace: Option<&str>) -> Self {
        KubeModel {
            contexts: vec![context.to_owned()],
            known_contexts: Vec::new(),
            namespace: namespace.map(str::to_owned),
            server_versions: BTreeMap::new(),
            now: Timestamp::UNIX_EPOCH,
            lists: BTreeMap::new(),
            watches: BTreeMap::new(),
        }
    }

    /// The first context shown (the one the header names when there is one).
    pub fn context(&self) -> &str {
        self.contexts.first().map_or("", String::as_str)
    }

    /// Adds or replaces a row of `kind`.
    pub fn upsert(&mut self, kind: Kind, row: Row) {
        self.lists.entry(kind).or_default().insert(kind, row);
    }

    /// Removes a row of `kind`.
    pub fn remove(&mut self, kind: Kind, context: &str, namespace: &str, name: &str) {
        if let Some(list) = self.lists.get_mut(&kind) {
            let key = (context.to_owned(), namespace.to_owned(), name.to_owned());
            list.remove(kind, &key);
        }
    }

    /// Replaces the rows of `kind` from `context` (after a full re-list).
    pub fn replace(&mut self, kind: Kind, context: &str, rows: Vec<Row>) {
        let list = self.lists.entry(kind).or_default();
        list.retain(kind, |(c, _, _)| c != context);
        for row in rows {
            list.insert(kind, row);
        }
    }

    /// Forgets every row and watch of `context` (no longer shown).
    pub fn forget_context(&mut self, context: &str) {
        for (kind, list) in &mut self.lists {
            list.retain(*kind, |(c, _, _)| c != context);
        }
        self.watches.retain(|(_, c), _| c != context);
    }

    /// Forgets every row (the namespace changed; the watches list again).
    pub fn clear_rows(&mut self) {
        self.lists.clear();
    }

    /// The rows of `kind`, by context, namespace and name.
    pub fn rows(&self, kind: Kind) -> impl DoubleEndedIterator<Item = &Row> {
        self.lists
            .get(&kind)
            .into_iter()
            .flat_map(|l| l.rows.values())
    }

    /// How many rows of `kind` have each STATUS (empty for kinds without the column).
    pub fn status_counts(&self, kind: Kind) -> impl Iterator<Item = (&str, usize)> {
        self.lists
            .get(&kind)
            .into_iter()
            .flat_map(|l| l.statuses.iter().map(|(s, n)| (s.as_str(), *n)))
    }

    /// How many rows `kind` has.
    pub fn count(&self, kind: Kind) -> usize {
        self.lists.get(&kind).map_or(0, |l| l.rows.len())
    }

    /// Records where the watch of `kind` in `context` stands.
    pub fn set_watch(&mut self, kind: Kind, context: &str, state: WatchState) {
        self.watches.insert((kind, context.to_owned()), state);
    }

    /// Where the watch of `kind` in `context` stands; `None` before it started.
    pub fn watch(&self, kind: Kind, context: &str) -> Option<&WatchState> {
        self.watches.get(&(kind, context.to_owned()))
    }

    /// The namespaces the picker offers: the namespace list where it is
    /// watched, else those seen on pods, sorted and without repeats.
    pub fn namespaces(&self) -> Vec<String> {
        let mut names: Vec<String> = if self.count(Kind::Namespaces) > 0 {
            self.rows(Kind::Namespaces)
                .map(|r| r.name.clone())
                .collect()
        } else {
            self.rows(Kind::Pods).map(|r| r.namespace.clone()).collect()
        };
        names.sort();
        names.dedup();
        names
    }
}

/// The model shared between the watches (writers) and the view (reader).
/// Critical sections are short (one event, one frame), so a plain mutex
/// is enough and never held across an await.
/// Writers go through [`SharedModel::update`], which asks the host for a
/// frame when they are done, so the TUI draws on change, never on a timer.
#[derive(Debug, Clone)]
pub struct SharedModel {
    model: Arc<Mutex<KubeModel>>,
    redraw: Arc<OnceLock<Redraw>>,
    requests: Arc<Mutex<Option<UnboundedSender<Request>>>>,
}

impl SharedModel {
    /// Shares `model`.
    pub fn new(model: KubeModel) -> Self {
        SharedModel {
            model: Arc::new(Mutex::new(model)),
            redraw: Arc::new(OnceLock::new()),
            requests: Arc::new(Mutex::new(None)),
        }
    }

    /// Connects the model to the host's redraw handle (once; at start).
    pub fn attach(&self, redraw: Redraw) {
        let _ = self.redraw.set(redraw);
    }

    /// Connects the model to whoever takes its requests: the running
    /// watches (a restarted plugin connects its new ones), or a test.
    pub fn serve(&self, requests: UnboundedSender<Request>) {
        *self.requests.lock().unwrap_or_else(PoisonError::into_inner) = Some(requests);
    }

    /// Asks the watches for something. Without running watches (a model
    /// built by a test, a stopped plugin) there is nobody to ask, and the
    /// request is dropped: the view keeps showing what the model has.
    pub fn request(&self, request: Request) {
        if let Some(tx) = &*self.requests.lock().unwrap_or_else(PoisonError::into_inner) {
            let _ = tx.send(request);
        }
    }

    /// Locks the model to read it. A panic while holding the lock cannot
    /// leave it half-updated in a way that matters for drawing, so poison
    /// is ignored.
    pub fn lock(&self) -> MutexGuard<'_, KubeModel> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the model to change it; the view is redrawn afterwards.
    pub fn update(&self) -> ModelUpdate<'_> {
        ModelUpdate {
            guard: self.lock(),
            redraw: self.redraw.get(),
        }
    }
}

/// A write lock on the model that asks for a frame when released.
#[derive(Debug)]
pub struct ModelUpdate<'a> {
    guard: MutexGuard<'a, KubeModel>,
    redraw: Option<&'a Redraw>,
}

impl std::ops::Deref for ModelUpdate<'_> {
    type Target = KubeModel;
    fn deref(&self) -> &KubeModel {
        &self.guard
    }
}

impl std::ops::DerefMut for ModelUpdate<'_> {
    fn deref_mut(&mut self) -> &mut KubeModel {
        &mut self.guard
    }
}

impl Drop for ModelUpdate<'_> {
    fn drop(&mut self) {
        if let Some(redraw) = self.redraw {
            redraw.request();
        }
    }
}
