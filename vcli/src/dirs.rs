//! Where vcli keeps files between runs: the state directory (violations, the
//! palette history, the TUI log) and the cache directory (registry index,
//! each plugin's own cache), each overridable by an environment variable so
//! that tests and several installations stay apart.

use std::path::PathBuf;

/// The state directory: `$VCLI_STATE_DIR`, else `$XDG_STATE_HOME/vcli` (or
/// the platform's local data directory).
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = from_env("VCLI_STATE_DIR") {
        return Some(dir);
    }
    let dirs = directories::ProjectDirs::from("", "", "vcli")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// The cache directory: `$VCLI_CACHE_DIR`, else `$XDG_CACHE_HOME/vcli` (or
/// the platform's cache directory). Everything below it can be deleted at
/// any time; it is rebuilt on demand.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = from_env("VCLI_CACHE_DIR") {
        return Some(dir);
    }
    directories::ProjectDirs::from("", "", "vcli").map(|d| d.cache_dir().to_path_buf())
}

/// The directory set aside for one plugin's own cache. A plugin granted the
/// filesystem capability may always use it, whatever its
/// `filesystem_roots`: it holds only what the plugin can fetch again, and
/// the name keeps plugins apart.
pub fn plugin_cache_dir(plugin: &str) -> Option<PathBuf> {
    Some(cache_dir()?.join("plugins").join(plugin))
}

/// An absolute directory from `var`; an empty or relative value is treated
/// as unset, since a relative one would move with the working directory.
fn from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_caches_are_apart_below_the_cache_dir() {
        let Some(cache) = cache_dir() else {
            return;
        };
        assert_eq!(
            plugin_cache_dir("kubernetes"),
            Some(cache.join("plugins").join("kubernetes"))
        );
        assert_ne!(plugin_cache_dir("a"), plugin_cache_dir("b"));
    }
}
