//! Actions between plugins: a view names a resource, the host routes it to
//! whichever plugins can say something about it. No plugin depends on another.

use std::collections::BTreeMap;

/// A typed reference to something a plugin shows: a Kubernetes pod, a
/// deployment, an alert. Kinds are plain strings so that plugins agree on
/// them without sharing a crate; the Kubernetes plugin uses the API's kind
/// names (`Pod`, `Deployment`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct ResourceRef {
    /// The kind, as the owning system names it (`Pod`).
    pub kind: String,
    /// The namespace, for namespaced kinds.
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
    /// The object's labels, so that a lens can build selectors.
    pub labels: BTreeMap<String, String>,
    /// Where the object lives when a plugin shows several (a Kubernetes
    /// context, say); `None` for the plugin's default.
    pub scope: Option<String>,
}

impl ResourceRef {
    /// A reference to `name` of `kind`, without namespace or labels.
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceRef {
            kind: kind.into(),
            namespace: None,
            name: name.into(),
            labels: BTreeMap::new(),
            scope: None,
        }
    }

    /// Sets the namespace.
    #[must_use]
    pub fn in_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Adds a label.
    #[must_use]
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Sets the scope (for example the Kubernetes context).
    #[must_use]
    pub fn in_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }
}

impl std::fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(ns) = &self.namespace {
            write!(f, " {ns}/{}", self.name)
        } else {
            write!(f, " {}", self.name)
        }
    }
}

/// What a view asks the host to do about a resource, returned from
/// [`View::take_intents`](super::View::take_intents).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Intent {
    /// The user selected this resource: the host asks every plugin for a
    /// lens on it ([`Plugin::lens`](crate::Plugin::lens)) and shows them
    /// beside the view.
    Selected(ResourceRef),
    /// The selection went away: lenses close.
    Cleared,
    /// The user wants to see this resource where it lives: the host offers
    /// it to the other views as [`ViewEvent::Reveal`](super::ViewEvent::Reveal)
    /// and focuses the first that takes it.
    Reveal(ResourceRef),
    /// Run a command line exactly as typed in the palette (`k8s logs -f
    /// web-0 -n shop`), with its output in a tab of its own.
    Run(String),
    /// A short message for the status line.
    Status(String),
}

/// A command line a plugin offers for a resource another view selected
/// (`k8s logs web-0 -n shop` for a pod), from
/// [`Plugin::commands_for`](crate::Plugin::commands_for). The palette
/// offers it; running it is exactly like typing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceCommand {
    /// What it does, in a few words (`logs`).
    pub label: String,
    /// The command line, in the CLI's grammar without `vcli`.
    pub line: String,
}

impl ResourceCommand {
    /// A command.
    pub fn new(label: impl Into<String>, line: impl Into<String>) -> Self {
        ResourceCommand {
            label: label.into(),
            line: line.into(),
        }
    }
}

/// One entry of the footer and the help overlay: keys and what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHint {
    /// The keys as the user types them (`↑/↓`, `Enter`, `l`).
    pub keys: String,
    /// What they do, in a few words.
    pub action: String,
}

impl KeyHint {
    /// A hint.
    pub fn new(keys: impl Into<String>, action: impl Into<String>) -> Self {
        KeyHint {
            keys: keys.into(),
            action: action.into(),
        }
    }
}
