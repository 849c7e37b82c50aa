//! End-to-end: every `vcli prom` command, the health check, metering and
//! the view, against one real Prometheus started by the harness for this
//! test binary (it takes a few seconds to scrape and fire its alert).

#[path = "../support/mod.rs"]
mod support;

mod commands;
mod lens;
mod plugin;

use serde_json::Value;

/// Parses a command's JSON output, showing it when it is not JSON.
fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}
