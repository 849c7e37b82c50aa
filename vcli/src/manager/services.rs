//! The host services handed to plugins through their context, each gated by
//! the plugin's granted capabilities and policy scope: owned task spawning
//! within the task budget, the metered network service, the rooted
//! filesystem service and the process service.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::{
    BoxedIo, Capability, FileSystemAccess, FileSystemService, HostServices, NetworkMeter,
    NetworkService, PluginError, ProcessLauncher, ProcessService,
};

use super::Inner;
use super::call::{Metered, PluginMeter, panic_message};
use super::slot::Slot;
use super::violations::{Resource, ViolationKind};

/// The manager's implementation of [`HostServices`]. Holds the manager weakly
/// so that plugins keeping their context alive cannot keep the host alive.
#[derive(Debug)]
pub(crate) struct Services {
    inner: Weak<Inner>,
    /// Woken by plugins whose view model changed; the TUI waits on it.
    redraw: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").finish_non_exhaustive()
    }
}

impl Services {
    pub(crate) fn new(inner: Weak<Inner>) -> Self {
        Services {
            inner,
            redraw: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// What plugins' redraw requests wake.
    pub(crate) fn redraw_signal(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.redraw)
    }

    fn inner(&self) -> Result<Arc<Inner>, PluginError> {
        self.inner.upgrade().ok_or(PluginError::Cancelled)
    }
}

/// Looks up `plugin`'s slot in a live manager.
fn with_slot<T>(
    inner: &Weak<Inner>,
    plugin: &str,
    f: impl FnOnce(&Arc<Inner>, &Slot) -> Result<T, PluginError>,
) -> Result<T, PluginError> {
    let inner = inner.upgrade().ok_or(PluginError::Cancelled)?;
    let slot = inner.slots.get(plugin).ok_or(PluginError::Cancelled)?;
    f(&inner, slot)
}

/// Decrements the plugin's live-task count when its task ends, however it ends.
struct LiveTask(Arc<PluginMeter>);

impl Drop for LiveTask {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::Relaxed);
    }
}

impl HostServices for Services {
    fn redraw(&self, _plugin: &str) -> vcli_plugin_api::Redraw {
        // One signal for all plugins: the TUI redraws the whole screen, and
        // `notify_one` keeps a single permit, so a burst costs one frame.
        let signal = Arc::clone(&self.redraw);
        vcli_plugin_api::Redraw::new(move || signal.notify_one())
    }

    fn spawn(
        &self,
        plugin: &str,
        name: &str,
        task: BoxFuture<'static, ()>,
    ) -> Result<(), PluginError> {
        let inner = self.inner()?;
        let slot = inner.slots.get(plugin).ok_or(PluginError::Cancelled)?;
        let (token, tracker) = slot.lock().run_scope();
        if token.is_cancelled() {
            return Err(PluginError::Cancelled);
        }
        let limit = slot.settings.limits.tasks;
        let live = slot.meter.live_tasks.fetch_add(1, Ordering::Relaxed);
        let guard = LiveTask(slot.meter.clone());
        if live >= limit {
            drop(guard);
            let message = format!(
                "plugin {plugin} already has {live} live tasks (limit {limit}); task {name:?} was not started"
            );
            #[allow(clippy::cast_precision_loss, reason = "task counts are far below 2^52")]
            let kind = ViolationKind::Budget {
                resource: Resource::Tasks,
                used: live as f64,
                limit: limit as f64,
            };
            inner.violate(slot, kind, message.clone());
            return Err(PluginError::Budget(message));
        }
        slot.meter.spawned_tasks.fetch_add(1, Ordering::Relaxed);
        let owner = Arc::downgrade(&inner);
        let plugin: &'static str = slot.name();
        let task_name = name.to_owned();
        let body = Metered::new(
            std::panic::AssertUnwindSafe(task).catch_unwind(),
            slot.meter.clone(),
        );
        tracker.spawn(async move {
            let _guard = guard;
            // A panicking background task fails its plugin, as a panicking call would.
            if let Some(Err(payload)) = token.run_until_cancelled(body).await
                && let Some(inner) = owner.upgrade()
                && let Some(slot) = inner.slots.get(plugin)
            {
                let reason = format!("task {task_name:?} panicked: {}", panic_message(payload));
                inner.fail(slot, reason);
            }
        });
        Ok(())
    }

    fn capability_denied(&self, plugin: &str, capability: Capability, what: &str) {
        let _ = with_slot(&self.inner, plugin, |inner, slot| {
            let message = format!(
                "{what} needs capability {capability}, which plugin {plugin} was not granted"
            );
            inner.violate(
                slot,
                ViolationKind::CapabilityDenied { capability },
                message,
            );
            Ok(())
        });
    }

    fn network(&self, plugin: &str) -> Result<NetworkService, PluginError> {
        with_slot(&self.inner, plugin, |_, slot| {
            Ok(NetworkService::new(Arc::new(HostNetwork {
                manager: self.inner.clone(),
                plugin: slot.name(),
                meter: slot.meter.clone(),
                closed: slot.lock().instance_token(),
            })))
        })
    }

    fn filesystem(&self, plugin: &str) -> Result<FileSystemService, PluginError> {
        with_slot(&self.inner, plugin, |_, slot| {
            // The plugin's own cache directory is a root of its own, after the
            // configured ones (relative paths still start from the first
            // configured root). It is created here so that it can be
            // canonicalized like the others; if it cannot be, the plugin has
            // no cache directory rather than one it cannot use.
            let cache = crate::dirs::plugin_cache_dir(slot.name())
                .filter(|dir| std::fs::create_dir_all(dir).is_ok())
                .and_then(|dir| std::fs::canonicalize(dir).ok());
            let roots = slot
                .settings
                .policy
                .filesystem_roots
                .iter()
                .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()))
                .chain(cache.clone())
                .collect();
            Ok(FileSystemService::new(Arc::new(RootedFiles {
                manager: self.inner.clone(),
                plugin: slot.name(),
                roots,
                cache,
            })))
        })
    }

    fn processes(&self, plugin: &str) -> Result<ProcessService, PluginError> {
        with_slot(&self.inner, plugin, |_, slot| {
            let (stop, _) = slot.lock().run_scope();
            Ok(ProcessService::new(Arc::new(Children {
                plugin: slot.name(),
                stop,
            })))
        })
    }
}

/// The network service of one plugin instance.
#[derive(Debug)]
struct HostNetwork {
    manager: Weak<Inner>,
    plugin: &'static str,
    meter: Arc<PluginMeter>,
    /// Cancelled when the instance fails, is terminated or unloaded.
    closed: CancellationToken,
}

impl HostNetwork {
    fn out_of_scope(&self, capability: Capability, target: String, message: String) -> PluginError {
        let _ = with_slot(&self.manager, self.plugin, |inner, slot| {
            inner.violate(
                slot,
                ViolationKind::OutOfScope { capability, target },
                message.clone(),
            );
            Ok(())
        });
        PluginError::CapabilityDenied {
            plugin: self.plugin.to_owned(),
            capability,
            reason: message,
        }
    }
}

impl NetworkMeter for HostNetwork {
    fn authorize(&self, host: &str, port: u16) -> Result<(), PluginError> {
        if self.closed.is_cancelled() {
            return Err(PluginError::Cancelled);
        }
        let allowed = with_slot(&self.manager, self.plugin, |_, slot| {
            Ok(slot.settings.policy.allows_host(host, port))
        })?;
        if allowed {
            return Ok(());
        }
        Err(self.out_of_scope(
            Capability::Network,
            format!("{host}:{port}"),
            format!(
                "{host}:{port} is outside the network scope; add it to plugins.{}.policy.network_hosts",
                self.plugin
            ),
        ))
    }

    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, Result<BoxedIo, PluginError>> {
        let authorized = self.authorize(host, port);
        let address = format!("{host}:{port}");
        let meter = self.meter.clone();
        let closed = self.closed.clone();
        Box::pin(async move {
            authorized?;
            let stream = tokio::net::TcpStream::connect(&address)
                .await
                .map_err(|e| {
                    PluginError::with_source(format!("cannot connect to {address}: {e}"), e)
                })?;
            let _ = stream.set_nodelay(true);
            Ok(meter.metered_io(stream, closed))
        })
    }
}

/// The filesystem service of one plugin: paths are resolved inside its roots.
#[derive(Debug)]
struct RootedFiles {
    manager: Weak<Inner>,
    plugin: &'static str,
    roots: Vec<PathBuf>,
    /// The plugin's own cache directory (also the last of `roots`).
    cache: Option<PathBuf>,
}

impl FileSystemAccess for RootedFiles {
    fn cache_dir(&self) -> Option<PathBuf> {
        self.cache.clone()
    }

    fn resolve(&self, path: &Path) -> Result<PathBuf, PluginError> {
        match resolve_in_roots(&self.roots, path) {
            Ok(resolved) => Ok(resolved),
            Err(problem) => {
                let message = format!(
                    "{} {problem}; grant a directory in plugins.{}.policy.filesystem_roots",
                    path.display(),
                    self.plugin
                );
                let _ = with_slot(&self.manager, self.plugin, |inner, slot| {
                    let kind = ViolationKind::OutOfScope {
                        capability: Capability::Filesystem,
                        target: path.display().to_string(),
                    };
                    inner.violate(slot, kind, message.clone());
                    Ok(())
                });
                Err(PluginError::CapabilityDenied {
                    plugin: self.plugin.to_owned(),
                    capability: Capability::Filesystem,
                    reason: message,
                })
            }
        }
    }
}

/// Resolves `path` inside one of `roots` (canonical directories): relative
/// paths are taken from the first root; `..` is refused outright; the
/// deepest existing ancestor is canonicalized so a symlink that leads out of
/// the root is caught.
pub(crate) fn resolve_in_roots(roots: &[PathBuf], path: &Path) -> Result<PathBuf, &'static str> {
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err("contains `..`");
    }
    let Some(first) = roots.first() else {
        return Err("is refused: no filesystem root is granted");
    };
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        first.join(path)
    };
    // Canonicalize what exists; the rest (a file about to be created) is
    // appended as plain names, which cannot escape after the `..` check.
    let mut existing = joined.as_path();
    let mut rest = Vec::new();
    let real = loop {
        match std::fs::canonicalize(existing) {
            Ok(real) => break real,
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => return Err("cannot be resolved"),
            },
        }
    };
    let resolved = rest
        .into_iter()
        .rev()
        .fold(real, |acc, name| acc.join(name));
    if roots.iter().any(|root| resolved.starts_with(root)) {
        Ok(resolved)
    } else {
        Err("is outside the granted filesystem roots")
    }
}

/// The process service of one plugin run: children die with the run.
#[derive(Debug)]
struct Children {
    plugin: &'static str,
    stop: CancellationToken,
}

impl ProcessLauncher for Children {
    fn run(
        &self,
        program: &str,
        args: &[String],
    ) -> BoxFuture<'static, Result<std::process::Output, PluginError>> {
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .kill_on_drop(true)
            .stdin(std::process::Stdio::null());
        let stop = self.stop.clone();
        let (plugin, program) = (self.plugin, program.to_owned());
        Box::pin(async move {
            let output = command.output();
            match stop.run_until_cancelled(output).await {
                // Dropping the future kills the child (kill_on_drop).
                None => Err(PluginError::Cancelled),
                Some(Ok(output)) => Ok(output),
                Some(Err(e)) => Err(PluginError::with_source(
                    format!("plugin {plugin} cannot run {program}: {e}"),
                    e,
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_their_roots() {
        let dir = std::env::temp_dir().join(format!("vcli-roots-{}", std::process::id()));
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        let root = std::fs::canonicalize(&root).unwrap();
        let roots = [root.clone()];
        assert_eq!(
            resolve_in_roots(&roots, Path::new("sub/new.txt")).unwrap(),
            root.join("sub/new.txt")
        );
        assert_eq!(
            resolve_in_roots(&roots, &root.join("a.txt")).unwrap(),
            root.join("a.txt")
        );
        assert_eq!(
            resolve_in_roots(&roots, Path::new("../outside/x")),
            Err("contains `..`")
        );
        assert_eq!(
            resolve_in_roots(&roots, Path::new("/etc/passwd")),
            Err("is outside the granted filesystem roots")
        );
        #[cfg(unix)]
        {
            let link = root.join("escape");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(dir.join("outside"), &link).unwrap();
            assert_eq!(
                resolve_in_roots(&roots, Path::new("escape/secret")),
                Err("is outside the granted filesystem roots")
            );
        }
        assert_eq!(
            resolve_in_roots(&[], Path::new("x")),
            Err("is refused: no filesystem root is granted")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
