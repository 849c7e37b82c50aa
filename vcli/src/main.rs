//! The stock `vcli` binary: the host plus the first-party plugins chosen with
//! Cargo features.

// A plugin crate that is never referenced is not linked, and its link-time
// registration vanishes with it; naming each one keeps it in the binary.
#[cfg(feature = "k8s")]
use vcli_plugin_kubernetes as _;
#[cfg(feature = "prom")]
use vcli_plugin_prometheus as _;

fn main() -> std::process::ExitCode {
    vcli::run()
}
