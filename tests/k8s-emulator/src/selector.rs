//! Label and field selectors, parsed and matched the way the API server does.

use std::collections::BTreeMap;

use crate::fields::supported_fields;
use crate::resources::ResourceKind;

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    GreaterThan(String, i64),
    LessThan(String, i64),
}

/// A parsed `labelSelector`; all requirements must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// Parses `app=nginx,tier!=db,env in (prod, staging),!canary,track`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for term in split_top_level(text) {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(term).ok_or_else(|| {
                format!("unable to parse requirement: invalid label selector term {term:?}")
            })?);
        }
        Ok(LabelSelector(requirements))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let get = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
        let as_int = |key: &str| get(key).and_then(|v| v.parse::<i64>().ok());
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            // A missing label is "not equal", as in the API server.
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
            Requirement::GreaterThan(k, n) => as_int(k).is_some_and(|x| x > *n),
            Requirement::LessThan(k, n) => as_int(k).is_some_and(|x| x < *n),
        })
    }
}

/// Splits at commas that are not inside `( ... )` value sets.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(term: &str) -> Option<Requirement> {
    if let Some(key) = term.strip_prefix('!') {
        return valid_key(key.trim()).map(Requirement::NotExists);
    }
    if let Some(open) = term.find('(') {
        let close = term
            .rfind(')')
            .filter(|&c| c > open && term[c + 1..].trim().is_empty())?;
        let mut words = term[..open].split_whitespace();
        let (key, op) = (valid_key(words.next()?)?, words.next()?);
        if words.next().is_some() {
            return None;
        }
        let values = term[open + 1..close]
            .split(',')
            .map(|v| valid_value(v.trim()))
            .collect::<Option<Vec<_>>>()?;
        return match op {
            "in" => Some(Requirement::In(key, values)),
            "notin" => Some(Requirement::NotIn(key, values)),
            _ => None,
        };
    }
    for (op, build) in [
        (
            "!=",
            Requirement::NotEquals as fn(String, String) -> Requirement,
        ),
        ("==", Requirement::Equals),
        ("=", Requirement::Equals),
    ] {
        if let Some((key, value)) = term.split_once(op) {
            return Some(build(valid_key(key.trim())?, valid_value(value.trim())?));
        }
    }
    if let Some((key, value)) = term.split_once('>') {
        return Some(Requirement::GreaterThan(
            valid_key(key.trim())?,
            value.trim().parse().ok()?,
        ));
    }
    if let Some((key, value)) = term.split_once('<') {
        return Some(Requirement::LessThan(
            valid_key(key.trim())?,
            value.trim().parse().ok()?,
        ));
    }
    valid_key(term).map(Requirement::Exists)
}

fn valid_key(key: &str) -> Option<String> {
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    ok.then(|| key.to_owned())
}

fn valid_value(value: &str) -> Option<String> {
    let ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| value.to_owned())
}

/// A parsed `fieldSelector`: `field=value` / `field==value` / `field!=value`, all must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses and checks the fields against what `kind` supports, with the server's messages.
    pub(crate) fn parse(text: &str, kind: ResourceKind) -> Result<Self, String> {
        let mut terms = Vec::new();
        for term in split_unescaped(text) {
            if term.trim().is_empty() {
                continue;
            }
            let (field, equal, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                ));
            };
            let field = field.trim();
            if !supported_fields(kind).contains(&field) {
                return Err(format!("field label not supported: {field}"));
            }
            terms.push((field.to_owned(), equal, unescape(value)));
        }
        Ok(FieldSelector(terms))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn matches(&self, fields: &[(&'static str, String)]) -> bool {
        self.0.iter().all(|(field, equal, value)| {
            let actual = fields
                .iter()
                .find(|(f, _)| f == field)
                .map_or("", |(_, v)| v.as_str());
            (actual == value) == *equal
        })
    }
}

/// Splits at commas not escaped with a backslash (field values may contain `\,`).
fn split_unescaped(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            // Keep the escape: `unescape` removes it once the term is split into field and value.
            '\\' => {
                current.push('\\');
                current.extend(chars.next());
            }
            ',' => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn label_selector_operators() {
        let l = labels(&[("app", "nginx"), ("tier", "frontend"), ("replicas", "3")]);
        let m = |s: &str| LabelSelector::parse(s).map(|sel| sel.matches(Some(&l)));
        assert_eq!(m("app=nginx"), Ok(true));
        assert_eq!(m("app==nginx,tier=frontend"), Ok(true));
        assert_eq!(m("app!=nginx"), Ok(false));
        assert_eq!(m("missing!=x"), Ok(true));
        assert_eq!(m("tier in (frontend, backend)"), Ok(true));
        assert_eq!(m("tier notin (frontend,backend)"), Ok(false));
        assert_eq!(m("missing notin (a)"), Ok(true));
        assert_eq!(m("app"), Ok(true));
        assert_eq!(m("!app"), Ok(false));
        assert_eq!(m("!missing"), Ok(true));
        assert_eq!(m("replicas>2,replicas<4"), Ok(true));
        assert!(m("app=ng inx").is_err());
        assert!(m("tier in (a").is_err());
    }

    #[test]
    fn field_selector_checks_fields() {
        let fields = vec![
            ("metadata.name", "a,b".to_owned()),
            ("status.phase", "Running".to_owned()),
        ];
        let sel = FieldSelector::parse(
            "status.phase=Running,metadata.name=a\\,b",
            ResourceKind::Pods,
        );
        assert_eq!(sel.map(|s| s.matches(&fields)), Ok(true));
        let sel = FieldSelector::parse("status.phase!=Running", ResourceKind::Pods);
        assert_eq!(sel.map(|s| s.matches(&fields)), Ok(false));
        assert_eq!(
            FieldSelector::parse("spec.bogus=1", ResourceKind::Pods),
            Err("field label not supported: spec.bogus".to_owned())
        );
    }
}
