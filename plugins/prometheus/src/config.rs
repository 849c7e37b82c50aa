//! The `[plugins.prometheus.config]` table, and where the server URL and timeout come from.

mod lens;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use vcli_plugin_api::PluginError;

use crate::error::PromError;
pub(crate) use lens::{LensQueries, PodMatch, fill};

/// The URL used when neither `--url`, the configuration nor `PROMETHEUS_URL` names one.
pub(crate) const DEFAULT_URL: &str = "http://localhost:9090";
/// The environment variable consulted after the configuration.
pub(crate) const URL_ENV: &str = "PROMETHEUS_URL";
/// How long a command may take, all attempts included, unless told otherwise.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the TUI view refreshes unless told otherwise.
pub(crate) const DEFAULT_REFRESH: Duration = Duration::from_secs(15);

/// The plugin's configuration table.
///
/// Values are checked while deserializing (durations, URL syntax), so a
/// mistake is reported by `PluginConfig::parse` with the file, line and column.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Settings {
    /// Base URL of the server, e.g. `https://prometheus.example.com/prom`.
    #[serde(deserialize_with = "de_url")]
    pub(crate) url: Option<String>,
    /// Per-command timeout, a humantime string like `"10s"`.
    #[serde(deserialize_with = "de_timeout")]
    pub(crate) timeout: Option<Duration>,
    /// HTTP basic authentication.
    pub(crate) basic_auth: Option<BasicAuth>,
    /// A bearer token sent as `Authorization: Bearer ...`.
    pub(crate) bearer_token: Option<Secret>,
    /// How often every screen of the TUI view and the pod lens refresh,
    /// a humantime string.
    #[serde(deserialize_with = "de_refresh")]
    pub(crate) refresh: Option<Duration>,
    /// The pod lens's queries.
    pub(crate) lens: LensQueries,
}

/// `basic_auth = { username = "...", password = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BasicAuth {
    pub(crate) username: String,
    pub(crate) password: Secret,
}

/// A credential that never shows up in `Debug` output or logs.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// How the client authenticates, once the configuration has been checked.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    None,
    Basic { username: String, password: Secret },
    Bearer(Secret),
}

impl Settings {
    /// The checks that involve more than one key.
    pub(crate) fn auth(&self) -> Result<Auth, PluginError> {
        match (&self.basic_auth, &self.bearer_token) {
            (Some(_), Some(_)) => Err(PluginError::Config(
                "plugins.prometheus.config: set basic_auth or bearer_token, not both".to_owned(),
            )),
            (Some(basic), None) => Ok(Auth::Basic {
                username: basic.username.clone(),
                password: basic.password.clone(),
            }),
            (None, Some(token)) => Ok(Auth::Bearer(token.clone())),
            (None, None) => Ok(Auth::None),
        }
    }

    /// The refresh interval of the TUI view.
    pub(crate) fn refresh(&self) -> Duration {
        self.refresh.unwrap_or(DEFAULT_REFRESH)
    }
}

/// The server URL when no `--url` is given (`cli.rs` lets the flag win):
/// the configuration, else `PROMETHEUS_URL` when set and not blank, else
/// [`DEFAULT_URL`].
pub(crate) fn resolve_url(config: Option<&str>, env: Option<String>) -> String {
    config
        .map(str::to_owned)
        .or_else(|| env.filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// Checks that `url` is an absolute http(s) URL with a host, and returns it
/// without a trailing slash (so messages show what the operator typed).
pub(crate) fn check_url(url: &str) -> Result<String, PromError> {
    let invalid = |reason: &str| PromError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = url::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL cannot have a query or a fragment"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Parses a duration flag or key: humantime (`1m30s`) or plain seconds (`90`, `0.5`).
pub(crate) fn parse_duration(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    let duration = match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
        Ok(_) => return Err(format!("{input:?} is not a duration")),
        Err(_) => humantime::parse_duration(text)
            .map_err(|e| format!("{input:?} is not a duration ({e}); try 30s, 5m or 1h30m"))?,
    };
    if duration.is_zero() {
        return Err(format!("{input:?} must be longer than zero"));
    }
    Ok(duration)
}

/// A duration key; its errors start with the key's name, which the TOML
/// position alone does not say.
fn de_duration<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("{key}: {e}")))
}

fn de_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d, "timeout")
}

fn de_refresh<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d, "refresh")
}

fn de_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    check_url(&text).map(Some).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use vcli_plugin_api::PluginConfig;

    use super::*;

    #[test]
    fn full_table_parses() {
        let config = PluginConfig::from_toml(
            "url = \"https://prom.example.com/p/\"\ntimeout = \"5s\"\nrefresh = \"1m\"\n\
             basic_auth = { username = \"ops\", password = \"hunter2\" }\n",
        );
        let settings: Settings = config.parse().unwrap();
        assert_eq!(settings.url.as_deref(), Some("https://prom.example.com/p"));
        assert_eq!(settings.timeout, Some(Duration::from_secs(5)));
        assert_eq!(settings.refresh(), Duration::from_secs(60));
        assert!(matches!(settings.auth().unwrap(), Auth::Basic { .. }));
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn mistakes_point_at_the_line() {
        let config = PluginConfig::from_toml("url = \"http://x\"\ntimeout = \"soon\"\n");
        let err = config.parse::<Settings>().unwrap_err().to_string();
        assert!(
            err.starts_with("<config>:2:11: timeout: \"soon\" is not a duration"),
            "{err}"
        );
        let config = PluginConfig::from_toml("colour = true\n");
        let err = config.parse::<Settings>().unwrap_err().to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let config = PluginConfig::from_toml("url = \"localhost:9090\"\n");
        let err = config.parse::<Settings>().unwrap_err().to_string();
        assert!(err.contains("scheme must be http or https"), "{err}");
    }

    #[test]
    fn refresh_must_be_a_positive_duration_and_says_so() {
        for (value, why) in [
            ("0", "must be longer than zero"),
            ("0s", "must be longer than zero"),
            ("often", "is not a duration"),
        ] {
            let config = PluginConfig::from_toml(&format!("refresh = \"{value}\"\n"));
            let err = config.parse::<Settings>().unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("<config>:1:11: refresh: \"{value}\" {why}")),
                "{err}"
            );
        }
    }

    #[test]
    fn a_bad_lens_template_is_named_with_its_line() {
        let config = PluginConfig::from_toml(
            "[lens]\ncpu = \"sum(rate(cpu{pod=\\\"{pod}\\\"}[5m]))\"\nmemory = \"mem{pod=\\\"{name}\\\"}\"\n",
        );
        let err = config.parse::<Settings>().unwrap_err().to_string();
        assert!(
            err.starts_with("<config>:3:10: lens.memory: the query must match the pod"),
            "{err}"
        );
        let config = PluginConfig::from_toml("[lens]\ncolour = \"x\"\n");
        let err = config.parse::<Settings>().unwrap_err().to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let settings: Settings = PluginConfig::from_toml("").parse().unwrap();
        assert_eq!(settings.lens, LensQueries::default());
    }

    #[test]
    fn both_credentials_are_refused() {
        let config = PluginConfig::from_toml(
            "bearer_token = \"t\"\nbasic_auth = { username = \"u\", password = \"p\" }\n",
        );
        let settings: Settings = config.parse().unwrap();
        assert!(matches!(settings.auth(), Err(PluginError::Config(_))));
    }

    #[test]
    fn url_precedence() {
        let env = Some("http://env:9090".to_owned());
        assert_eq!(resolve_url(Some("http://cfg"), env.clone()), "http://cfg");
        assert_eq!(resolve_url(None, env), "http://env:9090");
        assert_eq!(resolve_url(None, Some(" ".into())), DEFAULT_URL);
        assert_eq!(resolve_url(None, None), DEFAULT_URL);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-3").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
