//! Snapshots of the CLI tables on the emulator's standard cluster (its ages
//! are chosen to stay stable while a test runs; kubectl parity is checked
//! in `parity.rs`, these pin the layout).

mod common;

use common::Env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_tables() {
    let env = Env::standard().await;
    for (name, args) in [
        (
            "kubernetes__get_pods_all_wide",
            &["get", "pods", "-A", "-o", "wide"][..],
        ),
        (
            "kubernetes__get_deployments_all_wide",
            &["get", "deploy", "-A", "-o", "wide"],
        ),
        ("kubernetes__get_services_all", &["get", "svc", "-A"]),
        (
            "kubernetes__get_nodes_wide",
            &["get", "nodes", "-o", "wide"],
        ),
        ("kubernetes__get_namespaces", &["get", "ns"]),
        ("kubernetes__get_events_all", &["get", "events", "-A"]),
        ("kubernetes__contexts", &["contexts"]),
    ] {
        let text = env.ok(args).await;
        insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false, description => args.join(" ")}, {
            insta::assert_snapshot!(name, text);
        });
    }
}
