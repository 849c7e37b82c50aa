//! `prom labels`, `prom label-values NAME` and `prom series MATCHER...`:
//! what the TSDB holds, for finding the right query.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use clap::ArgMatches;

use crate::cli::{Invocation, Out};
use crate::client::Params;
use crate::error::PromError;
use crate::format::{OutputFormat, series_name, sorted, write_structured};

/// `prom labels`: every label name.
pub(crate) async fn run_labels(
    inv: &Invocation<'_>,
    _m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let names = inv
        .api
        .get::<Vec<String>>("api/v1/labels", &Params::new())
        .await?
        .data;
    write_list(out, inv.format, &names).map_err(PromError::from)
}

/// `prom label-values NAME`: every value of one label.
pub(crate) async fn run_label_values(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let name = m
        .get_one::<String>("name")
        .map(String::as_str)
        .unwrap_or_default();
    check_label_name(name)?;
    let path = format!("api/v1/label/{name}/values");
    let values = inv
        .api
        .get::<Vec<String>>(&path, &Params::new())
        .await?
        .data;
    write_list(out, inv.format, &values).map_err(PromError::from)
}

/// `prom series MATCHER...`: the series matching any of the selectors.
pub(crate) async fn run_series(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let params: Params = m
        .get_many::<String>("matcher")
        .into_iter()
        .flatten()
        .map(|matcher| ("match[]", matcher.clone()))
        .collect();
    if params.is_empty() {
        return Err(PromError::Usage(
            "give at least one series matcher, e.g. 'up{job=\"node\"}'".to_owned(),
        ));
    }
    let series = inv
        .api
        .get::<Vec<HashMap<String, String>>>("api/v1/series", &params)
        .await?
        .data;
    write_series(out, inv.format, &series).map_err(PromError::from)
}

/// Label names are `[a-zA-Z_][a-zA-Z0-9_]*`; checking locally gives a clear
/// message and keeps the name safe to put in the URL path.
fn check_label_name(name: &str) -> Result<(), PromError> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(PromError::Usage(format!(
            "invalid label name {name:?}: label names are letters, digits and _, not starting with a digit"
        )))
    }
}

/// One item per line for tables; a JSON/YAML list otherwise.
pub(crate) fn write_list(
    out: &mut dyn Write,
    format: OutputFormat,
    items: &[String],
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        return write_structured(out, format, &items);
    }
    for item in items {
        writeln!(out, "{item}")?;
    }
    Ok(())
}

/// Series in PromQL notation for tables; label maps otherwise.
pub(crate) fn write_series(
    out: &mut dyn Write,
    format: OutputFormat,
    series: &[HashMap<String, String>],
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        let maps: Vec<BTreeMap<String, String>> = series.iter().map(sorted).collect();
        return write_structured(out, format, &maps);
    }
    if series.is_empty() {
        return writeln!(out, "no series matched");
    }
    let mut names: Vec<String> = series.iter().map(series_name).collect();
    names.sort();
    for name in names {
        writeln!(out, "{name}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_are_checked() {
        assert!(check_label_name("job").is_ok());
        assert!(check_label_name("__name__").is_ok());
        assert!(check_label_name("9lives").is_err());
        assert!(check_label_name("a/b").is_err());
        assert!(check_label_name("").is_err());
    }

    #[test]
    fn series_print_in_promql_notation() {
        let series: Vec<HashMap<String, String>> = vec![
            [("__name__", "up"), ("job", "b")]
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            [("__name__", "up"), ("job", "a")]
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ];
        let mut out = Vec::new();
        write_series(&mut out, OutputFormat::Table, &series).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "up{job=\"a\"}\nup{job=\"b\"}\n"
        );
        let mut out = Vec::new();
        write_list(&mut out, OutputFormat::Json, &["a".to_owned()]).unwrap();
        assert_eq!(out, b"[\n  \"a\"\n]\n");
    }
}
