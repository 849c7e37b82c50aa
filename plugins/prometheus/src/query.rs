//! `prom query` and `prom range`: PromQL results as tables, as JSON/YAML in
//! the shape of Prometheus's own `data.result`, and as a terminal chart.

use std::io::Write;

use clap::ArgMatches;

use crate::cli::{Invocation, Out};
use crate::client::{Api, Params};
use crate::error::PromError;
use crate::format::OutputFormat;
use crate::graph::chart_text;
use crate::model::{ChartSeries, MAX_CHART_SERIES};
use crate::results::{
    ChartTap, Collector, Decoder, QueryData, chart_series, printer, write_result,
};
use crate::time::{Window, WindowFlags, param, parse_time};

fn range_params(expr: &str, window: Window) -> Params {
    vec![
        ("query", expr.to_owned()),
        ("start", param(window.start)),
        ("end", param(window.end)),
        ("step", format!("{}", window.step)),
    ]
}

/// Runs a range query over `window`, keeping every series.
pub(crate) async fn fetch_range(
    api: &Api,
    expr: &str,
    window: Window,
) -> Result<QueryData, PromError> {
    let mut collector = Collector::default();
    api.split(
        "api/v1/query_range",
        &range_params(expr, window),
        &mut Decoder::new(&mut collector),
    )
    .await?;
    Ok(collector.into_data())
}

/// `prom query EXPR [--time T]`: the result printed series by series as
/// it arrives.
pub(crate) async fn run_instant(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let expr = required(m, "expr")?;
    let mut params: Params = vec![("query", expr.to_owned())];
    if let Some(t) = m.get_one::<String>("time") {
        let time = parse_time("--time", t, inv.now).map_err(PromError::Usage)?;
        params.push(("time", param(time)));
    }
    let mut sink = printer(out, inv.format);
    let warnings = inv
        .api
        .split("api/v1/query", &params, &mut Decoder::new(&mut *sink))
        .await?;
    drop(sink);
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
    if inv.format != OutputFormat::Table {
        // JSON and YAML go out series by series; the TUI's query panel
        // (which follows the last range query run in this process) keeps
        // the first few.
        let mut sink = printer(out, inv.format);
        let mut tap = ChartTap::new(&mut *sink);
        inv.api
            .split(
                "api/v1/query_range",
                &range_params(expr, window),
                &mut Decoder::new(&mut tap),
            )
            .await?;
        let (shown, total) = tap.into_chart();
        inv.views.remember_range(expr, window, shown, total);
        return Ok(());
    }
    // The grid has a column per series and the chart a line per series:
    // both need the whole result.
    let data = fetch_range(&inv.api, expr, window).await?;
    let series = chart_series(&data);
    let total = series.len();
    let shown: Vec<ChartSeries> = series.into_iter().take(MAX_CHART_SERIES).collect();
    inv.views.remember_range(expr, window, shown.clone(), total);
    if m.get_flag("graph") {
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
    write_result(out, inv.format, data).map_err(PromError::from)
}

fn required<'a>(m: &'a ArgMatches, name: &str) -> Result<&'a str, PromError> {
    m.get_one::<String>(name)
        .map(String::as_str)
        .ok_or_else(|| PromError::Usage(format!("missing <{}>", name.to_uppercase())))
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
