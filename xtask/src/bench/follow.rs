//! `cargo xtask bench tui`, log follow: the cockpit following a pod that
//! writes 1,000 lines a second, for a minute, as an operator opens it (the
//! pod list, `/chatty`, Enter, the logs tab): vcli's CPU over the minute and
//! its resident memory at the start and the end of it, which stays flat
//! because the log ring is bounded (10,000 lines by default).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::peers::Pane;

/// Lines a second the emulator's chatty pod writes.
const RATE: u32 = 1_000;
/// How long the follow is measured.
const FOLLOW: Duration = Duration::from_secs(60);

pub(crate) fn run(bin: &Path, dir: &Path) -> Result<()> {
    let kubeconfig = dir.join("kubeconfig-chatty");
    let (_emulator, _url) = crate::demo::start_emulator_with(
        bin,
        &kubeconfig,
        0,
        &["--chatty-rate", &RATE.to_string()],
    )?;
    let config = dir.join("config-follow.toml");
    std::fs::write(&config, "[plugins.prometheus]\nenabled = false\n")?;
    let command = format!(
        "KUBECONFIG={} VCLI_CONFIG={} VCLI_STATE_DIR={} TERM=xterm-256color exec {} tui",
        kubeconfig.display(),
        config.display(),
        dir.join("state").display(),
        bin.join("vcli").display()
    );
    let pane = Pane::open(&command)?;
    pane.wait_for("chatty")?;
    pane.keys(&["/"])?;
    pane.keys(&["c", "h", "a", "t", "t", "y", "Enter"])?;
    pane.wait_for("1-1 of 1")
        .context("the filter should leave the chatty pod alone")?;
    pane.keys(&["Enter"])?;
    pane.wait_for("Pod default/chatty")?;
    pane.keys(&["4"])?;
    pane.wait_for("● live")?;
    // The ring fills in the first ten seconds at 1,000 lines a second;
    // memory is read once it is full, then again a minute later.
    std::thread::sleep(Duration::from_secs(12));
    let screen = pane.screen()?;
    if !screen.contains("lines dropped") {
        bail!(
            "after 12 s at {RATE} lines/s the ring should be dropping lines; the screen:\n{screen}"
        );
    }
    let pid = pane.pid()?;
    let rss_start = super::tui::rss_kib(pid)?;
    let before = super::tui::cpu_ticks(pid)?;
    std::thread::sleep(FOLLOW);
    let after = super::tui::cpu_ticks(pid)?;
    let rss_end = super::tui::rss_kib(pid)?;
    let screen = pane.screen()?;
    if !screen.contains("● live") {
        bail!("the log stream is no longer live after a minute; the screen:\n{screen}");
    }
    let ticks_per_sec = 100.0;
    let cpu = (after - before) as f64 / ticks_per_sec / FOLLOW.as_secs_f64() * 100.0;
    println!(
        "tui, log follow at {RATE} lines/s for {}s: CPU {cpu:.1}% of a core (target < 10%), RSS {:.1} MiB at the start, {:.1} MiB at the end (target: flat)",
        FOLLOW.as_secs(),
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0
    );
    Ok(())
}
