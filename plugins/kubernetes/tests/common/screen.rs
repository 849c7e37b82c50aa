//! A plugin on the API's test host with a screen: the detail's frame
//! requests wake the test, which draws a frame and checks its condition, so
//! no test waits on the clock.

use std::sync::Arc;
use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use tokio::sync::Notify;
use vcli_k8s_emulator::{Emulator, Fixtures, names};
use vcli_plugin_api::testing::TestHost;
use vcli_plugin_api::{
    CancellationToken, Capability, DescribePlugin, HostServices, Key, KeyOutcome, KeyPress,
    NetworkService, Plugin, PluginConfig, PluginContext, PluginError, Redraw, ViewEvent,
};
use vcli_plugin_kubernetes::{
    Backoff, Detail, DetailData, DetailSettings, DetailTarget, KubernetesPlugin,
};

/// The API's test host, plus a screen: frame requests wake the test.
#[derive(Debug)]
pub struct Screen {
    host: TestHost,
    frames: Arc<Notify>,
}

impl HostServices for Screen {
    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: futures::future::BoxFuture<'static, ()>,
    ) -> Result<(), PluginError> {
        self.host.spawn(plugin, name, task)
    }

    fn capability_denied(&self, plugin: &str, capability: Capability, what: &str) {
        self.host.capability_denied(plugin, capability, what);
    }

    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError> {
        self.host.network(plugin)
    }

    fn redraw(&self, _plugin: &str) -> Redraw {
        let frames = self.frames.clone();
        Redraw::new(move || frames.notify_one())
    }
}

pub struct Env {
    pub emulator: Emulator,
    screen: Arc<Screen>,
    pub plugin: KubernetesPlugin,
    pub frames: Arc<Notify>,
    cancel: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

pub async fn env(fixtures: Fixtures) -> Env {
    let emulator = Emulator::start(fixtures).await.expect("emulator starts");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = emulator.write_kubeconfig(dir.path()).unwrap();
    let frames = Arc::new(Notify::new());
    let screen = Screen {
        host: TestHost::builder().network().build(),
        frames: frames.clone(),
    };
    let screen = Arc::new(screen);
    let cancel = CancellationToken::new();
    let ctx = PluginContext::new(
        "kubernetes",
        Capability::ALL.to_vec(),
        cancel.clone(),
        screen.clone() as Arc<dyn HostServices>,
    );
    let plugin = KubernetesPlugin::create();
    let config = format!("kubeconfig = {:?}", kubeconfig.display().to_string());
    plugin
        .initialize(ctx, PluginConfig::from_toml(&config))
        .await
        .expect("initialize");
    Env {
        emulator,
        screen,
        plugin,
        frames,
        cancel,
        _dir: dir,
    }
}

impl Env {
    /// Cancels the plugin's context, as the host does when it stops the plugin.
    pub fn stop_plugin(&self) {
        self.cancel.cancel();
    }

    /// From now on the host refuses every connection the plugin asks for.
    pub fn refuse_connections(&self) {
        if let Some(meter) = self.screen.host.meter() {
            meter.refuse_all(true);
        }
    }

    pub fn open(&self, pod: &str, backoff: Backoff) -> Detail {
        let settings = DetailSettings {
            log_lines: 500,
            backoff,
        };
        let opener = self.plugin.detail_opener().unwrap().with_settings(settings);
        opener.open(DetailTarget::pod("", names::DEFAULT, pod))
    }

    /// Opens the detail of any object, with the default settings.
    pub fn open_target(&self, target: DetailTarget) -> Detail {
        self.plugin.detail_opener().unwrap().open(target)
    }

    /// Draws frames as the detail asks for them until `done` holds.
    pub async fn until(&self, detail: &mut Detail, what: &str, done: impl Fn(&DetailData) -> bool) {
        let area = Rect::new(0, 0, 100, 30);
        loop {
            let mut buf = Buffer::empty(area);
            detail.render(area, &mut buf);
            if done(&detail.shared().lock()) {
                return;
            }
            let woken = tokio::time::timeout(Duration::from_secs(20), self.frames.notified()).await;
            if woken.is_err() {
                let d = detail.shared().lock();
                panic!(
                    "waiting for {what}: no change in 20 s; logs {:?}, events {:?}, {} lines",
                    d.log_stream,
                    d.events_stream,
                    d.logs.len()
                );
            }
        }
    }
}

pub fn fast() -> Backoff {
    Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
    }
}

pub fn texts(d: &DetailData) -> Vec<String> {
    d.logs
        .iter_from(d.logs.first_seq())
        .map(|(_, l)| l.text().to_owned())
        .collect()
}

pub fn key(detail: &mut Detail, key: Key) -> KeyOutcome {
    detail.handle_event(&ViewEvent::Key(KeyPress::plain(key)))
}

pub async fn cli(env: &Env, args: &[&str]) -> String {
    let captured = vcli_plugin_api::testing::Capture::new();
    vcli_plugin_api::testing::run_command(&env.plugin, args, &mut captured.output())
        .await
        .unwrap_or_else(|e| panic!("vcli k8s {args:?}: {e}"));
    captured.data()
}
