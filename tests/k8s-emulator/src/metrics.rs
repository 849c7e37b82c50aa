//! A Prometheus exporter for the emulator's pods, so dashboards and the pod
//! lens have data without a kubelet: plain HTTP `GET /metrics` in the text
//! exposition format, with the cAdvisor and kube-state-metrics names
//! clusters export (`container_cpu_usage_seconds_total`,
//! `container_memory_working_set_bytes`,
//! `kube_pod_container_status_restarts_total`, `kube_pod_status_phase`).
//!
//! Values are derived from each pod's namespace, name and container name,
//! so every run shows the same numbers; CPU counters grow with the time the
//! exporter has run. Pods are read from the live [`State`] on each scrape,
//! so pods a test adds or deletes appear and vanish as they would.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::Pod;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::fixtures::hash;
use crate::store::State;

/// The pod phases kube-state-metrics reports, one series each.
const PHASES: [&str; 5] = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
const MIB: f64 = 1024.0 * 1024.0;

/// A running exporter; dropping it stops serving.
#[derive(Debug)]
pub struct MetricsExporter {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl MetricsExporter {
    /// Serves the pods of `state` on `addr` (port 0: chosen by the system).
    pub async fn start(state: State, addr: SocketAddr) -> std::io::Result<MetricsExporter> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let started = Instant::now();
        let task = tokio::spawn(accept_loop(listener, state, started, shutdown.clone()));
        Ok(MetricsExporter {
            addr,
            shutdown,
            task,
        })
    }

    /// The address it listens on, `127.0.0.1:PORT`: what a Prometheus
    /// `static_configs` target names.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsExporter {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: State,
    started: Instant,
    shutdown: CancellationToken,
) {
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let state = state.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(answer(&request, &state, started)) }
            });
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            // A scraper hanging up mid-request is its own business.
            tokio::select! {
                _ = connection => {}
                () = shutdown.cancelled() => {}
            }
        });
    }
}

fn answer<B>(request: &Request<B>, state: &State, started: Instant) -> http::Response<Full<Bytes>> {
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (&Method::GET, "/metrics") => (
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            exposition(&state.list::<Pod>(), started.elapsed().as_secs_f64()),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "only GET /metrics is served here\n".to_owned(),
        ),
    };
    let mut response = http::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = http::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    response
}

/// A container's CPU use in cores, constant so rates are predictable.
pub fn cpu_cores(namespace: &str, pod: &str, container: &str) -> f64 {
    let h = hash(&["cpu", namespace, pod, container]);
    0.005 + (h % 500) as f64 / 1000.0
}

/// A container's working set in bytes: between 16 and 256 MiB, whole MiB.
pub fn memory_bytes(namespace: &str, pod: &str, container: &str) -> f64 {
    let h = hash(&["memory", namespace, pod, container]);
    (16 + h % 241) as f64 * MIB
}

/// The exposition of `pods` after the exporter has run `uptime` seconds.
pub fn exposition(pods: &[Pod], uptime: f64) -> String {
    let mut cpu = String::new();
    let mut memory = String::new();
    let mut restarts = String::new();
    let mut phases = String::new();
    for pod in pods {
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let status = pod.status.as_ref();
        let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
        let terminating = pod.metadata.deletion_timestamp.is_some();
        // cAdvisor only reports containers that run: not those of a pod
        // that is pending, finished or going away, nor one waiting in a
        // crash loop.
        let running = status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
            .filter(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
            .map(|c| c.name.as_str());
        if phase == "Running" && !terminating {
            for c in running {
                let labels = format!("container=\"{c}\",namespace=\"{namespace}\",pod=\"{name}\"");
                // The counter starts where a container that has run a while would be.
                let base = (hash(&["start", namespace, name, c]) % 100_000) as f64;
                let seconds = cpu_cores(namespace, name, c) * (base + uptime);
                let _ = writeln!(
                    cpu,
                    "container_cpu_usage_seconds_total{{{labels}}} {seconds}"
                );
                let bytes = memory_bytes(namespace, name, c);
                let _ = writeln!(
                    memory,
                    "container_memory_working_set_bytes{{{labels}}} {bytes}"
                );
            }
        }
        for container in status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
        {
            let _ = writeln!(
                restarts,
                "kube_pod_container_status_restarts_total{{container=\"{}\",namespace=\"{namespace}\",pod=\"{name}\"}} {}",
                container.name, container.restart_count
            );
        }
        for p in PHASES {
            let on = u8::from(p == phase);
            let _ = writeln!(
                phases,
                "kube_pod_status_phase{{namespace=\"{namespace}\",phase=\"{p}\",pod=\"{name}\"}} {on}"
            );
        }
    }
    format!(
        "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n\
         # TYPE container_cpu_usage_seconds_total counter\n{cpu}\
         # HELP container_memory_working_set_bytes Current working set in bytes.\n\
         # TYPE container_memory_working_set_bytes gauge\n{memory}\
         # HELP kube_pod_container_status_restarts_total The number of container restarts per container.\n\
         # TYPE kube_pod_container_status_restarts_total counter\n{restarts}\
         # HELP kube_pod_status_phase The pods current phase.\n\
         # TYPE kube_pod_status_phase gauge\n{phases}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{Fixtures, names};

    fn text(uptime: f64) -> String {
        let state = State::new(Fixtures::standard());
        exposition(&state.list::<Pod>(), uptime)
    }

    fn value(text: &str, prefix: &str) -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in:\n{text}"));
        line.rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }

    #[test]
    fn every_pod_has_its_phase_and_running_pods_their_usage() {
        let text = text(0.0);
        let nginx = format!("namespace=\"default\",pod=\"{}\"", names::NGINX_POD);
        let memory = value(
            &text,
            &format!("container_memory_working_set_bytes{{container=\"nginx\",{nginx}}}"),
        );
        assert_eq!(memory, memory_bytes("default", names::NGINX_POD, "nginx"));
        assert!((16.0 * MIB..=256.0 * MIB).contains(&memory), "{memory}");
        let crashloop = format!("namespace=\"default\",pod=\"{}\"", names::CRASHLOOP_POD);
        assert_eq!(
            value(
                &text,
                &format!(
                    "kube_pod_container_status_restarts_total{{container=\"api\",{crashloop}}}"
                )
            ),
            7.0
        );
        let pending = format!(
            "namespace=\"monitoring\",phase=\"Pending\",pod=\"{}\"",
            names::UNSCHEDULABLE_POD
        );
        assert_eq!(
            value(&text, &format!("kube_pod_status_phase{{{pending}}}")),
            1.0
        );
        assert!(
            !text.contains("container_memory_working_set_bytes{container=\"trainer\""),
            "a pod that does not run has no usage"
        );
        assert!(
            !text.contains(&format!(
                "container_memory_working_set_bytes{{container=\"api\",{crashloop}}}"
            )),
            "nor a container waiting in a crash loop"
        );
    }

    #[test]
    fn cpu_counters_grow_with_time_and_the_rest_stays() {
        let (early, late) = (text(0.0), text(60.0));
        let key = format!(
            "container_cpu_usage_seconds_total{{container=\"nginx\",namespace=\"default\",pod=\"{}\"}}",
            names::NGINX_POD
        );
        let grown = value(&late, &key) - value(&early, &key);
        let expected = 60.0 * cpu_cores("default", names::NGINX_POD, "nginx");
        assert!((grown - expected).abs() < 1e-6, "{grown} vs {expected}");
        assert_eq!(text(0.0), early, "the same pods give the same numbers");
    }
}
