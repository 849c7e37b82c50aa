//! The TUI: `vcli tui`, the long-lived host. The model/update/view split
//! (MVU) keeps every screen a pure function of a [`Model`], so whole
//! screens are snapshot-tested; [`app`] is the only part that touches the
//! terminal, the clock and the manager.

pub mod app;
pub mod hosted;
pub mod keys;
pub mod model;
pub mod msg;
pub mod palette;
pub mod rows;
pub mod settings;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

use std::time::SystemTime;

use vcli_plugin_api::Capability;

pub(crate) use settings::RawTuiSettings;
pub use settings::TuiSettings;

use crate::catalog::Catalog;
use crate::cli::{EXIT_FAILURE, Failure};
use crate::config::Config;
use crate::manager::Manager;
pub use model::Model;

/// A model for `catalog` under `config`: one tab per enabled plugin with a
/// view, then Plugins and Events, the palette over the plugins' commands.
/// `history` is the palette's, oldest first.
pub fn initial_model(
    catalog: &Catalog,
    config: &Config,
    size: (u16, u16),
    color: bool,
    history: Vec<String>,
) -> Model {
    let theme = theme::Theme::new(config.tui.theme, color);
    let binary = format!("vcli {}", env!("CARGO_PKG_VERSION"));
    let mut model = Model::new(
        binary,
        config.tui.keys.clone(),
        theme,
        size,
        SystemTime::now(),
    );
    for registration in catalog.iter() {
        let meta = registration.metadata();
        if config.plugin(meta.name).enabled && meta.capabilities.contains(&Capability::TuiRendering)
        {
            model.add_plugin_tab(
                meta.name,
                title_case(meta.name),
                format!("starting {}…", meta.name),
            );
        }
    }
    let plugin_commands = catalog
        .iter()
        .filter(|r| config.plugin(r.metadata().name).enabled)
        .filter_map(|r| r.metadata().command.map(str::to_owned))
        .collect();
    let tree = crate::cli::args::command(catalog, crate::cli::args::Detail::All);
    model.palette = palette::Palette::new(tree, plugin_commands, history);
    model
}

fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Runs the TUI until the user quits: every enabled plugin started, the
/// monitors on, the terminal restored on every way out.
pub(crate) fn run(config: Config, catalog: &Catalog) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Failure::new(
            crate::cli::EXIT_USAGE,
            "vcli tui needs a terminal on stdin and stdout; in scripts and pipes use the commands (`vcli k8s get pods`, `vcli prom query up`)",
        ));
    }
    terminal::init_logging();
    terminal::install_panic_hook();
    let runtime = crate::cli::plugin::runtime()?;
    let manager = Manager::new(catalog.clone(), config.clone());
    let mut screen = terminal::Screen::enter()
        .map_err(|e| Failure::new(EXIT_FAILURE, format!("cannot take over the terminal: {e}")))?;
    let size = screen
        .terminal
        .size()
        .map_err(|e| Failure::new(EXIT_FAILURE, format!("cannot read the terminal size: {e}")))?;
    let history = palette::history_path()
        .map(|p| palette::load_history(&p))
        .unwrap_or_default();
    let model = initial_model(
        catalog,
        &config,
        (size.width, size.height),
        theme::color_allowed(),
        history,
    );
    let result = runtime.block_on(app::run(manager, config, model, &mut screen));
    drop(screen);
    crate::cli::plugin::close(runtime);
    result.map_err(|e| Failure::new(EXIT_FAILURE, format!("the terminal failed: {e}")))
}
