//! Request handling: injected latency, authentication and authorization, injected failures,
//! then routing of the API paths to discovery, list/get, watch and log handlers.

use std::time::Duration;

use http::{Method, Request, header};

use crate::discovery;
use crate::kubeconfig::User;
use crate::list;
use crate::logs;
use crate::params::{ListOptions, LogOptions, Query, negotiate};
use crate::resources::ResourceKind;
use crate::response::{self, ApiError, Response};
use crate::server::Context;
use crate::watch;

/// What a path addresses.
#[derive(Clone, Debug, PartialEq)]
enum Route {
    Version,
    Health,
    Api,
    Apis,
    ApiGroup(String),
    /// The resource list of a group version (`""` is core/v1).
    Resources(&'static str),
    Collection {
        kind: ResourceKind,
        namespace: Option<String>,
    },
    Object {
        kind: ResourceKind,
        namespace: Option<String>,
        name: String,
    },
    Log {
        namespace: String,
        name: String,
    },
    Unknown,
}

impl Route {
    fn parse(path: &str) -> Route {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            ["version"] => Route::Version,
            ["healthz" | "livez" | "readyz"] => Route::Health,
            ["api"] => Route::Api,
            ["apis"] => Route::Apis,
            ["apis", group] => Route::ApiGroup((*group).to_owned()),
            ["api", "v1", rest @ ..] => Self::resource("", rest),
            ["apis", group, "v1", rest @ ..] => {
                match ResourceKind::GROUPS.into_iter().find(|g| g == group) {
                    Some(group) => Self::resource(group, rest),
                    None => Route::Unknown,
                }
            }
            _ => Route::Unknown,
        }
    }

    /// Version, health and discovery documents: readable by every authenticated user.
    fn is_discovery(&self) -> bool {
        matches!(
            self,
            Route::Version
                | Route::Health
                | Route::Api
                | Route::Apis
                | Route::ApiGroup(_)
                | Route::Resources(_)
        )
    }

    fn resource(group: &'static str, rest: &[&str]) -> Route {
        let kind = |plural: &str| ResourceKind::from_path(group, plural);
        if let ["namespaces", namespace, plural, more @ ..] = rest
            && let Some(kind) = kind(plural).filter(|k| k.namespaced())
        {
            let namespace = (*namespace).to_owned();
            return match more {
                [] => Route::Collection {
                    kind,
                    namespace: Some(namespace),
                },
                [name] | [name, "status"] => Route::Object {
                    kind,
                    namespace: Some(namespace),
                    name: (*name).to_owned(),
                },
                [name, "log"] if kind == ResourceKind::Pods => Route::Log {
                    namespace,
                    name: (*name).to_owned(),
                },
                _ => Route::Unknown,
            };
        }
        match rest {
            [] => Route::Resources(group),
            [plural] => kind(plural).map_or(Route::Unknown, |kind| Route::Collection {
                kind,
                namespace: None,
            }),
            [plural, name] | [plural, name, "status"] => {
                match kind(plural).filter(|k| !k.namespaced()) {
                    Some(kind) => Route::Object {
                        kind,
                        namespace: None,
                        name: (*name).to_owned(),
                    },
                    None => Route::Unknown,
                }
            }
            _ => Route::Unknown,
        }
    }
}

/// Answers one request; never fails (errors are `Status` responses).
pub(crate) async fn handle<B>(ctx: &Context, request: Request<B>) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = Query::parse(request.uri().query());
    ctx.record(&method, request.uri());

    let latency = ctx.faults.latency();
    if latency > Duration::ZERO {
        tokio::select! {
            () = tokio::time::sleep(latency) => {}
            () = ctx.shutdown.cancelled() => {}
        }
    }

    let header =
        |name: header::HeaderName| request.headers().get(name).and_then(|v| v.to_str().ok());
    let route = Route::parse(&path);
    let result = match User::from_authorization(header(header::AUTHORIZATION)) {
        None => Err(ApiError::unauthorized()),
        // Like any authenticated user of a real cluster (the system:discovery and
        // system:public-info-viewer bindings), the forbidden user may still discover the API.
        Some(User::Forbidden) if !route.is_discovery() => {
            Err(forbidden(&route, &method, &path, &query))
        }
        Some(User::Forbidden) if method != Method::GET => {
            Err(forbidden(&route, &method, &path, &query))
        }
        Some(User::Admin | User::Forbidden) => match ctx.faults.take_failure(&path) {
            Some(code) => Err(ApiError::injected(code)),
            None if route == Route::Unknown => Err(ApiError::unknown_path()),
            None if method != Method::GET => Err(ApiError::method_not_allowed()),
            None => dispatch(ctx, route, &query, header(header::ACCEPT)),
        },
    };
    result.unwrap_or_else(ApiError::into_response)
}

fn dispatch(
    ctx: &Context,
    route: Route,
    query: &Query,
    accept: Option<&str>,
) -> Result<Response, ApiError> {
    match route {
        Route::Version => Ok(response::json(&discovery::version())),
        Route::Health => Ok(response::text("ok")),
        Route::Api => Ok(response::json(&discovery::api_versions(ctx.addr))),
        Route::Apis => Ok(response::json(&discovery::api_groups())),
        Route::ApiGroup(group) => discovery::api_group(&group)
            .map(|g| response::json(&g))
            .ok_or_else(ApiError::unknown_path),
        Route::Resources(group) => Ok(response::json(&discovery::resources(group))),
        Route::Collection { kind, namespace } => {
            let options = ListOptions::parse(query, kind)?;
            let encoding = negotiate(accept, query)?;
            if options.watch {
                watch::serve(ctx, kind, namespace, options, encoding)
            } else {
                list::list(ctx, kind, namespace.as_deref(), &options, encoding)
            }
        }
        Route::Object {
            kind,
            namespace,
            name,
        } => list::get(
            ctx,
            kind,
            namespace.as_deref(),
            &name,
            negotiate(accept, query)?,
        ),
        Route::Log { namespace, name } => {
            logs::serve(ctx, &namespace, &name, LogOptions::parse(query)?)
        }
        Route::Unknown => Err(ApiError::unknown_path()),
    }
}

/// The 403 the real authorizer gives a user with no permissions, worded per request.
fn forbidden(route: &Route, method: &Method, path: &str, query: &Query) -> ApiError {
    const USER: &str = "forbidden";
    let (kind, namespace, name, subresource) = match route {
        Route::Collection { kind, namespace } => (*kind, namespace.as_deref(), None, ""),
        Route::Object {
            kind,
            namespace,
            name,
        } => (*kind, namespace.as_deref(), Some(name.as_str()), ""),
        Route::Log { namespace, name } => (
            ResourceKind::Pods,
            Some(namespace.as_str()),
            Some(name.as_str()),
            "/log",
        ),
        _ => {
            let verb = method.as_str().to_lowercase();
            return ApiError::forbidden(
                format!("forbidden: User \"{USER}\" cannot {verb} path \"{path}\""),
                "",
                None,
            );
        }
    };
    let verb = match *method {
        Method::GET if name.is_some() => "get",
        Method::GET if query.flag("watch").unwrap_or(false) => "watch",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if name.is_some() => "delete",
        Method::DELETE => "deletecollection",
        _ => "get",
    };
    let plural = kind.plural();
    let subject = match name {
        Some(name) => format!("{plural} \"{name}\""),
        None => plural.to_owned(),
    };
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_owned(),
    };
    let group = kind.info().group;
    let message = format!(
        "{subject} is forbidden: User \"{USER}\" cannot {verb} resource \"{plural}{subresource}\" in API group \"{group}\" {scope}"
    );
    ApiError::forbidden(message, plural, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let ns = Some("default".to_owned());
        assert_eq!(
            Route::parse("/api/v1/pods"),
            Route::Collection {
                kind: ResourceKind::Pods,
                namespace: None
            }
        );
        assert_eq!(
            Route::parse("/api/v1/namespaces/default/pods"),
            Route::Collection {
                kind: ResourceKind::Pods,
                namespace: ns.clone()
            }
        );
        assert_eq!(
            Route::parse("/api/v1/namespaces/default"),
            Route::Object {
                kind: ResourceKind::Namespaces,
                namespace: None,
                name: "default".to_owned()
            }
        );
        assert_eq!(
            Route::parse("/api/v1/namespaces/default/pods/x/log"),
            Route::Log {
                namespace: "default".to_owned(),
                name: "x".to_owned()
            }
        );
        assert_eq!(
            Route::parse("/apis/apps/v1/namespaces/default/deployments/nginx"),
            Route::Object {
                kind: ResourceKind::Deployments,
                namespace: ns,
                name: "nginx".to_owned()
            }
        );
        assert_eq!(
            Route::parse("/api/v1/nodes"),
            Route::Collection {
                kind: ResourceKind::Nodes,
                namespace: None
            }
        );
        assert_eq!(Route::parse("/api/v1/pods/x"), Route::Unknown);
        assert_eq!(
            Route::parse("/api/v1/namespaces/default/configmaps"),
            Route::Collection {
                kind: ResourceKind::ConfigMaps,
                namespace: Some("default".to_owned())
            }
        );
        assert_eq!(
            Route::parse("/apis/example.com/v1/widgets"),
            Route::Collection {
                kind: ResourceKind::Widgets,
                namespace: None
            }
        );
        assert_eq!(
            Route::parse(
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"
            ),
            Route::Object {
                kind: ResourceKind::CustomResourceDefinitions,
                namespace: None,
                name: "widgets.example.com".to_owned()
            }
        );
        assert_eq!(Route::parse("/apis/batch/v1"), Route::Resources("batch"));
        assert_eq!(Route::parse("/apis/policy/v1"), Route::Unknown);
        assert_eq!(
            Route::parse("/api/v1/namespaces/default/widgets"),
            Route::Unknown
        );
        assert_eq!(Route::parse("/openapi/v2"), Route::Unknown);
    }

    #[test]
    fn forbidden_messages_name_the_request() {
        let q = Query::default();
        let route = Route::Collection {
            kind: ResourceKind::Pods,
            namespace: Some("default".to_owned()),
        };
        assert_eq!(
            forbidden(&route, &Method::GET, "", &q).message,
            "pods is forbidden: User \"forbidden\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
        );
        let route = Route::Collection {
            kind: ResourceKind::Nodes,
            namespace: None,
        };
        assert!(
            forbidden(&route, &Method::GET, "", &q)
                .message
                .ends_with("at the cluster scope")
        );
        let message = forbidden(&Route::Version, &Method::GET, "/version", &q).message;
        assert_eq!(
            message,
            "forbidden: User \"forbidden\" cannot get path \"/version\""
        );
    }
}
