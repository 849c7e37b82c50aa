//! Decoding a split answer: the elements of `data.result` become series for
//! a [`Sink`], and a scalar or string result its [`Point`], checked against
//! `data.resultType` (or, before that has come, told apart by their shape).

use prometheus_http_query::response::Sample;
use serde::Deserialize;

use super::{InstantSeries, Labels, Point, RangeSeries, Series, Sink};
use crate::client::{Receiver, Stop};
use crate::split::Piece;

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

#[cfg(test)]
mod tests {
    use super::super::Collector;
    use super::super::QueryData;
    use super::super::test_support::{decode, split_into};

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
}
