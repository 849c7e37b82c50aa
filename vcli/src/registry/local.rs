//! The local backend: a directory of plugin crates, each described by its
//! own `Cargo.toml` (see the [module docs](super) for the keys). Nothing is
//! written twice: the version is the package's, the API requirement is the
//! crate's `vcli-plugin-api` dependency, the description and tags default
//! to the package's `description` and `keywords`.

use std::path::{Path, PathBuf};

use semver::{Version, VersionReq};
use toml::{Table, Value};
use vcli_plugin_api::Capability;

use super::{Entry, RegistryError, Source};

/// The package name of the plugin API crate.
pub const API_PACKAGE: &str = "vcli-plugin-api";

/// Every plugin crate in `dir`: each directory directly inside it that has a
/// `Cargo.toml` with `[package.metadata.vcli]`, and each such directory one
/// level further down (for a `NAME/VERSION/` layout). Crates without the
/// table are not plugins and are left out.
///
/// # Errors
///
/// `dir` cannot be read, or a plugin crate's manifest is malformed.
pub fn scan(dir: &Path) -> Result<Vec<Entry>, RegistryError> {
    let mut entries = Vec::new();
    scan_into(dir, 2, &mut entries)?;
    Ok(entries)
}

fn scan_into(dir: &Path, depth: u8, entries: &mut Vec<Entry>) -> Result<(), RegistryError> {
    let io = |source| RegistryError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != "target"
        })
        .map(|e| e.path())
        .collect();
    children.sort();
    for child in children {
        if child.join("Cargo.toml").is_file() {
            if let Some(entry) = read_crate_if_plugin(&child)? {
                entries.push(entry);
            }
        } else if depth > 1 {
            scan_into(&child, depth - 1, entries)?;
        }
    }
    Ok(())
}

/// The plugin crate in `dir`, from its `Cargo.toml`.
///
/// # Errors
///
/// The manifest cannot be read, has no `[package.metadata.vcli]`, or a key
/// is malformed; the error names the file and the key.
pub fn read_crate(dir: &Path) -> Result<Entry, RegistryError> {
    read_crate_if_plugin(dir)?.ok_or_else(|| RegistryError::Malformed {
        path: dir.join("Cargo.toml"),
        problem: "no [package.metadata.vcli] table: a plugin crate names its plugin there, e.g. `name = \"hello\"` (cargo xtask new-plugin writes one)".to_owned(),
    })
}

fn read_crate_if_plugin(dir: &Path) -> Result<Option<Entry>, RegistryError> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let path = dir.join("Cargo.toml");
    let manifest = read_toml(&path)?;
    let malformed = |problem: String| RegistryError::Malformed {
        path: path.clone(),
        problem,
    };
    let Some(package) = manifest.get("package").and_then(Value::as_table) else {
        return Ok(None);
    };
    let Some(vcli) = package
        .get("metadata")
        .and_then(|m| m.get("vcli"))
        .and_then(Value::as_table)
    else {
        return Ok(None);
    };
    let workspace = Workspace::new(&dir);
    let package_name = str_key(package, "package.name", "name")
        .map_err(&malformed)?
        .ok_or_else(|| malformed("package.name is missing".to_owned()))?;
    let version = match package.get("version") {
        Some(v) if is_inherited(v) => workspace
            .get(&["workspace", "package", "version"])?
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| {
                malformed("package.version is inherited, but no workspace above it sets workspace.package.version".to_owned())
            })?,
        Some(Value::String(v)) => v.clone(),
        Some(_) => return Err(malformed("package.version must be a string".to_owned())),
        None => "0.0.0".to_owned(),
    };
    let version = Version::parse(&version)
        .map_err(|e| malformed(format!("package.version {version:?} is not semver: {e}")))?;

    let name = str_key(vcli, "package.metadata.vcli.name", "name")
        .map_err(&malformed)?
        .ok_or_else(|| {
            malformed(
                "package.metadata.vcli.name is missing: the plugin's name, e.g. `name = \"hello\"`"
                    .to_owned(),
            )
        })?;
    if let Some(problem) = crate::catalog::name_problem(&name) {
        return Err(malformed(format!("package.metadata.vcli.name: {problem}")));
    }
    let description = match str_key(vcli, "package.metadata.vcli.description", "description")
        .map_err(&malformed)?
    {
        Some(d) => d,
        None => match package.get("description") {
            Some(v) if is_inherited(v) => workspace
                .get(&["workspace", "package", "description"])?
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            _ => str_key(package, "package.description", "description")
                .map_err(&malformed)?
                .unwrap_or_default(),
        },
    };
    let tags = match strings(vcli, "package.metadata.vcli.tags", "tags").map_err(&malformed)? {
        Some(tags) => tags,
        None => strings(package, "package.keywords", "keywords")
            .map_err(&malformed)?
            .unwrap_or_default(),
    };
    let capabilities = strings(vcli, "package.metadata.vcli.capabilities", "capabilities")
        .map_err(&malformed)?
        .unwrap_or_default()
        .iter()
        .map(|c| {
            c.parse::<Capability>()
                .map_err(|e| malformed(format!("package.metadata.vcli.capabilities: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let command = str_key(vcli, "package.metadata.vcli.command", "command").map_err(&malformed)?;
    if let Some(problem) = command.as_deref().and_then(crate::catalog::name_problem) {
        return Err(malformed(format!(
            "package.metadata.vcli.command: {problem}"
        )));
    }
    let api_requirement = api_requirement(&manifest, &workspace).map_err(&malformed)?;
    Ok(Some(Entry {
        name,
        package: package_name,
        version,
        description,
        tags,
        command,
        api_requirement,
        capabilities,
        source: Source::Path { path: dir.clone() },
    }))
}

/// The crate's requirement on `vcli-plugin-api`: its `[dependencies]` entry
/// (under its own name or renamed with `package = ...`), which may be
/// inherited from the workspace. A path dependency without a version accepts
/// any API version.
fn api_requirement(manifest: &Table, workspace: &Workspace) -> Result<VersionReq, String> {
    let Some(deps) = manifest.get("dependencies").and_then(Value::as_table) else {
        return Err(format!(
            "[dependencies] has no {API_PACKAGE}: a plugin crate depends on the plugin API, e.g. `{API_PACKAGE} = \"1\"`"
        ));
    };
    let found = deps.iter().find(|(key, value)| {
        key.as_str() == API_PACKAGE
            || value.get("package").and_then(Value::as_str) == Some(API_PACKAGE)
    });
    let Some((key, value)) = found else {
        return Err(format!(
            "[dependencies] has no {API_PACKAGE}: a plugin crate depends on the plugin API, e.g. `{API_PACKAGE} = \"1\"`"
        ));
    };
    let inherited;
    let value = if is_inherited(value) {
        inherited = workspace
            .get(&["workspace", "dependencies", key])
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!("dependencies.{key} is inherited, but no workspace above sets workspace.dependencies.{key}")
            })?;
        &inherited
    } else {
        value
    };
    let requirement = match value {
        Value::String(req) => Some(req.as_str()),
        Value::Table(t) => match t.get("version") {
            Some(Value::String(req)) => Some(req.as_str()),
            Some(_) => return Err(format!("dependencies.{key}.version must be a string")),
            None => None,
        },
        _ => return Err(format!("dependencies.{key} must be a string or a table")),
    };
    match requirement {
        None => Ok(VersionReq::STAR),
        Some(req) => VersionReq::parse(req)
            .map_err(|e| format!("dependencies.{key}: {req:?} is not a version requirement: {e}")),
    }
}

fn is_inherited(value: &Value) -> bool {
    value.get("workspace").and_then(Value::as_bool) == Some(true)
}

fn str_key(table: &Table, what: &str, key: &str) -> Result<Option<String>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{what} must be a string")),
    }
}

fn strings(table: &Table, what: &str, key: &str) -> Result<Option<Vec<String>>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{what} must be an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("{what} must be an array of strings")),
    }
}

fn read_toml(path: &Path) -> Result<Table, RegistryError> {
    let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Io {
        path: path.to_owned(),
        source,
    })?;
    text.parse::<Table>().map_err(|e| RegistryError::Malformed {
        path: path.to_owned(),
        problem: e.to_string().trim_end().to_owned(),
    })
}

/// The manifest of the workspace a crate belongs to, read only when an
/// inherited key needs it: the nearest `Cargo.toml` above the crate with a
/// `[workspace]` table.
struct Workspace {
    start: PathBuf,
}

impl Workspace {
    fn new(crate_dir: &Path) -> Self {
        Workspace {
            start: crate_dir.to_owned(),
        }
    }

    fn get(&self, keys: &[&str]) -> Result<Option<Value>, RegistryError> {
        let mut dir = self.start.parent();
        while let Some(d) = dir {
            let path = d.join("Cargo.toml");
            if path.is_file() {
                let manifest = read_toml(&path)?;
                if manifest.contains_key("workspace") {
                    let mut value: Option<&Value> = None;
                    for (i, key) in keys.iter().enumerate() {
                        value = if i == 0 {
                            manifest.get(*key)
                        } else {
                            value.and_then(|v| v.get(*key))
                        };
                    }
                    return Ok(value.cloned());
                }
            }
            dir = d.parent();
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn temp() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "vcli-registry-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_plugin_crates_and_skips_other_crates() {
        let dir = temp();
        write(
            &dir,
            "hello/Cargo.toml",
            r#"
[package]
name = "vcli-plugin-hello"
version = "0.2.0"
description = "Says hello"
keywords = ["demo"]

[package.metadata.vcli]
name = "hello"
capabilities = ["cli-commands"]

[dependencies]
vcli-plugin-api = "1"
"#,
        );
        write(
            &dir,
            "kafka/0.1.0/Cargo.toml",
            r#"
[package]
name = "kafka-plugin"
version = "0.1.0"
[package.metadata.vcli]
name = "kafka"
description = "Topics and lag"
tags = ["kafka", "streams"]
command = "kafka"
capabilities = ["network", "cli-commands"]
[dependencies]
api = { package = "vcli-plugin-api", version = "^2" }
"#,
        );
        write(
            &dir,
            "helper/Cargo.toml",
            "[package]\nname = \"helper\"\nversion = \"1.0.0\"\n",
        );
        let entries = scan(&dir).unwrap();
        assert_eq!(entries.len(), 2, "{entries:#?}");
        let hello = &entries[0];
        assert_eq!(hello.name, "hello");
        assert_eq!(hello.package, "vcli-plugin-hello");
        assert_eq!(hello.version, Version::new(0, 2, 0));
        assert_eq!(hello.description, "Says hello");
        assert_eq!(hello.tags, ["demo"]);
        assert_eq!(hello.api_requirement.to_string(), "^1");
        assert_eq!(hello.capabilities, [Capability::CliCommands]);
        assert_eq!(hello.command, None);
        let kafka = &entries[1];
        assert_eq!(kafka.name, "kafka");
        assert_eq!(kafka.command.as_deref(), Some("kafka"));
        assert_eq!(kafka.api_requirement.to_string(), "^2");
        assert_eq!(
            kafka.source,
            Source::Path {
                path: dir.join("kafka/0.1.0")
            }
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_keys_are_named() {
        let dir = temp();
        let cases = [
            (
                "[package.metadata.vcli]\nname = \"Bad_Name\"",
                "package.metadata.vcli.name",
            ),
            (
                "[package.metadata.vcli]\nname = \"ok\"\ncapabilities = [\"telepathy\"]",
                "unknown capability \"telepathy\"",
            ),
            (
                "[package.metadata.vcli]\ntags = []",
                "package.metadata.vcli.name is missing",
            ),
        ];
        for (table, expected) in cases {
            write(
                &dir,
                "p/Cargo.toml",
                &format!(
                    "[package]\nname = \"p\"\nversion = \"0.1.0\"\n{table}\n[dependencies]\nvcli-plugin-api = \"1\"\n"
                ),
            );
            let e = read_crate(&dir.join("p")).unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
            assert!(e.contains("Cargo.toml"), "{e}");
        }
        write(
            &dir,
            "p/Cargo.toml",
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\n[package.metadata.vcli]\nname = \"p\"\n",
        );
        let e = read_crate(&dir.join("p")).unwrap_err().to_string();
        assert!(e.contains("has no vcli-plugin-api"), "{e}");
        write(&dir, "p/Cargo.toml", "[package]\nname = \"p\"\n");
        let e = read_crate(&dir.join("p")).unwrap_err().to_string();
        assert!(e.contains("no [package.metadata.vcli]"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn first_party_plugins_inherit_from_the_workspace() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let k8s = read_crate(&root.join("plugins/kubernetes")).unwrap();
        assert_eq!(k8s.name, "kubernetes");
        assert_eq!(k8s.version.to_string(), env!("CARGO_PKG_VERSION"));
        assert!(
            k8s.api_requirement
                .matches(&vcli_plugin_api::API_VERSION.parse().unwrap())
        );
        assert!(k8s.capabilities.contains(&Capability::KubernetesApi));
    }

    /// What a registry reads from a first-party crate's manifest is what
    /// its linked plugin says (bundles check the same of every plugin).
    #[test]
    #[cfg(all(feature = "k8s", feature = "prom"))]
    fn first_party_manifests_say_what_their_plugins_say() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for dir in ["plugins/kubernetes", "plugins/prometheus"] {
            let entry = read_crate(&root.join(dir)).unwrap();
            let linked = vcli_plugin_api::registrations()
                .into_iter()
                .find(|r| r.metadata().name == entry.name)
                .unwrap_or_else(|| panic!("{} is linked", entry.name));
            let meta = linked.metadata();
            assert_eq!(entry.version.to_string(), meta.version, "{dir}");
            assert_eq!(entry.command.as_deref(), meta.command, "{dir}");
            assert_eq!(entry.capabilities, meta.capabilities, "{dir}");
            assert_eq!(entry.tags, meta.tags, "{dir}");
        }
    }
}
