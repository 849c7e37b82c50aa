//! The printing kit: what every plugin (and the host) prints with, so that
//! output looks the same whichever plugin prints it and matches the tools
//! operators compare it with.
//!
//! - [`TabWriter`]: Go's `text/tabwriter`, as kubectl lays out `get` and
//!   `describe` (and so byte-identical to kubectl's output);
//! - [`Table`]: a table of cells with optional colour, laid out by the same
//!   writer, printed whole or window by window;
//! - [`human_duration`], [`age`], [`short_duration`]: kubectl's ages;
//! - [`write_structured`], [`kubectl_json`], [`to_yaml`]: `-o json|yaml`;
//! - [`Retry`] and [`Backoff`]: bounded retries with doubling delays.
//!
//! # Example
//!
//! A command printing a table, or its rows as YAML:
//!
//! ```
//! use serde::Serialize;
//! use vcli_plugin_api::print::{Cell, Structured, Table, Tint, age, write_structured};
//!
//! #[derive(Serialize)]
//! struct Target {
//!     job: String,
//!     health: String,
//!     up_for: u64,
//! }
//!
//! fn print(targets: &[Target], yaml: bool, out: &mut dyn std::io::Write) -> std::io::Result<()> {
//!     if yaml {
//!         return write_structured(out, Structured::Yaml, targets);
//!     }
//!     let mut table = Table::new(["JOB", "HEALTH", "UP"]);
//!     for t in targets {
//!         let tint = (t.health != "up").then_some(Tint::Red);
//!         table.row(vec![
//!             t.job.as_str().into(),
//!             Cell::tinted(t.health.as_str(), tint),
//!             age(std::time::Duration::from_secs(t.up_for)).into(),
//!         ]);
//!     }
//!     out.write_all(table.render(false).as_bytes())
//! }
//!
//! let targets = [
//!     Target { job: "node".into(), health: "up".into(), up_for: 200_000 },
//!     Target { job: "prometheus".into(), health: "down".into(), up_for: 45 },
//! ];
//! let mut out = Vec::new();
//! print(&targets, false, &mut out).unwrap();
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "JOB          HEALTH   UP\n\
//!      node         up       2d7h\n\
//!      prometheus   down     45s\n"
//! );
//! ```

mod duration;
mod retry;
mod structured;
mod table;
mod tabwriter;

pub use duration::{age, human_duration, short_duration};
pub use retry::{Backoff, Retry};
pub use structured::{PrintError, Structured, kubectl_json, to_yaml, write_structured};
pub use table::{Cell, Table, Tint};
pub use tabwriter::TabWriter;
