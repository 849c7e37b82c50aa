//! The view's half of the host's `/` filter line: a substring of the row,
//! or a label selector as kubectl's `-l` takes it (`app=web,tier!=db`,
//! `env in (a,b)`, `env notin (c)`, `key`, `!key`) when the text starts
//! with `-l `.

use std::collections::{BTreeMap, BTreeSet};

use crate::row::Row;

/// Which rows the filter keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RowFilter {
    /// Every row.
    #[default]
    All,
    /// Rows whose text contains this (lowercased) string.
    Text(String),
    /// Rows whose labels satisfy the selector.
    Labels(Selector),
}

impl RowFilter {
    /// The filter for the text of the host's filter line.
    ///
    /// # Errors
    ///
    /// A label selector that does not parse, with what is wrong.
    pub fn parse(text: &str) -> Result<RowFilter, String> {
        let trimmed = text.trim_start();
        if let Some(selector) = trimmed.strip_prefix("-l ") {
            return Selector::parse(selector)
                .map(RowFilter::Labels)
                .map_err(|e| format!("bad label selector: {e}"));
        }
        if text.is_empty() {
            Ok(RowFilter::All)
        } else {
            Ok(RowFilter::Text(text.to_lowercase()))
        }
    }

    /// Whether `row` passes.
    pub fn keeps(&self, row: &Row) -> bool {
        match self {
            RowFilter::All => true,
            RowFilter::Text(needle) => row.contains(needle),
            RowFilter::Labels(selector) => selector.matches(&row.labels),
        }
    }

    /// Whether the filter keeps every row.
    pub fn is_all(&self) -> bool {
        matches!(self, RowFilter::All)
    }
}

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    /// `key=value`, `key==value`, `key in (a,b)`: the label is one of the values.
    In(String, BTreeSet<String>),
    /// `key!=value`, `key notin (a,b)`: the label is absent or none of the values.
    NotIn(String, BTreeSet<String>),
    /// `key`: the label is set.
    Exists(String),
    /// `!key`: the label is not set.
    Absent(String),
}

/// A parsed label selector; every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// Parses a selector in kubectl's syntax.
    ///
    /// # Errors
    ///
    /// What is wrong and where, in words an operator can act on.
    pub fn parse(text: &str) -> Result<Selector, String> {
        if text.trim().is_empty() {
            return Err("a selector needs at least one requirement, e.g. app=web".to_owned());
        }
        let mut requirements = Vec::new();
        for part in split_top_level(text)? {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("empty requirement in {text:?}"));
            }
            requirements.push(requirement(part)?);
        }
        Ok(Selector { requirements })
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| match r {
            Requirement::In(k, values) => labels.get(k).is_some_and(|v| values.contains(v)),
            Requirement::NotIn(k, values) => labels.get(k).is_none_or(|v| !values.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::Absent(k) => !labels.contains_key(k),
        })
    }
}

/// Splits at commas outside parentheses (`a in (x,y),b` is two requirements).
fn split_top_level(text: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth = 0u32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' if depth == 0 => depth = 1,
            '(' => return Err("nested parentheses in selector".to_owned()),
            ')' if depth == 1 => depth = 0,
            ')' => return Err("unmatched \")\" in selector".to_owned()),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unclosed \"(\" in selector".to_owned());
    }
    parts.push(&text[start..]);
    Ok(parts)
}

fn requirement(part: &str) -> Result<Requirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::Absent(key_of(key.trim())?));
    }
    for (op, negated) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((key, value)) = part.split_once(op) {
            let values = BTreeSet::from([value_of(value.trim())?]);
            let key = key_of(key.trim())?;
            return Ok(if negated {
                Requirement::NotIn(key, values)
            } else {
                Requirement::In(key, values)
            });
        }
    }
    if let Some(open) = part.find('(') {
        let head = part[..open].trim();
        let Some(body) = part[open + 1..].trim_end().strip_suffix(')') else {
            return Err(format!("expected \")\" at the end of {part:?}"));
        };
        let (key, negated) = match head.rsplit_once(char::is_whitespace) {
            Some((key, "in")) => (key, false),
            Some((key, "notin")) => (key, true),
            _ => {
                return Err(format!(
                    "expected \"in\" or \"notin\" before \"(\" in {part:?}"
                ));
            }
        };
        let key = key_of(key.trim())?;
        let values = body
            .split(',')
            .map(|v| value_of(v.trim()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if values.iter().all(String::is_empty) {
            return Err(format!("{part:?} needs at least one value"));
        }
        return Ok(if negated {
            Requirement::NotIn(key, values)
        } else {
            Requirement::In(key, values)
        });
    }
    Ok(Requirement::Exists(key_of(part)?))
}

/// A label key: an optional DNS prefix and `/`, then a name of letters,
/// digits, `-`, `_` and `.`.
fn key_of(key: &str) -> Result<String, String> {
    let name = key.rsplit_once('/').map_or(key, |(_, n)| n);
    let valid = !name.is_empty()
        && name.len() <= 63
        && key.len() <= 316
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if valid {
        Ok(key.to_owned())
    } else {
        Err(format!("invalid label key {key:?}"))
    }
}

/// A label value: empty, or up to 63 letters, digits, `-`, `_` and `.`.
fn value_of(value: &str) -> Result<String, String> {
    let valid = value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(format!("invalid label value {value:?}"))
    }
}
