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
        ("kubernetes__get_configmaps_all", &["get", "cm", "-A"]),
        (
            "kubernetes__get_jobs_all_wide",
            &["get", "jobs", "-A", "-o", "wide"],
        ),
        (
            "kubernetes__get_widgets_all_wide_labels",
            &["get", "wdg", "-A", "-o", "wide", "--show-labels"],
        ),
        (
            "kubernetes__get_pods_jsonpath_range",
            &[
                "get",
                "pods",
                "-o",
                r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.spec.nodeName}{"\n"}{end}"#,
            ],
        ),
        (
            "kubernetes__get_ingresses_custom_columns",
            &[
                "get",
                "ing",
                "-A",
                "-o",
                "custom-columns=NAME:.metadata.name,HOSTS:.spec.rules[*].host,TLS:.spec.tls[*].secretName",
            ],
        ),
    ] {
        let text = env.ok(args).await;
        insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false, description => args.join(" ")}, {
            insta::assert_snapshot!(name, text);
        });
    }
}
