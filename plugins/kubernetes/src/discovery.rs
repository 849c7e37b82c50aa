//! What the server serves, from its discovery documents, and how `get`'s type argument maps
//! to one of its resources, as kubectl maps it.
//!
//! Discovery is fetched the way client-go fetches it: the aggregated documents first (`/api`
//! and `/apis` with `as=APIGroupDiscoveryList`: two requests for everything), else the
//! legacy ones (`/api`, `/api/v1`, `/apis`, then every `/apis/GROUP/VERSION`). Resources
//! are kept in kubectl's priority order: core first, then the groups as the server lists
//! them, each group's preferred version first. The result is cached on disk when the host
//! grants files (`discovery_cache.rs`).
//!
//! Resolution follows kubectl's RESTMapper and shortcut expander: `TYPE[.VERSION.GROUP]` or
//! `TYPE[.GROUP]`, where TYPE is a plural or singular name (any case) or a short name (as
//! written), and GROUP may be a prefix of the group (`deploy.app`). Kinds match through
//! their lower-cased singular (`Deployment.apps`).

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use vcli_plugin_api::PluginError;

use crate::client::Conn;
use crate::discovery_cache::DiscoveryCache;

/// One resource type the server serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiResource {
    /// `""` for the core group.
    pub(crate) group: String,
    pub(crate) version: String,
    /// The URL segment, e.g. `deployments`.
    pub(crate) plural: String,
    pub(crate) singular: String,
    pub(crate) kind: String,
    pub(crate) namespaced: bool,
    #[serde(default)]
    pub(crate) short_names: Vec<String>,
    #[serde(default)]
    pub(crate) verbs: Vec<String>,
}

impl ApiResource {
    /// `v1`, `apps/v1`, ...
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The collection URL: in `namespace`, or across all namespaces when `None` (and always
    /// for cluster-scoped types).
    pub(crate) fn collection_path(&self, namespace: Option<&str>) -> String {
        let prefix = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{prefix}/namespaces/{ns}/{}", self.plural),
            _ => format!("{prefix}/{}", self.plural),
        }
    }

    /// What `-o name` prints before the slash: `pod`, `deployment.apps`.
    pub(crate) fn name_prefix(&self) -> String {
        let kind = self.kind.to_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.group)
        }
    }
}

/// Everything the server serves, in kubectl's priority order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Discovery {
    pub(crate) resources: Vec<ApiResource>,
}

impl Discovery {
    /// The resource `arg` names, as kubectl resolves it.
    pub(crate) fn resolve(&self, arg: &str) -> Option<&ApiResource> {
        // RESOURCE.VERSION.GROUP, fully specified.
        if let Some((resource, rest)) = arg.split_once('.')
            && let Some((version, group)) = rest.split_once('.')
        {
            let resource = resource.to_lowercase();
            let found = self.resources.iter().find(|r| {
                r.version == version
                    && r.group == group
                    && (r.plural == resource || r.singular == resource)
            });
            if found.is_some() {
                return found;
            }
        }
        let (resource, group) = arg.split_once('.').unwrap_or((arg, ""));
        let lower = resource.to_lowercase();
        let in_group = |r: &&ApiResource, prefix: bool| {
            group.is_empty() || r.group == group || (prefix && r.group.starts_with(group))
        };
        let full_name = |r: &&ApiResource| r.plural == lower || r.singular == lower;
        let short_name = |r: &&ApiResource| r.short_names.iter().any(|s| s == resource);
        let kind = |r: &&ApiResource| r.kind == resource;
        for prefix in [false, true] {
            for matches in [
                &full_name as &dyn Fn(&&ApiResource) -> bool,
                &short_name,
                &kind,
            ] {
                if let Some(found) = self
                    .resources
                    .iter()
                    .find(|r| in_group(r, prefix) && matches(r))
                {
                    return Some(found);
                }
            }
        }
        None
    }
}

/// kubectl's words for a type the server does not serve.
pub(crate) fn unknown_type(arg: &str) -> PluginError {
    match arg.split_once('.') {
        Some((resource, group)) => PluginError::failed(format!(
            "the server doesn't have a resource type \"{resource}\" in group \"{group}\""
        )),
        None => PluginError::failed(format!("the server doesn't have a resource type \"{arg}\"")),
    }
}

/// Resolves `arg` against the server's discovery: the cached copy if there is a fresh one
/// (refreshed once when it does not know `arg`, as kubectl does), else the server's.
///
/// # Errors
///
/// `the server doesn't have a resource type "x"`, and discovery's own errors.
pub(crate) async fn resolve(
    conn: &Conn,
    cache: &DiscoveryCache,
    arg: &str,
) -> Result<ApiResource, PluginError> {
    if let Some(cached) = cache.load(&conn.url)
        && let Some(found) = cached.resolve(arg)
    {
        return Ok(found.clone());
    }
    let discovery = discover(conn).await?;
    cache.store(&conn.url, &discovery);
    discovery
        .resolve(arg)
        .cloned()
        .ok_or_else(|| unknown_type(arg))
}

/// The `Accept` header asking for aggregated discovery (client-go's), with the legacy
/// documents as the fallback.
const ACCEPT_AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// Group-version documents fetched at once in legacy discovery.
const PARALLEL_GROUP_VERSIONS: usize = 8;

/// Fetches the server's discovery documents.
///
/// # Errors
///
/// When `/api` or `/apis` cannot be read; a group version that fails (an aggregated API
/// that is down) is left out, as kubectl leaves it out.
pub(crate) async fn discover(conn: &Conn) -> Result<Discovery, PluginError> {
    let (core, groups) =
        futures::try_join!(get_discovery(conn, "/api"), get_discovery(conn, "/apis"))?;
    let mut resources = Vec::new();
    let mut group_versions: Vec<String> = Vec::new();
    for (document, is_core) in [(core, true), (groups, false)] {
        if document["kind"] == "APIGroupDiscoveryList" {
            resources.extend(aggregated(&document));
        } else if is_core {
            let versions: Vec<String> =
                serde_json::from_value(document["versions"].clone()).unwrap_or_default();
            group_versions.extend(versions);
        } else {
            let list: GroupList = serde_json::from_value(document).unwrap_or_default();
            for group in list.groups {
                let preferred = group.preferred_version.map(|v| v.group_version);
                group_versions.extend(preferred.clone());
                group_versions.extend(
                    group
                        .versions
                        .into_iter()
                        .map(|v| v.group_version)
                        .filter(|gv| Some(gv) != preferred.as_ref()),
                );
            }
        }
    }
    let lists: Vec<Option<ResourceList>> = futures::stream::iter(group_versions)
        .map(|gv: String| async move {
            let path = if gv.contains('/') {
                format!("/apis/{gv}")
            } else {
                format!("/api/{gv}")
            };
            let document = get_discovery(conn, &path).await.ok()?;
            serde_json::from_value::<ResourceList>(document).ok()
        })
        .buffered(PARALLEL_GROUP_VERSIONS)
        .collect()
        .await;
    // Legacy core resources go first, wherever aggregated ones came from.
    let mut legacy: Vec<ApiResource> = Vec::new();
    for list in lists.into_iter().flatten() {
        let (group, version) = match list.group_version.split_once('/') {
            Some((g, v)) => (g.to_owned(), v.to_owned()),
            None => (String::new(), list.group_version.clone()),
        };
        legacy.extend(
            list.resources
                .into_iter()
                .filter(|r| !r.name.contains('/'))
                .map(|r| ApiResource {
                    group: group.clone(),
                    version: version.clone(),
                    singular: if r.singular_name.is_empty() {
                        r.kind.to_lowercase()
                    } else {
                        r.singular_name
                    },
                    plural: r.name,
                    kind: r.kind,
                    namespaced: r.namespaced,
                    short_names: r.short_names,
                    verbs: r.verbs,
                }),
        );
    }
    legacy.extend(resources);
    // Core first, then the groups in the server's order (a stable sort keeps that order).
    legacy.sort_by_key(|r| !r.group.is_empty());
    Ok(Discovery { resources: legacy })
}

async fn get_discovery(conn: &Conn, path: &str) -> Result<serde_json::Value, PluginError> {
    let request = http::Request::get(path)
        .header(http::header::ACCEPT, ACCEPT_AGGREGATED)
        .body(Vec::new())
        .map_err(|e| PluginError::with_source(format!("invalid request {path}: {e}"), e))?;
    conn.get_json(request).await
}

/// `/apis`'s legacy answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GroupList {
    groups: Vec<Group>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Group {
    versions: Vec<GroupVersion>,
    preferred_version: Option<GroupVersion>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GroupVersion {
    group_version: String,
}

/// `/api/v1` or `/apis/GROUP/VERSION`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ResourceList {
    group_version: String,
    resources: Vec<LegacyResource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct LegacyResource {
    name: String,
    singular_name: String,
    namespaced: bool,
    kind: String,
    verbs: Vec<String>,
    short_names: Vec<String>,
}

/// The resources of an `APIGroupDiscoveryList` (each group's versions in preference order).
fn aggregated(document: &serde_json::Value) -> Vec<ApiResource> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        #[serde(default)]
        metadata: Meta,
        #[serde(default)]
        versions: Vec<Version>,
    }
    #[derive(Default, Deserialize)]
    struct Meta {
        #[serde(default)]
        name: String,
    }
    #[derive(Deserialize)]
    struct Version {
        version: String,
        #[serde(default)]
        resources: Vec<Resource>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Resource {
        resource: String,
        #[serde(default)]
        response_kind: Kind,
        #[serde(default)]
        scope: String,
        #[serde(default)]
        singular_resource: String,
        #[serde(default)]
        verbs: Vec<String>,
        #[serde(default)]
        short_names: Vec<String>,
    }
    #[derive(Default, Deserialize)]
    struct Kind {
        #[serde(default)]
        kind: String,
    }
    let items: Vec<Item> = serde_json::from_value(document["items"].clone()).unwrap_or_default();
    let mut out = Vec::new();
    for item in items {
        for version in item.versions {
            for r in version.resources {
                out.push(ApiResource {
                    group: item.metadata.name.clone(),
                    version: version.version.clone(),
                    singular: if r.singular_resource.is_empty() {
                        r.response_kind.kind.to_lowercase()
                    } else {
                        r.singular_resource
                    },
                    plural: r.resource,
                    kind: r.response_kind.kind,
                    namespaced: r.scope == "Namespaced",
                    short_names: r.short_names,
                    verbs: r.verbs,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(group: &str, plural: &str, kind: &str, short: &[&str]) -> ApiResource {
        ApiResource {
            group: group.to_owned(),
            version: "v1".to_owned(),
            plural: plural.to_owned(),
            singular: kind.to_lowercase(),
            kind: kind.to_owned(),
            namespaced: true,
            short_names: short.iter().map(|s| (*s).to_owned()).collect(),
            verbs: Vec::new(),
        }
    }

    fn served() -> Discovery {
        Discovery {
            resources: vec![
                resource("", "pods", "Pod", &["po"]),
                resource("", "configmaps", "ConfigMap", &["cm"]),
                resource("", "events", "Event", &["ev"]),
                resource("apps", "deployments", "Deployment", &["deploy"]),
                resource("apps", "replicasets", "ReplicaSet", &["rs"]),
                resource("events.k8s.io", "events", "Event", &["ev"]),
                resource(
                    "apiextensions.k8s.io",
                    "customresourcedefinitions",
                    "CustomResourceDefinition",
                    &["crd", "crds"],
                ),
                resource("example.com", "widgets", "Widget", &["wdg"]),
            ],
        }
    }

    #[test]
    fn names_resolve_as_in_kubectl() {
        let d = served();
        let plural_of = |arg: &str| {
            d.resolve(arg)
                .map(|r| (r.group.as_str(), r.plural.as_str()))
        };
        for (arg, expected) in [
            ("pods", Some(("", "pods"))),
            ("PODS", Some(("", "pods"))),
            ("Pod", Some(("", "pods"))),
            ("po", Some(("", "pods"))),
            ("PO", None),
            ("cm", Some(("", "configmaps"))),
            ("CM", None),
            ("deploy", Some(("apps", "deployments"))),
            ("Deployment.apps", Some(("apps", "deployments"))),
            ("deployments.v1.apps", Some(("apps", "deployments"))),
            ("Deployment.v1.apps", Some(("apps", "deployments"))),
            ("deploy.app", Some(("apps", "deployments"))),
            ("deployments.APPS", None),
            ("deployments.v2.apps", None),
            ("pods.v1", None),
            ("pods.", Some(("", "pods"))),
            ("pods.v1.", Some(("", "pods"))),
            ("rs", Some(("apps", "replicasets"))),
            ("events", Some(("", "events"))),
            ("events.events.k8s.io", Some(("events.k8s.io", "events"))),
            (
                "crd",
                Some(("apiextensions.k8s.io", "customresourcedefinitions")),
            ),
            ("wdg.example", Some(("example.com", "widgets"))),
            ("widgets.example.com", Some(("example.com", "widgets"))),
            ("Widget", Some(("example.com", "widgets"))),
            ("nothing", None),
            ("", None),
        ] {
            assert_eq!(plural_of(arg), expected, "{arg}");
        }
    }

    #[test]
    fn unknown_types_in_kubectl_words() {
        assert_eq!(
            unknown_type("foo").to_string(),
            "the server doesn't have a resource type \"foo\""
        );
        assert_eq!(
            unknown_type("Foo.bar").to_string(),
            "the server doesn't have a resource type \"Foo\" in group \"bar\""
        );
        assert_eq!(
            unknown_type("foo.v1.bar").to_string(),
            "the server doesn't have a resource type \"foo\" in group \"v1.bar\""
        );
        assert_eq!(unknown_type("x").exit_code(), 1);
    }

    #[test]
    fn paths_and_names() {
        let d = served();
        let deploy = d.resolve("deploy").unwrap();
        assert_eq!(
            deploy.collection_path(Some("a")),
            "/apis/apps/v1/namespaces/a/deployments"
        );
        assert_eq!(deploy.name_prefix(), "deployment.apps");
        assert_eq!(deploy.api_version(), "apps/v1");
        let pods = d.resolve("po").unwrap();
        assert_eq!(pods.collection_path(None), "/api/v1/pods");
        assert_eq!(pods.name_prefix(), "pod");
    }

    #[test]
    fn aggregated_documents() {
        let document = json!({"kind": "APIGroupDiscoveryList", "items": [
            {"metadata": {"name": "apps"}, "versions": [
                {"version": "v1", "resources": [
                    {"resource": "deployments", "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                     "scope": "Namespaced", "singularResource": "deployment", "shortNames": ["deploy"], "verbs": ["get", "list"]}
                ]}
            ]}
        ]});
        let resources = aggregated(&document);
        assert_eq!(resources.len(), 1);
        assert_eq!(resources[0].plural, "deployments");
        assert_eq!(resources[0].singular, "deployment");
        assert!(resources[0].namespaced);
    }
}
