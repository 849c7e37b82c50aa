//! kubectl's JSONPath templates (`-o jsonpath=...`, custom-columns), ported from
//! client-go's `util/jsonpath` parser so that the same template means the same thing:
//! text around `{...}` actions, `{range ...}`/`{end}`, quoted strings (`{"\n"}`), fields
//! (`.a.b`, `['a']`), indexes and slices (`[0]`, `[-1]`, `[1:3]`, `[*]`), unions
//! (`[0,2]`), filters (`[?(@.x=="y")]`), wildcards and recursive descent (`..name`).
//!
//! RFC 9535 JSONPath (what `jsonpath-rust` and `serde_json_path` implement) is a different
//! language: it has no templates, no `range`, and other rules for missing keys and
//! filters.
//!
//! The parser is in `jsonpath/parse.rs` (bracketed selections, `[...]` and
//! `[?(...)]`, in `jsonpath/parse/brackets.rs`); the evaluation in `jsonpath/eval.rs`,
//! with what a step selects from a value in `jsonpath/select.rs`. [`JsonPath`] puts them
//! together and prints the results as kubectl does.

mod eval;
mod parse;
mod select;

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use crate::gofmt;
use eval::Eval;
use parse::parse;

type Val<'a> = Cow<'a, Value>;
type Results<'a> = Vec<Vec<Val<'a>>>;

/// One step or piece of a parsed template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A sequence evaluated step by step (an action's contents).
    List(Vec<Node>),
    /// Literal text, outside actions or quoted inside them.
    Text(String),
    /// `.name`.
    Field(String),
    /// `[start:end:step]`.
    Array([Param; 3]),
    /// `[?(left op right)]`; `op` is `exists` for `[?(@.x)]`.
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `*` or `.*`.
    Wildcard,
    /// `..`.
    Recursive,
    /// `[a,b]`: each alternative is a list of nodes.
    Union(Vec<Vec<Node>>),
    /// `range` or `end` (anything else fails when evaluated).
    Identifier(String),
}

/// One bound of an array selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Param {
    pub(crate) value: i64,
    pub(crate) known: bool,
    /// The end of `[i]`, derived as `i + 1`.
    pub(crate) derived: bool,
}

/// A parse error, worded as client-go words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError(pub(crate) String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Parsed<T> = Result<T, ParseError>;

fn err<T>(message: impl Into<String>) -> Parsed<T> {
    Err(ParseError(message.into()))
}

/// A parsed template, ready to run.
#[derive(Debug, Clone)]
pub(crate) struct JsonPath {
    nodes: Vec<Node>,
    allow_missing_keys: bool,
}

impl JsonPath {
    /// Parses `template`; missing keys give nothing rather than an error.
    ///
    /// # Errors
    ///
    /// client-go's words for the syntax error.
    pub(crate) fn parse(template: &str) -> Result<Self, ParseError> {
        Ok(JsonPath {
            nodes: parse(template)?,
            allow_missing_keys: true,
        })
    }

    /// Every action's results, in template order (`range` repeats its body's).
    ///
    /// # Errors
    ///
    /// client-go's words: an index out of bounds, a filter on something that is not an
    /// array, incompatible types compared...
    pub(crate) fn find<'a>(&self, data: &'a Value) -> Result<Results<'a>, String> {
        let mut eval = Eval::new(self.allow_missing_keys);
        eval.find_results(Some(data), &self.nodes, 0)
    }

    /// The template's output for `data`, as `kubectl get -o jsonpath=...` prints it (or, with
    /// `as_json`, as `-o jsonpath-as-json=...` does).
    ///
    /// # Errors
    ///
    /// As [`JsonPath::find`].
    pub(crate) fn execute(&self, data: &Value, as_json: bool) -> Result<String, String> {
        let mut out = String::new();
        for group in self.find(data)? {
            if as_json {
                let array = Value::Array(group.into_iter().map(Cow::into_owned).collect());
                out.push_str(&gofmt::json_indent(&array, "    "));
                out.push('\n');
                continue;
            }
            for (i, value) in group.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&text_of(value));
            }
        }
        Ok(out)
    }
}

/// One result as `PrintResults` writes it.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => gofmt::json(value),
        other => gofmt::sprint(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(template: &str, data: &Value) -> String {
        JsonPath::parse(template)
            .unwrap()
            .execute(data, false)
            .unwrap()
    }

    fn pods() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "labels": {"app": "web", "tier": "fe"}},
             "spec": {"containers": [{"name": "c1", "image": "nginx"}, {"name": "c2", "image": "envoy"}]},
             "status": {"phase": "Running", "restarts": 2, "ratio": 0.5, "ok": true}},
            {"metadata": {"name": "b", "labels": {"app": "db"}},
             "spec": {"containers": [{"name": "d", "image": "postgres"}]},
             "status": {"phase": "Pending", "restarts": 0, "ratio": null}},
        ]})
    }

    #[test]
    fn fields_indexes_and_wildcards() {
        let data = pods();
        assert_eq!(run("{.items[*].metadata.name}", &data), "a b");
        assert_eq!(run("{.items[0].metadata.name}", &data), "a");
        assert_eq!(run("{.items[-1].metadata.name}", &data), "b");
        assert_eq!(
            run("{.items[0].spec.containers[*].image}", &data),
            "nginx envoy"
        );
        assert_eq!(run("{.items[0].metadata.labels.*}", &data), "web fe");
        assert_eq!(run("{.items[0].status.ratio}", &data), "0.5");
        assert_eq!(run("{.items[1].status.ratio}", &data), "<nil>");
        assert_eq!(run("{.items[0].status.ok}", &data), "true");
        assert_eq!(run("{.items[1].metadata.labels}", &data), r#"{"app":"db"}"#);
        assert_eq!(run("{.items[*].nothing}", &data), "");
        assert_eq!(run("{..image}", &data), "nginx envoy postgres");
        assert_eq!(run("{.items[0,1].metadata.name}", &data), "a b");
        assert_eq!(run("{.items[0]['metadata']['name']}", &data), "a");
        assert_eq!(run("{.kind}{.kind}", &data), "ListList");
    }

    #[test]
    fn ranges_and_text() {
        let data = pods();
        assert_eq!(
            run(
                r#"{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}"#,
                &data
            ),
            "a\tRunning\nb\tPending\n"
        );
        assert_eq!(
            run(
                "{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}done",
                &data
            ),
            "[c1,c2,][d,]done"
        );
        assert_eq!(run("{range .nothing[*]}x{end}after", &data), "after");
    }

    #[test]
    fn filters() {
        let data = pods();
        assert_eq!(
            run(
                r#"{.items[?(@.status.phase=="Running")].metadata.name}"#,
                &data
            ),
            "a"
        );
        assert_eq!(
            run("{.items[?(@.status.restarts>1)].metadata.name}", &data),
            "a"
        );
        assert_eq!(run("{.items[?(@.status.ok)].metadata.name}", &data), "a");
        let e = JsonPath::parse("{.items[?(@.status.restarts==\"2\")]}")
            .unwrap()
            .execute(&data, false)
            .unwrap_err();
        assert_eq!(e, "incompatible types for comparison");
    }

    #[test]
    fn errors_and_json_output() {
        let data = pods();
        let e = |t: &str| {
            JsonPath::parse(t)
                .unwrap()
                .execute(&data, false)
                .unwrap_err()
        };
        assert_eq!(
            e("{.items[5]}"),
            "array index out of bounds: index 5, length 2"
        );
        assert_eq!(e("{.kind[0]}"), "string is not array or slice");
        assert_eq!(e("{end}"), "not in range, nothing to end");
        assert_eq!(
            JsonPath::parse("{.items[*].metadata.name}")
                .unwrap()
                .execute(&data, true)
                .unwrap(),
            "[\n    \"a\",\n    \"b\"\n]\n"
        );
    }
}
