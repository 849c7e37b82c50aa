//! A vcli bundle for tests: the host plus the misbehaving test plugins.

// Referenced so the linker keeps the plugins' registrations.
use vcli_test_plugins as _;

fn main() -> std::process::ExitCode {
    vcli::run()
}
