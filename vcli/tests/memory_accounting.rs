//! The tracking allocator's accounting, in a binary that installs it: known
//! allocations under a plugin's attribution are charged to that plugin
//! exactly, frees are credited to the owner whoever performs them, and
//! realloc, over-aligned, zeroed and concurrent allocations add up.
//!
//! Tests in this binary run on parallel threads and share the global
//! counters, so each test charges plugin ids of its own and only allocates
//! what it measures while it is attributed to them.

#![allow(
    unsafe_code,
    reason = "the over-aligned and zeroed cases call the allocator's `GlobalAlloc` \
              methods directly, which is the only way to reach them with a chosen layout"
)]

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};

use vcli::sandbox::memory::{self, PluginId, TrackingAllocator};

#[global_allocator]
static ALLOC: TrackingAllocator = TrackingAllocator;

fn plugin(index: u16) -> PluginId {
    PluginId::new(index).expect("valid test plugin id")
}

fn bytes(n: usize) -> i64 {
    i64::try_from(n).expect("small")
}

/// Allocates `sizes` (uninitialized capacity, then written) under `owner`.
fn allocate_under(owner: PluginId, sizes: &[usize]) -> Vec<Vec<u8>> {
    // The outer vector is allocated before attribution starts so that only
    // the buffers themselves are charged.
    let mut buffers = Vec::with_capacity(sizes.len());
    {
        let _attribution = memory::enter(owner);
        for &size in sizes {
            let mut buffer = Vec::<u8>::with_capacity(size);
            buffer.resize(size, 0xab);
            buffers.push(buffer);
        }
    }
    buffers
}

const SIZES: [usize; 6] = [1, 24, 1000, 4096, 65_536, 1 << 20];

fn total(sizes: &[usize]) -> i64 {
    sizes.iter().map(|&s| charge(s)).sum()
}

/// What a byte buffer of `size` bytes is charged: its bytes and its header.
fn charge(size: usize) -> i64 {
    bytes(memory::footprint(size, 1))
}

/// Asserts that `measured` is within 5% of `expected`: the requirement. Most
/// tests assert exact equality, which is what the design gives when nothing
/// but the measured code allocates under the plugin's attribution.
fn assert_within_5_percent(measured: i64, expected: i64) {
    let error = (measured - expected).abs();
    assert!(
        error * 20 <= expected.abs().max(1),
        "measured {measured}, expected {expected}"
    );
}

#[test]
fn the_allocator_reports_itself_installed() {
    drop(black_box(Box::new(1u64)));
    assert!(memory::is_installed());
}

#[test]
fn known_allocations_are_charged_exactly_and_freed_back_to_baseline() {
    let owner = plugin(1);
    let baseline = memory::allocated(owner);
    let buffers = allocate_under(owner, &SIZES);
    assert_eq!(memory::allocated(owner) - baseline, total(&SIZES));
    drop(buffers);
    assert_eq!(memory::allocated(owner), baseline);
}

#[test]
fn frees_by_another_thread_credit_the_owner() {
    let owner = plugin(2);
    let other = plugin(3);
    let buffers = allocate_under(owner, &SIZES);
    let charged = memory::allocated(owner);
    assert_eq!(charged, total(&SIZES));

    let other_before = memory::allocated(other);
    std::thread::spawn(move || {
        let _attribution = memory::enter(other);
        drop(buffers);
    })
    .join()
    .expect("freeing thread");
    assert_eq!(memory::allocated(owner), 0);
    assert_eq!(memory::allocated(other), other_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frees_by_another_task_credit_the_owner() {
    let owner = plugin(4);
    let other = plugin(5);
    let (tx, rx) = tokio::sync::oneshot::channel();

    let producer = tokio::spawn(async move {
        let buffers = allocate_under(owner, &SIZES);
        tokio::task::yield_now().await;
        tx.send(buffers).expect("consumer alive");
    });
    let consumer = tokio::spawn(async move {
        let buffers = rx.await.expect("producer sends");
        let charged = memory::allocated(owner);
        // Freed under a different plugin's attribution, and on whatever
        // worker thread this task happens to run.
        let _attribution = memory::enter(other);
        drop(buffers);
        charged
    });
    producer.await.expect("producer");
    let charged = consumer.await.expect("consumer");

    assert_within_5_percent(charged, total(&SIZES));
    assert_eq!(charged, total(&SIZES));
    assert_eq!(memory::allocated(owner), 0);
    assert_eq!(memory::allocated(other), 0);
}

pin_project_lite::pin_project! {
    /// Charges every poll of `inner` to `plugin`, as the host does.
    struct Attributed<F> {
        #[pin]
        inner: F,
        plugin: PluginId,
    }
}

impl<F: Future> Future for Attributed<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _attribution = memory::enter(*this.plugin);
        this.inner.poll(cx)
    }
}

/// A plugin that, across awaits, allocates known amounts, frees some of them
/// itself, and hands the rest to the host.
async fn test_plugin() -> (Vec<Vec<u8>>, i64) {
    let mut kept = Vec::new();
    let mut expected = 0;
    for round in 0..20usize {
        let size = 10_000 + round * 1_000;
        let keep = vec![round as u8; size];
        let scratch = vec![0u8; size * 3];
        tokio::task::yield_now().await;
        drop(black_box(scratch));
        expected += charge(keep.len());
        kept.push(keep);
    }
    (kept, expected)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_future_is_charged_within_5_percent_and_host_frees_credit_it() {
    let owner = plugin(6);
    let baseline = memory::allocated(owner);
    let (kept, expected) = tokio::spawn(Attributed {
        inner: test_plugin(),
        plugin: owner,
    })
    .await
    .expect("plugin task");

    // The plugin's own bookkeeping (the `kept` vector's growth, the
    // runtime's per-poll work) is charged too, hence "within 5%".
    let charged = memory::allocated(owner) - baseline;
    // Shown with `--nocapture`: how far from the plugin's own data the charge is.
    eprintln!("charged {charged} bytes for {expected} bytes of kept buffers");
    assert_within_5_percent(
        charged,
        expected + bytes(kept.capacity() * size_of::<Vec<u8>>()),
    );
    assert_within_5_percent(charged, expected);

    // The host frees the plugin's result: what remains charged is at most
    // the runtime's own bookkeeping done during the plugin's polls.
    drop(kept);
    let remaining = memory::allocated(owner) - baseline;
    assert!(
        remaining.abs() * 20 <= expected,
        "{remaining} bytes still charged after the host freed {expected}"
    );
}

#[test]
fn realloc_keeps_the_original_owner() {
    let owner = plugin(7);
    let other = plugin(8);
    let mut buffer = {
        let _attribution = memory::enter(owner);
        Vec::<u8>::with_capacity(100)
    };
    buffer.extend_from_slice(b"kept across every move");
    assert_eq!(memory::allocated(owner), charge(100));

    {
        let _attribution = memory::enter(other);
        buffer.reserve_exact(100_000 - buffer.len());
    }
    assert_eq!(buffer.capacity(), 100_000);
    assert_eq!(memory::allocated(owner), charge(100_000));
    assert_eq!(memory::allocated(other), 0);
    assert_eq!(&buffer[..], b"kept across every move");

    {
        let _attribution = memory::enter(other);
        buffer.shrink_to_fit();
    }
    assert_eq!(memory::allocated(owner), charge(buffer.capacity()));
    assert_eq!(memory::allocated(other), 0);
    assert_eq!(&buffer[..], b"kept across every move");

    drop(buffer);
    assert_eq!(memory::allocated(owner), 0);
}

#[test]
fn over_aligned_allocations_are_aligned_counted_and_reallocated() {
    let owner = plugin(9);
    for align in [32, 64, 4096, 1 << 16] {
        let layout = Layout::from_size_align(8192, align).expect("layout");
        let ptr = {
            let _attribution = memory::enter(owner);
            // SAFETY: the layout has a non-zero size.
            unsafe { ALLOC.alloc(layout) }
        };
        assert!(!ptr.is_null());
        assert_eq!(ptr as usize % align, 0, "align {align}");
        assert_eq!(
            memory::allocated(owner),
            bytes(memory::footprint(8192, align))
        );
        // SAFETY: `ptr` points to 8192 writable bytes.
        unsafe { ptr.write_bytes(0x11, 8192) };

        // Growing an over-aligned block goes through System's
        // alloc-copy-free fallback, which must carry the header along.
        // SAFETY: `ptr` was allocated with `layout`; the new size is valid.
        let grown = unsafe { ALLOC.realloc(ptr, layout, 3 * 8192) };
        assert!(!grown.is_null());
        assert_eq!(grown as usize % align, 0, "align {align}");
        assert_eq!(
            memory::allocated(owner),
            bytes(memory::footprint(3 * 8192, align))
        );
        // SAFETY: the first 8192 bytes were copied by realloc.
        assert!(
            unsafe { std::slice::from_raw_parts(grown, 8192) }
                .iter()
                .all(|&b| b == 0x11)
        );

        // SAFETY: `grown` was allocated with this layout.
        unsafe {
            ALLOC.dealloc(
                grown,
                Layout::from_size_align(3 * 8192, align).expect("layout"),
            )
        };
        assert_eq!(memory::allocated(owner), 0);
    }

    #[repr(align(4096))]
    struct Page([u8; 4096]);
    let page = {
        let _attribution = memory::enter(owner);
        Box::new(Page([7; 4096]))
    };
    assert_eq!(std::ptr::from_ref(&*page) as usize % 4096, 0);
    assert_eq!(
        memory::allocated(owner),
        bytes(memory::footprint(4096, 4096))
    );
    assert!(page.0.iter().all(|&b| b == 7));
    drop(page);
    assert_eq!(memory::allocated(owner), 0);
}

#[test]
fn zeroed_allocations_are_zero_and_counted() {
    let owner = plugin(10);
    let zeros = {
        let _attribution = memory::enter(owner);
        vec![0u64; 100_000]
    };
    assert!(zeros.iter().all(|&x| x == 0));
    let zeros_charge = bytes(memory::footprint(100_000 * 8, 8));
    assert_eq!(memory::allocated(owner), zeros_charge);

    let layout = Layout::from_size_align(10_000, 4096).expect("layout");
    let ptr = {
        let _attribution = memory::enter(owner);
        // SAFETY: the layout has a non-zero size.
        unsafe { ALLOC.alloc_zeroed(layout) }
    };
    assert!(!ptr.is_null());
    assert_eq!(ptr as usize % 4096, 0);
    // SAFETY: `ptr` points to 10_000 initialized (zeroed) bytes.
    assert!(
        unsafe { std::slice::from_raw_parts(ptr, 10_000) }
            .iter()
            .all(|&b| b == 0)
    );
    assert_eq!(
        memory::allocated(owner),
        zeros_charge + bytes(memory::footprint(10_000, 4096))
    );
    // SAFETY: `ptr` was allocated with `layout`.
    unsafe { ALLOC.dealloc(ptr, layout) };
    drop(zeros);
    assert_eq!(memory::allocated(owner), 0);
}

#[test]
fn nested_attribution_charges_the_innermost_and_restores() {
    let outer = plugin(11);
    let inner = plugin(12);
    assert_eq!(memory::current(), PluginId::HOST);
    let outer_attribution = memory::enter(outer);
    let a = vec![1u8; 1000];
    {
        let _inner = memory::enter(inner);
        assert_eq!(memory::current(), inner);
        let b = vec![2u8; 3000];
        assert_eq!(memory::allocated(inner), charge(3000));
        // Freed while `inner` is current but owned by `inner`: credited there.
        drop(b);
    }
    assert_eq!(memory::current(), outer);
    let c = vec![3u8; 500];
    assert_eq!(memory::allocated(outer), charge(1000) + charge(500));
    assert_eq!(memory::allocated(inner), 0);
    drop((a, c));
    assert_eq!(memory::allocated(outer), 0);
    drop(outer_attribution);
    assert_eq!(memory::current(), PluginId::HOST);
}

#[test]
fn concurrent_allocations_for_different_plugins_add_up_exactly() {
    const THREADS: u16 = 4;
    const ROUNDS: usize = 20_000;
    let first = 20;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let owner = plugin(first + t);
            std::thread::spawn(move || {
                let attribution = memory::enter(owner);
                let mut kept = Vec::with_capacity(ROUNDS);
                for round in 0..ROUNDS {
                    let size = 1 + (round * 7 + usize::from(t)) % 300;
                    let churn = black_box(vec![0u8; size * 2]);
                    drop(churn);
                    if round % 2 == 0 {
                        kept.push(vec![1u8; size]);
                    }
                }
                let expected: usize = kept
                    .iter()
                    .map(|v| memory::footprint(v.len(), 1))
                    .sum::<usize>()
                    + memory::footprint(kept.capacity() * size_of::<Vec<u8>>(), 8);
                drop(attribution);
                (kept, bytes(expected))
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("allocating thread"))
        .collect();
    for (t, (_, expected)) in (0..THREADS).zip(&results) {
        assert_eq!(memory::allocated(plugin(first + t)), *expected);
    }
    // Free everything on this thread, as the host: every owner goes to zero.
    drop(results);
    for t in 0..THREADS {
        assert_eq!(memory::allocated(plugin(first + t)), 0);
    }
}

thread_local! {
    /// A thread-local whose destructor allocates: it runs during thread
    /// teardown, when other thread-locals may already be gone.
    static ALLOCATES_ON_EXIT: AllocatesOnExit = const { AllocatesOnExit };
}

struct AllocatesOnExit;

impl Drop for AllocatesOnExit {
    fn drop(&mut self) {
        let _attribution = memory::enter(plugin(30));
        drop(black_box(vec![0u8; 1234]));
    }
}

#[test]
fn allocation_during_thread_teardown_is_safe() {
    std::thread::spawn(|| ALLOCATES_ON_EXIT.with(|_| {}))
        .join()
        .expect("thread exits cleanly");
    assert_eq!(memory::allocated(plugin(30)), 0);
}
