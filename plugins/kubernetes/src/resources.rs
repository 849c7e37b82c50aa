//! The resource types the plugin knows, their kubectl names and aliases, and their API paths.

use vcli_plugin_api::PluginError;

/// A resource type `get` and `describe` accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// `pods`, `pod`, `po`.
    Pod,
    /// `deployments`, `deployment`, `deploy` (group `apps`).
    Deployment,
    /// `services`, `service`, `svc`.
    Service,
    /// `nodes`, `node`, `no` (cluster-scoped).
    Node,
    /// `namespaces`, `namespace`, `ns` (cluster-scoped).
    Namespace,
    /// `events`, `event`, `ev`.
    Event,
}

impl Kind {
    /// Every kind, in the order help texts list them.
    pub(crate) const ALL: [Kind; 6] = [
        Kind::Pod,
        Kind::Deployment,
        Kind::Service,
        Kind::Node,
        Kind::Namespace,
        Kind::Event,
    ];

    /// Resolves a name as kubectl does (plural, singular, short name,
    /// optionally qualified with the group), case-insensitively.
    ///
    /// # Errors
    ///
    /// A usage error worded like kubectl's when the type is unknown.
    pub(crate) fn parse(text: &str) -> Result<Kind, PluginError> {
        let lower = text.to_ascii_lowercase();
        let (name, group) = match lower.split_once('.') {
            Some((name, group)) => (name, Some(group)),
            None => (lower.as_str(), None),
        };
        let kind = Kind::ALL.into_iter().find(|k| k.names().contains(&name));
        match (kind, group) {
            (Some(kind), None) => Ok(kind),
            (Some(kind), Some(group)) if group == kind.group_qualifier() => Ok(kind),
            _ => Err(crate::discovery::unknown_type(text)),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Kind::Pod => &["pods", "pod", "po"],
            Kind::Deployment => &["deployments", "deployment", "deploy"],
            Kind::Service => &["services", "service", "svc"],
            Kind::Node => &["nodes", "node", "no"],
            Kind::Namespace => &["namespaces", "namespace", "ns"],
            Kind::Event => &["events", "event", "ev"],
        }
    }

    /// What may follow the first dot: `deployments.apps`, `pods.v1`, ...
    fn group_qualifier(self) -> &'static str {
        match self {
            Kind::Deployment => "apps",
            _ => "",
        }
    }

    /// The lowercase plural used in URLs and in kubectl's error messages.
    pub(crate) fn plural(self) -> &'static str {
        self.names()[0]
    }

    /// What `-o name` prints before the slash (`pod`, `deployment.apps`).
    pub(crate) fn name_prefix(self) -> &'static str {
        match self {
            Kind::Pod => "pod",
            Kind::Deployment => "deployment.apps",
            Kind::Service => "service",
            Kind::Node => "node",
            Kind::Namespace => "namespace",
            Kind::Event => "event",
        }
    }

    /// Whether objects live in a namespace.
    pub(crate) fn namespaced(self) -> bool {
        !matches!(self, Kind::Node | Kind::Namespace)
    }

    /// The collection URL: in `namespace`, or across all namespaces when
    /// `None` (and always for cluster-scoped kinds).
    pub(crate) fn collection_path(self, namespace: Option<&str>) -> String {
        let prefix = match self {
            Kind::Deployment => "/apis/apps/v1",
            _ => "/api/v1",
        };
        match namespace {
            Some(ns) if self.namespaced() => {
                format!("{prefix}/namespaces/{ns}/{}", self.plural())
            }
            _ => format!("{prefix}/{}", self.plural()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve() {
        for (text, kind) in [
            ("po", Kind::Pod),
            ("Pods", Kind::Pod),
            ("deploy", Kind::Deployment),
            ("deployments.apps", Kind::Deployment),
            ("svc", Kind::Service),
            ("no", Kind::Node),
            ("ns", Kind::Namespace),
            ("ev", Kind::Event),
        ] {
            assert_eq!(Kind::parse(text).unwrap(), kind, "{text}");
        }
    }

    #[test]
    fn unknown_type_is_an_error_in_kubectl_words() {
        let err = Kind::parse("foo").unwrap_err();
        assert_eq!(err.exit_code(), 1, "kubectl exits 1");
        assert_eq!(
            err.to_string(),
            "the server doesn't have a resource type \"foo\""
        );
    }

    #[test]
    fn paths() {
        assert_eq!(
            Kind::Pod.collection_path(Some("a")),
            "/api/v1/namespaces/a/pods"
        );
        assert_eq!(Kind::Pod.collection_path(None), "/api/v1/pods");
        assert_eq!(Kind::Node.collection_path(Some("a")), "/api/v1/nodes");
        assert_eq!(
            Kind::Deployment.collection_path(Some("b")),
            "/apis/apps/v1/namespaces/b/deployments"
        );
    }
}
