//! Finding the kubeconfig the way kubectl does (`--kubeconfig`, `$KUBECONFIG`
//! with several files merged, `~/.kube/config`, then in-cluster), choosing a
//! context, and listing contexts for `vcli k8s contexts`.

use std::path::{Path, PathBuf};

use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig, KubeconfigError};
use vcli_plugin_api::PluginError;

use crate::settings::ConnectOptions;

/// A kubeconfig and where it came from, or the in-cluster service account.
#[derive(Debug)]
pub(crate) enum Source {
    /// Merged kubeconfig files (one for `--kubeconfig` and `~/.kube/config`).
    Files(Box<Kubeconfig>),
    /// No file, but the pod's service account (`KUBERNETES_SERVICE_HOST`).
    InCluster,
}

/// Loads the kubeconfig that `explicit` (the `--kubeconfig` flag or the
/// config's `kubeconfig`) or the environment points to.
///
/// # Errors
///
/// A file that cannot be read or parsed, or no configuration anywhere; the
/// message says every place that was looked at.
pub(crate) fn load(explicit: Option<&Path>) -> Result<Source, PluginError> {
    if let Some(path) = explicit {
        return read(path).map(|k| Source::Files(Box::new(k)));
    }
    let mut looked = Vec::new();
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(value) => {
            // Like kubectl, files listed in KUBECONFIG that do not exist are
            // skipped; the first file to set a value wins when merging.
            let paths: Vec<PathBuf> = std::env::split_paths(&value)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            let mut merged: Option<Kubeconfig> = None;
            for path in &paths {
                if !path.exists() {
                    continue;
                }
                let next = read(path)?;
                merged = Some(match merged {
                    None => next,
                    Some(m) => m.merge(next).map_err(|e| {
                        PluginError::failed(format!(
                            "cannot merge kubeconfig {}: {e}",
                            path.display()
                        ))
                    })?,
                });
            }
            if let Some(config) = merged {
                return Ok(Source::Files(Box::new(config)));
            }
            let listed: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            looked.push(format!("$KUBECONFIG ({}: none exists)", listed.join(", ")));
        }
        None => {
            looked.push("$KUBECONFIG (not set)".to_owned());
            match std::env::home_dir().map(|h| h.join(".kube").join("config")) {
                Some(path) if path.exists() => {
                    return read(&path).map(|k| Source::Files(Box::new(k)));
                }
                Some(path) => looked.push(format!("{} (does not exist)", path.display())),
                None => looked.push("~/.kube/config (no home directory)".to_owned()),
            }
        }
    }
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        return Ok(Source::InCluster);
    }
    looked.push("the in-cluster service account (KUBERNETES_SERVICE_HOST not set)".to_owned());
    Err(PluginError::failed(format!(
        "no kubeconfig found; looked at {}. Pass --kubeconfig, set KUBECONFIG or set \
         `kubeconfig` in [plugins.kubernetes.config]",
        looked.join(", ")
    )))
}

fn read(path: &Path) -> Result<Kubeconfig, PluginError> {
    Kubeconfig::read_from(path).map_err(|e| match e {
        KubeconfigError::ReadConfig(io, _) => {
            PluginError::failed(format!("cannot read kubeconfig {}: {io}", path.display()))
        }
        other => PluginError::failed(format!(
            "cannot load kubeconfig {}: {other}",
            path.display()
        )),
    })
}

/// A client configuration and the name of the context it came from.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// What kube's client needs.
    pub config: kube::Config,
    /// The context's name (`in-cluster` without a kubeconfig).
    pub context: String,
}

/// Builds the client configuration for `options`.
///
/// Exec credential plugins are forced into non-interactive mode: vcli may be
/// drawing a TUI, and a plugin prompting on the terminal would write over it
/// (and wait forever for an answer nobody can type).
///
/// # Errors
///
/// See [`load`]; an unknown `--context` is a usage error.
pub(crate) async fn resolve(options: &ConnectOptions) -> Result<Resolved, PluginError> {
    let (mut config, context) = match load(options.kubeconfig.as_deref())? {
        Source::InCluster => {
            let config = kube::Config::incluster().map_err(|e| {
                PluginError::failed(format!("cannot load the in-cluster configuration: {e}"))
            })?;
            (config, "in-cluster".to_owned())
        }
        Source::Files(kubeconfig) => {
            let context = options
                .context
                .clone()
                .or_else(|| kubeconfig.current_context.clone())
                .unwrap_or_default();
            let kube_options = KubeConfigOptions {
                context: options.context.clone(),
                ..KubeConfigOptions::default()
            };
            let config = kube::Config::from_custom_kubeconfig(*kubeconfig, &kube_options)
                .await
                .map_err(|e| context_error(e, &context))?;
            (config, context)
        }
    };
    if let Some(exec) = config.auth_info.exec.as_mut() {
        exec.interactive_mode = Some(ExecInteractiveMode::Never);
    }
    if let Some(ns) = &options.namespace
        && ns != "*"
    {
        config.default_namespace.clone_from(ns);
    }
    Ok(Resolved { config, context })
}

/// A kubeconfig that cannot serve the request. kubectl exits 1 for every
/// kubeconfig problem, a context that is not there included, so none of
/// these is a usage error.
fn context_error(err: KubeconfigError, context: &str) -> PluginError {
    match err {
        KubeconfigError::LoadContext(name) => {
            PluginError::failed(format!("context \"{name}\" does not exist"))
        }
        KubeconfigError::CurrentContextNotSet => {
            PluginError::failed("the kubeconfig has no current-context; pass --context")
        }
        KubeconfigError::LoadClusterOfContext(cluster) => PluginError::failed(format!(
            "context \"{context}\" names cluster \"{cluster}\", which the kubeconfig does not define"
        )),
        other => PluginError::failed(format!(
            "invalid configuration for context \"{context}\": {other}"
        )),
    }
}

/// One row of `vcli k8s contexts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContextRow {
    /// Whether this is the context in use.
    pub current: bool,
    /// Context name.
    pub name: String,
    /// Its cluster.
    pub cluster: String,
    /// Its user.
    pub user: String,
    /// Its namespace, if it sets one.
    pub namespace: String,
}

/// The contexts of the kubeconfig, sorted by name as `kubectl config
/// get-contexts` prints them, the one in use (`--context` or the current
/// context) marked.
///
/// # Errors
///
/// See [`load`]. In-cluster there is no kubeconfig and so no contexts.
pub(crate) fn contexts(options: &ConnectOptions) -> Result<Vec<ContextRow>, PluginError> {
    let kubeconfig = match load(options.kubeconfig.as_deref())? {
        Source::Files(k) => *k,
        Source::InCluster => return Ok(Vec::new()),
    };
    let current = options.context.clone().or(kubeconfig.current_context);
    if let Some(wanted) = &options.context
        && !kubeconfig.contexts.iter().any(|c| &c.name == wanted)
    {
        return Err(PluginError::failed(format!(
            "context \"{wanted}\" does not exist"
        )));
    }
    let mut rows: Vec<ContextRow> = kubeconfig
        .contexts
        .iter()
        .map(|named| {
            let ctx = named.context.clone().unwrap_or_default();
            ContextRow {
                current: current.as_deref() == Some(named.name.as_str()),
                name: named.name.clone(),
                cluster: ctx.cluster,
                user: ctx.user.unwrap_or_default(),
                namespace: ctx.namespace.unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}
