//! Request parameters: the query string, list/watch and log options, and the response
//! encoding a client negotiates with `Accept` (full object, metadata only, or a Table).
//!
//! Bad values are answered with 400 BadRequest, never a panic.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use crate::resources::ResourceKind;
use crate::response::ApiError;
use crate::selector::{FieldSelector, LabelSelector};

/// A decoded query string.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        Query(pairs)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean as Go's strconv.ParseBool reads it; absent is false.
    pub(crate) fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(false),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(true),
            Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(false),
            Some(other) => Err(ApiError::bad_request(format!(
                "{key}: Invalid value: \"{other}\": strconv.ParseBool: parsing \"{other}\": invalid syntax"
            ))),
        }
    }

    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "{key}: Invalid value: \"{v}\": strconv.ParseInt: parsing \"{v}\": invalid syntax"
                ))
            }),
        }
    }
}

/// Decodes `%XX` escapes and `+` (a space in form encoding); invalid escapes stay as typed.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Options of a list or watch request.
#[derive(Debug, Default)]
pub(crate) struct ListOptions {
    pub(crate) labels: LabelSelector,
    pub(crate) fields: FieldSelector,
    pub(crate) limit: Option<usize>,
    pub(crate) continue_token: Option<String>,
    pub(crate) watch: bool,
    pub(crate) resource_version: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) allow_bookmarks: bool,
    pub(crate) send_initial_events: bool,
}

impl ListOptions {
    pub(crate) fn parse(query: &Query, kind: ResourceKind) -> Result<Self, ApiError> {
        let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(query.get("fieldSelector").unwrap_or(""), kind)
            .map_err(ApiError::bad_request)?;
        let non_empty = |key: &str| query.get(key).filter(|v| !v.is_empty()).map(str::to_owned);
        Ok(ListOptions {
            labels,
            fields,
            // Zero or negative means "no limit", as in the API server.
            limit: query.int("limit")?.filter(|&l| l > 0).map(|l| l as usize),
            continue_token: non_empty("continue"),
            watch: query.flag("watch")?,
            resource_version: non_empty("resourceVersion"),
            timeout: query
                .int("timeoutSeconds")?
                .filter(|&s| s > 0)
                .map(|s| Duration::from_secs(s as u64)),
            allow_bookmarks: query.flag("allowWatchBookmarks")?,
            send_initial_events: query.flag("sendInitialEvents")?,
        })
    }
}

/// Options of a pod log request.
#[derive(Debug, Default)]
pub(crate) struct LogOptions {
    pub(crate) container: Option<String>,
    pub(crate) follow: bool,
    pub(crate) previous: bool,
    pub(crate) timestamps: bool,
    pub(crate) tail_lines: Option<usize>,
    pub(crate) since: Option<Timestamp>,
    pub(crate) limit_bytes: Option<usize>,
}

impl LogOptions {
    pub(crate) fn parse(query: &Query) -> Result<Self, ApiError> {
        let since_seconds = query.int("sinceSeconds")?;
        let since_time = match query.get("sinceTime").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(v.parse::<Timestamp>().map_err(|e| {
                ApiError::bad_request(format!("sinceTime: Invalid value: \"{v}\": {e}"))
            })?),
        };
        let since = match (since_seconds, since_time) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "at most one of sinceTime or sinceSeconds may be specified",
                ));
            }
            (Some(s), None) if s < 1 => {
                return Err(ApiError::bad_request(
                    "sinceSeconds: Invalid value: must be greater than 0",
                ));
            }
            (Some(s), None) => Some(crate::now() - Duration::from_secs(s as u64)),
            (None, t) => t,
        };
        let non_negative = |key: &str| -> Result<Option<usize>, ApiError> {
            match query.int(key)? {
                Some(v) if v < 0 => Err(ApiError::bad_request(format!(
                    "{key}: Invalid value: {v}: must be greater than or equal to 0"
                ))),
                v => Ok(v.map(|v| v as usize)),
            }
        };
        Ok(LogOptions {
            container: query
                .get("container")
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            follow: query.flag("follow")?,
            previous: query.flag("previous")?,
            timestamps: query.flag("timestamps")?,
            tail_lines: non_negative("tailLines")?,
            since,
            limit_bytes: non_negative("limitBytes")?,
        })
    }
}

/// What rows of a Table carry as `object`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// The representation the client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// The typed object or list.
    Full,
    /// `PartialObjectMetadata` / `PartialObjectMetadataList` (kube's metadata API).
    Metadata,
    /// A `meta.k8s.io` Table, as `kubectl get` asks for (version is `v1` or `v1beta1`).
    Table {
        version: &'static str,
        include: IncludeObject,
    },
}

/// Picks the encoding from the `Accept` media ranges, in the client's order of preference.
pub(crate) fn negotiate(accept: Option<&str>, query: &Query) -> Result<Encoding, ApiError> {
    for range in accept.unwrap_or("").split(',') {
        let mut parts = range.split(';').map(str::trim);
        let _media_type = parts.next();
        let (mut as_, mut group, mut version) = ("", "", "");
        for param in parts {
            match param.split_once('=') {
                Some(("as", v)) => as_ = v,
                Some(("g", v)) => group = v,
                Some(("v", v)) => version = v,
                _ => {}
            }
        }
        if group != "meta.k8s.io" {
            continue;
        }
        let version = match version {
            "v1" => "v1",
            "v1beta1" => "v1beta1",
            _ => continue,
        };
        match as_ {
            "Table" => {
                let include = match query.get("includeObject") {
                    None | Some("" | "Metadata") => IncludeObject::Metadata,
                    Some("None") => IncludeObject::None,
                    Some("Object") => IncludeObject::Object,
                    Some(other) => {
                        return Err(ApiError::bad_request(format!(
                            "includeObject: Unsupported value: \"{other}\": supported values: \"Metadata\", \"None\", \"Object\""
                        )));
                    }
                };
                return Ok(Encoding::Table { version, include });
            }
            "PartialObjectMetadata" | "PartialObjectMetadataList" => return Ok(Encoding::Metadata),
            _ => {}
        }
    }
    Ok(Encoding::Full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query() {
        let q = Query::parse(Some(
            "labelSelector=app%3Dnginx%2Ctier+in+(a)&limit=2&bad=%zz",
        ));
        assert_eq!(q.get("labelSelector"), Some("app=nginx,tier in (a)"));
        assert_eq!(q.int("limit").ok().flatten(), Some(2));
        assert_eq!(q.get("bad"), Some("%zz"));
        assert!(Query::parse(Some("limit=x")).int("limit").is_err());
    }

    #[test]
    fn negotiates_table() {
        let q = Query::default();
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            negotiate(Some(kubectl), &q).ok(),
            Some(Encoding::Table {
                version: "v1",
                include: IncludeObject::Metadata
            })
        );
        assert_eq!(
            negotiate(Some("application/json"), &q).ok(),
            Some(Encoding::Full)
        );
        let meta = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
        assert_eq!(negotiate(Some(meta), &q).ok(), Some(Encoding::Metadata));
    }
}
