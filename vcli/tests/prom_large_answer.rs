//! A huge query answer is printed series by series: `vcli prom query` on an
//! answer of 500,000 series stays under 100 MiB of peak resident memory as
//! a table and as JSON, and a reader that goes away after two lines (`|
//! head -2`) gets them and ends the command without the rest of the answer
//! being read.
//!
//! A real Prometheus cannot easily be made to hold 500,000 series, so a
//! loopback HTTP server in this test plays one: it writes a generated
//! answer of the API's shape as it goes (chunked, as Prometheus sends large
//! answers), never holding it whole, and counts the bytes it got out.
//!
//! Its own test binary: peak memory is read with `getrusage(RUSAGE_CHILDREN)`,
//! which covers every child this process has waited for, so nothing else
//! may spawn children here. A child's peak also covers this process's own
//! memory up to the moment it executes vcli (see `cli_memory_limit.rs`), so
//! this process stays small: the answer is generated piece by piece and
//! vcli's output is counted, not kept.
#![cfg(feature = "prom")]
#![allow(
    unsafe_code,
    reason = "getrusage is the one way to read a finished child's peak resident memory"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;
/// The series in the answer: the size the issue measured (690 MB as a
/// table, 904 MB as JSON, before).
const SERIES: usize = 500_000;
/// The bound on vcli's peak resident memory.
const LIMIT: u64 = 100 * MIB;

/// One series of the answer, about 170 bytes of JSON.
fn series(i: usize) -> String {
    format!(
        r#"{{"metric":{{"__name__":"vcli_test_requests_total","instance":"host-{:04}.example.com:9100","job":"node","series":"{i:06}","zone":"zone-{}"}},"value":[1700000000.123,"{i}.5"]}}"#,
        i % 1000,
        i % 7
    )
}

/// A server playing a Prometheus with `SERIES` series behind `up`.
struct HugePrometheus {
    url: String,
    /// Bytes of answers written into sockets so far.
    written: Arc<AtomicU64>,
    /// The size of one whole answer on the wire.
    answer_bytes: u64,
}

/// The answer as chunks of about 64 KiB, generated as they are needed.
fn answer_chunks() -> impl Iterator<Item = Vec<u8>> {
    let head = br#"{"status":"success","data":{"resultType":"vector","result":["#.to_vec();
    let mut next = 0;
    let body = std::iter::from_fn(move || {
        if next == SERIES {
            return None;
        }
        let mut chunk = Vec::with_capacity(70 * 1024);
        while next < SERIES && chunk.len() < 64 * 1024 {
            if next > 0 {
                chunk.push(b',');
            }
            chunk.extend_from_slice(series(next).as_bytes());
            next += 1;
        }
        Some(chunk)
    });
    std::iter::once(head)
        .chain(body)
        .chain(std::iter::once(br#"]},"warnings":[]}"#.to_vec()))
}

/// Chunked transfer encoding of one chunk.
fn framed(chunk: &[u8]) -> Vec<u8> {
    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
    framed.extend_from_slice(chunk);
    framed.extend_from_slice(b"\r\n");
    framed
}

impl HugePrometheus {
    fn start() -> HugePrometheus {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let written = Arc::new(AtomicU64::new(0));
        let answer_bytes = answer_chunks()
            .map(|c| framed(&c).len() as u64)
            .sum::<u64>()
            + 5;
        let counter = Arc::clone(&written);
        std::thread::spawn(move || {
            for socket in listener.incoming() {
                let Ok(socket) = socket else { continue };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || serve(socket, &counter));
            }
        });
        HugePrometheus {
            url,
            written,
            answer_bytes,
        }
    }
}

/// Answers one request on `socket` with the whole answer (or as much of it
/// as the client reads before it closes the connection).
fn serve(mut socket: TcpStream, written: &AtomicU64) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if socket.write_all(head.as_bytes()).is_err() {
        return;
    }
    for chunk in answer_chunks() {
        let framed = framed(&chunk);
        if socket.write_all(&framed).is_err() {
            return;
        }
        written.fetch_add(framed.len() as u64, Ordering::Relaxed);
    }
    if socket.write_all(b"0\r\n\r\n").is_ok() {
        written.fetch_add(5, Ordering::Relaxed);
    }
}

fn vcli(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vcli"));
    cmd.env("VCLI_CONFIG", "/dev/null")
        .env("VCLI_STATE_DIR", dir.join("state"))
        .env_remove("VCLI_LOG")
        .env_remove("PROMETHEUS_URL")
        .args([
            "prom",
            "--url",
            url,
            "--timeout",
            "5m",
            "query",
            "vcli_test_requests_total",
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The largest peak resident set of any child waited for so far, in bytes.
fn children_peak_rss() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable `rusage`; RUSAGE_CHILDREN is a
    // valid `who`. getrusage only writes the struct.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage");
    // SAFETY: getrusage succeeded, so the struct is initialized.
    let kib = unsafe { usage.assume_init() }.ru_maxrss;
    u64::try_from(kib).unwrap_or(0) * 1024
}

/// What a run printed: its first lines and how much there was.
#[derive(Debug)]
struct Printed {
    first: Vec<String>,
    last: String,
    lines: u64,
}

/// Reads the child's stdout to the end, keeping only the first and last lines.
fn count_output(child: &mut Child) -> Printed {
    let mut stdout = BufReader::with_capacity(64 * 1024, child.stdout.take().expect("stdout"));
    let mut printed = Printed {
        first: Vec::new(),
        last: String::new(),
        lines: 0,
    };
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).expect("read stdout") == 0 {
            return printed;
        }
        printed.lines += 1;
        if printed.first.len() < 3 {
            printed.first.push(line.trim_end().to_owned());
        }
        printed.last.clone_from(&line);
    }
}

/// The child's stderr, read on a thread so that neither pipe can fill.
fn stderr_of(child: &mut Child) -> std::thread::JoinHandle<String> {
    let mut stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    })
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vcli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn a_huge_answer_prints_series_by_series_in_bounded_memory() {
    let dir = temp_dir("prom-large");
    let server = HugePrometheus::start();

    // The table: one header, then a row per series.
    let mut child = vcli(&dir, &server.url, &[]).spawn().expect("start vcli");
    let stderr = stderr_of(&mut child);
    let table = count_output(&mut child);
    let status = child.wait().expect("wait for vcli");
    let peak_table = children_peak_rss();
    assert!(status.success(), "{status}: {}", stderr.join().unwrap());
    assert_eq!(table.lines, 1 + SERIES as u64, "{table:?}");
    let header: Vec<&str> = table.first[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "INSTANCE", "JOB", "SERIES", "ZONE", "VALUE"]
    );
    // Larger than one window: printed in the server's order.
    let first: Vec<&str> = table.first[1].split_whitespace().collect();
    assert_eq!(
        first,
        [
            "vcli_test_requests_total",
            "host-0000.example.com:9100",
            "node",
            "000000",
            "zone-0",
            "0.5"
        ]
    );
    assert!(table.last.contains(" 499999 "), "{:?}", table.last);

    // JSON: the array of `data.result`, one element per series.
    let mut child = vcli(&dir, &server.url, &["-o", "json"])
        .spawn()
        .expect("start vcli");
    let stderr = stderr_of(&mut child);
    let json = count_output(&mut child);
    let status = child.wait().expect("wait for vcli");
    let peak = children_peak_rss();
    assert!(status.success(), "{status}: {}", stderr.join().unwrap());
    assert_eq!(json.first, ["[", "  {", "    \"metric\": {"]);
    assert_eq!(json.last, "]\n");
    // Each element is 13 lines: braces, five labels, the value pair.
    assert_eq!(json.lines, 2 + 13 * SERIES as u64, "{json:?}");

    eprintln!(
        "peak RSS of vcli: table {} MiB, table and JSON {} MiB (limit {} MiB)",
        peak_table / MIB,
        peak / MIB,
        LIMIT / MIB
    );
    assert!(
        peak_table < LIMIT,
        "table: peak RSS {} MiB",
        peak_table / MIB
    );
    assert!(peak < LIMIT, "JSON: peak RSS {} MiB", peak / MIB);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reader_that_goes_away_after_two_lines_ends_the_command_early() {
    let dir = temp_dir("prom-head");
    let server = HugePrometheus::start();
    let mut child = vcli(&dir, &server.url, &[]).spawn().expect("start vcli");
    let stderr = stderr_of(&mut child);
    // `| head -2`: two lines, then the pipe closes.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read a line");
        lines.push(line);
    }
    let read_at = server.written.load(Ordering::Relaxed);
    drop(stdout);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for vcli") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "vcli did not exit after its reader went away"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = stderr.join().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(lines[0].starts_with("NAME "), "{lines:?}");
    assert!(
        lines[1].starts_with("vcli_test_requests_total "),
        "{lines:?}"
    );
    // The answer was not read to its end: what the server got out is what
    // vcli read before it stopped plus what the sockets' buffers held.
    std::thread::sleep(Duration::from_millis(200));
    let written = server.written.load(Ordering::Relaxed);
    eprintln!(
        "served {} KiB of a {} KiB answer ({} KiB when the two lines arrived)",
        written / 1024,
        server.answer_bytes / 1024,
        read_at / 1024
    );
    assert!(
        written < server.answer_bytes / 4,
        "served {written} of {} bytes",
        server.answer_bytes
    );
    let _ = std::fs::remove_dir_all(&dir);
}
