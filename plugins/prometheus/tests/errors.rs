//! Failures a real Prometheus cannot be made to produce on demand: a proxy's
//! plain-text 503 (and recovery from it), a 500, a server that accepts and
//! never answers or stalls half-way through an answer, an answer that breaks
//! off, and something that is not Prometheus at all. Everything else is
//! tested against the real server in `e2e.rs`.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::{fails, ok, plugin_for, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A loopback HTTP server answering the n-th request with `answers[n]`
/// (the last one repeats); `None` accepts and never answers.
async fn scripted(answers: Vec<Option<String>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let answer = answers[n.min(answers.len() - 1)].clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                match answer {
                    Some(answer) => {
                        let _ = socket.write_all(answer.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    (url, count)
}

/// A complete HTTP/1.1 answer with a correct `Content-Length`.
fn answer(status: &str, content_type: &str, body: &str) -> Option<String> {
    Some(format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

fn proxy_503() -> Option<String> {
    answer(
        "503 Service Unavailable",
        "text/plain",
        "\nupstream overloaded\n",
    )
}

fn labels_ok() -> Option<String> {
    answer(
        "200 OK",
        "application/json",
        r#"{"status":"success","data":["job"]}"#,
    )
}

#[tokio::test]
async fn a_503_is_retried_and_recovers() {
    let (url, count) = scripted(vec![proxy_503(), proxy_503(), labels_ok()]).await;
    let h = plugin_for(&url).await;
    assert_eq!(ok(h.plugin(), &["labels"]).await, "job\n");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_persistent_503_gives_up_after_three_attempts_with_the_message() {
    let (url, count) = scripted(vec![proxy_503()]).await;
    let h = plugin_for(&url).await;
    let err = fails(h.plugin(), &["labels"]).await;
    assert_eq!(
        err.to_string(),
        "Prometheus answered 503 Service Unavailable: upstream overloaded"
    );
    assert_eq!(err.exit_code(), 1);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let (url, count) = scripted(vec![
        answer(
            "500 Internal Server Error",
            "application/json",
            r#"{"status":"error","errorType":"internal","error":"x"}"#,
        ),
        labels_ok(),
    ])
    .await;
    let h = plugin_for(&url).await;
    let err = fails(h.plugin(), &["labels"]).await;
    assert_eq!(
        err.to_string(),
        "Prometheus answered 500 Internal Server Error: internal: x"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (url, _) = scripted(vec![None]).await;
    let h = plugin_for(&url).await;
    let started = Instant::now();
    let err = fails(h.plugin(), &["labels", "--timeout", "300ms"]).await;
    assert_eq!(
        err.to_string(),
        format!("timed out after 300ms waiting for Prometheus at {url}")
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn something_else_on_the_port_is_not_mistaken_for_prometheus() {
    let (url, _) = scripted(vec![answer("200 OK", "text/html", "<html>hi</html>")]).await;
    let h = plugin_for(&url).await;
    let err = fails(h.plugin(), &["labels"]).await;
    assert_eq!(
        err.to_string(),
        format!("this is not the Prometheus HTTP API at {url} (HTTP 200 OK); check --url")
    );
}

#[tokio::test]
async fn another_products_404_page_is_named_not_printed() {
    let page = "<!DOCTYPE HTML>\n<html><head><title>Error response</title></head></html>";
    let (url, _) = scripted(vec![answer("404 Not Found", "text/html", page)]).await;
    let h = plugin_for(&url).await;
    let err = fails(h.plugin(), &["labels"]).await;
    assert_eq!(
        err.to_string(),
        format!("this is not the Prometheus HTTP API at {url} (HTTP 404 Not Found); check --url")
    );
}

#[tokio::test]
async fn tls_to_a_plain_http_server_says_so_in_words() {
    // A plain HTTP server answers a TLS hello with a 400 in plain text.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let https = format!("https://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut hello = [0u8; 512];
            let _ = socket.read(&mut hello).await;
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    let h = plugin_for(&https).await;
    let err = fails(h.plugin(), &["labels"]).await;
    assert_eq!(
        err.to_string(),
        format!(
            "cannot reach Prometheus at {https}: the server does not speak TLS there; \
             if it serves plain HTTP, use an http:// URL"
        )
    );
}

#[tokio::test]
async fn health_degrades_when_not_ready() {
    // `/-/ready` says 503 while a real server replays its WAL; too short to catch.
    let (url, _) = scripted(vec![proxy_503()]).await;
    let h = plugin_for(&url).await;
    let health = vcli_plugin_api::Plugin::health(h.plugin()).await;
    assert_eq!(
        health.state,
        vcli_plugin_api::HealthState::Degraded,
        "{health:?}"
    );
    assert!(
        health.message.contains("is not ready yet"),
        "{}",
        health.message
    );
}

#[tokio::test]
async fn health_degrades_after_repeated_server_failures() {
    let failing = answer(
        "500 Internal Server Error",
        "application/json",
        r#"{"status":"error","errorType":"internal","error":"disk full"}"#,
    );
    let (url, _) = scripted(vec![
        failing.clone(),
        failing.clone(),
        failing,
        answer("200 OK", "text/plain", "Prometheus Server is Ready.\n"),
        answer(
            "200 OK",
            "application/json",
            r#"{"status":"success","data":{"version":"2.42.0"}}"#,
        ),
    ])
    .await;
    let h = plugin_for(&url).await;
    for _ in 0..3 {
        fails(h.plugin(), &["labels"]).await;
    }
    let health = vcli_plugin_api::Plugin::health(h.plugin()).await;
    assert_eq!(
        health.state,
        vcli_plugin_api::HealthState::Degraded,
        "{health:?}"
    );
    assert!(
        health
            .message
            .contains("the last 3 requests failed: Prometheus answered 500"),
        "{}",
        health.message
    );
    assert_eq!(health.metrics.get("consecutive_failures"), Some(&3.0));
}

/// A query answer whose series start `{"metric":...` and then stop.
const BROKEN_OFF: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"1"]},{"metric""#;

#[tokio::test]
async fn a_query_answer_that_breaks_off_says_so_after_what_was_printed() {
    let (url, _) = scripted(vec![answer("200 OK", "application/json", BROKEN_OFF)]).await;
    let h = plugin_for(&url).await;
    let (result, text) = run(h.plugin(), &["query", "up", "-o", "json"]).await;
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unexpected answer from {url}: cannot decode the answer: the answer ends early, after {} bytes",
            BROKEN_OFF.len()
        )
    );
    assert_eq!(err.exit_code(), 1);
    // The series that came whole were printed as they came.
    assert!(
        text.starts_with("[\n  {\n    \"metric\": {\n      \"job\": \"a\""),
        "{text}"
    );
    let (result, _) = run(h.plugin(), &["query", "up"]).await;
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("the answer ends early")
    );
}

#[tokio::test]
async fn a_query_answer_in_json_that_is_not_the_api_is_not_prometheus() {
    for body in [r#"{"hello":"world"}"#, "[1,2,3]", "", "{\"status\":"] {
        let (url, _) = scripted(vec![answer("200 OK", "application/json", body)]).await;
        let h = plugin_for(&url).await;
        let err = fails(h.plugin(), &["query", "up"]).await;
        assert_eq!(
            err.to_string(),
            format!("this is not the Prometheus HTTP API at {url} (HTTP 200 OK); check --url"),
            "{body}"
        );
    }
    let (url, _) = scripted(vec![answer(
        "200 OK",
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{}]}]}}"#,
    )])
    .await;
    let h = plugin_for(&url).await;
    let err = fails(h.plugin(), &["query", "up"]).await;
    assert_eq!(
        err.to_string(),
        format!(
            "unexpected answer from {url}: cannot decode the answer: \
             series 1 of the vector has no value (native histograms are not shown)"
        )
    );
}

#[tokio::test]
async fn a_server_that_stalls_half_way_through_an_answer_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&BROKEN_OFF.as_bytes()[..70]).await;
                tokio::time::sleep(Duration::from_secs(60)).await;
            });
        }
    });
    let h = plugin_for(&url).await;
    let started = Instant::now();
    let err = fails(h.plugin(), &["query", "up", "--timeout", "300ms"]).await;
    assert_eq!(
        err.to_string(),
        format!("timed out after 300ms waiting for Prometheus at {url}")
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
