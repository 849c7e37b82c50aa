//! The background task behind the TUI view: `kube::runtime` watchers on
//! pods, deployments and services feed the shared model as events arrive
//! (no polling), until the plugin is stopped.

use std::time::Duration;

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use tokio_util::sync::CancellationToken;

use crate::client::Conn;
use crate::health;
use crate::model::{ConnectionStatus, DeploymentState, PodRow, SharedModel, service_type};

/// How often the server version and reachability are re-checked; the
/// watchers themselves report failures as they happen.
const VERSION_EVERY: Duration = Duration::from_secs(30);

fn api<K>(conn: &Conn, all_namespaces: bool) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    if all_namespaces {
        Api::all(conn.client.clone())
    } else {
        Api::namespaced(conn.client.clone(), &conn.namespace)
    }
}

fn watch<K>(
    conn: &Conn,
    all_namespaces: bool,
) -> impl Stream<Item = watcher::Result<Event<K>>> + Send
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
    <K as kube::Resource>::DynamicType: Default,
{
    let config = watcher::Config::default().page_size(conn.page_size);
    watcher::watcher(api::<K>(conn, all_namespaces), config).default_backoff()
}

/// Runs the watchers until `cancel` fires.
pub(crate) async fn run(
    conn: Conn,
    model: SharedModel,
    all_namespaces: bool,
    cancel: CancellationToken,
) {
    {
        let mut m = model.update();
        m.context.clone_from(&conn.context);
        m.namespace = (!all_namespaces).then(|| conn.namespace.clone());
    }
    let mut pods = std::pin::pin!(watch::<Pod>(&conn, all_namespaces));
    let mut deployments = std::pin::pin!(watch::<Deployment>(&conn, all_namespaces));
    let mut services = std::pin::pin!(watch::<Service>(&conn, all_namespaces));
    let mut version = tokio::time::interval(VERSION_EVERY);
    // Objects of a re-list are buffered until it is complete, then swapped
    // in at once, so the view never shows half a list as the truth.
    let mut pending_pods: Vec<PodRow> = Vec::new();
    let mut pending_deployments: Vec<Deployment> = Vec::new();
    let mut pending_services: Vec<Service> = Vec::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = version.tick() => {
                let probe = health::probe(&conn).await;
                let mut m = model.update();
                if let Some(v) = probe.version {
                    m.server_version = Some(v);
                } else if let Some(e) = probe.error {
                    m.connection = ConnectionStatus::Error(e);
                }
            }
            Some(event) = pods.next() => {
                let Some(event) = ok(&conn, &model, event) else { continue };
                match event {
                    Event::Init => pending_pods.clear(),
                    Event::InitApply(p) => pending_pods.push(PodRow::from_pod(&p)),
                    Event::InitDone => model.update().replace_pods(std::mem::take(&mut pending_pods)),
                    Event::Apply(p) => model.update().upsert_pod(PodRow::from_pod(&p)),
                    Event::Delete(p) => model.update().remove_pod(
                        p.metadata.namespace.as_deref().unwrap_or_default(),
                        p.metadata.name.as_deref().unwrap_or_default(),
                    ),
                }
            }
            Some(event) = deployments.next() => {
                let Some(event) = ok(&conn, &model, event) else { continue };
                match event {
                    Event::Init => pending_deployments.clear(),
                    Event::InitApply(d) => pending_deployments.push(d),
                    Event::InitDone => model.update().replace_deployments(&std::mem::take(&mut pending_deployments)),
                    Event::Apply(d) => model.update().set_deployment(
                        d.metadata.namespace.as_deref().unwrap_or_default(),
                        d.metadata.name.as_deref().unwrap_or_default(),
                        Some(DeploymentState::of(&d)),
                    ),
                    Event::Delete(d) => model.update().set_deployment(
                        d.metadata.namespace.as_deref().unwrap_or_default(),
                        d.metadata.name.as_deref().unwrap_or_default(),
                        None,
                    ),
                }
            }
            Some(event) = services.next() => {
                let Some(event) = ok(&conn, &model, event) else { continue };
                match event {
                    Event::Init => pending_services.clear(),
                    Event::InitApply(s) => pending_services.push(s),
                    Event::InitDone => model.update().replace_services(&std::mem::take(&mut pending_services)),
                    Event::Apply(s) => model.update().set_service(
                        s.metadata.namespace.as_deref().unwrap_or_default(),
                        s.metadata.name.as_deref().unwrap_or_default(),
                        Some(service_type(&s)),
                    ),
                    Event::Delete(s) => model.update().set_service(
                        s.metadata.namespace.as_deref().unwrap_or_default(),
                        s.metadata.name.as_deref().unwrap_or_default(),
                        None,
                    ),
                }
            }
        }
    }
}

/// Marks the connection from a watcher result; errors are shown in
/// kubectl's words while the watcher backs off and retries.
fn ok<K>(conn: &Conn, model: &SharedModel, event: watcher::Result<Event<K>>) -> Option<Event<K>> {
    match event {
        Ok(e) => {
            let mut m = model.update();
            if m.connection != ConnectionStatus::Connected {
                m.connection = ConnectionStatus::Connected;
            }
            Some(e)
        }
        Err(e) => {
            let message = match e {
                watcher::Error::InitialListFailed(k)
                | watcher::Error::WatchStartFailed(k)
                | watcher::Error::WatchFailed(k) => conn.error(k).to_string(),
                watcher::Error::WatchError(status) => {
                    crate::error::from_status(status.code, &status.reason, &status.message)
                        .to_string()
                }
                other => other.to_string(),
            };
            model.update().connection = ConnectionStatus::Error(message);
            None
        }
    }
}
