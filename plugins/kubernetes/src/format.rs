//! How `get` prints what it fetched: the server's tables (default and `-o wide`), `-o
//! name`, `-o json` / `-o yaml` as a `v1 List` streamed item by item so that a long list
//! never sits in memory as one document, and `-o jsonpath=...` / `-o custom-columns=...`
//! over the whole list, as kubectl prints them.

use std::io::Write;

use serde_json::Value;
use vcli_plugin_api::print::{TabWriter, kubectl_json, to_yaml};
use vcli_plugin_api::{Output, PluginError};

use crate::custom_columns::CustomColumns;
use crate::discovery::ApiResource;
use crate::jsonpath::JsonPath;
use crate::table::{Decoration, Table, TablePrinter};

/// What `-o` asked for.
#[derive(Debug, Clone)]
pub(crate) enum Format {
    /// The server's table, or `-o wide`.
    Table {
        /// `-o wide`.
        wide: bool,
    },
    /// `-o json`.
    Json,
    /// `-o yaml`.
    Yaml,
    /// `-o name`.
    Name,
    /// `-o jsonpath=TEMPLATE` (`-o jsonpath-as-json=TEMPLATE`: each result set as JSON).
    JsonPath {
        template: String,
        path: JsonPath,
        as_json: bool,
    },
    /// `-o custom-columns=SPEC`.
    CustomColumns(CustomColumns),
}

/// The formats kubectl lists when it does not know the one asked for.
const KUBECTL_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,wide,yaml";

impl Format {
    /// Parses `-o`'s value, with kubectl's words for what it refuses.
    ///
    /// # Errors
    ///
    /// An unknown format, a template format without its template, a template that does
    /// not parse, and the formats kubectl has that vcli does not.
    pub(crate) fn parse(value: Option<&str>) -> Result<Format, PluginError> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Ok(Format::Table { wide: false });
        };
        let (name, argument) = match value.split_once('=') {
            Some((name, argument)) => (name, Some(argument)),
            None => (value, None),
        };
        match name {
            "wide" => Ok(Format::Table { wide: true }),
            "json" => Ok(Format::Json),
            "yaml" => Ok(Format::Yaml),
            "name" => Ok(Format::Name),
            "jsonpath" | "jsonpath-as-json" => {
                let template = argument.filter(|t| !t.is_empty()).ok_or_else(|| {
                    PluginError::failed("template format specified but no template given")
                })?;
                let path = JsonPath::parse(template).map_err(|e| {
                    PluginError::failed(format!("error parsing jsonpath {template}, {e}"))
                })?;
                Ok(Format::JsonPath {
                    template: template.to_owned(),
                    path,
                    as_json: name == "jsonpath-as-json",
                })
            }
            "custom-columns" => Ok(Format::CustomColumns(CustomColumns::parse(
                argument.unwrap_or_default(),
            )?)),
            "custom-columns-file"
            | "go-template"
            | "go-template-file"
            | "jsonpath-file"
            | "template"
            | "templatefile"
            | "kyaml" => Err(PluginError::failed(format!(
                "output format \"{name}\" is not supported by vcli; use jsonpath=..., custom-columns=..., json or yaml"
            ))),
            _ => Err(PluginError::failed(format!(
                "unable to match a printer suitable for the output format \"{value}\", allowed formats are: {KUBECTL_FORMATS}"
            ))),
        }
    }

    /// Whether this is a table the server prints.
    pub(crate) fn is_table(&self) -> bool {
        matches!(self, Format::Table { .. })
    }
}

/// Receives objects (or the server's tables) and prints them in the chosen format.
pub(crate) struct Printer<'a> {
    out: &'a mut Output,
    format: Format,
    resource: ApiResource,
    /// The server's tables, laid out as kubectl lays them out.
    tables: TablePrinter,
    /// Whether the custom columns' header is still to be printed.
    header_pending: bool,
    /// The tab writer of custom columns.
    layout: TabWriter,
    /// Objects kept for `-o jsonpath` and `-o custom-columns`, which print the whole list.
    kept: Vec<Value>,
    count: usize,
}

impl std::fmt::Debug for Printer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("format", &self.format)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl<'a> Printer<'a> {
    /// A printer for objects of `resource`.
    pub(crate) fn new(
        out: &'a mut Output,
        format: Format,
        resource: ApiResource,
        decoration: Decoration,
        headers: bool,
    ) -> Self {
        Printer {
            out,
            format,
            resource,
            tables: TablePrinter::new(decoration, headers),
            header_pending: headers,
            layout: TabWriter::kubectl_table(),
            kept: Vec::new(),
            count: 0,
        }
    }

    /// Starts a `v1 List` (for JSON and YAML).
    pub(crate) fn begin_list(&mut self) -> Result<(), PluginError> {
        match self.format {
            Format::Json => write!(
                self.out,
                "{{\n    \"apiVersion\": \"v1\",\n    \"items\": ["
            )?,
            Format::Yaml => writeln!(self.out, "apiVersion: v1")?,
            _ => {}
        }
        Ok(())
    }

    /// Prints one table (a page of a list, or one object's): rows go out as kubectl's
    /// tab writer lets them out, 100 at a time.
    pub(crate) fn table(&mut self, table: &Table) -> Result<(), PluginError> {
        let text = self.tables.add(table);
        self.out.write_all(text.as_bytes())?;
        self.count += table.rows.len();
        Ok(())
    }

    /// Prints a watch event's table at once.
    pub(crate) fn watch_table(&mut self, table: &Table) -> Result<(), PluginError> {
        self.table(table)?;
        self.flush_table()?;
        self.out.flush()?;
        Ok(())
    }

    /// Prints (or keeps) one list item.
    pub(crate) fn item(&mut self, mut item: Value) -> Result<(), PluginError> {
        // List items come without their type; kubectl fills it in.
        if let Value::Object(map) = &mut item {
            map.insert(
                "apiVersion".into(),
                Value::from(self.resource.api_version()),
            );
            map.insert("kind".into(), Value::from(self.resource.kind.as_str()));
        }
        match &self.format {
            Format::Table { .. } => {}
            Format::Name => {
                let name = self.name_of(&item);
                writeln!(self.out, "{name}")?;
            }
            Format::Json => {
                let text = indent(&kubectl_json(&item)?, "        ");
                let sep = if self.count == 0 { "" } else { "," };
                write!(self.out, "{sep}\n{text}")?;
            }
            Format::Yaml => {
                if self.count == 0 {
                    writeln!(self.out, "items:")?;
                }
                let text = to_yaml(&item)?;
                for (i, line) in text.lines().enumerate() {
                    let lead = if i == 0 {
                        "- "
                    } else if line.is_empty() {
                        ""
                    } else {
                        "  "
                    };
                    writeln!(self.out, "{lead}{line}")?;
                }
            }
            Format::JsonPath { .. } | Format::CustomColumns(_) => self.kept.push(item),
        }
        self.count += 1;
        Ok(())
    }

    /// Ends one page of a list: what is printed goes out (table rows short of a block
    /// of 100 wait, as in kubectl's tab writer).
    pub(crate) fn end_page(&mut self) -> Result<(), PluginError> {
        self.out.flush()?;
        Ok(())
    }

    /// Ends the list: closes JSON and YAML, prints what `-o jsonpath` and `-o
    /// custom-columns` kept, or says that nothing was found (for tables, on the notes
    /// stream, as kubectl writes it to stderr).
    pub(crate) fn end_list(&mut self, namespace: Option<&str>) -> Result<(), PluginError> {
        match &self.format {
            Format::Json => {
                if self.count > 0 {
                    writeln!(self.out, "\n    ],")?;
                } else {
                    writeln!(self.out, "],")?;
                }
                write!(
                    self.out,
                    "    \"kind\": \"List\",\n    \"metadata\": {{\n        \"resourceVersion\": \"\"\n    }}\n}}\n"
                )?;
            }
            Format::Yaml => {
                if self.count == 0 {
                    writeln!(self.out, "items: []")?;
                }
                write!(self.out, "kind: List\nmetadata:\n  resourceVersion: \"\"\n")?;
            }
            Format::Table { .. } => {
                if self.count == 0 {
                    match namespace.filter(|_| self.resource.namespaced) {
                        Some(ns) => self
                            .out
                            .note(format!("No resources found in {ns} namespace."))?,
                        None => self.out.note("No resources found")?,
                    }
                } else {
                    self.flush_table()?;
                }
            }
            Format::JsonPath { .. } => {
                let items = std::mem::take(&mut self.kept);
                let list = serde_json::json!({
                    "apiVersion": "v1",
                    "items": items,
                    "kind": "List",
                    "metadata": {"resourceVersion": ""},
                });
                self.print_jsonpath(&list)?;
            }
            Format::CustomColumns(columns) => {
                let columns = columns.clone();
                let items = std::mem::take(&mut self.kept);
                self.print_custom_columns(&columns, &items)?;
            }
            Format::Name => {}
        }
        self.out.flush()?;
        Ok(())
    }

    /// Prints one object on its own (a `get` by name, a watch event).
    pub(crate) fn single(&mut self, item: Value) -> Result<(), PluginError> {
        match &self.format {
            Format::Json => writeln!(self.out, "{}", kubectl_json(&item)?)?,
            Format::Yaml => write!(self.out, "{}", to_yaml(&item)?)?,
            Format::Name => {
                let name = self.name_of(&item);
                writeln!(self.out, "{name}")?;
            }
            Format::Table { .. } => {}
            Format::JsonPath { .. } => self.print_jsonpath(&item)?,
            Format::CustomColumns(columns) => {
                let columns = columns.clone();
                self.print_custom_columns(&columns, std::slice::from_ref(&item))?;
            }
        }
        self.count += 1;
        self.out.flush()?;
        Ok(())
    }

    fn print_jsonpath(&mut self, data: &Value) -> Result<(), PluginError> {
        let Format::JsonPath {
            template,
            path,
            as_json,
        } = &self.format
        else {
            return Ok(());
        };
        let text = path.execute(data, *as_json).map_err(|e| {
            PluginError::failed(format!(
                "error executing jsonpath {template:?}: Error executing template: {e}."
            ))
        })?;
        self.out.write_all(text.as_bytes())?;
        Ok(())
    }

    fn print_custom_columns(
        &mut self,
        columns: &CustomColumns,
        items: &[Value],
    ) -> Result<(), PluginError> {
        let mut text = String::new();
        if std::mem::take(&mut self.header_pending) {
            text.push_str(&columns.header().join("\t"));
            text.push('\n');
        }
        for item in items {
            text.push_str(&columns.row(item)?.join("\t"));
            text.push('\n');
        }
        self.out.write_all(self.layout.format(&text).as_bytes())?;
        Ok(())
    }

    fn flush_table(&mut self) -> Result<(), PluginError> {
        let text = self.tables.flush();
        self.out.write_all(text.as_bytes())?;
        Ok(())
    }

    fn name_of(&self, item: &Value) -> String {
        let name = item["metadata"]["name"].as_str().unwrap_or_default();
        format!("{}/{name}", self.resource.name_prefix())
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_formats_in_kubectl_words() {
        let e = |o: &str| Format::parse(Some(o)).unwrap_err().to_string();
        assert!(e("table").starts_with(
            "unable to match a printer suitable for the output format \"table\", allowed formats are: custom-columns,"
        ));
        assert_eq!(
            e("jsonpath"),
            "template format specified but no template given"
        );
        assert_eq!(
            e("jsonpath="),
            "template format specified but no template given"
        );
        assert_eq!(
            e("jsonpath={.items"),
            "error parsing jsonpath {.items, unclosed action"
        );
        assert_eq!(
            e("custom-columns"),
            "custom-columns format specified but no custom columns given"
        );
        assert!(e("go-template={{.kind}}").contains("not supported by vcli"));
        assert_eq!(Format::parse(Some("table")).unwrap_err().exit_code(), 1);
        assert!(Format::parse(None).unwrap().is_table());
        assert!(matches!(
            Format::parse(Some("jsonpath-as-json={.kind}")).unwrap(),
            Format::JsonPath { as_json: true, .. }
        ));
    }
}
