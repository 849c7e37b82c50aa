//! The plugin's configuration table and the connection options merged from it and the command line.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use vcli_plugin_api::PluginError;

/// How many objects one list request asks for. kubectl uses 500 too: large
/// enough to keep round trips few, small enough that 100k pods never arrive
/// as one response.
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 500;

/// Per-request deadline when neither the config nor `--request-timeout` sets one.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `[plugins.kubernetes.config]`.
///
/// Every field is optional; the command-line flags of the same name win over
/// these values, and the kubeconfig's current context supplies the rest.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// A kubeconfig file to use instead of `$KUBECONFIG` / `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use instead of its current context.
    pub context: Option<String>,
    /// The namespace to use instead of the context's; `"*"` makes the TUI
    /// view watch all namespaces.
    pub namespace: Option<String>,
    /// Contexts the TUI view shows together (one list with a CONTEXT
    /// column); each must be a context of the kubeconfig.
    pub contexts: Option<Vec<String>>,
    /// A per-request deadline such as `"30s"` or `"2m"`; `"0"` disables it.
    pub request_timeout: Option<String>,
    /// Objects per list page (default 500).
    pub page_size: Option<u32>,
    /// Where `get` keeps API discovery between runs (default: the cache directory the
    /// host sets aside for the plugin, `~/.cache/vcli/plugins/kubernetes`). Another
    /// directory must be inside the plugin's `policy.filesystem_roots`.
    pub cache_dir: Option<PathBuf>,
    /// Log lines the TUI's log viewer keeps per pod (default 10,000); older
    /// ones are dropped and counted.
    pub log_lines: Option<usize>,
}

impl Settings {
    /// Checks the values that serde cannot check by their type alone.
    pub fn validate(&self) -> Result<(), PluginError> {
        if let Some(timeout) = &self.request_timeout {
            parse_timeout(timeout).map_err(|e| {
                PluginError::Config(format!("plugins.kubernetes.config.request_timeout: {e}"))
            })?;
        }
        if let Some(dir) = &self.cache_dir
            && !dir.is_absolute()
        {
            return Err(PluginError::Config(format!(
                "plugins.kubernetes.config.cache_dir: must be an absolute path, got {:?}",
                dir.display().to_string()
            )));
        }
        if self.log_lines == Some(0) {
            return Err(PluginError::Config(
                "plugins.kubernetes.config.log_lines: must be at least 1".to_owned(),
            ));
        }
        if self.page_size == Some(0) {
            return Err(PluginError::Config(
                "plugins.kubernetes.config.page_size: must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Parses a timeout the way kubectl's `--request-timeout` does: a bare
/// number is seconds, otherwise a duration such as `1s`, `2m`, `1h30m`; zero
/// means no timeout (`None`).
pub(crate) fn parse_timeout(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    let duration = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|e| format!("invalid duration {text:?}: {e}"))?
    } else {
        humantime::parse_duration(text).map_err(|e| {
            format!("invalid duration {text:?} ({e}); use a number of seconds or a value like 30s, 2m, 1h")
        })?
    };
    Ok((!duration.is_zero()).then_some(duration))
}

/// Where and how to connect, after merging config and command-line flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectOptions {
    /// `--kubeconfig` or the config's `kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context` or the config's `context`.
    pub context: Option<String>,
    /// `-n` or the config's `namespace`; `None` means the context's.
    pub namespace: Option<String>,
    /// Per-request deadline for requests that are not streams.
    pub request_timeout: Option<Duration>,
    /// Objects per list page.
    pub page_size: u32,
}

impl ConnectOptions {
    /// The options the configuration alone gives (used by `start` and `health`).
    pub(crate) fn from_settings(settings: &Settings) -> Self {
        let request_timeout = match &settings.request_timeout {
            Some(t) => parse_timeout(t).ok().flatten(),
            None => Some(DEFAULT_REQUEST_TIMEOUT),
        };
        ConnectOptions {
            kubeconfig: settings.kubeconfig.clone(),
            context: settings.context.clone(),
            namespace: settings.namespace.clone(),
            request_timeout,
            page_size: settings.page_size.unwrap_or(DEFAULT_PAGE_SIZE).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_kubectl() {
        assert_eq!(parse_timeout("0"), Ok(None));
        assert_eq!(parse_timeout("5"), Ok(Some(Duration::from_secs(5))));
        assert_eq!(parse_timeout("1m30s"), Ok(Some(Duration::from_secs(90))));
        assert!(parse_timeout("soon").is_err());
    }

    #[test]
    fn settings_reject_bad_values() {
        let bad = Settings {
            page_size: Some(0),
            ..Settings::default()
        };
        assert!(bad.validate().is_err());
        let bad = Settings {
            request_timeout: Some("x".into()),
            ..Settings::default()
        };
        assert!(bad.validate().is_err());
        assert!(Settings::default().validate().is_ok());
    }
}
