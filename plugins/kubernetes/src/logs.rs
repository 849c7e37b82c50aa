//! `vcli k8s logs`: one pod's container, all containers, or every pod a
//! selector matches, printed or followed through a bounded ring buffer.

use std::io::Write;
use std::sync::Arc;

use clap::ArgMatches;
use futures::AsyncBufReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::core::Request;
use kube::core::subresource::LogParams;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::{Output, PluginContext, PluginError};

use crate::client::{Conn, typed};
use crate::get::{Query, build_error, get_one, list_pages};
use crate::goduration;
use crate::resources::Kind;
use crate::ring::{Batch, LogRing, Producer};

/// Lines held for a slow writer before the oldest are dropped.
const DEFAULT_BUFFER_LINES: usize = 10_000;
/// Bytes held for a slow writer (whichever bound is reached first).
const BUFFER_BYTES: usize = 16 << 20;
/// A "line" without a newline is cut here so one endless line cannot grow without bound.
const MAX_LINE: usize = 1 << 20;
/// The annotation naming the container kubectl picks without `-c`.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// One container's log to read.
#[derive(Debug, Clone)]
struct Target {
    pod: String,
    container: String,
}

/// Runs `logs` with the `logs` subcommand's matches.
///
/// # Errors
///
/// Failures worded as kubectl's (bad `--since` or `--tail`, an unknown
/// container, `error from server (NotFound): pods "x" not found in
/// namespace "default"`), usage errors (too many streams to follow), server
/// errors.
pub(crate) async fn run(
    conn: &Conn,
    ctx: &PluginContext,
    m: &ArgMatches,
    out: &mut Output,
) -> Result<(), PluginError> {
    let follow = m.get_flag("follow");
    let selector = m.get_one::<String>("selector").cloned();
    let all_containers = m.get_flag("all-containers");
    let container = m.get_one::<String>("container").cloned();
    let tail = m.get_one::<i64>("tail").copied();
    // `--since` is a Go duration, as kubectl's flag parser reads it; a
    // value it cannot read fails before anything is asked of the server.
    let since = match m.get_one::<String>("since") {
        Some(text) => Some(goduration::parse(text).map_err(|e| {
            PluginError::failed(format!(
                "invalid argument {} for \"--since\" flag: {e}",
                goduration::go_quote(text)
            ))
        })?),
        None => None,
    };
    let params = LogParams {
        follow,
        tail_lines: match tail {
            Some(n) if n >= 0 => Some(n),
            Some(_) => None,
            None if selector.is_some() => Some(10),
            None => None,
        },
        // kubectl sends no sinceSeconds for a zero `--since` (everything),
        // and rounds the rest to the nearest second, so `1us` asks for 0
        // and the server refuses it.
        since_seconds: since
            .filter(|&nanos| nanos != 0)
            .map(goduration::round_to_seconds),
        timestamps: m.get_flag("timestamps"),
        previous: m.get_flag("previous"),
        ..LogParams::default()
    };
    let mut targets = Vec::new();
    if let Some(labels) = &selector {
        let query = Query {
            path: Kind::Pod.collection_path(Some(&conn.namespace)),
            labels: Some(labels.clone()),
            fields: None,
            page_size: conn.page_size,
        };
        let mut pods = Vec::new();
        list_pages(conn, &query, |page| {
            for v in page {
                pods.push(typed::<Pod>(&v?).map_err(|e| PluginError::failed(format!("{e}")))?);
            }
            Ok(())
        })
        .await?;
        if pods.is_empty() {
            out.note(format!(
                "No resources found in {} namespace.",
                conn.namespace
            ))?;
            return check_values(since, tail);
        }
        for pod in &pods {
            targets.extend(containers_of(
                pod,
                container.as_deref(),
                all_containers,
                None,
            )?);
        }
    } else {
        let raw = m.get_one::<String>("pod").map_or("", String::as_str);
        let name = raw
            .strip_prefix("pod/")
            .or_else(|| raw.strip_prefix("pods/"))
            .unwrap_or(raw);
        let found = get_one(conn, Kind::Pod, Some(&conn.namespace), name)
            .await
            .map_err(|e| not_found_in_namespace(e, &conn.namespace))?;
        let pod: Pod = typed(&found)
            .map_err(|e| PluginError::failed(format!("cannot read pod {name}: {e}")))?;
        targets = containers_of(&pod, container.as_deref(), all_containers, Some(&mut *out))?;
    }
    check_values(since, tail)?;

    let max = m.get_one::<usize>("max-log-requests").copied().unwrap_or(5);
    if follow && targets.len() > max {
        return Err(PluginError::Usage(format!(
            "you are attempting to follow {} log streams, but maximum allowed concurrency is {max}, \
             use --max-log-requests to increase the limit",
            targets.len()
        )));
    }
    let prefix = selector.is_some() || m.get_flag("prefix");
    let lines = m
        .get_one::<u64>("buffer-lines")
        .map_or(DEFAULT_BUFFER_LINES, |n| {
            usize::try_from(*n).unwrap_or(usize::MAX)
        });
    stream(conn, ctx, targets, &params, prefix, lines, out).await
}

/// kubectl checks these values after it has looked for the pods, so a
/// missing pod is reported first (and "No resources found" printed before
/// the error); both exit 1 there.
fn check_values(since: Option<i64>, tail: Option<i64>) -> Result<(), PluginError> {
    if since.is_some_and(|nanos| nanos < 0) {
        return Err(PluginError::failed("--since must be greater than 0"));
    }
    if tail.is_some_and(|n| n < -1) {
        return Err(PluginError::failed(
            "--tail must be greater than or equal to -1",
        ));
    }
    Ok(())
}

/// kubectl logs words a missing pod its own way: lowercase, as an error of
/// its own (after `error: `), with the namespace it looked in.
fn not_found_in_namespace(err: PluginError, namespace: &str) -> PluginError {
    match err {
        PluginError::Server { message, source } => {
            match message.strip_prefix("Error from server (NotFound): ") {
                Some(what) => PluginError::Failed {
                    message: format!(
                        "error from server (NotFound): {what} in namespace \"{namespace}\""
                    ),
                    source,
                },
                None => PluginError::Server { message, source },
            }
        }
        other => other,
    }
}

/// The containers to read for `pod`: `-c`, all (init first), or the default
/// one, noting on `note` which was chosen when there was a choice.
fn containers_of(
    pod: &Pod,
    wanted: Option<&str>,
    all: bool,
    note: Option<&mut Output>,
) -> Result<Vec<Target>, PluginError> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let init: Vec<String> = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect();
    let main: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
    let ephemeral: Vec<String> = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect();
    // kubectl's `AllContainerNames`: regular, ephemeral, then init.
    let all_names = || {
        main.iter()
            .cloned()
            .chain(ephemeral.iter().map(|c| format!("{c} (ephem)")))
            .chain(init.iter().map(|c| format!("{c} (init)")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let target = |c: &str| Target {
        pod: name.clone(),
        container: c.to_owned(),
    };
    if let Some(c) = wanted {
        let known = |list: &[String]| list.iter().any(|n| n == c);
        if !(known(&main) || known(&init) || known(&ephemeral)) {
            return Err(PluginError::failed(format!(
                "container {c} is not valid for pod {name} out of: {}",
                all_names()
            )));
        }
        return Ok(vec![target(c)]);
    }
    if all {
        return Ok(init.iter().chain(main.iter()).map(|c| target(c)).collect());
    }
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER))
        .filter(|c| main.contains(c) || init.contains(c));
    let Some(chosen) = annotated.or_else(|| main.first()).cloned() else {
        return Err(PluginError::failed(format!("pod {name} has no containers")));
    };
    // kubectl names the container it chose only when nothing told it which
    // one to choose; the annotation does.
    if let Some(out) = note
        && annotated.is_none()
        && (main.len() > 1 || !init.is_empty() || !ephemeral.is_empty())
    {
        out.note(format!(
            "Defaulted container \"{chosen}\" out of: {}",
            all_names()
        ))?;
    }
    Ok(vec![target(&chosen)])
}

/// Reads every target into the ring and writes what comes out.
///
/// Without `-f` the targets are read one after another, so each
/// container's lines stay together, in kubectl's order; with `-f` they are
/// read concurrently, each by its own task, since every stream is endless.
async fn stream(
    conn: &Conn,
    ctx: &PluginContext,
    targets: Vec<Target>,
    params: &LogParams,
    prefix: bool,
    buffer_lines: usize,
    out: &mut Output,
) -> Result<(), PluginError> {
    let ring = LogRing::new(buffer_lines, BUFFER_BYTES);
    // Readers stop when the command ends for any reason (done, error, the
    // host dropping this future on Ctrl-C) or the plugin stops.
    let stop = ctx.cancellation().child_token();
    let _guard = stop.clone().drop_guard();
    let groups: Vec<Vec<Target>> = if params.follow {
        targets.into_iter().map(|t| vec![t]).collect()
    } else {
        vec![targets]
    };
    for group in groups {
        let producer = ring.producer();
        let reader = read_all(
            conn.clone(),
            group,
            params.clone(),
            prefix,
            producer,
            stop.clone(),
        );
        ctx.spawn("k8s-logs-reader", reader)?;
    }
    let result = write_all(&ring, out, &stop).await;
    ring.close();
    result
}

async fn write_all(
    ring: &Arc<LogRing>,
    out: &mut Output,
    stop: &CancellationToken,
) -> Result<(), PluginError> {
    loop {
        let batch = tokio::select! {
            () = stop.cancelled() => return Ok(()),
            b = ring.next() => b,
        };
        match batch {
            Batch::Lines { dropped, lines } => {
                if dropped > 0 {
                    writeln!(out, "... {dropped} lines dropped ...")?;
                }
                for line in lines {
                    out.write_all(line.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                out.flush()?;
            }
            Batch::Done(None) => return Ok(()),
            Batch::Done(Some(e)) => return Err(e),
        }
    }
}

async fn read_all(
    conn: Conn,
    targets: Vec<Target>,
    params: LogParams,
    prefix: bool,
    producer: Producer,
    stop: CancellationToken,
) {
    for t in targets {
        let result = tokio::select! {
            () = stop.cancelled() => return,
            r = read_one(&conn, &t, &params, prefix, &producer) => r,
        };
        if let Err(e) = result {
            producer.fail(e);
            return;
        }
        if producer.closed() {
            return;
        }
    }
}

async fn read_one(
    conn: &Conn,
    t: &Target,
    params: &LogParams,
    prefix: bool,
    producer: &Producer,
) -> Result<(), PluginError> {
    let mut params = params.clone();
    params.container = Some(t.container.clone());
    let req = Request::new(Kind::Pod.collection_path(Some(&conn.namespace)))
        .logs(&t.pod, &params)
        .map_err(build_error)?;
    let mut reader = conn.get_stream(req).await?;
    let lead = if prefix {
        format!("[pod/{}/{}] ", t.pod, t.container)
    } else {
        String::new()
    };
    let mut line: Vec<u8> = Vec::new();
    loop {
        let chunk = reader.fill_buf().await.map_err(|e| {
            PluginError::with_source(
                format!("reading the logs of {}/{}: {e}", t.pod, t.container),
                e,
            )
        })?;
        if chunk.is_empty() {
            if !line.is_empty() {
                producer.push(format!("{lead}{}", String::from_utf8_lossy(&line)));
            }
            return Ok(());
        }
        let (used, complete) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => {
                line.extend_from_slice(&chunk[..i]);
                (i + 1, true)
            }
            None => {
                line.extend_from_slice(chunk);
                (chunk.len(), line.len() >= MAX_LINE)
            }
        };
        reader.consume_unpin(used);
        if complete {
            producer.push(format!("{lead}{}", String::from_utf8_lossy(&line)));
            line.clear();
            if producer.closed() {
                return Ok(());
            }
        }
    }
}
