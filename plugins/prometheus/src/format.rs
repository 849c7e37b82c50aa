//! Output: kubectl-style tables (no borders, UPPERCASE headers, colour only
//! on a terminal), stable JSON and YAML, and the number formats they share.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

/// `-o table|json|yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// Pretty-printed JSON for programs.
    Json,
    /// YAML for programs and people.
    Yaml,
}

/// Writes `value` as JSON or YAML. Maps are `BTreeMap`s throughout, so the
/// key order (and therefore the output) is stable between runs.
pub(crate) fn write_structured<T: Serialize>(
    out: &mut dyn Write,
    format: OutputFormat,
    value: &T,
) -> io::Result<()> {
    match format {
        OutputFormat::Yaml => {
            let text = serde_yaml::to_string(value).map_err(io::Error::other)?;
            out.write_all(text.as_bytes())
        }
        // A table was asked for something that has no table form: JSON is
        // the honest fallback.
        OutputFormat::Json | OutputFormat::Table => {
            serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
            out.write_all(b"\n")
        }
    }
}

/// A terminal colour for one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tint {
    Green,
    Red,
    Yellow,
}

impl Tint {
    fn ansi(self) -> &'static str {
        match self {
            Tint::Green => "\x1b[32m",
            Tint::Red => "\x1b[31m",
            Tint::Yellow => "\x1b[33m",
        }
    }
}

/// A table cell: text and an optional colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cell {
    text: String,
    tint: Option<Tint>,
}

impl Cell {
    pub(crate) fn tinted(text: impl Into<String>, tint: Option<Tint>) -> Self {
        Cell {
            text: text.into(),
            tint,
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Self {
        Cell::tinted(text, None)
    }
}

/// Columns aligned like kubectl: three spaces between columns, no borders,
/// no trailing spaces. Widths count characters, and colour codes are added
/// after padding so they never shift a column.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these headers (already UPPERCASE).
    pub(crate) fn new<H: Into<String>>(headers: impl IntoIterator<Item = H>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing trailing cells are blank.
    pub(crate) fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The table as text, with ANSI colour when `color` is set.
    pub(crate) fn render(&self, color: bool) -> String {
        let columns = self
            .headers
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut widths = vec![0; columns];
        widen(&mut widths, self.headers.iter().map(String::as_str));
        for row in &self.rows {
            widen(&mut widths, row.iter().map(|c| c.text.as_str()));
        }
        let mut text = String::new();
        let header: Vec<Cell> = self.headers.iter().map(Cell::from).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let cells = (0..columns).map(|i| {
                let cell = row.get(i);
                let tint = cell.and_then(|c| c.tint).filter(|_| color);
                (cell.map_or("", |c| c.text.as_str()), tint)
            });
            push_line(&mut text, cells, &widths);
        }
        text
    }
}

/// Widens `widths` to fit `cells` (counted in characters).
pub(crate) fn widen<'a>(widths: &mut [usize], cells: impl IntoIterator<Item = &'a str>) {
    for (width, cell) in widths.iter_mut().zip(cells) {
        *width = (*width).max(cell.chars().count());
    }
}

/// Appends one line of a table: each cell padded to its column's width
/// plus three spaces, colour codes around the text only, no trailing spaces.
pub(crate) fn push_line<'a>(
    text: &mut String,
    cells: impl IntoIterator<Item = (&'a str, Option<Tint>)>,
    widths: &[usize],
) {
    let start = text.len();
    for (i, ((content, tint), width)) in cells.into_iter().zip(widths).enumerate() {
        match tint {
            Some(tint) => {
                text.push_str(tint.ansi());
                text.push_str(content);
                text.push_str("\x1b[0m");
            }
            None => text.push_str(content),
        }
        if i + 1 < widths.len() {
            let pad = width.saturating_sub(content.chars().count()) + 3;
            text.extend(std::iter::repeat_n(' ', pad));
        }
    }
    let end = text[start..].trim_end().len();
    text.truncate(start + end);
    text.push('\n');
}

/// A sample value as Prometheus writes it: shortest round-trip decimal,
/// `NaN`, `+Inf`, `-Inf` (Rust's `Display` matches Go's `'f', -1` otherwise).
pub(crate) fn sample_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        v.to_string()
    }
}

/// A number for narrow columns and chart axes: at most 4 significant digits
/// and an SI suffix (`1.234k`, `56.7M`, `0.0012`).
pub(crate) fn compact(v: f64) -> String {
    if !v.is_finite() {
        return sample_value(v);
    }
    let abs = v.abs();
    let (scaled, suffix) = match abs {
        a if a >= 1e12 => (v / 1e12, "T"),
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    // Four significant digits: 1234, 123.4, 12.34, 1.234, 0.1234.
    let digits = match scaled.abs() {
        _ if scaled.fract() == 0.0 => 0,
        a if a >= 1000.0 => 0,
        a if a >= 100.0 => 1,
        a if a >= 10.0 => 2,
        a if a >= 1.0 => 3,
        _ => 4,
    };
    let text = format!("{scaled:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    format!("{text}{suffix}")
}

/// A duration the way kubectl shows ages: `45s`, `3m12s`, `25m`, `2h5m`, `3d`.
pub(crate) fn short_duration(secs: f64) -> String {
    if secs.is_nan() {
        return "-".to_owned();
    }
    if secs > 0.0 && secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as u64);
    }
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=119 => format!("{s}s"),
        120..=599 if !s.is_multiple_of(60) => format!("{}m{}s", s / 60, s % 60),
        120..=10_799 => format!("{}m", s / 60),
        10_800..=28_799 if s % 3600 / 60 != 0 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        10_800..=172_799 => format!("{}h", s / 3600),
        _ if s.is_multiple_of(86_400) || s >= 8 * 86_400 => format!("{}d", s / 86_400),
        _ => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A scrape or evaluation duration: `2.31ms`, `1.2s`.
pub(crate) fn latency(secs: f64) -> String {
    if secs < 1.0 {
        let ms = secs * 1000.0;
        if ms >= 10.0 {
            format!("{ms:.0}ms")
        } else {
            format!("{ms:.2}ms")
        }
    } else {
        format!("{secs:.1}s")
    }
}

/// Labels sorted by name, for stable output.
pub(crate) fn sorted(labels: &HashMap<String, String>) -> BTreeMap<String, String> {
    labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A series the PromQL way: `up{instance="a", job="b"}`.
pub(crate) fn series_name<'a>(
    labels: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> String {
    let labels: BTreeMap<&str, &str> = labels
        .into_iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let name = labels.get("__name__").copied().unwrap_or_default();
    let pairs: Vec<String> = labels
        .into_iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    if pairs.is_empty() && !name.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{}}}", pairs.join(", "))
    }
}

/// Labels as `k=v,k=v`, for a LABELS column.
pub(crate) fn label_list(labels: &BTreeMap<String, String>, skip: &[&str]) -> String {
    labels
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_like_kubectl() {
        let mut table = Table::new(["JOB", "INSTANCE", "HEALTH"]);
        table.row(vec![
            "prometheus".into(),
            "127.0.0.1:9090".into(),
            Cell::tinted("up", Some(Tint::Green)),
        ]);
        table.row(vec![
            "node".into(),
            "10.0.0.1:9100".into(),
            Cell::tinted("down", Some(Tint::Red)),
        ]);
        assert_eq!(
            table.render(false),
            "JOB          INSTANCE         HEALTH\n\
             prometheus   127.0.0.1:9090   up\n\
             node         10.0.0.1:9100    down\n"
        );
        let coloured = table.render(true);
        assert!(coloured.contains("\x1b[31mdown\x1b[0m"), "{coloured:?}");
        // Colour must not change the alignment.
        assert_eq!(
            coloured
                .replace("\x1b[32m", "")
                .replace("\x1b[31m", "")
                .replace("\x1b[0m", ""),
            table.render(false)
        );
    }

    #[test]
    fn empty_last_cells_leave_no_trailing_spaces() {
        let mut table = Table::new(["A", "ERROR"]);
        table.row(vec!["x".into(), "".into()]);
        table.row(vec!["ééé".into()]);
        assert_eq!(table.render(false), "A     ERROR\nx\nééé\n");
    }

    #[test]
    fn values_print_like_prometheus() {
        assert_eq!(sample_value(1.0), "1");
        assert_eq!(sample_value(0.1), "0.1");
        assert_eq!(sample_value(1e21), "1000000000000000000000");
        assert_eq!(sample_value(f64::INFINITY), "+Inf");
        assert_eq!(sample_value(f64::NAN), "NaN");
        assert_eq!(compact(1234.0), "1234");
        assert_eq!(compact(12_345.0), "12.35k");
        assert_eq!(compact(56_700_000.0), "56.7M");
        assert_eq!(compact(0.00123), "0.0012");
        assert_eq!(compact(2.5), "2.5");
    }

    #[test]
    fn durations_read_like_kubectl_ages() {
        assert_eq!(short_duration(0.0023), "2ms");
        assert_eq!(short_duration(45.0), "45s");
        assert_eq!(short_duration(192.0), "3m12s");
        assert_eq!(short_duration(1500.0), "25m");
        assert_eq!(short_duration(3600.0), "60m");
        assert_eq!(short_duration(7500.0), "125m");
        assert_eq!(short_duration(11_100.0), "3h5m");
        assert_eq!(short_duration(86_400.0), "24h");
        assert_eq!(short_duration(200_000.0), "2d7h");
        assert_eq!(short_duration(10.0 * 86_400.0), "10d");
        assert_eq!(latency(0.0023), "2.30ms");
        assert_eq!(latency(0.25), "250ms");
        assert_eq!(latency(1.25), "1.2s");
    }

    #[test]
    fn series_names() {
        let labels: HashMap<String, String> =
            [("__name__", "up"), ("job", "a"), ("instance", "h:1")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(series_name(&labels), "up{instance=\"h:1\", job=\"a\"}");
        assert_eq!(
            label_list(&sorted(&labels), &["__name__"]),
            "instance=h:1,job=a"
        );
        assert_eq!(series_name(&HashMap::new()), "{}");
    }
}
