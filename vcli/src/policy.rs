//! The sandbox policy: which capabilities each plugin is granted, in what
//! scope, within which resource limits, and how many violations it may
//! commit before it is terminated.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
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
    pub network_hosts: Vec<String>,
    /// Directories the filesystem service is rooted in.
    pub filesystem_roots: Vec<PathBuf>,
}

/// `[plugins.NAME.limits]`: resource budgets.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Bytes the plugin may have allocated; over it the plugin is terminated.
    pub memory: Option<bytesize::ByteSize>,
    /// Share of one core the plugin may spend polling; over it is a violation.
    pub cpu: Option<f64>,
    /// Live tasks spawned through the context; spawning past it is refused.
    pub tasks: usize,
    /// Network throughput in bytes per second (sent plus received).
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

impl CapabilityPolicy {
    /// The capabilities granted to a plugin declaring `meta.capabilities`.
    ///
    /// # Errors
    ///
    /// The first declared capability the policy refuses, with the key to change.
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
}
