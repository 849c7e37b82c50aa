//! Frame time of the Kubernetes view with a 10,000-pod model: a plain
//! frame, the end of the list, a filter keystroke (the filter applied and
//! the frame drawn, as the host does on every edit of the `/` line), a
//! label selector, and a list sorted by RESTARTS and by AGE. The budget is
//! one frame (16 ms); only the visible rows are laid out.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vcli_plugin_kubernetes::{Cell, Kind, KubeModel, Row, Sort, ViewState, WatchState, render};

fn model(n: usize) -> KubeModel {
    let now: Timestamp = "2024-05-01T12:00:00Z".parse().expect("valid timestamp");
    let mut m = KubeModel::new("bench", None);
    m.now = now;
    m.server_versions.insert("bench".into(), "v1.37.0".into());
    m.set_watch(Kind::Pods, "bench", WatchState::Live);
    let rows = (0..n)
        .map(|i| {
            let status = if i % 97 == 0 {
                "CrashLoopBackOff"
            } else {
                "Running"
            };
            let created = now - jiff::SignedDuration::from_secs(3600 + (i * 7919 % 86_400) as i64);
            let labels = BTreeMap::from([
                ("app".to_owned(), "load".to_owned()),
                ("shard".to_owned(), (i % 10).to_string()),
            ]);
            Row::new(
                "bench",
                &format!("load-{}", i % 4),
                &format!("load-{i:05}"),
                vec![
                    Cell::text(format!("load-{i:05}")),
                    Cell::text("1/1"),
                    Cell::text(status),
                    Cell::Restarts((i % 13) as i64, Some(created)),
                    Cell::Age(Some(created)),
                ],
                labels,
            )
        })
        .collect();
    m.replace(Kind::Pods, "bench", rows);
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
    group.bench_function("filter_keystroke_to_frame", |b| {
        let mut state = ViewState {
            selected: 500,
            ..ViewState::default()
        };
        b.iter(|| {
            state.set_filter(black_box("load-2"));
            render(black_box(&m), &state, area, &mut buf);
        });
    });
    group.bench_function("label_selector_keystroke_to_frame", |b| {
        let mut state = ViewState::default();
        b.iter(|| {
            state.set_filter(black_box("-l app=load,shard in (3,4)"));
            render(black_box(&m), &state, area, &mut buf);
        });
    });
    for (name, column) in [("sorted_by_restarts", 3), ("sorted_by_age", 4)] {
        group.bench_function(name, |b| {
            let mut state = ViewState::default();
            state.sorts.insert(
                Kind::Pods,
                Sort {
                    column,
                    descending: true,
                },
            );
            b.iter(|| render(black_box(&m), &state, area, &mut buf));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
