//! What the store hands out: stored entries, changes, and the subscriptions that watches
//! and log followers start from.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::broadcast;

use crate::fields;
use crate::logs::LogLine;
use crate::resources::{Object, ResourceKind};

/// `(namespace, name)`; the namespace is empty for cluster-scoped objects. Ordering by this key
/// gives the deterministic (namespace, name) order lists are served in.
pub(crate) type Key = (String, String);
/// `(namespace, pod, container)`.
pub(crate) type LogKey = (String, String, String);

/// One stored object with what requests need precomputed.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) object: Object,
    pub(crate) json: Bytes,
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) resource_version: u64,
}

impl Entry {
    pub(super) fn new(mut object: Object, resource_version: u64) -> Self {
        object.metadata_mut().resource_version = Some(resource_version.to_string());
        // Serializing k8s-openapi types only fails for out-of-range timestamps; an empty object
        // is a visible, harmless stand-in for such a broken fixture.
        let json = object.to_json().unwrap_or_else(|_| b"{}".to_vec());
        let fields = fields::fields_of(&object);
        Entry {
            object,
            json: Bytes::from(json),
            fields,
            resource_version,
        }
    }

    pub(crate) fn namespace(&self) -> &str {
        self.object.metadata().namespace.as_deref().unwrap_or("")
    }

    pub(crate) fn name(&self) -> &str {
        self.object.metadata().name.as_deref().unwrap_or("")
    }

    pub(crate) fn labels(&self) -> Option<&BTreeMap<String, String>> {
        self.object.metadata().labels.as_ref()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeType {
    Added,
    Modified,
    Deleted,
}

/// One change of one object; `new` is the object after the change (for a deletion: the deleted
/// object carrying the deletion's resource version).
#[derive(Debug)]
pub(crate) struct Change {
    pub(crate) kind: ResourceKind,
    pub(crate) change: ChangeType,
    pub(crate) old: Option<Arc<Entry>>,
    pub(crate) new: Arc<Entry>,
}

/// One line appended to a container's log at run time.
#[derive(Debug)]
pub(crate) struct LogAppend {
    pub(crate) key: LogKey,
    pub(crate) line: LogLine,
}

/// Where a watch starts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum WatchStart {
    /// Send the current objects as ADDED first (resourceVersion unset or "0").
    Current,
    /// Send the changes after this resource version.
    After(u64),
}

/// What a new watch gets: its first events and the feed of later changes.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub(crate) initial: Vec<Arc<Entry>>,
    pub(crate) replay: Vec<Arc<Change>>,
    pub(crate) changes: broadcast::Receiver<Arc<Change>>,
    pub(crate) resource_version: u64,
}

/// What a log request gets: the lines so far (`None`: no such log) and, for following, the
/// feeds of appended lines and of changes (a deleted pod ends the follow).
#[derive(Debug)]
pub(crate) struct LogSubscription {
    pub(crate) lines: Option<Vec<LogLine>>,
    pub(crate) appends: broadcast::Receiver<Arc<LogAppend>>,
    pub(crate) changes: broadcast::Receiver<Arc<Change>>,
}
