//! The texts fetched once when a detail opens: `describe` and `get -o yaml`,
//! produced by the very code behind those commands, so the detail shows
//! exactly what the CLI prints.

use vcli_plugin_api::{NetworkService, PluginError};

use super::{DetailTarget, Loadable, SharedDetail};
use crate::client::{self, Conn};
use crate::describe::describe_text;
use crate::format::to_yaml;
use crate::get::get_one;
use crate::resources::Kind;
use crate::settings::ConnectOptions;

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
        .and_then(|object| to_yaml(&object));
    shared.update(|d| d.yaml = Loadable::from_result(yaml));
    let describe = describe_text(conn, kind, namespace.as_deref(), &target.name).await;
    shared.update(|d| d.describe = Loadable::from_result(describe));
}
