//! Discovery: `/version`, `/api`, `/apis`, `/apis/{group}` and the resource lists
//! (`/api/v1`, `/apis/{group}/v1`) clients read to map `kubectl get po` to a URL: plural,
//! singular and kind, short names, categories, verbs, scope.
//!
//! Only the legacy (unaggregated) discovery documents are served; a client asking for
//! aggregated discovery (`as=APIGroupDiscoveryList`) gets them with `application/json`, and
//! client-go falls back to them as it does for any older server.

use std::net::SocketAddr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
    ServerAddressByClientCIDR,
};
use k8s_openapi::apimachinery::pkg::version::Info;

use crate::resources::ResourceKind;

/// The Kubernetes version the emulator claims to be (the k8s-openapi API it serves).
pub const SERVER_VERSION: &str = "v1.37.0";

const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const CLUSTER_VERBS: [&str; 7] = [
    "create", "delete", "get", "list", "patch", "update", "watch",
];

/// `GET /version`.
pub(crate) fn version() -> Info {
    let minor = SERVER_VERSION
        .trim_start_matches("v1.")
        .split('.')
        .next()
        .unwrap_or("0");
    Info {
        build_date: "2026-04-15T10:00:00Z".to_owned(),
        compiler: "gc".to_owned(),
        emulation_major: Some("1".to_owned()),
        emulation_minor: Some(minor.to_owned()),
        git_commit: "6fe0a4e1b7c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6".to_owned(),
        git_tree_state: "clean".to_owned(),
        git_version: SERVER_VERSION.to_owned(),
        go_version: "go1.25.4".to_owned(),
        major: "1".to_owned(),
        min_compatibility_major: Some("1".to_owned()),
        min_compatibility_minor: Some(
            minor
                .parse::<u32>()
                .map_or(0, |m| m.saturating_sub(1))
                .to_string(),
        ),
        minor: minor.to_owned(),
        platform: "linux/amd64".to_owned(),
    }
}

/// `GET /api`.
pub(crate) fn api_versions(addr: SocketAddr) -> APIVersions {
    APIVersions {
        server_address_by_client_cidrs: vec![ServerAddressByClientCIDR {
            client_cidr: "0.0.0.0/0".to_owned(),
            server_address: addr.to_string(),
        }],
        versions: vec!["v1".to_owned()],
    }
}

fn group(name: &str) -> APIGroup {
    let version = GroupVersionForDiscovery {
        group_version: format!("{name}/v1"),
        version: "v1".to_owned(),
    };
    APIGroup {
        name: name.to_owned(),
        preferred_version: Some(version.clone()),
        server_address_by_client_cidrs: None,
        versions: vec![version],
    }
}

/// `GET /apis`.
pub(crate) fn api_groups() -> APIGroupList {
    APIGroupList {
        groups: ResourceKind::GROUPS.iter().map(|g| group(g)).collect(),
    }
}

/// `GET /apis/{group}`.
pub(crate) fn api_group(name: &str) -> Option<APIGroup> {
    ResourceKind::GROUPS.contains(&name).then(|| group(name))
}

/// The verbs of a resource type, as a real server lists them.
fn verbs(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        // What the apiextensions server publishes for every custom resource.
        ResourceKind::Widgets => &[
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "create",
            "update",
            "watch",
        ],
        ResourceKind::Namespaces => &CLUSTER_VERBS,
        _ => &VERBS,
    }
}

/// `GET /api/v1` or `GET /apis/{group}/v1`; `group` is `""` for core.
pub(crate) fn resources(group: &str) -> APIResourceList {
    let mut resources = Vec::new();
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    for kind in ResourceKind::ALL
        .into_iter()
        .filter(|k| k.info().group == group)
    {
        let info = kind.info();
        let list = |items: &[&str]| Some(strings(items)).filter(|v| !v.is_empty());
        resources.push(APIResource {
            name: info.plural.to_owned(),
            singular_name: info.singular.to_owned(),
            namespaced: info.namespaced,
            kind: info.kind.to_owned(),
            verbs: strings(verbs(kind)),
            short_names: list(info.short_names),
            categories: list(info.categories),
            storage_version_hash: Some(info.storage_version_hash.to_owned()),
            group: None,
            version: None,
        });
        let sub = |name: &str, verbs: &[&str]| APIResource {
            name: format!("{}/{name}", info.plural),
            singular_name: String::new(),
            namespaced: info.namespaced,
            kind: info.kind.to_owned(),
            verbs: strings(verbs),
            categories: None,
            group: None,
            short_names: None,
            storage_version_hash: None,
            version: None,
        };
        if kind == ResourceKind::Pods {
            resources.push(sub("log", &["get"]));
        }
        if info.status {
            resources.push(sub("status", &["get", "patch", "update"]));
        }
    }
    APIResourceList {
        group_version: if group.is_empty() {
            "v1".to_owned()
        } else {
            format!("{group}/v1")
        },
        resources,
    }
}
