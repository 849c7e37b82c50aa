//! The plugin workload under the host's budget instrumentation: the tracking
//! global allocator installed, and every plugin task wrapped so that each poll
//! runs inside the plugin's memory attribution and is timed and charged to a
//! per-plugin meter, as `manager::call::Metered` does. Compare with
//! `overhead_plain`, which registers the same benchmark name.

mod workload;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use vcli::sandbox::memory::{self, PluginId, TrackingAllocator};

#[global_allocator]
static ALLOC: TrackingAllocator = TrackingAllocator;

pin_project_lite::pin_project! {
    /// Plugin code as the host runs it: attributed and timed on every poll.
    struct Hosted<F> {
        #[pin]
        inner: F,
        plugin: PluginId,
        poll_nanos: Arc<AtomicU64>,
    }
}

impl<F: Future> Future for Hosted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _attribution = memory::enter(*this.plugin);
        let started = Instant::now();
        let result = this.inner.poll(cx);
        let spent = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        this.poll_nanos.fetch_add(spent, Ordering::Relaxed);
        result
    }
}

fn tracked(c: &mut Criterion) {
    let plugin = PluginId::new(1).expect("valid plugin id");
    let poll_nanos = Arc::new(AtomicU64::new(0));
    workload::bench(c, |seed| Hosted {
        inner: workload::plugin_call(seed),
        plugin,
        poll_nanos: poll_nanos.clone(),
    });

    // Make sure the instrumentation was really in the measured path.
    assert!(
        memory::is_installed(),
        "the tracking allocator is installed"
    );
    assert!(
        poll_nanos.load(Ordering::Relaxed) > 0,
        "plugin polls were timed"
    );
    let live = memory::allocated(plugin);
    assert!(
        live.abs() < 1 << 20,
        "the workload frees what it allocates, yet {live} bytes stay charged"
    );
}

criterion_group!(benches, tracked);
criterion_main!(benches);
