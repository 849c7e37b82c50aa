//! The kinds the TUI lists, with the words k9s users type for them (`:po`,
//! `:deploy`), the API kind each names, and the columns kubectl prints.

use vcli_plugin_api::PaletteEntry;

/// How a column's values compare when the list is sorted by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortAs {
    /// As text (names, statuses).
    Text,
    /// As a number (`RESTARTS`, `DESIRED`), so that 10 comes after 9.
    Number,
    /// As an age: the oldest first when ascending.
    Age,
}

/// A column of a list: its header and how it sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header, as kubectl prints it.
    pub title: &'static str,
    /// How its values compare.
    pub sort: SortAs,
}

const fn text(title: &'static str) -> Column {
    Column {
        title,
        sort: SortAs::Text,
    }
}

const fn number(title: &'static str) -> Column {
    Column {
        title,
        sort: SortAs::Number,
    }
}

const AGE: Column = Column {
    title: "AGE",
    sort: SortAs::Age,
};
const NAME: Column = text("NAME");

/// A kind of resource the view lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Pods (the kind shown first).
    #[default]
    Pods,
    /// Deployments.
    Deployments,
    /// ReplicaSets.
    ReplicaSets,
    /// StatefulSets.
    StatefulSets,
    /// DaemonSets.
    DaemonSets,
    /// Jobs.
    Jobs,
    /// Services.
    Services,
    /// Nodes (cluster-scoped).
    Nodes,
    /// Namespaces (cluster-scoped).
    Namespaces,
    /// Events.
    Events,
}

impl Kind {
    /// Every kind, in the order `[` and `]` step through them.
    pub const ALL: [Kind; 10] = [
        Kind::Pods,
        Kind::Deployments,
        Kind::ReplicaSets,
        Kind::StatefulSets,
        Kind::DaemonSets,
        Kind::Jobs,
        Kind::Services,
        Kind::Nodes,
        Kind::Namespaces,
        Kind::Events,
    ];

    /// The plural resource name (`pods`), as `kubectl get` takes it.
    pub fn plural(self) -> &'static str {
        self.words()[0]
    }

    /// The plural, the singular and kubectl's short names.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Kind::Pods => &["pods", "pod", "po"],
            Kind::Deployments => &["deployments", "deployment", "deploy"],
            Kind::ReplicaSets => &["replicasets", "replicaset", "rs"],
            Kind::StatefulSets => &["statefulsets", "statefulset", "sts"],
            Kind::DaemonSets => &["daemonsets", "daemonset", "ds"],
            Kind::Jobs => &["jobs", "job"],
            Kind::Services => &["services", "service", "svc"],
            Kind::Nodes => &["nodes", "node", "no"],
            Kind::Namespaces => &["namespaces", "namespace", "ns"],
            Kind::Events => &["events", "event", "ev"],
        }
    }

    /// The kind for a typed word (`deploy`), if any.
    pub fn from_word(word: &str) -> Option<Kind> {
        let word = word.to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.words().contains(&word.as_str()))
    }

    /// The API's kind name (`Deployment`), as [`vcli_plugin_api::ResourceRef`] carries it.
    pub fn api_kind(self) -> &'static str {
        match self {
            Kind::Pods => "Pod",
            Kind::Deployments => "Deployment",
            Kind::ReplicaSets => "ReplicaSet",
            Kind::StatefulSets => "StatefulSet",
            Kind::DaemonSets => "DaemonSet",
            Kind::Jobs => "Job",
            Kind::Services => "Service",
            Kind::Nodes => "Node",
            Kind::Namespaces => "Namespace",
            Kind::Events => "Event",
        }
    }

    /// The kind whose API name is `kind` (`Pod`).
    pub fn from_api_kind(kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.api_kind() == kind)
    }

    /// The title for headers (`Deployments`).
    pub fn title(self) -> &'static str {
        match self {
            Kind::Pods => "Pods",
            Kind::Deployments => "Deployments",
            Kind::ReplicaSets => "ReplicaSets",
            Kind::StatefulSets => "StatefulSets",
            Kind::DaemonSets => "DaemonSets",
            Kind::Jobs => "Jobs",
            Kind::Services => "Services",
            Kind::Nodes => "Nodes",
            Kind::Namespaces => "Namespaces",
            Kind::Events => "Events",
        }
    }

    /// Whether objects of the kind live in a namespace.
    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Nodes | Kind::Namespaces)
    }

    /// The columns after NAMESPACE, as `kubectl get` prints them (without `-o wide`).
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Pods => {
                const C: &[Column] =
                    &[NAME, text("READY"), text("STATUS"), number("RESTARTS"), AGE];
                C
            }
            Kind::Deployments => {
                const C: &[Column] = &[
                    NAME,
                    text("READY"),
                    number("UP-TO-DATE"),
                    number("AVAILABLE"),
                    AGE,
                ];
                C
            }
            Kind::ReplicaSets => {
                const C: &[Column] = &[
                    NAME,
                    number("DESIRED"),
                    number("CURRENT"),
                    number("READY"),
                    AGE,
                ];
                C
            }
            Kind::StatefulSets => {
                const C: &[Column] = &[NAME, text("READY"), AGE];
                C
            }
            Kind::DaemonSets => {
                const C: &[Column] = &[
                    NAME,
                    number("DESIRED"),
                    number("CURRENT"),
                    number("READY"),
                    number("UP-TO-DATE"),
                    number("AVAILABLE"),
                    text("NODE SELECTOR"),
                    AGE,
                ];
                C
            }
            Kind::Jobs => {
                const C: &[Column] = &[
                    NAME,
                    text("STATUS"),
                    text("COMPLETIONS"),
                    text("DURATION"),
                    AGE,
                ];
                C
            }
            Kind::Services => {
                const C: &[Column] = &[
                    NAME,
                    text("TYPE"),
                    text("CLUSTER-IP"),
                    text("EXTERNAL-IP"),
                    text("PORT(S)"),
                    AGE,
                ];
                C
            }
            Kind::Nodes => {
                const C: &[Column] = &[NAME, text("STATUS"), text("ROLES"), AGE, text("VERSION")];
                C
            }
            Kind::Namespaces => {
                const C: &[Column] = &[NAME, text("STATUS"), AGE];
                C
            }
            Kind::Events => {
                const C: &[Column] = &[
                    Column {
                        title: "LAST SEEN",
                        sort: SortAs::Age,
                    },
                    text("TYPE"),
                    text("REASON"),
                    text("OBJECT"),
                    text("MESSAGE"),
                ];
                C
            }
        }
    }

    /// The palette entry that switches the view to this kind.
    pub fn palette_entry(self) -> PaletteEntry {
        PaletteEntry::new(self.plural(), format!("list {}", self.plural()))
            .aliases(self.words()[1..].iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_names_one_kind() {
        assert_eq!(Kind::from_word("deploy"), Some(Kind::Deployments));
        assert_eq!(Kind::from_word("RS"), Some(Kind::ReplicaSets));
        assert_eq!(Kind::from_word("svc"), Some(Kind::Services));
        assert_eq!(Kind::from_word("pods"), Some(Kind::Pods));
        assert_eq!(Kind::from_word("cm"), None);
        let mut words: Vec<&str> = Kind::ALL.iter().flat_map(|k| k.words()).copied().collect();
        let n = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), n, "a word names two kinds");
    }
}
