//! A vcli bundle for tests: the host plus the misbehaving test plugins.

// Referenced so the linker keeps the plugins' registrations.
use vcli_test_plugins as _;

/// Memory budgets need the tracking allocator, as in the stock binary.
#[global_allocator]
static ALLOCATOR: vcli::sandbox::memory::TrackingAllocator =
    vcli::sandbox::memory::TrackingAllocator;

fn main() -> std::process::ExitCode {
    vcli::run()
}
