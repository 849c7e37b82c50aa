//! Evaluating a parsed JSONPath template (`jsonpath/parse.rs`) on a JSON value, step for
//! step as client-go's `JSONPath.FindResults` does: each action evaluated from the root,
//! `range` repeating what follows up to its `end` for every result, missing keys giving
//! nothing (kubectl's `--allow-missing-template-keys`, on by default). The results are
//! printed as `PrintResults` prints them (strings as they are, `null` as `<nil>`, objects
//! and arrays as compact JSON) by `JsonPath::execute` in `jsonpath.rs`.
//!
//! Go iterates maps in random order (`{.metadata.labels.*}` prints labels in a different
//! order on each run); here map keys are visited in sorted order.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use super::select::{child, children, eval_array, eval_recursive, index};
use super::{Node, Results, Val};
use crate::gofmt;

/// State of one evaluation (client-go keeps it in the `JSONPath` value).
#[derive(Debug, Default)]
pub(super) struct Eval {
    begin_range: u32,
    in_range: u32,
    end_range: u32,
    last_end: Option<usize>,
    allow_missing_keys: bool,
}

impl Eval {
    /// A fresh evaluation of a template; `allow_missing_keys` as the template says.
    pub(super) fn new(allow_missing_keys: bool) -> Self {
        Eval {
            allow_missing_keys,
            ..Eval::default()
        }
    }

    pub(super) fn find_results<'a>(
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
