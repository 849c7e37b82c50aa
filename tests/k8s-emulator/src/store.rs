//! The emulated cluster's state: objects, resource versions, change history and container logs.
//!
//! Objects are serialized once when stored so that listing thousands of them is a matter of
//! concatenating bytes. Every change bumps one global resource version (like etcd's revision),
//! is kept in a bounded history for watches that resume from an older version, and is broadcast
//! to the running watches. Changes are broadcast while the state lock is held, so a watch that
//! subscribes under the same lock sees neither a gap nor a duplicate.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use tokio::sync::broadcast;

use crate::fixtures::Fixtures;
use crate::logs::{ContainerLogs, LogLine};

mod entry;

use crate::resources::{EmulatedResource, Object, ResourceKind};
pub(crate) use entry::{
    Change, ChangeType, Entry, Key, LogAppend, LogKey, LogSubscription, Subscription, WatchStart,
};

/// How many past changes a watch can resume from before it gets 410 Gone.
const HISTORY_LIMIT: usize = 10_000;
/// How far a watch may fall behind before it is ended (with 410, as the real server does).
const BROADCAST_CAPACITY: usize = 16_384;

#[derive(Debug, Default)]
struct Inner {
    resource_version: u64,
    objects: BTreeMap<ResourceKind, BTreeMap<Key, Arc<Entry>>>,
    history: VecDeque<Arc<Change>>,
    /// The newest resource version dropped from `history`: older watches get 410 Gone.
    compacted: u64,
    logs: HashMap<LogKey, ContainerLogs>,
}

#[derive(Debug)]
struct Shared {
    inner: Mutex<Inner>,
    changes: broadcast::Sender<Arc<Change>>,
    log_appends: broadcast::Sender<Arc<LogAppend>>,
}

/// The emulated cluster's objects and logs. Changes made here are what watches stream as
/// ADDED/MODIFIED/DELETED and what followed logs stream as new lines. Cheap to clone.
#[derive(Clone, Debug)]
pub struct State {
    shared: Arc<Shared>,
}

impl State {
    pub(crate) fn new(fixtures: Fixtures) -> Self {
        let (changes, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (log_appends, _) = broadcast::channel(BROADCAST_CAPACITY);
        let state = State {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner::default()),
                changes,
                log_appends,
            }),
        };
        let (objects, logs) = fixtures.into_parts();
        let mut inner = state.lock();
        for object in objects {
            // Fixtures are the cluster's starting point, not changes: nothing to broadcast.
            let entry = prepare(object, &mut inner);
            let key = (entry.namespace().to_owned(), entry.name().to_owned());
            inner
                .objects
                .entry(entry.object.kind())
                .or_default()
                .insert(key, Arc::new(entry));
        }
        inner.logs = logs;
        drop(inner);
        state
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the maps half-updated in a way that matters to a test
        // double, so a poisoned lock is still usable.
        self.shared
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates or replaces an object; watches see ADDED or MODIFIED. Returns its new
    /// resourceVersion. A namespaced object without a namespace goes to `default`.
    pub fn add<K: EmulatedResource>(&self, object: K) -> String {
        self.add_object(object.into_object())
    }

    /// [`State::add`] for an already wrapped object.
    pub fn add_object(&self, object: Object) -> String {
        let mut inner = self.lock();
        let entry = Arc::new(prepare(object, &mut inner));
        let kind = entry.object.kind();
        let key = (entry.namespace().to_owned(), entry.name().to_owned());
        let old = inner
            .objects
            .entry(kind)
            .or_default()
            .insert(key, entry.clone());
        let change = if old.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        let rv = entry.resource_version;
        self.record(
            &mut inner,
            Change {
                kind,
                change,
                old,
                new: entry,
            },
        );
        rv.to_string()
    }

    /// Changes an object in place; watches see MODIFIED. Returns false if there is no such
    /// object (`namespace` is ignored for cluster-scoped types).
    pub fn modify<K: EmulatedResource>(
        &self,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut K),
    ) -> bool {
        let Some(current) = self.entry(K::KIND, namespace, name) else {
            return false;
        };
        let mut object = current.object.clone();
        let Some(typed) = K::from_object_mut(&mut object) else {
            return false;
        };
        change(typed);
        // Identity stays with the stored object even if the closure touched it.
        let meta = object.metadata_mut();
        meta.name = current.object.metadata().name.clone();
        meta.namespace = current.object.metadata().namespace.clone();
        self.add_object(object);
        true
    }

    /// Deletes an object; watches see DELETED and followed logs of a deleted pod end. Returns
    /// false if there was no such object.
    pub fn delete<K: EmulatedResource>(&self, namespace: &str, name: &str) -> bool {
        let mut inner = self.lock();
        let key = key_for(K::KIND, namespace, name);
        let Some(old) = inner.objects.entry(K::KIND).or_default().remove(&key) else {
            return false;
        };
        inner.resource_version += 1;
        let deleted = Arc::new(Entry::new(old.object.clone(), inner.resource_version));
        self.record(
            &mut inner,
            Change {
                kind: K::KIND,
                change: ChangeType::Deleted,
                old: Some(old),
                new: deleted,
            },
        );
        true
    }

    /// A copy of a stored object.
    pub fn get<K: EmulatedResource>(&self, namespace: &str, name: &str) -> Option<K> {
        self.entry(K::KIND, namespace, name)
            .and_then(|e| K::from_object(&e.object).cloned())
    }

    /// Copies of all stored objects of a type, in (namespace, name) order.
    pub fn list<K: EmulatedResource>(&self) -> Vec<K> {
        let inner = self.lock();
        inner
            .objects
            .get(&K::KIND)
            .map(|m| {
                m.values()
                    .filter_map(|e| K::from_object(&e.object).cloned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The cluster's current resourceVersion.
    pub fn resource_version(&self) -> String {
        self.lock().resource_version.to_string()
    }

    /// Appends one line (timestamped now) to a container's current log; followers get it
    /// at once. A text with newlines is appended as several lines.
    pub fn append_log(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        let mut inner = self.lock();
        let key = (namespace.to_owned(), pod.to_owned(), container.to_owned());
        for part in text.split('\n') {
            let line = LogLine::new(crate::now(), part);
            inner
                .logs
                .entry(key.clone())
                .or_default()
                .current
                .push(line.clone());
            // No receivers is normal: nobody follows this log.
            let _ = self.shared.log_appends.send(Arc::new(LogAppend {
                key: key.clone(),
                line,
            }));
        }
    }

    /// Drops the oldest lines of a container's current log beyond the newest `keep`.
    pub(crate) fn keep_newest_log_lines(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        keep: usize,
    ) {
        let mut inner = self.lock();
        let key = (namespace.to_owned(), pod.to_owned(), container.to_owned());
        if let Some(logs) = inner.logs.get_mut(&key) {
            let extra = logs.current.len().saturating_sub(keep);
            logs.current.drain(..extra);
        }
    }

    /// Stores the change in the history and tells the running watches.
    fn record(&self, inner: &mut Inner, change: Change) {
        let change = Arc::new(change);
        inner.history.push_back(change.clone());
        while inner.history.len() > HISTORY_LIMIT {
            if let Some(dropped) = inner.history.pop_front() {
                inner.compacted = dropped.new.resource_version;
            }
        }
        // No receivers is normal: nobody watches.
        let _ = self.shared.changes.send(change);
    }

    pub(crate) fn entry(
        &self,
        kind: ResourceKind,
        namespace: &str,
        name: &str,
    ) -> Option<Arc<Entry>> {
        let inner = self.lock();
        inner
            .objects
            .get(&kind)?
            .get(&key_for(kind, namespace, name))
            .cloned()
    }

    /// Runs `f` over one resource type's objects and the current resource version.
    pub(crate) fn with_collection<R>(
        &self,
        kind: ResourceKind,
        f: impl FnOnce(&BTreeMap<Key, Arc<Entry>>, u64) -> R,
    ) -> R {
        let inner = self.lock();
        let empty = BTreeMap::new();
        f(
            inner.objects.get(&kind).unwrap_or(&empty),
            inner.resource_version,
        )
    }

    /// Starts a watch of one resource type; `Err` carries the oldest resource version still
    /// available when `start` is older (410 Gone).
    pub(crate) fn subscribe(
        &self,
        kind: ResourceKind,
        start: WatchStart,
    ) -> Result<Subscription, u64> {
        let inner = self.lock();
        let (initial, replay) = match start {
            WatchStart::Current => {
                let initial = inner
                    .objects
                    .get(&kind)
                    .map(|m| m.values().cloned().collect());
                (initial.unwrap_or_default(), Vec::new())
            }
            WatchStart::After(rv) if rv < inner.compacted => return Err(inner.compacted),
            WatchStart::After(rv) => {
                let replay = inner
                    .history
                    .iter()
                    .filter(|c| c.kind == kind && c.new.resource_version > rv)
                    .cloned()
                    .collect();
                (Vec::new(), replay)
            }
        };
        Ok(Subscription {
            initial,
            replay,
            changes: self.shared.changes.subscribe(),
            resource_version: inner.resource_version,
        })
    }

    /// A container's log lines (current or previous instance) and the feeds a follower needs.
    pub(crate) fn subscribe_logs(&self, key: &LogKey, previous: bool) -> LogSubscription {
        let inner = self.lock();
        let logs = inner.logs.get(key);
        let lines = if previous {
            logs.and_then(|l| l.previous.clone())
        } else {
            logs.map(|l| l.current.clone())
        };
        LogSubscription {
            lines,
            appends: self.shared.log_appends.subscribe(),
            changes: self.shared.changes.subscribe(),
        }
    }
}

fn key_for(kind: ResourceKind, namespace: &str, name: &str) -> Key {
    let namespace = if kind.namespaced() { namespace } else { "" };
    (namespace.to_owned(), name.to_owned())
}

/// Fills in what the API server would (namespace, name, uid, creationTimestamp) and assigns
/// the next resource version.
fn prepare(mut object: Object, inner: &mut Inner) -> Entry {
    inner.resource_version += 1;
    let rv = inner.resource_version;
    let kind = object.kind();
    let meta = object.metadata_mut();
    if kind.namespaced() {
        meta.namespace.get_or_insert_with(|| "default".to_owned());
    } else {
        meta.namespace = None;
    }
    if meta.name.as_deref().unwrap_or("").is_empty() {
        let prefix = meta
            .generate_name
            .clone()
            .unwrap_or_else(|| "object-".to_owned());
        meta.name = Some(format!("{prefix}{}", crate::fixtures::suffix(rv)));
    }
    let ns = meta.namespace.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    meta.uid
        .get_or_insert_with(|| crate::fixtures::uid(kind.plural(), &ns, &name));
    meta.creation_timestamp
        .get_or_insert_with(|| Time(crate::now()));
    Entry::new(object, rv)
}
