//! `vcli prom query` on a huge answer: a loopback server plays a Prometheus
//! with 500,000 series behind one query (no real one holds that many on
//! demand) and writes its answer as it generates it, chunked, the way
//! Prometheus sends large answers. For the table and for `-o json`: the
//! peak resident memory (GNU time), the time to the first line on stdout,
//! and the time to the end; then `| head -2`: how long until vcli exits
//! and how much of the answer the server got out by then.
//!
//! `VCLI_BENCH_VCLI=PATH` measures another build (the one before a change,
//! say) instead of building this one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

/// The series in the answer.
const SERIES: usize = 500_000;
/// Runs of each case; the table shows medians (and the largest peak RSS).
const RUNS: usize = 5;

/// One series, about 170 bytes of JSON (the shape of the test in
/// `vcli/tests/prom_large_answer.rs`).
fn series(i: usize) -> String {
    format!(
        r#"{{"metric":{{"__name__":"vcli_test_requests_total","instance":"host-{:04}.example.com:9100","job":"node","series":"{i:06}","zone":"zone-{}"}},"value":[1700000000.123,"{i}.5"]}}"#,
        i % 1000,
        i % 7
    )
}

/// Serves every request with the whole answer, chunked, counting the bytes
/// written into sockets.
fn serve(mut socket: TcpStream, written: &AtomicU64) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let mut send = |bytes: &[u8]| -> bool {
        let ok = socket.write_all(bytes).is_ok();
        if ok {
            written.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        ok
    };
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    let frame = |chunk: &[u8]| {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        framed
    };
    if !send(head.as_bytes())
        || !send(&frame(
            br#"{"status":"success","data":{"resultType":"vector","result":["#,
        ))
    {
        return;
    }
    let mut chunk = Vec::with_capacity(70 * 1024);
    for i in 0..SERIES {
        if i > 0 {
            chunk.push(b',');
        }
        chunk.extend_from_slice(series(i).as_bytes());
        if chunk.len() >= 64 * 1024 || i + 1 == SERIES {
            if !send(&frame(&chunk)) {
                return;
            }
            chunk.clear();
        }
    }
    let _ = send(&frame(br#"]},"warnings":[]}"#)) && send(b"0\r\n\r\n");
}

/// One measured run.
#[derive(Debug, Clone, Copy)]
struct Run {
    first_line: Duration,
    total: Duration,
    peak_kib: u64,
    lines: u64,
}

fn vcli_command(vcli: &Path, url: &str, json: bool) -> Command {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "%M"])
        .arg(vcli)
        .args([
            "prom",
            "--url",
            url,
            "--timeout",
            "5m",
            "query",
            "vcli_test_requests_total",
        ])
        .env("VCLI_CONFIG", "/dev/null")
        .env_remove("VCLI_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if json {
        cmd.args(["-o", "json"]);
    }
    cmd
}

/// Runs the query to the end, timing the first line and the last.
fn run_once(vcli: &Path, url: &str, json: bool) -> Result<Run> {
    let started = Instant::now();
    let mut child = vcli_command(vcli, url, json)
        .spawn()
        .context("cannot run /usr/bin/time; install it with `apt-get install time`")?;
    let mut stdout = BufReader::with_capacity(256 * 1024, child.stdout.take().context("stdout")?);
    let mut stderr = child.stderr.take().context("stderr")?;
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut first_line = None;
    let mut lines = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if stdout.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        first_line.get_or_insert_with(|| started.elapsed());
        lines += 1;
    }
    let status = child.wait()?;
    let total = started.elapsed();
    let errors = errors.join().unwrap_or_default();
    ensure!(status.success(), "vcli failed ({status}): {errors}");
    let peak_kib = errors
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .with_context(|| format!("GNU time printed no peak RSS: {errors}"))?;
    Ok(Run {
        first_line: first_line.context("vcli printed nothing")?,
        total,
        peak_kib,
        lines,
    })
}

/// `| head -2`: how long until vcli exits, and the bytes served by then.
fn run_head(vcli: &Path, url: &str, written: &AtomicU64) -> Result<(Duration, u64)> {
    let before = written.load(Ordering::Relaxed);
    let started = Instant::now();
    let mut child = vcli_command(vcli, url, false).spawn()?;
    let mut stdout = BufReader::new(child.stdout.take().context("stdout")?);
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line)?;
    }
    drop(stdout);
    let status = child.wait()?;
    let exited = started.elapsed();
    ensure!(status.success(), "vcli | head -2 exited with {status}");
    // Let the server notice the closed connection.
    std::thread::sleep(Duration::from_millis(200));
    Ok((exited, written.load(Ordering::Relaxed) - before))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// The benchmark; `vcli` is the binary measured.
pub(crate) fn run(vcli: &Path) -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let written = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&written);
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || serve(socket, &counter));
        }
    });
    let full_before = written.load(Ordering::Relaxed);
    run_once(vcli, &url, false)?;
    let answer = written.load(Ordering::Relaxed) - full_before;
    println!(
        "{} ({SERIES} series, a {:.1} MiB answer), {RUNS} runs each:",
        vcli.display(),
        answer as f64 / 1024.0 / 1024.0
    );
    println!("| output | peak RSS | first line | whole answer | lines |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, json) in [("table", false), ("-o json", true)] {
        let runs = (0..RUNS)
            .map(|_| run_once(vcli, &url, json))
            .collect::<Result<Vec<_>>>()?;
        let peak = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0);
        println!(
            "| {name} | {} MiB | {:.0} ms | {:.0} ms | {} |",
            peak / 1024,
            median(runs.iter().map(|r| r.first_line).collect()).as_secs_f64() * 1e3,
            median(runs.iter().map(|r| r.total).collect()).as_secs_f64() * 1e3,
            runs[0].lines
        );
    }
    let mut exits = Vec::new();
    let mut served = 0;
    for _ in 0..RUNS {
        let (exited, bytes) = run_head(vcli, &url, &written)?;
        exits.push(exited);
        served = served.max(bytes);
    }
    println!(
        "| table \\| head -2 | | exits after {:.0} ms | served at most {:.1} of {:.1} MiB | 2 |",
        median(exits).as_secs_f64() * 1e3,
        served as f64 / 1024.0 / 1024.0,
        answer as f64 / 1024.0 / 1024.0
    );
    Ok(())
}
