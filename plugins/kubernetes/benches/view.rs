//! Frame time of the Kubernetes view with a 10,000-pod model: the budget is
//! 2 ms per frame, which only holds because just the visible rows are laid out.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vcli_plugin_kubernetes::{ConnectionStatus, KubeModel, PodRow, ViewState, render};

fn model(n: usize) -> KubeModel {
    let now: Timestamp = "2024-05-01T12:00:00Z".parse().expect("valid timestamp");
    let mut m = KubeModel::new("bench", None);
    m.now = now;
    m.connection = ConnectionStatus::Connected;
    m.server_version = Some("v1.37.0".into());
    for i in 0..n {
        let status = if i % 97 == 0 {
            "CrashLoopBackOff"
        } else {
            "Running"
        };
        let created = now - jiff::SignedDuration::from_secs(3600 + i as i64);
        m.upsert_pod(PodRow::new(
            &format!("load-{}", i % 4),
            &format!("load-{i:05}"),
            "1/1",
            status,
            (i % 5) as i64,
            Some(created),
            Some(created),
            "worker-1",
        ));
    }
    m
}

fn bench(c: &mut Criterion) {
    let m = model(10_000);
    let area = Rect::new(0, 0, 200, 60);
    let mut buf = Buffer::empty(area);
    let mut group = c.benchmark_group("view_10k_pods");
    group.bench_function("top", |b| {
        let state = ViewState::default();
        b.iter(|| render(black_box(&m), &state, area, &mut buf));
    });
    group.bench_function("scrolled_to_end", |b| {
        let state = ViewState {
            selected: 9_999,
            offset: 9_945,
            ..ViewState::default()
        };
        b.iter(|| render(black_box(&m), &state, area, &mut buf));
    });
    group.bench_function("filtered", |b| {
        let state = ViewState {
            filter: "load-2".into(),
            selected: 500,
            ..ViewState::default()
        };
        b.iter(|| render(black_box(&m), &state, area, &mut buf));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
