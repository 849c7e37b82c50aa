//! Host overhead of the manager's hot operations with trivial plugins: the
//! seed's three benchmarks (load, health check, list) plus start/stop.
//!
//! Run with `cargo bench -p vcli --bench manager`. Results go in BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use vcli::{Catalog, Config, Manager};
use vcli_plugin_api::Registration;
// Links the test plugins; `flappy` is a trivial plugin whose calls return at once.
use vcli_test_plugins as _;

fn registrations(names: &[&str]) -> Vec<&'static Registration> {
    vcli_plugin_api::registrations()
        .into_iter()
        .filter(|r| names.contains(&r.metadata().name))
        .collect()
}

fn manager(names: &[&str]) -> Manager {
    Manager::new(
        Catalog::new(registrations(names)).expect("valid test plugins"),
        Config::default(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn load(c: &mut Criterion) {
    let rt = runtime();
    let manager = manager(&["flappy"]);
    c.bench_function("load_plugin", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    manager.load("flappy").await.expect("loads");
                    spent += t.elapsed();
                    manager.unload("flappy").await.expect("unloads");
                }
                spent
            })
        });
    });
}

fn health(c: &mut Criterion) {
    let rt = runtime();
    let manager = manager(&["flappy"]);
    rt.block_on(manager.load("flappy")).expect("loads");
    c.bench_function("health_check", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(manager.health_check("flappy").await.expect("checks"));
                }
                t.elapsed()
            })
        });
    });
}

fn list(c: &mut Criterion) {
    let one = manager(&["flappy"]);
    c.bench_function("list_plugins/1", |b| b.iter(|| black_box(one.list())));
    let all = manager(vcli_test_plugins::ALL);
    c.bench_function("list_plugins/11", |b| b.iter(|| black_box(all.list())));
}

fn start_stop(c: &mut Criterion) {
    let rt = runtime();
    let manager = manager(&["flappy"]);
    rt.block_on(manager.load("flappy")).expect("loads");
    c.bench_function("start_stop", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    manager.start("flappy").await.expect("starts");
                    manager.stop("flappy").await.expect("stops");
                }
                t.elapsed()
            })
        });
    });
}

criterion_group!(benches, load, health, list, start_stop);
criterion_main!(benches);
