//! `GET` of collections and single objects: selectors, `limit`/`continue` pagination, and the
//! list, Table or metadata-only encodings.
//!
//! Items come in (namespace, name) order. A page is found by a range query on the ordered
//! store starting after the continue token's key, so paging through 10,000 pods costs
//! O(page) per request (plus a count of what is left when no selector is given).

use std::ops::Bound;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use serde_json::json;

use crate::params::{Encoding, ListOptions};
use crate::resources::ResourceKind;
use crate::response::{self, ApiError, Response};
use crate::server::Context;
use crate::store::{Entry, Key, State};
use crate::table::{self, ListMetadata};

/// One page of a list.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) entries: Vec<Arc<Entry>>,
    pub(crate) metadata: ListMetadata,
}

/// Whether an entry passes the request's label and field selectors.
pub(crate) fn selected(entry: &Entry, options: &ListOptions) -> bool {
    options.labels.matches(entry.labels()) && options.fields.matches(&entry.fields)
}

/// Selects the page `options` asks for; `namespace` is `None` for all namespaces.
pub(crate) fn select_page(
    state: &State,
    kind: ResourceKind,
    namespace: Option<&str>,
    options: &ListOptions,
) -> Result<Page, ApiError> {
    let after = options
        .continue_token
        .as_deref()
        .map(decode_continue)
        .transpose()?;
    let limit = options.limit.unwrap_or(usize::MAX);
    Ok(state.with_collection(kind, |objects, resource_version| {
        let lower = match (after, namespace) {
            (Some(key), _) => Bound::Excluded(key),
            (None, Some(ns)) => Bound::Included((ns.to_owned(), String::new())),
            (None, None) => Bound::Unbounded,
        };
        let mut in_scope = objects
            .range((lower, Bound::Unbounded))
            .take_while(|(key, _)| namespace.is_none_or(|ns| key.0 == ns))
            .map(|(_, entry)| entry);
        let mut entries = Vec::new();
        let mut more = false;
        for entry in in_scope.by_ref() {
            if !selected(entry, options) {
                continue;
            }
            if entries.len() == limit {
                more = true;
                break;
            }
            entries.push(entry.clone());
        }
        let continue_token = entries
            .last()
            .filter(|_| more)
            .map(|last| encode_continue(resource_version, last.namespace(), last.name()));
        // Like the real server, the count of what is left is only known without selectors.
        let unfiltered = options.labels.is_empty() && options.fields.is_empty();
        let remaining = (more && unfiltered).then(|| 1 + in_scope.count());
        Page {
            entries,
            metadata: ListMetadata {
                resource_version,
                continue_token,
                remaining,
            },
        }
    }))
}

fn encode_continue(resource_version: u64, namespace: &str, name: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": resource_version, "start": [namespace, name]});
    URL_SAFE_NO_PAD.encode(token.to_string())
}

fn decode_continue(token: &str) -> Result<Key, ApiError> {
    let invalid = |why: &str| ApiError::bad_request(format!("continue key is not valid: {why}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|e| invalid(&e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| invalid(&e.to_string()))?;
    match value
        .get("start")
        .and_then(|s| s.as_array())
        .map(Vec::as_slice)
    {
        Some([ns, name]) => match (ns.as_str(), name.as_str()) {
            (Some(ns), Some(name)) => Ok((ns.to_owned(), name.to_owned())),
            _ => Err(invalid("malformed start key")),
        },
        _ => Err(invalid("missing start key")),
    }
}

/// Serves a list in the negotiated encoding.
pub(crate) fn list(
    ctx: &Context,
    kind: ResourceKind,
    namespace: Option<&str>,
    options: &ListOptions,
    encoding: Encoding,
) -> Result<Response, ApiError> {
    let page = select_page(&ctx.state, kind, namespace, options)?;
    Ok(match encoding {
        Encoding::Full => response::json_bytes(render_list(kind, &page)),
        Encoding::Metadata => {
            response::json(&table::partial_metadata_list(&page.entries, &page.metadata))
        }
        Encoding::Table { version, include } => response::json(&table::table(
            kind,
            &page.entries,
            version,
            include,
            &page.metadata,
            true,
        )),
    })
}

/// A typed list (`PodList`, ...) built from the pre-serialized items.
fn render_list(kind: ResourceKind, page: &Page) -> Bytes {
    let info = kind.info();
    let items_len: usize = page.entries.iter().map(|e| e.json.len() + 1).sum();
    let mut out = Vec::with_capacity(items_len + 256);
    out.extend_from_slice(
        format!(
            r#"{{"kind":"{}","apiVersion":"{}","metadata":{},"items":["#,
            info.list_kind,
            kind.api_version(),
            page.metadata.to_json()
        )
        .as_bytes(),
    );
    for (i, entry) in page.entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&entry.json);
    }
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

/// Serves one object in the negotiated encoding.
pub(crate) fn get(
    ctx: &Context,
    kind: ResourceKind,
    namespace: Option<&str>,
    name: &str,
    encoding: Encoding,
) -> Result<Response, ApiError> {
    let entry = ctx
        .state
        .entry(kind, namespace.unwrap_or(""), name)
        .ok_or_else(|| ApiError::not_found(kind.plural(), name))?;
    Ok(match encoding {
        Encoding::Full => response::json_bytes(entry.json.clone()),
        Encoding::Metadata => response::json(&table::partial_metadata(&entry, "v1")),
        Encoding::Table { version, include } => {
            let metadata = ListMetadata {
                resource_version: entry.resource_version,
                ..ListMetadata::default()
            };
            response::json(&table::table(
                kind,
                &[entry],
                version,
                include,
                &metadata,
                true,
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let token = encode_continue(42, "default", "nginx");
        assert_eq!(
            decode_continue(&token),
            Ok(("default".to_owned(), "nginx".to_owned()))
        );
        assert!(decode_continue("not base64!").is_err());
        assert!(decode_continue(&URL_SAFE_NO_PAD.encode("{}")).is_err());
    }
}
