//! The sandbox on the command line: `vcli policy check`, `vcli plugins
//! violations`, and the state file that keeps violations across runs.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use vcli_plugin_api::print::{Structured, Table, write_structured};

use super::{EXIT_USAGE, Failure};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::manager::{Manager, VIOLATION_HISTORY};
use crate::policy::DefaultGrant;

/// One violation as stored in the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredViolation {
    /// RFC 3339, UTC.
    at: String,
    plugin: String,
    kind: String,
    message: String,
}

/// Where violations are kept between runs: `$VCLI_STATE_DIR`, else the
/// XDG state directory.
fn state_file() -> Option<PathBuf> {
    Some(crate::dirs::state_dir()?.join("violations.jsonl"))
}

fn read_stored(path: &Path) -> Vec<StoredViolation> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    // A damaged line (a crash mid-write) is skipped rather than losing the rest.
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Appends the violations `manager` recorded to the state file, keeping the
/// newest [`VIOLATION_HISTORY`] overall and per plugin.
pub(crate) fn persist(manager: &Manager) {
    let Ok(new) = manager.violations(None) else {
        return;
    };
    if new.is_empty() {
        return;
    }
    let Some(path) = state_file() else { return };
    let mut all = read_stored(&path);
    all.extend(new.iter().map(|v| {
        StoredViolation {
            at: humantime::format_rfc3339_seconds(v.at).to_string(),
            plugin: v.plugin.clone(),
            kind: serde_json::to_value(&v.kind)
                .ok()
                .and_then(|k| k["kind"].as_str().map(str::to_owned))
                .unwrap_or_default(),
            message: v.message.clone(),
        }
    }));
    // Keep an entry if it is among the newest overall or its plugin's newest.
    let mut per_plugin = std::collections::BTreeMap::<&str, usize>::new();
    let total = all.len();
    let keep: Vec<bool> = all
        .iter()
        .enumerate()
        .rev()
        .map(|(i, v)| {
            let count = per_plugin.entry(v.plugin.as_str()).or_default();
            *count += 1;
            total - i <= VIOLATION_HISTORY || *count <= VIOLATION_HISTORY
        })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let lines: String = all
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .filter_map(|(v, _)| serde_json::to_string(v).ok())
        .map(|l| l + "\n")
        .collect();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // Write a sibling and rename, so a reader never sees half a file.
    let tmp = path.with_extension("jsonl.tmp");
    if std::fs::write(&tmp, lines).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

pub(crate) fn violations(catalog: &Catalog, only: Option<&str>, json: bool) -> Result<(), Failure> {
    if let Some(name) = only {
        catalog
            .get(name)
            .map_err(|e| Failure::new(super::EXIT_FAILURE, e.to_string()))?;
    }
    let stored = state_file().map(|p| read_stored(&p)).unwrap_or_default();
    let mut shown: Vec<&StoredViolation> = stored
        .iter()
        .filter(|v| only.is_none_or(|n| v.plugin == n))
        .collect();
    let skip = shown.len().saturating_sub(VIOLATION_HISTORY);
    shown.drain(..skip);
    let mut out = std::io::stdout().lock();
    if json {
        write_structured(&mut out, Structured::Json, &shown)?;
        return Ok(());
    }
    if shown.is_empty() {
        writeln!(out, "No violations recorded.")?;
        return Ok(());
    }
    let mut table = Table::new(["TIME", "PLUGIN", "KIND", "MESSAGE"]);
    for v in shown {
        table.row([
            v.at.clone(),
            v.plugin.clone(),
            v.kind.clone(),
            v.message.clone(),
        ]);
    }
    out.write_all(table.render(false).as_bytes())?;
    Ok(())
}

/// Validates the policy and explains it plugin by plugin. Exits 2 if the
/// policy refuses a capability a linked plugin needs.
pub(crate) fn check(catalog: &Catalog, config: &Config) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let source = config.path.as_ref().map_or_else(
        || "built-in defaults".to_owned(),
        |p| p.display().to_string(),
    );
    writeln!(out, "Policy from {source}")?;
    writeln!(
        out,
        "Default: {}",
        match config.policy.default {
            DefaultGrant::Declared => "capabilities a plugin declares are granted unless denied",
            DefaultGrant::Deny => "only capabilities listed in `grant` are granted",
        }
    )?;
    let mut refused = Vec::new();
    for registration in catalog.iter() {
        let meta = registration.metadata();
        let settings = config.plugin(meta.name);
        writeln!(
            out,
            "\n{} {}{}",
            meta.name,
            meta.version,
            if settings.enabled { "" } else { " (disabled)" }
        )?;
        let names = |caps: &[vcli_plugin_api::Capability]| {
            if caps.is_empty() {
                "none".to_owned()
            } else {
                caps.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let needs = crate::policy::declared(meta);
        writeln!(
            out,
            "  needs:       {}",
            if needs.is_empty() {
                "none".to_owned()
            } else {
                needs.join(", ")
            }
        )?;
        let grant = settings.policy.grant(&config.policy, meta);
        match &grant {
            Ok(granted) => writeln!(out, "  granted:     {}", names(granted))?,
            Err(refusal) => {
                writeln!(
                    out,
                    "  REFUSED:     {} ({})",
                    refusal.capability, refusal.fix
                )?;
                refused.push(refusal.to_string());
            }
        }
        if !settings.policy.deny.is_empty() {
            writeln!(out, "  denied:      {}", names(&settings.policy.deny))?;
        }
        let hosts = &settings.policy.network_hosts;
        writeln!(
            out,
            "  network:     {}",
            if hosts.is_empty() {
                "any host".to_owned()
            } else {
                hosts.join(", ")
            }
        )?;
        let mut roots: Vec<String> = settings
            .policy
            .filesystem_roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        if grant
            .as_ref()
            .is_ok_and(|caps| caps.contains(&vcli_plugin_api::Capability::Filesystem))
            && let Some(cache) = crate::dirs::plugin_cache_dir(meta.name)
        {
            roots.push(format!("{} (its own cache)", cache.display()));
        }
        writeln!(
            out,
            "  files:       {}",
            if roots.is_empty() {
                "no directory".to_owned()
            } else {
                roots.join(", ")
            }
        )?;
        let limits = &settings.limits;
        writeln!(
            out,
            "  limits:      memory {}, cpu {}, tasks {}, network {}",
            limits.memory.map_or_else(
                || "unlimited".to_owned(),
                |m| format!("{m} (terminated above)")
            ),
            limits.cpu.map_or_else(
                || "unlimited".to_owned(),
                |c| format!("{:.0}% of a core (a violation above)", c * 100.0)
            ),
            limits.tasks,
            limits
                .network_rate
                .map_or_else(|| "unlimited".to_owned(), |r| format!("{r}/s")),
        )?;
        let v = &settings.violations;
        writeln!(
            out,
            "  violations:  {}, restart after termination: {}",
            if v.max == 0 {
                "never terminate".to_owned()
            } else {
                format!(
                    "terminate after {} within {}",
                    v.max,
                    humantime::format_duration(v.window.0)
                )
            },
            if v.restart { "yes" } else { "no" }
        )?;
    }
    if refused.is_empty() {
        writeln!(
            out,
            "\nOK: every enabled plugin can start under this policy."
        )?;
        Ok(())
    } else {
        Err(Failure::new(EXIT_USAGE, refused.join("\n")))
    }
}
