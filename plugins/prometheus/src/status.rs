//! `prom status`: build information, runtime and TSDB head statistics.

use std::io::Write;

use clap::ArgMatches;
use prometheus_http_query::response::TsdbStatistics;
use serde::{Deserialize, Serialize};

use crate::cli::{Invocation, Out};
use crate::client::{Api, Params};
use crate::error::PromError;
use crate::format::{OutputFormat, short_duration, write_structured};
use crate::time::rfc3339;

/// `/api/v1/status/buildinfo`. Read leniently rather than with the library's
/// `BuildInformation`, whose strict date format fails on servers that speak
/// the same API but fill the fields differently; the health check depends on
/// this answer, so it must not break over a cosmetic field.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct BuildInfo {
    pub(crate) version: String,
    pub(crate) revision: String,
    pub(crate) branch: String,
    pub(crate) build_user: String,
    pub(crate) build_date: String,
    pub(crate) go_version: String,
}

/// `/api/v1/status/runtimeinfo`, leniently: the library's type cannot read
/// `storageRetention` values like `15d or 10GiB`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RuntimeInfo {
    pub(crate) start_time: String,
    #[serde(rename = "CWD")]
    pub(crate) cwd: String,
    pub(crate) reload_config_success: bool,
    pub(crate) last_config_time: String,
    pub(crate) corruption_count: i64,
    pub(crate) goroutine_count: i64,
    #[serde(rename = "GOMAXPROCS")]
    pub(crate) gomaxprocs: i64,
    pub(crate) storage_retention: String,
}

/// TSDB head statistics (times in unix milliseconds, as the API gives them).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HeadStats {
    pub(crate) num_series: usize,
    pub(crate) chunk_count: usize,
    pub(crate) min_time: i64,
    pub(crate) max_time: i64,
}

/// Everything `prom status` shows.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub(crate) struct Status {
    pub(crate) build: BuildInfo,
    pub(crate) runtime: RuntimeInfo,
    pub(crate) tsdb: HeadStats,
}

/// Fetches the build information (also used by the health check).
pub(crate) async fn fetch_build(api: &Api) -> Result<BuildInfo, PromError> {
    Ok(api
        .get::<BuildInfo>("api/v1/status/buildinfo", &Params::new())
        .await?
        .data)
}

/// Fetches the three status endpoints concurrently.
pub(crate) async fn fetch(api: &Api) -> Result<Status, PromError> {
    let none = Params::new();
    let (build, runtime, tsdb) = futures::join!(
        fetch_build(api),
        api.get::<RuntimeInfo>("api/v1/status/runtimeinfo", &none),
        api.get::<TsdbStatistics>("api/v1/status/tsdb", &none),
    );
    let head = tsdb?.data.head_stats();
    Ok(Status {
        build: build?,
        runtime: runtime?.data,
        tsdb: HeadStats {
            num_series: head.num_series(),
            chunk_count: head.chunk_count(),
            min_time: head.min_time(),
            max_time: head.max_time(),
        },
    })
}

/// `prom status`.
pub(crate) async fn run(
    inv: &Invocation<'_>,
    _m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let status = fetch(&inv.api).await?;
    write_status(out, inv.format, &status, inv.now).map_err(PromError::from)
}

/// A `kubectl describe`-like listing for tables; the structure otherwise.
pub(crate) fn write_status(
    out: &mut dyn Write,
    format: OutputFormat,
    s: &Status,
    now: f64,
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        return write_structured(out, format, s);
    }
    let started = time::OffsetDateTime::parse(
        &s.runtime.start_time,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| {
        format!(
            "{} ({} ago)",
            rfc3339(t.unix_timestamp() as f64),
            short_duration(now - t.unix_timestamp() as f64)
        )
    })
    .unwrap_or_else(|_| s.runtime.start_time.clone());
    let reload = if s.runtime.reload_config_success {
        "succeeded"
    } else {
        "FAILED"
    };
    let ms = |t: i64| {
        if t <= 0 {
            "-".to_owned()
        } else {
            rfc3339(t as f64 / 1000.0)
        }
    };
    let sections: [(&str, Vec<(&str, String)>); 3] = [
        (
            "Build",
            vec![
                ("Version", s.build.version.clone()),
                ("Revision", s.build.revision.clone()),
                ("Branch", s.build.branch.clone()),
                ("Build user", s.build.build_user.clone()),
                ("Build date", s.build.build_date.clone()),
                ("Go version", s.build.go_version.clone()),
            ],
        ),
        (
            "Runtime",
            vec![
                ("Started", started),
                ("Working directory", s.runtime.cwd.clone()),
                (
                    "Last config reload",
                    format!("{reload} at {}", s.runtime.last_config_time),
                ),
                ("Goroutines", s.runtime.goroutine_count.to_string()),
                ("GOMAXPROCS", s.runtime.gomaxprocs.to_string()),
                ("Storage retention", s.runtime.storage_retention.clone()),
                ("Corruptions", s.runtime.corruption_count.to_string()),
            ],
        ),
        (
            "TSDB head",
            vec![
                ("Series", s.tsdb.num_series.to_string()),
                ("Chunks", s.tsdb.chunk_count.to_string()),
                ("Min time", ms(s.tsdb.min_time)),
                ("Max time", ms(s.tsdb.max_time)),
            ],
        ),
    ];
    let width = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|(k, _)| k.len()))
        .max()
        .unwrap_or(0);
    for (title, rows) in sections {
        writeln!(out, "{title}:")?;
        for (key, value) in rows {
            let value = if value.is_empty() {
                "-"
            } else {
                value.as_str()
            };
            writeln!(
                out,
                "  {:<width$}  {value}",
                format!("{key}:"),
                width = width + 1
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_build_info() {
        let info: BuildInfo =
            serde_json::from_str(r#"{"version":"2.42.0","buildDate":"whenever"}"#).unwrap();
        assert_eq!(info.version, "2.42.0");
        let runtime: RuntimeInfo =
            serde_json::from_str(r#"{"storageRetention":"15d or 10GiB","GOMAXPROCS":2}"#).unwrap();
        assert_eq!(
            (runtime.storage_retention.as_str(), runtime.gomaxprocs),
            ("15d or 10GiB", 2)
        );
    }

    #[test]
    fn describe_style_listing() {
        let status = Status {
            build: BuildInfo {
                version: "2.42.0".into(),
                ..BuildInfo::default()
            },
            runtime: RuntimeInfo {
                start_time: "1970-01-01T00:01:00Z".into(),
                reload_config_success: true,
                last_config_time: "1970-01-01T00:01:00Z".into(),
                storage_retention: "15d".into(),
                ..RuntimeInfo::default()
            },
            tsdb: HeadStats {
                num_series: 519,
                chunk_count: 520,
                min_time: 60_000,
                max_time: 0,
            },
        };
        let mut out = Vec::new();
        write_status(&mut out, OutputFormat::Table, &status, 120.0).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("Build:\n  Version:             2.42.0\n  Revision:            -\n"),
            "{text}"
        );
        assert!(
            text.contains("  Started:             1970-01-01T00:01:00Z (60s ago)\n"),
            "{text}"
        );
        assert!(
            text.contains("  Series:              519\n")
                && text.contains("  Max time:            -\n"),
            "{text}"
        );
    }
}
