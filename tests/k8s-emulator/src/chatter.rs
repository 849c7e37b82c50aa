//! The chatty pod's voice: a task that appends lines to `default/chatty`'s log
//! at a steady rate, for tests and demos of log following under load.
//!
//! Lines are appended in small batches every 10 ms (one lock and one broadcast
//! per line, as the kubelet writes them), and the stored log keeps only its
//! newest lines, so the emulator's memory stays flat however long it runs.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::fixtures::names::{CHATTY_POD, DEFAULT};
use crate::store::State;

/// The chatty pod's container.
pub const CHATTY_CONTAINER: &str = "app";
/// Lines of the chatty pod's log the emulator keeps.
const KEEP_LINES: usize = 10_000;
/// How often a batch is written.
const TICK: Duration = Duration::from_millis(10);

/// Writes `lines_per_second` lines a second to the chatty pod's log until `stop` fires.
pub(crate) async fn chatter(state: State, lines_per_second: u32, stop: CancellationToken) {
    if lines_per_second == 0 {
        return;
    }
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let per_tick = f64::from(lines_per_second) * TICK.as_secs_f64();
    let mut owed = 0.0;
    let mut written: u64 = 0;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        owed += per_tick;
        let mut batch = Vec::new();
        while owed >= 1.0 {
            owed -= 1.0;
            written += 1;
            batch.push(line(written));
        }
        if batch.is_empty() {
            continue;
        }
        state.append_log(DEFAULT, CHATTY_POD, CHATTY_CONTAINER, &batch.join("\n"));
        state.keep_newest_log_lines(DEFAULT, CHATTY_POD, CHATTY_CONTAINER, KEEP_LINES);
    }
}

/// Line `n`: an access log of made-up but varied requests.
fn line(n: u64) -> String {
    const PATHS: [&str; 5] = [
        "/api/items",
        "/api/users",
        "/healthz",
        "/api/orders",
        "/metrics",
    ];
    const CODES: [u16; 7] = [200, 200, 200, 201, 304, 404, 500];
    let path = PATHS[(n % 5) as usize];
    let code = CODES[(n % 7) as usize];
    let millis = (n * 37) % 250;
    format!("line {n}: GET {path}/{} {code} {millis}ms", n % 997)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_and_vary() {
        assert_eq!(line(1), "line 1: GET /api/users/1 200 37ms");
        assert_ne!(line(2), line(3));
    }
}
