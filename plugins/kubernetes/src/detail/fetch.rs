//! What the detail reads from the server in single requests: the texts
//! fetched when it opens (`describe` and `get -o yaml`, produced by the very
//! code behind those commands, so the detail shows exactly what the CLI
//! prints), and the pod the log stream asks which containers it has, which
//! one is the default, and whether a closed stream is over.

use k8s_openapi::api::core::v1::Pod;
use kube::core::Request;
use kube::core::params::GetParams;
use vcli_plugin_api::{NetworkService, PluginError};

use super::{DetailTarget, Loadable, SharedDetail};
use crate::client::{self, Conn};
use crate::describe::describe_text;
use crate::get::get_one;
use crate::resources::Kind;
use crate::settings::ConnectOptions;
use vcli_plugin_api::print::to_yaml;

/// The annotation naming the container kubectl picks without `-c`.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// Connects to the target's context (the configured one when it names none).
pub(crate) async fn connect(
    options: &ConnectOptions,
    network: NetworkService,
    target: &DetailTarget,
) -> Result<Conn, PluginError> {
    let mut options = options.clone();
    if !target.context.is_empty() {
        options.context = Some(target.context.clone());
    }
    client::connect(&options, network).await
}

/// The target's kind and its namespace as requests need it (none for a
/// cluster-scoped kind).
pub(crate) fn kind_of(target: &DetailTarget) -> Result<(Kind, Option<String>), PluginError> {
    let kind = Kind::parse(&target.kind)?;
    let namespace = target.namespace.clone().filter(|_| kind.namespaced());
    Ok((kind, namespace))
}

/// Fetches the YAML, then the describe text, publishing each as it arrives.
pub(crate) async fn texts(conn: &Conn, target: &DetailTarget, shared: &SharedDetail) {
    let (kind, namespace) = match kind_of(target) {
        Ok(k) => k,
        Err(e) => {
            let failed = Loadable::Failed(e.to_string());
            shared.update(|d| {
                d.yaml = failed.clone();
                d.describe = failed;
            });
            return;
        }
    };
    let yaml = get_one(conn, kind, namespace.as_deref(), &target.name)
        .await
        .and_then(|object| Ok(to_yaml(&object)?));
    shared.update(|d| d.yaml = Loadable::from_result(yaml));
    let describe = describe_text(conn, kind, namespace.as_deref(), &target.name).await;
    shared.update(|d| d.describe = Loadable::from_result(describe));
}

/// The pod, or `None` when the server says there is no such pod.
pub(crate) async fn fetch_pod(
    conn: &Conn,
    namespace: &str,
    name: &str,
) -> Result<Option<Pod>, String> {
    let request = Request::new(Kind::Pod.collection_path(Some(namespace)))
        .get(name, &GetParams::default())
        .map_err(|e| e.to_string())?;
    match conn.client.request::<Pod>(request).await {
        Ok(pod) => Ok(Some(pod)),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
        Err(e) => Err(conn.error(e).to_string()),
    }
}

/// The pod's containers (regular, then init) and the one logs show by
/// default: the annotated one, else the first regular one.
pub(crate) fn containers_of(pod: &Pod) -> (Vec<String>, String) {
    let spec = pod.spec.clone().unwrap_or_default();
    let main: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone());
    let all: Vec<String> = main.iter().cloned().chain(init).collect();
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER))
        .filter(|c| all.contains(c))
        .cloned();
    let default = annotated
        .or_else(|| main.first().cloned())
        .or_else(|| all.first().cloned())
        .unwrap_or_default();
    (all, default)
}

/// How the container ended, if its current instance is terminated:
/// `Completed, exit code 0`.
pub(crate) fn terminated(pod: &Pod, container: &str) -> Option<String> {
    let status = pod.status.as_ref()?;
    let statuses = [&status.container_statuses, &status.init_container_statuses];
    let found = statuses
        .into_iter()
        .flat_map(|l| l.as_deref().unwrap_or(&[]))
        .find(|s| s.name == container)?;
    let state = found.state.as_ref()?;
    if let Some(t) = &state.terminated {
        let reason = t.reason.clone().unwrap_or_else(|| "Terminated".to_owned());
        return Some(format!("{reason}, exit code {}", t.exit_code));
    }
    if let Some(w) = &state.waiting {
        // A container waiting to restart has stopped; its log will not grow.
        return Some(w.reason.clone().unwrap_or_else(|| "Waiting".to_owned()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(annotation: Option<&str>) -> Pod {
        let mut value = serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "initContainers": [{"name": "setup"}],
                "containers": [{"name": "app"}, {"name": "proxy"}]
            }
        });
        if let Some(c) = annotation {
            value["metadata"]["annotations"] = serde_json::json!({ DEFAULT_CONTAINER: c });
        }
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_annotated_container_is_the_default_as_in_kubectl() {
        assert_eq!(
            containers_of(&pod(None)),
            (
                vec!["app".into(), "proxy".into(), "setup".into()],
                "app".into()
            )
        );
        assert_eq!(containers_of(&pod(Some("proxy"))).1, "proxy");
        // An annotation naming no container of the pod is ignored, as kubectl does.
        assert_eq!(containers_of(&pod(Some("gone"))).1, "app");
    }
}
