//! How `get` prints what it fetched: kubectl's table, `-o name`, and `-o
//! json` / `-o yaml` as a `v1 List`, streamed item by item so that a long
//! list never sits in memory as one document.

use std::io::Write;

use jiff::Timestamp;
use serde_json::Value;
use vcli_plugin_api::{Output, PluginError};

use crate::columns;
use crate::resources::Kind;

/// What `-o` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The default table, or `-o wide`.
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
}

impl Format {
    /// Parses `-o`'s value (clap already restricted it).
    pub(crate) fn parse(value: Option<&str>) -> Format {
        match value {
            Some("json") => Format::Json,
            Some("yaml") => Format::Yaml,
            Some("name") => Format::Name,
            Some("wide") => Format::Table { wide: true },
            _ => Format::Table { wide: false },
        }
    }
}

/// Receives objects one by one and prints them in the chosen format.
pub(crate) struct Printer<'a> {
    out: &'a mut Output,
    format: Format,
    kind: Kind,
    all_namespaces: bool,
    headers: bool,
    /// Table rows wait until the end of their page (or of the whole list
    /// when it had to be collected, for `--sort-by`): kubectl aligns the
    /// columns over what it prints at once.
    rows: Vec<Vec<String>>,
    layout: crate::tabwriter::Layout,
    count: usize,
    now: Timestamp,
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
    /// A printer for objects of `kind`.
    pub(crate) fn new(
        out: &'a mut Output,
        format: Format,
        kind: Kind,
        all_namespaces: bool,
        headers: bool,
    ) -> Self {
        Printer {
            out,
            format,
            kind,
            all_namespaces,
            headers,
            rows: Vec::new(),
            layout: crate::tabwriter::Layout::kubectl_table(),
            count: 0,
            now: Timestamp::now(),
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

    /// Prints (or for tables, keeps) one list item.
    pub(crate) fn item(&mut self, mut item: Value) -> Result<(), PluginError> {
        // List items come without their type; kubectl fills it in.
        if let Value::Object(map) = &mut item {
            map.insert("apiVersion".into(), Value::from(self.kind.api_version()));
            map.insert("kind".into(), Value::from(self.kind.kind()));
        }
        match self.format {
            Format::Table { wide } => {
                let row = columns::row(self.kind, &item, wide, self.all_namespaces, self.now)?;
                self.rows.push(row);
            }
            Format::Name => writeln!(self.out, "{}", self.name_of(&item))?,
            Format::Json => {
                let text = indent(&to_json(&item)?, "        ");
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
        }
        self.count += 1;
        Ok(())
    }

    /// Ends one page of a list: prints the table rows so far and flushes.
    pub(crate) fn end_page(&mut self) -> Result<(), PluginError> {
        if !self.rows.is_empty() {
            self.flush_table()?;
        }
        self.out.flush()?;
        Ok(())
    }

    /// Ends a list: closes the JSON/YAML document or prints the table.
    pub(crate) fn end_list(&mut self, namespace: Option<&str>) -> Result<(), PluginError> {
        match self.format {
            Format::Json => {
                let close = if self.count == 0 { "]," } else { "\n    ]," };
                write!(
                    self.out,
                    "{close}\n    \"kind\": \"List\",\n    \"metadata\": {{\n        \"resourceVersion\": \"\"\n    }}\n}}\n"
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
                    match namespace.filter(|_| self.kind.namespaced()) {
                        Some(ns) => self
                            .out
                            .note(format!("No resources found in {ns} namespace."))?,
                        None => self.out.note("No resources found")?,
                    }
                } else if !self.rows.is_empty() {
                    self.flush_table()?;
                }
            }
            Format::Name => {}
        }
        self.out.flush()?;
        Ok(())
    }

    /// Prints one object on its own (a `get` by name, a watch event).
    pub(crate) fn single(&mut self, item: Value) -> Result<(), PluginError> {
        match self.format {
            Format::Json => writeln!(self.out, "{}", to_json(&item)?)?,
            Format::Yaml => write!(self.out, "{}", to_yaml(&item)?)?,
            Format::Name => writeln!(self.out, "{}", self.name_of(&item))?,
            Format::Table { wide } => {
                self.now = Timestamp::now();
                let row = columns::row(self.kind, &item, wide, self.all_namespaces, self.now)?;
                self.rows.push(row);
                self.flush_table()?;
            }
        }
        self.count += 1;
        self.out.flush()?;
        Ok(())
    }

    fn flush_table(&mut self) -> Result<(), PluginError> {
        let Format::Table { wide } = self.format else {
            return Ok(());
        };
        let headers = columns::headers(self.kind, wide, self.all_namespaces);
        // The header goes out once, with the first rows, as kubectl does in --watch.
        let header = self.headers.then_some(headers.as_slice());
        self.out
            .write_all(columns::render(&mut self.layout, header, &self.rows).as_bytes())?;
        self.headers = false;
        self.rows.clear();
        Ok(())
    }

    fn name_of(&self, item: &Value) -> String {
        let name = item["metadata"]["name"].as_str().unwrap_or_default();
        format!("{}/{name}", self.kind.name_prefix())
    }
}

/// JSON as kubectl prints it: four-space indent and, like Go's encoder,
/// `<`, `>` and `&` escaped (they can only occur inside strings).
pub(crate) fn to_json(value: &Value) -> Result<String, PluginError> {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    serde::Serialize::serialize(value, &mut ser)
        .map_err(|e| PluginError::with_source(format!("cannot print JSON: {e}"), e))?;
    let text = String::from_utf8_lossy(&buf);
    Ok(text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029"))
}

fn to_yaml(value: &Value) -> Result<String, PluginError> {
    serde_yaml::to_string(value)
        .map_err(|e| PluginError::with_source(format!("cannot print YAML: {e}"), e))
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
    use serde_json::json;

    #[test]
    fn json_escapes_like_go() {
        assert_eq!(
            to_json(&json!({"a": "<&>"})).unwrap(),
            "{\n    \"a\": \"\\u003c\\u0026\\u003e\"\n}"
        );
    }
}
