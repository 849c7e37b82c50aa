//! Output: `-o table|json|yaml` (tables, ages and JSON/YAML from the
//! plugin API's printing kit) and the number and label formats Prometheus
//! output shares.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use vcli_plugin_api::print::{self, Structured};
// The printing kit's tables and ages, under the names this plugin's
// modules (and its views) use.
pub(crate) use vcli_plugin_api::print::{Cell, Table, Tint, short_duration};

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

/// Writes `value` as JSON or YAML with the printing kit.
pub(crate) fn write_structured<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    format: OutputFormat,
    value: &T,
) -> io::Result<()> {
    let format = match format {
        OutputFormat::Yaml => Structured::Yaml,
        // A table was asked for something that has no table form: JSON is
        // the honest fallback.
        OutputFormat::Json | OutputFormat::Table => Structured::Json,
    };
    print::write_structured(out, format, value)
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
    fn latencies() {
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
