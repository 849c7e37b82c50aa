//! Host overhead of the manager's hot operations with trivial plugins: the
//! seed's three benchmarks (load, health check, list), start/stop, and a
//! plugin command run through the manager.
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
    let name = format!("list_plugins/{}", vcli_test_plugins::ALL.len());
    c.bench_function(&name, |b| b.iter(|| black_box(all.list())));
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

/// A host that provides nothing: the baseline for calling a plugin directly.
#[derive(Debug)]
struct NoServices;

impl vcli_plugin_api::HostServices for NoServices {
    fn spawn(
        &self,
        _plugin: &str,
        _name: &str,
        _task: futures::future::BoxFuture<'static, ()>,
    ) -> Result<(), vcli_plugin_api::PluginError> {
        Err(vcli_plugin_api::PluginError::Cancelled)
    }

    fn capability_denied(&self, _: &str, _: vcli_plugin_api::Capability, _: &str) {}

    fn network(
        &self,
        _: &str,
    ) -> Result<vcli_plugin_api::NetworkService, vcli_plugin_api::PluginError> {
        Err(vcli_plugin_api::PluginError::Cancelled)
    }
}

/// The plugin's own cost, called without the manager: what the host adds
/// is the difference between these and the benchmarks above.
fn direct(c: &mut Criterion) {
    let rt = runtime();
    let registration = registrations(&["flappy"])[0];
    let services: std::sync::Arc<dyn vcli_plugin_api::HostServices> =
        std::sync::Arc::new(NoServices);
    c.bench_function("direct/load_plugin", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let plugin = registration.create();
                    let ctx = vcli_plugin_api::PluginContext::new(
                        "flappy",
                        Vec::new(),
                        vcli_plugin_api::CancellationToken::new(),
                        services.clone(),
                    );
                    plugin
                        .initialize(ctx, vcli_plugin_api::PluginConfig::empty())
                        .await
                        .expect("initializes");
                    black_box(plugin);
                }
                t.elapsed()
            })
        });
    });
    let plugin = registration.create();
    c.bench_function("direct/health_check", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(plugin.health().await);
                }
                t.elapsed()
            })
        });
    });
}

/// The matches of `vcli steady echo hi`, as the CLI parses them.
fn echo_matches() -> vcli_plugin_api::clap::ArgMatches {
    let command = registrations(&["steady"])[0]
        .command()
        .expect("steady has commands");
    command
        .try_get_matches_from(["steady", "echo", "hi"])
        .expect("valid command line")
}

fn sink() -> vcli_plugin_api::Output {
    vcli_plugin_api::Output::new(
        Box::new(std::io::sink()),
        vcli_plugin_api::OutputStyle::PLAIN,
    )
}

/// A command through the manager (its own task, metered, memory budget
/// checked after each poll, cancellable) against the same command called
/// on the plugin directly.
fn command(c: &mut Criterion) {
    let rt = runtime();
    let manager = manager(&["steady"]);
    let matches = echo_matches();
    let cancel = vcli_plugin_api::CancellationToken::new();
    rt.block_on(manager.prepare_for_command("steady"))
        .expect("loads");
    c.bench_function("command", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    manager
                        .run_command("steady", matches.clone(), sink(), &cancel)
                        .await
                        .expect("runs");
                }
                t.elapsed()
            })
        });
    });
    let plugin = rt
        .block_on(manager.prepare_for_command("steady"))
        .expect("loaded");
    c.bench_function("direct/command", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let matches = matches.clone();
                    let mut out = sink();
                    plugin.run_command(&matches, &mut out).await.expect("runs");
                }
                t.elapsed()
            })
        });
    });
}

criterion_group!(benches, load, health, list, start_stop, direct, command);
criterion_main!(benches);
