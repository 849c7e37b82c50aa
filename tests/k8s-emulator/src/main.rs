//! `k8s-emulator`: serves the standard fixtures for demos until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use vcli_k8s_emulator::{Emulator, Fixtures, MetricsExporter};

/// An emulated Kubernetes API server with a curated set of awkward objects.
#[derive(Debug, Parser)]
#[command(name = "k8s-emulator", version)]
struct Args {
    /// Port to listen on (127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Extra generated Running pods (namespaces load-0 to load-3).
    #[arg(long, default_value_t = 0)]
    pods: usize,
    /// Adds the pod default/chatty, whose log gets this many new lines a second (0: no such pod).
    #[arg(long, default_value_t = 0)]
    chatty_rate: u32,
    /// Where to write the kubeconfig (default: a file in the system temp directory).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Also serve Prometheus metrics of every pod (cAdvisor and
    /// kube-state-metrics names) over plain HTTP at /metrics on this
    /// address, e.g. 127.0.0.1:0.
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut fixtures = Fixtures::standard().with_generated_pods(args.pods);
    if args.chatty_rate > 0 {
        fixtures = fixtures.with_chatty_pod();
    }
    let emulator =
        Emulator::start_on(fixtures, SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    if args.chatty_rate > 0 {
        emulator.start_chatter(args.chatty_rate);
        println!(
            "pod default/chatty writes {} log lines a second",
            args.chatty_rate
        );
    }
    let path = match args.kubeconfig {
        Some(path) => {
            emulator.write_kubeconfig_to(&path)?;
            path
        }
        None => emulator.write_kubeconfig(&std::env::temp_dir())?,
    };
    println!("Kubernetes API emulator listening on {}", emulator.url());
    let exporter = match args.metrics_listen {
        Some(addr) => Some(MetricsExporter::start(emulator.state().clone(), addr).await?),
        None => None,
    };
    println!("kubeconfig: {}", path.display());
    println!("try: kubectl --kubeconfig {} get pods -A", path.display());
    if let Some(exporter) = &exporter {
        println!("metrics: http://{}/metrics", exporter.addr());
    }
    println!(
        "contexts: emulator (default), emulator-kube-system, bad-token (401), forbidden (403)"
    );
    tokio::signal::ctrl_c().await?;
    println!("shutting down");
    drop(exporter);
    emulator.shutdown().await;
    Ok(())
}
