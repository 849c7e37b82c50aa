//! Plugin ids (which tracking-allocator counter a plugin's allocations go
//! to) are a process-wide resource: managers alive at once never share one,
//! dropping a manager gives its ids back, a reused id does not charge its
//! new holder for the old holder's blocks, and when none is free a plugin
//! does not load instead of being charged to the host. A manager dropped
//! without shutdown gives its ids back too. (Its own test binary
//! with one test: it takes every id in the process.)

mod common;

use std::collections::HashSet;

use vcli::ManagerError;
use vcli::sandbox::memory::{self, IdLease, MAX_PLUGINS, PluginId, TrackingAllocator};
use vcli_test_plugins::STEADY;

#[global_allocator]
static ALLOCATOR: TrackingAllocator = TrackingAllocator;

/// What a byte buffer of `size` bytes is charged: its bytes and its header.
fn charge(size: usize) -> i64 {
    i64::try_from(memory::footprint(size, 1)).expect("small")
}

/// Takes every free id.
fn take_all() -> Vec<IdLease> {
    std::iter::from_fn(IdLease::acquire).collect()
}

fn ids(manager: &vcli::Manager, names: &[&str]) -> Vec<PluginId> {
    names
        .iter()
        .map(|n| manager.memory_id(n).unwrap().expect("an id was free"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn plugin_ids_are_unique_per_process_reused_and_never_the_host() {
    let names = ["dependent", "steady"];
    let first = common::manager(&names, "");
    let second = common::manager(&names, "");
    let all: HashSet<PluginId> = ids(&first, &names)
        .into_iter()
        .chain(ids(&second, &names))
        .collect();
    assert_eq!(all.len(), 4, "two live managers share no id: {all:?}");
    assert!(!all.contains(&PluginId::HOST));

    drop(first);
    drop(second);

    // A manager dropped without shutdown while its plugin runs still ends
    // what it owns: the instance is dropped with it, the plugin's task is
    // cancelled, and once that task has ended the id is free again.
    let running = common::manager(&["steady"], "");
    running.load("steady").await.unwrap();
    running.start("steady").await.unwrap();
    assert_eq!(running.update_resources("steady").unwrap().live_tasks, 1);
    drop(running);
    assert_eq!(STEADY.now().live, 0, "the instance went with the manager");
    // The cancelled task ends the next time it is polled.
    tokio::task::yield_now().await;

    let leases = take_all();
    assert_eq!(
        leases.len(),
        MAX_PLUGINS - 1,
        "dropping the managers gave every id back"
    );

    // With every id taken, a plugin has none and does not load.
    let starved = common::manager(&["steady"], "");
    assert_eq!(starved.memory_id("steady").unwrap(), None);
    let err = starved.load("steady").await.unwrap_err();
    assert!(matches!(err, ManagerError::TooManyPlugins { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot load plugin \"steady\": at most 255 plugins can be loaded at once in one process, \
         counting every live plugin manager's plugins; drop a manager to free their ids"
    );
    assert_eq!(err.exit_code(), 1);

    // Once one is free again, the next load takes it.
    let mut leases = leases;
    let freed = leases.pop().expect("held").id();
    starved.load("steady").await.unwrap();
    assert_eq!(starved.memory_id("steady").unwrap(), Some(freed));
    starved.shutdown().await;
    drop(starved);
    drop(leases);

    // A reused id's counter may still hold its old holder's blocks: the new
    // holder is charged only for what it allocates.
    let old = IdLease::acquire().expect("all free again");
    let id = old.id();
    let kept = {
        let _charged = memory::enter(id);
        vec![0u8; 1000]
    };
    assert_eq!(old.allocated(), charge(1000));
    drop(old);
    let new = IdLease::acquire().expect("free");
    assert_eq!(new.id(), id, "the lowest free id is reused");
    assert_eq!(new.allocated(), 0, "the old holder's block is not charged");
    let own = {
        let _charged = memory::enter(id);
        vec![0u8; 300]
    };
    assert_eq!(new.allocated(), charge(300));
    // Freeing the old block lowers the counter under the baseline: the new
    // holder is under-charged, never charged below zero.
    drop(kept);
    assert_eq!(new.allocated(), 0);
    drop(own);
    assert_eq!(new.allocated(), 0);
}
