//! Snapshots of the TUI view, rendered from hand-built models: the render
//! function is pure, so the same model always gives the same screen.

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_prometheus::view::{
    ChartSeries, FiringAlert, JobSummary, PromModel, QueryPanel, render,
};

const T0: f64 = 1_700_000_000.0;

/// Renders into a `width` × `height` buffer and returns its text, one line
/// per row, trailing blanks trimmed.
fn draw(model: &PromModel, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render(model, area, &mut buf);
    (0..height)
        .map(|y| {
            let line: String = (0..width)
                .map(|x| buf[(x, y)].symbol().to_owned())
                .collect();
            line.trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Snapshots go to the workspace's `snapshots/`, named `prometheus__*`.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("prometheus__{name}"), text);
    });
}

/// A triangle wave: deterministic on every platform, unlike `sin`.
fn wave(offset: i32, height: f64) -> Vec<(f64, f64)> {
    (0..=60)
        .map(|i| {
            let phase = f64::from((i + offset) % 20);
            let v = if phase < 10.0 { phase } else { 20.0 - phase };
            (T0 - 1800.0 + f64::from(i) * 30.0, v * height / 10.0)
        })
        .collect()
}

fn full_model() -> PromModel {
    PromModel {
        url: "http://prometheus.example:9090".to_owned(),
        updated_at: Some(T0),
        error: None,
        jobs: vec![
            JobSummary {
                job: "node".to_owned(),
                up: 3,
                down: 1,
                unknown: 0,
            },
            JobSummary {
                job: "prometheus".to_owned(),
                up: 1,
                down: 0,
                unknown: 0,
            },
            JobSummary {
                job: "redis".to_owned(),
                up: 0,
                down: 0,
                unknown: 2,
            },
        ],
        alerts: vec![
            FiringAlert {
                name: "InstanceDown".to_owned(),
                severity: Some("page".to_owned()),
                labels: "instance=10.0.0.4:9100,job=node".to_owned(),
                active_at: T0 - 754.0,
                value: 0.0,
                pod: None,
            },
            FiringAlert {
                name: "HighLatency".to_owned(),
                severity: None,
                labels: "route=/api".to_owned(),
                active_at: T0 - 45.0,
                value: 1.2345,
                pod: None,
            },
        ],
        query: Some(QueryPanel {
            expr: "rate(http_requests_total[5m])".to_owned(),
            start: T0 - 1800.0,
            end: T0,
            series: vec![
                ChartSeries {
                    name: "{route=\"/api\"}".to_owned(),
                    points: wave(0, 40.0),
                },
                ChartSeries {
                    name: "{route=\"/login\"}".to_owned(),
                    points: wave(7, 12.0),
                },
            ],
            total_series: 5,
            error: None,
        }),
    }
}

#[test]
fn full_view() {
    snapshot("view_full", &draw(&full_model(), 100, 30));
}

#[test]
fn before_the_first_refresh() {
    let model = PromModel {
        url: "http://localhost:9090".to_owned(),
        ..PromModel::default()
    };
    snapshot("view_empty", &draw(&model, 80, 16));
}

#[test]
fn failures_keep_the_last_data_and_say_why() {
    let mut model = full_model();
    model.error = Some(
        "cannot reach Prometheus at http://prometheus.example:9090: connection refused".to_owned(),
    );
    if let Some(query) = &mut model.query {
        query.error = Some("bad query: 1:6: parse error: unexpected <op:*>".to_owned());
    }
    snapshot("view_errors", &draw(&model, 100, 20));
}

#[test]
fn a_tiny_terminal_does_not_break_the_layout() {
    // Too small for everything: it must clip, not panic.
    snapshot("view_tiny", &draw(&full_model(), 30, 8));
    draw(&full_model(), 1, 1);
    draw(&full_model(), 0, 0);
}

#[test]
fn rendering_is_a_pure_function_of_the_model() {
    let model = full_model();
    assert_eq!(draw(&model, 100, 30), draw(&model, 100, 30));
    assert_eq!(
        model.query.as_ref().and_then(QueryPanel::current),
        Some(0.0)
    );
}
