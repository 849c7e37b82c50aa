//! Per-plugin memory accounting: a tracking global allocator that charges
//! every heap allocation to the plugin whose code is running, and credits the
//! free to that same plugin whoever performs it.
//!
//! # Design
//!
//! **Attribution.** Each thread has a *current plugin*, a `Cell<u16>` in a
//! `const`-initialized thread-local. The host sets it with [`enter`] around
//! every poll of plugin code (the `Metered` wrapper in `manager::call`) and the
//! returned [`Attribution`] guard restores the previous value when the poll
//! returns, so attribution nests and never leaks past the poll, even when the
//! poll panics (the guard is dropped while unwinding). Code that runs outside
//! any `enter` is charged to [`PluginId::HOST`].
//!
//! **Header.** Every block handed out is preceded by a header of
//! `max(16, layout.align())` bytes. Because both numbers are powers of two the
//! header is a multiple of the requested alignment, so the pointer returned
//! to the caller keeps that alignment:
//!
//! ```text
//!  base (from System, aligned to layout.align())
//!  │          user - 16          user (returned, aligned to layout.align())
//!  ▼          ▼                  ▼
//!  [ padding ][owner: u16 | ... ][ layout.size() bytes of user data ]
//!  └──────── header: max(16, align) bytes ──────┘
//! ```
//!
//! The padding is `align - 16` bytes for over-aligned blocks and empty
//! otherwise; the owner always sits 16 bytes before the user pointer.
//!
//! The owner is written at allocation time and read back by `dealloc`, which is
//! why a block allocated by plugin A and freed by the host, by plugin B or by a
//! task on another thread is still credited to A: the header travels with the
//! block. Nothing else needs to be stored: the size and alignment, and hence
//! the header size, come back to `dealloc` and `realloc` in the caller's
//! `Layout`, which the `GlobalAlloc` contract guarantees to be the one used to
//! allocate. `realloc` keeps the original owner and charges it the size
//! difference: `System.realloc` either resizes in place or copies the whole
//! block, header included, so the owner survives the move.
//!
//! **Counters.** Live bytes (the sizes callers asked for plus each block's
//! header: what was asked of the system on the plugin's behalf, see
//! [`footprint`])
//! are kept in a `static` array of `AtomicI64`, one per plugin, each on its own
//! cache line so that threads working for different plugins do not contend.
//! They are updated with `Relaxed` read-modify-writes: each counter is an
//! independent sum and nothing else is published through it. A free always
//! happens after its allocation (the pointer had to be handed over, which
//! synchronizes), so its subtraction follows the addition in the counter's
//! modification order and a plugin's counter never goes negative; a reader on
//! another thread may merely see a value a few operations old. Code outside
//! any plugin shares the `HOST` counter, whose cache line therefore moves
//! between cores when several threads allocate for the host at once.
//!
//! **Why the hot path cannot deadlock or recurse.** `alloc` does exactly
//! this: one call into `System`, one thread-local read, one unaligned
//! two-byte header write and one atomic add; `dealloc` reads the header,
//! subtracts atomically and calls `System`; `realloc` is the same around one
//! `System.realloc`. There is no lock, so no allocation can wait on another,
//! not even one made on the same thread while a panic unwinds or a
//! thread-local destructor runs; and there is no allocation, so the allocator
//! never re-enters itself. The thread-local is a `const`-initialized `Cell`
//! with no destructor: on targets with native thread-local storage (Linux,
//! macOS, Windows) reading it is a plain memory access that needs no lazy
//! initialization and no destructor registration, both of which could
//! allocate. It is read with `try_with`, so an allocation made while the thread
//! is being torn down falls back to `HOST` instead of panicking. Counter
//! indices are masked to the array's power-of-two length, so the hot path has
//! no bounds check and no panic path either (a panic would allocate).
//!
//! # What it cannot see
//!
//! - Memory that C libraries obtain from `malloc` directly (or with `mmap`)
//!   does not pass through the Rust global allocator and is not counted.
//! - Allocations are charged to whoever is *current*, not to whoever "really"
//!   wanted them. Plugin code that runs outside a poll the host wraps (a
//!   `std::thread` the plugin starts itself, `spawn_blocking` closures, a value
//!   whose `Drop` impl allocates when the host drops it) is charged to whatever
//!   plugin, usually the host, is current on that thread. Conversely, runtime
//!   bookkeeping done during a plugin's poll (a waker clone, a channel block)
//!   is charged to that plugin, which is arguably on its behalf.
//! - The system allocator's own overhead per block (8 bytes and rounding to
//!   16 with glibc) is not charged, so a plugin's resident memory is somewhat
//!   above its count when it makes many tiny allocations. The headers
//!   (16 bytes per allocation, `align` bytes for over-aligned ones) are
//!   charged, since they exist only because the plugin allocated.
//! - Only binaries that install [`TrackingAllocator`] as their
//!   `#[global_allocator]` are measured; [`is_installed`] tells the host
//!   whether to report "memory: not measured" instead.
//!
//! # Cost
//!
//! `benches/overhead_plain.rs` and `benches/overhead_tracked.rs` run an
//! allocation-heavy plugin workload (JSON in and out, maps, formatted rows)
//! bare and under this allocator plus per-poll attribution and timing; the
//! instrumented run is about 3% slower (2 cores, glibc `malloc`). In a
//! micro-benchmark of small alloc/free pairs the allocator adds about 1.3 ns
//! to 9 ns; replacing the atomic adds with plain stores did not measurably
//! change that, while a smaller header did, so the cost is mostly the larger
//! blocks (16 more bytes can move a small block into the next `malloc` size
//! class), not the counting.

#![allow(
    unsafe_code,
    reason = "a global allocator is unsafe by definition: it implements the unsafe \
              `GlobalAlloc` trait and does pointer arithmetic on raw blocks"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// How many plugin identities exist, the host's included. A power of two so
/// that a counter index can be masked instead of bounds-checked.
pub const MAX_PLUGINS: usize = 256;

const _: () = assert!(MAX_PLUGINS.is_power_of_two() && MAX_PLUGINS >= 64 && MAX_PLUGINS <= 1 << 16);

/// The smallest header, and the distance from the user pointer back to the
/// owner field. Sixteen bytes keeps user pointers at `malloc`'s natural
/// alignment on 64-bit targets.
const MIN_HEADER: usize = 16;

/// Whom an allocation is charged to: the host or one loaded plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PluginId(u16);

impl PluginId {
    /// The host itself, and any code not running on a plugin's behalf.
    pub const HOST: PluginId = PluginId(0);

    /// The plugin with this index, which must be in `1..MAX_PLUGINS`
    /// (0 is the host).
    #[must_use]
    pub const fn new(index: u16) -> Option<PluginId> {
        if index != 0 && (index as usize) < MAX_PLUGINS {
            Some(PluginId(index))
        } else {
            None
        }
    }

    /// The index this identity was created with (0 for the host).
    #[must_use]
    pub const fn index(self) -> u16 {
        self.0
    }
}

/// A live-bytes counter alone on its cache line, so that threads allocating
/// for different plugins do not bounce one line between cores.
#[repr(align(64))]
struct Counter(AtomicI64);

/// Live bytes per plugin, indexed by `PluginId::index`.
static LIVE: [Counter; MAX_PLUGINS] = [const { Counter(AtomicI64::new(0)) }; MAX_PLUGINS];

/// A plugin's hard memory limit and whether an allocation crossed it, alone
/// on a cache line: written rarely (when a limit is set or first crossed),
/// read by every allocation of the plugin.
#[repr(align(64))]
struct Limit {
    /// Live bytes above which the plugin is over its limit; `i64::MAX` when
    /// it has none.
    max: AtomicI64,
    /// Set by the allocation that crossed `max`; read by the host after each
    /// poll of the plugin's code, so a plugin is stopped within one poll of
    /// crossing its limit rather than at the next resource sample.
    over: AtomicBool,
}

static LIMITS: [Limit; MAX_PLUGINS] = [const {
    Limit {
        max: AtomicI64::new(i64::MAX),
        over: AtomicBool::new(false),
    }
}; MAX_PLUGINS];

/// Flags `owner` as over its limit when `live` (its live bytes after a
/// charge) exceeds it. One relaxed load on the allocation path; the store
/// happens once, when the limit is first crossed.
#[inline(always)]
fn check_limit(owner: u16, live: i64) {
    let limit = &LIMITS[usize::from(owner) & (MAX_PLUGINS - 1)];
    if live > limit.max.load(Ordering::Relaxed) && !limit.over.load(Ordering::Relaxed) {
        limit.over.store(true, Ordering::Relaxed);
    }
}

/// Sets the counter value above which `plugin` is over its limit
/// (`i64::MAX`: no limit) and clears its over-limit flag.
fn set_raw_limit(plugin: PluginId, max: i64) {
    let limit = &LIMITS[usize::from(plugin.index()) & (MAX_PLUGINS - 1)];
    limit.max.store(max, Ordering::Relaxed);
    limit.over.store(false, Ordering::Relaxed);
}

/// Whether an allocation charged to `plugin` took it over the limit set
/// with [`IdLease::set_limit`] since the limit was set.
pub fn over_limit(plugin: PluginId) -> bool {
    LIMITS[usize::from(plugin.index()) & (MAX_PLUGINS - 1)]
        .over
        .load(Ordering::Relaxed)
}

/// Set by the first allocation that goes through [`TrackingAllocator`].
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The plugin whose code this thread is running. `const`-initialized and
    /// without a destructor, so reading it never allocates (see the module
    /// documentation).
    static CURRENT: Cell<u16> = const { Cell::new(0) };
}

/// The raw current plugin, `HOST` when the thread-local is unavailable.
#[inline(always)]
fn current_raw() -> u16 {
    CURRENT.try_with(Cell::get).unwrap_or(0)
}

/// The counter of `owner`. Masking instead of indexing keeps a panic (which
/// would allocate) out of the allocator even for a corrupted header.
#[inline(always)]
fn counter(owner: u16) -> &'static AtomicI64 {
    &LIVE[usize::from(owner) & (MAX_PLUGINS - 1)].0
}

/// What a block of `size` bytes aligned to `align` is charged: the bytes
/// asked of the system allocator on the plugin's behalf, its accounting
/// header included, so that a plugin of many small allocations is not
/// charged a fraction of the memory it really holds.
pub const fn footprint(size: usize, align: usize) -> usize {
    size + header_size(align)
}

/// The header in front of a block with this alignment.
#[inline(always)]
const fn header_size(align: usize) -> usize {
    if align > MIN_HEADER {
        align
    } else {
        MIN_HEADER
    }
}

/// A byte count as a counter delta. `Layout` sizes never exceed `isize::MAX`,
/// so this cannot wrap on any target whose pointers fit in 64 bits.
#[inline(always)]
const fn delta(bytes: usize) -> i64 {
    bytes as i64
}

/// Records that the allocator is in use. A load first, so that after the
/// first allocation the hot path only reads a line that never changes again.
#[inline(always)]
fn mark_installed() {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

/// A global allocator that wraps [`System`] and charges every block to the
/// plugin current on the allocating thread. Install it in a binary with
///
/// ```ignore
/// #[global_allocator]
/// static ALLOC: vcli::sandbox::memory::TrackingAllocator =
///     vcli::sandbox::memory::TrackingAllocator;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TrackingAllocator;

impl TrackingAllocator {
    /// Allocates `layout` plus its header, records the owner and charges it.
    ///
    /// # Safety
    ///
    /// `layout` must have a non-zero size (the `GlobalAlloc::alloc` contract).
    #[inline(always)]
    unsafe fn allocate(layout: Layout, zeroed: bool) -> *mut u8 {
        let header = header_size(layout.align());
        let Some(total) = layout.size().checked_add(header) else {
            return ptr::null_mut();
        };
        let Ok(block) = Layout::from_size_align(total, layout.align()) else {
            return ptr::null_mut();
        };
        // SAFETY: `block` has a non-zero size (it includes the header) and was
        // validated by `Layout::from_size_align`.
        let base = unsafe {
            if zeroed {
                System.alloc_zeroed(block)
            } else {
                System.alloc(block)
            }
        };
        if base.is_null() {
            return base;
        }
        let owner = current_raw();
        // SAFETY: `base` points to `header + size` bytes with `size > 0`, so
        // `user = base + header` is inside the block, and the owner field at
        // `user - 16` lies within the header because `header >= 16`. The write
        // is unaligned because `base` is only guaranteed `layout.align()`,
        // which may be 1.
        let user = unsafe {
            let user = base.add(header);
            user.sub(MIN_HEADER).cast::<u16>().write_unaligned(owner);
            user
        };
        let size = delta(total);
        check_limit(
            owner,
            counter(owner).fetch_add(size, Ordering::Relaxed) + size,
        );
        mark_installed();
        user
    }

    /// The plugin charged for a block this allocator returned.
    ///
    /// # Safety
    ///
    /// `user` must have been returned by this allocator and not freed yet.
    #[inline(always)]
    unsafe fn owner_of(user: *mut u8) -> u16 {
        // SAFETY: per the caller's contract the 16 bytes before `user` are
        // the header written by `allocate`, whose first two are the owner.
        unsafe { user.sub(MIN_HEADER).cast::<u16>().read_unaligned() }
    }
}

// SAFETY: every method forwards to `System` with a layout that describes the
// whole block (header included) exactly as it was allocated, and returns a
// pointer `header_size(align)` bytes into it, which is aligned to
// `layout.align()` and followed by at least `layout.size()` bytes of the block.
// No method panics, locks or allocates.
unsafe impl GlobalAlloc for TrackingAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `GlobalAlloc::alloc` callers guarantee a non-zero size.
        unsafe { Self::allocate(layout, false) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`. The header overwrites zeros that are not
        // part of the user's block, which stays zeroed.
        unsafe { Self::allocate(layout, true) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let header = header_size(layout.align());
        // SAFETY: `ptr` was returned by `alloc`/`realloc` with this `layout`
        // (the `GlobalAlloc::dealloc` contract), so it is preceded by our
        // header, `ptr - header` is the base `System` returned, and the block
        // layout was validated with exactly these numbers when it was created.
        unsafe {
            let owner = Self::owner_of(ptr);
            counter(owner).fetch_sub(delta(layout.size() + header), Ordering::Relaxed);
            let block = Layout::from_size_align_unchecked(layout.size() + header, layout.align());
            System.dealloc(ptr.sub(header), block);
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let header = header_size(layout.align());
        let Some(new_total) = new_size.checked_add(header) else {
            return ptr::null_mut();
        };
        // `System.realloc` requires the new size, rounded up to the
        // alignment, not to overflow `isize`; the header may push a legal
        // `new_size` over that edge, so check it as a layout.
        if Layout::from_size_align(new_total, layout.align()).is_err() {
            return ptr::null_mut();
        }
        // SAFETY: as in `dealloc`, `ptr - header` is the base of a live block
        // allocated by `System` with `old_block`. The owner is read before the
        // block may move. `System.realloc` keeps the first
        // `min(old, new)` bytes of the block, header included, whether it
        // resizes in place or allocates, copies and frees (its fallback for
        // over-aligned blocks), so the owner field survives.
        unsafe {
            let owner = Self::owner_of(ptr);
            let old_block =
                Layout::from_size_align_unchecked(layout.size() + header, layout.align());
            let base = System.realloc(ptr.sub(header), old_block, new_total);
            if base.is_null() {
                // The old block is untouched and still charged as before.
                return base;
            }
            let grown = delta(new_size) - delta(layout.size());
            check_limit(
                owner,
                counter(owner).fetch_add(grown, Ordering::Relaxed) + grown,
            );
            base.add(header)
        }
    }
}

/// While alive, allocations on this thread are charged to the plugin passed to
/// [`enter`]; dropping it restores the previous current plugin.
///
/// The guard is neither `Send` nor `Sync`: attribution belongs to one thread,
/// so it must be taken and dropped inside one synchronous stretch of code
/// (one poll), never held across an `.await`. Guards must be dropped in the
/// reverse order of creation, which scoping gives for free.
#[must_use = "attribution ends as soon as the guard is dropped"]
#[derive(Debug)]
pub struct Attribution {
    previous: u16,
    _not_send: PhantomData<*const ()>,
}

impl Drop for Attribution {
    fn drop(&mut self) {
        // If the thread-local is already gone the thread is exiting and
        // nothing will allocate on its behalf any more.
        let _ = CURRENT.try_with(|current| current.set(self.previous));
    }
}

/// Charges allocations on this thread to `plugin` until the returned guard is
/// dropped. Nesting works: the guard restores whatever was current before.
pub fn enter(plugin: PluginId) -> Attribution {
    let previous = CURRENT
        .try_with(|current| current.replace(plugin.0))
        .unwrap_or(0);
    Attribution {
        previous,
        _not_send: PhantomData,
    }
}

/// The plugin allocations on this thread are currently charged to.
#[must_use]
pub fn current() -> PluginId {
    PluginId(current_raw())
}

/// Bytes currently allocated on `plugin`'s behalf and not yet freed (by
/// anyone). Always 0 when [`TrackingAllocator`] is not the global allocator.
#[must_use]
pub fn allocated(plugin: PluginId) -> i64 {
    counter(plugin.0).load(Ordering::Relaxed)
}

/// Whether any allocation has gone through [`TrackingAllocator`], that is,
/// whether this binary installed it and the numbers from [`allocated`] mean
/// anything.
#[must_use]
pub fn is_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Which plugin ids are taken, one bit per id (bit `i % 64` of word `i / 64`).
/// Bit 0, the host, is set from the start and never released, so the host's
/// identity is never handed to a plugin.
static TAKEN: [AtomicU64; MAX_PLUGINS / 64] = {
    let mut words = [const { AtomicU64::new(0) }; MAX_PLUGINS / 64];
    words[0] = AtomicU64::new(1);
    words
};

/// A plugin identity held for as long as this value lives: ids are a
/// process-wide resource, so two plugin managers in one process never charge
/// two plugins to one counter, and dropping the lease gives the id back.
///
/// A reused id's counter may still hold bytes of blocks its previous holder
/// allocated and has not freed yet (a cached buffer a plugin handed to the
/// host, say); the header charges their eventual free to this id whoever
/// holds it then. A lease therefore records the counter when it is acquired
/// and [`IdLease::allocated`] reports usage relative to that baseline,
/// clamped at 0: the new holder is never charged for what it did not
/// allocate, and is under-charged by whatever of the old blocks are freed
/// while it holds the id.
#[derive(Debug)]
pub struct IdLease {
    id: PluginId,
    baseline: i64,
}

impl IdLease {
    /// Takes the lowest free plugin id, or `None` when all
    /// `MAX_PLUGINS - 1` are held. Never returns [`PluginId::HOST`].
    #[must_use]
    pub fn acquire() -> Option<IdLease> {
        for (word_index, word) in TAKEN.iter().enumerate() {
            let mut taken = word.load(Ordering::Relaxed);
            while taken != u64::MAX {
                let bit = taken.trailing_ones();
                // Acquire pairs with the Release in `drop`: whatever the old
                // holder did with the id happens before the new holder has it.
                match word.compare_exchange_weak(
                    taken,
                    taken | (1 << bit),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // Below `MAX_PLUGINS <= 2^16`, so the cast is exact,
                        // and never 0, whose bit is always set.
                        let id = PluginId((word_index * 64 + bit as usize) as u16);
                        return Some(IdLease {
                            id,
                            baseline: allocated(id),
                        });
                    }
                    Err(now) => taken = now,
                }
            }
        }
        None
    }

    /// The identity this lease holds.
    #[must_use]
    pub fn id(&self) -> PluginId {
        self.id
    }

    /// Sets (or with `None` removes) the hard memory limit of this id,
    /// counted like [`IdLease::allocated`], and clears its over-limit flag.
    pub fn set_limit(&self, bytes: Option<u64>) {
        let max = bytes.map_or(i64::MAX, |b| {
            self.baseline
                .max(0)
                .saturating_add(i64::try_from(b).unwrap_or(i64::MAX))
        });
        set_raw_limit(self.id, max);
    }

    /// Bytes allocated on this id's behalf since the lease was acquired and
    /// not yet freed, never below 0 (see the type's documentation).
    #[must_use]
    pub fn allocated(&self) -> i64 {
        allocated(self.id).saturating_sub(self.baseline).max(0)
    }
}

impl Drop for IdLease {
    fn drop(&mut self) {
        // The next holder starts without this one's limit.
        set_raw_limit(self.id, i64::MAX);
        let index = usize::from(self.id.0);
        TAKEN[index / 64].fetch_and(!(1 << (index % 64)), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    //! The allocator itself is tested in `vcli/tests/memory_accounting.rs`,
    //! whose binary installs it; a library test binary cannot.

    use super::*;

    #[test]
    fn plugin_ids_cover_exactly_one_to_max() {
        assert_eq!(PluginId::new(0), None);
        assert_eq!(PluginId::new(1).map(PluginId::index), Some(1));
        let last = u16::try_from(MAX_PLUGINS - 1).expect("fits");
        assert_eq!(PluginId::new(last).map(PluginId::index), Some(last));
        assert_eq!(PluginId::new(last + 1), None);
        assert_eq!(PluginId::HOST.index(), 0);
    }

    #[test]
    fn leases_hold_distinct_ids_and_never_the_host() {
        // Other tests in this binary may hold ids too, so only what this
        // test holds itself is checked; exhaustion and reuse are tested in
        // `vcli/tests/plugin_ids.rs`, a process of its own.
        let leases: Vec<IdLease> = (0..8).filter_map(|_| IdLease::acquire()).collect();
        assert_eq!(leases.len(), 8);
        let mut ids: Vec<u16> = leases.iter().map(|l| l.id().index()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 8, "distinct: {ids:?}");
        assert!(!ids.contains(&0), "never the host");
        assert!(leases.iter().all(|l| l.allocated() >= 0));
    }

    #[test]
    fn headers_keep_the_requested_alignment() {
        for shift in 0..16 {
            let align = 1usize << shift;
            let header = header_size(align);
            assert!(header >= MIN_HEADER);
            assert_eq!(header % align, 0, "align {align}");
        }
    }

    #[test]
    fn enter_nests_and_restores() {
        let a = PluginId::new(3).expect("valid");
        let b = PluginId::new(4).expect("valid");
        assert_eq!(current(), PluginId::HOST);
        {
            let _outer = enter(a);
            assert_eq!(current(), a);
            {
                let _inner = enter(b);
                assert_eq!(current(), b);
            }
            assert_eq!(current(), a);
        }
        assert_eq!(current(), PluginId::HOST);
    }
}
