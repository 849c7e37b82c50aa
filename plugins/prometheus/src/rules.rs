//! `prom alerts` and `prom rules`: what fires, what is pending, and whether
//! the rule groups evaluate.

use std::collections::BTreeMap;
use std::io::Write;

use clap::ArgMatches;
use prometheus_http_query::response::{Alert, Rule, RuleGroup};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cli::{Invocation, Out};
use crate::client::{Api, Params};
use crate::error::PromError;
use crate::format::{
    Cell, OutputFormat, Table, Tint, label_list, latency, sample_value, short_duration, sorted,
    write_structured,
};
use crate::time::rfc3339;

/// Unix seconds of a timestamp from the API.
pub(crate) fn unix(at: &OffsetDateTime) -> f64 {
    crate::time::unix_seconds(at)
}

#[derive(Deserialize)]
struct AlertList {
    alerts: Vec<Alert>,
}

/// Fetches the active (firing and pending) alerts.
pub(crate) async fn fetch_alerts(api: &Api) -> Result<Vec<Alert>, PromError> {
    Ok(api
        .get::<AlertList>("api/v1/alerts", &Params::new())
        .await?
        .data
        .alerts)
}

/// An alert as `-o json|yaml` shows it.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertRow {
    pub(crate) name: String,
    pub(crate) state: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) annotations: BTreeMap<String, String>,
    pub(crate) active_at: String,
    pub(crate) value: String,
    #[serde(skip)]
    pub(crate) active_unix: f64,
}

fn alert_row(a: &Alert) -> AlertRow {
    let labels = sorted(a.labels());
    AlertRow {
        name: labels.get("alertname").cloned().unwrap_or_default(),
        state: a.state().to_string(),
        labels,
        annotations: sorted(a.annotations()),
        active_at: rfc3339(unix(a.active_at())),
        value: sample_value(a.value()),
        active_unix: unix(a.active_at()),
    }
}

/// `prom alerts [--state firing|pending]`.
pub(crate) async fn run_alerts(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let state = m.get_one::<String>("state");
    let mut rows: Vec<AlertRow> = fetch_alerts(&inv.api)
        .await?
        .iter()
        .map(alert_row)
        .filter(|r| state.is_none_or(|s| &r.state == s))
        .collect();
    // Firing before pending, then by name: what needs attention comes first.
    rows.sort_by(|a, b| {
        (a.state != "firing", &a.name, &a.labels).cmp(&(b.state != "firing", &b.name, &b.labels))
    });
    write_alerts(out, inv.format, &rows, inv.now, inv.color).map_err(PromError::from)
}

/// NAME, STATE, AGE, VALUE, LABELS.
pub(crate) fn write_alerts(
    out: &mut dyn Write,
    format: OutputFormat,
    rows: &[AlertRow],
    now: f64,
    color: bool,
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        return write_structured(out, format, &rows);
    }
    if rows.is_empty() {
        return writeln!(out, "no alerts are firing or pending");
    }
    let mut table = Table::new(["NAME", "STATE", "AGE", "VALUE", "LABELS"]);
    for row in rows {
        let tint = if row.state == "firing" {
            Tint::Red
        } else {
            Tint::Yellow
        };
        table.row(vec![
            row.name.clone().into(),
            Cell::tinted(row.state.clone(), Some(tint)),
            short_duration(now - row.active_unix).into(),
            row.value.clone().into(),
            label_list(&row.labels, &["alertname"]).into(),
        ]);
    }
    out.write_all(table.render(color).as_bytes())
}

/// A rule group as `-o json|yaml` shows it.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupRow {
    pub(crate) name: String,
    pub(crate) file: String,
    pub(crate) interval: f64,
    pub(crate) last_evaluation: String,
    pub(crate) evaluation_time: f64,
    pub(crate) rules: Vec<RuleRow>,
}

/// One rule of a group.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RuleRow {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) health: String,
    /// Alerting rules only: firing, pending or inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<String>,
    pub(crate) query: String,
    pub(crate) last_evaluation: String,
    pub(crate) evaluation_time: f64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) last_error: String,
    #[serde(skip)]
    pub(crate) last_unix: f64,
}

/// `lastError` is in the API but not in the library's rule types; it is read
/// from the same answer alongside them.
#[derive(Deserialize)]
struct ErrorsOnly {
    groups: Vec<GroupErrors>,
}
#[derive(Deserialize)]
struct GroupErrors {
    rules: Vec<RuleError>,
}
#[derive(Deserialize)]
struct RuleError {
    #[serde(default, rename = "lastError")]
    last_error: String,
}

#[derive(Deserialize)]
struct GroupList {
    groups: Vec<RuleGroup>,
}

/// Fetches the rule groups and turns them into rows.
pub(crate) async fn fetch_groups(api: &Api) -> Result<Vec<GroupRow>, PromError> {
    let raw = api
        .get::<serde_json::Value>("api/v1/rules", &Params::new())
        .await?
        .data;
    let decode_error = |e: serde_json::Error| PromError::Protocol {
        url: api.url().to_owned(),
        reason: format!("cannot decode the rules: {e}"),
    };
    let groups: GroupList = serde_json::from_value(raw.clone()).map_err(decode_error)?;
    let errors: ErrorsOnly = serde_json::from_value(raw).map_err(decode_error)?;
    Ok(groups
        .groups
        .iter()
        .zip(errors.groups)
        .map(|(g, e)| group_row(g, &e))
        .collect())
}

fn group_row(group: &RuleGroup, errors: &GroupErrors) -> GroupRow {
    let rules = group
        .rules()
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let last_error = errors
                .rules
                .get(i)
                .map(|e| e.last_error.clone())
                .unwrap_or_default();
            match rule {
                Rule::Recording(r) => RuleRow {
                    name: r.name().to_owned(),
                    kind: "recording".to_owned(),
                    health: r.health().to_string(),
                    state: None,
                    query: r.query().to_owned(),
                    last_evaluation: rfc3339(unix(r.last_evaluation())),
                    evaluation_time: r.evaluation_time(),
                    last_error,
                    last_unix: unix(r.last_evaluation()),
                },
                Rule::Alerting(a) => {
                    // The rule's state is its most urgent alert's.
                    let state = if a.alerts().iter().any(|x| x.state().is_firing()) {
                        "firing"
                    } else if a.alerts().iter().any(|x| x.state().is_pending()) {
                        "pending"
                    } else {
                        "inactive"
                    };
                    RuleRow {
                        name: a.name().to_owned(),
                        kind: "alerting".to_owned(),
                        health: a.health().to_string(),
                        state: Some(state.to_owned()),
                        query: a.query().to_owned(),
                        last_evaluation: rfc3339(unix(a.last_evaluation())),
                        evaluation_time: a.evaluation_time(),
                        last_error,
                        last_unix: unix(a.last_evaluation()),
                    }
                }
            }
        })
        .collect();
    GroupRow {
        name: group.name().to_owned(),
        file: group.file().to_owned(),
        interval: group.interval(),
        last_evaluation: rfc3339(unix(group.last_evaluation())),
        evaluation_time: group.evaluation_time(),
        rules,
    }
}

/// `prom rules [--type alerting|recording]`.
pub(crate) async fn run_rules(
    inv: &Invocation<'_>,
    m: &ArgMatches,
    out: &mut Out,
) -> Result<(), PromError> {
    let mut groups = fetch_groups(&inv.api).await?;
    if let Some(kind) = m.get_one::<String>("type") {
        for group in &mut groups {
            group.rules.retain(|r| &r.kind == kind);
        }
        groups.retain(|g| !g.rules.is_empty());
    }
    write_rules(out, inv.format, &groups, inv.now, inv.color).map_err(PromError::from)
}

/// GROUP, NAME, TYPE, HEALTH, STATE, LAST EVALUATION (age), EVAL TIME, ERROR.
pub(crate) fn write_rules(
    out: &mut dyn Write,
    format: OutputFormat,
    groups: &[GroupRow],
    now: f64,
    color: bool,
) -> std::io::Result<()> {
    if format != OutputFormat::Table {
        return write_structured(out, format, &groups);
    }
    if groups.is_empty() {
        return writeln!(out, "no rule groups loaded");
    }
    let mut table = Table::new([
        "GROUP",
        "NAME",
        "TYPE",
        "HEALTH",
        "STATE",
        "LAST EVALUATION",
        "EVAL TIME",
        "ERROR",
    ]);
    for group in groups {
        for rule in &group.rules {
            let health = if rule.health == "ok" {
                Tint::Green
            } else {
                Tint::Red
            };
            let state = rule.state.clone().unwrap_or_else(|| "-".to_owned());
            let state_tint = match state.as_str() {
                "firing" => Some(Tint::Red),
                "pending" => Some(Tint::Yellow),
                _ => None,
            };
            table.row(vec![
                group.name.clone().into(),
                rule.name.clone().into(),
                rule.kind.clone().into(),
                Cell::tinted(rule.health.clone(), Some(health)),
                Cell::tinted(state, state_tint),
                format!("{} ago", short_duration(now - rule.last_unix)).into(),
                latency(rule.evaluation_time).into(),
                rule.last_error.clone().into(),
            ]);
        }
    }
    out.write_all(table.render(color).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"{"groups":[{"name":"vcli-test","file":"rules.yml","rules":[
        {"name":"job:up:sum","query":"sum by (job) (up)","health":"ok","evaluationTime":0.0002,"lastEvaluation":"1970-01-01T00:01:40Z","type":"recording"},
        {"state":"firing","name":"AlwaysFiring","query":"vector(1)","duration":0,"keepFiringFor":0,"labels":{},"annotations":{},
         "alerts":[{"labels":{"alertname":"AlwaysFiring"},"annotations":{},"state":"firing","activeAt":"1970-01-01T00:01:00Z","value":"1e+00"}],
         "health":"err","lastError":"boom","evaluationTime":0.0003,"lastEvaluation":"1970-01-01T00:01:40Z","type":"alerting"}],
        "interval":1,"limit":0,"evaluationTime":0.0005,"lastEvaluation":"1970-01-01T00:01:40Z"}]}"#;

    fn groups() -> Vec<GroupRow> {
        let groups: GroupList = serde_json::from_str(RULES).unwrap();
        let errors: ErrorsOnly = serde_json::from_str(RULES).unwrap();
        groups
            .groups
            .iter()
            .zip(errors.groups)
            .map(|(g, e)| group_row(g, &e))
            .collect()
    }

    #[test]
    fn rules_table() {
        let mut out = Vec::new();
        write_rules(&mut out, OutputFormat::Table, &groups(), 102.0, false).unwrap();
        crate::snapshot_table("rules", &String::from_utf8(out).unwrap());
    }

    #[test]
    fn alerts_table_and_json() {
        let list: AlertList = serde_json::from_str(
            r#"{"alerts":[{"labels":{"alertname":"AlwaysFiring","severity":"page"},"annotations":{"summary":"s"},
                "state":"firing","activeAt":"1970-01-01T00:01:00Z","value":"1e+00"}]}"#,
        )
        .unwrap();
        let rows: Vec<AlertRow> = list.alerts.iter().map(alert_row).collect();
        let mut out = Vec::new();
        write_alerts(&mut out, OutputFormat::Table, &rows, 250.0, false).unwrap();
        crate::snapshot_table("alerts", &String::from_utf8(out).unwrap());
        let mut out = Vec::new();
        write_alerts(&mut out, OutputFormat::Yaml, &rows, 0.0, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("activeAt: 1970-01-01T00:01:00Z") && text.contains("value: '1'"),
            "{text}"
        );
    }
}
