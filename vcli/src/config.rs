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
    /// The file is larger than any configuration has reason to be.
    #[error("config file {path} is {size} bytes, over the limit of {limit} bytes (1 MiB)", limit = MAX_CONFIG_BYTES)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size, or the limit plus one when it was found while reading.
        size: u64,
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

/// The largest configuration file read. Real ones are a few KiB; the bound
/// keeps a mistaken path (a log, a disk image) from costing seconds and
/// hundreds of MiB before it fails to parse.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A duration of more than zero written the human way in the file: `"30s"`,
/// `"5m"`, `"1h 30m"`. Every period, interval, timeout and window is one: a
/// zero would mean a busy loop or a deadline already missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (text, duration) = parse_duration(deserializer)?;
        if duration.is_zero() {
            return Err(serde::de::Error::custom(format!(
                "must be more than 0, got {text:?}"
            )));
        }
        Ok(HumanDuration(duration))
    }
}

fn parse_duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<(String, Duration), D::Error> {
    let text = String::deserialize(deserializer)?;
    match humantime::parse_duration(&text) {
        Ok(duration) => Ok((text, duration)),
        Err(e) => Err(serde::de::Error::custom(format!(
            "invalid duration {text:?}: {e} (write e.g. \"30s\", \"5m\")"
        ))),
    }
}

/// A grace period, where zero is meaningful ("no grace"): `initial_delay`.
fn grace<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HumanDuration, D::Error> {
    parse_duration(deserializer).map(|(_, duration)| HumanDuration(duration))
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
    /// Grace period after start before the first check (may be zero).
    #[serde(deserialize_with = "grace")]
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

/// `[registry]`: where `vcli registry` finds plugin source crates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrySettings {
    /// A directory of plugin crates or the URL of an index; `--registry`
    /// and `VCLI_REGISTRY` override it.
    pub url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileSchema {
    manager: ManagerSettings,
    policy: crate::policy::GlobalPolicy,
    registry: RegistrySettings,
    plugins: BTreeMap<toml::Spanned<String>, PluginSettings>,
    tui: crate::tui::RawTuiSettings,
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
    /// `[tui]`.
    pub tui: crate::tui::TuiSettings,
    /// `[registry]`.
    pub registry: RegistrySettings,
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
        match read_bounded(&path) {
            Ok(bytes) => Config::parse_bytes(&path, &bytes),
            Err(ConfigError::Read { source, .. })
                if !required && source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(Config::default())
            }
            Err(e) => Err(e),
        }
    }

    /// Parses the bytes of the file at `path`, which must be UTF-8.
    fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Config, ConfigError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Config::parse(Some(path), text),
            Err(e) => {
                let good = &bytes[..e.valid_up_to()];
                // The prefix is valid UTF-8 by construction.
                let good = std::str::from_utf8(good).unwrap_or_default();
                let (line, column) = line_column(good, good.len());
                Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!(
                        "not UTF-8 text (byte 0x{:02x}); save the file as UTF-8",
                        bytes[e.valid_up_to()]
                    ),
                })
            }
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
            let message = e.message().trim_end();
            ConfigError::Invalid {
                path: shown.clone(),
                line,
                column,
                message: match e.span().and_then(|s| key_at(text, s.start)) {
                    Some(key) => format!("{key}: {message}"),
                    None => message.to_owned(),
                },
            }
        })?;
        let tui = schema.tui.check().map_err(|e| {
            let (line, column) = line_column(text, e.at);
            ConfigError::Invalid {
                path: shown.clone(),
                line,
                column,
                message: format!("{}: {}", e.key, e.message),
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
            tui,
            registry: schema.registry,
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

/// Reads at most [`MAX_CONFIG_BYTES`] of the file, refusing a larger one
/// from its metadata before reading, and while reading when the metadata
/// did not tell (a pipe, a file that grows).
fn read_bounded(path: &Path) -> Result<Vec<u8>, ConfigError> {
    use std::io::Read;
    let read_error = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let too_large = |size| ConfigError::TooLarge {
        path: path.to_path_buf(),
        size,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    if size > MAX_CONFIG_BYTES {
        return Err(too_large(size));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(MAX_CONFIG_BYTES + 1));
    }
    Ok(bytes)
}

/// The dotted key (`plugins.demo.limits.cpu`, `...network_hosts[1]`) of the
/// value that holds byte `offset`, when that value is not a table: errors
/// about a value get its key, errors about a key or a table (an unknown
/// field) already name it.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut table = doc.into_inner();
    let mut key = String::new();
    loop {
        // Tables made by headers have spans that need not cover their keys,
        // so a table is searched by its content, a leaf by its span.
        let (name, value) = table.into_iter().find(|(_, v)| value_holds(v, offset))?;
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(name.get_ref());
        match value.into_inner() {
            toml::de::DeValue::Table(inner) => table = inner,
            toml::de::DeValue::Array(items) => {
                if let Some(i) = items.iter().position(|item| item.span().contains(&offset)) {
                    key.push_str(&format!("[{i}]"));
                }
                return Some(key);
            }
            _ => return Some(key),
        }
    }
}

/// Whether a leaf inside `value` (or `value` itself) holds byte `offset`.
fn value_holds(value: &toml::Spanned<toml::de::DeValue<'_>>, offset: usize) -> bool {
    match value.get_ref() {
        toml::de::DeValue::Table(table) => table.values().any(|v| value_holds(v, offset)),
        _ => value.span().contains(&offset),
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
    fn tui_key_conflicts_point_at_the_binding() {
        let text = "[tui]\ntheme = \"light\"\n[tui.keys]\nquit = \"ctrl-q\"\nhelp = \"/\"\n";
        let err = Config::parse(Some(Path::new("c.toml")), text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.toml:5:8: tui.keys.help: / is already bound to filter; bind filter to another key too"
        );
        let ok = Config::parse(None, "[tui.keys]\nquit = \"ctrl-q\"\nfilter = \"f\"\n").unwrap();
        assert_eq!(ok.tui.keys.key_of(crate::tui::keys::Action::Quit), "Ctrl-q");
        let err =
            Config::parse(Some(Path::new("c.toml")), "[tui]\ntheme = \"solarized\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.toml:2:9: tui.theme: unknown variant `solarized`"),
            "{err}"
        );
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
            err.starts_with("vcli.toml:2:16: manager.call_timeout: invalid duration \"soon\""),
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

    fn error(text: &str) -> String {
        Config::parse(Some(Path::new("config.toml")), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn values_are_checked_for_meaning_with_their_key() {
        let cores = crate::policy::cores();
        let limits = "[plugins.demo]\nenabled = true\n\n[plugins.demo.limits]\n\n# a comment\n";
        for (value, got) in [
            ("-1", "-1"),
            ("nan", "NaN"),
            ("0", "0"),
            ("1e9", "1000000000"),
        ] {
            assert_eq!(
                error(&format!("{limits}cpu = {value}\n")),
                format!(
                    "config.toml:7:7: plugins.demo.limits.cpu: must be more than 0 and at most {cores} (cores on this machine), got {got}"
                )
            );
        }
        assert_eq!(
            error("[plugins.demo.limits]\nmemory = \"0B\"\n"),
            "config.toml:2:10: plugins.demo.limits.memory: must be more than 0 bytes, got 0 B"
        );
        assert_eq!(
            error("[plugins.demo.limits]\nnetwork_rate = \"0KiB\"\n"),
            "config.toml:2:16: plugins.demo.limits.network_rate: must be more than 0 bytes, got 0 B"
        );
        assert_eq!(
            error("[plugins.demo.limits]\ntasks = 0\n"),
            "config.toml:2:9: plugins.demo.limits.tasks: must be at least 1, got 0"
        );
        assert_eq!(
            error("[plugins.demo.policy]\nfilesystem_roots = [\"/srv\", \"data\"]\n"),
            "config.toml:2:29: plugins.demo.policy.filesystem_roots[1]: must be an absolute path, got \"data\""
        );
        assert!(
            error("[plugins.demo.policy]\nnetwork_hosts = [\"::::\", \"\"]\n").starts_with(
                "config.toml:2:18: plugins.demo.policy.network_hosts[0]: invalid host pattern \"::::\": an IPv6 address must be in brackets"
            )
        );
        assert!(
            error("[plugins.demo.policy]\nnetwork_hosts = [\"ok\", \"\"]\n").starts_with(
                "config.toml:2:24: plugins.demo.policy.network_hosts[1]: invalid host pattern \"\": it is empty"
            )
        );
        let limits = Config::parse(
            None,
            "[plugins.demo.limits]\ncpu = 0.5\nmemory = \"1MiB\"\ntasks = 1\n",
        )
        .unwrap()
        .plugin("demo")
        .limits;
        assert_eq!((limits.cpu, limits.tasks), (Some(0.5), 1));
    }

    #[test]
    fn every_period_interval_and_timeout_is_more_than_zero() {
        for key in [
            "call_timeout",
            "resource_interval",
            "shutdown_timeout",
            "command_timeout",
        ] {
            assert_eq!(
                error(&format!("[manager]\n{key} = \"0s\"\n")),
                format!(
                    "config.toml:2:{}: manager.{key}: must be more than 0, got \"0s\"",
                    key.len() + 4
                )
            );
        }
        for key in [
            "period",
            "timeout",
            "backoff",
            "max_backoff",
            "crash_window",
        ] {
            assert_eq!(
                error(&format!("[plugins.demo.health]\n{key} = \"0s\"\n")),
                format!(
                    "config.toml:2:{}: plugins.demo.health.{key}: must be more than 0, got \"0s\"",
                    key.len() + 4
                )
            );
        }
        assert_eq!(
            error("[plugins.demo.violations]\nwindow = \"0ms\"\n"),
            "config.toml:2:10: plugins.demo.violations.window: must be more than 0, got \"0ms\""
        );
        // The start-up grace may be none at all.
        let config =
            Config::parse(None, "[plugins.demo.health]\ninitial_delay = \"0s\"\n").unwrap();
        assert_eq!(config.plugin("demo").health.initial_delay.0, Duration::ZERO);
    }

    fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vcli-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_at_the_first_bad_byte() {
        let path = temp_file("latin1.toml", b"[manager]\n# caf\xe9\n");
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}:2:6: not UTF-8 text (byte 0xe9); save the file as UTF-8",
                path.display()
            )
        );
    }

    #[test]
    fn a_file_over_one_mib_is_refused_before_it_is_read() {
        let ok = temp_file("exact.toml", &vec![b'\n'; 1024 * 1024]);
        assert!(Config::load(Some(&ok)).is_ok());
        let big = temp_file("big.toml", &vec![b'\n'; 1024 * 1024 + 1]);
        assert_eq!(
            Config::load(Some(&big)).unwrap_err().to_string(),
            format!(
                "config file {} is 1048577 bytes, over the limit of 1048576 bytes (1 MiB)",
                big.display()
            )
        );
    }
}
