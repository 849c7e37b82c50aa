//! Link-time registration: how a plugin crate tells the host it exists.

use std::sync::Arc;

use crate::{DescribePlugin, Metadata, Plugin};

/// One plugin linked into the binary: its metadata and two constructors.
///
/// Created by [`register_plugin!`](crate::register_plugin); read by the host
/// with [`registrations`].
#[derive(Debug)]
pub struct Registration {
    metadata: Metadata,
    command: fn() -> Option<clap::Command>,
    create: fn() -> Arc<dyn Plugin>,
}

fn create_arc<P: DescribePlugin>() -> Arc<dyn Plugin> {
    Arc::new(P::create())
}

impl Registration {
    /// The registration of plugin type `P`. `const`, so it can live in a static.
    pub const fn of<P: DescribePlugin>() -> Self {
        Registration {
            metadata: P::METADATA,
            command: P::command,
            create: create_arc::<P>,
        }
    }

    /// The plugin's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The plugin's CLI subcommand tree, if any.
    pub fn command(&self) -> Option<clap::Command> {
        (self.command)()
    }

    /// A new, uninitialized instance.
    pub fn create(&self) -> Arc<dyn Plugin> {
        (self.create)()
    }
}

inventory::collect!(Registration);

/// Every plugin registered in this binary, sorted by name.
///
/// The order in which the linker hands out registrations is not defined, so
/// the list is sorted. Two registrations with the same name are returned as
/// they are; the host rejects them with an error naming the duplicate.
pub fn registrations() -> Vec<&'static Registration> {
    let mut all: Vec<&'static Registration> = inventory::iter::<Registration>.into_iter().collect();
    all.sort_by(|a, b| a.metadata.name.cmp(b.metadata.name));
    all
}

/// Registers a plugin type with the host at link time.
///
/// The type must implement [`DescribePlugin`](crate::DescribePlugin). A crate
/// that is a dependency but never referenced is not linked, and its
/// registration vanishes with it: a binary that links a plugin crate must
/// name it, e.g. `use my_plugin as _;`.
#[macro_export]
macro_rules! register_plugin {
    ($plugin:ty) => {
        $crate::__private::inventory::submit! {
            $crate::Registration::of::<$plugin>()
        }
    };
}
