//! `-o custom-columns=HEADER:PATH,...`, as kubectl's custom-columns printer: each PATH a
//! relaxed JSONPath (`.metadata.name`, `metadata.name`, `{.metadata.name}`), every value it
//! finds printed with Go's `%v` and joined with commas, `<none>` when it finds nothing.

use serde_json::Value;
use vcli_plugin_api::PluginError;

use crate::gofmt;
use crate::jsonpath::JsonPath;

/// The parsed columns.
#[derive(Debug, Clone)]
pub(crate) struct CustomColumns {
    columns: Vec<(String, JsonPath)>,
}

/// `RelaxedJSONPathExpression`: `{.a.b}`, `{a.b}`, `.a.b` and `a.b` all become `{.a.b}`.
fn relaxed(path: &str) -> Result<String, PluginError> {
    if path.is_empty() {
        return Ok(String::new());
    }
    let inner = match path.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(inner) => inner,
        None => path,
    };
    // The optional dot goes only if something follows it (`{.}` keeps it, as Go's regex).
    let inner = match inner.strip_prefix('.') {
        Some(rest) if !rest.is_empty() => rest,
        _ => inner,
    };
    if inner.is_empty() || inner.contains(['{', '}']) {
        return Err(PluginError::failed(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
        ));
    }
    Ok(format!("{{.{inner}}}"))
}

impl CustomColumns {
    /// Parses the spec after `custom-columns=`.
    ///
    /// # Errors
    ///
    /// kubectl's words for an empty spec, a column without `:`, or a bad path.
    pub(crate) fn parse(spec: &str) -> Result<Self, PluginError> {
        if spec.is_empty() {
            return Err(PluginError::failed(
                "custom-columns format specified but no custom columns given",
            ));
        }
        let mut columns = Vec::new();
        for part in spec.split(',') {
            let Some((header, path)) = part.split_once(':') else {
                return Err(PluginError::failed(format!(
                    "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                )));
            };
            let template = relaxed(path)?;
            let path =
                JsonPath::parse(&template).map_err(|e| PluginError::failed(e.to_string()))?;
            columns.push((header.to_owned(), path));
        }
        Ok(CustomColumns { columns })
    }

    /// The header cells.
    pub(crate) fn header(&self) -> Vec<String> {
        self.columns.iter().map(|(h, _)| h.clone()).collect()
    }

    /// One object's cells.
    ///
    /// # Errors
    ///
    /// A path that fails on this object (an index out of bounds, ...).
    pub(crate) fn row(&self, object: &Value) -> Result<Vec<String>, PluginError> {
        let mut cells = Vec::with_capacity(self.columns.len());
        for (_, path) in &self.columns {
            let groups = path.find(object).map_err(PluginError::failed)?;
            let mut values: Vec<String> = Vec::new();
            if groups.first().is_none_or(Vec::is_empty) {
                values.push("<none>".to_owned());
            }
            for group in &groups {
                for value in group {
                    values.push(gofmt::escape_terminal(&gofmt::sprint(value)));
                }
            }
            cells.push(values.join(","));
        }
        Ok(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_print_like_kubectl() {
        let cc = CustomColumns::parse(
            "NAME:.metadata.name,IMAGES:spec.containers[*].image,NODE:{.spec.nodeName},L:.metadata.labels",
        )
        .unwrap();
        assert_eq!(cc.header(), ["NAME", "IMAGES", "NODE", "L"]);
        let pod = json!({"metadata": {"name": "a", "labels": {"b": "2", "a": "1"}},
            "spec": {"containers": [{"image": "x"}, {"image": "y"}]}});
        assert_eq!(
            cc.row(&pod).unwrap(),
            ["a", "x,y", "<none>", "map[a:1 b:2]"]
        );
    }

    #[test]
    fn bad_specs_in_kubectl_words() {
        let e = |spec: &str| CustomColumns::parse(spec).unwrap_err().to_string();
        assert_eq!(
            e(""),
            "custom-columns format specified but no custom columns given"
        );
        assert_eq!(
            e("NAME"),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
        assert!(e("N:{.a").starts_with("unexpected path string"));
    }
}
