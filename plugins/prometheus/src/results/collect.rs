//! What keeps series rather than printing them: the [`Collector`], for what
//! needs the whole result, and the [`ChartTap`], which keeps the first few as
//! chart lines for the TUI while passing every series on.

use std::io;

use prometheus_http_query::response::Sample;

use super::{Labels, Point, QueryData, Series, Sink};
use crate::format::series_name;
use crate::model::{ChartSeries, MAX_CHART_SERIES};

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
    use super::super::printer;
    use super::super::test_support::{split_into, vector_of};
    use super::*;
    use crate::format::OutputFormat;

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
