//! What a step selects from the values in hand: children by key or index, array slices,
//! the children `*` and `..` visit (map keys in sorted order, where Go's order is random),
//! and the Go type names kubectl's errors show.

use std::borrow::Cow;

use serde_json::Value;

use super::{Param, Val};

/// The Go type name kubectl's errors show for an unstructured value.
pub(super) fn type_name(value: &Value) -> &'static str {
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
pub(super) fn children<'a>(value: &Val<'a>) -> Vec<Val<'a>> {
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
pub(super) fn child<'a>(value: &Val<'a>, key: &str) -> Option<Val<'a>> {
    match value {
        Cow::Borrowed(v) => v.get(key).map(Cow::Borrowed),
        Cow::Owned(v) => v.get(key).cloned().map(Cow::Owned),
    }
}

pub(super) fn index<'a>(value: &Val<'a>, i: usize) -> Option<Val<'a>> {
    match value {
        Cow::Borrowed(v) => v.get(i).map(Cow::Borrowed),
        Cow::Owned(v) => v.get(i).cloned().map(Cow::Owned),
    }
}

pub(super) fn eval_array<'a>(
    input: &[Val<'a>],
    params: [Param; 3],
) -> Result<Vec<Val<'a>>, String> {
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

pub(super) fn eval_recursive<'a>(input: &[Val<'a>]) -> Vec<Val<'a>> {
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
