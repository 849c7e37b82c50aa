//! The `Containers:` and `Volumes:` sections of `describe`, for pods and
//! for the pod templates of deployments.

use k8s_openapi::api::core::v1::{Container, ContainerState, ContainerStatus, Probe, Volume};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::describe::Doc;
use crate::printers::rfc1123z;

/// A `Containers:` section; statuses are absent for a pod template.
pub(crate) fn containers(
    d: &mut Doc,
    level: usize,
    title: &str,
    list: &[Container],
    statuses: Option<&[ContainerStatus]>,
) {
    if list.is_empty() {
        d.line(level, &format!("{title}: <none>"));
        return;
    }
    d.line(level, &format!("{title}:"));
    for c in list {
        let status = statuses.and_then(|s| s.iter().find(|s| s.name == c.name));
        // Only the title moves with `level` (a pod template's is indented);
        // kubectl writes names and fields at fixed levels, the names of a
        // template's containers one space further in.
        let l = 1;
        d.line(
            l,
            &format!("{}{}:", if level > 0 { " " } else { "" }, c.name),
        );
        if let Some(s) = status {
            d.line(
                l + 1,
                &format!(
                    "Container ID:\t{}",
                    s.container_id.as_deref().unwrap_or_default()
                ),
            );
        }
        d.line(
            l + 1,
            &format!("Image:\t{}", c.image.as_deref().unwrap_or_default()),
        );
        if let Some(s) = status {
            d.line(l + 1, &format!("Image ID:\t{}", s.image_id));
        }
        let ports: Vec<String> = c
            .ports
            .iter()
            .flatten()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.container_port,
                    p.protocol.as_deref().unwrap_or("TCP")
                )
            })
            .collect();
        let host_ports: Vec<String> = c
            .ports
            .iter()
            .flatten()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.host_port.unwrap_or(0),
                    p.protocol.as_deref().unwrap_or("TCP")
                )
            })
            .collect();
        let plural = |one: &str, many: &str, v: &[String]| {
            let joined = v.join(", ");
            if joined.contains(',') {
                format!("{many}:\t{joined}")
            } else if joined.is_empty() {
                format!("{one}:\t<none>")
            } else {
                format!("{one}:\t{joined}")
            }
        };
        d.line(l + 1, &plural("Port", "Ports", &ports));
        d.line(l + 1, &plural("Host Port", "Host Ports", &host_ports));
        if let Some(rp) = &c.restart_policy {
            d.line(l + 1, &format!("Restart Policy:\t{rp}"));
        }
        for (title, words) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(words) = words.as_deref().filter(|w| !w.is_empty()) {
                d.line(l + 1, &format!("{title}:"));
                for line in words.iter().flat_map(|w| w.split('\n')) {
                    d.line(l + 2, line);
                }
            }
        }
        if let Some(s) = status {
            state(d, l + 1, "State", s.state.as_ref());
            if s.last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .is_some()
            {
                state(d, l + 1, "Last State", s.last_state.as_ref());
            }
            d.line(
                l + 1,
                &format!("Ready:\t{}", if s.ready { "True" } else { "False" }),
            );
            d.line(l + 1, &format!("Restart Count:\t{}", s.restart_count));
        }
        let resources = c.resources.clone().unwrap_or_default();
        for (title, map) in [
            ("Limits", resources.limits),
            ("Requests", resources.requests),
        ] {
            if let Some(map) = map.filter(|m| !m.is_empty()) {
                d.line(l + 1, &format!("{title}:"));
                for (k, v) in map {
                    d.line(l + 2, &format!("{k}:\t{}", v.0));
                }
            }
        }
        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                d.line(l + 1, &format!("{title}:\t{}", describe_probe(p)));
            }
        }
        environment(d, l + 1, c);
        let mut mounts = c.volume_mounts.clone().unwrap_or_default();
        if mounts.is_empty() {
            d.line(l + 1, "Mounts:\t<none>");
        } else {
            d.line(l + 1, "Mounts:");
            mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
            for m in mounts {
                let mut flags = vec![if m.read_only == Some(true) {
                    "ro".to_owned()
                } else {
                    "rw".to_owned()
                }];
                if let Some(sub) = m.sub_path.filter(|s| !s.is_empty()) {
                    flags.push(format!("path={sub:?}"));
                }
                d.line(
                    l + 2,
                    &format!("{} from {} ({})", m.mount_path, m.name, flags.join(",")),
                );
            }
        }
    }
}

fn environment(d: &mut Doc, level: usize, c: &Container) {
    let env = c.env.as_deref().unwrap_or_default();
    if env.is_empty() {
        d.line(level, "Environment:\t<none>");
        return;
    }
    d.line(level, "Environment:");
    for e in env {
        let Some(from) = &e.value_from else {
            for (i, part) in e
                .value
                .as_deref()
                .unwrap_or_default()
                .split('\n')
                .enumerate()
            {
                if i == 0 {
                    d.line(level + 1, &format!("{}:\t{part}", e.name));
                } else {
                    d.line(level + 1, &format!("\t{part}"));
                }
            }
            continue;
        };
        let text = if let Some(f) = &from.field_ref {
            format!("{}:\t (v1:{})", e.name, f.field_path)
        } else if let Some(r) = &from.resource_field_ref {
            format!(
                "{}:\t{} ({})",
                e.name,
                r.resource,
                r.container_name.as_deref().unwrap_or_default()
            )
        } else if let Some(s) = &from.secret_key_ref {
            format!(
                "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {}",
                e.name,
                s.key,
                s.name,
                s.optional == Some(true)
            )
        } else if let Some(cm) = &from.config_map_key_ref {
            format!(
                "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {}",
                e.name,
                cm.key,
                cm.name,
                cm.optional == Some(true)
            )
        } else {
            format!("{}:\t<unknown>", e.name)
        };
        d.line(level + 1, &text);
    }
}

fn state(d: &mut Doc, level: usize, title: &str, state: Option<&ContainerState>) {
    let state = state.cloned().unwrap_or_default();
    if let Some(r) = &state.running {
        d.line(level, &format!("{title}:\tRunning"));
        let started = r.started_at.as_ref().map(rfc1123z).unwrap_or_default();
        d.line(level + 1, &format!("Started:\t{started}"));
    } else if let Some(t) = &state.terminated {
        d.line(level, &format!("{title}:\tTerminated"));
        if let Some(r) = t.reason.as_deref().filter(|s| !s.is_empty()) {
            d.line(level + 1, &format!("Reason:\t{r}"));
        }
        if let Some(m) = t.message.as_deref().filter(|s| !s.is_empty()) {
            d.line(level + 1, &format!("Message:\t{m}"));
        }
        d.line(level + 1, &format!("Exit Code:\t{}", t.exit_code));
        if let Some(sig) = t.signal.filter(|s| *s > 0) {
            d.line(level + 1, &format!("Signal:\t{sig}"));
        }
        d.line(
            level + 1,
            &format!(
                "Started:\t{}",
                t.started_at.as_ref().map(rfc1123z).unwrap_or_default()
            ),
        );
        d.line(
            level + 1,
            &format!(
                "Finished:\t{}",
                t.finished_at.as_ref().map(rfc1123z).unwrap_or_default()
            ),
        );
    } else {
        d.line(level, &format!("{title}:\tWaiting"));
        if let Some(r) = state
            .waiting
            .and_then(|w| w.reason)
            .filter(|r| !r.is_empty())
        {
            d.line(level + 1, &format!("Reason:\t{r}"));
        }
    }
}

fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    if let Some(e) = &p.exec {
        format!(
            "exec [{}] {attrs}",
            e.command.clone().unwrap_or_default().join(" ")
        )
    } else if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_lowercase();
        let host = h.host.clone().unwrap_or_default();
        format!(
            "http-get {scheme}://{host}:{}{} {attrs}",
            int_or_string(&h.port),
            h.path.as_deref().unwrap_or_default()
        )
    } else if let Some(t) = &p.tcp_socket {
        format!(
            "tcp-socket {}:{} {attrs}",
            t.host.as_deref().unwrap_or_default(),
            int_or_string(&t.port)
        )
    } else if let Some(g) = &p.grpc {
        format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.as_deref().unwrap_or_default()
        )
    } else {
        format!("unknown {attrs}")
    }
}

/// The `Volumes:` section.
pub(crate) fn volumes(d: &mut Doc, level: usize, list: &[Volume]) {
    if list.is_empty() {
        d.line(level, "Volumes:\t<none>");
        return;
    }
    d.line(level, "Volumes:");
    for v in list {
        d.line(
            1,
            &format!("{}{}:", if level > 0 { " " } else { "" }, v.name),
        );
        let l = 2;
        if let Some(h) = &v.host_path {
            d.line(l, "Type:\tHostPath (bare host directory volume)");
            d.line(l, &format!("Path:\t{}", h.path));
            d.line(
                l,
                &format!("HostPathType:\t{}", h.type_.as_deref().unwrap_or("<none>")),
            );
        } else if let Some(e) = &v.empty_dir {
            d.line(
                l,
                "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)",
            );
            d.line(
                l,
                &format!("Medium:\t{}", e.medium.as_deref().unwrap_or_default()),
            );
            let size = e
                .size_limit
                .as_ref()
                .map_or_else(|| "<unset>".to_owned(), |q| q.0.clone());
            d.line(l, &format!("SizeLimit:\t{size}"));
        } else if let Some(s) = &v.secret {
            d.line(l, "Type:\tSecret (a volume populated by a Secret)");
            d.line(
                l,
                &format!(
                    "SecretName:\t{}",
                    s.secret_name.as_deref().unwrap_or_default()
                ),
            );
            d.line(l, &format!("Optional:\t{}", s.optional == Some(true)));
        } else if let Some(c) = &v.config_map {
            d.line(l, "Type:\tConfigMap (a volume populated by a ConfigMap)");
            d.line(l, &format!("Name:\t{}", c.name));
            d.line(l, &format!("Optional:\t{}", c.optional == Some(true)));
        } else if let Some(p) = &v.persistent_volume_claim {
            d.line(l, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)");
            d.line(l, &format!("ClaimName:\t{}", p.claim_name));
            d.line(l, &format!("ReadOnly:\t{}", p.read_only == Some(true)));
        } else if let Some(p) = &v.projected {
            d.line(
                l,
                "Type:\tProjected (a volume that contains injected data from multiple sources)",
            );
            let opt = |o: Option<bool>| o == Some(true);
            for source in p.sources.iter().flatten() {
                if let Some(sec) = &source.secret {
                    d.line(l, &format!("SecretName:\t{}", sec.name));
                    d.line(l, &format!("Optional:\t{}", opt(sec.optional)));
                } else if source.downward_api.is_some() {
                    d.line(l, "DownwardAPI:\ttrue");
                } else if let Some(cm) = &source.config_map {
                    d.line(l, &format!("ConfigMapName:\t{}", cm.name));
                    d.line(l, &format!("Optional:\t{}", opt(cm.optional)));
                } else if let Some(token) = &source.service_account_token {
                    d.line(
                        l,
                        &format!(
                            "TokenExpirationSeconds:\t{}",
                            token.expiration_seconds.unwrap_or(3607)
                        ),
                    );
                }
            }
        } else {
            d.line(1, "<unknown>");
        }
    }
}
