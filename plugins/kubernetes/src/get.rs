//! `vcli k8s get`: any resource the server serves, resolved through discovery; lists
//! fetched page by page (`limit`/`continue`), single objects by name, and `--watch` streams
//! until cancelled. Tables are the server's own (server-side printing), so every type,
//! custom resources included, prints the columns its server defines.

use std::io::Write;

use clap::ArgMatches;
use futures::StreamExt;
use kube::core::params::{GetParams, ListParams, WatchParams};
use kube::core::{Request, WatchEvent};
use serde::Deserialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::print::TabWriter;
use vcli_plugin_api::{Output, PluginError};

use crate::cli::split_type_name;
use crate::client::Conn;
use crate::discovery::{self, ApiResource};
use crate::discovery_cache::DiscoveryCache;
use crate::format::{Format, Printer};
use crate::resources::Kind;
use crate::sort::{SortPath, sort_by, sort_keyed};
use crate::table::{ACCEPT_TABLE, Answer, Decoration, Table};

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
    /// The collection's URL path (in a namespace, or across all).
    pub path: String,
    /// `-l`.
    pub labels: Option<String>,
    /// `--field-selector`.
    pub fields: Option<String>,
    /// Objects per page.
    pub page_size: u32,
}

impl Query {
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

/// Asks for a server-side Table (with the full object in each row for `--sort-by`, as
/// kubectl does), instead of the objects themselves.
fn as_table(
    mut request: http::Request<Vec<u8>>,
    full_objects: bool,
) -> Result<http::Request<Vec<u8>>, PluginError> {
    request.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static(ACCEPT_TABLE),
    );
    if full_objects {
        let uri = request.uri().to_string();
        let sep = if uri.contains('?') { '&' } else { '?' };
        *request.uri_mut() = format!("{uri}{sep}includeObject=Object")
            .parse()
            .map_err(|e| PluginError::failed(format!("invalid request {uri}: {e}")))?;
    }
    Ok(request)
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
    let request = Request::new(&query.path);
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

/// [`list_pages`] as server-side Tables, one per page; with `sort`, each row comes with
/// the full object (`includeObject=Object`) and keeps the value it sorts by.
async fn list_table_pages(
    conn: &Conn,
    query: &Query,
    sort: Option<&SortPath>,
    mut each: impl FnMut(Table) -> Result<(), PluginError>,
) -> Result<String, PluginError> {
    let request = Request::new(&query.path);
    let mut token = None;
    loop {
        let req = request
            .list(&query.list_params(token))
            .map_err(build_error)?;
        let answer: Answer = conn.get_json(as_table(req, sort.is_some())?).await?;
        let page = Table::from_answer(answer, jiff::Timestamp::now(), sort);
        let next = page
            .metadata
            .continue_token
            .clone()
            .filter(|t| !t.is_empty());
        let version = page.metadata.resource_version.clone();
        each(page)?;
        match next {
            Some(next) => token = Some(next),
            None => return Ok(version.unwrap_or_default()),
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
    get_object(conn, &kind.collection_path(namespace), name).await
}

async fn get_object(conn: &Conn, collection: &str, name: &str) -> Result<Value, PluginError> {
    let req = Request::new(collection)
        .get(name, &GetParams::default())
        .map_err(build_error)?;
    conn.get_json(req).await
}

async fn get_table(
    conn: &Conn,
    collection: &str,
    name: &str,
    sort: Option<&SortPath>,
) -> Result<Table, PluginError> {
    let req = Request::new(collection)
        .get(name, &GetParams::default())
        .map_err(build_error)?;
    let answer: Answer = conn.get_json(as_table(req, sort.is_some())?).await?;
    Ok(Table::from_answer(answer, jiff::Timestamp::now(), sort))
}

/// Sorts a table's rows by the keys they kept.
fn sort_rows(table: &mut Table) {
    let keys: Vec<Option<Value>> = table.rows.iter_mut().map(|r| r.key.take()).collect();
    sort_keyed(&mut table.rows, &keys);
}

/// A request that could not be built (an invalid name in a URL).
pub(crate) fn build_error(e: kube::core::request::Error) -> PluginError {
    PluginError::Usage(format!("invalid request: {e}"))
}

/// `-L`: repeatable, each value a comma-separated list of label keys.
fn label_columns(m: &ArgMatches) -> Vec<String> {
    m.get_many::<String>("label-columns")
        .into_iter()
        .flatten()
        .flat_map(|v| v.split(','))
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Runs `get` with the `get` subcommand's matches.
///
/// # Errors
///
/// Bad flags (an unknown output format, a name with `-A`), a type the server does not
/// serve, server errors.
pub(crate) async fn run(
    conn: &Conn,
    cache: &DiscoveryCache,
    m: &ArgMatches,
    out: &mut Output,
    cancel: &CancellationToken,
) -> Result<(), PluginError> {
    let output = m.get_one::<String>("output").map(String::as_str);
    let format = Format::parse(output)?;
    let show_labels = m.get_flag("show-labels");
    if show_labels && !format.is_table() {
        return Err(PluginError::failed(format!(
            "--show-labels option cannot be used with {} printer",
            output.unwrap_or_default()
        )));
    }
    let resource_arg = m.get_one::<String>("resource").map_or("", String::as_str);
    let (type_text, slash_name) = split_type_name(resource_arg);
    let mut names: Vec<String> = m
        .get_many::<String>("names")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if let Some(n) = slash_name {
        names.insert(0, n.to_owned());
    }
    let resource = discovery::resolve(conn, cache, type_text).await?;
    let all = m.get_flag("all-namespaces");
    if all && !names.is_empty() && resource.namespaced {
        return Err(PluginError::Usage(
            "a resource cannot be retrieved by name across all namespaces".to_owned(),
        ));
    }
    let namespace = (!all && resource.namespaced).then(|| conn.namespace.clone());
    let query = Query {
        path: resource.collection_path(namespace.as_deref()),
        labels: m.get_one::<String>("selector").cloned(),
        fields: m.get_one::<String>("field-selector").cloned(),
        page_size: m
            .get_one::<u32>("chunk-size")
            .copied()
            .unwrap_or(conn.page_size),
    };
    let decoration = Decoration {
        wide: matches!(format, Format::Table { wide: true }),
        namespace: all && resource.namespaced,
        label_columns: label_columns(m),
        show_labels,
    };
    let sort = m.get_one::<String>("sort-by").cloned();
    let watch = m.get_flag("watch");
    let table = format.is_table();
    let headers = !m.get_flag("no-headers");
    let mut printer = Printer::new(out, format, resource.clone(), decoration, headers);
    let ns = namespace.as_deref();

    let resource_version = if table {
        print_tables(conn, &query, &names, sort.as_deref(), &mut printer, ns).await?
    } else {
        print_objects(conn, &query, &names, sort.as_deref(), &mut printer, ns).await?
    };

    if watch {
        let mut query = query;
        if names.len() == 1 {
            query.fields = Some(format!("metadata.name={}", names[0]));
        }
        watch_changes(
            conn,
            &query,
            &resource,
            table,
            resource_version,
            &mut printer,
            cancel,
        )
        .await?;
    }
    Ok(())
}

/// Prints the server's tables; returns the resourceVersion a watch continues from.
async fn print_tables(
    conn: &Conn,
    query: &Query,
    names: &[String],
    sort: Option<&str>,
    printer: &mut Printer<'_>,
    namespace: Option<&str>,
) -> Result<String, PluginError> {
    let sort = sort.map(SortPath::parse).transpose()?;
    let sort = sort.as_ref();
    if names.is_empty() && sort.is_none() {
        // Each page goes out as it arrives; kubectl's tab writer aligns it with the rest.
        let version = list_table_pages(conn, query, None, |page| {
            printer.table(&page)?;
            printer.end_page()
        })
        .await?;
        printer.end_list(namespace)?;
        return Ok(version);
    }
    if !names.is_empty() {
        // One table per object, printed one after the other, as kubectl prints them.
        let mut version = String::new();
        for name in names {
            let mut table = get_table(conn, &query.path, name, sort).await?;
            sort_rows(&mut table);
            version = table.metadata.resource_version.clone().unwrap_or_default();
            printer.table(&table)?;
        }
        printer.end_list(namespace)?;
        // A watch after a list of several names starts afresh.
        return Ok(if names.len() == 1 {
            version
        } else {
            String::new()
        });
    }
    // Sorting: kubectl lists everything in one table (no chunks) and sorts its rows.
    let mut all = Table::default();
    let version = list_table_pages(conn, query, sort, |page| {
        if all.column_definitions.is_empty() {
            all.column_definitions = page.column_definitions;
        }
        all.rows.extend(page.rows);
        Ok(())
    })
    .await?;
    sort_rows(&mut all);
    printer.table(&all)?;
    printer.end_list(namespace)?;
    Ok(version)
}

/// Prints whole objects (`-o json|yaml|name|jsonpath|custom-columns`); returns the
/// resourceVersion a watch continues from.
async fn print_objects(
    conn: &Conn,
    query: &Query,
    names: &[String],
    sort: Option<&str>,
    printer: &mut Printer<'_>,
    namespace: Option<&str>,
) -> Result<String, PluginError> {
    if let [name] = names {
        let item = get_object(conn, &query.path, name).await?;
        let version = item["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        printer.single(item)?;
        return Ok(version);
    }
    let mut items = Vec::new();
    let mut version = String::new();
    if !names.is_empty() {
        for name in names {
            items.push(get_object(conn, &query.path, name).await?);
        }
    } else if sort.is_some() {
        // Sorting needs everything first; pages still keep each response small.
        version = list_pages(conn, query, |page| {
            for item in page {
                items.push(item?);
            }
            Ok(())
        })
        .await?;
    } else {
        printer.begin_list()?;
        let version = list_pages(conn, query, |page| {
            for item in page {
                printer.item(item?)?;
            }
            printer.end_page()
        })
        .await?;
        printer.end_list(namespace)?;
        return Ok(version);
    }
    if let Some(path) = sort {
        sort_by(&mut items, path)?;
    }
    printer.begin_list()?;
    for item in items {
        printer.item(item)?;
    }
    printer.end_list(namespace)?;
    Ok(version)
}

/// Prints every change after `resource_version` until `cancel` fires,
/// re-opening the watch when the server ends it (as it does every few
/// minutes) and starting afresh if the version expired (410 Gone).
async fn watch_changes(
    conn: &Conn,
    query: &Query,
    resource: &ApiResource,
    table: bool,
    mut resource_version: String,
    printer: &mut Printer<'_>,
    cancel: &CancellationToken,
) -> Result<(), PluginError> {
    let request = Request::new(&query.path);
    loop {
        if resource_version.is_empty() {
            resource_version = latest_version(conn, query).await?;
        }
        let mut params = WatchParams::default().timeout(290);
        params.label_selector.clone_from(&query.labels);
        params.field_selector.clone_from(&query.fields);
        params.bookmarks = true;
        let mut req = request
            .watch(&params, &resource_version)
            .map_err(build_error)?;
        if table {
            req = as_table(req, false)?;
        }
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
                    if table {
                        printer.watch_table(&Table::from_value(&obj, jiff::Timestamp::now()))?;
                    } else {
                        printer.single(with_type(obj, resource))?;
                    }
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

fn with_type(mut obj: Value, resource: &ApiResource) -> Value {
    if let Value::Object(map) = &mut obj {
        map.entry("apiVersion")
            .or_insert_with(|| Value::from(resource.api_version()));
        map.entry("kind")
            .or_insert_with(|| Value::from(resource.kind.as_str()));
    }
    obj
}

/// The collection's current resourceVersion, from a one-item list.
async fn latest_version(conn: &Conn, query: &Query) -> Result<String, PluginError> {
    let mut params = query.list_params(None);
    params.limit = Some(1);
    let req = Request::new(&query.path)
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
    out.write_all(TabWriter::kubectl_table().format(&text).as_bytes())?;
    Ok(())
}
