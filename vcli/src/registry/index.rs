//! The index format of HTTP registries: a JSON document listing entries.
//!
//! ```json
//! {
//!   "schema": 1,
//!   "plugins": [
//!     {
//!       "name": "hello", "package": "vcli-plugin-hello", "version": "0.2.0",
//!       "description": "Says hello", "tags": ["demo"], "command": "hello",
//!       "api_requirement": "^1", "capabilities": ["cli-commands"],
//!       "source": { "kind": "crates-io", "version": "0.2.0", "checksum": "sha256:..." }
//!     }
//!   ]
//! }
//! ```
//!
//! `schema` is the format of the document: a client refuses a document
//! newer than it knows. An entry may carry a `schema` of its own (default
//! 1): a client skips entries newer than it knows, so an index can add a
//! source kind or a capability without breaking old clients. Unknown keys
//! are ignored.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::{Entry, RegistryError, Source, checksum_problem};

/// The index schema this client reads and writes.
pub const SCHEMA: u64 = 1;

/// A parsed index: its entries, and how many were newer than this client.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Entries this client understands, validated.
    pub entries: Vec<Entry>,
    /// Entries skipped for a newer per-entry schema.
    pub skipped: usize,
}

#[derive(Serialize)]
struct Document<'a> {
    schema: u64,
    plugins: &'a [Entry],
}

/// Parses an index document; `origin` names it in errors.
///
/// # Errors
///
/// [`RegistryError::Malformed`] naming the entry and the field: not JSON, a
/// schema newer than this client, a missing or mistyped field, or an entry
/// that fails [`validate`].
pub fn parse(origin: &Path, text: &str) -> Result<Index, RegistryError> {
    let malformed = |problem: String| RegistryError::Malformed {
        path: origin.to_owned(),
        problem,
    };
    let doc: Value =
        serde_json::from_str(text).map_err(|e| malformed(format!("not a registry index: {e}")))?;
    let schema = doc
        .get("schema")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("no \"schema\" number: not a vcli registry index".to_owned()))?;
    if schema > SCHEMA {
        return Err(malformed(format!(
            "index schema {schema} is newer than this vcli reads ({SCHEMA}); update vcli"
        )));
    }
    let plugins = doc
        .get("plugins")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no \"plugins\" array".to_owned()))?;
    let mut index = Index::default();
    for (i, value) in plugins.iter().enumerate() {
        let entry_schema = value.get("schema").and_then(Value::as_u64).unwrap_or(1);
        if entry_schema > SCHEMA {
            index.skipped += 1;
            continue;
        }
        let name = value.get("name").and_then(Value::as_str).unwrap_or("?");
        let entry: Entry = serde_json::from_value(value.clone())
            .map_err(|e| malformed(format!("plugins[{i}] ({name}): {e}")))?;
        validate(&entry).map_err(|e| malformed(format!("plugins[{i}] ({name}): {e}")))?;
        index.entries.push(entry);
    }
    Ok(index)
}

/// An index document holding `entries`.
pub fn render(entries: &[Entry]) -> String {
    let doc = Document {
        schema: SCHEMA,
        plugins: entries,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// What is wrong with an entry an HTTP index may hold: the name's syntax,
/// the command's, the source (a crates.io version with a sha256 checksum
/// that matches the entry's version, or a git URL with a full commit id; a
/// local path means nothing to another machine).
///
/// # Errors
///
/// The problem, naming the field.
pub fn validate(entry: &Entry) -> Result<(), String> {
    if let Some(problem) = crate::catalog::name_problem(&entry.name) {
        return Err(format!("name: {problem}"));
    }
    if let Some(problem) = entry
        .command
        .as_deref()
        .and_then(crate::catalog::name_problem)
    {
        return Err(format!("command: {problem}"));
    }
    if entry.package.is_empty() {
        return Err("package: must not be empty".to_owned());
    }
    match &entry.source {
        Source::CratesIo { version, checksum } => {
            if *version != entry.version {
                return Err(format!(
                    "source.version {version} is not the entry's version {}",
                    entry.version
                ));
            }
            if let Some(problem) = checksum_problem(checksum) {
                return Err(format!("source.{problem}"));
            }
        }
        Source::Git { url, .. } => {
            if !entry.source.is_pinned() {
                return Err("source.rev: must be a full 40-hex commit id".to_owned());
            }
            if url.is_empty() {
                return Err("source.url: must not be empty".to_owned());
            }
        }
        Source::Path { .. } => {
            return Err(
                "source: a path names a directory on one machine; publish a crates.io version or a git commit"
                    .to_owned(),
            );
        }
    }
    Ok(())
}

/// Adds `entry` to the index file at `path` (created if absent), after
/// validating it; the same name and version twice is refused. Nothing is
/// written when anything is wrong.
///
/// # Errors
///
/// The file is malformed, the entry invalid or already there, or the file
/// cannot be written.
pub fn publish(path: &Path, entry: Entry) -> Result<(), RegistryError> {
    let malformed = |problem: String| RegistryError::Malformed {
        path: path.to_owned(),
        problem,
    };
    validate(&entry).map_err(|e| malformed(format!("{} {}: {e}", entry.name, entry.version)))?;
    let mut entries = match std::fs::read_to_string(path) {
        Ok(text) => {
            let index = parse(path, &text)?;
            if index.skipped > 0 {
                return Err(malformed(format!(
                    "{} entries are newer than this vcli reads; publish with a newer vcli",
                    index.skipped
                )));
            }
            index.entries
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(RegistryError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    if entries
        .iter()
        .any(|e| e.name == entry.name && e.version == entry.version)
    {
        return Err(malformed(format!(
            "{} {} is already published; a published version never changes: publish a new version",
            entry.name, entry.version
        )));
    }
    entries.push(entry);
    entries.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
    let partial = path.with_extension("partial");
    std::fs::write(&partial, render(&entries))
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|source| RegistryError::Io {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUM: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    fn doc(plugins: &str) -> String {
        format!("{{\"schema\": 1, \"plugins\": [{plugins}]}}")
    }

    fn hello(version: &str) -> String {
        format!(
            r#"{{"name": "hello", "package": "vcli-plugin-hello", "version": "{version}",
               "api_requirement": "^1", "capabilities": ["cli-commands"], "unknown_key": 1,
               "source": {{"kind": "crates-io", "version": "{version}", "checksum": "{SUM}"}}}}"#
        )
    }

    #[test]
    fn reads_entries_and_skips_newer_ones() {
        let newer = r#"{"schema": 2, "name": "x", "source": {"kind": "oci"}}"#;
        let text = doc(&format!("{}, {newer}", hello("0.1.0")));
        let index = parse(Path::new("index.json"), &text).unwrap();
        assert_eq!(index.entries.len(), 1);
        assert_eq!(index.skipped, 1);
        assert_eq!(index.entries[0].version.to_string(), "0.1.0");
        // Round trip.
        let again = parse(Path::new("x"), &render(&index.entries)).unwrap();
        assert_eq!(again.entries, index.entries);
    }

    #[test]
    fn malformed_indexes_are_named() {
        let p = Path::new("index.json");
        let e = |text: &str| parse(p, text).unwrap_err().to_string();
        assert!(e("<html>").contains("not a registry index"));
        assert!(e("{\"plugins\": []}").contains("no \"schema\""));
        assert!(e("{\"schema\": 9, \"plugins\": []}").contains("newer than this vcli"));
        let bad = hello("0.1.0").replacen("\"version\": \"0.1.0\"", "\"version\": \"one\"", 1);
        assert!(
            e(&doc(&bad)).contains("plugins[0] (hello)"),
            "{}",
            e(&doc(&bad))
        );
        let bad = hello("0.1.0").replace(SUM, "md5:1");
        assert!(e(&doc(&bad)).contains("checksum"), "{}", e(&doc(&bad)));
        let bad = hello("0.1.0").replace("\"hello\"", "\"Hello\"");
        assert!(e(&doc(&bad)).contains("name:"), "{}", e(&doc(&bad)));
    }

    #[test]
    fn publish_validates_and_refuses_a_version_twice() {
        let dir = std::env::temp_dir().join(format!("vcli-index-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("index.json");
        let _ = std::fs::remove_file(&path);
        let entry = |v: &str| -> Entry { serde_json::from_str(&hello(v)).unwrap() };
        publish(&path, entry("0.1.0")).unwrap();
        publish(&path, entry("0.2.0")).unwrap();
        let e = publish(&path, entry("0.1.0")).unwrap_err().to_string();
        assert!(e.contains("already published"), "{e}");
        let mut git = entry("0.3.0");
        git.source = Source::Git {
            url: "https://example.invalid/hello.git".to_owned(),
            rev: "main".to_owned(),
        };
        let e = publish(&path, git).unwrap_err().to_string();
        assert!(e.contains("full 40-hex commit id"), "{e}");
        let index = parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(index.entries.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
