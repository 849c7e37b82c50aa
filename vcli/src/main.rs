//! The stock `vcli` binary: the host plus the first-party plugins chosen with
//! Cargo features.

// A plugin crate that is never referenced is not linked, and its link-time
// registration vanishes with it; naming each one keeps it in the binary.
#[cfg(feature = "k8s")]
use vcli_plugin_kubernetes as _;
#[cfg(feature = "prom")]
use vcli_plugin_prometheus as _;

/// Charges every allocation to the plugin whose code makes it, so memory
/// budgets can be enforced (see the `sandbox::memory` module).
#[global_allocator]
static ALLOCATOR: vcli::sandbox::memory::TrackingAllocator =
    vcli::sandbox::memory::TrackingAllocator;

fn main() -> std::process::ExitCode {
    vcli::run()
}
