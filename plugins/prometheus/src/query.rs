//! `prom query` and `prom range`: PromQL results as tables, as JSON/YAML in
//! the shape of Prometheus's own `data.result`, and as a terminal chart.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use clap::ArgMatches;
use prometheus_http_query::response::{InstantVector, RangeVector, Sample};
use serde::{Deserialize, Serialize};

use crate::cli::{Invocation, Out};
use crate::client::{Api, Params};
use crate::error::PromError;
use crate::format::{OutputFormat, Table, sample_value, series_name, sorted, write_structured};
use crate::graph::chart_text;
use crate::model::{ChartSeries, MAX_CHART_SERIES};
use crate::time::{Window, WindowFlags, param, parse_time, rfc3339};

/// The `data` of a query answer. `prometheus_http_query`'s own `Data` has no
/// `string` result type, so this enum wraps its vector, matrix and sample
/// types and adds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub(crate) enum QueryData {
    Vector(Vec<InstantVector>),
    Matrix(Vec<RangeVector>),
    Scalar(Sample),
    String((f64, String)),
}

/// `data.result` as Prometheus writes it: values are strings, labels sorted.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum ResultJson {
    Vector(Vec<VectorItem>),
    Matrix(Vec<MatrixItem>),
    Point((f64, String)),
}

#[derive(Debug, Serialize)]
struct VectorItem {
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

#[derive(Debug, Serialize)]
struct MatrixItem {
    metric: BTreeMap<String, String>,
    values: Vec<(f64, String)>,
}

fn point(s: &Sample) -> (f64, String) {
    (s.timestamp(), sample_value(s.value()))
}

fn to_json(data: &QueryData) -> ResultJson {
    match data {
        QueryData::Vector(v) => ResultJson::Vector(
            v.iter()
                .map(|s| VectorItem {
                    metric: sorted(s.metric()),
                    value: point(s.sample()),
                })
                .collect(),
        ),
        QueryData::Matrix(m) => ResultJson::Matrix(
            m.iter()
                .map(|s| MatrixItem {
                    metric: sorted(s.metric()),
                    values: s.samples().iter().map(point).collect(),
                })
                .collect(),
        ),
        QueryData::Scalar(s) => ResultJson::Point(point(s)),
        QueryData::String((t, text)) => ResultJson::Point((*t, text.clone())),
    }
}

/// Runs an instant query at `time` (the server's now when `None`).
pub(crate) async fn fetch_instant(
    api: &Api,
    expr: &str,
    time: Option<f64>,
) -> Result<(QueryData, Vec<String>), PromError> {
    let mut params: Params = vec![("query", expr.to_owned())];
    if let Some(t) = time {
        params.push(("time", param(t)));
    }
    let answer = api.get::<QueryData>("api/v1/query", &params).await?;
    Ok((answer.data, answer.warnings))
}

/// Runs a range query over `window`.
pub(crate) async fn fetch_range(
    api: &Api,
    expr: &str,
    window: Window,
) -> Result<QueryData, PromError> {
    let params: Params = vec![
        ("query", expr.to_owned()),
        ("start", param(window.start)),
        ("end", param(window.end)),
        ("step", format!("{}", window.step)),
    ];
    Ok(api
        .get::<QueryData>("api/v1/query_range", &params)
        .await?
        .data)
}

/// `prom query EXPR [--time T]`.
pub(crate) async fn run_instant(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let expr = required(m, "expr")?;
    let time = match m.get_one::<String>("time") {
        Some(t) => Some(parse_time("--time", t, inv.now).map_err(PromError::Usage)?),
        None => None,
    };
    let (data, warnings) = fetch_instant(&inv.api, expr, time).await?;
    write_result(out, inv.format, &data)?;
    write_warnings(out, inv.format, &warnings)
}

/// `prom range EXPR [--start T] [--end T | --since D] [--step D] [--graph]`.
pub(crate) async fn run_range(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let expr = required(m, "expr")?;
    let flag = |name: &str| m.get_one::<String>(name).map(String::as_str);
    let flags = WindowFlags {
        start: flag("start"),
        end: flag("end"),
        since: flag("since"),
        step: flag("step"),
    };
    let window = Window::from_flags(flags, inv.now).map_err(PromError::Usage)?;
    let data = fetch_range(&inv.api, expr, window).await?;
    let series = chart_series(&data);
    let total = series.len();
    let shown: Vec<ChartSeries> = series.into_iter().take(MAX_CHART_SERIES).collect();
    // The TUI's query panel follows the last range query run in this process.
    inv.views.remember_range(expr, window, shown.clone(), total);
    if m.get_flag("graph") && inv.format == OutputFormat::Table {
        if shown.is_empty() {
            writeln!(out, "no data in this range")?;
            return Ok(());
        }
        let width = inv.width.unwrap_or(100).clamp(40, 200);
        out.write_all(
            chart_text(&shown, window.start, window.end, width, 20, inv.color).as_bytes(),
        )?;
        if total > shown.len() {
            writeln!(out, "  (showing {} of {total} series)", shown.len())?;
        }
        return Ok(());
    }
    write_result(out, inv.format, &data).map_err(PromError::from)
}

fn required<'a>(m: &'a ArgMatches, name: &str) -> Result<&'a str, PromError> {
    m.get_one::<String>(name)
        .map(String::as_str)
        .ok_or_else(|| PromError::Usage(format!("missing <{}>", name.to_uppercase())))
}

/// The series of a result as chart lines (non-finite points dropped).
pub(crate) fn chart_series(data: &QueryData) -> Vec<ChartSeries> {
    let finite = |s: &Sample| s.value().is_finite().then_some((s.timestamp(), s.value()));
    match data {
        QueryData::Matrix(m) => m
            .iter()
            .map(|s| ChartSeries {
                name: series_name(s.metric()),
                points: s.samples().iter().filter_map(finite).collect(),
            })
            .collect(),
        QueryData::Vector(v) => v
            .iter()
            .map(|s| ChartSeries {
                name: series_name(s.metric()),
                points: finite(s.sample()).into_iter().collect(),
            })
            .collect(),
        QueryData::Scalar(s) => vec![ChartSeries {
            name: "scalar".to_owned(),
            points: finite(s).into_iter().collect(),
        }],
        QueryData::String(_) => Vec::new(),
    }
}

/// Writes a result in the chosen format.
pub(crate) fn write_result(
    out: &mut dyn Write,
    format: OutputFormat,
    data: &QueryData,
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        return write_structured(out, format, &to_json(data));
    }
    match data {
        QueryData::Vector(v) if v.is_empty() => writeln!(out, "no series matched"),
        QueryData::Matrix(m) if m.is_empty() => writeln!(out, "no series matched"),
        QueryData::Vector(v) => out.write_all(vector_table(v).render(false).as_bytes()),
        QueryData::Matrix(m) => out.write_all(matrix_table(m).render(false).as_bytes()),
        // Scalars and strings print plainly, like promtool does.
        QueryData::Scalar(s) => writeln!(out, "{}", sample_value(s.value())),
        QueryData::String((_, text)) => writeln!(out, "{text}"),
    }
}

fn write_warnings(
    out: &mut dyn Write,
    format: OutputFormat,
    warnings: &[String],
) -> Result<(), PromError> {
    // Structured output stays parseable; warnings are for people.
    if format == OutputFormat::Table {
        for warning in warnings {
            writeln!(out, "warning: {warning}")?;
        }
    }
    Ok(())
}

/// One column per label (the metric name first, as NAME), then VALUE.
pub(crate) fn vector_table(vector: &[InstantVector]) -> Table {
    let names: BTreeSet<&str> = vector
        .iter()
        .flat_map(|s| s.metric().keys().map(String::as_str))
        .filter(|k| *k != "__name__")
        .collect();
    let has_name = vector.iter().any(|s| s.metric().contains_key("__name__"));
    let mut headers: Vec<String> = Vec::new();
    if has_name {
        headers.push("NAME".to_owned());
    }
    headers.extend(names.iter().map(|n| n.to_uppercase()));
    headers.push("VALUE".to_owned());
    let mut rows: Vec<Vec<String>> = vector
        .iter()
        .map(|s| {
            let label = |k: &str| s.metric().get(k).cloned().unwrap_or_default();
            let mut row = Vec::new();
            if has_name {
                row.push(label("__name__"));
            }
            row.extend(names.iter().map(|n| label(n)));
            row.push(sample_value(s.sample().value()));
            row
        })
        .collect();
    rows.sort();
    let mut table = Table::new(headers);
    for row in rows {
        table.row(row.into_iter().map(Into::into).collect());
    }
    table
}

/// TIME down the side, one column per series (named in full, not uppercased:
/// label values are case-sensitive), blank where a series has no sample.
pub(crate) fn matrix_table(matrix: &[RangeVector]) -> Table {
    let mut series: Vec<(String, &RangeVector)> = matrix
        .iter()
        .map(|s| (series_name(s.metric()), s))
        .collect();
    series.sort_by(|a, b| a.0.cmp(&b.0));
    let mut grid: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (column, (_, s)) in series.iter().enumerate() {
        for sample in s.samples() {
            // Millisecond keys: samples of one step line up exactly.
            let key = (sample.timestamp() * 1000.0).round() as i64;
            let row = grid
                .entry(key)
                .or_insert_with(|| vec![String::new(); series.len()]);
            row[column] = sample_value(sample.value());
        }
    }
    let mut table =
        Table::new(std::iter::once("TIME".to_owned()).chain(series.iter().map(|(n, _)| n.clone())));
    for (ms, values) in grid {
        let mut row = vec![rfc3339(ms as f64 / 1000.0).into()];
        row.extend(values.into_iter().map(Into::into));
        table.row(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> QueryData {
        serde_json::from_str(json).unwrap()
    }

    const VECTOR: &str = r#"{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"prometheus","instance":"127.0.0.1:9090"},"value":[1700000000.5,"1"]},
        {"metric":{"__name__":"up","job":"down","instance":"127.0.0.1:1"},"value":[1700000000.5,"0"]}]}"#;

    #[test]
    fn vectors_become_label_columns() {
        let table = vector_table(match &decode(VECTOR) {
            QueryData::Vector(v) => v,
            other => panic!("{other:?}"),
        });
        assert_eq!(
            table.render(false),
            "NAME   INSTANCE         JOB          VALUE\n\
             up     127.0.0.1:1      down         0\n\
             up     127.0.0.1:9090   prometheus   1\n"
        );
    }

    #[test]
    fn json_keeps_the_prometheus_shape() {
        let mut out = Vec::new();
        write_result(&mut out, OutputFormat::Json, &decode(VECTOR)).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value[1]["metric"]["job"], "down");
        assert_eq!(value[0]["value"], serde_json::json!([1_700_000_000.5, "1"]));
        let mut out = Vec::new();
        write_result(
            &mut out,
            OutputFormat::Json,
            &decode(r#"{"resultType":"scalar","result":[1.5,"+Inf"]}"#),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\n  1.5,\n  \"+Inf\"\n]\n"
        );
    }

    #[test]
    fn scalars_and_strings_print_plainly() {
        let mut out = Vec::new();
        write_result(
            &mut out,
            OutputFormat::Table,
            &decode(r#"{"resultType":"string","result":[1,"hello"]}"#),
        )
        .unwrap();
        assert_eq!(out, b"hello\n");
    }

    #[test]
    fn matrices_become_a_time_grid() {
        let data = decode(
            r#"{"resultType":"matrix","result":[
            {"metric":{"job":"b"},"values":[[60,"2"],[120,"3"]]},
            {"metric":{"job":"a"},"values":[[0,"1"],[60,"NaN"]]}]}"#,
        );
        let QueryData::Matrix(m) = &data else {
            panic!("{data:?}")
        };
        assert_eq!(
            matrix_table(m).render(false),
            "TIME                   {job=\"a\"}   {job=\"b\"}\n\
             1970-01-01T00:00:00Z   1\n\
             1970-01-01T00:01:00Z   NaN         2\n\
             1970-01-01T00:02:00Z               3\n"
        );
        let chart = chart_series(&data);
        assert_eq!(chart[1].points, vec![(0.0, 1.0)], "NaN is not drawn");
    }
}
