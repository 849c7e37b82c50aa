//! The task that follows one container's log into the detail's ring.
//!
//! Lines are read in the batches the connection delivers and appended under
//! one short lock per batch, which asks for at most one frame. Timestamps are
//! always requested (the viewer shows them only when asked) because they are
//! what a resumed stream is matched against: after an interruption the
//! stream is re-opened with `sinceTime` and what was already read is
//! skipped. When the server ends the stream, the pod says why: deleted,
//! container terminated (both final), or still running (so the stream is
//! re-opened).

use futures::AsyncBufReadExt;
use kube::core::Request;
use kube::core::subresource::LogParams;
use tokio_util::sync::CancellationToken;

use super::fetch::{containers_of, fetch_pod, terminated};
use super::log_buffer::{LogLine, MAX_LINE, ResumePoint};
use super::stream_state::{Backoff, EndReason, Retry, StreamState};
use super::{LogSource, SharedDetail};
use crate::client::Conn;
use crate::resources::Kind;

/// What one stream read ended with.
enum Outcome {
    /// The stream closed normally.
    Closed,
    /// The request or the connection failed; worth retrying.
    Failed(String),
    /// The server refused in a way retrying cannot fix.
    Refused(String),
}

/// Follows `source` (the default container when it names none) of the pod
/// `namespace/name` until it ends or `cancel` fires.
pub(crate) async fn follow(
    conn: Conn,
    namespace: String,
    name: String,
    mut source: LogSource,
    shared: SharedDetail,
    backoff: Backoff,
    tail: usize,
) {
    let mut retry = Retry::new(backoff);
    let mut resume = ResumePoint::default();
    let mut first = true;
    // Why the last read stopped, when the next one must wait out the backoff.
    let mut pause: Option<String> = None;
    loop {
        // The pod says which containers there are, which one is the default,
        // and whether a closed stream is over for good.
        match fetch_pod(&conn, &namespace, &name).await {
            Ok(Some(pod)) => {
                let (containers, default) = containers_of(&pod);
                if source.container.is_empty() {
                    source.container = default;
                }
                let chosen = source.clone();
                shared.update(|d| {
                    d.containers = containers;
                    d.log_source = chosen;
                });
                if !first
                    && !source.previous
                    && let Some(how) = terminated(&pod, &source.container)
                {
                    end(&shared, EndReason::ContainerTerminated(how));
                    return;
                }
            }
            Ok(None) => {
                end(&shared, EndReason::PodDeleted);
                return;
            }
            Err(e) => {
                wait_retry(&shared, &mut retry, e).await;
                continue;
            }
        }
        if let Some(why) = pause.take() {
            wait_retry(&shared, &mut retry, why).await;
        }
        let params = LogParams {
            container: (!source.container.is_empty()).then(|| source.container.clone()),
            follow: !source.previous,
            previous: source.previous,
            timestamps: true,
            since_time: resume.since(),
            tail_lines: first.then(|| i64::try_from(tail).unwrap_or(i64::MAX)),
            ..LogParams::default()
        };
        first = false;
        resume.restart();
        match read(
            &conn,
            &namespace,
            &name,
            &params,
            &shared,
            &mut retry,
            &mut resume,
        )
        .await
        {
            Outcome::Closed if source.previous => {
                end(&shared, EndReason::Complete);
                return;
            }
            // The pod, fetched again at the top of the loop, tells whether
            // this was the end or an interruption.
            Outcome::Closed => pause = Some("the server closed the stream".to_owned()),
            Outcome::Failed(e) => pause = Some(e),
            Outcome::Refused(e) => {
                end(&shared, EndReason::ServerClosed(e));
                return;
            }
        }
    }
}

/// Opens the stream and reads it to its end.
async fn read(
    conn: &Conn,
    namespace: &str,
    name: &str,
    params: &LogParams,
    shared: &SharedDetail,
    retry: &mut Retry,
    resume: &mut ResumePoint,
) -> Outcome {
    let request = match Request::new(Kind::Pod.collection_path(Some(namespace))).logs(name, params)
    {
        Ok(r) => r,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let mut reader = match conn.client.request_stream(request).await {
        Ok(r) => Box::pin(r),
        Err(kube::Error::Api(status))
            if (400..500).contains(&status.code) && status.code != 429 =>
        {
            return Outcome::Refused(conn.error(kube::Error::Api(status)).to_string());
        }
        Err(e) => return Outcome::Failed(conn.error(e).to_string()),
    };
    retry.reset();
    shared.update(|d| d.log_stream = StreamState::Live);
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let chunk = match reader.fill_buf().await {
            Ok(chunk) => chunk,
            Err(e) => return Outcome::Failed(format!("reading the log: {e}")),
        };
        if chunk.is_empty() {
            if !partial.is_empty() {
                let line = LogLine::parse(&String::from_utf8_lossy(&partial));
                if resume.admit(&line) {
                    shared.update(|d| d.logs.push(line));
                }
            }
            return Outcome::Closed;
        }
        // Every complete line of the chunk, appended at once.
        let mut batch = Vec::new();
        let mut rest = chunk;
        while let Some(i) = rest.iter().position(|b| *b == b'\n') {
            partial.extend_from_slice(&rest[..i]);
            batch.push(LogLine::parse(&String::from_utf8_lossy(&partial)));
            partial.clear();
            rest = &rest[i + 1..];
        }
        // A line without its end yet waits for the next chunk, up to the
        // longest line kept (what lies beyond is cut anyway).
        if partial.len() < MAX_LINE * 2 {
            partial.extend_from_slice(rest);
        }
        let used = chunk.len();
        reader.consume_unpin(used);
        batch.retain(|line| resume.admit(line));
        if !batch.is_empty() {
            shared.update(|d| {
                for line in batch {
                    d.logs.push(line);
                }
            });
        }
    }
}

/// Shows the failure and waits out the backoff (cancelling the detail ends
/// the wait with the task).
async fn wait_retry(shared: &SharedDetail, retry: &mut Retry, error: String) {
    let (state, delay) = retry.failed(error);
    shared.update(|d| d.log_stream = state);
    tokio::time::sleep(delay).await;
}

fn end(shared: &SharedDetail, reason: EndReason) {
    shared.update(|d| d.log_stream = StreamState::Ended(reason));
}

/// Runs `follow` until `cancel` fires.
pub(crate) async fn follow_until(cancel: CancellationToken, follow: impl Future<Output = ()>) {
    tokio::select! {
        () = cancel.cancelled() => {}
        () = follow => {}
    }
}
