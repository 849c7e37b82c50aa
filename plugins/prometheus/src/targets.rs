//! `prom targets`: what Prometheus scrapes, whether it works, and why not.

use std::collections::BTreeMap;
use std::io::Write;

use clap::ArgMatches;
use prometheus_http_query::TargetState;
use prometheus_http_query::response::{ActiveTarget, DroppedTarget, Targets};
use serde::Serialize;

use crate::cli::{Invocation, Out};
use crate::client::{Api, Params};
use crate::error::PromError;
use crate::format::{
    Cell, OutputFormat, Table, Tint, label_list, latency, short_duration, sorted, write_structured,
};
use crate::rules::unix;
use crate::time::rfc3339;

/// Fetches targets in `state` (the server filters).
pub(crate) async fn fetch(api: &Api, state: TargetState) -> Result<Targets, PromError> {
    let params: Params = vec![("state", state.to_string())];
    Ok(api.get::<Targets>("api/v1/targets", &params).await?.data)
}

/// The job a target belongs to: its `job` label, else its scrape pool.
pub(crate) fn job_of(target: &ActiveTarget) -> String {
    target
        .labels()
        .get("job")
        .cloned()
        .unwrap_or_else(|| target.scrape_pool().to_owned())
}

/// An active target as `-o json|yaml` shows it (Prometheus's field names).
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TargetRow {
    pub(crate) job: String,
    pub(crate) instance: String,
    pub(crate) health: String,
    pub(crate) scrape_pool: String,
    pub(crate) scrape_url: String,
    /// RFC 3339; absent when the target was never scraped.
    pub(crate) last_scrape: Option<String>,
    /// Seconds.
    pub(crate) last_scrape_duration: f64,
    pub(crate) last_error: String,
    pub(crate) labels: BTreeMap<String, String>,
    /// Unix seconds, for the table's age column only.
    #[serde(skip)]
    pub(crate) last_scrape_unix: Option<f64>,
}

/// A dropped target: only its discovered labels are known.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DroppedRow {
    pub(crate) discovered_labels: BTreeMap<String, String>,
}

fn active_row(t: &ActiveTarget) -> TargetRow {
    let labels = sorted(t.labels());
    // Prometheus reports a target it has not scraped yet with the zero time
    // (year 1), which is before the epoch.
    let last = Some(unix(t.last_scrape())).filter(|&s| s > 0.0);
    TargetRow {
        job: job_of(t),
        instance: labels.get("instance").cloned().unwrap_or_default(),
        health: t.health().to_string(),
        scrape_pool: t.scrape_pool().to_owned(),
        scrape_url: t.scrape_url().to_string(),
        last_scrape: last.map(rfc3339),
        last_scrape_duration: t.last_scrape_duration(),
        last_error: t.last_error().to_owned(),
        labels,
        last_scrape_unix: last,
    }
}

fn dropped_row(t: &DroppedTarget) -> DroppedRow {
    DroppedRow {
        discovered_labels: sorted(t.discovered_labels()),
    }
}

/// Checks a `--health` value. The library's health enum is not nameable
/// outside it, so targets are compared through its `Display` form.
fn parse_health(text: &str) -> Result<&str, PromError> {
    match text {
        "up" | "down" | "unknown" => Ok(text),
        other => Err(PromError::Usage(format!(
            "invalid --health {other:?}: expected up, down or unknown"
        ))),
    }
}

/// `prom targets [--state active|dropped] [--health up|down|unknown]`.
pub(crate) async fn run(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let dropped = m.get_one::<String>("state").is_some_and(|s| s == "dropped");
    let health = m
        .get_one::<String>("health")
        .map(|h| parse_health(h))
        .transpose()?;
    if dropped {
        if health.is_some() {
            return Err(PromError::Usage(
                "--health applies to active targets; dropped targets are never scraped".to_owned(),
            ));
        }
        let targets = fetch(&inv.api, TargetState::Dropped).await?;
        let rows: Vec<DroppedRow> = targets.dropped().iter().map(dropped_row).collect();
        return write_dropped(out, inv.format, &rows).map_err(PromError::from);
    }
    let targets = fetch(&inv.api, TargetState::Active).await?;
    let mut rows: Vec<TargetRow> = targets
        .active()
        .iter()
        .filter(|t| health.is_none_or(|h| t.health().to_string() == h))
        .map(active_row)
        .collect();
    rows.sort_by(|a, b| (&a.job, &a.instance).cmp(&(&b.job, &b.instance)));
    write_active(out, inv.format, &rows, inv.now, inv.color).map_err(PromError::from)
}

/// JOB, INSTANCE, HEALTH, LAST SCRAPE (age), DURATION, ERROR.
pub(crate) fn write_active(
    out: &mut dyn Write,
    format: OutputFormat,
    rows: &[TargetRow],
    now: f64,
    color: bool,
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        return write_structured(out, format, &rows);
    }
    if rows.is_empty() {
        return writeln!(out, "no targets found");
    }
    let mut table = Table::new([
        "JOB",
        "INSTANCE",
        "HEALTH",
        "LAST SCRAPE",
        "DURATION",
        "ERROR",
    ]);
    for row in rows {
        let tint = match row.health.as_str() {
            "up" => Tint::Green,
            "down" => Tint::Red,
            _ => Tint::Yellow,
        };
        let age = row.last_scrape_unix.map_or("never".to_owned(), |t| {
            format!("{} ago", short_duration(now - t))
        });
        table.row(vec![
            row.job.clone().into(),
            row.instance.clone().into(),
            Cell::tinted(row.health.clone(), Some(tint)),
            age.into(),
            latency(row.last_scrape_duration).into(),
            row.last_error.clone().into(),
        ]);
    }
    out.write_all(table.render(color).as_bytes())
}

/// JOB, ADDRESS and the other discovered labels.
pub(crate) fn write_dropped(
    out: &mut dyn Write,
    format: OutputFormat,
    rows: &[DroppedRow],
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        return write_structured(out, format, &rows);
    }
    if rows.is_empty() {
        return writeln!(out, "no dropped targets");
    }
    let mut table = Table::new(["JOB", "ADDRESS", "DISCOVERED LABELS"]);
    for row in rows {
        let get = |k: &str| row.discovered_labels.get(k).cloned().unwrap_or_default();
        table.row([
            get("job"),
            get("__address__"),
            label_list(&row.discovered_labels, &["job", "__address__"]),
        ]);
    }
    out.write_all(table.render(false).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(job: &str, health: &str, error: &str) -> TargetRow {
        TargetRow {
            job: job.into(),
            instance: format!("{job}:9100"),
            health: health.into(),
            scrape_pool: job.into(),
            scrape_url: format!("http://{job}:9100/metrics"),
            last_scrape: Some(rfc3339(100.0)),
            last_scrape_duration: 0.0042,
            last_error: error.into(),
            labels: BTreeMap::new(),
            last_scrape_unix: Some(100.0),
        }
    }

    #[test]
    fn active_table() {
        let rows = [
            row("node", "up", ""),
            row("db", "down", "connection refused"),
        ];
        let mut out = Vec::new();
        write_active(&mut out, OutputFormat::Table, &rows, 103.0, false).unwrap();
        crate::snapshot_table("targets", &String::from_utf8(out).unwrap());
    }

    #[test]
    fn json_uses_prometheus_field_names() {
        let mut out = Vec::new();
        write_active(
            &mut out,
            OutputFormat::Json,
            &[row("db", "down", "x")],
            0.0,
            false,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["lastError"], "x");
        assert_eq!(v[0]["lastScrape"], "1970-01-01T00:01:40Z");
        assert!(v[0].get("lastScrapeUnix").is_none());
    }

    #[test]
    fn bad_health_is_a_usage_error() {
        assert!(matches!(parse_health("sideways"), Err(PromError::Usage(_))));
    }
}
