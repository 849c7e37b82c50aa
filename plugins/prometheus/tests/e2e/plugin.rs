//! The plugin around the commands: unreachable servers, the network policy
//! and meter, health, the view's refresh, and configuration errors.

use std::time::{Duration, Instant};

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::{HealthState, Plugin, PluginError};

use crate::support::{self, Prometheus, fails, free_port, ok, plugin, plugin_for, run};

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_server_is_named_with_its_url() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let h = plugin_for(&url).await;
    let started = Instant::now();
    let err = fails(h.plugin(), &["query", "up"]).await;
    assert_eq!(
        err.to_string(),
        format!("cannot reach Prometheus at {url}: connection refused")
    );
    assert_eq!(err.exit_code(), 1);
    // Retried (100 ms + 200 ms of backoff), but bounded.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(
        h.host().meter().unwrap().authorized().len(),
        3,
        "three attempts"
    );
    // --url overrides the configuration.
    let prom = Prometheus::shared();
    assert!(
        ok(h.plugin(), &["query", "up", "--url", &prom.url])
            .await
            .contains("prometheus")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_are_authorized_and_metered() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    ok(h.plugin(), &["labels"]).await;
    let meter = h.host().meter().expect("the network is granted");
    assert!(
        meter
            .authorized()
            .contains(&("127.0.0.1".to_owned(), prom.port))
    );
    let sent = meter.sent();
    let received = meter.received();
    assert!(
        sent > 40 && received > 200,
        "sent {sent}, received {received}"
    );

    // Authorization happens per connection (an idle pooled connection is
    // reused without asking again), so deny before a fresh plugin connects.
    let denied = plugin_for(&prom.url).await;
    denied.host().meter().unwrap().refuse("127.0.0.1");
    let err = fails(denied.plugin(), &["labels"]).await;
    assert!(
        matches!(err, PluginError::CapabilityDenied { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("outside the network scope"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reflects_the_server() {
    let prom = Prometheus::shared();
    let h = plugin_for(&prom.url).await;
    let health = h.plugin().health().await;
    assert_eq!(health.state, HealthState::Healthy, "{health:?}");
    assert!(
        health.message.starts_with("Prometheus 2.") && health.message.contains(&prom.url),
        "{}",
        health.message
    );
    assert!(health.metrics.contains_key("latency_ms"));
    assert_eq!(health.metrics.get("version_major"), Some(&2.0));

    let down = plugin_for(&format!("http://127.0.0.1:{}", free_port())).await;
    let health = down.plugin().health().await;
    assert_eq!(health.state, HealthState::Unhealthy, "{health:?}");
    assert!(
        health.message.starts_with("cannot reach Prometheus at"),
        "{}",
        health.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_view_follows_the_server_and_the_last_range_query() {
    let prom = Prometheus::shared();
    let h = plugin(&format!("url = \"{}\"\nrefresh = \"200ms\"\n", prom.url)).await;
    h.plugin().start().await.expect("start");
    assert_eq!(h.host().spawned(), ["prometheus-view-refresh"]);
    let mut view = h.plugin().view().expect("a view");
    assert_eq!(view.title(), "Prometheus");
    let draw = |view: &mut Box<dyn vcli_plugin_api::View>| {
        let area = Rect::new(0, 0, 100, 30);
        let mut buf = Buffer::empty(area);
        view.render(area, &mut buf);
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol().to_owned())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Each screen, shown by its key, fills in from the same refresh.
    for (key, wanted) in [
        ('t', "t Targets 1/2 up"),
        ('a', "AlwaysFiring"),
        ('g', "vcli-test"),
        ('e', "sum(up) · last 15m"),
    ] {
        view.handle_key(vcli_plugin_api::Key::Char(key));
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut screen = draw(&mut view);
        while !screen.contains(wanted) {
            assert!(
                Instant::now() < deadline,
                "`{key}` never showed {wanted:?}:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            screen = draw(&mut view);
        }
    }
    // A range query run through the plugin takes over the query screen.
    ok(h.plugin(), &["range", "count(up == 0)", "--since", "5m"]).await;
    let screen = draw(&mut view);
    assert!(screen.contains(" count(up == 0) · last 5m "), "{screen}");
    assert!(
        screen.contains("│ > count(up == 0) "),
        "the editor follows:\n{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains("━ {}") && l.trim_end().ends_with("1 │")),
        "the legend gives the current value:\n{screen}"
    );
    h.plugin().stop().await.expect("stop");
    h.cancellation().cancel();
}

#[tokio::test(flavor = "multi_thread")]
async fn configuration_mistakes_are_config_errors() {
    use vcli_plugin_api::{DescribePlugin, PluginConfig, PluginContext};
    use vcli_plugin_prometheus::PrometheusPlugin;
    let host = std::sync::Arc::new(support::host());
    let ctx = PluginContext::new(
        "prometheus",
        PrometheusPlugin::METADATA.capabilities.to_vec(),
        Default::default(),
        host,
    );
    let err = PrometheusPlugin::create()
        .initialize(
            ctx,
            PluginConfig::from_toml("url = \"http://x\"\nrefersh = \"1s\"\n"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, PluginError::Config(_))
            && err.to_string().contains("unknown field `refersh`"),
        "{err}"
    );
    // Not initialized: commands fail clearly, health is unknown.
    let fresh = PrometheusPlugin::create();
    assert_eq!(fresh.health().await.state, HealthState::Unknown);
    assert!(run(&fresh, &["labels"]).await.0.is_err());
}
