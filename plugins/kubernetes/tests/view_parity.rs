//! The view's lists and `vcli k8s get -A` agree: for every kind the view
//! lists, the rows it computes from the watched objects print the same
//! cells as the CLI's table from the server, column for column.

mod common;

use common::Env;
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Service};
use vcli_plugin_kubernetes::{Listed, row_of};

/// The CLI's table as rows of cells: kubectl pads columns with at least
/// three spaces, and no cell of these kinds holds three in a row.
fn cli_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let split = |line: &str| -> Vec<String> {
        line.split("   ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut lines = text.lines();
    let header = split(lines.next().unwrap_or_default());
    let mut rows: Vec<Vec<String>> = lines.map(split).collect();
    rows.sort();
    (header, rows)
}

/// The view's rows of `objects` as the CLI prints them: NAMESPACE for
/// namespaced kinds, then the kind's cells.
fn view_rows<K: Listed>(objects: &[K], now: Timestamp) -> (Vec<String>, Vec<Vec<String>>) {
    let namespaced = K::KIND.namespaced();
    let mut header: Vec<String> = Vec::new();
    if namespaced {
        header.push("NAMESPACE".to_owned());
    }
    header.extend(K::KIND.columns().iter().map(|c| c.title.to_owned()));
    let mut rows: Vec<Vec<String>> = objects
        .iter()
        .map(|o| {
            let row = row_of(o, "emulator");
            let mut cells = Vec::new();
            if namespaced {
                cells.push(row.namespace.clone());
            }
            cells.extend(row.cells.iter().map(|c| c.print(now)));
            // Empty cells vanish from the CLI's split too.
            cells.retain(|c| !c.is_empty());
            cells
        })
        .collect();
    rows.sort();
    (header, rows)
}

async fn agree<K: Listed + vcli_k8s_emulator::EmulatedResource>(env: &Env) {
    let plural = <K as Listed>::KIND.plural();
    let text = env.ok(&["get", plural, "-A"]).await;
    let objects: Vec<K> = env.emulator.state().list();
    let (cli_header, cli) = cli_rows(&text);
    let (view_header, view) = view_rows(&objects, Timestamp::now());
    assert!(!view.is_empty(), "the fixtures have {plural}");
    assert_eq!(view_header, cli_header, "{plural}");
    assert_eq!(view, cli, "{plural}:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listed_kind_prints_as_the_cli_prints_it() {
    let env = Env::standard().await;
    agree::<Pod>(&env).await;
    agree::<Deployment>(&env).await;
    agree::<ReplicaSet>(&env).await;
    agree::<StatefulSet>(&env).await;
    agree::<DaemonSet>(&env).await;
    agree::<Job>(&env).await;
    agree::<Service>(&env).await;
    agree::<Node>(&env).await;
    agree::<Namespace>(&env).await;
    agree::<Event>(&env).await;
}
