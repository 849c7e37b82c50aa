//! Discovery kept on disk between runs, as kubectl keeps it in `~/.kube/cache/discovery`:
//! one file per server under the cache directory the host sets aside for the plugin
//! (`~/.cache/vcli/plugins/kubernetes`), or the plugin's `cache_dir` setting, fresh for
//! six hours.
//!
//! Files are read and written only through the host's filesystem service, so only when the
//! policy grants the plugin the filesystem capability. Without it there is no cache, and
//! nothing is said about it: every `get` asks the server. A cache that cannot be read or
//! written is the same as none.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use vcli_plugin_api::FileSystemService;

use crate::discovery::Discovery;

/// How long a cached discovery is trusted (kubectl's discovery cache TTL).
pub(crate) const TTL: Duration = Duration::from_secs(6 * 3600);

/// The version of the file format; other versions are ignored.
const FORMAT: u32 = 1;

/// The on-disk discovery cache, or none.
#[derive(Debug, Clone, Default)]
pub(crate) struct DiscoveryCache {
    store: Option<Store>,
}

#[derive(Debug, Clone)]
struct Store {
    files: FileSystemService,
    dir: PathBuf,
    ttl: Duration,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CacheFile {
    format: u32,
    server: String,
    /// Seconds since the Unix epoch.
    fetched_at: u64,
    #[serde(flatten)]
    discovery: Discovery,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A file name for a server URL, as kubectl derives its cache directory from the host:
/// the scheme dropped, everything but letters, digits, `.`, `-` and `_` made `_`.
fn file_name(server: &str) -> String {
    let bare = server
        .strip_prefix("https://")
        .or_else(|| server.strip_prefix("http://"))
        .unwrap_or(server)
        .trim_end_matches('/');
    let mut name: String = bare
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with('.') || name.is_empty() {
        name.insert(0, '_');
    }
    format!("{name}.json")
}

impl DiscoveryCache {
    /// No cache: every lookup asks the server.
    pub(crate) fn disabled() -> Self {
        DiscoveryCache { store: None }
    }

    /// A cache in `dir` (the plugin's cache directory) through the host's `files`.
    pub(crate) fn new(files: FileSystemService, dir: &Path, ttl: Duration) -> Self {
        DiscoveryCache {
            store: Some(Store {
                files,
                dir: dir.join("discovery"),
                ttl,
            }),
        }
    }

    /// Whether a cache is in use.
    #[cfg(test)]
    pub(crate) fn enabled(&self) -> bool {
        self.store.is_some()
    }

    /// The cached discovery of `server`, if there is one younger than the TTL.
    pub(crate) fn load(&self, server: &str) -> Option<Discovery> {
        let store = self.store.as_ref()?;
        let bytes = store.files.read(store.dir.join(file_name(server))).ok()?;
        let file: CacheFile = serde_json::from_slice(&bytes).ok()?;
        let age = now_secs().checked_sub(file.fetched_at)?;
        (file.format == FORMAT && file.server == server && age < store.ttl.as_secs())
            .then_some(file.discovery)
    }

    /// Keeps `discovery` for `server`; failures are ignored (the next run asks again).
    pub(crate) fn store(&self, server: &str, discovery: &Discovery) {
        let Some(store) = self.store.as_ref() else {
            return;
        };
        let file = CacheFile {
            format: FORMAT,
            server: server.to_owned(),
            fetched_at: now_secs(),
            discovery: discovery.clone(),
        };
        let Ok(bytes) = serde_json::to_vec(&file) else {
            return;
        };
        let name = file_name(server);
        // Written aside and renamed, so a concurrent run never reads half a file.
        let temp = store
            .dir
            .join(format!(".{name}.{}.tmp", std::process::id()));
        let written = store
            .files
            .resolve(&store.dir)
            .and_then(|dir| Ok(std::fs::create_dir_all(dir)?))
            .and_then(|()| store.files.write(&temp, &bytes))
            .and_then(|()| {
                let from = store.files.resolve(&temp)?;
                let to = store.files.resolve(store.dir.join(&name))?;
                Ok(std::fs::rename(from, to)?)
            });
        // Not kept: the next run asks the server again.
        drop(written);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::ApiResource;
    use std::sync::Arc;
    use vcli_plugin_api::{FileSystemAccess, PluginError};

    /// Files below one root, refusing everything else (as the host does).
    #[derive(Debug)]
    struct Rooted(PathBuf);

    impl FileSystemAccess for Rooted {
        fn resolve(&self, path: &Path) -> Result<PathBuf, PluginError> {
            if path.starts_with(&self.0) {
                Ok(path.to_path_buf())
            } else {
                Err(PluginError::failed(format!(
                    "{} is outside",
                    path.display()
                )))
            }
        }
    }

    fn discovery() -> Discovery {
        Discovery {
            resources: vec![ApiResource {
                group: "example.com".to_owned(),
                version: "v1".to_owned(),
                plural: "widgets".to_owned(),
                singular: "widget".to_owned(),
                kind: "Widget".to_owned(),
                namespaced: true,
                short_names: vec!["wdg".to_owned()],
                verbs: vec!["list".to_owned()],
            }],
        }
    }

    #[test]
    fn round_trip_and_expiry() {
        let root = tempfile::tempdir().unwrap();
        let files = FileSystemService::new(Arc::new(Rooted(root.path().to_path_buf())));
        let dir = root.path().join("vcli").join("kubernetes");
        let cache = DiscoveryCache::new(files.clone(), &dir, TTL);
        let server = "https://127.0.0.1:6443";
        assert_eq!(cache.load(server), None);
        cache.store(server, &discovery());
        assert_eq!(cache.load(server), Some(discovery()));
        assert!(dir.join("discovery").join("127.0.0.1_6443.json").is_file());
        assert_eq!(cache.load("https://other:6443"), None);

        let expired = DiscoveryCache::new(files, &dir, Duration::ZERO);
        assert_eq!(expired.load(server), None);
    }

    #[test]
    fn outside_the_roots_there_is_no_cache() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let files = FileSystemService::new(Arc::new(Rooted(root.path().to_path_buf())));
        let cache = DiscoveryCache::new(files, elsewhere.path(), TTL);
        cache.store("https://x:1", &discovery());
        assert_eq!(cache.load("https://x:1"), None);
        assert!(!elsewhere.path().join("discovery").exists());
        assert!(!DiscoveryCache::disabled().enabled());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("https://10.0.0.1:6443"), "10.0.0.1_6443.json");
        assert_eq!(
            file_name("https://rancher.example.com/k8s/clusters/c-1/"),
            "rancher.example.com_k8s_clusters_c-1.json"
        );
        assert_eq!(file_name("http://../x"), "_.._x.json");
    }
}
