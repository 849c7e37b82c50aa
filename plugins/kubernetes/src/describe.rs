//! `vcli k8s describe`: the document writer with kubectl's indentation and
//! tab alignment, the events section every kind ends with, and the command
//! that fetches an object and hands it to its layout (`describe_pod.rs`,
//! `describe_objects.rs`, `describe_node.rs`).

use std::collections::BTreeMap;
use std::io::Write;

use clap::ArgMatches;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Toleration};
use kube::core::Request;
use kube::core::params::ListParams;
use serde::de::DeserializeOwned;
use serde_json::Value;
use vcli_plugin_api::print::TabWriter;
use vcli_plugin_api::{Output, PluginError};

use crate::cli::split_type_name;
use crate::client::{Conn, typed};
use crate::get::{build_error, get_one};
use crate::printers::{since, since_ts};
use crate::resources::Kind;

/// Lines with kubectl's indentation levels (two spaces each) and tabs
/// between label and value, aligned by kubectl's describe writer ([`TabWriter::kubectl_describe`]).
#[derive(Debug, Default)]
pub(crate) struct Doc {
    text: String,
}

impl Doc {
    /// Writes `text` at `level`, without a newline.
    pub(crate) fn put(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.text.push_str("  ");
        }
        self.text.push_str(text);
    }

    /// Writes a line at `level`.
    pub(crate) fn line(&mut self, level: usize, text: &str) {
        self.put(level, text);
        self.text.push('\n');
    }

    /// The aligned document.
    pub(crate) fn finish(self) -> String {
        TabWriter::kubectl_describe().format(&self.text)
    }

    /// `Title:\tk=v` with further labels on their own lines, or `<none>`.
    pub(crate) fn labels(
        &mut self,
        level: usize,
        title: &str,
        labels: Option<&BTreeMap<String, String>>,
    ) {
        self.put(level, &format!("{title}:\t"));
        match labels.filter(|l| !l.is_empty()) {
            None => self.text.push_str("<none>\n"),
            Some(l) => {
                for (i, (k, v)) in l.iter().enumerate() {
                    if i > 0 {
                        self.put(level, "\t");
                    }
                    self.text.push_str(&format!("{k}={v}\n"));
                }
            }
        }
    }

    /// Annotations as kubectl prints them: long or multi-line values
    /// folded under their key, `last-applied-configuration` skipped.
    pub(crate) fn annotations(
        &mut self,
        level: usize,
        annotations: Option<&BTreeMap<String, String>>,
    ) {
        const MAX: usize = 140;
        self.put(level, "Annotations:\t");
        let keys: Vec<(&String, &String)> = annotations
            .into_iter()
            .flatten()
            .filter(|(k, _)| *k != "kubectl.kubernetes.io/last-applied-configuration")
            .collect();
        if keys.is_empty() {
            self.text.push_str("<none>\n");
            return;
        }
        for (i, (key, value)) in keys.into_iter().enumerate() {
            if i > 0 {
                self.put(level, "\t");
            }
            let value = value.strip_suffix('\n').unwrap_or(value);
            if value.len() + key.len() + 2 > MAX || value.contains('\n') {
                self.text.push_str(&format!("{key}:\n"));
                for part in value.split('\n') {
                    let short = if part.len() > MAX - 2 {
                        format!("{}...", part.chars().take(MAX - 2).collect::<String>())
                    } else {
                        part.to_owned()
                    };
                    self.put(level, &format!("\t  {short}\n"));
                }
            } else {
                self.text.push_str(&format!("{key}: {value}\n"));
            }
        }
    }

    /// `Tolerations:\tkey=value:Effect op=Exists for 300s`, one per line.
    pub(crate) fn tolerations(&mut self, level: usize, tolerations: &[Toleration]) {
        self.put(level, "Tolerations:\t");
        if tolerations.is_empty() {
            self.text.push_str("<none>\n");
            return;
        }
        for (i, t) in tolerations.iter().enumerate() {
            if i > 0 {
                self.put(level, "\t");
            }
            let key = t.key.clone().unwrap_or_default();
            let value = t.value.clone().unwrap_or_default();
            let effect = t.effect.clone().unwrap_or_default();
            let mut s = key.clone();
            if !value.is_empty() {
                s.push_str(&format!("={value}"));
            }
            if !effect.is_empty() {
                s.push_str(&format!(":{effect}"));
            }
            if t.operator.as_deref() == Some("Exists") && value.is_empty() {
                s.push_str(if key.is_empty() && effect.is_empty() {
                    "op=Exists"
                } else {
                    " op=Exists"
                });
            }
            if let Some(secs) = t.toleration_seconds {
                s.push_str(&format!(" for {secs}s"));
            }
            self.text.push_str(&s);
            self.text.push('\n');
        }
    }
}

/// The events whose involved object is `uid` (`name` in `namespace`),
/// oldest first, as describe lists them. A failure to list events is not
/// fatal: kubectl also shows the object without them.
pub(crate) async fn events_for(
    conn: &Conn,
    namespace: Option<&str>,
    name: &str,
    uid: Option<&str>,
) -> Option<Vec<Event>> {
    let mut fields = vec![format!("involvedObject.name={name}")];
    if let Some(ns) = namespace {
        fields.push(format!("involvedObject.namespace={ns}"));
    }
    if let Some(uid) = uid {
        fields.push(format!("involvedObject.uid={uid}"));
    }
    let params = ListParams {
        field_selector: Some(fields.join(",")),
        ..ListParams::default()
    };
    let path = crate::resources::Kind::Event.collection_path(namespace);
    let req = Request::new(path).list(&params).map_err(build_error).ok()?;
    let list: Value = conn.get_json(req).await.ok()?;
    let mut events: Vec<Event> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| typed(e).ok())
        .collect();
    events.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    Some(events)
}

/// The `Events:` section: a table, or `Events:  <none>`.
pub(crate) fn describe_events(doc: &mut Doc, events: Option<&[Event]>, now: Timestamp) {
    let Some(events) = events.filter(|e| !e.is_empty()) else {
        doc.line(0, "Events:\t<none>");
        return;
    };
    doc.line(0, "Events:");
    doc.line(1, "Type\tReason\tAge\tFrom\tMessage");
    doc.line(1, "----\t------\t----\t----\t-------");
    for e in events {
        let first = match &e.event_time {
            Some(t) => since_ts(t.0, now),
            None => since(e.first_timestamp.as_ref(), now),
        };
        let interval = if let Some(series) = &e.series {
            let last = series
                .last_observed_time
                .as_ref()
                .map_or_else(|| "<unknown>".to_owned(), |t| since_ts(t.0, now));
            format!("{last} (x{} over {first})", series.count.unwrap_or(0))
        } else if e.count.unwrap_or(0) > 1 {
            format!(
                "{} (x{} over {first})",
                since(e.last_timestamp.as_ref(), now),
                e.count.unwrap_or(0)
            )
        } else {
            first
        };
        let source = e
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .filter(|c| !c.is_empty())
            .or_else(|| e.reporting_component.clone())
            .unwrap_or_default();
        // Since 1.36 kubectl names the part of the object the event is
        // about (`spec.containers{api}: `) before the message.
        let mut message = e.message.as_deref().unwrap_or_default().trim().to_owned();
        if let Some(path) = e
            .involved_object
            .field_path
            .as_deref()
            .filter(|p| !p.is_empty())
        {
            message = format!("{path}: {message}");
        }
        doc.line(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{message}",
                e.type_.as_deref().unwrap_or_default(),
                e.reason.as_deref().unwrap_or_default(),
            ),
        );
    }
}

/// Runs `describe TYPE NAME` (or `TYPE/NAME`).
///
/// # Errors
///
/// Usage errors for a missing name or a type describe does not support;
/// server errors in kubectl's words.
pub(crate) async fn run(conn: &Conn, m: &ArgMatches, out: &mut Output) -> Result<(), PluginError> {
    let resource = m.get_one::<String>("resource").map_or("", String::as_str);
    let (type_text, slash_name) = split_type_name(resource);
    let kind = Kind::parse(type_text)?;
    let name = match (slash_name, m.get_one::<String>("name").map(String::as_str)) {
        (Some(n), _) | (None, Some(n)) => n.to_owned(),
        (None, None) => {
            return Err(PluginError::Usage(format!(
                "describe {} needs a NAME (for example `vcli k8s describe {} NAME`)",
                kind.plural(),
                kind.name_prefix()
            )));
        }
    };
    if !matches!(
        kind,
        Kind::Pod | Kind::Deployment | Kind::Service | Kind::Node
    ) {
        return Err(PluginError::Usage(format!(
            "describe supports pods, deployments, services and nodes, not {}",
            kind.plural()
        )));
    }
    let namespace = kind.namespaced().then(|| conn.namespace.clone());
    let text = describe_text(conn, kind, namespace.as_deref(), &name).await?;
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// The text `describe` prints for one object (a pod, deployment, service or
/// node): the TUI's detail shows exactly this.
///
/// # Errors
///
/// Server errors in kubectl's words, and objects that cannot be read.
pub(crate) async fn describe_text(
    conn: &Conn,
    kind: Kind,
    namespace: Option<&str>,
    name: &str,
) -> Result<String, PluginError> {
    let object = get_one(conn, kind, namespace, name).await?;
    let uid = object["metadata"]["uid"].as_str().map(str::to_owned);
    let events = events_for(conn, namespace, name, uid.as_deref()).await;
    let now = Timestamp::now();
    Ok(match kind {
        Kind::Pod => {
            crate::describe_pod::describe_pod(&typed_object(object)?, events.as_deref(), now)
        }
        Kind::Deployment => {
            let deployment = typed_object(object)?;
            let sets = crate::describe_objects::replica_sets(conn, &deployment).await;
            crate::describe_objects::describe_deployment(
                &deployment,
                sets.as_deref(),
                events.as_deref(),
                now,
            )
        }
        Kind::Service => {
            let endpoints = crate::describe_objects::endpoints(conn, namespace, name).await;
            crate::describe_objects::describe_service(
                &typed_object(object)?,
                endpoints.as_deref(),
                events.as_deref(),
                now,
            )
        }
        Kind::Node => {
            let extra = crate::describe_node::fetch(conn, name).await;
            crate::describe_node::describe_node(
                &typed_object(object)?,
                &extra,
                events.as_deref(),
                now,
            )
        }
        other => {
            return Err(PluginError::Usage(format!(
                "describe supports pods, deployments, services and nodes, not {}",
                other.plural()
            )));
        }
    })
}

fn typed_object<T: DeserializeOwned>(v: Value) -> Result<T, PluginError> {
    typed(&v).map_err(|e| PluginError::with_source(format!("cannot read the object: {e}"), e))
}
