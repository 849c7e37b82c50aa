//! Evaluating a parsed JSONPath template (`jsonpath.rs`) on a JSON value, step for step as
//! client-go's `JSONPath.FindResults` and `PrintResults` do: each action evaluated from the
//! root, `range` repeating what follows up to its `end` for every result, missing keys
//! giving nothing (kubectl's `--allow-missing-template-keys`, on by default), and results
//! printed as text (strings as they are, `null` as `<nil>`) or, for objects and arrays, as
//! compact JSON.
//!
//! Go iterates maps in random order (`{.metadata.labels.*}` prints labels in a different
//! order on each run); here map keys are visited in sorted order.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use crate::gofmt;
use crate::jsonpath::{Node, Param, ParseError, parse};

type Val<'a> = Cow<'a, Value>;
type Results<'a> = Vec<Vec<Val<'a>>>;

/// A parsed template, ready to run.
#[derive(Debug, Clone)]
pub(crate) struct JsonPath {
    nodes: Vec<Node>,
    allow_missing_keys: bool,
}

/// State of one evaluation (client-go keeps it in the `JSONPath` value).
#[derive(Debug, Default)]
struct Eval {
    begin_range: u32,
    in_range: u32,
    end_range: u32,
    last_end: Option<usize>,
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
        let mut eval = Eval {
            allow_missing_keys: self.allow_missing_keys,
            ..Eval::default()
        };
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

/// The Go type name kubectl's errors show for an unstructured value.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// The children `*` and `..` visit: map values (in key order), array items, and (as Go
/// does) a string's bytes.
fn children<'a>(value: &Val<'a>) -> Vec<Val<'a>> {
    fn borrowed(value: &Value) -> Vec<&Value> {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                keys.into_iter().map(|k| &map[k]).collect()
            }
            Value::Array(items) => items.iter().collect(),
            _ => Vec::new(),
        }
    }
    if let Value::String(s) = value.as_ref() {
        return s.bytes().map(|b| Cow::Owned(Value::from(b))).collect();
    }
    match value {
        Cow::Borrowed(v) => borrowed(v).into_iter().map(Cow::Borrowed).collect(),
        Cow::Owned(v) => borrowed(v)
            .into_iter()
            .map(|c| Cow::Owned(c.clone()))
            .collect(),
    }
}

/// A child of `value` by key, keeping the borrow when there is one.
fn child<'a>(value: &Val<'a>, key: &str) -> Option<Val<'a>> {
    match value {
        Cow::Borrowed(v) => v.get(key).map(Cow::Borrowed),
        Cow::Owned(v) => v.get(key).cloned().map(Cow::Owned),
    }
}

fn index<'a>(value: &Val<'a>, i: usize) -> Option<Val<'a>> {
    match value {
        Cow::Borrowed(v) => v.get(i).map(Cow::Borrowed),
        Cow::Owned(v) => v.get(i).cloned().map(Cow::Owned),
    }
}

impl Eval {
    fn find_results<'a>(
        &mut self,
        data: Option<&'a Value>,
        nodes: &[Node],
        start: usize,
    ) -> Result<Results<'a>, String> {
        let cur: Vec<Val<'a>> = data.map(Cow::Borrowed).into_iter().collect();
        let mut full = Vec::new();
        let mut i = start;
        while i < nodes.len() {
            let results = self.walk(cur.clone(), &nodes[i])?;
            // An end node: this block is done.
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end = Some(i);
                break;
            }
            // A range node: run what follows once per result.
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                if results.is_empty() {
                    // Still walk the body, to find where it ends.
                    self.find_results(None, nodes, i + 1)?;
                } else {
                    for value in results {
                        match value {
                            Cow::Borrowed(v) => {
                                full.extend(self.find_results(Some(v), nodes, i + 1)?);
                            }
                            Cow::Owned(v) => {
                                let inner = self.find_results(Some(&v), nodes, i + 1)?;
                                full.extend(inner.into_iter().map(|g| {
                                    g.into_iter().map(|v| Cow::Owned(v.into_owned())).collect()
                                }));
                            }
                        }
                    }
                }
                self.in_range -= 1;
                // Resume after the end node the body stopped at.
                if let Some(end) = self.last_end.filter(|&e| e > i) {
                    i = end;
                }
                i += 1;
                continue;
            }
            full.push(results);
            i += 1;
        }
        Ok(full)
    }

    fn walk<'a>(&mut self, input: Vec<Val<'a>>, node: &Node) -> Result<Vec<Val<'a>>, String> {
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(text) => Ok(vec![Cow::Owned(Value::from(text.as_str()))]),
            Node::Field(name) => self.eval_field(&input, name),
            Node::Array(params) => eval_array(&input, *params),
            Node::Filter { left, right, op } => self.eval_filter(&input, left, right, op),
            Node::Int(i) => Ok(vec![Cow::Owned(Value::from(*i)); input.len()]),
            Node::Float(f) => Ok(vec![Cow::Owned(Value::from(*f)); input.len()]),
            Node::Bool(b) => Ok(vec![Cow::Owned(Value::from(*b)); input.len()]),
            Node::Wildcard => Ok(input
                .iter()
                .filter(|v| !v.is_null())
                .flat_map(children)
                .collect()),
            Node::Recursive => Ok(eval_recursive(&input)),
            Node::Union(lists) => {
                let mut out = Vec::new();
                for list in lists {
                    out.extend(self.eval_list(input.clone(), list)?);
                }
                Ok(out)
            }
            Node::Identifier(name) => self.eval_identifier(input, name),
        }
    }

    fn eval_list<'a>(
        &mut self,
        mut value: Vec<Val<'a>>,
        nodes: &[Node],
    ) -> Result<Vec<Val<'a>>, String> {
        for node in nodes {
            value = self.walk(value, node)?;
        }
        Ok(value)
    }

    fn eval_identifier<'a>(
        &mut self,
        input: Vec<Val<'a>>,
        name: &str,
    ) -> Result<Vec<Val<'a>>, String> {
        match name {
            "range" => {
                self.begin_range += 1;
                Ok(input)
            }
            "end" if self.in_range > 0 => {
                self.end_range += 1;
                Ok(Vec::new())
            }
            "end" => Err("not in range, nothing to end".to_owned()),
            other => Err(format!("unrecognized identifier {other}")),
        }
    }

    fn eval_field<'a>(&self, input: &[Val<'a>], name: &str) -> Result<Vec<Val<'a>>, String> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let results: Vec<Val<'a>> = input.iter().filter_map(|v| child(v, name)).collect();
        if results.is_empty() && !self.allow_missing_keys {
            return Err(format!("{name} is not found"));
        }
        Ok(results)
    }

    fn eval_filter<'a>(
        &mut self,
        input: &[Val<'a>],
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Vec<Val<'a>>, String> {
        let mut results = Vec::new();
        for value in input {
            let Value::Array(items) = value.as_ref() else {
                return Err(format!(
                    "{} is not array or slice and cannot be filtered",
                    gofmt::sprint(value)
                ));
            };
            for i in 0..items.len() {
                let Some(item) = index(value, i) else {
                    continue;
                };
                let lefts = self.eval_list(vec![item.clone()], left);
                if op == "exists" {
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        results.push(item);
                    }
                    continue;
                }
                let lefts = lefts?;
                let l = match lefts.as_slice() {
                    [] => continue,
                    [one] => one.clone(),
                    _ => return Err("can only compare one element at a time".to_owned()),
                };
                let rights = self.eval_list(vec![item.clone()], right)?;
                let r = match rights.as_slice() {
                    [] => continue,
                    [one] => one.clone(),
                    _ => return Err("can only compare one element at a time".to_owned()),
                };
                if compare(op, &l, &r)? {
                    results.push(item);
                }
            }
        }
        Ok(results)
    }
}

fn eval_array<'a>(input: &[Val<'a>], params: [Param; 3]) -> Result<Vec<Val<'a>>, String> {
    let mut result = Vec::new();
    for value in input {
        let items = match value.as_ref() {
            Value::Null => continue,
            Value::Array(items) => items,
            other => return Err(format!("{} is not array or slice", type_name(other))),
        };
        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let mut p = params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value += len;
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value += len;
        }
        if p[1].value == p[0].value {
            // Zero elements asked for: what was found so far.
            return Ok(result);
        }
        if p[0].value >= len || p[0].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                p[0].value
            ));
        }
        if p[1].value > len || p[1].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                p[1].value - 1
            ));
        }
        if p[0].value > p[1].value {
            return Err(format!(
                "starting index {} is greater than ending index {}",
                p[0].value, p[1].value
            ));
        }
        let step = if p[2].known {
            if p[2].value <= 0 {
                return Err("step must be > 0".to_owned());
            }
            p[2].value
        } else {
            1
        };
        let mut i = p[0].value;
        while i < p[1].value {
            if let Some(item) = index(value, usize::try_from(i).unwrap_or(usize::MAX)) {
                result.push(item);
            }
            i += step;
        }
    }
    Ok(result)
}

fn eval_recursive<'a>(input: &[Val<'a>]) -> Vec<Val<'a>> {
    let mut result = Vec::new();
    for value in input {
        if value.is_null() {
            continue;
        }
        let kids = children(value);
        if !kids.is_empty() {
            result.push(value.clone());
            result.extend(eval_recursive(&kids));
        }
    }
    result
}

/// The kinds Go's template comparisons tell apart.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(value: &Value) -> Result<Kind, String> {
    match value {
        Value::Bool(_) => Ok(Kind::Bool),
        Value::Number(n) if n.is_i64() => Ok(Kind::Int),
        Value::Number(_) => Ok(Kind::Float),
        Value::String(_) => Ok(Kind::String),
        _ => Err("invalid type for comparison".to_owned()),
    }
}

fn equal(a: &Value, b: &Value) -> Result<bool, String> {
    let (ka, kb) = (basic_kind(a)?, basic_kind(b)?);
    if ka != kb {
        return Err("incompatible types for comparison".to_owned());
    }
    Ok(match (a, b) {
        (Value::Number(x), Value::Number(y)) if ka == Kind::Int => x.as_i64() == y.as_i64(),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    })
}

fn less(a: &Value, b: &Value) -> Result<bool, String> {
    let (ka, kb) = (basic_kind(a)?, basic_kind(b)?);
    if ka != kb {
        return Err("incompatible types for comparison".to_owned());
    }
    let ordering = match (a, b) {
        (Value::Number(x), Value::Number(y)) if ka == Kind::Int => x.as_i64().cmp(&y.as_i64()),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => return Err("invalid type for comparison".to_owned()),
    };
    Ok(ordering == Ordering::Less)
}

fn compare(op: &str, a: &Value, b: &Value) -> Result<bool, String> {
    match op {
        "==" => equal(a, b),
        "!=" => equal(a, b).map(|e| !e),
        "<" => less(a, b),
        "<=" => Ok(less(a, b)? || equal(a, b)?),
        ">" => Ok(!(less(a, b)? || equal(a, b)?)),
        ">=" => less(a, b).map(|l| !l),
        other => Err(format!("unrecognized filter operator {other}")),
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
