//! Container logs: the stored lines and `GET /api/v1/namespaces/{ns}/pods/{name}/log`.
//!
//! The answers follow the real server: the container is picked (or refused) as the API server
//! does, `previous` needs a previous instance, a container still waiting to start has no log,
//! and `timestamps` prefixes lines the way the kubelet does. With `follow`, the response stays
//! open and lines appended through `State::append_log` are streamed until the client goes
//! away, the pod is deleted, the container terminates, the stream is cut
//! (`Faults::cut_log_streams`), or the emulator stops.

use bytes::Bytes;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::jiff::Timestamp;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::params::LogOptions;
use crate::resources::{Object, ResourceKind};
use crate::response::{self, ApiError, Response};
use crate::server::Context;
use crate::store::ChangeType;

/// One log line with the time the container wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// When the line was written; `sinceSeconds`/`sinceTime` and `timestamps` use it.
    pub time: Timestamp,
    /// The line without its newline.
    pub text: String,
}

impl LogLine {
    /// A line written at `time`.
    pub fn new(time: Timestamp, text: impl Into<String>) -> Self {
        LogLine {
            time,
            text: text.into(),
        }
    }
}

/// The log of one container: its current instance and, after a restart, the previous one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerLogs {
    /// What the running (or last) instance wrote.
    pub current: Vec<LogLine>,
    /// What the instance before the last restart wrote (`previous=true`).
    pub previous: Option<Vec<LogLine>>,
}

/// Serves one log request.
pub(crate) fn serve(
    ctx: &Context,
    namespace: &str,
    name: &str,
    options: LogOptions,
) -> Result<Response, ApiError> {
    let entry = ctx
        .state
        .entry(ResourceKind::Pods, namespace, name)
        .ok_or_else(|| ApiError::not_found("pods", name))?;
    let Object::Pod(pod) = &entry.object else {
        return Err(ApiError::internal("a pods entry that is not a Pod"));
    };
    let container = pick_container(pod, name, options.container.as_deref())?;
    let key = (namespace.to_owned(), name.to_owned(), container.clone());
    let subscription = ctx.state.subscribe_logs(&key, options.previous);
    let status = container_status(pod, &container);
    let mut lines = match subscription.lines {
        None if options.previous => {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            )));
        }
        lines => lines.unwrap_or_default(),
    };
    if lines.is_empty() && !options.previous {
        // The kubelet has no log file for a container that never started.
        if let Some(waiting) = status
            .and_then(|s| s.state.as_ref())
            .and_then(|s| s.waiting.as_ref())
        {
            let reason = match waiting.reason.as_deref().unwrap_or("") {
                "ImagePullBackOff" | "ErrImagePull" => "trying and failing to pull image",
                other => other,
            };
            return Err(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
            )));
        }
    }
    if let Some(since) = options.since {
        lines.retain(|l| l.time >= since);
    }
    if let Some(tail) = options.tail_lines {
        lines.drain(..lines.len().saturating_sub(tail));
    }
    let mut budget = options.limit_bytes.unwrap_or(usize::MAX);
    let mut body = Vec::new();
    for line in &lines {
        push_line(&mut body, line, options.timestamps, &mut budget);
    }
    let terminated = status
        .and_then(|s| s.state.as_ref())
        .is_some_and(|s| s.terminated.is_some());
    // A finished container's log is complete: following it returns at once, as with kubectl.
    if !options.follow || options.previous || terminated || budget == 0 {
        return Ok(response::text(body));
    }

    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let shutdown = ctx.shutdown.clone();
    let cut = ctx.faults.log_cut();
    let (mut appends, mut changes) = (subscription.appends, subscription.changes);
    let timestamps = options.timestamps;
    tokio::spawn(async move {
        if !body.is_empty() && tx.send(Bytes::from(body)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = cut.cancelled() => break,
                () = tx.closed() => break,
                append = appends.recv() => match append {
                    Ok(append) if append.key == key => {
                        let mut chunk = Vec::new();
                        push_line(&mut chunk, &append.line, timestamps, &mut budget);
                        if (!chunk.is_empty() && tx.send(Bytes::from(chunk)).await.is_err()) || budget == 0 {
                            break;
                        }
                    }
                    // A follower that fell this far behind just misses lines, like a slow reader
                    // of a rotated log file.
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                change = changes.recv() => match change {
                    Ok(c) if c.kind == ResourceKind::Pods
                        && c.change == ChangeType::Deleted
                        && c.new.namespace() == key.0
                        && c.new.name() == key.1 => break,
                    // The kubelet ends a followed log when its container exits.
                    Ok(c) if c.kind == ResourceKind::Pods
                        && c.new.namespace() == key.0
                        && c.new.name() == key.1
                        && is_terminated(&c.new.object, &key.2) => break,
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
            }
        }
    });
    Ok(response::stream("text/plain", rx))
}

/// Appends a rendered line unless the `limitBytes` budget is used up (then cuts it short).
fn push_line(out: &mut Vec<u8>, line: &LogLine, timestamps: bool, budget: &mut usize) {
    let mut rendered = String::new();
    if timestamps {
        rendered.push_str(&format_timestamp(line.time));
        rendered.push(' ');
    }
    rendered.push_str(&line.text);
    rendered.push('\n');
    let take = rendered.len().min(*budget);
    out.extend_from_slice(&rendered.as_bytes()[..take]);
    *budget -= take;
}

/// The kubelet's timestamp prefix: RFC 3339 with exactly nine fractional digits.
pub(crate) fn format_timestamp(time: Timestamp) -> String {
    k8s_openapi::jiff::fmt::strtime::format("%Y-%m-%dT%H:%M:%S.%9fZ", time)
        .unwrap_or_else(|_| time.to_string())
}

/// Which container a request means, with the API server's refusals.
fn pick_container(pod: &Pod, name: &str, requested: Option<&str>) -> Result<String, ApiError> {
    let spec = pod.spec.as_ref();
    let names = |init: bool| -> Vec<&str> {
        let list = spec.map(|s| {
            if init {
                s.init_containers.as_deref()
            } else {
                Some(&s.containers[..])
            }
        });
        list.flatten()
            .unwrap_or(&[])
            .iter()
            .map(|c| c.name.as_str())
            .collect()
    };
    let (containers, init_containers) = (names(false), names(true));
    let ephemeral: Vec<&str> = spec
        .and_then(|s| s.ephemeral_containers.as_deref())
        .unwrap_or(&[])
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    match requested {
        Some(c)
            if containers.contains(&c)
                || init_containers.contains(&c)
                || ephemeral.contains(&c) =>
        {
            Ok(c.to_owned())
        }
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None => match containers.as_slice() {
            [only] => Ok((*only).to_owned()),
            [] => Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}"
            ))),
            many => {
                let mut message = format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    many.join(" ")
                );
                if !init_containers.is_empty() {
                    message.push_str(&format!(
                        " or one of the init containers: [{}]",
                        init_containers.join(" ")
                    ));
                }
                Err(ApiError::bad_request(message))
            }
        },
    }
}

/// Whether `object` is a pod whose `container` is terminated.
fn is_terminated(object: &Object, container: &str) -> bool {
    let Object::Pod(pod) = object else {
        return false;
    };
    container_status(pod, container)
        .and_then(|s| s.state.as_ref())
        .is_some_and(|s| s.terminated.is_some())
}

fn container_status<'a>(pod: &'a Pod, container: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    [
        &status.container_statuses,
        &status.init_container_statuses,
        &status.ephemeral_container_statuses,
    ]
    .into_iter()
    .flat_map(|list| list.as_deref().unwrap_or(&[]))
    .find(|s| s.name == container)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_nine_fractional_digits() {
        let t: Timestamp = "2024-05-06T07:08:09.5Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(format_timestamp(t), "2024-05-06T07:08:09.500000000Z");
    }

    #[test]
    fn limit_bytes_cuts_lines() {
        let mut out = Vec::new();
        let mut budget = 7;
        let line = LogLine::new(Timestamp::UNIX_EPOCH, "hello world");
        push_line(&mut out, &line, false, &mut budget);
        push_line(&mut out, &line, false, &mut budget);
        assert_eq!(out, b"hello w");
        assert_eq!(budget, 0);
    }
}
