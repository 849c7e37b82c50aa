//! Snapshots of the TUI view's screens, rendered from hand-built models at
//! 80x24 and 200x50: the render function is pure, so the same model and
//! view state always give the same screen.

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::testing::buffer_lines;
use vcli_plugin_prometheus::view::{
    AlertInfo, AlertState, ChartSeries, Editor, Health, JobTargets, PromModel, QueryPanel,
    RuleGroupInfo, RuleInfo, Screen, TargetInfo, Ui, render,
};

const T0: f64 = 1_700_000_000.0;
/// The two sizes every screen is shown at.
const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

/// Renders into a `width` × `height` buffer and returns its text, one line
/// per row, trailing blanks trimmed.
fn draw(model: &PromModel, ui: &Ui, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render(model, ui, area, &mut buf);
    buffer_lines(&buf).join("\n")
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

/// Snapshots `name` at both sizes.
fn snapshot_sizes(name: &str, model: &PromModel, ui: &Ui) {
    for (width, height) in SIZES {
        snapshot(
            &format!("{name}_{width}x{height}"),
            &draw(model, ui, width, height),
        );
    }
}

/// A triangle wave: deterministic on every platform, unlike `sin`.
fn wave(offset: i32, height: f64) -> Vec<(f64, f64)> {
    (0..=60)
        .map(|i| {
            let phase = f64::from((i + offset) % 20);
            let v = if phase < 10.0 { phase } else { 20.0 - phase };
            (T0 - 900.0 + f64::from(i) * 15.0, v * height / 10.0)
        })
        .collect()
}

fn target(instance: &str, health: Health, age: f64, error: &str) -> TargetInfo {
    TargetInfo {
        instance: instance.to_owned(),
        health,
        last_scrape: Some(T0 - age),
        duration: 0.00231,
        error: error.to_owned(),
    }
}

fn rule(name: &str, state: Option<&str>, health: Health, error: &str) -> RuleInfo {
    RuleInfo {
        name: name.to_owned(),
        state: state.map(str::to_owned),
        health,
        last_error: error.to_owned(),
        evaluation_time: 0.000412,
    }
}

fn model() -> PromModel {
    PromModel {
        url: "http://prometheus.example:9090".to_owned(),
        updated_at: Some(T0),
        error: None,
        jobs: vec![
            JobTargets {
                job: "node".to_owned(),
                targets: vec![
                    target(
                        "10.0.0.4:9100",
                        Health::Down,
                        3.0,
                        "Get \"http://10.0.0.4:9100/metrics\": dial tcp 10.0.0.4:9100: connect: connection refused",
                    ),
                    target("10.0.0.1:9100", Health::Up, 2.0, ""),
                    target("10.0.0.2:9100", Health::Up, 9.0, ""),
                ],
            },
            JobTargets {
                job: "k8s-emulator".to_owned(),
                targets: vec![target("127.0.0.1:40111", Health::Up, 1.0, "")],
            },
            JobTargets {
                job: "redis".to_owned(),
                targets: vec![TargetInfo {
                    instance: "redis-0:9121".to_owned(),
                    ..TargetInfo::default()
                }],
            },
        ],
        alerts: vec![
            AlertInfo {
                name: "PodMemoryHigh".to_owned(),
                state: AlertState::Firing,
                severity: Some("warning".to_owned()),
                labels: "container=nginx,namespace=default,pod=nginx-7c5ddbdf54-x8f9p".to_owned(),
                active_at: T0 - 754.0,
                value: 98_566_144.0,
                pod: Some(("default".to_owned(), "nginx-7c5ddbdf54-x8f9p".to_owned())),
            },
            AlertInfo {
                name: "InstanceDown".to_owned(),
                state: AlertState::Firing,
                severity: Some("page".to_owned()),
                labels: "instance=10.0.0.4:9100,job=node".to_owned(),
                active_at: T0 - 45.0,
                value: 0.0,
                pod: None,
            },
            AlertInfo {
                name: "PodRestarting".to_owned(),
                state: AlertState::Pending,
                severity: None,
                labels: "namespace=default,pod=api-5f8d9c7b6d-q7w2n".to_owned(),
                active_at: T0 - 30.0,
                value: 7.0,
                pod: Some(("default".to_owned(), "api-5f8d9c7b6d-q7w2n".to_owned())),
            },
        ],
        groups: vec![
            RuleGroupInfo {
                name: "pods".to_owned(),
                file: "/etc/prometheus/rules.yml".to_owned(),
                evaluation_time: 0.0011,
                rules: vec![
                    rule("PodMemoryHigh", Some("firing"), Health::Up, ""),
                    rule("PodRestarting", Some("pending"), Health::Up, ""),
                    rule(
                        "job:bad:ratio",
                        None,
                        Health::Down,
                        "vector contains metrics with the same labelset after applying rule labels",
                    ),
                ],
            },
            RuleGroupInfo {
                name: "nodes".to_owned(),
                file: "/etc/prometheus/nodes.yml".to_owned(),
                evaluation_time: 0.0004,
                rules: vec![rule("InstanceDown", Some("inactive"), Health::Up, "")],
            },
        ],
        query: Some(QueryPanel {
            expr: "sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))".to_owned(),
            start: T0 - 900.0,
            end: T0,
            step: 15.0,
            series: vec![
                ChartSeries {
                    name: "{pod=\"nginx-7c5ddbdf54-x8f9p\"}".to_owned(),
                    points: wave(0, 0.4),
                },
                ChartSeries {
                    name: "{pod=\"api-5f8d9c7b6d-k2j4h\"}".to_owned(),
                    points: wave(7, 0.12),
                },
            ],
            total_series: 2,
            error: None,
        }),
    }
}

fn on(screen: Screen) -> Ui {
    Ui {
        screen,
        editor: Editor::with_text("sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))"),
        ..Ui::default()
    }
}

#[test]
fn targets_by_job_with_a_down_target_and_its_error() {
    snapshot_sizes("view_targets", &model(), &on(Screen::Targets));
}

#[test]
fn alerts_firing_then_pending_with_one_selected() {
    let ui = Ui {
        selected_alert: Some(0),
        ..on(Screen::Alerts)
    };
    snapshot_sizes("view_alerts", &model(), &ui);
}

#[test]
fn rules_with_an_unhealthy_rule() {
    snapshot_sizes("view_rules", &model(), &on(Screen::Rules));
}

#[test]
fn query_editor_with_chart_and_legend() {
    snapshot_sizes("view_query", &model(), &on(Screen::Query));
}

#[test]
fn a_query_error_keeps_the_previous_chart() {
    let mut model = model();
    if let Some(query) = &mut model.query {
        query.error =
            Some("bad query: 1:14: parse error: unexpected right parenthesis ')'".to_owned());
    }
    let mut ui = on(Screen::Query);
    ui.editor = Editor {
        text: "sum(rate(up[5m])))".to_owned(),
        cursor: 18,
        editing: true,
    };
    snapshot_sizes("view_query_error", &model, &ui);
}

#[test]
fn unreachable_server_before_any_data() {
    let model = PromModel {
        url: "http://127.0.0.1:9".to_owned(),
        error: Some("cannot reach Prometheus at http://127.0.0.1:9: connection refused; start a Prometheus there (Debian/Ubuntu: apt-get install prometheus) or set [plugins.prometheus.config] url".to_owned()),
        ..PromModel::default()
    };
    snapshot(
        "view_unreachable_80x24",
        &draw(&model, &on(Screen::Targets), 80, 24),
    );
}

#[test]
fn a_tiny_terminal_does_not_break_any_screen() {
    // Too small for everything: it must clip, not panic.
    for screen in Screen::ALL {
        for (w, h) in [(30, 8), (1, 1), (0, 0), (5, 40)] {
            draw(&model(), &on(screen), w, h);
        }
    }
}

#[test]
fn rendering_is_a_pure_function_of_the_model() {
    let model = model();
    let ui = on(Screen::Query);
    assert_eq!(draw(&model, &ui, 100, 30), draw(&model, &ui, 100, 30));
    assert_eq!(
        model.query.as_ref().and_then(QueryPanel::current),
        Some(0.0)
    );
}
