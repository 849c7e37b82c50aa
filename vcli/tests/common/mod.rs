//! Shared helpers for the manager's integration tests.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use tokio::sync::broadcast::Receiver;
use vcli::manager::{Event, EventKind};
use vcli::{Catalog, Config, Manager};
// Links the misbehaving test plugins so their registrations exist.
use vcli_test_plugins as _;

/// A manager over the named test plugins only, configured by `config` (TOML).
pub(crate) fn manager(names: &[&str], config: &str) -> Manager {
    let registrations = vcli_plugin_api::registrations()
        .into_iter()
        .filter(|r| names.contains(&r.metadata().name));
    let catalog = Catalog::new(registrations).expect("test plugins have valid metadata");
    assert_eq!(
        catalog.len(),
        names.len(),
        "every named test plugin is linked"
    );
    Manager::new(
        catalog,
        Config::parse(None, config).expect("test config parses"),
    )
}

/// Drains every event already sent, as (plugin, kind) pairs.
pub(crate) fn drain(events: &mut Receiver<Event>) -> Vec<(String, EventKind)> {
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push((event.plugin, event.kind));
    }
    seen
}

/// Waits for the next event matching `pred`, returning it.
pub(crate) async fn next_matching(
    events: &mut Receiver<Event>,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    loop {
        match events.recv().await {
            Ok(event) if pred(&event) => return event,
            Ok(_) => {}
            Err(e) => panic!("event stream ended: {e}"),
        }
    }
}
