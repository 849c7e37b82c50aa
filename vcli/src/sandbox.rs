//! Sandbox budgets: what a plugin consumes, measured by the host.
//!
//! [`memory`] attributes heap allocations to the plugin whose code is being
//! polled; [`throttle`] counts and rate-limits the bytes a plugin moves
//! through the network.

pub mod memory;
pub mod throttle;
