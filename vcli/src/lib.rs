//! The vcli host: plugin manager, configuration, CLI and the entry point that
//! every vcli binary (the stock one and custom bundles) calls.
//!
//! A binary links the plugins it wants (`use my_plugin as _;`) and calls
//! [`run`]; everything else is the same in every bundle.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod manager;
pub mod policy;
pub mod sandbox;

pub use catalog::Catalog;
pub use cli::run;
pub use config::Config;
pub use manager::{Event, EventKind, Manager, ManagerError, PluginInfo};
