//! stdout for plugin commands, written by a thread of its own so that a
//! reader that stalls (a pipe nobody reads, a paused terminal) holds only
//! the command that writes, never the runtime or the task that watches for
//! Ctrl-C.
//!
//! The command writes into an [`Output`] whose bytes are gathered into
//! chunks and handed over a bounded channel to the `vcli-stdout` thread.
//! When the channel is full the command waits (backpressure, so memory stays
//! bounded at [`QUEUED_CHUNKS`] × [`CHUNK`]); that wait happens inside
//! `block_in_place` and is not charged to the plugin as CPU. When the reader
//! goes away the thread reports a broken pipe, and the CLI ends the command
//! quietly.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};

use tokio::sync::oneshot;
use vcli_plugin_api::{Output, OutputStyle};

/// Bytes gathered before a chunk is handed to the writer thread.
const CHUNK: usize = 32 * 1024;
/// Chunks that may wait for the writer thread before the command waits too.
const QUEUED_CHUNKS: usize = 8;

/// The CLI's end of the stdout thread: tells when everything was written,
/// or that the reader went away.
#[derive(Debug)]
pub(crate) struct StdoutThread {
    done: oneshot::Receiver<io::Result<()>>,
    finished: Option<io::Result<()>>,
    /// Alive while the command's sink is: a command abandoned while blocked
    /// in plugin code never drops it, and then nothing more will come.
    sink: std::sync::Weak<()>,
}

/// Starts the stdout thread and returns the command's sink and the thread's handle.
pub(crate) fn stdout_thread(style: OutputStyle) -> io::Result<(Output, StdoutThread)> {
    let (chunks, queue) = std::sync::mpsc::sync_channel(QUEUED_CHUNKS);
    let (done_tx, done) = oneshot::channel();
    // Not joined: on an interrupt it may be blocked in `write` for good, and
    // the process exits without it. On every other path it ends by itself
    // once the channel closes, and `finished` waits for that.
    std::thread::Builder::new()
        .name("vcli-stdout".to_owned())
        .spawn(move || {
            let _ = done_tx.send(write_chunks(&queue));
        })?;
    let alive = std::sync::Arc::new(());
    let sink = std::sync::Arc::downgrade(&alive);
    let writer = ChunkWriter {
        buffer: Vec::with_capacity(CHUNK),
        chunks: Some(chunks),
        _alive: alive,
    };
    Ok((
        Output::new(Box::new(writer), style),
        StdoutThread {
            done,
            finished: None,
            sink,
        },
    ))
}

/// The writer thread's loop: every chunk, in order, flushed as it comes so
/// that followed streams appear as they arrive.
fn write_chunks(queue: &Receiver<Vec<u8>>) -> io::Result<()> {
    let stdout = io::stdout();
    for chunk in queue {
        let mut out = stdout.lock();
        out.write_all(&chunk)?;
        out.flush()?;
    }
    Ok(())
}

impl StdoutThread {
    /// Waits until the writer thread has ended: everything written (the
    /// command's sink was dropped and the queue drained), or the reader went
    /// away. Safe to call again; later calls return the same outcome.
    pub(crate) async fn finished(&mut self) -> io::Result<()> {
        if self.finished.is_none() {
            let outcome = (&mut self.done).await.unwrap_or_else(|_| {
                Err(io::Error::other("the stdout thread ended without a word"))
            });
            self.finished = Some(outcome);
        }
        match &self.finished {
            Some(Ok(())) | None => Ok(()),
            Some(Err(e)) => Err(io::Error::new(e.kind(), e.to_string())),
        }
    }
}

impl StdoutThread {
    /// Whether the command still holds its sink: true only for a command
    /// that was abandoned inside plugin code that never returns.
    pub(crate) fn sink_held(&self) -> bool {
        self.sink.strong_count() > 0
    }

    /// Resolves only if the writer thread stopped because it could not
    /// write (the reader went away); a thread that ended because the
    /// command's sink was dropped is not news here.
    pub(crate) async fn failed(&mut self) {
        if self.finished().await.is_ok() {
            std::future::pending::<()>().await;
        }
    }
}

/// The command's side: gathers bytes into chunks for the writer thread.
struct ChunkWriter {
    buffer: Vec<u8>,
    /// `None` once the writer thread is gone.
    chunks: Option<SyncSender<Vec<u8>>>,
    /// Dropped with the sink; see [`StdoutThread::sink_held`].
    _alive: std::sync::Arc<()>,
}

impl ChunkWriter {
    fn hand_over(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let Some(chunks) = &self.chunks else {
            return Err(io::ErrorKind::BrokenPipe.into());
        };
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        let sent = match chunks.try_send(chunk) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(chunk)) => wait_to_send(chunks, chunk),
            Err(TrySendError::Disconnected(_)) => Err(()),
        };
        sent.map_err(|()| {
            self.chunks = None;
            io::ErrorKind::BrokenPipe.into()
        })
    }
}

/// Waits for room in the queue. On a multi-threaded runtime the wait moves
/// this worker's other tasks elsewhere first, so only this command waits.
fn wait_to_send(chunks: &SyncSender<Vec<u8>>, chunk: Vec<u8>) -> Result<(), ()> {
    let send = || crate::manager::host_wait(|| chunks.send(chunk).map_err(|_| ()));
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(send),
        _ => send(),
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.chunks.is_none() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK {
            self.hand_over()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

impl Drop for ChunkWriter {
    /// Commands flush before they end (the manager does it for them), so
    /// what is left here belongs to a command that was cut short. It is
    /// handed over only if there is room: a drop must never wait.
    fn drop(&mut self) {
        if let Some(chunks) = &self.chunks
            && !self.buffer.is_empty()
        {
            let _ = chunks.try_send(std::mem::take(&mut self.buffer));
        }
    }
}
