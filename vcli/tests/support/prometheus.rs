//! A real Prometheus for the binary's end-to-end tests, on a free loopback
//! port, scraping itself (and any targets a test adds), stopped when dropped.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A Prometheus on a free loopback port, stopped when dropped.
pub(crate) struct Prometheus {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
}

impl Prometheus {
    /// Starts a server with its data in `dir`; it may not be ready yet.
    pub(crate) fn start(dir: &Path) -> Prometheus {
        Prometheus::start_with(dir, &[], None)
    }

    /// Starts a server with its data in `dir` that also scrapes each of
    /// `targets` (`(job, "HOST:PORT")`) and evaluates `rules` (a rule file's
    /// YAML), both every second; it may not be ready yet.
    pub(crate) fn start_with(
        dir: &Path,
        targets: &[(&str, &str)],
        rules: Option<&str>,
    ) -> Prometheus {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("prometheus.yml");
        let mut text = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
        );
        for (job, target) in targets {
            text.push_str(&format!(
                "  - job_name: {job}\n    static_configs: [{{targets: ['{target}']}}]\n"
            ));
        }
        if let Some(rules) = rules {
            std::fs::write(dir.join("rules.yml"), rules).unwrap();
            text.push_str("rule_files: [rules.yml]\n");
        }
        std::fs::write(&config, text).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("these tests need a real Prometheus (apt-get install prometheus)");
        Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Waits (polling: a server in another process has nothing to await)
    /// until the server has scraped itself, so `up` has a value.
    pub(crate) fn wait_until_scraped(&self) {
        self.wait_until_answer("/api/v1/query?query=up", "\"value\"");
    }

    /// Waits (polling, as above) until `GET path` answers with a body
    /// containing `needle`.
    pub(crate) fn wait_until_answer(&self, path: &str, needle: &str) {
        let port = self.url.rsplit(':').next().unwrap();
        let started = std::time::Instant::now();
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(format!("127.0.0.1:{port}")) {
                use std::io::{Read, Write};
                let request = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n");
                let mut answer = String::new();
                if stream.write_all(request.as_bytes()).is_ok()
                    && stream.read_to_string(&mut answer).is_ok()
                    && answer.contains(needle)
                {
                    return;
                }
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "Prometheus at {} never answered {path} with {needle:?}",
                self.url
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}
