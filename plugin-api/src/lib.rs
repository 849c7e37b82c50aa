//! The contract between the vcli host and its plugins.
//!
//! A vcli plugin is an ordinary crate, linked statically into the `vcli`
//! binary (or into a custom bundle built by `cargo xtask bundle`). It depends
//! on this crate, implements [`Plugin`] and [`DescribePlugin`], and registers
//! itself with one [`register_plugin!`] call. The host discovers every linked
//! plugin at start-up through [`registrations`], reads its [`Metadata`] without
//! constructing it, and drives it through the seven [`LifecycleState`]s.
//!
//! What the host guarantees a plugin:
//!
//! - calls arrive in lifecycle order, each under a deadline and inside panic
//!   isolation (a panic marks the plugin failed; it never takes the host down);
//! - the [`PluginContext`] hands out services only for capabilities the user's
//!   policy granted, and records a violation for every denied request;
//! - tasks spawned through the context are owned by the host and cancelled
//!   when the plugin stops.
//!
//! # Example
//!
//! A plugin with one command, `vcli greet [NAME]`:
//!
//! ```
//! use std::io::Write;
//! use std::sync::OnceLock;
//!
//! use vcli_plugin_api::{
//!     async_trait, Capability, DescribePlugin, HealthStatus, Metadata, Output, Plugin,
//!     PluginConfig, PluginContext, PluginError, register_plugin,
//! };
//!
//! #[derive(serde::Deserialize, Default)]
//! #[serde(default, deny_unknown_fields)]
//! struct Settings {
//!     greeting: Option<String>,
//! }
//!
//! #[derive(Default)]
//! struct Greeter {
//!     greeting: OnceLock<String>,
//! }
//!
//! #[async_trait]
//! impl Plugin for Greeter {
//!     async fn initialize(&self, _ctx: PluginContext, config: PluginConfig) -> Result<(), PluginError> {
//!         let settings: Settings = config.parse()?;
//!         let _ = self.greeting.set(settings.greeting.unwrap_or_else(|| "hello".into()));
//!         Ok(())
//!     }
//!
//!     async fn health(&self) -> HealthStatus {
//!         HealthStatus::healthy("ready to greet")
//!     }
//!
//!     async fn run_command(&self, matches: &clap::ArgMatches, out: &mut Output) -> Result<(), PluginError> {
//!         let name = matches.get_one::<String>("name").map_or("world", String::as_str);
//!         let greeting = self.greeting.get().map_or("hello", String::as_str);
//!         writeln!(out, "{greeting}, {name}")?;
//!         Ok(())
//!     }
//! }
//!
//! impl DescribePlugin for Greeter {
//!     const METADATA: Metadata = Metadata::new("greeter", "0.1.0")
//!         .description("Greets people")
//!         .command("greet")
//!         .capabilities(&[Capability::CliCommands]);
//!
//!     fn command() -> Option<clap::Command> {
//!         Some(clap::Command::new("greet").about("Greets someone").arg(clap::Arg::new("name")))
//!     }
//!
//!     fn create() -> Self {
//!         Greeter::default()
//!     }
//! }
//!
//! register_plugin!(Greeter);
//!
//! # fn main() {
//! assert!(vcli_plugin_api::registrations().iter().any(|r| r.metadata().name == "greeter"));
//! # }
//! ```
#![deny(missing_docs)]

mod capability;
mod command;
mod config;
mod context;
mod error;
mod health;
#[cfg(feature = "hyper")]
mod hyper_io;
mod lifecycle;
mod metadata;
mod plugin;
pub mod print;
mod registration;
#[cfg(feature = "testing")]
pub mod testing;
mod view;

pub use async_trait::async_trait;
pub use capability::{Capability, UnknownCapability};
pub use clap;
pub use command::{CommandKind, Output, OutputStyle};
pub use config::{PluginConfig, line_column};
pub use context::{
    BoxedIo, FileSystemAccess, FileSystemService, HostServices, NetworkIo, NetworkMeter,
    NetworkService, PluginContext, ProcessLauncher, ProcessService, Redraw,
};
pub use error::{BoxError, PluginError};
pub use health::{HealthState, HealthStatus};
#[cfg(feature = "hyper")]
pub use hyper_io::{HyperIo, connect_target};
pub use lifecycle::LifecycleState;
pub use metadata::{Dependency, Metadata};
pub use plugin::{DescribePlugin, Plugin};
pub use ratatui_core;
pub use registration::{Registration, registrations};
pub use tokio_util::sync::CancellationToken;
pub use view::{
    Intent, Key, KeyHint, KeyOutcome, KeyPress, Modifiers, Mouse, MouseKind, PaletteEntry,
    ResourceCommand, ResourceRef, View, ViewEvent,
};

/// The version of this API crate. Plugins record the version they were
/// compiled against in their [`Metadata::api_version`].
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The default requirement a plugin places on the host's API: the same major.
pub const API_REQUIREMENT: &str = "^1";

#[doc(hidden)]
pub mod __private {
    pub use inventory;
}
