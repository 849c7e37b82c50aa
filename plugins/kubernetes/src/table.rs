//! Server-side tables (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), printed the
//! way kubectl's table printer prints them: the columns the server defines (priority 0, or
//! all with `-o wide`), decorated with NAMESPACE first for `-A`, one column per `-L` label
//! and LABELS last for `--show-labels`; each cell as kubectl writes it (strings cut at the
//! first line break with `...`, numbers as Go prints them, a null cell empty).
//!
//! Every type prints this way, so a custom resource prints the columns its CRD declares.
//! A server that does not answer with a Table (an old aggregated API) gets kubectl's
//! fallback: NAME and AGE from each object's metadata.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use vcli_plugin_api::print::TabWriter;

use crate::gofmt;
use crate::sort::SortPath;

/// The `Accept` header kubectl sends for human-readable output.
pub(crate) const ACCEPT_TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// One column definition of a Table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Column {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) type_: String,
    pub(crate) format: String,
    pub(crate) priority: i32,
}

/// One row: its cells, the object it is about (`PartialObjectMetadata`; only its
/// namespace and labels when the full object came for sorting) and, when sorting, the
/// value it sorts by.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Row {
    pub(crate) cells: Vec<Value>,
    pub(crate) object: Value,
    #[serde(skip)]
    pub(crate) key: Option<Value>,
}

/// A Table (a list page, one object, or a watch event's object), or kubectl's default
/// columns for an answer that is not one.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub(crate) metadata: TableMeta,
    pub(crate) column_definitions: Vec<Column>,
    pub(crate) rows: Vec<Row>,
}

/// An answer as read off the wire: row objects (or list items) are kept as raw JSON until
/// each is read in turn, so a page of full objects never sits in memory as one tree.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Answer {
    kind: String,
    metadata: TableMeta,
    column_definitions: Vec<Column>,
    rows: Vec<RawRow>,
    /// A plain list's items, when the server answered without a Table.
    items: Vec<Box<RawValue>>,
}

#[derive(Debug, Deserialize)]
struct RawRow {
    #[serde(default)]
    cells: Vec<Value>,
    #[serde(default)]
    object: Option<Box<RawValue>>,
}

/// The metadata of a Table (list metadata), or of a single object answered without one.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct TableMeta {
    #[serde(rename = "continue")]
    pub(crate) continue_token: Option<String>,
    pub(crate) resource_version: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    creation_timestamp: Option<String>,
    labels: Option<BTreeMap<String, String>>,
}

/// What a row keeps of a full object: its namespace and labels.
fn slim(object: &Value) -> Value {
    let metadata = &object["metadata"];
    serde_json::json!({"metadata": {
        "namespace": metadata["namespace"],
        "labels": metadata["labels"],
    }})
}

/// Reads a row's object; with `sort`, keeps its sort key and only what printing needs.
fn read_object(raw: Option<&RawValue>, sort: Option<&SortPath>) -> (Value, Option<Value>) {
    let object = raw
        .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
        .unwrap_or(Value::Null);
    match sort {
        Some(path) => {
            let key = path.key(&object);
            (slim(&object), key)
        }
        None => (object, None),
    }
}

fn age_of(created: Option<&str>, now: jiff::Timestamp) -> String {
    created
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or_else(
            || "<unknown>".to_owned(),
            |t| crate::printers::since_ts(t, now),
        )
}

impl Table {
    /// A Table of a watch event's object.
    pub(crate) fn from_value(value: &Value, now: jiff::Timestamp) -> Table {
        let answer = serde_json::from_str::<Answer>(&value.to_string()).unwrap_or_default();
        Table::from_answer(answer, now, None)
    }

    /// Reads an answer: a Table as it is; anything else with kubectl's default NAME and
    /// AGE columns (for a list, or a single object). With `sort`, each row keeps the
    /// value it sorts by instead of its full object.
    pub(crate) fn from_answer(
        answer: Answer,
        now: jiff::Timestamp,
        sort: Option<&SortPath>,
    ) -> Table {
        if answer.kind == "Table" {
            let rows = answer
                .rows
                .into_iter()
                .map(|raw| {
                    let (object, key) = read_object(raw.object.as_deref(), sort);
                    Row {
                        cells: raw.cells,
                        object,
                        key,
                    }
                })
                .collect();
            return Table {
                metadata: answer.metadata,
                column_definitions: answer.column_definitions,
                rows,
            };
        }
        let mut rows: Vec<Row> = answer
            .items
            .iter()
            .map(|raw| {
                let (object, key) = read_object(Some(raw), sort);
                let metadata = &object["metadata"];
                let cells = vec![
                    metadata["name"].clone(),
                    Value::from(age_of(metadata["creationTimestamp"].as_str(), now)),
                ];
                // The full object was read for its name and age; keep what printing needs.
                let object = if sort.is_some() {
                    object
                } else {
                    slim(&object)
                };
                Row { cells, object, key }
            })
            .collect();
        let meta = &answer.metadata;
        if answer.items.is_empty() && meta.name.is_some() {
            // One object, not a list.
            let object = serde_json::json!({"metadata": {
                "namespace": meta.namespace,
                "labels": meta.labels,
            }});
            rows.push(Row {
                cells: vec![
                    Value::from(meta.name.clone()),
                    Value::from(age_of(meta.creation_timestamp.as_deref(), now)),
                ],
                key: None,
                object,
            });
        }
        Table {
            column_definitions: vec![
                Column {
                    name: "Name".to_owned(),
                    type_: "string".to_owned(),
                    format: "name".to_owned(),
                    priority: 0,
                },
                Column {
                    name: "Age".to_owned(),
                    type_: "string".to_owned(),
                    ..Column::default()
                },
            ],
            metadata: answer.metadata,
            rows,
        }
    }
}

/// How tables are decorated and which columns show.
#[derive(Debug, Clone, Default)]
pub(crate) struct Decoration {
    /// `-o wide`: priority columns too.
    pub(crate) wide: bool,
    /// NAMESPACE first (`-A` on a namespaced type).
    pub(crate) namespace: bool,
    /// `-L` label keys, one column each.
    pub(crate) label_columns: Vec<String>,
    /// `--show-labels`.
    pub(crate) show_labels: bool,
}

impl Decoration {
    /// The header cells for `columns`.
    pub(crate) fn header(&self, columns: &[Column]) -> Vec<String> {
        let mut header = Vec::new();
        if self.namespace {
            header.push("NAMESPACE".to_owned());
        }
        header.extend(
            columns
                .iter()
                .filter(|c| self.wide || c.priority == 0)
                .map(|c| c.name.to_uppercase()),
        );
        header.extend(self.label_columns.iter().map(|key| {
            key.rsplit('/')
                .next()
                .unwrap_or(key.as_str())
                .to_uppercase()
        }));
        if self.show_labels {
            header.push("LABELS".to_owned());
        }
        header
    }

    /// The cells of `row` as kubectl prints them.
    #[cfg(test)]
    pub(crate) fn row(&self, columns: &[Column], row: &Row) -> Vec<String> {
        self.row_with_widths(columns, row).0
    }

    /// The cells of `row` as kubectl prints them, and the width kubectl measures for each
    /// (the byte length of the cell as the server sent it, before it is cut at a line
    /// break).
    pub(crate) fn row_with_widths(
        &self,
        columns: &[Column],
        row: &Row,
    ) -> (Vec<String>, Vec<usize>) {
        let metadata = &row.object["metadata"];
        let mut cells = Vec::new();
        let mut widths = Vec::new();
        let mut plain = |text: String| {
            widths.push(text.len());
            cells.push(text);
        };
        if self.namespace {
            plain(
                metadata["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        for (i, cell) in row.cells.iter().enumerate() {
            // More cells than columns: kubectl ignores the extra ones.
            let Some(column) = columns.get(i) else { break };
            if self.wide || column.priority == 0 {
                let width = match cell {
                    Value::Null => 0,
                    Value::String(s) => s.len(),
                    other => gofmt::sprint(other).len(),
                };
                widths.push(width);
                cells.push(cell_text(cell));
            }
        }
        let mut plain = |text: String| {
            widths.push(text.len());
            cells.push(text);
        };
        let labels: BTreeMap<String, String> =
            serde_json::from_value(metadata["labels"].clone()).unwrap_or_default();
        for key in &self.label_columns {
            plain(labels.get(key).cloned().unwrap_or_default());
        }
        if self.show_labels {
            plain(format_labels(&labels));
        }
        (cells, widths)
    }
}

/// Rows kubectl's table printer flushes at once: it hands its tab writer every 100 rows of
/// a table, and the tab writer remembers column widths between flushes.
const FLUSH_INTERVAL: usize = 100;

/// kubectl's table printer: one tab writer for every table printed (a page of a chunked
/// list, one named object, a watch event), the header once, and its alignment quirks.
///
/// Before printing a table, kubectl measures its widest cells (in bytes, as the server
/// sent them) and pads the header to them, or, when the header is already out or turned
/// off, the table's first row. Rows reach the tab writer 100 at a time per table, so
/// columns are aligned over blocks of up to 100 rows (never narrower than before).
#[derive(Debug)]
pub(crate) struct TablePrinter {
    decoration: Decoration,
    header_pending: bool,
    /// The columns of the tables so far (watch events after the first carry none).
    columns: Vec<Column>,
    /// Lines not yet handed to the tab writer.
    pending: String,
    layout: TabWriter,
}

impl TablePrinter {
    /// A printer; `headers` is false for `--no-headers`.
    pub(crate) fn new(decoration: Decoration, headers: bool) -> Self {
        TablePrinter {
            decoration,
            header_pending: headers,
            columns: Vec::new(),
            pending: String::new(),
            layout: TabWriter::kubectl_table(),
        }
    }

    /// Prints one table; returns the text whose rows reached a flush.
    pub(crate) fn add(&mut self, table: &Table) -> String {
        if !table.column_definitions.is_empty() {
            self.columns.clone_from(&table.column_definitions);
        }
        if table.rows.is_empty() {
            return String::new();
        }
        let rows: Vec<(Vec<String>, Vec<usize>)> = table
            .rows
            .iter()
            .map(|row| self.decoration.row_with_widths(&self.columns, row))
            .collect();
        let columns = rows.first().map_or(0, |(cells, _)| cells.len());
        let mut widest = vec![0; columns];
        for (_, widths) in &rows {
            for (w, &width) in widest.iter_mut().zip(widths) {
                *w = (*w).max(width);
            }
        }
        let pad = |text: &mut String, i: usize, len: usize| {
            if i + 1 < columns {
                let missing = widest[i].saturating_sub(len);
                text.extend(std::iter::repeat_n(' ', missing));
            }
        };
        let mut out = String::new();
        if std::mem::take(&mut self.header_pending) {
            let header = self.decoration.header(&self.columns);
            let cells: Vec<String> = header
                .into_iter()
                .enumerate()
                .map(|(i, mut name)| {
                    let len = name.len();
                    pad(&mut name, i, len);
                    name
                })
                .collect();
            self.pending.push_str(&cells.join("\t"));
            self.pending.push('\n');
            for (ri, (cells, _)) in rows.iter().enumerate() {
                self.push_row(cells, ri, &mut out);
            }
        } else {
            for (ri, (cells, widths)) in rows.iter().enumerate() {
                if ri == 0 {
                    let padded: Vec<String> = cells
                        .iter()
                        .zip(widths)
                        .enumerate()
                        .map(|(i, (cell, &len))| {
                            let mut cell = cell.clone();
                            pad(&mut cell, i, len);
                            cell
                        })
                        .collect();
                    self.push_row(&padded, ri, &mut out);
                } else {
                    self.push_row(cells, ri, &mut out);
                }
            }
        }
        out
    }

    fn push_row(&mut self, cells: &[String], index: usize, out: &mut String) {
        self.pending.push_str(&cells.join("\t"));
        self.pending.push('\n');
        if (index + 1).is_multiple_of(FLUSH_INTERVAL) {
            out.push_str(&self.flush());
        }
    }

    /// Hands the pending rows to the tab writer (kubectl's final `Flush`).
    pub(crate) fn flush(&mut self) -> String {
        if self.pending.is_empty() {
            return String::new();
        }
        let text = std::mem::take(&mut self.pending);
        self.layout.format(&text)
    }
}

/// `labels.FormatLabels`: `k=v,...` sorted by key, or `<none>`.
fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".to_owned();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// One cell as kubectl's table printer writes it.
pub(crate) fn cell_text(cell: &Value) -> String {
    let text = match cell {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        other => gofmt::sprint(other),
    };
    // Cut at the first line break (tabwriter would start a new line) and escape what a
    // terminal would interpret.
    match text.find(['\n', '\r', '\x0c']) {
        Some(cut) => format!("{}...", gofmt::escape_terminal(&text[..cut])),
        None => gofmt::escape_terminal(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn columns() -> Vec<Column> {
        serde_json::from_value(json!([
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Size", "type": "integer", "priority": 0},
            {"name": "Owner", "type": "string", "priority": 1},
        ]))
        .unwrap()
    }

    #[test]
    fn decoration_adds_namespace_labels_and_hides_priority_columns() {
        let row: Row = serde_json::from_value(json!({
            "cells": ["gizmo", 3, "team"],
            "object": {"metadata": {"namespace": "default", "labels": {"app": "shop", "example.com/tier": "fe"}}}
        }))
        .unwrap();
        let d = Decoration {
            wide: false,
            namespace: true,
            label_columns: vec!["example.com/tier".to_owned(), "missing".to_owned()],
            show_labels: true,
        };
        assert_eq!(
            d.header(&columns()),
            ["NAMESPACE", "NAME", "SIZE", "TIER", "MISSING", "LABELS"]
        );
        assert_eq!(
            d.row(&columns(), &row),
            [
                "default",
                "gizmo",
                "3",
                "fe",
                "",
                "app=shop,example.com/tier=fe"
            ]
        );
        let wide = Decoration {
            wide: true,
            ..Decoration::default()
        };
        assert_eq!(wide.header(&columns()), ["NAME", "SIZE", "OWNER"]);
    }

    #[test]
    fn cells_print_like_kubectl() {
        assert_eq!(cell_text(&json!(null)), "");
        assert_eq!(cell_text(&json!(true)), "true");
        assert_eq!(cell_text(&json!(0.75)), "0.75");
        assert_eq!(cell_text(&json!(12)), "12");
        assert_eq!(cell_text(&json!("a\nb")), "a...");
        assert_eq!(cell_text(&json!("\x1b[31mred")), "^[[31mred");
    }

    #[test]
    fn plain_lists_get_name_and_age() {
        let now: jiff::Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        let answer: Answer = serde_json::from_str(
            r#"{"kind": "ThingList", "metadata": {"continue": "x"}, "items": [
                {"metadata": {"name": "a", "creationTimestamp": "2026-01-01T00:00:00Z"}}
            ]}"#,
        )
        .unwrap();
        let table = Table::from_answer(answer, now, None);
        assert_eq!(table.column_definitions.len(), 2);
        assert_eq!(table.rows[0].cells, [json!("a"), json!("24h")]);
        assert_eq!(table.metadata.continue_token.as_deref(), Some("x"));
        let one: Answer = serde_json::from_str(
            r#"{"kind": "Thing", "metadata": {"name": "b", "namespace": "n"}}"#,
        )
        .unwrap();
        let table = Table::from_answer(one, now, None);
        assert_eq!(table.rows[0].cells, [json!("b"), json!("<unknown>")]);
        assert_eq!(table.rows[0].object["metadata"]["namespace"], "n");
    }

    #[test]
    fn sorting_keeps_the_key_not_the_object() {
        let now = jiff::Timestamp::now();
        let answer: Answer = serde_json::from_str(
            r#"{"kind": "Table", "columnDefinitions": [], "rows": [
                {"cells": ["a"], "object": {"metadata": {"namespace": "x", "labels": {"k": "v"}}, "spec": {"n": 3}}}
            ]}"#,
        )
        .unwrap();
        let path = SortPath::parse(".spec.n").unwrap();
        let table = Table::from_answer(answer, now, Some(&path));
        assert_eq!(table.rows[0].key, Some(json!(3)));
        assert_eq!(
            table.rows[0].object,
            json!({"metadata": {"namespace": "x", "labels": {"k": "v"}}})
        );
    }
}
