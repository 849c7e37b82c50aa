//! Snapshots of the pod lens, drawn from hand-built models at 80x24 and
//! 200x50: with data and an alert, and with Prometheus unreachable.

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::testing::buffer_lines;
use vcli_plugin_prometheus::{
    LensAlert, LensMetric, LensModel, MetricData, Unit, render_lens, view::AlertState,
};

fn draw(model: &LensModel, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render_lens(model, area, &mut buf);
    buffer_lines(&buf).join("\n")
}

fn snapshot_sizes(name: &str, model: &LensModel) {
    for (width, height) in [(80, 24), (200, 50)] {
        insta::with_settings!({
            snapshot_path => "../../../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(
                format!("prometheus__{name}_{width}x{height}"),
                draw(model, width, height)
            );
        });
    }
}

fn metric(label: &str, unit: Unit, data: MetricData) -> LensMetric {
    LensMetric {
        label: label.to_owned(),
        unit,
        data,
    }
}

#[test]
fn a_pod_with_data_and_a_firing_alert() {
    let cpu: Vec<f64> = (0..30).map(|i| 0.1 + f64::from(i % 7) * 0.02).collect();
    let model = LensModel {
        subject: "pod default/nginx-7c5ddbdf54-x8f9p".to_owned(),
        metrics: vec![
            metric("cpu", Unit::Cores, MetricData::Points(cpu)),
            metric(
                "memory",
                Unit::Bytes,
                MetricData::Points(vec![115_343_360.0; 30]),
            ),
            metric(
                "restarts",
                Unit::Count,
                MetricData::Points(vec![2.0, 2.0, 2.0]),
            ),
        ],
        alerts: vec![LensAlert {
            name: "PodMemoryHigh".to_owned(),
            state: AlertState::Firing,
            pod: "nginx-7c5ddbdf54-x8f9p".to_owned(),
            value: 115_343_360.0,
        }],
        alerts_known: true,
        error: None,
    };
    snapshot_sizes("lens_data", &model);
}

#[test]
fn without_prometheus_the_lens_says_what_is_missing() {
    let model = LensModel {
        subject: "pod default/nginx-7c5ddbdf54-x8f9p".to_owned(),
        metrics: ["cpu", "memory", "restarts"]
            .into_iter()
            .zip([Unit::Cores, Unit::Bytes, Unit::Count])
            .map(|(label, unit)| metric(label, unit, MetricData::Failed))
            .collect(),
        alerts: Vec::new(),
        alerts_known: false,
        error: Some("cannot reach Prometheus at http://127.0.0.1:9: connection refused: no CPU, memory, restarts or alerts for this pod until Prometheus answers (set url in [plugins.prometheus.config])".to_owned()),
    };
    snapshot_sizes("lens_unreachable", &model);
}

#[test]
fn a_series_missing_is_told_apart_from_a_failure() {
    let model = LensModel {
        subject: "pods of deployment default/nginx".to_owned(),
        metrics: vec![metric("memory", Unit::Bytes, MetricData::NoSeries)],
        alerts: Vec::new(),
        alerts_known: true,
        error: None,
    };
    assert_eq!(
        draw(&model, 60, 4),
        "pods of deployment default/nginx\n\
         memory   no series (is this metric scraped?)\n\
         alerts   none name this pod\n"
    );
    // Tiny panels clip instead of panicking.
    draw(&model, 1, 1);
    draw(&model, 0, 0);
}
