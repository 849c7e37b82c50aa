//! The host's own commands: `plugins list|info|health`, `version`,
//! `completions`, `man`.

use std::io::Write;

use clap_complete::Shell;
use serde::Serialize;
use vcli_plugin_api::{HealthState, HealthStatus, LifecycleState};

use vcli_plugin_api::print::{Structured, Table, write_structured};

use super::args::PluginsCommand;
use super::{EXIT_FAILURE, Failure};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::manager::{Manager, PluginInfo};

pub(crate) fn plugins(
    catalog: &Catalog,
    config: Config,
    command: PluginsCommand,
) -> Result<(), Failure> {
    match command {
        PluginsCommand::List { json } => list(catalog, &config, json),
        PluginsCommand::Info { name, json } => info(catalog, config, &name, json),
        PluginsCommand::Health { name, json } => health(catalog, config, name.as_deref(), json),
        PluginsCommand::Violations { name, json } => {
            super::sandbox::violations(catalog, name.as_deref(), json)
        }
    }
}

/// Lists plugins from their static metadata alone: nothing is constructed,
/// so this is as fast as the process can start.
fn list(catalog: &Catalog, config: &Config, json: bool) -> Result<(), Failure> {
    let manager = Manager::new(catalog.clone(), config.clone());
    let infos = manager.list();
    let mut out = std::io::stdout().lock();
    if json {
        #[derive(Serialize)]
        struct Row<'a> {
            name: &'a str,
            version: &'a str,
            command: Option<&'a str>,
            enabled: bool,
            capabilities: &'a [vcli_plugin_api::Capability],
            dependencies: &'a [vcli_plugin_api::Dependency],
            description: &'a str,
        }
        let rows: Vec<Row<'_>> = infos
            .iter()
            .map(|i| Row {
                name: i.name,
                version: i.version,
                command: i.command,
                enabled: i.enabled,
                capabilities: i.capabilities,
                dependencies: i.dependencies,
                description: i.description,
            })
            .collect();
        write_structured(&mut out, Structured::Json, &rows)?;
        return Ok(());
    }
    let mut table = Table::new(["NAME", "VERSION", "COMMAND", "ENABLED", "DESCRIPTION"]);
    for i in &infos {
        table.row([
            i.name.to_owned(),
            i.version.to_owned(),
            i.command.unwrap_or("-").to_owned(),
            i.enabled.to_string(),
            i.description.to_owned(),
        ]);
    }
    out.write_all(table.render(false).as_bytes())?;
    Ok(())
}

fn info(catalog: &Catalog, config: Config, name: &str, json: bool) -> Result<(), Failure> {
    let registration = catalog
        .get(name)
        .map_err(|e| Failure::new(EXIT_FAILURE, e.to_string()))?;
    let settings = config.plugin(name);
    let manager = Manager::new(catalog.clone(), config);
    let granted = manager.granted(name);
    // Usage exists only while an instance lives: initialize the plugin (and
    // nothing else), sample what it holds, and shut it down again.
    let runtime = super::plugin::runtime()?;
    let loaded = runtime.block_on(async {
        let loaded = if settings.enabled {
            manager.prepare_for_command(name).await.map(|_| ())
        } else {
            Ok(())
        };
        let usage = manager.update_resources(name);
        manager.shutdown().await;
        super::sandbox::persist(&manager);
        loaded.and(usage)
    });
    super::plugin::close(runtime);
    let info = manager.get(name)?;
    let meta = registration.metadata();
    let mut out = std::io::stdout().lock();
    if json {
        let doc = serde_json::json!({
            "plugin": info,
            "granted": granted.as_ref().ok(),
            "refused": granted.as_ref().err().map(ToString::to_string),
            "limits": {
                "memory_bytes": settings.limits.memory.map(|m| m.as_u64()),
                "cpu_share": settings.limits.cpu,
                "tasks": settings.limits.tasks,
                "network_bytes_per_second": settings.limits.network_rate.map(|r| r.as_u64()),
            },
            "usage_after_initialize": loaded.as_ref().ok(),
        });
        write_structured(&mut out, Structured::Json, &doc)?;
        return Ok(());
    }
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "<none>".to_owned()
        } else {
            items.join(", ")
        }
    };
    let probe = &settings.health;
    writeln!(out, "Name:            {}", meta.name)?;
    writeln!(out, "Version:         {}", meta.version)?;
    writeln!(out, "Description:     {}", meta.description)?;
    writeln!(
        out,
        "Authors:         {}",
        list(meta.authors.iter().map(|s| (*s).to_owned()).collect())
    )?;
    writeln!(
        out,
        "Tags:            {}",
        list(meta.tags.iter().map(|s| (*s).to_owned()).collect())
    )?;
    writeln!(
        out,
        "Command:         {}",
        meta.command
            .map_or_else(|| "<none>".to_owned(), |c| format!("vcli {c}"))
    )?;
    writeln!(
        out,
        "Plugin API:      compiled against {}, requires {}",
        meta.api_version, meta.api_requirement
    )?;
    writeln!(
        out,
        "Dependencies:    {}",
        list(
            info.dependencies
                .iter()
                .map(|d| format!("{} {}", d.name, d.version))
                .collect()
        )
    )?;
    writeln!(
        out,
        "Capabilities:    {}",
        list(crate::policy::declared(meta))
    )?;
    writeln!(out, "Enabled:         {}", settings.enabled)?;
    match &granted {
        Ok(caps) => writeln!(
            out,
            "Granted:         {}",
            list(caps.iter().map(ToString::to_string).collect())
        )?,
        Err(refusal) => writeln!(out, "Granted:         REFUSED: {refusal}")?,
    }
    writeln!(
        out,
        "Denied:          {}",
        list(
            settings
                .policy
                .deny
                .iter()
                .map(ToString::to_string)
                .collect()
        )
    )?;
    let hosts = &settings.policy.network_hosts;
    writeln!(
        out,
        "Network scope:   {}",
        if hosts.is_empty() {
            "any host".to_owned()
        } else {
            hosts.join(", ")
        }
    )?;
    let mut files: Vec<String> = settings
        .policy
        .filesystem_roots
        .iter()
        .map(|r| r.display().to_string())
        .collect();
    if granted
        .as_ref()
        .is_ok_and(|caps| caps.contains(&vcli_plugin_api::Capability::Filesystem))
        && let Some(cache) = crate::dirs::plugin_cache_dir(meta.name)
    {
        files.push(format!("{} (its own cache)", cache.display()));
    }
    writeln!(out, "Files:           {}", list(files))?;
    let limits = &settings.limits;
    writeln!(
        out,
        "Limits:          memory {}, cpu {}, tasks {}, network {}",
        limits
            .memory
            .map_or_else(|| "unlimited".to_owned(), |m| m.to_string()),
        limits.cpu.map_or_else(
            || "unlimited".to_owned(),
            |c| format!("{:.0}% of a core", c * 100.0)
        ),
        limits.tasks,
        limits
            .network_rate
            .map_or_else(|| "unlimited".to_owned(), |r| format!("{r}/s")),
    )?;
    match &loaded {
        Ok(usage) => writeln!(
            out,
            "Usage:           after initialize: memory {}, tasks {}, polled {}, network {} sent / {} received",
            usage.memory_bytes.map_or_else(
                || "not measured".to_owned(),
                |m| bytesize::ByteSize::b(u64::try_from(m).unwrap_or(0)).to_string()
            ),
            usage.live_tasks,
            humantime::format_duration(usage.poll_time),
            bytesize::ByteSize::b(usage.bytes_sent),
            bytesize::ByteSize::b(usage.bytes_received),
        )?,
        Err(e) => writeln!(out, "Usage:           not available: {e}")?,
    }
    writeln!(
        out,
        "Health probe:    every {}, timeout {}, failure threshold {}, success threshold {}, start-up grace {}",
        humantime::format_duration(probe.period.0),
        humantime::format_duration(probe.timeout.0),
        probe.failure_threshold,
        probe.success_threshold,
        humantime::format_duration(probe.initial_delay.0),
    )?;
    writeln!(
        out,
        "Restart policy:  {}",
        match probe.restart {
            crate::config::RestartPolicy::Never => "never".to_owned(),
            crate::config::RestartPolicy::OnFailure => format!(
                "on-failure (backoff {} doubling to {}, quarantine after {} crashes in {})",
                humantime::format_duration(probe.backoff.0),
                humantime::format_duration(probe.max_backoff.0),
                probe.crash_limit,
                humantime::format_duration(probe.crash_window.0)
            ),
        }
    )?;
    Ok(())
}

/// Initializes the chosen plugins (dependencies included) and runs one
/// health check each, concurrently. Exits 1 if any is unhealthy or failed.
fn health(
    catalog: &Catalog,
    config: Config,
    only: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let names: Vec<String> = match only {
        Some(name) => vec![
            catalog
                .get(name)
                .map_err(|e| Failure::new(EXIT_FAILURE, e.to_string()))?
                .metadata()
                .name
                .to_owned(),
        ],
        None => catalog
            .iter()
            .filter(|r| config.plugin(r.metadata().name).enabled)
            .map(|r| r.metadata().name.to_owned())
            .collect(),
    };
    let manager = Manager::new(catalog.clone(), config);
    let runtime = super::plugin::runtime()?;
    let results: Vec<(PluginInfo, std::sync::Arc<HealthStatus>)> = runtime.block_on(async {
        let checks = names.iter().map(|name| {
            let manager = manager.clone();
            async move {
                let status = match manager.prepare_for_command(name).await {
                    Ok(_) => manager
                        .health_check_guarded(name)
                        .await
                        .unwrap_or_else(|e| HealthStatus::unhealthy(e.to_string()).into()),
                    Err(e) => HealthStatus::unhealthy(e.to_string()).into(),
                };
                let info = manager.get(name).ok();
                (info, status)
            }
        });
        let results = futures::future::join_all(checks).await;
        manager.shutdown().await;
        super::sandbox::persist(&manager);
        results
            .into_iter()
            .filter_map(|(info, status)| info.map(|i| (i, status)))
            .collect()
    });
    super::plugin::close(runtime);
    let mut out = std::io::stdout().lock();
    if json {
        #[derive(Serialize)]
        struct Row<'a> {
            name: &'a str,
            state: LifecycleState,
            health: &'a HealthStatus,
        }
        let rows: Vec<Row<'_>> = results
            .iter()
            .map(|(i, s)| Row {
                name: i.name,
                state: i.state,
                health: s,
            })
            .collect();
        write_structured(&mut out, Structured::Json, &rows)?;
    } else {
        let mut table = Table::new(["NAME", "STATE", "HEALTH", "MESSAGE"]);
        for (info, status) in &results {
            table.row([
                info.name.to_owned(),
                info.state.to_string(),
                status.state.to_string(),
                status.message.clone(),
            ]);
        }
        out.write_all(table.render(false).as_bytes())?;
    }
    let bad = results
        .iter()
        .filter(|(_, s)| s.state == HealthState::Unhealthy)
        .count();
    if bad > 0 {
        return Err(Failure::new(
            EXIT_FAILURE,
            format!("{bad} of {} plugins unhealthy", results.len()),
        ));
    }
    Ok(())
}

/// `k6 version` style: the host, the API, then every linked plugin.
pub(crate) fn version(catalog: &Catalog, json: bool) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    if json {
        let plugins: Vec<_> = catalog
            .iter()
            .map(
                |r| serde_json::json!({"name": r.metadata().name, "version": r.metadata().version}),
            )
            .collect();
        let doc = serde_json::json!({
            "vcli": env!("CARGO_PKG_VERSION"),
            "plugin_api": vcli_plugin_api::API_VERSION,
            "plugins": plugins,
        });
        write_structured(&mut out, Structured::Json, &doc)?;
        return Ok(());
    }
    writeln!(
        out,
        "vcli {} (plugin API {})",
        env!("CARGO_PKG_VERSION"),
        vcli_plugin_api::API_VERSION
    )?;
    if catalog.is_empty() {
        writeln!(out, "Plugins: none")?;
    } else {
        writeln!(out, "Plugins:")?;
        for r in catalog.iter() {
            let meta = r.metadata();
            writeln!(
                out,
                "  {} {}{}",
                meta.name,
                meta.version,
                meta.command
                    .map(|c| format!(" (vcli {c})"))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

pub(crate) fn completions(catalog: &Catalog, shell: Shell) -> Result<(), Failure> {
    let mut cmd = super::args::command(catalog, super::args::Detail::All);
    clap_complete::generate(shell, &mut cmd, "vcli", &mut std::io::stdout().lock());
    Ok(())
}

pub(crate) fn man(catalog: &Catalog) -> Result<(), Failure> {
    let cmd = super::args::command(catalog, super::args::Detail::All);
    clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock())?;
    Ok(())
}
