//! A query's result, series by series: each element of `data.result` is
//! decoded as it arrives ([`crate::split`], [`crate::client::Api::split`])
//! and handed to a [`Sink`]. The printers write each series at once, so a
//! result of any size is printed in the memory of one series (one window
//! of them for a table); the [`Collector`] keeps them all for what needs
//! every series before it can draw anything (the range grid, the chart, the
//! TUI view).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use prometheus_http_query::response::Sample;
use serde::{Deserialize, Serialize};

use crate::client::{Receiver, Stop};
use vcli_plugin_api::print::to_yaml;

use crate::format::{OutputFormat, Table, sample_value, series_name, write_structured};
use crate::model::{ChartSeries, MAX_CHART_SERIES};
use crate::split::Piece;
use crate::time::rfc3339;

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

/// `data.resultType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultType {
    Vector,
    Matrix,
    Scalar,
    String,
}

/// An element of `data.result` as it comes: a vector's series has a
/// `value`, a matrix's `values` (`histogram`/`histograms`, the native
/// histograms, are not shown).
#[derive(Deserialize)]
struct Element {
    metric: Labels,
    value: Option<Sample>,
    values: Option<Vec<Sample>>,
}

/// Decodes the pieces of a split answer into series for a [`Sink`].
pub(crate) struct Decoder<'s> {
    sink: &'s mut dyn Sink,
    result_type: Option<ResultType>,
    /// The parts of a scalar or string result.
    point: Vec<serde_json::Value>,
    /// Whether the series are instant ones; fixed by the result type, or
    /// by the first series when the type has not come (yet).
    instant: Option<bool>,
    series: usize,
}

impl<'s> Decoder<'s> {
    pub(crate) fn new(sink: &'s mut dyn Sink) -> Self {
        Decoder {
            sink,
            result_type: None,
            point: Vec::new(),
            instant: None,
            series: 0,
        }
    }

    fn decode(&mut self, raw: &[u8]) -> Result<Series, Stop> {
        self.series += 1;
        let number = self.series;
        let element: Element = serde_json::from_slice(raw)
            .map_err(|e| Stop::Undecodable(format!("series {number}: {e}")))?;
        let instant = *self.instant.get_or_insert(element.value.is_some());
        match (instant, element.value, element.values) {
            (true, Some(sample), _) => Ok(Series::Instant(InstantSeries {
                metric: element.metric,
                sample,
            })),
            (false, _, Some(samples)) => Ok(Series::Range(RangeSeries {
                metric: element.metric,
                samples,
            })),
            (true, ..) => Err(Stop::Undecodable(format!(
                "series {number} of the vector has no value (native histograms are not shown)"
            ))),
            (false, ..) => Err(Stop::Undecodable(format!(
                "series {number} of the matrix has no values (native histograms are not shown)"
            ))),
        }
    }

    fn point(&mut self) -> Result<Option<Point>, Stop> {
        let parts = serde_json::Value::Array(std::mem::take(&mut self.point));
        let undecodable = |e: serde_json::Error| Stop::Undecodable(format!("the result: {e}"));
        match self.result_type {
            Some(ResultType::Scalar) => serde_json::from_value(parts)
                .map(|sample| Some(Point::Scalar(sample)))
                .map_err(undecodable),
            Some(ResultType::String) => serde_json::from_value::<(f64, String)>(parts)
                .map(|(t, text)| Some(Point::Text(t, text)))
                .map_err(undecodable),
            _ if parts.as_array().is_some_and(|p| !p.is_empty()) => Err(Stop::Undecodable(
                "a scalar or string result without a resultType".to_owned(),
            )),
            _ => Ok(None),
        }
    }
}

impl Receiver for Decoder<'_> {
    fn piece(&mut self, piece: Piece<'_>) -> Result<(), Stop> {
        match piece {
            Piece::ResultType(name) => {
                let kind = match name {
                    "vector" => ResultType::Vector,
                    "matrix" => ResultType::Matrix,
                    "scalar" => ResultType::Scalar,
                    "string" => ResultType::String,
                    other => {
                        return Err(Stop::Undecodable(format!("unknown resultType {other:?}")));
                    }
                };
                self.result_type = Some(kind);
                match kind {
                    ResultType::Vector => self.instant = Some(true),
                    ResultType::Matrix => self.instant = Some(false),
                    ResultType::Scalar | ResultType::String => {}
                }
                Ok(())
            }
            Piece::Element(raw) => {
                let object = raw.first() == Some(&b'{');
                let point = match self.result_type {
                    Some(ResultType::Scalar | ResultType::String) => true,
                    Some(ResultType::Vector | ResultType::Matrix) => false,
                    None => !object,
                };
                if point {
                    if self.point.len() == 2 {
                        return Err(Stop::Undecodable(
                            "a scalar or string result of more than two parts".to_owned(),
                        ));
                    }
                    let part = serde_json::from_slice(raw)
                        .map_err(|e| Stop::Undecodable(format!("the result: {e}")))?;
                    self.point.push(part);
                    return Ok(());
                }
                let series = self.decode(raw)?;
                self.sink.series(series).map_err(Stop::Output)
            }
        }
    }

    fn idle(&mut self) -> Result<(), Stop> {
        self.sink.flush().map_err(Stop::Output)
    }

    fn end(&mut self) -> Result<(), Stop> {
        let point = self.point()?;
        self.sink.end(point).map_err(Stop::Output)
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

/// Series of a vector table, at most this many at a time. An answer of at
/// most this many series prints as one table: sorted, every label a column,
/// each column as wide as its widest cell. A larger answer prints as it
/// arrives, in the server's order, a window of this many rows at a time,
/// the way `kubectl get` prints a list it receives in chunks of 500: the
/// first window fixes the columns and their widths; a later window may
/// widen a column (never narrow it) for its own rows; a window whose series
/// have a label the columns lack starts a new table, after a blank line,
/// with a header of its own. So memory stays that of one window, and the
/// first lines appear as soon as the first window is complete.
pub(crate) const TABLE_WINDOW: usize = 500;

/// The columns of a vector table: NAME (the metric name) when a series has
/// one, one column per other label, then VALUE.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Columns {
    name: bool,
    labels: BTreeSet<String>,
}

impl Columns {
    fn of(series: &[InstantSeries]) -> Columns {
        let mut columns = Columns {
            name: false,
            labels: BTreeSet::new(),
        };
        for s in series {
            for key in s.metric.keys() {
                if key == "__name__" {
                    columns.name = true;
                } else if !columns.labels.contains(key) {
                    columns.labels.insert(key.clone());
                }
            }
        }
        columns
    }

    /// Whether every cell of `other`'s series has a column here.
    fn holds(&self, other: &Columns) -> bool {
        (self.name || !other.name) && other.labels.is_subset(&self.labels)
    }

    fn headers(&self) -> Vec<String> {
        let mut headers = Vec::with_capacity(self.labels.len() + 2);
        if self.name {
            headers.push("NAME".to_owned());
        }
        headers.extend(self.labels.iter().map(|n| n.to_uppercase()));
        headers.push("VALUE".to_owned());
        headers
    }

    fn row(&self, s: &InstantSeries) -> Vec<String> {
        let label = |k: &str| s.metric.get(k).cloned().unwrap_or_default();
        let mut row = Vec::with_capacity(self.labels.len() + 2);
        if self.name {
            row.push(label("__name__"));
        }
        row.extend(self.labels.iter().map(|n| label(n)));
        row.push(sample_value(s.sample.value()));
        row
    }
}

/// One column per label (the metric name first, as NAME), then VALUE;
/// rows sorted.
pub(crate) fn vector_table(vector: &[InstantSeries]) -> Table {
    let columns = Columns::of(vector);
    let mut rows: Vec<Vec<String>> = vector.iter().map(|s| columns.row(s)).collect();
    rows.sort();
    let mut table = Table::new(columns.headers());
    for row in rows {
        table.row(row);
    }
    table
}

/// TIME down the side, one column per series (named in full, not uppercased:
/// label values are case-sensitive), blank where a series has no sample.
pub(crate) fn matrix_table(matrix: &[RangeSeries]) -> Table {
    let mut series: Vec<(String, &RangeSeries)> =
        matrix.iter().map(|s| (series_name(&s.metric), s)).collect();
    series.sort_by(|a, b| a.0.cmp(&b.0));
    let mut grid: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (column, (_, s)) in series.iter().enumerate() {
        for sample in &s.samples {
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
        table.row(std::iter::once(rfc3339(ms as f64 / 1000.0)).chain(values));
    }
    table
}

/// The columns a windowed table prints under, and the table that
/// remembers how wide they are so far.
#[derive(Debug)]
struct Section {
    columns: Columns,
    table: Table,
}

/// Tables: vectors in windows of [`TABLE_WINDOW`] series (see there), a
/// matrix as a time grid once it is complete (it has a column per series
/// and a row per step, so it cannot be printed before), scalars and strings
/// plainly, as promtool prints them.
struct TablePrinter<'o> {
    out: &'o mut (dyn Write + Send),
    window: Vec<InstantSeries>,
    /// Set once the result outgrew its first window.
    section: Option<Section>,
    matrix: Vec<RangeSeries>,
}

impl<'o> TablePrinter<'o> {
    fn new(out: &'o mut (dyn Write + Send)) -> Self {
        TablePrinter {
            out,
            window: Vec::new(),
            section: None,
            matrix: Vec::new(),
        }
    }

    /// Prints the window's rows as they came, under the current columns,
    /// or under new ones when they do not fit.
    fn print_window(&mut self) -> io::Result<()> {
        let columns = Columns::of(&self.window);
        let mut text = String::new();
        let mut section = match self.section.take() {
            Some(section) if section.columns.holds(&columns) => section,
            previous => {
                if previous.is_some() {
                    text.push('\n');
                }
                let table = Table::new(columns.headers());
                Section { columns, table }
            }
        };
        for s in &self.window {
            let row = section.columns.row(s);
            section.table.row(row);
        }
        text.push_str(&section.table.flush(false));
        self.window.clear();
        self.section = Some(section);
        self.out.write_all(text.as_bytes())
    }
}

impl Sink for TablePrinter<'_> {
    fn series(&mut self, series: Series) -> io::Result<()> {
        match series {
            Series::Instant(s) => {
                // A full window and one more series: the result is larger
                // than a window, so it prints window by window from here.
                if self.window.len() == TABLE_WINDOW {
                    self.print_window()?;
                }
                self.window.push(s);
            }
            Series::Range(s) => self.matrix.push(s),
        }
        Ok(())
    }

    fn end(&mut self, point: Option<Point>) -> io::Result<()> {
        match point {
            Some(Point::Scalar(s)) => writeln!(self.out, "{}", sample_value(s.value())),
            Some(Point::Text(_, text)) => writeln!(self.out, "{text}"),
            None if !self.matrix.is_empty() => self
                .out
                .write_all(matrix_table(&self.matrix).render(false).as_bytes()),
            None if self.section.is_some() => self.print_window(),
            None if self.window.is_empty() => writeln!(self.out, "no series matched"),
            None => self
                .out
                .write_all(vector_table(&self.window).render(false).as_bytes()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A vector's element as Prometheus writes it: values are strings.
#[derive(Serialize)]
struct VectorItem<'a> {
    metric: &'a Labels,
    value: (f64, String),
}

/// A matrix's element.
#[derive(Serialize)]
struct MatrixItem<'a> {
    metric: &'a Labels,
    values: Vec<(f64, String)>,
}

fn point_of(s: &Sample) -> (f64, String) {
    (s.timestamp(), sample_value(s.value()))
}

/// Serializes a series as its element of `data.result`.
fn item<S: serde::Serializer>(series: &Series, serializer: S) -> Result<S::Ok, S::Error> {
    match series {
        Series::Instant(s) => VectorItem {
            metric: &s.metric,
            value: point_of(&s.sample),
        }
        .serialize(serializer),
        Series::Range(s) => MatrixItem {
            metric: &s.metric,
            values: s.samples.iter().map(point_of).collect(),
        }
        .serialize(serializer),
    }
}

/// A scalar or string result as Prometheus writes it: `[time, "value"]`.
fn write_point(out: &mut dyn Write, format: OutputFormat, point: &Point) -> io::Result<()> {
    let pair = match point {
        Point::Scalar(s) => point_of(s),
        Point::Text(t, text) => (*t, text.clone()),
    };
    write_structured(out, format, &pair)
}

/// `-o json`: `data.result` pretty-printed, the array's brackets written
/// around the series as they come; byte for byte what serializing the whole
/// array at once prints.
struct JsonPrinter<'o> {
    out: &'o mut (dyn Write + Send),
    written: usize,
    item: Vec<u8>,
    indented: Vec<u8>,
}

impl<'o> JsonPrinter<'o> {
    fn new(out: &'o mut (dyn Write + Send)) -> Self {
        JsonPrinter {
            out,
            written: 0,
            item: Vec::new(),
            indented: Vec::new(),
        }
    }
}

impl Sink for JsonPrinter<'_> {
    fn series(&mut self, series: Series) -> io::Result<()> {
        self.item.clear();
        item(&series, &mut serde_json::Serializer::pretty(&mut self.item))
            .map_err(io::Error::other)?;
        // One level deeper than a value of its own: every line indented by
        // two spaces (JSON strings hold no raw newlines, so every newline
        // here starts a line).
        self.indented.clear();
        self.indented.extend_from_slice(if self.written == 0 {
            b"[\n  "
        } else {
            b",\n  "
        });
        for &b in &self.item {
            self.indented.push(b);
            if b == b'\n' {
                self.indented.extend_from_slice(b"  ");
            }
        }
        self.written += 1;
        self.out.write_all(&self.indented)
    }

    fn end(&mut self, point: Option<Point>) -> io::Result<()> {
        match point {
            Some(point) => write_point(self.out, OutputFormat::Json, &point),
            None if self.written == 0 => self.out.write_all(b"[]\n"),
            None => self.out.write_all(b"\n]\n"),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `-o yaml`: a block sequence, one entry per series as it comes; byte for
/// byte what serializing the whole sequence at once prints.
struct YamlPrinter<'o> {
    out: &'o mut (dyn Write + Send),
    written: usize,
}

impl<'o> YamlPrinter<'o> {
    fn new(out: &'o mut (dyn Write + Send)) -> Self {
        YamlPrinter { out, written: 0 }
    }
}

/// A series as a one-entry sequence, for the YAML printer.
struct One<'a>(&'a Series);

impl Serialize for One<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        struct Item<'a>(&'a Series);
        impl Serialize for Item<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                item(self.0, serializer)
            }
        }
        let mut seq = serializer.serialize_seq(Some(1))?;
        seq.serialize_element(&Item(self.0))?;
        seq.end()
    }
}

impl Sink for YamlPrinter<'_> {
    fn series(&mut self, series: Series) -> io::Result<()> {
        let text = to_yaml(&One(&series))?;
        self.written += 1;
        self.out.write_all(text.as_bytes())
    }

    fn end(&mut self, point: Option<Point>) -> io::Result<()> {
        match point {
            Some(point) => write_point(self.out, OutputFormat::Yaml, &point),
            None if self.written == 0 => self.out.write_all(b"[]\n"),
            None => Ok(()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Keeps every series, for what needs the whole result.
#[derive(Debug)]
pub(crate) struct Collector {
    data: QueryData,
}

impl Default for Collector {
    fn default() -> Self {
        Collector {
            data: QueryData::Vector(Vec::new()),
        }
    }
}

impl Collector {
    pub(crate) fn into_data(self) -> QueryData {
        self.data
    }
}

impl Sink for Collector {
    fn series(&mut self, series: Series) -> io::Result<()> {
        match (&mut self.data, series) {
            (QueryData::Vector(v), Series::Instant(s)) => v.push(s),
            (QueryData::Matrix(m), Series::Range(s)) => m.push(s),
            (QueryData::Vector(v), Series::Range(s)) if v.is_empty() => {
                self.data = QueryData::Matrix(vec![s]);
            }
            // The decoder keeps a result to one kind of series.
            _ => return Err(io::Error::other("a result mixing instant and range series")),
        }
        Ok(())
    }

    fn end(&mut self, point: Option<Point>) -> io::Result<()> {
        match point {
            Some(Point::Scalar(s)) => self.data = QueryData::Scalar(s),
            Some(Point::Text(t, text)) => self.data = QueryData::String((t, text)),
            None => {}
        }
        Ok(())
    }
}

/// Passes series on to another sink and keeps the first few as chart
/// lines, for the TUI's query panel, with the count of them all.
pub(crate) struct ChartTap<'s> {
    inner: &'s mut dyn Sink,
    shown: Vec<ChartSeries>,
    total: usize,
}

impl<'s> ChartTap<'s> {
    pub(crate) fn new(inner: &'s mut dyn Sink) -> Self {
        ChartTap {
            inner,
            shown: Vec::new(),
            total: 0,
        }
    }

    /// The chart lines kept and how many series there were.
    pub(crate) fn into_chart(self) -> (Vec<ChartSeries>, usize) {
        (self.shown, self.total)
    }
}

impl Sink for ChartTap<'_> {
    fn series(&mut self, series: Series) -> io::Result<()> {
        self.total += 1;
        if self.shown.len() < MAX_CHART_SERIES {
            self.shown.push(chart_line(&series));
        }
        self.inner.series(series)
    }

    fn end(&mut self, point: Option<Point>) -> io::Result<()> {
        if let Some(Point::Scalar(s)) = &point {
            self.total += 1;
            self.shown.push(scalar_line(s));
        }
        self.inner.end(point)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn finite(s: &Sample) -> Option<(f64, f64)> {
    s.value().is_finite().then_some((s.timestamp(), s.value()))
}

/// A series as a chart line (non-finite points dropped).
fn line<'a>(metric: &Labels, samples: impl IntoIterator<Item = &'a Sample>) -> ChartSeries {
    ChartSeries {
        name: series_name(metric),
        points: samples.into_iter().filter_map(finite).collect(),
    }
}

fn chart_line(series: &Series) -> ChartSeries {
    match series {
        Series::Instant(s) => line(&s.metric, [&s.sample]),
        Series::Range(s) => line(&s.metric, &s.samples),
    }
}

fn scalar_line(s: &Sample) -> ChartSeries {
    ChartSeries {
        name: "scalar".to_owned(),
        points: finite(s).into_iter().collect(),
    }
}

/// The series of a result as chart lines.
pub(crate) fn chart_series(data: &QueryData) -> Vec<ChartSeries> {
    match data {
        QueryData::Matrix(m) => m.iter().map(|s| line(&s.metric, &s.samples)).collect(),
        QueryData::Vector(v) => v.iter().map(|s| line(&s.metric, [&s.sample])).collect(),
        QueryData::Scalar(s) => vec![scalar_line(s)],
        QueryData::String(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::{Fault, Splitter};

    /// Runs `{"status":"success","data":DATA}` through the splitter and a
    /// decoder into `sink`, in pieces of `step` bytes.
    fn split_into(data: &str, sink: &mut dyn Sink, step: usize) -> Result<(), String> {
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

    fn decode(data: &str) -> QueryData {
        let mut collector = Collector::default();
        split_into(data, &mut collector, 7).unwrap();
        collector.into_data()
    }

    fn print(data: &str, format: OutputFormat) -> String {
        let mut out = Vec::new();
        split_into(data, &mut *printer(&mut out, format), 64).unwrap();
        String::from_utf8(out).unwrap()
    }

    const VECTOR: &str = r#"{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"prometheus","instance":"127.0.0.1:9090"},"value":[1700000000.5,"1"]},
        {"metric":{"__name__":"up","job":"down","instance":"127.0.0.1:1"},"value":[1700000000.5,"0"]}]}"#;

    const MATRIX: &str = r#"{"resultType":"matrix","result":[
        {"metric":{"job":"b"},"values":[[60,"2"],[120,"3"]]},
        {"metric":{"job":"a"},"values":[[0,"1"],[60,"NaN"]]}]}"#;

    #[test]
    fn vectors_become_label_columns() {
        let expected = "NAME   INSTANCE         JOB          VALUE\n\
                        up     127.0.0.1:1      down         0\n\
                        up     127.0.0.1:9090   prometheus   1\n";
        let QueryData::Vector(v) = decode(VECTOR) else {
            panic!("not a vector")
        };
        assert_eq!(vector_table(&v).render(false), expected);
        assert_eq!(print(VECTOR, OutputFormat::Table), expected);
        assert_eq!(
            print(
                r#"{"resultType":"vector","result":[]}"#,
                OutputFormat::Table
            ),
            "no series matched\n"
        );
    }

    #[test]
    fn json_keeps_the_prometheus_shape() {
        let value: serde_json::Value =
            serde_json::from_str(&print(VECTOR, OutputFormat::Json)).unwrap();
        assert_eq!(value[1]["metric"]["job"], "down");
        assert_eq!(value[0]["value"], serde_json::json!([1_700_000_000.5, "1"]));
        assert_eq!(
            print(
                r#"{"resultType":"scalar","result":[1.5,"+Inf"]}"#,
                OutputFormat::Json
            ),
            "[\n  1.5,\n  \"+Inf\"\n]\n"
        );
        assert_eq!(
            print(r#"{"resultType":"matrix","result":[]}"#, OutputFormat::Json),
            "[]\n"
        );
    }

    /// What printing the whole result at once gives, as the plugin did
    /// before it printed series by series.
    fn whole(data: &str, format: OutputFormat) -> String {
        let series: Vec<Series> = match decode(data) {
            QueryData::Vector(v) => v.into_iter().map(Series::Instant).collect(),
            QueryData::Matrix(m) => m.into_iter().map(Series::Range).collect(),
            other => panic!("{other:?}"),
        };
        struct All(Vec<Series>);
        impl Serialize for All {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq as _;
                struct Item<'a>(&'a Series);
                impl Serialize for Item<'_> {
                    fn serialize<S: serde::Serializer>(
                        &self,
                        serializer: S,
                    ) -> Result<S::Ok, S::Error> {
                        item(self.0, serializer)
                    }
                }
                let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
                for s in &self.0 {
                    seq.serialize_element(&Item(s))?;
                }
                seq.end()
            }
        }
        let mut out = Vec::new();
        write_structured(&mut out, format, &All(series)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_and_yaml_print_series_by_series_what_the_whole_would_print() {
        for data in [VECTOR, MATRIX, r#"{"resultType":"vector","result":[]}"#] {
            for format in [OutputFormat::Json, OutputFormat::Yaml] {
                assert_eq!(
                    print(data, format),
                    whole(data, format),
                    "{format:?} of {data}"
                );
            }
        }
        assert!(
            print(MATRIX, OutputFormat::Yaml).starts_with("- metric:\n    job: b\n  values:\n")
        );
    }

    #[test]
    fn scalars_and_strings_print_plainly() {
        assert_eq!(
            print(
                r#"{"resultType":"string","result":[1,"hello"]}"#,
                OutputFormat::Table
            ),
            "hello\n"
        );
        assert_eq!(
            print(
                r#"{"resultType":"scalar","result":[1,"2"]}"#,
                OutputFormat::Table
            ),
            "2\n"
        );
    }

    #[test]
    fn matrices_become_a_time_grid() {
        let data = decode(MATRIX);
        let QueryData::Matrix(m) = &data else {
            panic!("{data:?}")
        };
        let expected = "TIME                   {job=\"a\"}   {job=\"b\"}\n\
                        1970-01-01T00:00:00Z   1\n\
                        1970-01-01T00:01:00Z   NaN         2\n\
                        1970-01-01T00:02:00Z               3\n";
        assert_eq!(matrix_table(m).render(false), expected);
        assert_eq!(print(MATRIX, OutputFormat::Table), expected);
        let chart = chart_series(&data);
        assert_eq!(chart[1].points, vec![(0.0, 1.0)], "NaN is not drawn");
    }

    /// A vector of `count` series named by `label(i)`, in descending order.
    fn vector_of(count: usize, label: impl Fn(usize) -> String) -> String {
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

    #[test]
    fn a_vector_of_one_window_prints_as_one_sorted_table() {
        let data = vector_of(TABLE_WINDOW, |i| format!(r#""i":"{i:04}""#));
        let QueryData::Vector(v) = decode(&data) else {
            panic!("not a vector")
        };
        let text = print(&data, OutputFormat::Table);
        assert_eq!(text, vector_table(&v).render(false));
        assert!(
            text.lines().nth(1).unwrap().starts_with("m      0000   0"),
            "sorted"
        );
    }

    #[test]
    fn a_larger_vector_prints_window_by_window_in_the_servers_order() {
        // Series 1199 down to 0; series 0 to 99 have a wider `i`.
        let data = vector_of(2 * TABLE_WINDOW + 200, |i| {
            if i < 100 {
                format!(r#""i":"wide-{i:04}""#)
            } else {
                format!(r#""i":"{i:04}""#)
            }
        });
        let text = print(&data, OutputFormat::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 1200, "one header");
        assert_eq!(lines[0], "NAME   I      VALUE");
        assert_eq!(lines[1], "m      1199   1199", "the server's order");
        assert_eq!(
            lines[1000], "m      0200   200",
            "the end of the second window"
        );
        // The last window (series 199 to 0) widens `I` for its own rows.
        assert_eq!(lines[1001], "m      0199        199");
        assert_eq!(lines[1101], "m      wide-0099   99");
        assert_eq!(lines[1200], "m      wide-0000   0");
    }

    #[test]
    fn a_window_with_new_labels_starts_a_new_table() {
        let data = vector_of(TABLE_WINDOW + 3, |i| {
            if i < 2 {
                format!(r#""i":"{i}","zone":"z{i}""#)
            } else {
                format!(r#""i":"{i}""#)
            }
        });
        let text = print(&data, OutputFormat::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "NAME   I     VALUE");
        assert_eq!(lines[1], "m      502   502");
        // The last window: series 2 (no zone), 1 and 0 (with one).
        let tail = &lines[lines.len() - 5..];
        assert_eq!(
            tail,
            [
                "",
                "NAME   I   ZONE   VALUE",
                "m      2          2",
                "m      1   z1     1",
                "m      0   z0     0",
            ]
        );
    }

    #[test]
    fn undecodable_series_are_named() {
        let mut sink = Collector::default();
        let err = split_into(
            r#"{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]},{"metric":{},"histogram":[1,{}]}]}"#,
            &mut sink,
            5,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "series 2 of the vector has no value (native histograms are not shown)"
        );
        let err = split_into(
            r#"{"resultType":"vector","result":[{"metric":1}]}"#,
            &mut sink,
            5,
        )
        .unwrap_err();
        assert!(err.starts_with("series 1: invalid type"), "{err}");
        let err =
            split_into(r#"{"resultType":"histogram","result":[]}"#, &mut sink, 5).unwrap_err();
        assert_eq!(err, r#"unknown resultType "histogram""#);
    }

    #[test]
    fn a_result_before_its_type_is_decoded_by_shape() {
        let data =
            decode(r#"{"result":[{"metric":{"a":"b"},"values":[[1,"2"]]}],"resultType":"matrix"}"#);
        assert!(
            matches!(&data, QueryData::Matrix(m) if m.len() == 1),
            "{data:?}"
        );
        let data = decode(r#"{"result":[3,"4"],"resultType":"scalar"}"#);
        assert!(
            matches!(&data, QueryData::Scalar(s) if s.value() == 4.0),
            "{data:?}"
        );
    }

    #[test]
    fn the_chart_tap_keeps_the_first_lines_and_counts_all() {
        let data = vector_of(20, |i| format!(r#""i":"{i}""#));
        let mut out = Vec::new();
        let mut sink = printer(&mut out, OutputFormat::Json);
        let mut tap = ChartTap::new(&mut *sink);
        split_into(&data, &mut tap, 100).unwrap();
        let (shown, total) = tap.into_chart();
        assert_eq!(total, 20);
        assert_eq!(shown.len(), MAX_CHART_SERIES);
        assert_eq!(shown[0].name, r#"m{i="19"}"#);
    }
}
