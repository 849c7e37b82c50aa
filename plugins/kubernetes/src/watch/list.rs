//! One kind's watch in one context: list, then stream changes into the
//! model; on an error, say so, back off and list again, until cancelled.

use std::time::Duration;

use futures::StreamExt;
use kube::Api;
use kube::runtime::watcher::{self, Event};
use tokio_util::sync::CancellationToken;

use crate::client::Conn;
use crate::model::{KubeModel, SharedModel, WatchState};
use crate::row::{Listed, Row, row_of};

/// The first wait after a failure; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The wait before attempt `attempt + 1` (1 s, 2 s, 4 s, ... 30 s).
pub(crate) fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(5);
    (FIRST_BACKOFF * 2u32.pow(doublings)).min(MAX_BACKOFF)
}

/// Watches `api` until `cancel` fires.
pub(crate) async fn run<K: Listed>(
    api: Api<K>,
    conn: Conn,
    model: SharedModel,
    cancel: CancellationToken,
) {
    let kind = K::KIND;
    let context = conn.context.clone();
    let config = watcher::Config::default().page_size(conn.page_size);
    write(&model, &cancel, |m| {
        m.set_watch(kind, &context, WatchState::Connecting)
    });
    let mut attempt = 0u32;
    loop {
        // A fresh watcher per attempt: it lists first, so success is seen
        // (InitDone) rather than assumed, and the rows are replaced whole.
        let mut stream = std::pin::pin!(watcher::watcher(api.clone(), config.clone()));
        let mut pending: Vec<Row> = Vec::new();
        let error = loop {
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => return,
                next = stream.next() => next,
            };
            match next {
                None => break "the watch ended".to_owned(),
                Some(Err(e)) => break describe(&conn, e),
                Some(Ok(event)) => match event {
                    Event::Init => pending.clear(),
                    Event::InitApply(o) => pending.push(row_of(&o, &context)),
                    Event::InitDone => {
                        attempt = 0;
                        let rows = std::mem::take(&mut pending);
                        write(&model, &cancel, |m| {
                            m.replace(kind, &context, rows);
                            m.set_watch(kind, &context, WatchState::Live);
                        });
                    }
                    Event::Apply(o) => {
                        let row = row_of(&o, &context);
                        write(&model, &cancel, |m| m.upsert(kind, row));
                    }
                    Event::Delete(o) => {
                        let meta = kube::Resource::meta(&o);
                        let ns = meta.namespace.clone().unwrap_or_default();
                        let name = meta.name.clone().unwrap_or_default();
                        write(&model, &cancel, |m| m.remove(kind, &context, &ns, &name));
                    }
                },
            }
        };
        attempt += 1;
        let retry_in = backoff(attempt);
        let state = WatchState::Reconnecting {
            attempt,
            retry_in,
            error,
        };
        write(&model, &cancel, |m| m.set_watch(kind, &context, state));
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(retry_in) => {}
        }
    }
}

/// Changes the model unless the watch was cancelled. Checked under the
/// lock, so a watch cancelled for a new namespace or a context no longer
/// shown never writes after its rows went.
fn write(model: &SharedModel, cancel: &CancellationToken, f: impl FnOnce(&mut KubeModel)) {
    let mut m = model.update();
    if !cancel.is_cancelled() {
        f(&mut m);
    }
}

/// A watch error in kubectl's words.
fn describe(conn: &Conn, error: watcher::Error) -> String {
    match error {
        watcher::Error::InitialListFailed(k)
        | watcher::Error::WatchStartFailed(k)
        | watcher::Error::WatchFailed(k) => conn.error(k).to_string(),
        watcher::Error::WatchError(status) => {
            crate::error::from_status(status.code, &status.reason, &status.message).to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
