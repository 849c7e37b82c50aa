//! The plugin workload shared by the `overhead_plain` and `overhead_tracked`
//! benchmarks: the same code, measured once bare and once under the host's
//! budget instrumentation, so that the two results differ only by the cost of
//! that instrumentation.
//!
//! One "plugin call" does what a cockpit plugin typically does when it
//! refreshes a view: it receives a JSON document from an API (here built
//! in-process instead of fetched), parses it into typed structs, aggregates
//! it into maps and formatted rows, serializes a summary, and yields to the
//! runtime a few times along the way as real IO would.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::Criterion;
use serde::{Deserialize, Serialize};

/// Plugin calls per benchmark iteration, each on a task of its own as the
/// host's `call_plugin` does.
pub(crate) const CALLS_PER_ITERATION: u64 = 4;

/// Pods in each simulated API response.
const PODS: usize = 60;

const NAMESPACES: [&str; 4] = ["default", "kube-system", "monitoring", "payments"];

#[derive(Debug, Serialize, Deserialize)]
struct PodList {
    kind: String,
    items: Vec<Pod>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Pod {
    metadata: Metadata,
    status: Status,
}

#[derive(Debug, Serialize, Deserialize)]
struct Metadata {
    name: String,
    namespace: String,
    labels: HashMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    phase: String,
    restart_count: u32,
    container_statuses: Vec<ContainerStatus>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ContainerStatus {
    name: String,
    ready: bool,
    image: String,
}

#[derive(Debug, Serialize)]
struct Summary<'a> {
    by_namespace: Vec<(&'a str, usize)>,
    restarts: u32,
    not_running: Vec<&'a str>,
    rows: Vec<String>,
}

/// The response body an API server would send for `seed`.
fn response(seed: u64) -> String {
    let items = (0..PODS)
        .map(|i| {
            let labels = HashMap::from([
                ("app".to_owned(), format!("app-{}", i % 7)),
                ("tier".to_owned(), "backend".to_owned()),
                ("release".to_owned(), format!("r{seed}")),
            ]);
            Pod {
                metadata: Metadata {
                    name: format!("pod-{seed}-{i}"),
                    namespace: NAMESPACES[i % NAMESPACES.len()].to_owned(),
                    labels,
                },
                status: Status {
                    phase: if i % 5 == 0 { "Pending" } else { "Running" }.to_owned(),
                    restart_count: u32::try_from(i % 3).unwrap_or(0),
                    container_statuses: vec![ContainerStatus {
                        name: "main".to_owned(),
                        ready: i % 5 != 0,
                        image: "registry.example/app:1.2.3".to_owned(),
                    }],
                },
            }
        })
        .collect();
    let list = PodList {
        kind: "PodList".to_owned(),
        items,
    };
    serde_json::to_string(&list).expect("serializable")
}

/// One plugin call; returns the length of the summary it produced so that
/// nothing can be optimized away.
pub(crate) async fn plugin_call(seed: u64) -> usize {
    let body = response(seed);
    tokio::task::yield_now().await;

    let list: PodList = serde_json::from_str(&body).expect("valid response");
    tokio::task::yield_now().await;

    let mut by_namespace: HashMap<&str, usize> = HashMap::new();
    let mut restarts = 0;
    let mut not_running = Vec::new();
    let mut rows = Vec::with_capacity(list.items.len());
    for pod in &list.items {
        *by_namespace.entry(&pod.metadata.namespace).or_default() += 1;
        restarts += pod.status.restart_count;
        if pod.status.phase != "Running" {
            not_running.push(pod.metadata.name.as_str());
        }
        let ready = pod
            .status
            .container_statuses
            .iter()
            .filter(|c| c.ready)
            .count();
        rows.push(format!(
            "{:<16} {:<24} {}/{} {:<8} {}",
            pod.metadata.namespace,
            pod.metadata.name,
            ready,
            pod.status.container_statuses.len(),
            pod.status.phase,
            pod.metadata.labels.get("app").map_or("-", String::as_str),
        ));
    }
    rows.sort();
    let mut by_namespace: Vec<_> = by_namespace.into_iter().collect();
    by_namespace.sort_unstable();
    tokio::task::yield_now().await;

    let summary = Summary {
        by_namespace,
        restarts,
        not_running,
        rows,
    };
    serde_json::to_string(&summary).expect("serializable").len()
}

/// The runtime both benchmarks use: current-thread, so that the numbers do
/// not depend on cross-thread scheduling.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Registers `workload/plugin`: each iteration spawns
/// [`CALLS_PER_ITERATION`] plugin calls, each made into a future by `call`
/// (bare, or wrapped the way the host wraps plugin code), and awaits them.
pub(crate) fn bench<F>(c: &mut Criterion, call: impl Fn(u64) -> F)
where
    F: Future<Output = usize> + Send + 'static,
{
    let rt = runtime();
    let mut group = c.benchmark_group("workload");
    let mut seed = 0u64;
    group.bench_function("plugin", |b| {
        b.iter(|| {
            rt.block_on(async {
                let calls: Vec<_> = (0..CALLS_PER_ITERATION)
                    .map(|i| tokio::spawn(call(seed.wrapping_add(i))))
                    .collect();
                let mut total = 0;
                for handle in calls {
                    total += handle.await.expect("plugin call");
                }
                seed = seed.wrapping_add(CALLS_PER_ITERATION);
                black_box(total)
            })
        });
    });
    group.finish();
}
