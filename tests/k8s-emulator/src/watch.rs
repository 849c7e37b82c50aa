//! `?watch=true`: a newline-delimited stream of `{"type":...,"object":...}` events for the
//! changes made through `State`, like the API server's watch.
//!
//! Without `resourceVersion` (or with "0") the current objects come first as ADDED; with a
//! version, the kept history after it is replayed first (an ERROR event with 410 Expired if
//! it is older than the history), which is how kube-runtime's watcher resumes after its initial list. Selectors
//! apply to both sides of a change, so an object leaving the selection is seen as DELETED and
//! one entering it as ADDED.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::list::selected;
use crate::params::{Encoding, ListOptions};
use crate::resources::ResourceKind;
use crate::response::{self, ApiError, Response};
use crate::server::Context;
use crate::store::{Change, ChangeType, Entry, WatchStart};
use crate::table::{self, ListMetadata};

/// How often a watch that allows bookmarks gets one (the real server: about a minute; shorter
/// here so tests see them without waiting).
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(1);

/// Starts a watch and returns the streaming response.
pub(crate) fn serve(
    ctx: &Context,
    kind: ResourceKind,
    namespace: Option<String>,
    options: ListOptions,
    encoding: Encoding,
) -> Result<Response, ApiError> {
    let start = match options.resource_version.as_deref() {
        _ if options.send_initial_events => WatchStart::Current,
        None | Some("0") => WatchStart::Current,
        Some(v) => WatchStart::After(
            v.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v:?}")))?,
        ),
    };
    let subscription = match ctx.state.subscribe(kind, start) {
        Ok(subscription) => subscription,
        Err(oldest) => {
            // Like the watch cache: 200, then one ERROR event carrying 410 Expired, then the end.
            let requested = options.resource_version.clone().unwrap_or_default();
            let error = ApiError::gone(format!("too old resource version: {requested} ({oldest})"));
            let event = json!({"type": "ERROR", "object": error.status()});
            let (tx, rx) = mpsc::channel::<Bytes>(1);
            // A fresh channel with room for one: this send cannot fail.
            let _ = tx.try_send(Bytes::from(format!("{event}\n")));
            return Ok(response::stream("application/json", rx));
        }
    };

    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let shutdown = ctx.shutdown.clone();
    let mut sink = Sink {
        tx,
        kind,
        encoding,
        first: true,
        namespace,
        options,
    };
    tokio::spawn(async move {
        let mut changes = subscription.changes;
        let mut last = match start {
            WatchStart::Current => subscription.resource_version,
            WatchStart::After(rv) => rv,
        };
        for entry in &subscription.initial {
            if sink.in_scope(entry) && !sink.send("ADDED", entry).await {
                return;
            }
        }
        if sink.options.send_initial_events && sink.options.allow_bookmarks {
            // Tells a streaming-list client (sendInitialEvents) that the initial state is done.
            if !sink.bookmark(subscription.resource_version, true).await {
                return;
            }
        }
        for change in &subscription.replay {
            last = last.max(change.new.resource_version);
            if !sink.change(change).await {
                return;
            }
        }
        let deadline = sink.options.timeout.map(|t| Instant::now() + t);
        let mut bookmarks =
            tokio::time::interval_at(Instant::now() + BOOKMARK_INTERVAL, BOOKMARK_INTERVAL);
        bookmarks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = sink.tx.closed() => break,
                () = sleep_until(deadline) => break,
                _ = bookmarks.tick(), if sink.options.allow_bookmarks => {
                    if !sink.bookmark(last, false).await {
                        break;
                    }
                }
                change = changes.recv() => match change {
                    Ok(change) if change.kind == kind && change.new.resource_version > last => {
                        last = change.new.resource_version;
                        if !sink.change(&change).await {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        // The client fell too far behind: like the real server, end the watch
                        // with 410 so it lists again.
                        let status = ApiError::gone("too old resource version".to_owned()).status();
                        let _ = sink.raw("ERROR", serde_json::to_value(status).unwrap_or(Value::Null)).await;
                        break;
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
    });
    Ok(response::stream("application/json", rx))
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Encodes and sends the events of one watch.
struct Sink {
    tx: mpsc::Sender<Bytes>,
    kind: ResourceKind,
    encoding: Encoding,
    /// Tables carry column definitions in the first event only.
    first: bool,
    namespace: Option<String>,
    options: ListOptions,
}

impl Sink {
    fn in_scope(&self, entry: &Entry) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| entry.namespace() == ns)
            && selected(entry, &self.options)
    }

    /// Sends what a change means to this watch, if anything; false once the client is gone.
    async fn change(&mut self, change: &Change) -> bool {
        let now_in = self.in_scope(&change.new);
        let event = match change.change {
            ChangeType::Added => now_in.then_some("ADDED"),
            ChangeType::Deleted => now_in.then_some("DELETED"),
            ChangeType::Modified => {
                let was_in = change.old.as_ref().is_some_and(|old| self.in_scope(old));
                match (was_in, now_in) {
                    (true, true) => Some("MODIFIED"),
                    (false, true) => Some("ADDED"),
                    (true, false) => Some("DELETED"),
                    (false, false) => None,
                }
            }
        };
        match event {
            Some(event) => self.send(event, &change.new).await,
            None => true,
        }
    }

    async fn send(&mut self, event: &str, entry: &Arc<Entry>) -> bool {
        let object = match self.encoding {
            Encoding::Full => {
                let mut line = Vec::with_capacity(entry.json.len() + 32);
                line.extend_from_slice(format!(r#"{{"type":"{event}","object":"#).as_bytes());
                line.extend_from_slice(&entry.json);
                line.extend_from_slice(b"}\n");
                return self.tx.send(Bytes::from(line)).await.is_ok();
            }
            Encoding::Metadata => table::partial_metadata(entry, "v1"),
            Encoding::Table { version, include } => {
                let metadata = ListMetadata {
                    resource_version: entry.resource_version,
                    ..ListMetadata::default()
                };
                let first = std::mem::replace(&mut self.first, false);
                table::table(
                    self.kind,
                    std::slice::from_ref(entry),
                    version,
                    include,
                    &metadata,
                    first,
                )
            }
        };
        self.raw(event, object).await
    }

    async fn bookmark(&mut self, resource_version: u64, initial_events_end: bool) -> bool {
        let mut metadata = json!({"resourceVersion": resource_version.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let (kind, api_version) = match self.encoding {
            Encoding::Metadata => ("PartialObjectMetadata", "meta.k8s.io/v1"),
            _ => (self.kind.info().kind, self.kind.api_version()),
        };
        self.raw(
            "BOOKMARK",
            json!({"kind": kind, "apiVersion": api_version, "metadata": metadata}),
        )
        .await
    }

    async fn raw(&self, event: &str, object: Value) -> bool {
        let mut line = json!({"type": event, "object": object})
            .to_string()
            .into_bytes();
        line.push(b'\n');
        self.tx.send(Bytes::from(line)).await.is_ok()
    }
}
