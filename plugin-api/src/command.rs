//! Where a plugin command writes its output, so that the CLI and the TUI can
//! run the same command.

use std::fmt;
use std::io::{self, Write};

/// How the host runs a command, as the plugin judges it from the command line.
///
/// A [`CommandKind::Finite`] command (`get`, `describe`, a query) runs under
/// the host's command deadline (`[manager] command_timeout`); a
/// [`CommandKind::Streaming`] one (`logs -f`, `get -w`) has no deadline and
/// runs until it ends by itself or the user interrupts it, with the host's
/// health probes and watchdog running beside it. Either kind is metered and
/// cancelled like every other call into the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CommandKind {
    /// Finishes by itself; a deadline applies.
    #[default]
    Finite,
    /// Follows a stream until interrupted; no deadline.
    Streaming,
}

/// How output will be shown, so commands can choose colour and layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputStyle {
    /// Whether ANSI colour is welcome (a terminal that is not `NO_COLOR`).
    pub color: bool,
    /// The width in columns, when known.
    pub width: Option<u16>,
}

impl OutputStyle {
    /// Plain output: no colour, unknown width (pipes, files, tests).
    pub const PLAIN: OutputStyle = OutputStyle {
        color: false,
        width: None,
    };
}

/// The sink a command writes to. It implements [`std::io::Write`], so
/// `writeln!(out, ...)` works; the host decides whether the bytes go to stdout
/// or into a TUI pane.
pub struct Output {
    inner: Box<dyn Write + Send>,
    style: OutputStyle,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("style", &self.style)
            .finish_non_exhaustive()
    }
}

impl Output {
    /// An output writing into `inner`.
    pub fn new(inner: Box<dyn Write + Send>, style: OutputStyle) -> Self {
        Output { inner, style }
    }

    /// How output is shown.
    pub fn style(&self) -> OutputStyle {
        self.style
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
