//! 10,000 generated pods listed in pages of 500: every pod exactly once, quickly.

mod common;

use std::collections::HashSet;
use std::time::Instant;

use common::{ScratchDir, client};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;
use vcli_k8s_emulator::{Emulator, Fixtures, names};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_pods_page_through_exactly_once() {
    let standard = Fixtures::standard().pods.len();
    let emulator = Emulator::start(Fixtures::standard().with_generated_pods(10_000))
        .await
        .expect("start");
    let dir = ScratchDir::new("scale");
    let pods: Api<Pod> = Api::all(client(&emulator, &dir, "emulator").await);

    let started = Instant::now();
    let mut seen = HashSet::new();
    let mut params = ListParams::default().limit(500);
    let mut pages = 0;
    loop {
        let page = pods.list(&params).await.expect("page");
        pages += 1;
        assert!(page.items.len() <= 500);
        for pod in &page.items {
            let key = (
                pod.metadata.namespace.clone().unwrap_or_default(),
                pod.metadata.name.clone().unwrap_or_default(),
            );
            assert!(seen.insert(key.clone()), "{key:?} listed twice");
        }
        let remaining = page.metadata.remaining_item_count;
        match page.metadata.continue_ {
            Some(token) => {
                assert_eq!(remaining, Some((10_000 + standard - seen.len()) as i64));
                params = params.continue_token(&token);
            }
            None => break,
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(seen.len(), 10_000 + standard);
    assert_eq!(pages, (10_000 + standard).div_ceil(500));
    for ns in names::GENERATED_NAMESPACES {
        assert_eq!(seen.iter().filter(|(n, _)| n == ns).count(), 2_500);
    }
    println!("listed {} pods in {pages} pages in {elapsed:?}", seen.len());

    // A selector that matches a tenth of them, still paginated.
    let shard: Api<Pod> = Api::namespaced(pods.into_client(), "load-1");
    let mut params = ListParams::default().labels("app=load,shard=3").limit(100);
    let mut count = 0;
    loop {
        let page = shard.list(&params).await.expect("page");
        count += page.items.len();
        match page.metadata.continue_ {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    // Pods i with i % 4 == 1 (load-1) and i % 10 == 3: i % 20 == 13, 500 of them.
    assert_eq!(count, 500);
}
