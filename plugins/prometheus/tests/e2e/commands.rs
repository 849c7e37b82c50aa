//! Each command against the real server: tables, JSON/YAML, and the errors
//! that come from the server (bad PromQL) or from the flags.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use vcli_plugin_api::{OutputStyle, PluginError};

use crate::json;
use crate::support::{self, Prometheus, fails, ok, plugin_for, promtool, run_styled};

#[tokio::test(flavor = "multi_thread")]
async fn query_prints_a_table_of_labels_and_values() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let text = ok(h.plugin(), &["query", "up"]).await;
    let mut lines = text.lines();
    assert_eq!(
        lines
            .next()
            .map(str::split_whitespace)
            .map(Iterator::collect::<Vec<_>>),
        Some(vec!["NAME", "INSTANCE", "JOB", "VALUE"])
    );
    let rows: BTreeSet<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert!(
        rows.contains(&vec!["up", prom.down_target.as_str(), "down", "0"]),
        "{text}"
    );
    assert!(
        rows.contains(&vec![
            "up",
            &format!("127.0.0.1:{}", prom.port),
            "prometheus",
            "1"
        ]),
        "{text}"
    );
    // Scalars and strings print plainly.
    assert_eq!(ok(h.plugin(), &["query", "1 + 1"]).await, "2\n");
    assert_eq!(ok(h.plugin(), &["query", "\"hello\""]).await, "hello\n");
    // The recording rule's series exists.
    assert!(
        ok(h.plugin(), &["query", "job:up:sum"])
            .await
            .contains("job:up:sum")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn query_json_equals_promtool() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    // One evaluation time for both, so both see the same samples. It must be
    // after the harness saw both `up` series, so no earlier than now.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let at = format!("{now:.3}");
    let ours = json(&ok(h.plugin(), &["query", "up", "--time", &at, "-o", "json"]).await);
    let theirs = json(&promtool(&[
        "query",
        "instant",
        "-o",
        "json",
        &format!("--time={at}"),
        &prom.url,
        "up",
    ]));
    let series = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap_or_else(|| panic!("not a vector: {v}"))
            .iter()
            .map(|s| {
                let value: f64 = s["value"][1].as_str().unwrap().parse().unwrap();
                format!("{} @{} = {value}", s["metric"], s["value"][0])
            })
            .collect()
    };
    let (ours, theirs) = (series(&ours), series(&theirs));
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours, theirs);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_promql_quotes_the_parse_error() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let err = fails(h.plugin(), &["query", "foo*"]).await;
    assert_eq!(
        err.to_string(),
        "bad query: 1:5: parse error: unexpected end of input"
    );
    assert_eq!(err.exit_code(), 1);
    let err = fails(h.plugin(), &["series", "up{"]).await;
    assert!(
        err.to_string().starts_with("bad query: ") && err.to_string().contains("parse error"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn range_prints_a_grid_a_graph_and_json() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let text = ok(
        h.plugin(),
        &["range", "up", "--since", "30s", "--step", "5s"],
    )
    .await;
    let header = text.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("TIME")
            && header.contains("job=\"down\"")
            && header.contains("job=\"prometheus\""),
        "{text}"
    );
    assert!(text.lines().count() >= 2, "{text}");

    let graph = ok(
        h.plugin(),
        &[
            "range", "up", "--start", "-1m", "--end", "now", "--step", "2s", "--graph",
        ],
    )
    .await;
    assert!(
        graph
            .chars()
            .any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "no braille line:\n{graph}"
    );
    assert!(
        graph.contains("  ⣿ up{instance=") && graph.contains("  • up{instance="),
        "{graph}"
    );
    let coloured = run_styled(
        h.plugin(),
        &["range", "up", "--since", "1m", "--graph"],
        OutputStyle {
            color: true,
            width: Some(80),
        },
    )
    .await;
    assert!(coloured.1.contains("\x1b[36m"), "{:?}", coloured.1);

    let value = json(
        &ok(
            h.plugin(),
            &[
                "range", "sum(up)", "--since", "20s", "--step", "5s", "-o", "json",
            ],
        )
        .await,
    );
    let values = value[0]["values"]
        .as_array()
        .unwrap_or_else(|| panic!("{value}"));
    assert!(
        !values.is_empty() && values.iter().all(|p| p[1] == "1"),
        "{value}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn range_flag_mistakes_are_usage_errors() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    for (args, expected) in [
        (
            vec!["range", "up", "--start", "now", "--end", "-1h"],
            "--start (",
        ),
        (
            vec!["range", "up", "--since", "1h", "--step", "0"],
            "invalid --step",
        ),
        (
            vec!["range", "up", "--since", "2d", "--step", "1s"],
            "use --step 16s or more",
        ),
        (
            vec!["range", "up", "--start", "yesterday"],
            "invalid --start \"yesterday\"",
        ),
        (vec!["query", "up", "--time", "soon"], "invalid --time"),
        (
            vec!["query", "up", "--timeout", "never"],
            "invalid --timeout",
        ),
    ] {
        let err = fails(h.plugin(), &args).await;
        assert!(matches!(err, PluginError::Usage(_)), "{args:?}: {err:?}");
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains(expected), "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn targets_report_the_down_target_as_down() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let text = ok(h.plugin(), &["targets"]).await;
    assert!(text.starts_with("JOB "), "{text}");
    let down = text
        .lines()
        .find(|l| l.starts_with("down "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        down.contains(&prom.down_target)
            && down.contains(" down ")
            && down.contains("connection refused"),
        "{down}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("prometheus ") && l.contains(" up ")),
        "{text}"
    );

    let only_down = ok(h.plugin(), &["targets", "--health", "down"]).await;
    assert_eq!(only_down.lines().count(), 2, "{only_down}");
    let value = json(&ok(h.plugin(), &["targets", "-o", "json"]).await);
    let down = value
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["job"] == "down")
        .unwrap();
    assert_eq!(down["health"], "down");
    assert_eq!(down["instance"], prom.down_target.as_str());
    assert!(
        down["lastError"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
    assert_eq!(
        ok(h.plugin(), &["targets", "--state", "dropped"]).await,
        "no dropped targets\n"
    );
    let yaml = ok(h.plugin(), &["targets", "-o", "yaml", "--health", "up"]).await;
    assert!(
        yaml.contains("health: up") && !yaml.contains("health: down"),
        "{yaml}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_show_the_firing_alert() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let text = ok(h.plugin(), &["alerts"]).await;
    let row: Vec<&str> = text
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(row.first(), Some(&"AlwaysFiring"), "{text}");
    assert_eq!(row.get(1), Some(&"firing"), "{text}");
    assert_eq!(row.last(), Some(&"severity=page"), "{text}");
    let value = json(&ok(h.plugin(), &["alerts", "-o", "json"]).await);
    assert_eq!(value[0]["name"], "AlwaysFiring");
    assert_eq!(
        value[0]["annotations"]["summary"],
        "always firing, for the tests"
    );
    assert_eq!(
        ok(h.plugin(), &["alerts", "--state", "pending"]).await,
        "no alerts are firing or pending\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rules_list_the_groups() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let text = ok(h.plugin(), &["rules"]).await;
    assert!(
        text.lines().any(|l| l.starts_with("vcli-test ")
            && l.contains("job:up:sum")
            && l.contains("recording")
            && l.contains(" ok ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("AlwaysFiring") && l.contains("alerting") && l.contains("firing")),
        "{text}"
    );
    let value = json(&ok(h.plugin(), &["rules", "-o", "json", "--type", "recording"]).await);
    assert_eq!(value[0]["name"], "vcli-test");
    assert_eq!(
        value[0]["file"].as_str().map(|f| f.ends_with("rules.yml")),
        Some(true)
    );
    assert_eq!(value[0]["rules"].as_array().map(Vec::len), Some(1));
    assert_eq!(value[0]["rules"][0]["type"], "recording");
}

#[tokio::test(flavor = "multi_thread")]
async fn labels_values_and_series() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let labels = ok(h.plugin(), &["labels"]).await;
    assert!(
        labels.lines().any(|l| l == "job") && labels.lines().any(|l| l == "__name__"),
        "{labels}"
    );
    let jobs = ok(h.plugin(), &["label-values", "job"]).await;
    assert_eq!(jobs, "down\nprometheus\n");
    let series = ok(h.plugin(), &["series", "up", "job:up:sum"]).await;
    assert!(
        series.contains(&format!(
            "up{{instance=\"{}\", job=\"down\"}}",
            prom.down_target
        )),
        "{series}"
    );
    assert!(
        series.contains("job:up:sum{job=\"prometheus\"}"),
        "{series}"
    );
    let value = json(&ok(h.plugin(), &["series", "up", "-o", "json"]).await);
    assert_eq!(value.as_array().map(Vec::len), Some(2), "{value}");
    let err = fails(h.plugin(), &["label-values", "9lives"]).await;
    assert!(matches!(err, PluginError::Usage(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_shows_build_runtime_and_tsdb() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let text = ok(h.plugin(), &["status"]).await;
    for needle in [
        "Build:",
        "Version:",
        "Runtime:",
        "Storage retention:",
        "TSDB head:",
        "Series:",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    let value = json(&ok(h.plugin(), &["status", "-o", "json"]).await);
    let version = value["build"]["version"].as_str().unwrap_or_default();
    let installed = std::process::Command::new(support::require("prometheus"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(
        !version.is_empty() && String::from_utf8_lossy(&installed.stdout).contains(version),
        "{value}"
    );
    assert!(
        value["tsdb"]["numSeries"].as_u64().unwrap_or_default() > 0,
        "{value}"
    );
}
