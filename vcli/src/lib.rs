//! The vcli host: plugin manager, configuration, CLI and the entry point that
//! every vcli binary (the stock one and custom bundles) calls.
//!
//! A binary links the plugins it wants (`use my_plugin as _;`) and calls
//! [`run`]; everything else is the same in every bundle.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod dirs;
pub mod manager;
pub mod policy;
pub mod registry;
pub mod sandbox;
pub mod tui;

// A plugin crate that is never referenced is not linked, and its link-time
// registration vanishes with it. Naming the first-party plugins here, in the
// library, keeps them in every binary that calls `vcli::run()` with the
// `k8s` or `prom` feature, not only in the stock `vcli` binary.
#[cfg(feature = "k8s")]
use vcli_plugin_kubernetes as _;
#[cfg(feature = "prom")]
use vcli_plugin_prometheus as _;

pub use catalog::Catalog;
pub use cli::run;
pub use config::Config;
pub use manager::{Event, EventKind, Manager, ManagerError, PluginInfo};
