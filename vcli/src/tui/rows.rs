//! The Plugins tab's rows, read from the manager.

use std::collections::HashMap;
use std::time::Instant;

use vcli_plugin_api::Capability;

use crate::config::Config;
use crate::manager::Manager;

use super::model::PluginRow;
use super::view::plugins::bytes;

/// What the previous sample saw, for network rates.
#[derive(Debug, Default)]
pub struct Sampler {
    previous: HashMap<&'static str, (Instant, u64)>,
}

impl Sampler {
    /// Fresh rows for every linked plugin.
    pub fn rows(&mut self, manager: &Manager, config: &Config) -> Vec<PluginRow> {
        let now = Instant::now();
        manager
            .list()
            .into_iter()
            .map(|info| {
                let total = info.resources.bytes_received + info.resources.bytes_sent;
                let net_rate = match self.previous.insert(info.name, (now, total)) {
                    Some((then, before)) => {
                        let secs = now.duration_since(then).as_secs_f64();
                        if secs > 0.0 {
                            total.saturating_sub(before) as f64 / secs
                        } else {
                            0.0
                        }
                    }
                    None => 0.0,
                };
                let granted: Vec<Capability> = manager.granted(info.name).unwrap_or_default();
                let violations = manager.violations(Some(info.name)).unwrap_or_default();
                let limits = limits(config, info.name);
                PluginRow {
                    info,
                    granted,
                    net_rate,
                    health_history: Default::default(),
                    violations,
                    limits,
                }
            })
            .collect()
    }
}

fn limits(config: &Config, name: &str) -> Vec<String> {
    let limits = config.plugin(name).limits;
    let mut out = Vec::new();
    if let Some(m) = limits.memory {
        out.push(format!("memory {}", bytes(m.as_u64())));
    }
    if let Some(c) = limits.cpu {
        out.push(format!("cpu {:.0}% of a core", c * 100.0));
    }
    out.push(format!("tasks {}", limits.tasks));
    if let Some(r) = limits.network_rate {
        out.push(format!("network {}/s", bytes(r.as_u64())));
    }
    out
}
