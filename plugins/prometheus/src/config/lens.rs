//! `[plugins.prometheus.config.lens]`: the PromQL the pod lens runs, as
//! templates with `{namespace}` and `{pod}` placeholders, checked when the
//! configuration loads so a typo is reported with its key and line rather
//! than as an empty panel.

use serde::{Deserialize, Deserializer};

/// cAdvisor's and kube-state-metrics' names, as most clusters export them.
pub(crate) const DEFAULT_CPU: &str = "sum(rate(container_cpu_usage_seconds_total{namespace=\"{namespace}\",pod=\"{pod}\",container!=\"\"}[5m]))";
pub(crate) const DEFAULT_MEMORY: &str = "sum(container_memory_working_set_bytes{namespace=\"{namespace}\",pod=\"{pod}\",container!=\"\"})";
pub(crate) const DEFAULT_RESTARTS: &str =
    "sum(kube_pod_container_status_restarts_total{namespace=\"{namespace}\",pod=\"{pod}\"})";

/// The lens's three queries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LensQueries {
    #[serde(deserialize_with = "de_cpu")]
    pub(crate) cpu: String,
    #[serde(deserialize_with = "de_memory")]
    pub(crate) memory: String,
    #[serde(deserialize_with = "de_restarts")]
    pub(crate) restarts: String,
}

impl Default for LensQueries {
    fn default() -> Self {
        LensQueries {
            cpu: DEFAULT_CPU.to_owned(),
            memory: DEFAULT_MEMORY.to_owned(),
            restarts: DEFAULT_RESTARTS.to_owned(),
        }
    }
}

/// What a template is filled in for: one pod, or every pod of a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PodMatch {
    /// The pod of this name.
    Exact(String),
    /// Pods whose names match this regular expression (a Deployment's pods
    /// are `NAME-REPLICASETHASH-PODHASH`).
    Regex(String),
}

/// Fills in `template`. A regex match also turns `="{pod}"` into `=~"..."`,
/// so one template serves a pod and a Deployment.
pub(crate) fn fill(template: &str, namespace: &str, pod: &PodMatch) -> String {
    let filled = template.replace("{namespace}", &escape(namespace));
    match pod {
        PodMatch::Exact(name) => filled.replace("{pod}", &escape(name)),
        PodMatch::Regex(re) => filled
            .replace("=~\"{pod}\"", &format!("=~\"{}\"", escape(re)))
            .replace("=\"{pod}\"", &format!("=~\"{}\"", escape(re))),
    }
}

/// A label value inside PromQL double quotes.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Checks a template: `{pod}` present as a label value (`="{pod}"` or
/// `=~"{pod}"`, which a Deployment selection rewrites), no placeholder
/// other than `{namespace}` and `{pod}`, and balanced brackets.
pub(crate) fn check(key: &str, template: &str) -> Result<String, String> {
    let template = template.trim();
    if template.is_empty() {
        return Err(format!("{key}: the query is empty"));
    }
    if !template.contains("=\"{pod}\"") && !template.contains("=~\"{pod}\"") {
        return Err(format!(
            "{key}: the query must match the pod as a label value, e.g. pod=\"{{pod}}\" (got {template:?})"
        ));
    }
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let word: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !word.is_empty()
            && after[word.len()..].starts_with('}')
            && word != "namespace"
            && word != "pod"
        {
            return Err(format!(
                "{key}: unknown placeholder {{{word}}}; the lens fills in {{namespace}} and {{pod}}"
            ));
        }
        rest = after;
    }
    let filled = fill(template, "ns", &PodMatch::Exact("p".to_owned()));
    for (open, close) in [('(', ')'), ('{', '}'), ('[', ']')] {
        if filled.matches(open).count() != filled.matches(close).count() {
            return Err(format!("{key}: unbalanced {open}{close} in {template:?}"));
        }
    }
    Ok(template.to_owned())
}

fn de_named<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    check(key, &text).map_err(serde::de::Error::custom)
}

fn de_cpu<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_named(d, "lens.cpu")
}

fn de_memory<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_named(d, "lens.memory")
}

fn de_restarts<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_named(d, "lens.restarts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_their_own_checks() {
        let d = LensQueries::default();
        for (key, q) in [
            ("cpu", &d.cpu),
            ("memory", &d.memory),
            ("restarts", &d.restarts),
        ] {
            assert_eq!(check(key, q).as_ref(), Ok(q));
        }
    }

    #[test]
    fn pods_and_deployments_fill_in() {
        let pod = PodMatch::Exact("web-0".to_owned());
        assert_eq!(
            fill(DEFAULT_MEMORY, "shop", &pod),
            r#"sum(container_memory_working_set_bytes{namespace="shop",pod="web-0",container!=""})"#
        );
        let deployment = PodMatch::Regex("web-[a-z0-9]+-[a-z0-9]+".to_owned());
        assert_eq!(
            fill(DEFAULT_RESTARTS, "shop", &deployment),
            r#"sum(kube_pod_container_status_restarts_total{namespace="shop",pod=~"web-[a-z0-9]+-[a-z0-9]+"})"#
        );
        assert_eq!(
            fill("x{pod=~\"{pod}\"}", "n", &deployment),
            "x{pod=~\"web-[a-z0-9]+-[a-z0-9]+\"}"
        );
    }

    #[test]
    fn mistakes_name_the_key() {
        assert_eq!(
            check("lens.cpu", "sum(rate(cpu{pod=\"{pdo}\"}[5m]))"),
            Err("lens.cpu: the query must match the pod as a label value, e.g. pod=\"{pod}\" (got \"sum(rate(cpu{pod=\\\"{pdo}\\\"}[5m]))\")".to_owned())
        );
        assert!(
            check("lens.memory", "m{pod=\"{pod}\",ns=\"{nmespace}\"}")
                .is_err_and(|e| e.starts_with("lens.memory: unknown placeholder {nmespace}"))
        );
        assert!(
            check("lens.restarts", "sum(r{pod=\"{pod}\"}")
                .is_err_and(|e| e.starts_with("lens.restarts: unbalanced ()"))
        );
        assert!(check("lens.cpu", "  ").is_err_and(|e| e == "lens.cpu: the query is empty"));
    }
}
