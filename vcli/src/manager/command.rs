//! Running a plugin's command through the manager, as the CLI and the TUI
//! both do: on a task of its own, metered like every other call into the
//! plugin, cancelled with the plugin or by the caller, and under a deadline
//! unless the plugin says the command follows a stream.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use vcli_plugin_api::{CommandKind, Output, PluginError};

use super::call::{CallError, Metered, PluginMeter, call_plugin_sync_as};
use super::violations::ViolationKind;
use super::{Inner, Manager, ManagerError};

impl Manager {
    /// Runs one of `name`'s commands: loads the plugin (and starts its
    /// dependencies) if needed, then runs the command on a task the manager
    /// owns, with the time spent polling it and the memory it allocates
    /// charged to the plugin. The resource loop runs while it does, and for
    /// a [`CommandKind::Streaming`] command so do the health probes.
    ///
    /// The command ends early, with an error, when `cancel` is cancelled (the
    /// user interrupted it), when the plugin fails or is terminated meanwhile
    /// (for example for going over its memory limit: the allocation that
    /// crosses it stops the command within one poll), or when a
    /// [`CommandKind::Finite`] command outlives `[manager] command_timeout`.
    ///
    /// # Errors
    ///
    /// The plugin cannot be prepared, the command failed, panicked, missed
    /// its deadline, was cancelled, or its plugin was stopped under it.
    pub async fn run_command(
        &self,
        name: &str,
        matches: clap::ArgMatches,
        mut out: Output,
        cancel: &CancellationToken,
    ) -> Result<(), ManagerError> {
        let instance = self.prepare_for_command(name).await?;
        let inner = &self.inner;
        let slot = inner.slot(name)?;
        let kind = call_plugin_sync_as(&slot.meter, "command_kind", || {
            instance.command_kind(&matches)
        })
        .map_err(|e| inner.fail_call(slot, e))?;
        inner.ensure_resource_loop();
        if kind == CommandKind::Streaming {
            inner.ensure_probes();
        }
        // Cancelled when the plugin fails, is terminated or unloaded.
        let plugin_gone = slot.lock().instance_token();
        let _active = slot.command_began();

        let work = async move {
            let result = instance.run_command(&matches, &mut out).await;
            // Flushing is part of the command: a reader that cannot keep up
            // holds the command, not the host.
            let flushed = std::io::Write::flush(&mut out).map_err(PluginError::Output);
            // This may be the last reference (the plugin was unloaded
            // meanwhile): a panicking `Drop` must not end the task badly.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(instance)));
            result.and(flushed)
        };
        let task = Budgeted {
            inner: Metered::new(work, slot.meter.clone()),
            meter: slot.meter.clone(),
        };
        let mut handle = AbortOnDropHandle::new(inner.tasks.spawn(task));
        let deadline = match kind {
            CommandKind::Streaming => None,
            _ => Some(inner.config.manager.command_timeout.0),
        };
        let expired = async {
            match deadline {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        let ended = tokio::select! {
            joined = &mut handle => joined,
            () = cancel.cancelled() => {
                handle.abort();
                return Err(ManagerError::Call {
                    plugin: name.to_owned(),
                    source: CallError::Cancelled { call: "command" },
                });
            }
            () = plugin_gone.cancelled() => {
                handle.abort();
                return Err(inner.stopped_under_command(slot));
            }
            () = expired => {
                handle.abort();
                let deadline = deadline.unwrap_or_default();
                let source = CallError::TimedOut { call: "command", deadline };
                let kind = ViolationKind::deadline_missed("command", deadline);
                inner.violate(slot, kind, format!("{source} (manager.command_timeout)"));
                return Err(ManagerError::Call { plugin: name.to_owned(), source });
            }
        };
        match ended {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(source))) => Err(ManagerError::Plugin {
                plugin: name.to_owned(),
                source,
            }),
            Ok(Err(OverLimit { used })) => {
                inner.memory_exceeded(slot, used);
                Err(inner.stopped_under_command(slot))
            }
            Err(join) if join.is_panic() => Err(ManagerError::Call {
                plugin: name.to_owned(),
                source: CallError::Panicked {
                    call: "command",
                    message: super::call::panic_message(join.into_panic()),
                },
            }),
            // Aborted by shutdown: the plugin went away under the command.
            Err(_) => Err(inner.stopped_under_command(slot)),
        }
    }
}

impl Inner {
    /// The error for a command whose plugin failed, was terminated or was
    /// unloaded while the command ran, with the reason the manager recorded.
    fn stopped_under_command(&self, slot: &super::slot::Slot) -> ManagerError {
        let reason = slot
            .info()
            .failure
            .map_or_else(|| "it was unloaded".to_owned(), |f| f.to_string());
        ManagerError::StoppedUnderCommand {
            plugin: slot.name().to_owned(),
            reason,
        }
    }

    /// Starts the resource loop unless it runs already.
    pub(super) fn ensure_resource_loop(self: &Arc<Self>) {
        if !self.monitors.resources.swap(true, Ordering::AcqRel) {
            super::health::spawn_resource_loop(self);
        }
    }

    /// Starts the health probes unless they run already.
    pub(super) fn ensure_probes(self: &Arc<Self>) {
        if !self.monitors.probes.swap(true, Ordering::AcqRel) {
            super::health::spawn_probes(self);
        }
    }
}

/// The command's future ended because the plugin crossed its memory limit.
#[derive(Debug)]
struct OverLimit {
    /// The plugin's live bytes when it was stopped.
    used: i64,
}

pin_project_lite::pin_project! {
    /// A plugin future that ends as soon as an allocation charged to the
    /// plugin crosses its memory limit, so that the memory it holds is freed
    /// at once instead of at the next resource sample.
    struct Budgeted<F> {
        #[pin]
        inner: F,
        meter: Arc<PluginMeter>,
    }
}

impl<F: Future> Future for Budgeted<F> {
    type Output = Result<F::Output, OverLimit>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = this.inner.poll(cx);
        if this.meter.over_memory_limit() {
            return Poll::Ready(Err(OverLimit {
                used: this.meter.allocated().unwrap_or(0),
            }));
        }
        result.map(Ok)
    }
}

/// The commands a slot is serving: how many run now, and since when one
/// has run without a pause.
#[derive(Debug, Default)]
pub(crate) struct Commands {
    running: usize,
    since: Option<tokio::time::Instant>,
}

/// Marks a slot as serving a command while alive, so probes treat a plugin
/// that is only initialized (a CLI command does not start it) as in use.
pub(crate) struct ActiveCommand<'a> {
    slot: &'a super::slot::Slot,
}

impl super::slot::Slot {
    fn commands(&self) -> std::sync::MutexGuard<'_, Commands> {
        self.commands
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that a command began; the guard records its end.
    pub(crate) fn command_began(&self) -> ActiveCommand<'_> {
        let mut commands = self.commands();
        if commands.running == 0 {
            commands.since = Some(tokio::time::Instant::now());
        }
        commands.running += 1;
        ActiveCommand { slot: self }
    }

    /// Since when commands have run without a pause, if one runs now.
    pub(crate) fn serving_command_since(&self) -> Option<tokio::time::Instant> {
        self.commands().since
    }
}

impl Drop for ActiveCommand<'_> {
    fn drop(&mut self) {
        let mut commands = self.slot.commands();
        commands.running -= 1;
        if commands.running == 0 {
            commands.since = None;
        }
    }
}
