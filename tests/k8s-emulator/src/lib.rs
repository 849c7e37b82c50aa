//! An HTTP emulator of the Kubernetes API for tests and demos.
//!
//! [`Emulator::start`] serves a set of [`Fixtures`] on a loopback port; real clients (the
//! `kube` crate, `kubectl`) reach it through the kubeconfig [`Emulator::write_kubeconfig`]
//! writes, exactly as they would reach a cluster: discovery, lists with selectors and
//! pagination, server-side Tables as `kubectl get` prints them, watches, pod logs (with
//! follow), bearer-token authentication and authorization failures, and `Status` errors.
//! Tests change the cluster at run time through [`Emulator::state`] and make it misbehave
//! through [`Emulator::faults`]. [`MetricsExporter`] serves Prometheus metrics of the pods
//! (`k8s-emulator --metrics-listen 127.0.0.1:0`), so dashboards and the pod lens have data.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use vcli_k8s_emulator::{Emulator, Fixtures};
//! let emulator = Emulator::start(Fixtures::standard()).await?;
//! let kubeconfig = emulator.write_kubeconfig(&std::env::temp_dir())?;
//! println!("KUBECONFIG={} kubectl get pods", kubeconfig.display());
//! # Ok(()) }
//! ```

mod age;
mod columns;
mod columns_more;
mod discovery;
mod faults;
mod fields;
mod fixtures;
pub mod kubeconfig;
mod list;
mod logs;
mod metrics;
mod params;
mod pod_status;
mod printers;
mod printers_more;
mod resources;
mod response;
mod router;
mod selector;
mod server;
mod store;
mod table;
mod tls;
mod watch;
mod widget;

pub use discovery::SERVER_VERSION;
pub use faults::Faults;
pub use fixtures::{CHATTY_CONTAINER, Fixtures, names};
pub use logs::{ContainerLogs, LogLine};
pub use metrics::{MetricsExporter, cpu_cores, exposition, memory_bytes};
pub use resources::{EmulatedResource, Object, ResourceKind};
pub use server::Emulator;
pub use store::State;
pub use widget::{WIDGET_GROUP, Widget, WidgetSpec, WidgetStatus};

/// The `k8s-openapi` crate the fixtures are made of, so users build objects with the very
/// same types.
pub use k8s_openapi;

/// The current time. (k8s-openapi builds jiff without its `std` feature, which is what
/// `Timestamp::now` needs, so read the system clock directly.)
pub(crate) fn now() -> k8s_openapi::jiff::Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    k8s_openapi::jiff::Timestamp::new(
        since_epoch.as_secs() as i64,
        since_epoch.subsec_nanos() as i32,
    )
    .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
}
