//! The bounded buffer between log readers and the writer.
//!
//! Readers never wait for the writer: a follow of a chatty pod must keep
//! draining the connection, or the server buffers for us. When the writer
//! (a slow terminal, a paused pipe) falls behind, the oldest lines are
//! dropped and the writer says so with `... N lines dropped ...` before the
//! lines that survived: memory stays bounded, and nothing vanishes silently.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use vcli_plugin_api::PluginError;

/// What the writer gets from [`LogRing::next`].
#[derive(Debug)]
pub(crate) enum Batch {
    /// Lines to write; `dropped` lines were lost just before them.
    Lines {
        /// How many older lines were dropped since the last batch.
        dropped: u64,
        /// The lines, oldest first, without newlines.
        lines: Vec<String>,
    },
    /// Every reader finished; the first error any of them met, if any.
    Done(Option<PluginError>),
}

#[derive(Debug, Default)]
struct State {
    lines: VecDeque<String>,
    bytes: usize,
    dropped: u64,
    producers: usize,
    error: Option<PluginError>,
    closed: bool,
}

/// A multi-producer, single-consumer line buffer bounded in lines and bytes.
#[derive(Debug)]
pub(crate) struct LogRing {
    state: Mutex<State>,
    notify: Notify,
    max_lines: usize,
    max_bytes: usize,
}

/// A reader's registration; the ring is done when every producer is dropped.
#[derive(Debug)]
pub(crate) struct Producer {
    ring: Arc<LogRing>,
}

impl Drop for Producer {
    fn drop(&mut self) {
        self.ring.lock().producers -= 1;
        self.ring.notify.notify_one();
    }
}

impl Producer {
    /// Appends a line, dropping the oldest ones if the ring is full.
    pub(crate) fn push(&self, line: String) {
        let ring = &self.ring;
        {
            let mut s = ring.lock();
            s.bytes += line.len();
            s.lines.push_back(line);
            while s.lines.len() > ring.max_lines || (s.bytes > ring.max_bytes && s.lines.len() > 1)
            {
                if let Some(old) = s.lines.pop_front() {
                    s.bytes -= old.len();
                    s.dropped += 1;
                }
            }
        }
        ring.notify.notify_one();
    }

    /// Records a reader's failure; the writer reports the first one.
    pub(crate) fn fail(&self, error: PluginError) {
        let mut s = self.ring.lock();
        if s.error.is_none() {
            s.error = Some(error);
        }
    }

    /// Whether the writer went away, so the reader can stop.
    pub(crate) fn closed(&self) -> bool {
        self.ring.lock().closed
    }
}

impl LogRing {
    /// A ring holding at most `max_lines` lines and about `max_bytes` bytes.
    pub(crate) fn new(max_lines: usize, max_bytes: usize) -> Arc<Self> {
        Arc::new(LogRing {
            state: Mutex::new(State::default()),
            notify: Notify::new(),
            max_lines: max_lines.max(1),
            max_bytes: max_bytes.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking reader cannot leave the queue inconsistent (each
        // critical section is a few pushes/pops), so poisoning is ignored.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a reader.
    pub(crate) fn producer(self: &Arc<Self>) -> Producer {
        self.lock().producers += 1;
        Producer {
            ring: Arc::clone(self),
        }
    }

    /// Tells readers the writer is gone.
    pub(crate) fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.lines.clear();
        s.bytes = 0;
    }

    /// Waits for lines, or for every reader to finish.
    pub(crate) async fn next(&self) -> Batch {
        loop {
            let notified = self.notify.notified();
            {
                let mut s = self.lock();
                if !s.lines.is_empty() || s.dropped > 0 {
                    let lines: Vec<String> = s.lines.drain(..).collect();
                    s.bytes = 0;
                    let dropped = std::mem::take(&mut s.dropped);
                    return Batch::Lines { dropped, lines };
                }
                if s.producers == 0 {
                    return Batch::Done(s.error.take());
                }
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drops_oldest_and_counts_them() {
        let ring = LogRing::new(3, 1 << 20);
        let p = ring.producer();
        for i in 0..10 {
            p.push(format!("line {i}"));
        }
        drop(p);
        match ring.next().await {
            Batch::Lines { dropped, lines } => {
                assert_eq!(dropped, 7);
                assert_eq!(lines, ["line 7", "line 8", "line 9"]);
            }
            Batch::Done(_) => panic!("expected lines"),
        }
        assert!(matches!(ring.next().await, Batch::Done(None)));
    }

    #[tokio::test]
    async fn bytes_bound_too() {
        let ring = LogRing::new(1000, 10);
        let p = ring.producer();
        p.push("aaaaaa".into());
        p.push("bbbbbb".into());
        drop(p);
        match ring.next().await {
            Batch::Lines { dropped, lines } => assert_eq!((dropped, lines.len()), (1, 1)),
            Batch::Done(_) => panic!("expected lines"),
        }
    }

    #[tokio::test]
    async fn slow_writer_sees_a_marker_never_silence() {
        let ring = LogRing::new(100, 1 << 20);
        let writer_ring = Arc::clone(&ring);
        let p = ring.producer();
        let reader = tokio::spawn(async move {
            for i in 0..10_000 {
                p.push(format!("{i}"));
                if i % 1000 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        });
        let mut seen = 0u64;
        let mut dropped_total = 0u64;
        loop {
            match writer_ring.next().await {
                Batch::Lines { dropped, lines } => {
                    dropped_total += dropped;
                    seen += lines.len() as u64;
                    // A slow terminal.
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                Batch::Done(e) => {
                    assert!(e.is_none());
                    break;
                }
            }
        }
        reader.await.unwrap();
        assert_eq!(
            seen + dropped_total,
            10_000,
            "every line is either written or counted"
        );
        assert!(dropped_total > 0);
    }
}
