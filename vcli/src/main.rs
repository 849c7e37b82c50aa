//! The stock `vcli` binary: the host plus the first-party plugins chosen with
//! Cargo features.

// The first-party plugins are named in the library (`lib.rs`), so that every
// binary built on it, not only this one, links those its features select.

/// Charges every allocation to the plugin whose code makes it, so memory
/// budgets can be enforced (see the `sandbox::memory` module).
#[global_allocator]
static ALLOCATOR: vcli::sandbox::memory::TrackingAllocator =
    vcli::sandbox::memory::TrackingAllocator;

fn main() -> std::process::ExitCode {
    vcli::run()
}
