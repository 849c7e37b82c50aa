//! The kubeconfig clients use to reach the emulator, and the tokens it accepts.
//!
//! The server is `https://127.0.0.1:PORT`, trusted through `certificate-authority-data`:
//! client-go sends bearer tokens only over TLS.
//!
//! Contexts: `emulator` (current; namespace `default`), `emulator-kube-system` (namespace
//! `kube-system`), `bad-token` (a token the server rejects: 401) and `forbidden` (a user
//! whose every request gets 403).

use std::path::Path;

/// The bearer token of the cluster admin.
pub const ADMIN_TOKEN: &str = "emulator-token";
/// The bearer token of the user `forbidden`, who may do nothing.
pub const FORBIDDEN_TOKEN: &str = "forbidden-token";
/// A token the emulator does not know.
pub const BAD_TOKEN: &str = "expired-or-revoked-token";

/// Who a request's bearer token says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum User {
    Admin,
    Forbidden,
}

impl User {
    /// Authenticates an `Authorization` header value; `None` means 401.
    pub(crate) fn from_authorization(header: Option<&str>) -> Option<User> {
        let token = header?.strip_prefix("Bearer ")?.trim();
        match token {
            ADMIN_TOKEN => Some(User::Admin),
            FORBIDDEN_TOKEN => Some(User::Forbidden),
            _ => None,
        }
    }
}

/// The kubeconfig (YAML) for a server at `server_url` whose certificate `ca_pem` signed.
pub(crate) fn render(server_url: &str, ca_pem: &str) -> String {
    render_clusters(server_url, ca_pem, &[])
}

/// The kubeconfig of the first server (its four contexts, as [`render`]
/// writes them) and of more servers: `(context, url, ca_pem)`, each a
/// cluster of its own reached as the admin, in namespace `default`.
pub(crate) fn render_clusters(
    server_url: &str,
    ca_pem: &str,
    more: &[(String, String, String)],
) -> String {
    use base64::Engine;
    let encode = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem);
    let mut out = String::new();
    out.push_str("apiVersion: v1\nkind: Config\npreferences: {}\ncurrent-context: emulator\n");
    out.push_str("clusters:\n");
    let first = std::iter::once(("emulator", server_url, ca_pem));
    let others = more
        .iter()
        .map(|(c, u, p)| (c.as_str(), u.as_str(), p.as_str()));
    for (name, url, pem) in first.chain(others) {
        out.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n",
            quote(url),
            encode(pem)
        ));
    }
    out.push_str("contexts:\n");
    for (context, _, _) in more {
        out.push_str(&format!(
            "- name: {context}\n  context:\n    cluster: {context}\n    user: emulator-admin\n    namespace: default\n"
        ));
    }
    for (context, user, namespace) in [
        ("emulator", "emulator-admin", "default"),
        ("emulator-kube-system", "emulator-admin", "kube-system"),
        ("bad-token", "bad-token", "default"),
        ("forbidden", "forbidden", "default"),
    ] {
        out.push_str(&format!(
            "- name: {context}\n  context:\n    cluster: emulator\n    user: {user}\n    namespace: {namespace}\n"
        ));
    }
    out.push_str("users:\n");
    for (user, token) in [
        ("emulator-admin", ADMIN_TOKEN),
        ("bad-token", BAD_TOKEN),
        ("forbidden", FORBIDDEN_TOKEN),
    ] {
        out.push_str(&format!(
            "- name: {user}\n  user:\n    token: {}\n",
            quote(token)
        ));
    }
    out
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quote(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

/// Writes a kubeconfig to `path`, creating its directory.
pub(crate) fn write(path: &Path, yaml: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, yaml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_map_to_users() {
        assert_eq!(
            User::from_authorization(Some("Bearer emulator-token")),
            Some(User::Admin)
        );
        assert_eq!(
            User::from_authorization(Some("Bearer forbidden-token")),
            Some(User::Forbidden)
        );
        assert_eq!(User::from_authorization(Some("Bearer nope")), None);
        assert_eq!(User::from_authorization(None), None);
    }

    #[test]
    fn more_clusters_get_a_context_each() {
        let more = [(
            "emulator-2".to_owned(),
            "https://127.0.0.1:2345".to_owned(),
            "PEM2".to_owned(),
        )];
        let yaml = render_clusters("https://127.0.0.1:1234", "PEM", &more);
        for needle in [
            "current-context: emulator\n",
            "- name: emulator-2\n  cluster:\n    server: \"https://127.0.0.1:2345\"\n    certificate-authority-data: UEVNMg==\n",
            "- name: emulator-2\n  context:\n    cluster: emulator-2\n    user: emulator-admin\n",
            "- name: forbidden",
        ] {
            assert!(yaml.contains(needle), "{needle} missing from\n{yaml}");
        }
        assert_eq!(
            render("https://127.0.0.1:1234", "PEM"),
            render_clusters("https://127.0.0.1:1234", "PEM", &[])
        );
    }

    #[test]
    fn kubeconfig_names_all_contexts() {
        let yaml = render("https://127.0.0.1:1234", "PEM");
        for needle in [
            "server: \"https://127.0.0.1:1234\"",
            "certificate-authority-data: UEVN\n",
            "current-context: emulator\n",
            "- name: emulator-kube-system",
            "namespace: kube-system",
            "- name: bad-token",
            "- name: forbidden",
            "token: \"emulator-token\"",
        ] {
            assert!(yaml.contains(needle), "{needle} missing from\n{yaml}");
        }
    }
}
