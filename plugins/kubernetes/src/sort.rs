//! `--sort-by`: a kubectl field path, numbers compared as numbers and
//! strings in natural order, sorted with the very algorithm kubectl runs
//! (see `gosort.rs`) so that objects whose keys tie come out in the same
//! order as kubectl prints them.

use serde_json::Value;
use vcli_plugin_api::PluginError;

use crate::gosort::go_sort;

/// Sorts items by a kubectl `--sort-by` JSONPath (`.metadata.name`,
/// `{.status.containerStatuses[0].restartCount}`).
///
/// # Errors
///
/// A usage error for an unsupported expression.
pub(crate) fn sort_by(items: &mut Vec<Value>, path: &str) -> Result<(), PluginError> {
    let path = SortPath::parse(path)?;
    let keys: Vec<Option<Value>> = items.iter().map(|v| path.key(v)).collect();
    sort_keyed(items, &keys);
    Ok(())
}

/// A parsed `--sort-by` path.
#[derive(Debug)]
pub(crate) struct SortPath(Vec<Step>);

impl SortPath {
    /// Parses `.metadata.name` or `{.status.containerStatuses[0].restartCount}`.
    ///
    /// # Errors
    ///
    /// A usage error for an unsupported expression.
    pub(crate) fn parse(path: &str) -> Result<Self, PluginError> {
        parse_path(path).map(SortPath)
    }

    /// The value an object sorts by (`None`: the object has no such field).
    pub(crate) fn key(&self, object: &Value) -> Option<Value> {
        lookup(object, &self.0)
    }
}

/// Sorts `items` by their `keys` (one per item, in the same order) as kubectl sorts.
pub(crate) fn sort_keyed<T>(items: &mut Vec<T>, keys: &[Option<Value>]) {
    // Sort a permutation, then apply it: the comparator reads keys by index.
    let mut order: Vec<usize> = (0..items.len()).collect();
    let less = |a: usize, b: usize| kubectl_less(keys[a].as_ref(), keys[b].as_ref());
    go_sort(&mut order, &less);
    let mut taken: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    *items = order.into_iter().filter_map(|i| taken[i].take()).collect();
}

fn lookup(v: &Value, steps: &[Step]) -> Option<Value> {
    let mut cur = v;
    for step in steps {
        cur = match step {
            Step::Field(f) => cur.get(f.as_str())?,
            Step::Index(i) => cur.get(*i)?,
        };
    }
    Some(cur.clone())
}

/// kubectl's `RuntimeSort.Less`: an object without the field sorts first
/// (even against another without it, which is why ties matter).
fn kubectl_less(a: Option<&Value>, b: Option<&Value>) -> bool {
    let Some(a) = a else { return true };
    let Some(b) = b else { return false };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x < y,
            _ => x.as_f64().unwrap_or(0.0) < y.as_f64().unwrap_or(0.0),
        },
        (Value::String(x), Value::String(y)) => natural_less(x, y),
        (Value::Bool(x), Value::Bool(y)) => !x && *y,
        (x, y) => natural_less(&x.to_string(), &y.to_string()),
    }
}

#[derive(Debug)]
enum Step {
    Field(String),
    Index(usize),
}

fn parse_path(path: &str) -> Result<Vec<Step>, PluginError> {
    let bad = || {
        PluginError::Usage(format!(
            "couldn't parse --sort-by {path:?}: expected a field path such as .metadata.name"
        ))
    };
    let inner = path.trim().trim_start_matches('{').trim_end_matches('}');
    let inner = inner.strip_prefix('.').ok_or_else(bad)?;
    let mut steps = Vec::new();
    for part in inner.split('.') {
        let (field, rest) = part
            .find('[')
            .map_or((part, ""), |i| (&part[..i], &part[i..]));
        if field.is_empty() && rest.is_empty() {
            return Err(bad());
        }
        if !field.is_empty() {
            steps.push(Step::Field(field.to_owned()));
        }
        for index in rest.split('[').skip(1) {
            let n = index
                .strip_suffix(']')
                .and_then(|n| n.parse().ok())
                .ok_or_else(bad)?;
            steps.push(Step::Index(n));
        }
    }
    Ok(steps)
}

/// `sortorder.NaturalLess`: digit runs compare as numbers, digits sort
/// before other characters, and with equal numbers fewer leading zeros wins.
pub(crate) fn natural_less(a: &str, b: &str) -> bool {
    let (s1, s2) = (a.as_bytes(), b.as_bytes());
    let (mut i1, mut i2) = (0, 0);
    while i1 < s1.len() && i2 < s2.len() {
        let (c1, c2) = (s1[i1], s2[i2]);
        let (d1, d2) = (c1.is_ascii_digit(), c2.is_ascii_digit());
        if d1 != d2 {
            return d1;
        }
        if !d1 {
            if c1 != c2 {
                return c1 < c2;
            }
            i1 += 1;
            i2 += 1;
            continue;
        }
        while i1 < s1.len() && s1[i1] == b'0' {
            i1 += 1;
        }
        while i2 < s2.len() && s2[i2] == b'0' {
            i2 += 1;
        }
        let (n1, n2) = (i1, i2);
        while i1 < s1.len() && s1[i1].is_ascii_digit() {
            i1 += 1;
        }
        while i2 < s2.len() && s2[i2].is_ascii_digit() {
            i2 += 1;
        }
        if i1 - n1 != i2 - n2 {
            return i1 - n1 < i2 - n2;
        }
        if s1[n1..i1] != s2[n2..i2] {
            return s1[n1..i1] < s2[n2..i2];
        }
        if n1 != n2 {
            return n1 < n2;
        }
    }
    // Identical so far: Go compares the whole lengths here.
    s1.len() < s2.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn natural_order() {
        let mut v = vec!["pod-10", "pod-2", "pod-1", "pod-01", "pod-a"];
        v.sort_by(|a, b| {
            if natural_less(a, b) {
                std::cmp::Ordering::Less
            } else if natural_less(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        assert_eq!(v, ["pod-1", "pod-01", "pod-2", "pod-10", "pod-a"]);
    }

    #[test]
    fn sort_by_paths() {
        let mut items = vec![
            json!({"s": {"n": [3]}}),
            json!({"s": {"n": [1]}}),
            json!({}),
        ];
        sort_by(&mut items, "{.s.n[0]}").unwrap();
        assert_eq!(
            items,
            vec![
                json!({}),
                json!({"s": {"n": [1]}}),
                json!({"s": {"n": [3]}})
            ]
        );
        assert!(sort_by(&mut items, "metadata").is_err());
    }
}
