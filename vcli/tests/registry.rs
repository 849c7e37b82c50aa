//! `vcli registry` against a real HTTP server on loopback that serves
//! ETags: one download within the hour, a 304 after `--refresh`, the stale
//! copy when the server is down, `--offline` from the cache, a malformed
//! index refused; and `publish`, `search`, `info` and `download` against a
//! local directory and an index file.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the test server answers, and what it was asked.
#[derive(Default)]
struct Served {
    body: String,
    etag: String,
    /// Statuses answered, in order.
    answered: Vec<u16>,
}

/// A one-thread HTTP/1.1 server on loopback: `GET /index.json` answers 304
/// when `If-None-Match` is the current ETag, else 200 with the body.
struct Server {
    url: String,
    served: Arc<Mutex<Served>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(body: &str, etag: &str) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/index.json", listener.local_addr().unwrap());
        let served = Arc::new(Mutex::new(Served {
            body: body.to_owned(),
            etag: etag.to_owned(),
            answered: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        listener.set_nonblocking(true).unwrap();
        let thread = {
            let served = Arc::clone(&served);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                // Bounded: the server stops when told, or after 2 minutes.
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
                while !stop.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            stream.set_nonblocking(false).unwrap();
                            answer(stream, &served);
                        }
                        Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                    }
                }
            })
        };
        Server {
            url,
            served,
            stop,
            thread: Some(thread),
        }
    }

    fn answered(&self) -> Vec<u16> {
        self.served.lock().unwrap().answered.clone()
    }

    fn set(&self, body: &str, etag: &str) {
        let mut s = self.served.lock().unwrap();
        s.body = body.to_owned();
        s.etag = etag.to_owned();
    }

    /// Stops the server and closes its port: connections are refused.
    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn answer(stream: std::net::TcpStream, served: &Mutex<Served>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("if-none-match")
        {
            if_none_match = Some(value.trim().to_owned());
        }
    }
    let mut s = served.lock().unwrap();
    let mut stream = stream;
    if if_none_match.as_deref() == Some(s.etag.as_str()) {
        s.answered.push(304);
        let _ = write!(
            stream,
            "HTTP/1.1 304 Not Modified\r\nETag: {}\r\nConnection: close\r\n\r\n",
            s.etag
        );
    } else {
        s.answered.push(200);
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nETag: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            s.etag,
            s.body.len(),
            s.body
        );
    }
}

struct Env {
    dir: PathBuf,
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = std::env::temp_dir().join(format!("vcli-registry-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Env { dir }
    }

    /// `vcli registry ARGS` with this test's cache and no user config.
    fn vcli(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_vcli"))
            .arg("registry")
            .args(args)
            .env("VCLI_CONFIG", "/dev/null")
            .env("XDG_CACHE_HOME", self.dir.join("cache"))
            .env_remove("VCLI_REGISTRY")
            .output()
            .unwrap();
        let result = (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        );
        eprintln!("$ vcli registry {args:?}\n{}{}", result.1, result.2);
        result
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const SUM: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// A plugin crate in `dir` that a local registry (and `publish`) reads.
fn plugin_crate(dir: &Path, name: &str, version: &str, capabilities: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"[package]
name = "vcli-plugin-{name}"
version = "{version}"
description = "The {name} plugin"
keywords = ["demo", "{name}"]

[package.metadata.vcli]
name = "{name}"
command = "{name}"
capabilities = [{capabilities}]

[dependencies]
vcli-plugin-api = "1"
"#
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
}

/// An index published with `vcli registry publish`.
fn published_index(env: &Env) -> String {
    let index = env.dir.join("index.json");
    for (version, caps) in [
        ("0.1.0", "\"cli-commands\""),
        ("0.2.0", "\"cli-commands\", \"network\""),
    ] {
        let dir = env.dir.join(format!("src-hello-{version}"));
        plugin_crate(&dir, "hello", version, caps);
        let (code, _, err) = env.vcli(&[
            "publish",
            dir.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--checksum",
            SUM,
        ]);
        assert_eq!(code, 0, "{err}");
    }
    std::fs::read_to_string(index).unwrap()
}

fn names(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}@{}",
                e["name"].as_str().unwrap(),
                e["version"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn http_index_cached_revalidated_stale_and_offline() {
    let env = Env::new("http");
    let index = published_index(&env);
    let mut server = Server::start(&index, "\"v1\"");
    let url = server.url.clone();
    let list = |extra: &[&str]| {
        let mut args = vec!["list", "--registry", url.as_str(), "--json"];
        args.extend_from_slice(extra);
        env.vcli(&args)
    };

    // First use downloads the index.
    let (code, out, _) = list(&[]);
    assert_eq!(code, 0);
    assert_eq!(names(&out), ["hello@0.2.0"]);
    assert_eq!(server.answered(), [200]);
    // Within the hour, no request at all.
    let (code, _, _) = list(&[]);
    assert_eq!(code, 0);
    assert_eq!(server.answered(), [200]);
    // --refresh revalidates: 304, no download.
    let (code, out, _) = list(&["--refresh"]);
    assert_eq!(code, 0);
    assert_eq!(names(&out), ["hello@0.2.0"]);
    assert_eq!(server.answered(), [200, 304]);
    // A changed index (new ETag) is downloaded on the next revalidation.
    let v2 = index.replace("The hello plugin", "Greets");
    server.set(&v2, "\"v2\"");
    let (code, out, _) = env.vcli(&["info", "hello@0.1", "--registry", &url, "--refresh"]);
    assert_eq!(code, 0);
    assert!(out.contains("Version:         0.1.0"), "{out}");
    assert!(out.contains("Versions:        0.1.0, 0.2.0"), "{out}");
    assert!(out.contains("Description:     Greets"), "{out}");
    assert_eq!(server.answered(), [200, 304, 200]);
    // A malformed index is refused, and the cached copy is kept.
    server.set("<html>maintenance</html>", "\"v3\"");
    let (code, _, err) = list(&["--refresh"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a registry index"), "{err}");
    // The server is down: the stale copy, with a warning.
    server.stop();
    let (code, out, err) = list(&["--refresh"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(names(&out), ["hello@0.2.0"]);
    assert!(err.contains("cannot be reached"), "{err}");
    assert!(err.contains("using the copy cached"), "{err}");
    // --offline reads the cache only.
    let (code, out, _) = env.vcli(&[
        "search",
        "greets",
        "--registry",
        &url,
        "--offline",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(names(&out), ["hello@0.2.0"]);
}

#[test]
fn malformed_index_is_refused_and_never_cached() {
    let env = Env::new("malformed");
    let server = Server::start("{\"schema\": 1, \"plugins\": [{\"name\": \"x\"}]}", "\"m\"");
    let (code, _, err) = env.vcli(&["list", "--registry", &server.url]);
    assert_eq!(code, 1);
    assert!(err.contains("plugins[0] (x)"), "{err}");
    let (code, _, err) = env.vcli(&["list", "--registry", &server.url, "--offline"]);
    assert_eq!(code, 1);
    assert!(err.contains("has never been fetched"), "{err}");
}

#[test]
fn local_directory_search_info_and_download() {
    let env = Env::new("local");
    let registry = env.dir.join("registry");
    plugin_crate(
        &registry.join("hello/0.1.0"),
        "hello",
        "0.1.0",
        "\"cli-commands\"",
    );
    plugin_crate(
        &registry.join("hello/0.2.0"),
        "hello",
        "0.2.0",
        "\"cli-commands\"",
    );
    plugin_crate(&registry.join("kafka"), "kafka", "1.0.0", "\"network\"");
    let reg = registry.to_str().unwrap();
    let (code, out, _) = env.vcli(&["search", "DEMO", "--registry", reg, "--json"]);
    assert_eq!(code, 0);
    assert_eq!(names(&out), ["hello@0.2.0", "kafka@1.0.0"]);
    let (code, out, _) = env.vcli(&["list", "--registry", reg]);
    assert_eq!(code, 0);
    assert!(out.contains("kafka"), "{out}");
    let (code, _, err) = env.vcli(&["info", "helo", "--registry", reg]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean \"hello\""), "{err}");
    let (code, _, err) = env.vcli(&["info", "hello@^3", "--registry", reg]);
    assert_eq!(code, 2);
    assert!(err.contains("versions: 0.1.0, 0.2.0"), "{err}");
    let to = env.dir.join("downloaded");
    let (code, _, err) = env.vcli(&[
        "download",
        "hello@0.1",
        "--registry",
        reg,
        "--to",
        to.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(to.join("Cargo.toml"))
            .unwrap()
            .contains("0.1.0")
    );
    // No registry at all is a usage error naming the ways to give one.
    let (code, _, err) = env.vcli(&["list"]);
    assert_eq!(code, 2);
    assert!(err.contains("--registry"), "{err}");
}

#[test]
fn publish_refuses_invalid_entries_and_writes_nothing() {
    let env = Env::new("publish");
    let index = env.dir.join("index.json");
    let dir = env.dir.join("crate");
    plugin_crate(&dir, "hello", "0.1.0", "\"cli-commands\"");
    let publish = |extra: &[&str]| {
        let mut args = vec![
            "publish",
            dir.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        env.vcli(&args)
    };
    let (code, _, err) = publish(&["--git", "https://example.invalid/h.git", "--rev", "main"]);
    assert_eq!(code, 1);
    assert!(err.contains("full 40-hex commit id"), "{err}");
    let (code, _, err) = publish(&["--checksum", "md5:abc"]);
    assert_eq!(code, 1);
    assert!(err.contains("sha256"), "{err}");
    assert!(!index.exists());
    let (code, _, err) = publish(&["--checksum", SUM]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = publish(&["--checksum", SUM]);
    assert_eq!(code, 1);
    assert!(err.contains("already published"), "{err}");
}
