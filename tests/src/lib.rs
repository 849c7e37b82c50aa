//! End-to-end tests of vcli binaries. The crate's binary, `vcli-testbed`, is
//! a bundle of the host and the misbehaving test plugins, built exactly the
//! way `cargo xtask bundle` builds custom binaries.
