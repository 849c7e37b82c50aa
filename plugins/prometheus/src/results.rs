//! A query's result, series by series: each element of `data.result` is
//! decoded as it arrives ([`crate::split`], [`crate::client::Api::split`])
//! and handed to a [`Sink`]. The printers write each series at once, so a
//! result of any size is printed in the memory of one series (one window
//! of them for a table); the [`Collector`] keeps them all for what needs
//! every series before it can draw anything (the range grid, the chart, the
//! TUI view).
//!
//! The decoder is in `results/decode.rs`, the table printer in
//! `results/table.rs`, the JSON and YAML printers in
//! `results/structured.rs`, and what keeps series (the collector, the
//! chart tap) in `results/collect.rs`.

mod collect;
mod decode;
mod structured;
mod table;

use std::collections::BTreeMap;
use std::io::{self, Write};

use prometheus_http_query::response::Sample;

use crate::format::OutputFormat;
pub(crate) use collect::{ChartTap, Collector, chart_series};
pub(crate) use decode::Decoder;
use structured::{JsonPrinter, YamlPrinter};
use table::TablePrinter;

/// Labels, sorted by name (so JSON and YAML print them in a stable order).
pub(crate) type Labels = BTreeMap<String, String>;

/// One series of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InstantSeries {
    pub(crate) metric: Labels,
    pub(crate) sample: Sample,
}

/// One series of a range vector (a matrix).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RangeSeries {
    pub(crate) metric: Labels,
    pub(crate) samples: Vec<Sample>,
}

/// One element of a vector or matrix result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Series {
    Instant(InstantSeries),
    Range(RangeSeries),
}

/// A scalar or string result: one point instead of series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Point {
    Scalar(Sample),
    Text(f64, String),
}

/// A whole result, for what needs all of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum QueryData {
    Vector(Vec<InstantSeries>),
    Matrix(Vec<RangeSeries>),
    Scalar(Sample),
    String((f64, String)),
}

/// Where the series of a result go, in the server's order.
pub(crate) trait Sink: Send {
    /// The next series.
    fn series(&mut self, series: Series) -> io::Result<()>;
    /// The result is complete; `point` holds a scalar or string result.
    fn end(&mut self, point: Option<Point>) -> io::Result<()>;
    /// Nothing more has arrived for now: pass on what was written.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The printer for `format`, writing to `out`.
pub(crate) fn printer<'o>(
    out: &'o mut (dyn Write + Send),
    format: OutputFormat,
) -> Box<dyn Sink + 'o> {
    match format {
        OutputFormat::Table => Box::new(TablePrinter::new(out)),
        OutputFormat::Json => Box::new(JsonPrinter::new(out)),
        OutputFormat::Yaml => Box::new(YamlPrinter::new(out)),
    }
}

/// Writes a whole result in `format`, as its printer does series by series.
pub(crate) fn write_result(
    out: &mut (dyn Write + Send),
    format: OutputFormat,
    data: QueryData,
) -> io::Result<()> {
    let mut sink = printer(out, format);
    let point = match data {
        QueryData::Vector(v) => {
            for s in v {
                sink.series(Series::Instant(s))?;
            }
            None
        }
        QueryData::Matrix(m) => {
            for s in m {
                sink.series(Series::Range(s))?;
            }
            None
        }
        QueryData::Scalar(s) => Some(Point::Scalar(s)),
        QueryData::String((t, text)) => Some(Point::Text(t, text)),
    };
    sink.end(point)
}

/// What the submodules' tests share: answers run through the splitter and a
/// decoder, and sample results.
#[cfg(test)]
mod test_support {
    use super::*;
    use crate::client::{Receiver, Stop};
    use crate::split::{Fault, Splitter};

    /// Runs `{"status":"success","data":DATA}` through the splitter and a
    /// decoder into `sink`, in pieces of `step` bytes.
    pub(super) fn split_into(data: &str, sink: &mut dyn Sink, step: usize) -> Result<(), String> {
        let body = format!(r#"{{"status":"success","data":{data}}}"#);
        let mut splitter = Splitter::default();
        let mut decoder = Decoder::new(sink);
        let fault = |f: Fault<Stop>| match f {
            Fault::Malformed(m) => m,
            Fault::Receiver(Stop::Undecodable(m)) => m,
            Fault::Receiver(Stop::Output(e)) => e.to_string(),
        };
        for chunk in body.as_bytes().chunks(step) {
            splitter
                .feed(chunk, &mut |piece| decoder.piece(piece))
                .map_err(fault)?;
            decoder.idle().map_err(|s| fault(Fault::Receiver(s)))?;
        }
        splitter.finish::<Stop>().map_err(fault)?;
        decoder.end().map_err(|s| fault(Fault::Receiver(s)))
    }

    pub(super) fn decode(data: &str) -> QueryData {
        let mut collector = Collector::default();
        split_into(data, &mut collector, 7).unwrap();
        collector.into_data()
    }

    pub(super) fn print(data: &str, format: OutputFormat) -> String {
        let mut out = Vec::new();
        split_into(data, &mut *printer(&mut out, format), 64).unwrap();
        String::from_utf8(out).unwrap()
    }

    pub(super) const VECTOR: &str = r#"{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"prometheus","instance":"127.0.0.1:9090"},"value":[1700000000.5,"1"]},
        {"metric":{"__name__":"up","job":"down","instance":"127.0.0.1:1"},"value":[1700000000.5,"0"]}]}"#;

    pub(super) const MATRIX: &str = r#"{"resultType":"matrix","result":[
        {"metric":{"job":"b"},"values":[[60,"2"],[120,"3"]]},
        {"metric":{"job":"a"},"values":[[0,"1"],[60,"NaN"]]}]}"#;

    /// A vector of `count` series named by `label(i)`, in descending order.
    pub(super) fn vector_of(count: usize, label: impl Fn(usize) -> String) -> String {
        let series: Vec<String> = (0..count)
            .rev()
            .map(|i| {
                format!(
                    r#"{{"metric":{{"__name__":"m",{}}},"value":[1,"{i}"]}}"#,
                    label(i)
                )
            })
            .collect();
        format!(
            r#"{{"resultType":"vector","result":[{}]}}"#,
            series.join(",")
        )
    }
}
