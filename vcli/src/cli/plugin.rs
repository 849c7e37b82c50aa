//! Running one plugin command from the CLI: the manager loads only that
//! plugin (and what it depends on) and runs the command on a metered task of
//! its own; this side only watches for Ctrl-C and for a reader that went
//! away, so neither can be held up by the command or by a stalled stdout.

use std::io::IsTerminal;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vcli_plugin_api::{OutputStyle, Registration};

use super::{EXIT_INTERRUPTED, Failure};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::manager::{Manager, ManagerError};

/// How long an interrupted command gets to wind down, so that Ctrl-C ends
/// the process well within a second whatever the plugin is doing.
const INTERRUPT_GRACE: Duration = Duration::from_millis(300);
/// How long the runtime waits for its threads at exit. A thread that a
/// plugin blocks for good is abandoned rather than waited for.
const RUNTIME_GRACE: Duration = Duration::from_millis(100);

/// The runtime for one CLI invocation. Multi-threaded so that a plugin that
/// blocks a thread cannot stall the deadline that is meant to catch it; four
/// workers so that even two calls blocked for good leave room for timers,
/// signals and the host.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_name("vcli-worker")
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                super::EXIT_FAILURE,
                format!("cannot start the async runtime: {e}"),
            )
        })
}

/// Ends the runtime without waiting on threads a plugin may be blocking.
pub(crate) fn close(runtime: tokio::runtime::Runtime) {
    runtime.shutdown_timeout(RUNTIME_GRACE);
}

pub(crate) fn run_command(
    config: Config,
    catalog: &Catalog,
    registration: &'static Registration,
    matches: &clap::ArgMatches,
) -> Result<(), Failure> {
    let name = registration.metadata().name;
    let shutdown_limit = config.manager.shutdown_timeout.0;
    let manager = Manager::new(catalog.clone(), config);
    let style = OutputStyle {
        color: std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        width: None,
    };
    let (out, mut stdout) = super::output::stdout_thread(style)?;
    let runtime = runtime()?;
    let cancel = CancellationToken::new();
    let outcome = runtime.block_on(async {
        let interrupted = tokio::signal::ctrl_c();
        tokio::pin!(interrupted);
        let command = manager.run_command(name, matches.clone(), out, &cancel);
        tokio::pin!(command);
        let ended = tokio::select! {
            result = &mut command => Ended::Command(result.map_err(|e| command_failure(name, e))),
            _ = &mut interrupted => Ended::Interrupted,
            () = stdout.failed() => Ended::ReaderGone,
        };
        let result = match ended {
            // The command was abandoned in plugin code that never returns
            // (its deadline passed): its sink will never close, so there is
            // no end of output to wait for.
            Ended::Command(result) if stdout.sink_held() => result,
            Ended::Command(result) => {
                // Everything the command wrote reaches stdout before the
                // exit, unless the user gives up on a reader that does not read.
                tokio::select! {
                    written = stdout.finished() => match (result, written) {
                        (Ok(()), Err(e)) => Err(e.into()),
                        (result, _) => result,
                    },
                    _ = &mut interrupted => Err(Failure::new(EXIT_INTERRUPTED, "interrupted")),
                }
            }
            Ended::Interrupted | Ended::ReaderGone => {
                cancel.cancel();
                let _ = tokio::time::timeout(INTERRUPT_GRACE, &mut command).await;
                if matches!(ended, Ended::Interrupted) {
                    Err(Failure::new(EXIT_INTERRUPTED, "interrupted"))
                } else {
                    Ok(())
                }
            }
        };
        let limit = if result.as_ref().is_err_and(|f| f.code == EXIT_INTERRUPTED) {
            INTERRUPT_GRACE
        } else {
            shutdown_limit
        };
        match tokio::time::timeout(limit, manager.shutdown()).await {
            Ok(failures) => {
                for (plugin, error) in failures {
                    tracing::warn!(plugin, %error, "did not shut down cleanly");
                }
            }
            Err(_) => tracing::warn!("plugins did not shut down in time"),
        }
        super::sandbox::persist(&manager);
        result
    });
    close(runtime);
    outcome
}

/// What ended the wait for a command.
enum Ended {
    /// The command finished, well or not.
    Command(Result<(), Failure>),
    /// The user pressed Ctrl-C.
    Interrupted,
    /// The reader of stdout went away (`| head`), which is not an error.
    ReaderGone,
}

/// A command's error as the CLI reports it: the plugin's own words for its
/// own errors, the manager's for everything that happened around it.
pub(crate) fn command_failure(plugin: &str, error: ManagerError) -> Failure {
    match error {
        ManagerError::Plugin { source, .. } if source.is_broken_pipe() => {
            Failure::new(super::EXIT_OK, "")
        }
        ManagerError::Plugin { source, .. } => Failure::from_plugin(&source),
        ManagerError::Call {
            source: crate::manager::CallError::Panicked { message, .. },
            ..
        } => Failure::new(
            super::EXIT_FAILURE,
            format!("plugin {plugin:?} panicked: {message}"),
        ),
        other => other.into(),
    }
}
