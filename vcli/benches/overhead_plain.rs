//! The plugin workload without any budget instrumentation: the system
//! allocator, no attribution, no poll timing. The baseline for
//! `overhead_tracked`, which registers the same benchmark name.
//!
//! Run with
//! `cargo bench -p vcli --no-default-features --bench overhead_plain`, then
//! the same with `--bench overhead_tracked`: criterion reports the tracked
//! run's change against this one, since both write `workload/plugin`.

mod workload;

use criterion::{Criterion, criterion_group, criterion_main};

fn plain(c: &mut Criterion) {
    workload::bench(c, workload::plugin_call);
}

criterion_group!(benches, plain);
criterion_main!(benches);
