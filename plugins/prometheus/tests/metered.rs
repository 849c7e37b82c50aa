//! The plugin under the real vcli host: its connections are the host's, so
//! the policy's `network_rate` throttles them, the host counts every byte,
//! and terminating the plugin closes them under a request in flight.
//!
//! The server is a tiny loopback HTTP server in the test that serves a big
//! answer (a real Prometheus cannot be made to answer 1 MiB on demand, nor
//! to stall half-way) and counts the bytes it reads and writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use vcli::{Catalog, Config, Manager};
use vcli_plugin_api::{DescribePlugin, Output, OutputStyle, Plugin, PluginError};
use vcli_plugin_prometheus::PrometheusPlugin;

/// The throughput limit the tests give the plugin.
const RATE: u64 = 256 * 1024;

/// A manager over the Prometheus plugin alone, pointed at `url`, with
/// `limits` as its `[plugins.prometheus.limits]` table.
fn manager(url: &str, limits: &str) -> Manager {
    let registrations = vcli_plugin_api::registrations()
        .into_iter()
        .filter(|r| r.metadata().name == "prometheus");
    let catalog = Catalog::new(registrations).expect("the plugin's metadata is valid");
    let config = format!(
        "[plugins.prometheus.limits]\n{limits}\n\
         [plugins.prometheus.config]\nurl = \"{url}\"\ntimeout = \"60s\"\n"
    );
    Manager::new(
        catalog,
        Config::parse(None, &config).expect("the test config parses"),
    )
}

/// `{"status":"success","data":["label_000000", ...]}` of about `size` bytes.
fn labels_answer(size: usize) -> (Vec<u8>, usize) {
    let count = size / r#""label_000000","#.len();
    let labels: Vec<String> = (0..count).map(|i| format!("label_{i:06}")).collect();
    let body = serde_json::json!({ "status": "success", "data": labels });
    (serde_json::to_vec(&body).expect("JSON"), count)
}

/// What the server saw of one exchange.
#[derive(Debug)]
struct Seen {
    /// Bytes of the request (the server reads up to the blank line).
    read: u64,
    /// Bytes of the answer written.
    written: u64,
}

/// Reads one request head from `socket`, returning its length.
async fn read_request(socket: &mut TcpStream) -> u64 {
    let mut request = Vec::new();
    let mut chunk = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    }
    request.len() as u64
}

/// A server answering its one connection's request with `body` as JSON,
/// then closing. Reports what it read and wrote.
async fn serve_once(body: Vec<u8>) -> (String, oneshot::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (report, seen) = oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let read = read_request(&mut socket).await;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        socket.write_all(head.as_bytes()).await.expect("write head");
        socket.write_all(&body).await.expect("write body");
        socket.shutdown().await.expect("shutdown");
        let written = (head.len() + body.len()) as u64;
        let _ = report.send(Seen { read, written });
    });
    (url, seen)
}

/// Runs `prom ARGS...` on the manager's instance of the plugin, output discarded.
async fn run(plugin: Arc<dyn Plugin>, args: &[&str]) -> Result<(), PluginError> {
    let matches = PrometheusPlugin::command()
        .expect("the plugin has a command")
        .try_get_matches_from(std::iter::once("prom").chain(args.iter().copied()))
        .expect("valid arguments");
    let mut out = Output::new(Box::new(std::io::sink()), OutputStyle::PLAIN);
    plugin.run_command(&matches, &mut out).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_answer_arrives_at_the_policys_rate_and_every_byte_is_counted() {
    let (body, count) = labels_answer(1024 * 1024);
    let (url, seen) = serve_once(body).await;
    let manager = manager(&url, &format!("network_rate = \"{}KiB\"", RATE / 1024));
    let plugin = manager.prepare_for_command("prometheus").await.unwrap();

    let started = Instant::now();
    run(plugin, &["labels"]).await.unwrap();
    let took = started.elapsed();

    let seen = seen.await.expect("the server answered");
    let usage = manager.update_resources("prometheus").unwrap();
    // The host counted at the socket exactly what crossed it.
    assert_eq!(usage.bytes_received, seen.written, "{usage:?}");
    assert_eq!(usage.bytes_sent, seen.read, "{usage:?}");
    assert!(count > 60_000 && seen.written > 1024 * 1024, "{seen:?}");

    // Both directions share one bucket, full at the start with a tenth of a
    // second's worth (vcli's burst); the rest moves at the rate.
    let burst = RATE / 10;
    let total = usage.bytes_sent + usage.bytes_received;
    let expected = Duration::from_secs_f64((total - burst) as f64 / RATE as f64);
    let ratio = took.as_secs_f64() / expected.as_secs_f64();
    assert!(
        (0.85..=1.15).contains(&ratio),
        "{total} bytes at {RATE} B/s took {took:?}, expected {expected:?}"
    );
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminating_the_plugin_closes_its_connection_under_a_request() {
    // A server that sends the head and the start of a 1 MiB answer, then
    // waits for the client to close the connection.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stalled, stalling) = oneshot::channel();
    let (closed, client_closed) = oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        read_request(&mut socket).await;
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n";
        socket.write_all(head.as_bytes()).await.expect("write head");
        socket
            .write_all(br#"{"status":"success","data":["#)
            .await
            .expect("write the start of the body");
        let _ = stalled.send(());
        // Whatever the client does now, the server only waits for the end.
        let mut rest = [0u8; 1024];
        while let Ok(n) = socket.read(&mut rest).await {
            if n == 0 {
                break;
            }
        }
        let _ = closed.send(());
    });
    let manager = manager(&url, "");
    let plugin = manager.prepare_for_command("prometheus").await.unwrap();
    let request = tokio::spawn(run(plugin, &["labels"]));
    stalling.await.expect("the server got the request");

    // Unloading cancels the instance's token, which closes its connections.
    let cancelled = Instant::now();
    manager.unload("prometheus").await.unwrap();
    let err = request.await.expect("the command task").unwrap_err();
    let failed_after = cancelled.elapsed();
    // Before or after the answer's head arrived, depending on the race
    // with the server. The host's words reach the operator when hyper
    // passes the cause on; when its connection task saw the close first,
    // the body's reader only learns that the connection broke.
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("request to Prometheus at {url} failed: "))
            && (message
                .ends_with("the plugin was stopped or terminated; its connections are closed")
                || message
                    .ends_with("the connection broke while reading the answer: connection error")),
        "{message}"
    );
    assert!(failed_after < Duration::from_secs(2), "{failed_after:?}");
    tokio::time::timeout(Duration::from_secs(10), client_closed)
        .await
        .expect("the server saw the connection close")
        .expect("the server reported");
    manager.shutdown().await;
}
