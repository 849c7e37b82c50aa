//! The pod lens and the alerts screen against a real Prometheus scraping
//! the Kubernetes emulator's pod metrics and evaluating an alert rule about
//! one pod: the lens shows the pod's memory and the alert, the alerts
//! screen lists it, and Enter on it asks to reveal that pod.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use vcli_k8s_emulator::{Emulator, Fixtures, MetricsExporter, memory_bytes, names};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::testing::buffer_lines;
use vcli_plugin_api::{
    Capability, DescribePlugin, HostServices, Intent, Key, NetworkService, Plugin, PluginConfig,
    PluginContext, PluginError, Redraw, ResourceRef, View,
};
use vcli_plugin_prometheus::PrometheusPlugin;

use crate::support::{Prometheus, TestHost, host};

/// The API's test host, with a redraw handle that wakes the test: it
/// awaits the plugin's "my model changed" instead of sleeping.
#[derive(Debug)]
struct FramesHost {
    inner: TestHost,
    frames: Arc<Notify>,
}

impl HostServices for FramesHost {
    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Result<(), PluginError> {
        self.inner.spawn(plugin, name, task)
    }

    fn capability_denied(&self, plugin: &str, capability: Capability, what: &str) {
        self.inner.capability_denied(plugin, capability, what);
    }

    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError> {
        self.inner.network(plugin)
    }

    fn redraw(&self, _plugin: &str) -> Redraw {
        let frames = Arc::clone(&self.frames);
        Redraw::new(move || frames.notify_one())
    }
}

/// The plugin initialized with `config` on a [`FramesHost`], and the
/// notifier its redraw requests ring.
async fn plugin_with_frames(config: &str) -> (PrometheusPlugin, Arc<Notify>, PluginContext) {
    let frames = Arc::new(Notify::new());
    let services = Arc::new(FramesHost {
        inner: host(),
        frames: Arc::clone(&frames),
    });
    let ctx = PluginContext::new(
        "prometheus",
        PrometheusPlugin::METADATA.capabilities.to_vec(),
        Default::default(),
        services,
    );
    let plugin = PrometheusPlugin::create();
    plugin
        .initialize(ctx.clone(), PluginConfig::from_toml(config))
        .await
        .expect("initialize the plugin");
    (plugin, frames, ctx)
}

fn draw(view: &mut dyn View, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    view.render(area, &mut buf);
    buffer_lines(&buf).join("\n")
}

/// Redraws `view` on every redraw request until its screen holds each of
/// `wanted`, failing with the last screen after a minute.
async fn await_screen(view: &mut dyn View, frames: &Notify, wanted: &[&str]) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let screen = draw(view, 120, 30);
        if wanted.iter().all(|w| screen.contains(w)) {
            return screen;
        }
        let woken = tokio::time::timeout_at(deadline, frames.notified()).await;
        assert!(
            woken.is_ok(),
            "never showed {wanted:?}; the last screen:\n{screen}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lens_and_the_alerts_screen_show_a_pod_over_its_memory() {
    let emulator = Emulator::start(Fixtures::standard())
        .await
        .expect("emulator");
    let exporter = MetricsExporter::start(emulator.state().clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("metrics exporter");
    let pod = names::NGINX_POD;
    let memory = memory_bytes("default", pod, "nginx");
    // The rule's threshold sits just under the pod's working set.
    let rules = format!(
        "groups:\n  - name: pods\n    rules:\n      - alert: PodMemoryHigh\n        \
         expr: sum by (namespace, pod) (container_memory_working_set_bytes{{pod=\"{pod}\"}}) > {}\n        \
         for: 0s\n        labels:\n          severity: warning\n",
        memory - 1024.0 * 1024.0
    );
    let target = exporter.addr().to_string();
    let prom = tokio::task::spawn_blocking(move || {
        let prom = Prometheus::launch(&[("k8s-emulator", &target)], &rules);
        // Await the rule's evaluation on the server before looking at vcli.
        prom.wait_until("PodMemoryHigh firing", |p| {
            p.get("/api/v1/alerts").is_some_and(|(_, body)| {
                body.contains("PodMemoryHigh") && body.contains(r#""state":"firing""#)
            })
        });
        prom
    })
    .await
    .expect("start Prometheus");
    let (plugin, frames, ctx) =
        plugin_with_frames(&format!("url = \"{}\"\nrefresh = \"300ms\"\n", prom.url)).await;
    plugin.start().await.expect("start");

    // The lens on the pod: its memory as the exporter serves it, and the alert.
    let resource = ResourceRef::new("Pod", pod).in_namespace("default");
    let mut lens = plugin.lens(&resource).expect("a lens on a pod");
    let mib = format!("{:.1} MiB", memory / 1024.0 / 1024.0);
    // CPU is a rate: it needs two scrapes, so it may come a frame later.
    let screen = await_screen(
        lens.as_mut(),
        &frames,
        &[&mib, "firing  PodMemoryHigh", " cores"],
    )
    .await;
    assert!(screen.contains(&format!("pod default/{pod}")), "{screen}");
    assert!(!screen.contains('!'), "no error:\n{screen}");
    // A lens on another pod does not claim the alert.
    let other = ResourceRef::new("Pod", names::API_POD).in_namespace("default");
    let mut other = plugin.lens(&other).expect("a lens on a pod");
    await_screen(other.as_mut(), &frames, &["alerts   none name this pod"]).await;
    // The Deployment's lens gathers its pods, this one among them.
    let deployment = ResourceRef::new("Deployment", "nginx").in_namespace("default");
    let mut deployment = plugin.lens(&deployment).expect("a lens on a deployment");
    await_screen(
        deployment.as_mut(),
        &frames,
        &["pods of deployment default/nginx", pod],
    )
    .await;

    // The alerts screen lists it; Enter on it asks to reveal the pod.
    let mut view = plugin.view().expect("a view");
    view.handle_key(Key::Char('a'));
    await_screen(view.as_mut(), &frames, &["PodMemoryHigh", "1 firing"]).await;
    view.handle_key(Key::Down);
    let row = draw(view.as_mut(), 120, 30);
    assert!(row.contains("firing  PodMemoryHigh"), "{row}");
    view.handle_key(Key::Enter);
    assert_eq!(view.take_intents(), [Intent::Reveal(resource)]);

    plugin.stop().await.expect("stop");
    ctx.cancellation().cancel();
    drop(exporter);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zero_refresh_or_a_bad_lens_query_is_a_config_error_naming_the_key() {
    for (config, key) in [
        (
            "refresh = \"0\"\n",
            "refresh: \"0\" must be longer than zero",
        ),
        (
            "refresh = \"soon\"\n",
            "refresh: \"soon\" is not a duration",
        ),
        (
            "[lens]\ncpu = 'sum(rate(cpu{namespace=\"{namespace}\"}[5m]))'\n",
            "lens.cpu: the query must match the pod as a label value",
        ),
        (
            "[lens]\nrestarts = 'sum(r{pod=\"{pod}\",x=\"{container}\"})'\n",
            "lens.restarts: unknown placeholder {container}",
        ),
    ] {
        let ctx = PluginContext::new(
            "prometheus",
            PrometheusPlugin::METADATA.capabilities.to_vec(),
            Default::default(),
            Arc::new(host()),
        );
        let err = PrometheusPlugin::create()
            .initialize(ctx, PluginConfig::from_toml(config))
            .await
            .unwrap_err();
        assert!(
            matches!(err, PluginError::Config(_)) && err.to_string().contains(key),
            "{config:?}: {err}"
        );
    }
}
