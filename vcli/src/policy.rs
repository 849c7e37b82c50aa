//! The sandbox policy: which capabilities each plugin is granted, in what
//! scope, within which resource limits, and how many violations it may
//! commit before it is terminated.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use vcli_plugin_api::{Capability, Metadata};

use crate::config::HumanDuration;

/// What happens to a capability a plugin declares but the policy does not mention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefaultGrant {
    /// Grant what the plugin declares (convenient for first-party plugins).
    #[default]
    Declared,
    /// Deny it: every capability must be listed in `grant`.
    Deny,
}

/// `[policy]`: settings for all plugins.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlobalPolicy {
    /// The default for unmentioned capabilities.
    pub default: DefaultGrant,
}

/// `[plugins.NAME.policy]`: capabilities and their scopes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CapabilityPolicy {
    /// Capabilities granted explicitly.
    pub grant: Vec<Capability>,
    /// Capabilities denied, whatever else says.
    pub deny: Vec<Capability>,
    /// Hosts the plugin may connect to: `host`, `host:port`, `*.domain`;
    /// empty means any host.
    #[serde(deserialize_with = "host_patterns")]
    pub network_hosts: Vec<String>,
    /// Directories the filesystem service is rooted in (absolute).
    #[serde(deserialize_with = "absolute_paths")]
    pub filesystem_roots: Vec<PathBuf>,
}

/// `[plugins.NAME.limits]`: resource budgets.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Bytes the plugin may have allocated; over it the plugin is terminated.
    #[serde(deserialize_with = "positive_size")]
    pub memory: Option<bytesize::ByteSize>,
    /// Share of one core the plugin may spend polling; over it is a violation.
    #[serde(deserialize_with = "cpu_share")]
    pub cpu: Option<f64>,
    /// Live tasks spawned through the context; spawning past it is refused.
    #[serde(deserialize_with = "at_least_one")]
    pub tasks: usize,
    /// Network throughput in bytes per second (sent plus received).
    #[serde(deserialize_with = "positive_size")]
    pub network_rate: Option<bytesize::ByteSize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: None,
            cpu: None,
            tasks: 1024,
            network_rate: None,
        }
    }
}

// The checks below run while the file is deserialized, so a value that
// makes no sense fails with the line, column and key of the value, as a
// value of the wrong type does.

/// The cores this machine has: the most CPU one plugin can use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn cpu_share<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let share = f64::deserialize(deserializer)?;
    let cores = cores();
    #[allow(
        clippy::cast_precision_loss,
        reason = "a count of cores is far below 2^52"
    )]
    let most = cores as f64;
    if share.is_finite() && share > 0.0 && share <= most {
        Ok(Some(share))
    } else {
        Err(serde::de::Error::custom(format!(
            "must be more than 0 and at most {cores} (cores on this machine), got {share}"
        )))
    }
}

fn positive_size<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bytesize::ByteSize>, D::Error> {
    let size = bytesize::ByteSize::deserialize(deserializer)?;
    if size.as_u64() == 0 {
        return Err(serde::de::Error::custom(format!(
            "must be more than 0 bytes, got {size}"
        )));
    }
    Ok(Some(size))
}

fn at_least_one<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    match usize::deserialize(deserializer)? {
        0 => Err(serde::de::Error::custom("must be at least 1, got 0")),
        n => Ok(n),
    }
}

/// One `network_hosts` entry, checked when read: the entries are stored
/// as written and matched by [`host_matches`].
struct HostPattern(String);

impl<'de> Deserialize<'de> for HostPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CheckedStr("a host pattern", |text| {
            match check_host_pattern(text) {
                Ok(()) => Ok(HostPattern(text.to_owned())),
                Err(why) => Err(format!(
                    "invalid host pattern {text:?}: {why} (write a host, `*.domain` or an IPv6 address in brackets, each with an optional `:port`)"
                )),
            }
        }))
    }
}

/// A visitor that checks a string while it is visited: an error raised
/// there gets the span of the array entry, one raised after `String::
/// deserialize` returned gets only the span of the whole array.
struct CheckedStr<T>(&'static str, fn(&str) -> Result<T, String>);

impl<T> serde::de::Visitor<'_> for CheckedStr<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        (self.1)(text).map_err(E::custom)
    }
}

fn host_patterns<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let patterns = Vec::<HostPattern>::deserialize(deserializer)?;
    Ok(patterns.into_iter().map(|p| p.0).collect())
}

/// Why `rule` is not `host`, `*.domain`, `[ipv6]`, each with an optional `:port`.
fn check_host_pattern(rule: &str) -> Result<(), &'static str> {
    if rule.is_empty() {
        return Err("it is empty");
    }
    let (host, port) = if let Some(rest) = rule.strip_prefix('[') {
        let (address, after) = rest.split_once(']').ok_or("`[` without `]`")?;
        address
            .parse::<std::net::Ipv6Addr>()
            .map_err(|_| "not an IPv6 address between the brackets")?;
        if after.is_empty() {
            return Ok(());
        }
        (
            None,
            after
                .strip_prefix(':')
                .ok_or("only `:port` may follow `]`")?,
        )
    } else {
        match rule.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err("an IPv6 address must be in brackets, as in `[::1]:443`");
            }
            Some((host, port)) => (Some(host), port),
            None => return check_host_name(rule),
        }
    };
    match port.parse::<u16>() {
        Ok(p) if p > 0 => host.map_or(Ok(()), check_host_name),
        _ => Err("the port must be a number from 1 to 65535"),
    }
}

/// Why `host` is not a host name, an IPv4 address or `*.domain`.
fn check_host_name(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("the host is missing");
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err("a host is dot-separated letters, digits, `-` and `_`, with `*.` only in front")
    }
}

/// A `filesystem_roots` entry: relative roots would depend on the directory
/// vcli happens to be started from.
struct AbsolutePath(PathBuf);

impl<'de> Deserialize<'de> for AbsolutePath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CheckedStr("an absolute path", |text| {
            if Path::new(text).is_absolute() {
                Ok(AbsolutePath(PathBuf::from(text)))
            } else {
                Err(format!("must be an absolute path, got {text:?}"))
            }
        }))
    }
}

fn absolute_paths<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PathBuf>, D::Error> {
    let paths = Vec::<AbsolutePath>::deserialize(deserializer)?;
    Ok(paths.into_iter().map(|p| p.0).collect())
}

/// `[plugins.NAME.violations]`: when violations terminate a plugin.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViolationPolicy {
    /// Violations within `window` that terminate the plugin.
    pub max: u32,
    /// The window.
    pub window: HumanDuration,
    /// Whether the restart policy may restart a terminated plugin.
    pub restart: bool,
}

impl Default for ViolationPolicy {
    fn default() -> Self {
        ViolationPolicy {
            max: 10,
            window: HumanDuration(Duration::from_secs(60)),
            restart: false,
        }
    }
}

/// A capability the policy refuses to a plugin that declares it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin {plugin:?} needs capability {capability}, which the policy denies; {fix}")]
pub struct Refusal {
    /// The plugin.
    pub plugin: String,
    /// The refused capability.
    pub capability: Capability,
    /// The config key to change.
    pub fix: String,
}

/// The capabilities `meta` declares as an operator reads them, optional
/// ones marked: `network, filesystem (optional)`.
pub fn declared(meta: &Metadata) -> Vec<String> {
    meta.capabilities
        .iter()
        .map(|c| {
            if meta.optional_capabilities.contains(c) {
                format!("{c} (optional)")
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl CapabilityPolicy {
    /// The capabilities granted to a plugin declaring `meta.capabilities`;
    /// optional ones the policy refuses are left out.
    ///
    /// # Errors
    ///
    /// The first required capability the policy refuses, with the key to change.
    pub fn grant(
        &self,
        global: &GlobalPolicy,
        meta: &Metadata,
    ) -> Result<Vec<Capability>, Refusal> {
        let mut granted = Vec::with_capacity(meta.capabilities.len());
        for &capability in meta.capabilities {
            let refusal = |fix: String| Refusal {
                plugin: meta.name.to_owned(),
                capability,
                fix,
            };
            // An optional capability the policy refuses is left out rather
            // than refusing the plugin: it runs without it.
            let refused = self.deny.contains(&capability)
                || (global.default == DefaultGrant::Deny && !self.grant.contains(&capability));
            if refused && meta.optional_capabilities.contains(&capability) {
                continue;
            }
            if self.deny.contains(&capability) {
                return Err(refusal(format!(
                    "remove \"{capability}\" from plugins.{}.policy.deny in the config file",
                    meta.name
                )));
            }
            if global.default == DefaultGrant::Deny && !self.grant.contains(&capability) {
                return Err(refusal(format!(
                    "add \"{capability}\" to plugins.{}.policy.grant in the config file",
                    meta.name
                )));
            }
            granted.push(capability);
        }
        Ok(granted)
    }

    /// Whether the network scope allows `host:port`.
    pub fn allows_host(&self, host: &str, port: u16) -> bool {
        self.network_hosts.is_empty()
            || self
                .network_hosts
                .iter()
                .any(|rule| host_matches(rule, host, port))
    }
}

/// Matches `host`, `host:port`, `*.domain` and `*.domain:port` rules.
fn host_matches(rule: &str, host: &str, port: u16) -> bool {
    let (pattern, rule_port) = match rule.rsplit_once(':') {
        Some((p, n)) if n.chars().all(|c| c.is_ascii_digit()) => (p, n.parse::<u16>().ok()),
        _ => (rule, None),
    };
    if rule_port.is_some_and(|p| p != port) {
        return false;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let pattern = pattern.trim_start_matches('[').trim_end_matches(']');
    match pattern.strip_prefix("*.") {
        Some(domain) => {
            host.len() > domain.len()
                && host.ends_with(domain)
                && host[..host.len() - domain.len()].ends_with('.')
        }
        None => pattern.eq_ignore_ascii_case(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_rules() {
        assert!(host_matches("localhost", "localhost", 9090));
        assert!(host_matches("localhost:9090", "localhost", 9090));
        assert!(!host_matches("localhost:9090", "localhost", 9091));
        assert!(host_matches("*.example.com", "api.example.com", 443));
        assert!(!host_matches("*.example.com", "example.com", 443));
        assert!(!host_matches("*.example.com", "evilexample.com", 443));
        assert!(host_matches("127.0.0.1", "127.0.0.1", 1));
        assert!(host_matches("[::1]:443", "[::1]", 443));
        assert!(host_matches("[::1]", "::1", 80));
        assert!(!host_matches("[::1]:443", "::1", 80));
    }

    #[test]
    fn host_patterns_are_checked() {
        for good in [
            "localhost",
            "localhost:9090",
            "*.example.com",
            "*.monitoring.svc:443",
            "127.0.0.1:9000",
            "[::1]",
            "[2001:db8::1]:443",
            "my_host-1.local",
        ] {
            assert_eq!(check_host_pattern(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "it is empty"),
            (
                "::::",
                "an IPv6 address must be in brackets, as in `[::1]:443`",
            ),
            (
                "::1",
                "an IPv6 address must be in brackets, as in `[::1]:443`",
            ),
            ("[::1", "`[` without `]`"),
            ("[nope]:1", "not an IPv6 address between the brackets"),
            ("[::1]x", "only `:port` may follow `]`"),
            ("host:", "the port must be a number from 1 to 65535"),
            ("host:0", "the port must be a number from 1 to 65535"),
            ("host:65536", "the port must be a number from 1 to 65535"),
            (":80", "the host is missing"),
            (
                "*",
                "a host is dot-separated letters, digits, `-` and `_`, with `*.` only in front",
            ),
            (
                "a.*.com",
                "a host is dot-separated letters, digits, `-` and `_`, with `*.` only in front",
            ),
            (
                "a..b",
                "a host is dot-separated letters, digits, `-` and `_`, with `*.` only in front",
            ),
            ("http://x", "the port must be a number from 1 to 65535"),
        ] {
            assert_eq!(check_host_pattern(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn grants_follow_the_default_and_the_deny_list() {
        let meta = Metadata::new("p", "1.0.0")
            .capabilities(&[Capability::Network, Capability::CliCommands]);
        let open = GlobalPolicy::default();
        let closed = GlobalPolicy {
            default: DefaultGrant::Deny,
        };
        assert_eq!(
            CapabilityPolicy::default()
                .grant(&open, &meta)
                .unwrap()
                .len(),
            2
        );
        let err = CapabilityPolicy::default()
            .grant(&closed, &meta)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "plugin \"p\" needs capability network, which the policy denies; add \"network\" to plugins.p.policy.grant in the config file"
        );
        let deny = CapabilityPolicy {
            deny: vec![Capability::CliCommands],
            ..Default::default()
        };
        assert!(
            deny.grant(&open, &meta)
                .unwrap_err()
                .fix
                .contains("plugins.p.policy.deny")
        );
    }

    #[test]
    fn an_optional_capability_refused_is_left_out_not_fatal() {
        let meta = Metadata::new("p", "1.0.0")
            .capabilities(&[Capability::Network, Capability::Filesystem])
            .optional_capabilities(&[Capability::Filesystem]);
        let closed = GlobalPolicy {
            default: DefaultGrant::Deny,
        };
        let network_only = CapabilityPolicy {
            grant: vec![Capability::Network],
            ..Default::default()
        };
        assert_eq!(
            network_only.grant(&closed, &meta).unwrap(),
            vec![Capability::Network]
        );
        let denied = CapabilityPolicy {
            deny: vec![Capability::Filesystem],
            ..Default::default()
        };
        assert_eq!(
            denied.grant(&GlobalPolicy::default(), &meta).unwrap(),
            vec![Capability::Network]
        );
        // Granted when the policy allows it, and still required ones refuse.
        assert_eq!(
            CapabilityPolicy::default()
                .grant(&GlobalPolicy::default(), &meta)
                .unwrap()
                .len(),
            2
        );
        assert!(CapabilityPolicy::default().grant(&closed, &meta).is_err());
    }
}
