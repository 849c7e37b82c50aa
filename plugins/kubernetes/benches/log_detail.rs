//! The log viewer's hot path: a batch of 1,000 lines ingested (parsed, pushed
//! into a full ring under the shared lock, a frame asked for) and one frame
//! drawn at 200x50. At 1,000 lines a second that is one batch a second, so
//! the time per batch is the share of a core a chatty pod costs; it must stay
//! well under 10% (100 ms). The ring's memory is printed after 100,000 lines:
//! bounded by its cap, however many lines went through.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vcli_plugin_api::Redraw;
use vcli_plugin_kubernetes::{
    DEFAULT_LOG_LINES, DetailData, DetailTab, DetailTarget, DetailViewState, LogLine, LogViewState,
    SharedDetail, StreamState, render_detail,
};

fn raw(n: u64) -> String {
    let nanos = n % 1_000_000_000;
    format!(
        "2024-05-01T12:{:02}:{:02}.{nanos:09}Z line {n}: GET /api/items/{} 200 {}ms user-agent=Mozilla/5.0",
        (n / 60) % 60,
        n % 60,
        n % 997,
        (n * 37) % 250
    )
}

fn shared() -> SharedDetail {
    let target = DetailTarget::pod("bench", "default", "chatty");
    let mut data = DetailData::new(target, DEFAULT_LOG_LINES);
    data.log_stream = StreamState::Live;
    for n in 0..DEFAULT_LOG_LINES as u64 {
        data.logs.push(LogLine::parse(&raw(n)));
    }
    SharedDetail::new(data, Redraw::detached())
}

fn bench(c: &mut Criterion) {
    let area = Rect::new(0, 0, 200, 50);
    let mut group = c.benchmark_group("log_detail");
    for (name, log) in [
        ("batch_1000_lines_and_a_frame", LogViewState::default()),
        (
            "batch_1000_lines_and_a_frame_wrap_search",
            LogViewState {
                wrap: true,
                search: "items/42".into(),
                timestamps: true,
                ..LogViewState::default()
            },
        ),
    ] {
        let shared = shared();
        let state = DetailViewState {
            tab: DetailTab::Logs,
            log: log.clone(),
            ..DetailViewState::default()
        };
        let mut next = DEFAULT_LOG_LINES as u64;
        let mut buf = Buffer::empty(area);
        group.bench_function(name, |b| {
            b.iter(|| {
                let batch: Vec<LogLine> = (next..next + 1_000)
                    .map(|n| LogLine::parse(&raw(n)))
                    .collect();
                next += 1_000;
                shared.update(|d| {
                    for line in batch {
                        d.logs.push(line);
                    }
                });
                shared.frame_drawn();
                let data = shared.lock();
                black_box(render_detail(&data, &state, area, &mut buf));
            });
        });
    }
    group.finish();

    let shared = shared();
    for n in 0..100_000u64 {
        shared.update(|d| d.logs.push(LogLine::parse(&raw(n))));
    }
    let data = shared.lock();
    let held = data.logs.bytes() + data.logs.len() * std::mem::size_of::<LogLine>();
    eprintln!(
        "ring after 100,000 more lines: {} kept (cap {}), {} dropped, about {:.1} MiB held",
        data.logs.len(),
        data.logs.cap(),
        data.logs.dropped(),
        held as f64 / f64::from(1 << 20)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
