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
    /// Clusters to serve: the first has the standard fixtures; each more one
    /// (contexts `emulator-2`, `emulator-3`, ...) a small cluster of its own
    /// on the next port (any free one with `--port 0`), all in one kubeconfig.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=8))]
    contexts: u16,
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
    }
    let mut others = Vec::new();
    for i in 2..=args.contexts {
        let port = if args.port == 0 {
            0
        } else {
            args.port.checked_add(i - 1).ok_or_else(|| {
                std::io::Error::other("--port leaves no room for the other clusters")
            })?
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let other = Emulator::start_on(Fixtures::second_cluster(), addr).await?;
        others.push((format!("emulator-{i}"), other));
    }
    let named: Vec<(&str, &Emulator)> = others.iter().map(|(n, e)| (n.as_str(), e)).collect();
    let path = match args.kubeconfig {
        Some(path) => path,
        None => std::env::temp_dir().join(format!("kubeconfig-{}.yaml", emulator.addr().port())),
    };
    emulator.write_kubeconfig_with_to(&path, &named)?;
    // Scripts read the address off this first line.
    println!("Kubernetes API emulator listening on {}", emulator.url());
    if args.chatty_rate > 0 {
        println!(
            "pod default/chatty writes {} log lines a second",
            args.chatty_rate
        );
    }
    let exporter = match args.metrics_listen {
        Some(addr) => Some(MetricsExporter::start(emulator.state().clone(), addr).await?),
        None => None,
    };
    for (name, other) in &others {
        println!("second cluster {name} listening on {}", other.url());
    }
    println!("kubeconfig: {}", path.display());
    println!("try: kubectl --kubeconfig {} get pods -A", path.display());
    if let Some(exporter) = &exporter {
        println!("metrics: http://{}/metrics", exporter.addr());
    }
    let extra: String = others.iter().map(|(n, _)| format!(", {n}")).collect();
    println!(
        "contexts: emulator (default), emulator-kube-system, bad-token (401), forbidden (403){extra}"
    );
    tokio::signal::ctrl_c().await?;
    println!("shutting down");
    drop(exporter);
    emulator.shutdown().await;
    for (_, other) in others {
        other.shutdown().await;
    }
    Ok(())
}
