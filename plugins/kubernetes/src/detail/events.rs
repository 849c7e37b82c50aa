//! The events tab's feed: a watch of the events whose involvedObject is the
//! target (a field selector, so the server sends only those), kept current
//! as they are created, updated and deleted. No polling.

use futures::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::runtime::watcher::{self, Event as WatchEvent};

use super::stream_state::{Backoff, Retry, StreamState};
use super::{DetailTarget, SharedDetail};
use crate::client::Conn;

/// Events kept at most; the oldest go first (a crash-looping pod's events
/// are updated in place, so this bound is rarely reached).
const MAX_EVENTS: usize = 1_000;

/// The field selector naming the target as an event's involved object.
pub(crate) fn selector(target: &DetailTarget) -> String {
    let mut fields = vec![
        format!("involvedObject.kind={}", target.kind),
        format!("involvedObject.name={}", target.name),
    ];
    if let Some(ns) = &target.namespace {
        fields.push(format!("involvedObject.namespace={ns}"));
    }
    fields.join(",")
}

fn key(event: &Event) -> String {
    event.metadata.name.clone().unwrap_or_default()
}

/// Watches the target's events until the task is cancelled. kube's watcher
/// re-lists and re-watches after a failure when it is polled again; the wait
/// in between is ours, so the detail can say which attempt is next and when.
pub(crate) async fn watch(
    conn: Conn,
    target: DetailTarget,
    shared: SharedDetail,
    backoff: Backoff,
) {
    let api: Api<Event> = match &target.namespace {
        Some(ns) => Api::namespaced(conn.client.clone(), ns),
        None => Api::all(conn.client.clone()),
    };
    let config = watcher::Config::default().fields(&selector(&target));
    let mut stream = std::pin::pin!(watcher::watcher(api, config));
    let mut retry = Retry::new(backoff);
    // A re-list is buffered until complete and then swapped in, so the tab
    // never shows half a list as the truth.
    let mut pending: Vec<Event> = Vec::new();
    while let Some(next) = stream.next().await {
        match next {
            Ok(event) => {
                retry.reset();
                match event {
                    WatchEvent::Init => pending.clear(),
                    WatchEvent::InitApply(e) => pending.push(e),
                    WatchEvent::InitDone => {
                        let all = std::mem::take(&mut pending);
                        shared.update(|d| {
                            d.events = all.into_iter().map(|e| (key(&e), e)).collect();
                            d.events_stream = StreamState::Live;
                        });
                    }
                    WatchEvent::Apply(e) => shared.update(|d| {
                        d.events.insert(key(&e), e);
                        while d.events.len() > MAX_EVENTS {
                            let oldest = d
                                .events
                                .iter()
                                .min_by_key(|(_, e)| e.last_timestamp.as_ref().map(|t| t.0))
                                .map(|(k, _)| k.clone());
                            if let Some(k) = oldest {
                                d.events.remove(&k);
                            }
                        }
                        d.events_stream = StreamState::Live;
                    }),
                    WatchEvent::Delete(e) => shared.update(|d| {
                        d.events.remove(&key(&e));
                    }),
                }
            }
            Err(e) => {
                let message = match e {
                    watcher::Error::InitialListFailed(k)
                    | watcher::Error::WatchStartFailed(k)
                    | watcher::Error::WatchFailed(k) => conn.error(k).to_string(),
                    watcher::Error::WatchError(status) => {
                        crate::error::from_status(status.code, &status.reason, &status.message)
                            .to_string()
                    }
                    other => other.to_string(),
                };
                let (state, delay) = retry.failed(message);
                shared.update(|d| d.events_stream = state);
                tokio::time::sleep(delay).await;
            }
        }
    }
}
