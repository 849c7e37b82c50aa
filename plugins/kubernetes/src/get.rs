//! `vcli k8s get`: lists fetched page by page (`limit`/`continue`), single
//! objects by name, and `--watch` streams until cancelled.

use std::io::Write;

use clap::ArgMatches;
use futures::StreamExt;
use kube::core::params::{GetParams, ListParams, WatchParams};
use kube::core::{Request, WatchEvent};
use serde::Deserialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::{Output, PluginError};

use crate::cli::split_type_name;
use crate::client::Conn;
use crate::format::{Format, Printer};
use crate::resources::Kind;
use crate::sort::sort_by;

/// One page of a list, items kept as raw JSON so `-o json` prints every
/// field the server sent (including ones this build's types do not know),
/// and so that items are decoded one at a time: 500 decoded objects at once
/// would multiply the memory a page needs.
#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Vec<Box<serde_json::value::RawValue>>,
}

/// A page's items, decoded as they are consumed.
pub(crate) type Items<'a> = &'a mut dyn Iterator<Item = Result<Value, PluginError>>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageMeta {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
    #[serde(default)]
    resource_version: Option<String>,
}

/// What to fetch, from `get`'s flags.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The resource type.
    pub kind: Kind,
    /// `None` for all namespaces (`-A`) or a cluster-scoped kind.
    pub namespace: Option<String>,
    /// `-l`.
    pub labels: Option<String>,
    /// `--field-selector`.
    pub fields: Option<String>,
    /// Objects per page.
    pub page_size: u32,
}

impl Query {
    fn path(&self) -> String {
        self.kind.collection_path(self.namespace.as_deref())
    }

    fn list_params(&self, continue_token: Option<String>) -> ListParams {
        ListParams {
            label_selector: self.labels.clone(),
            field_selector: self.fields.clone(),
            limit: Some(self.page_size),
            continue_token,
            ..ListParams::default()
        }
    }
}

/// Lists every object matching `query`, one page at a time, handing each
/// page to `each` as it arrives. Returns the list's resourceVersion, from
/// which a watch can continue.
///
/// # Errors
///
/// The server's error in kubectl's words, or whatever `each` returns.
pub(crate) async fn list_pages(
    conn: &Conn,
    query: &Query,
    mut each: impl FnMut(Items<'_>) -> Result<(), PluginError>,
) -> Result<String, PluginError> {
    let request = Request::new(query.path());
    let mut token = None;
    loop {
        let req = request
            .list(&query.list_params(token))
            .map_err(build_error)?;
        let page: Page = conn.get_json(req).await?;
        let mut items = page.items.into_iter().map(|raw| {
            serde_json::from_str::<Value>(raw.get())
                .map_err(|e| PluginError::failed(format!("cannot decode an item of the list: {e}")))
        });
        each(&mut items)?;
        match page.metadata.continue_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(page.metadata.resource_version.unwrap_or_default()),
        }
    }
}

/// Fetches one object by name.
///
/// # Errors
///
/// `Error from server (NotFound): pods "x" not found` and the like.
pub(crate) async fn get_one(
    conn: &Conn,
    kind: Kind,
    namespace: Option<&str>,
    name: &str,
) -> Result<Value, PluginError> {
    let req = Request::new(kind.collection_path(namespace))
        .get(name, &GetParams::default())
        .map_err(build_error)?;
    conn.get_json(req).await
}

/// A request that could not be built (an invalid name in a URL).
pub(crate) fn build_error(e: kube::core::request::Error) -> PluginError {
    PluginError::Usage(format!("invalid request: {e}"))
}

/// Runs `get` with the `get` subcommand's matches.
///
/// # Errors
///
/// Usage errors (unknown type, name with `-A`), server errors.
pub(crate) async fn run(
    conn: &Conn,
    m: &ArgMatches,
    out: &mut Output,
    cancel: &CancellationToken,
) -> Result<(), PluginError> {
    let resource = m.get_one::<String>("resource").map_or("", String::as_str);
    let (type_text, slash_name) = split_type_name(resource);
    let kind = Kind::parse(type_text)?;
    let mut names: Vec<String> = m
        .get_many::<String>("names")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if let Some(n) = slash_name {
        names.insert(0, n.to_owned());
    }
    let all = m.get_flag("all-namespaces");
    if all && !names.is_empty() && kind.namespaced() {
        return Err(PluginError::Usage(
            "a resource cannot be retrieved by name across all namespaces".to_owned(),
        ));
    }
    let namespace = (!all && kind.namespaced()).then(|| conn.namespace.clone());
    let format = Format::parse(m.get_one::<String>("output").map(String::as_str));
    let headers = !m.get_flag("no-headers");
    let query = Query {
        kind,
        namespace,
        labels: m.get_one::<String>("selector").cloned(),
        fields: m.get_one::<String>("field-selector").cloned(),
        page_size: m
            .get_one::<u32>("chunk-size")
            .copied()
            .unwrap_or(conn.page_size),
    };
    let sort = m.get_one::<String>("sort-by").cloned();
    let watch = m.get_flag("watch");
    let mut printer = Printer::new(out, format, kind, all && kind.namespaced(), headers);

    let mut resource_version = String::new();
    if names.len() == 1 && !matches!(format, Format::Table { .. }) {
        let item = get_one(conn, kind, query.namespace.as_deref(), &names[0]).await?;
        resource_version = item["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        printer.single(item)?;
    } else if !names.is_empty() {
        let mut items = Vec::new();
        for name in &names {
            items.push(get_one(conn, kind, query.namespace.as_deref(), name).await?);
        }
        if let Some(path) = &sort {
            sort_by(&mut items, path)?;
        }
        printer.begin_list()?;
        for item in items {
            printer.item(item)?;
        }
        printer.end_list(query.namespace.as_deref())?;
    } else if let Some(path) = &sort {
        // Sorting needs everything first; pages still keep each response small.
        let mut items = Vec::new();
        resource_version = list_pages(conn, &query, |page| {
            for item in page {
                items.push(item?);
            }
            Ok(())
        })
        .await?;
        sort_by(&mut items, path)?;
        printer.begin_list()?;
        for item in items {
            printer.item(item)?;
        }
        printer.end_list(query.namespace.as_deref())?;
    } else {
        // Each page goes out as it arrives, as kubectl prints chunked lists
        // (a table's columns are aligned page by page, exactly like kubectl's).
        printer.begin_list()?;
        resource_version = list_pages(conn, &query, |page| {
            for item in page {
                printer.item(item?)?;
            }
            printer.end_page()
        })
        .await?;
        printer.end_list(query.namespace.as_deref())?;
    }

    if watch {
        let mut query = query;
        if names.len() == 1 {
            query.fields = Some(format!("metadata.name={}", names[0]));
        }
        watch_changes(conn, &query, resource_version, &mut printer, cancel).await?;
    }
    Ok(())
}

/// Prints every change after `resource_version` until `cancel` fires,
/// re-opening the watch when the server ends it (as it does every few
/// minutes) and starting afresh if the version expired (410 Gone).
async fn watch_changes(
    conn: &Conn,
    query: &Query,
    mut resource_version: String,
    printer: &mut Printer<'_>,
    cancel: &CancellationToken,
) -> Result<(), PluginError> {
    let request = Request::new(query.path());
    loop {
        if resource_version.is_empty() {
            resource_version = latest_version(conn, query).await?;
        }
        let mut params = WatchParams::default().timeout(290);
        params.label_selector.clone_from(&query.labels);
        params.field_selector.clone_from(&query.fields);
        params.bookmarks = true;
        let req = request
            .watch(&params, &resource_version)
            .map_err(build_error)?;
        let stream = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            s = conn.client.request_events::<Value>(req) => s.map_err(|e| conn.error(e))?,
        };
        let mut stream = std::pin::pin!(stream);
        loop {
            let event = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                e = stream.next() => e,
            };
            match event {
                None => break,
                Some(Err(kube::Error::Api(status))) if status.code == 410 => {
                    resource_version.clear();
                    break;
                }
                Some(Err(e)) => return Err(conn.error(e)),
                Some(Ok(
                    WatchEvent::Added(obj) | WatchEvent::Modified(obj) | WatchEvent::Deleted(obj),
                )) => {
                    if let Some(rv) = obj["metadata"]["resourceVersion"].as_str() {
                        resource_version = rv.to_owned();
                    }
                    printer.single(with_type(obj, query.kind))?;
                }
                Some(Ok(WatchEvent::Bookmark(b))) => resource_version = b.metadata.resource_version,
                Some(Ok(WatchEvent::Error(status))) if status.code == 410 => {
                    resource_version.clear();
                    break;
                }
                Some(Ok(WatchEvent::Error(status))) => {
                    return Err(crate::error::from_status(
                        status.code,
                        &status.reason,
                        &status.message,
                    ));
                }
            }
        }
    }
}

fn with_type(mut obj: Value, kind: Kind) -> Value {
    if let Value::Object(map) = &mut obj {
        map.entry("apiVersion")
            .or_insert_with(|| Value::from(kind.api_version()));
        map.entry("kind")
            .or_insert_with(|| Value::from(kind.kind()));
    }
    obj
}

/// The collection's current resourceVersion, from a one-item list.
async fn latest_version(conn: &Conn, query: &Query) -> Result<String, PluginError> {
    let mut params = query.list_params(None);
    params.limit = Some(1);
    let req = Request::new(query.path())
        .list(&params)
        .map_err(build_error)?;
    let page: Page = conn.get_json(req).await?;
    Ok(page.metadata.resource_version.unwrap_or_default())
}

/// `vcli k8s contexts`: kubectl's `config get-contexts` table.
///
/// # Errors
///
/// Kubeconfig errors.
pub(crate) fn contexts(
    options: &crate::settings::ConnectOptions,
    out: &mut Output,
) -> Result<(), PluginError> {
    let rows = crate::kubeconfig::contexts(options)?;
    let mut text = String::from("CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n");
    for r in rows {
        let mark = if r.current { "*" } else { "" };
        text.push_str(&format!(
            "{mark}\t{}\t{}\t{}\t{}\n",
            r.name, r.cluster, r.user, r.namespace
        ));
    }
    out.write_all(crate::tabwriter::table(&text).as_bytes())?;
    Ok(())
}
