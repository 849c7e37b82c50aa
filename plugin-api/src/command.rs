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
///
/// What a command *says* to the operator rather than *prints* as its result
/// (kubectl's `No resources found in default namespace.`, `Defaulted
/// container "app" out of: app, sidecar`) goes through [`Output::note`]: the
/// CLI sends notes to stderr, so that `vcli k8s get pods -o name | xargs ...`
/// receives only data, and the TUI shows them as a status message.
///
/// ```
/// use std::io::Write;
/// use std::sync::{Arc, Mutex};
/// use vcli_plugin_api::{Output, OutputStyle};
///
/// /// A buffer the test keeps a handle on.
/// #[derive(Clone, Default)]
/// struct Shared(Arc<Mutex<Vec<u8>>>);
///
/// impl Write for Shared {
///     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
///         self.0.lock().unwrap().write(buf)
///     }
///     fn flush(&mut self) -> std::io::Result<()> {
///         Ok(())
///     }
/// }
///
/// let (data, notes) = (Shared::default(), Shared::default());
/// let mut out = Output::new(Box::new(data.clone()), OutputStyle::PLAIN)
///     .with_notes(Box::new(notes.clone()));
/// writeln!(out, "pod/web-1")?;
/// out.note("Defaulted container \"app\" out of: app, sidecar")?;
/// assert_eq!(*data.0.lock().unwrap(), b"pod/web-1\n");
/// assert_eq!(
///     *notes.0.lock().unwrap(),
///     b"Defaulted container \"app\" out of: app, sidecar\n"
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Output {
    inner: Box<dyn Write + Send>,
    notes: Box<dyn Write + Send>,
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
    /// An output writing data into `inner` and notes to the process's
    /// stderr (change that with [`Output::with_notes`]).
    pub fn new(inner: Box<dyn Write + Send>, style: OutputStyle) -> Self {
        Output {
            inner,
            notes: Box::new(io::stderr()),
            style,
        }
    }

    /// The same output with its notes written, one line each, into `notes`.
    #[must_use]
    pub fn with_notes(mut self, notes: Box<dyn Write + Send>) -> Self {
        self.notes = notes;
        self
    }

    /// Says `text` to the operator, on a line of its own, apart from the
    /// command's data: a hint, a default that was chosen, an empty result.
    ///
    /// # Errors
    ///
    /// Writing the note failed.
    pub fn note(&mut self, text: impl fmt::Display) -> io::Result<()> {
        writeln!(self.notes, "{text}")?;
        self.notes.flush()
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
