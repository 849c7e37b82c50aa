//! Palette commands: run through the manager like the CLI's, their output
//! gathered by a bounded buffer the loop drains into the command tabs.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use vcli_plugin_api::{Output, OutputStyle};

use super::super::model::{CommandState, Model};
use super::super::msg::Msg;
use super::super::palette::Parsed;
use super::super::view;
use super::Host;

/// Output a command may have waiting for the screen before it is dropped
/// (and counted): the screen keeps at most 10,000 lines anyway.
const PENDING_OUTPUT: usize = 4 * 1024 * 1024;

/// Output waiting to reach command panes, by tab.
#[derive(Default)]
pub(super) struct Pending {
    bytes: HashMap<u64, Vec<u8>>,
    dropped: HashMap<u64, usize>,
}

/// The writer a palette command's output goes to.
struct PaneSink {
    id: u64,
    pending: Arc<Mutex<Pending>>,
    ready: Arc<Notify>,
}

impl Write for PaneSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut pending) = self.pending.lock() {
            let queued = pending.bytes.entry(self.id).or_default();
            if queued.len() + buf.len() > PENDING_OUTPUT {
                *pending.dropped.entry(self.id).or_default() += buf.len();
            } else {
                queued.extend_from_slice(buf);
            }
        }
        self.ready.notify_one();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Host {
    /// Runs a palette command through the manager, exactly as the CLI does:
    /// metered, under its deadline, cancelled by its token.
    pub(super) fn run_command(&mut self, id: u64, parsed: Parsed, model: &Model) {
        let Some(registration) = self.manager.catalog().by_command(&parsed.command) else {
            let _ = self.tx.send(Msg::Ended {
                id,
                state: CommandState::Failed(format!("unknown command {:?}", parsed.command)),
            });
            return;
        };
        let name = registration.metadata().name;
        let token = CancellationToken::new();
        self.commands.insert(id, token.clone());
        let sink = || PaneSink {
            id,
            pending: Arc::clone(&self.pending),
            ready: Arc::clone(&self.output_ready),
        };
        let width = view::layout::areas(model).body.width;
        let out = Output::new(
            Box::new(sink()),
            OutputStyle {
                color: false,
                width: Some(width),
            },
        )
        .with_notes(Box::new(sink()));
        let manager = self.manager.clone();
        let tx = self.tx.clone();
        let ready = Arc::clone(&self.output_ready);
        self.tasks.spawn(async move {
            let result = manager.run_command(name, parsed.matches, out, &token).await;
            let state = match result {
                Ok(()) => CommandState::Done,
                Err(_) if token.is_cancelled() => CommandState::Cancelled,
                Err(e) => {
                    CommandState::Failed(crate::cli::plugin::command_failure(name, e).shown())
                }
            };
            // Output written before the end is drained first.
            ready.notify_one();
            let _ = tx.send(Msg::Ended { id, state });
        });
    }

    /// Moves waiting output into messages, whole UTF-8 characters only.
    pub(super) fn drain_output(&mut self) -> Vec<Msg> {
        let Ok(mut pending) = self.pending.lock() else {
            return Vec::new();
        };
        let mut msgs = Vec::new();
        let dropped = std::mem::take(&mut pending.dropped);
        for (id, bytes) in &mut pending.bytes {
            if bytes.is_empty() {
                continue;
            }
            let cut = match std::str::from_utf8(bytes) {
                Ok(_) => bytes.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => bytes.len(),
            };
            let text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
            bytes.drain(..cut);
            msgs.push(Msg::Output { id: *id, text });
        }
        for (id, n) in dropped {
            msgs.push(Msg::Output {
                id,
                text: format!("\n[{n} bytes of output dropped while the screen was busy]\n"),
            });
        }
        msgs
    }
}
