//! `-o json` and `-o yaml`: one serializer of each kind for every plugin
//! and the host, so that the same value prints the same bytes whichever
//! command prints it, and kubectl's JSON (four spaces, Go's escapes) where
//! output is compared with kubectl's.

use std::io::{self, Write};

use serde::Serialize;

/// A format for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structured {
    /// Pretty-printed JSON (two spaces), ending with a newline.
    Json,
    /// YAML, as `serde_yaml` writes it (block style, ending with a newline).
    Yaml,
}

/// A value that could not be printed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrintError {
    /// The value has no JSON form (a map with keys that are not strings).
    #[error("cannot print JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The value has no YAML form.
    #[error("cannot print YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
}

impl From<PrintError> for crate::PluginError {
    fn from(err: PrintError) -> Self {
        crate::PluginError::with_source(err.to_string(), err)
    }
}

impl From<PrintError> for io::Error {
    fn from(err: PrintError) -> Self {
        io::Error::other(err)
    }
}

/// Writes `value` as JSON or YAML. Give it maps in a stable order
/// (`BTreeMap`, structs) and the output is stable between runs.
///
/// ```
/// use std::collections::BTreeMap;
/// use vcli_plugin_api::print::{Structured, write_structured};
///
/// let value = BTreeMap::from([("job", "node"), ("health", "up")]);
/// let mut out = Vec::new();
/// write_structured(&mut out, Structured::Yaml, &value).unwrap();
/// assert_eq!(out, b"health: up\njob: node\n");
/// ```
///
/// # Errors
///
/// The writer's error, or a [`PrintError`] (as an I/O error) when the
/// value has no such form.
pub fn write_structured<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    format: Structured,
    value: &T,
) -> io::Result<()> {
    match format {
        Structured::Yaml => out.write_all(to_yaml(value)?.as_bytes()),
        Structured::Json => {
            serde_json::to_writer_pretty(&mut *out, value).map_err(PrintError::from)?;
            out.write_all(b"\n")
        }
    }
}

/// `value` as YAML.
///
/// # Errors
///
/// [`PrintError::Yaml`] when the value has no YAML form.
pub fn to_yaml<T: Serialize + ?Sized>(value: &T) -> Result<String, PrintError> {
    Ok(serde_yaml::to_string(value)?)
}

/// JSON as kubectl prints it: four-space indent and, like Go's encoder,
/// `<`, `>`, `&`, U+2028 and U+2029 escaped (they can only occur inside
/// strings). No newline at the end.
///
/// ```
/// use vcli_plugin_api::print::kubectl_json;
///
/// let json = kubectl_json(&serde_json::json!({"a": "<b>"})).unwrap();
/// assert_eq!(json, "{\n    \"a\": \"\\u003cb\\u003e\"\n}");
/// ```
///
/// # Errors
///
/// [`PrintError::Json`] when the value has no JSON form.
pub fn kubectl_json<T: Serialize + ?Sized>(value: &T) -> Result<String, PrintError> {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value.serialize(&mut ser)?;
    let text = String::from_utf8_lossy(&buf);
    Ok(text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_pretty_with_a_final_newline() {
        let mut out = Vec::new();
        write_structured(&mut out, Structured::Json, &json!({"a": [1, 2]})).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
        );
    }

    #[test]
    fn kubectl_json_escapes_like_go() {
        assert_eq!(
            kubectl_json(&json!({"a": "<&>\u{2028}"})).unwrap(),
            "{\n    \"a\": \"\\u003c\\u0026\\u003e\\u2028\"\n}"
        );
    }

    #[test]
    fn values_without_a_form_are_errors_in_words() {
        let bad = std::collections::HashMap::from([((1, 2), "x")]);
        let err = kubectl_json(&bad).unwrap_err();
        assert!(err.to_string().starts_with("cannot print JSON: "), "{err}");
        let io: io::Error = err.into();
        assert_eq!(io.kind(), io::ErrorKind::Other);
    }
}
