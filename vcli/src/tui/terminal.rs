//! The terminal while the TUI owns it: raw mode, the alternate screen and
//! mouse capture on entry, and restored on every way out (quit, error,
//! panic); logs go to a file so that nothing is ever written over the screen.

use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::hosted::in_view_call;

/// Whether the terminal is currently in the TUI's modes.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The TUI's terminal; restores the terminal when dropped.
pub struct Screen {
    /// The ratatui terminal.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen").finish_non_exhaustive()
    }
}

impl Screen {
    /// Takes over the terminal.
    ///
    /// # Errors
    ///
    /// The terminal refused raw mode or the alternate screen.
    pub fn enter() -> io::Result<Screen> {
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(e) = execute!(
            stdout,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            cursor::Hide
        ) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as the shell had it. Safe to call more than once
/// and from the panic hook.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut stdout = io::stdout();
        let _ = execute!(
            stdout,
            DisableBracketedPaste,
            DisableMouseCapture,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = disable_raw_mode();
        let _ = stdout.flush();
    }
}

/// A panic in the host's own code restores the terminal before its message
/// is printed, so the message is readable and the shell usable. Panics in
/// plugin code are caught and reported as plugin failures: those only go
/// to the log.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("unnamed");
        tracing::error!(thread = name, "panic: {info}");
        if name == "main" && !in_view_call() {
            restore();
            eprintln!("vcli tui: internal error: {info}");
            eprintln!(
                "the terminal was restored; the log is in {}",
                log_path().map_or_else(|| "(no state dir)".to_owned(), |p| p.display().to_string())
            );
        }
    }));
}

/// Where the TUI's log goes.
pub fn log_path() -> Option<PathBuf> {
    crate::dirs::state_dir().map(|d| d.join("tui.log"))
}

/// Sends logs to the log file (info and up, or `VCLI_LOG`'s directives).
/// Without a state dir there are no logs: the screen is never the place.
pub fn init_logging() {
    let Some(path) = log_path() else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let directives = std::env::var("VCLI_LOG").ok().filter(|d| !d.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false);
    let _ = match directives {
        Some(d) => builder
            .finish()
            .with(crate::cli::log_targets(&d))
            .try_init()
            .is_ok(),
        None => builder
            .with_max_level(tracing::Level::INFO)
            .try_init()
            .is_ok(),
    };
}
