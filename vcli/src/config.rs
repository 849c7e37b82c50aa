//! The user's configuration file: where it lives, what it may say, and
//! `file:line:column` errors when it is wrong.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use vcli_plugin_api::{PluginConfig, line_column};

/// Why the configuration could not be used. Every variant exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// A duration written the human way in the file: `"30s"`, `"5m"`, `"1h 30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|e| {
                serde::de::Error::custom(format!(
                    "invalid duration {text:?}: {e} (write e.g. \"30s\", \"5m\")"
                ))
            })
    }
}

/// Settings of the plugin manager itself (`[manager]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagerSettings {
    /// Deadline for initialize, start and stop calls into a plugin.
    pub call_timeout: HumanDuration,
    /// How often the resource loop samples each plugin.
    pub resource_interval: HumanDuration,
    /// How long graceful shutdown may take in all.
    pub shutdown_timeout: HumanDuration,
    /// Deadline for a plugin command that finishes by itself (`get`,
    /// `query`); commands that follow a stream (`logs -f`) have none.
    pub command_timeout: HumanDuration,
}

impl Default for ManagerSettings {
    fn default() -> Self {
        ManagerSettings {
            call_timeout: HumanDuration(Duration::from_secs(10)),
            resource_interval: HumanDuration(Duration::from_secs(5)),
            shutdown_timeout: HumanDuration(Duration::from_secs(10)),
            command_timeout: HumanDuration(Duration::from_secs(300)),
        }
    }
}

/// What to do when a plugin fails or its probe says it is unhealthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Leave it failed.
    Never,
    /// Rebuild it, with exponential backoff, until it crashes too often.
    OnFailure,
}

/// Health probe settings (`[plugins.NAME.health]`), modelled on Kubernetes probes.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeSettings {
    /// Time between checks.
    pub period: HumanDuration,
    /// How long one check may take before it counts as a failure.
    pub timeout: HumanDuration,
    /// Consecutive failures before the plugin is declared unhealthy.
    pub failure_threshold: NonZeroU32,
    /// Consecutive successes before an unhealthy plugin is healthy again.
    pub success_threshold: NonZeroU32,
    /// Grace period after start before the first check.
    pub initial_delay: HumanDuration,
    /// What to do on failure.
    pub restart: RestartPolicy,
    /// First restart delay; doubles with each restart.
    pub backoff: HumanDuration,
    /// Longest restart delay.
    pub max_backoff: HumanDuration,
    /// Crashes within `crash_window` that quarantine the plugin.
    pub crash_limit: NonZeroU32,
    /// The window for `crash_limit`.
    pub crash_window: HumanDuration,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            period: HumanDuration(Duration::from_secs(30)),
            timeout: HumanDuration(Duration::from_secs(5)),
            failure_threshold: NonZeroU32::new(3).expect("3 is not zero"),
            success_threshold: NonZeroU32::MIN,
            initial_delay: HumanDuration(Duration::from_secs(10)),
            restart: RestartPolicy::Never,
            backoff: HumanDuration(Duration::from_secs(1)),
            max_backoff: HumanDuration(Duration::from_secs(300)),
            crash_limit: NonZeroU32::new(3).expect("3 is not zero"),
            crash_window: HumanDuration(Duration::from_secs(300)),
        }
    }
}

/// One `[plugins.NAME]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginSettings {
    /// Whether the plugin runs at all.
    pub enabled: bool,
    /// Its health probe.
    pub health: ProbeSettings,
    /// Capabilities and scopes the sandbox grants it.
    pub policy: crate::policy::CapabilityPolicy,
    /// Its resource budgets.
    pub limits: crate::policy::Limits,
    /// When violations terminate it.
    pub violations: crate::policy::ViolationPolicy,
    /// Its own table, parsed by the plugin (kept as raw TOML here).
    pub config: Option<toml::Table>,
}

impl Default for PluginSettings {
    fn default() -> Self {
        PluginSettings {
            enabled: true,
            health: ProbeSettings::default(),
            policy: Default::default(),
            limits: Default::default(),
            violations: Default::default(),
            config: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileSchema {
    manager: ManagerSettings,
    policy: crate::policy::GlobalPolicy,
    plugins: BTreeMap<toml::Spanned<String>, PluginSettings>,
}

/// The loaded configuration: manager settings and per-plugin sections.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from, if from a file.
    pub path: Option<PathBuf>,
    text: Arc<str>,
    /// `[manager]`.
    pub manager: ManagerSettings,
    /// `[policy]`.
    pub policy: crate::policy::GlobalPolicy,
    plugins: BTreeMap<String, (PluginSettings, usize)>,
}

impl Config {
    /// The default location: `$XDG_CONFIG_HOME/vcli/config.toml` on Linux.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "vcli").map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads the file at `explicit` (from `--config` or `VCLI_CONFIG`), which
    /// must exist, or else the default file, which may be absent.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when a file cannot be read or is invalid.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match Config::default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(Some(&path), &text),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses configuration text; `path` is used in error messages.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] with the line and column of the problem.
    pub fn parse(path: Option<&Path>, text: &str) -> Result<Config, ConfigError> {
        let shown = path.map_or_else(|| PathBuf::from("<config>"), Path::to_path_buf);
        let schema: FileSchema = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
            ConfigError::Invalid {
                path: shown.clone(),
                line,
                column,
                message: e.message().trim_end().to_owned(),
            }
        })?;
        let plugins = schema
            .plugins
            .into_iter()
            .map(|(name, settings)| {
                let line = line_column(text, name.span().start).0;
                (name.into_inner(), (settings, line))
            })
            .collect();
        Ok(Config {
            path: path.map(Path::to_path_buf),
            text: text.into(),
            manager: schema.manager,
            policy: schema.policy,
            plugins,
        })
    }

    /// The settings for plugin `name` (defaults when it has no section).
    pub fn plugin(&self, name: &str) -> PluginSettings {
        self.plugins
            .get(name)
            .map(|(s, _)| s.clone())
            .unwrap_or_default()
    }

    /// The plugin's own table, ready for the plugin to parse with locations.
    pub fn plugin_config(&self, name: &str) -> PluginConfig {
        if self
            .plugins
            .get(name)
            .is_some_and(|(s, _)| s.config.is_some())
        {
            PluginConfig::from_document(
                self.path.as_deref(),
                self.text.clone(),
                &["plugins", name, "config"],
            )
        } else {
            PluginConfig::empty()
        }
    }

    /// Sections naming plugins that are not linked, as `file:line: ...` warnings.
    pub fn unknown_plugins<'a>(&'a self, linked: &'a [&str]) -> impl Iterator<Item = String> + 'a {
        self.plugins.iter().filter(|(name, _)| !linked.contains(&name.as_str())).map(
            move |(name, (_, line))| {
                let path = self.path.as_ref().map_or_else(|| "<config>".to_owned(), |p| p.display().to_string());
                format!(
                    "{path}:{line}: [plugins.{name}] configures a plugin that is not linked into this binary (linked: {})",
                    linked.join(", ")
                )
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_a_file() {
        let config = Config::parse(None, "").unwrap();
        assert_eq!(config.manager.call_timeout.0, Duration::from_secs(10));
        let plugin = config.plugin("anything");
        assert!(plugin.enabled);
        assert_eq!(plugin.health.failure_threshold.get(), 3);
        assert_eq!(plugin.health.success_threshold.get(), 1);
        assert_eq!(plugin.health.period.0, Duration::from_secs(30));
    }

    #[test]
    fn reads_plugin_sections() {
        let text = "[manager]\ncall_timeout = \"2s\"\n\n[plugins.demo]\nenabled = false\n[plugins.demo.health]\nperiod = \"1m\"\nrestart = \"on-failure\"\n";
        let config = Config::parse(None, text).unwrap();
        assert_eq!(config.manager.call_timeout.0, Duration::from_secs(2));
        let demo = config.plugin("demo");
        assert!(!demo.enabled);
        assert_eq!(demo.health.period.0, Duration::from_secs(60));
        assert_eq!(demo.health.restart, RestartPolicy::OnFailure);
    }

    #[test]
    fn errors_carry_file_line_and_column() {
        let text =
            "[manager]\ncall_timeout = \"2s\"\n\n[plugins.demo.health]\nfailure_threshold = 0\n";
        let err = Config::parse(Some(Path::new("vcli.toml")), text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("vcli.toml:5:21: "), "{err}");
        assert!(err.contains("nonzero"), "{err}");

        let err = Config::parse(
            Some(Path::new("vcli.toml")),
            "[manager]\ncall_timeout = \"soon\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("vcli.toml:2:16: invalid duration \"soon\""),
            "{err}"
        );

        let err = Config::parse(Some(Path::new("vcli.toml")), "[manager]\ncolour = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("vcli.toml:2:1: unknown field `colour`"),
            "{err}"
        );

        let err = Config::parse(Some(Path::new("vcli.toml")), "[manager\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("vcli.toml:1:"), "{err}");
    }

    #[test]
    fn unknown_plugin_sections_are_reported_with_their_line() {
        let config = Config::parse(
            Some(Path::new("c.toml")),
            "\n[plugins.ghost]\nenabled = true\n",
        )
        .unwrap();
        let warnings: Vec<String> = config.unknown_plugins(&["kubernetes"]).collect();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("c.toml:2: [plugins.ghost]"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn plugin_table_errors_point_into_the_file() {
        let text = "[plugins.demo.config]\nurl = 5\n";
        let config = Config::parse(Some(Path::new("c.toml")), text).unwrap();
        #[derive(Debug, Deserialize)]
        #[allow(dead_code, reason = "the field exists only to be deserialized")]
        struct Demo {
            url: String,
        }
        let err = config
            .plugin_config("demo")
            .parse::<Demo>()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:2:7: "), "{err}");
    }
}
