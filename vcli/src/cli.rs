//! The command line: parses arguments once into clap matches, dispatches to
//! host commands or to the plugin owning the subcommand, and maps every
//! outcome to an exit code.

pub(crate) mod args;
mod host;
mod output;
pub(crate) mod plugin;
mod registry;
pub(crate) mod sandbox;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::FromArgMatches;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::catalog::Catalog;
use crate::config::Config;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the command ran and failed (server error, unhealthy plugin).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: the user must change what they typed or wrote (flags, config).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: interrupted with Ctrl-C.
pub const EXIT_INTERRUPTED: u8 = 130;

/// An error that already knows its exit code and its message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
    /// Printed as it is, without the `error: ` prefix: the words of a
    /// server or of the tool operators know for it (kubectl's `Error from
    /// server (NotFound): ...`).
    bare: bool,
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            bare: false,
        }
    }

    /// The message as the CLI prints it on stderr.
    pub(crate) fn shown(&self) -> String {
        if self.bare {
            self.message.clone()
        } else {
            format!("error: {}", self.message)
        }
    }

    /// A plugin's error: its kind, never its text, says how it is shown.
    pub(crate) fn from_plugin(error: &vcli_plugin_api::PluginError) -> Self {
        use vcli_plugin_api::PluginError;
        Failure {
            code: error.exit_code(),
            message: error.to_string(),
            bare: matches!(
                error,
                PluginError::Server { .. } | PluginError::Connection { .. }
            ),
        }
    }
}

impl From<crate::manager::ManagerError> for Failure {
    fn from(e: crate::manager::ManagerError) -> Self {
        Failure::new(e.exit_code(), e.to_string())
    }
}

impl From<crate::config::ConfigError> for Failure {
    fn from(e: crate::config::ConfigError) -> Self {
        Failure::new(EXIT_USAGE, e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure::new(EXIT_OK, "");
        }
        Failure::new(EXIT_FAILURE, format!("cannot write output: {e}"))
    }
}

/// Runs vcli with the process's arguments and the plugins linked into this
/// binary. Every vcli binary's `main` is `vcli::run()`.
pub fn run() -> ExitCode {
    run_with(std::env::args_os())
}

/// Runs vcli with `args` (the first is the program name).
pub fn run_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let catalog = match Catalog::linked() {
        Ok(c) => c,
        Err(e) => {
            return report(&Failure::new(
                EXIT_FAILURE,
                format!("this binary is misbuilt: {e}"),
            ));
        }
    };
    let mut args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    // `vcli` alone at a terminal opens the cockpit; anywhere else (a pipe,
    // a script) it prints help as before.
    if args.len() == 1 && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        args.push("tui".into());
    }
    let detail = match args::first_command(&args) {
        Some("completions" | "man") => args::Detail::All,
        Some(word) => args::Detail::Only(word),
        None => args::Detail::Only(""),
    };
    let command = args::command(&catalog, detail);
    let matches = match command.try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, errors to stderr with 2.
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let global = match args::Global::from_arg_matches(&matches) {
        Ok(g) => g,
        Err(e) => return report(&Failure::new(EXIT_USAGE, e.to_string())),
    };
    // The TUI logs to a file of its own: nothing may write over the screen.
    if matches.subcommand_name() != Some("tui") {
        init_tracing(global.verbose);
        install_panic_hook();
    }
    match dispatch(&catalog, &global, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(&failure),
    }
}

fn dispatch(
    catalog: &Catalog,
    global: &args::Global,
    matches: &clap::ArgMatches,
) -> Result<(), Failure> {
    let Some((name, sub)) = matches.subcommand() else {
        return Err(Failure::new(
            EXIT_USAGE,
            "no command given; try `vcli --help`",
        ));
    };
    // An empty VCLI_CONFIG is unset, as `VCLI_CONFIG= vcli ...` means to
    // its writer; an empty `--config ""` is a typing mistake.
    let config_path: Option<PathBuf> = match &global.config {
        Some(path) if path.as_os_str().is_empty() => {
            if matches.value_source("config") == Some(clap::parser::ValueSource::CommandLine) {
                return Err(Failure::new(
                    EXIT_USAGE,
                    "--config needs a path, got an empty one",
                ));
            }
            None
        }
        other => other.clone(),
    };
    let load_config = || -> Result<Config, Failure> {
        let config = Config::load(config_path.as_deref())?;
        let linked: Vec<&str> = catalog.names().collect();
        for warning in config.unknown_plugins(&linked) {
            eprintln!("warning: {warning}");
        }
        Ok(config)
    };
    if catalog.by_command(name).is_none() {
        let cli = args::Cli::from_arg_matches(matches)
            .map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
        return match cli.command {
            args::HostCommand::Plugins(command) => host::plugins(catalog, load_config()?, command),
            args::HostCommand::Version { json } => host::version(catalog, json),
            args::HostCommand::Completions { shell } => host::completions(catalog, shell),
            args::HostCommand::Man => host::man(catalog),
            args::HostCommand::Tui => crate::tui::run(load_config()?, catalog),
            args::HostCommand::Registry(command) => registry::run(&load_config()?, command),
            args::HostCommand::Policy(args::PolicyCommand::Check { file }) => {
                let config = match file {
                    Some(path) => Config::load(Some(&path))?,
                    None => load_config()?,
                };
                sandbox::check(catalog, &config)
            }
        };
    }
    let registration = catalog
        .by_command(name)
        .ok_or_else(|| Failure::new(EXIT_USAGE, format!("unknown command {name:?}")))?;
    plugin::run_command(load_config()?, catalog, registration, sub)
}

/// Prints a failure the way operators expect: the message alone on stderr.
/// A broken pipe (`vcli ... | head`) is not a failure.
fn report(failure: &Failure) -> ExitCode {
    if failure.code == EXIT_OK {
        return ExitCode::SUCCESS;
    }
    let mut stderr = std::io::stderr().lock();
    let message = &failure.message;
    if failure.bare {
        let _ = writeln!(stderr, "{message}");
    } else {
        let _ = writeln!(stderr, "error: {message}");
    }
    ExitCode::from(failure.code)
}

/// Logs go to stderr only when asked for, with `-v` or `VCLI_LOG`: stderr
/// is for what the operator must read (errors, notes), and a library's
/// warning about a stream the server closed is not that.
fn init_tracing(verbose: u8) {
    let directives = std::env::var("VCLI_LOG").ok().filter(|d| !d.is_empty());
    if verbose == 0 && directives.is_none() {
        return;
    }
    let level = match verbose {
        0 | 1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        );
    // Directives are parsed only when asked for: a plain level filter keeps
    // start-up cheap.
    let _ = match directives {
        // The formatter's own filter lets everything through (its default,
        // INFO, would drop debug events before the directives see them).
        Some(directives) => builder
            .with_max_level(tracing::Level::TRACE)
            .finish()
            .with(log_targets(&directives))
            .try_init()
            .is_ok(),
        None => builder.with_max_level(level).try_init().is_ok(),
    };
}

/// `VCLI_LOG`'s directives (`info`, `kube=debug,vcli=trace`). Directives
/// that do not parse log errors only, as EnvFilter did with directives it
/// could not read, so a typo never hides an error.
pub(crate) fn log_targets(directives: &str) -> Targets {
    directives
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::ERROR))
}

/// Plugin panics are caught and reported as plugin failures; the default
/// hook would also print a backtrace notice over the output (or the TUI), so
/// panics are logged through tracing instead.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        tracing::error!(thread = thread.name().unwrap_or("unnamed"), "panic: {info}");
    }));
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_targets;

    #[test]
    fn log_directives_name_targets_and_levels() {
        let targets = log_targets("warn,kube=debug");
        assert!(targets.would_enable("kube::client", &Level::DEBUG));
        assert!(!targets.would_enable("kube::client", &Level::TRACE));
        assert!(targets.would_enable("vcli::manager", &Level::WARN));
        assert!(!targets.would_enable("vcli::manager", &Level::INFO));
        // A typo keeps errors visible and nothing else.
        let typo = log_targets("kube=loud");
        assert!(typo.would_enable("vcli", &Level::ERROR));
        assert!(!typo.would_enable("vcli", &Level::WARN));
    }
}
