//! `-o table` (the default): a vector as label columns, printed window by
//! window as its series arrive; a matrix as a time grid once it is complete;
//! scalars and strings plainly.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use super::{InstantSeries, Point, RangeSeries, Series, Sink};
use crate::format::{Table, sample_value, series_name};
use crate::time::rfc3339;

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
pub(super) struct TablePrinter<'o> {
    out: &'o mut (dyn Write + Send),
    window: Vec<InstantSeries>,
    /// Set once the result outgrew its first window.
    section: Option<Section>,
    matrix: Vec<RangeSeries>,
}

impl<'o> TablePrinter<'o> {
    pub(super) fn new(out: &'o mut (dyn Write + Send)) -> Self {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{MATRIX, VECTOR, decode, print, vector_of};
    use super::super::{QueryData, chart_series};
    use super::*;
    use crate::format::OutputFormat;

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
}
