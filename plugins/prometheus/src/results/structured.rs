//! `-o json` and `-o yaml`: `data.result` in Prometheus's own shape, written
//! series by series as they arrive, byte for byte what serializing the whole
//! result at once prints.

use std::io::{self, Write};

use prometheus_http_query::response::Sample;
use serde::Serialize;
use vcli_plugin_api::print::to_yaml;

use super::{Labels, Point, Series, Sink};
use crate::format::{OutputFormat, sample_value, write_structured};

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
pub(super) struct JsonPrinter<'o> {
    out: &'o mut (dyn Write + Send),
    written: usize,
    item: Vec<u8>,
    indented: Vec<u8>,
}

impl<'o> JsonPrinter<'o> {
    pub(super) fn new(out: &'o mut (dyn Write + Send)) -> Self {
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
pub(super) struct YamlPrinter<'o> {
    out: &'o mut (dyn Write + Send),
    written: usize,
}

impl<'o> YamlPrinter<'o> {
    pub(super) fn new(out: &'o mut (dyn Write + Send)) -> Self {
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

#[cfg(test)]
mod tests {
    use super::super::QueryData;
    use super::super::test_support::{MATRIX, VECTOR, decode, print};
    use super::*;

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
}
