//! Running one plugin command from the CLI: initialize only that plugin (and
//! what it depends on), run the command with panic isolation, stop on Ctrl-C.

use std::io::{BufWriter, IsTerminal};

use futures::FutureExt;
use vcli_plugin_api::{Output, OutputStyle, Registration};

use super::{EXIT_INTERRUPTED, Failure};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::manager::Manager;

/// The runtime for one CLI invocation. Multi-threaded so that a plugin that
/// blocks a thread cannot stall the deadline that is meant to catch it.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                super::EXIT_FAILURE,
                format!("cannot start the async runtime: {e}"),
            )
        })
}

pub(crate) fn run_command(
    config: Config,
    catalog: &Catalog,
    registration: &'static Registration,
    matches: &clap::ArgMatches,
) -> Result<(), Failure> {
    let name = registration.metadata().name;
    let manager = Manager::new(catalog.clone(), config);
    let stdout = std::io::stdout();
    let style = OutputStyle {
        color: stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        width: None,
    };
    let mut out = Output::new(Box::new(BufWriter::with_capacity(64 * 1024, stdout)), style);
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        let instance = manager.prepare_for_command(name).await?;
        let command =
            std::panic::AssertUnwindSafe(instance.run_command(matches, &mut out)).catch_unwind();
        let result = tokio::select! {
            result = command => match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) if e.is_broken_pipe() => Ok(()),
                Ok(Err(e)) => Err(Failure::new(e.exit_code(), e.to_string())),
                Err(panic) => Err(Failure::new(
                    super::EXIT_FAILURE,
                    format!("plugin {name:?} panicked: {}", crate::manager::panic_text(panic)),
                )),
            },
            _ = tokio::signal::ctrl_c() => Err(Failure::new(EXIT_INTERRUPTED, "interrupted")),
        };
        for (plugin, error) in manager.shutdown().await {
            tracing::warn!(plugin, %error, "did not shut down cleanly");
        }
        super::sandbox::persist(&manager);
        result
    });
    // Flush whatever the command wrote, even when it failed part way.
    let flushed = std::io::Write::flush(&mut out);
    drop(runtime);
    match (outcome, flushed) {
        (Err(f), _) => Err(f),
        (Ok(()), Err(e)) => Err(e.into()),
        (Ok(()), Ok(())) => Ok(()),
    }
}
