//! The running emulator: an HTTP/1.1 server on a loopback port that stops when dropped.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::{Method, Uri};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::faults::Faults;
use crate::fixtures::Fixtures;
use crate::kubeconfig;
use crate::router;
use crate::store::State;
use crate::tls::{HANDSHAKE_RECORD, Tls};

/// How many recent requests [`Emulator::requests`] remembers.
const REQUEST_LOG_LIMIT: usize = 10_000;

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) state: State,
    pub(crate) faults: Faults,
    pub(crate) shutdown: CancellationToken,
    pub(crate) addr: SocketAddr,
    requests: Mutex<VecDeque<String>>,
}

impl Context {
    pub(crate) fn record(&self, method: &Method, uri: &Uri) {
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        if requests.len() == REQUEST_LOG_LIMIT {
            requests.pop_front();
        }
        requests.push_back(format!("{method} {uri}"));
    }
}

/// A running Kubernetes API emulator. Dropping it stops the server, its open watches and
/// followed logs.
#[derive(Debug)]
pub struct Emulator {
    ctx: Arc<Context>,
    tls: Tls,
    task: JoinHandle<()>,
}

impl Emulator {
    /// Serves `fixtures` on `127.0.0.1` at a port chosen by the system.
    pub async fn start(fixtures: Fixtures) -> std::io::Result<Emulator> {
        Self::start_on(fixtures, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Serves `fixtures` on `addr` (port 0: chosen by the system).
    pub async fn start_on(fixtures: Fixtures, addr: SocketAddr) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(addr).await?;
        let tls = Tls::generate(addr.ip())?;
        let ctx = Arc::new(Context {
            state: State::new(fixtures),
            faults: Faults::default(),
            shutdown: CancellationToken::new(),
            addr: listener.local_addr()?,
            requests: Mutex::new(VecDeque::new()),
        });
        let task = tokio::spawn(accept_loop(listener, ctx.clone(), tls.clone()));
        Ok(Emulator { ctx, tls, task })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.ctx.addr
    }

    /// `http://127.0.0.1:PORT`: plain http. Clients must send `Authorization: Bearer
    /// emulator-token` themselves (kubectl never sends tokens over http).
    pub fn url(&self) -> String {
        format!("http://{}", self.ctx.addr)
    }

    /// `https://127.0.0.1:PORT`, the same port with TLS; the kubeconfig uses this URL.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.ctx.addr)
    }

    /// The PEM of the CA that signed the serving certificate (generated at start).
    pub fn ca_certificate_pem(&self) -> &str {
        &self.tls.ca_pem
    }

    /// The kubeconfig (YAML) for this emulator; see [`crate::kubeconfig`] for its contexts.
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig::render(&self.https_url(), &self.tls.ca_pem)
    }

    /// Writes the kubeconfig into `dir` (created if needed) as `kubeconfig-PORT.yaml`, so
    /// several emulators can share a directory; returns its path.
    pub fn write_kubeconfig(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let path = dir.join(format!("kubeconfig-{}.yaml", self.ctx.addr.port()));
        self.write_kubeconfig_to(&path)?;
        Ok(path)
    }

    /// The kubeconfig for this emulator and `others`, each of those a
    /// cluster with one context of the given name (admin, namespace
    /// `default`); this emulator keeps its four contexts and stays current.
    pub fn kubeconfig_yaml_with(&self, others: &[(&str, &Emulator)]) -> String {
        let more: Vec<(String, String, String)> = others
            .iter()
            .map(|(context, e)| {
                (
                    (*context).to_owned(),
                    e.https_url(),
                    e.ca_certificate_pem().to_owned(),
                )
            })
            .collect();
        kubeconfig::render_clusters(&self.https_url(), &self.tls.ca_pem, &more)
    }

    /// Writes [`Emulator::kubeconfig_yaml_with`] to exactly `path`.
    pub fn write_kubeconfig_with_to(
        &self,
        path: &Path,
        others: &[(&str, &Emulator)],
    ) -> std::io::Result<()> {
        kubeconfig::write(path, &self.kubeconfig_yaml_with(others))
    }

    /// Writes the kubeconfig to exactly `path`.
    pub fn write_kubeconfig_to(&self, path: &Path) -> std::io::Result<()> {
        kubeconfig::write(path, &self.kubeconfig_yaml())
    }

    /// Runtime fault injection (latency, failing requests).
    pub fn faults(&self) -> &Faults {
        &self.ctx.faults
    }

    /// The cluster's objects and logs, to change while clients watch.
    pub fn state(&self) -> &State {
        &self.ctx.state
    }

    /// The most recent requests (up to 10,000), oldest first, as `"GET /api/v1/pods?limit=2"`.
    pub fn requests(&self) -> Vec<String> {
        let requests = self
            .ctx
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        requests.iter().cloned().collect()
    }

    /// Makes the chatty pod ([`Fixtures::with_chatty_pod`]) write `lines_per_second` lines a
    /// second to its log until the emulator stops.
    pub fn start_chatter(&self, lines_per_second: u32) {
        let stop = self.ctx.shutdown.clone();
        tokio::spawn(crate::fixtures::chatter(
            self.ctx.state.clone(),
            lines_per_second,
            stop,
        ));
    }

    /// Stops serving and waits until the listener is closed (dropping does the same without
    /// waiting).
    pub async fn shutdown(mut self) {
        self.ctx.shutdown.cancel();
        // The task only ends by cancellation; a join error would mean it panicked, and either
        // way it is gone now.
        let _ = (&mut self.task).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.ctx.shutdown.cancel();
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, ctx: Arc<Context>, tls: Tls) {
    loop {
        tokio::select! {
            () = ctx.shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, ctx.clone(), tls.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
        }
    }
}

async fn serve_connection(stream: TcpStream, ctx: Arc<Context>, tls: Tls) {
    // Watch events and log lines are small writes that should go out at once.
    let _ = stream.set_nodelay(true);
    let shutdown = ctx.shutdown.clone();
    let work = async move {
        // https and plain http share the port: a TLS connection starts with a handshake record.
        let mut first = [0u8; 1];
        let is_tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == HANDSHAKE_RECORD);
        if !is_tls {
            return serve_http(stream, ctx).await;
        }
        // A failed handshake is the client's problem (it saw an alert); nothing to serve.
        if let Ok(stream) = tls.acceptor.accept(stream).await {
            serve_http(stream, ctx).await;
        }
    };
    tokio::select! {
        () = work => {}
        () = shutdown.cancelled() => {}
    }
}

async fn serve_http<I>(io: I, ctx: Arc<Context>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let ctx = ctx.clone();
        async move { Ok::<_, Infallible>(router::handle(&ctx, request).await) }
    });
    // Connection errors (a client hanging up mid-request) are the client's business.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}
