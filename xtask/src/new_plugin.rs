//! `cargo xtask new-plugin NAME --path DIR`: an out-of-tree plugin crate
//! (metadata, one command, a health check, a view, `[package.metadata.vcli]`
//! and tests) whose own `cargo test` passes, and which `cargo xtask bundle
//! --with DIR` links.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

const CARGO_TOML: &str = include_str!("../templates/plugin/Cargo.toml.tmpl");
const LIB_RS: &str = include_str!("../templates/plugin/lib.rs.tmpl");
const TEST_RS: &str = include_str!("../templates/plugin/test.rs.tmpl");
const README: &str = include_str!("../templates/plugin/README.md.tmpl");

#[derive(Debug, clap::Args)]
pub(crate) struct NewPluginArgs {
    /// The plugin's name, which is also its command: lowercase letters,
    /// digits and '-', starting with a letter
    name: String,
    /// The directory to create (it must not exist, or be empty)
    #[arg(long, value_name = "DIR")]
    path: PathBuf,
}

pub(crate) fn run(args: &NewPluginArgs) -> Result<()> {
    let dir = std::env::current_dir()?.join(&args.path);
    let files = scaffold(&args.name, &dir, &crate::bundle::repo_root())?;
    eprintln!(
        "new-plugin: wrote {} files in {}\n  cd {} && cargo test\n  cargo xtask bundle --plugins k8s,prom --with {}",
        files,
        args.path.display(),
        args.path.display(),
        args.path.display()
    );
    Ok(())
}

/// Writes the crate for plugin `name` into `dir`; returns how many files.
pub(crate) fn scaffold(name: &str, dir: &Path, root: &Path) -> Result<usize> {
    if let Some(problem) = vcli::catalog::name_problem(name) {
        bail!("plugin name {problem}");
    }
    if vcli::catalog::RESERVED_COMMANDS.contains(&name) {
        bail!("{name:?} is one of the host's own commands; choose another plugin name");
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} exists and is not empty; choose a new directory",
            dir.display()
        );
    }
    let crate_name = format!("vcli-plugin-{name}");
    let type_name: String = name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<String>()
        + "Plugin";
    let api_path = root.join("plugin-api");
    let fill = |template: &str| {
        template
            .replace("__CRATE_IDENT__", &crate_name.replace('-', "_"))
            .replace("__CRATE__", &crate_name)
            .replace("__TYPE__", &type_name)
            .replace("__NAME__", name)
            .replace("__API_PATH__", &api_path.to_string_lossy())
            .replace("__DIR__", &dir.to_string_lossy())
    };
    // The workspace's lock: the plugin's tests build with the versions vcli
    // itself is tested with (Cargo drops what the plugin does not use).
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let files: [(&str, String); 6] = [
        ("Cargo.toml", fill(CARGO_TOML)),
        ("Cargo.lock", lock),
        ("src/lib.rs", fill(LIB_RS)),
        ("tests/plugin.rs", fill(TEST_RS)),
        ("README.md", fill(README)),
        (".gitignore", "/target\n".to_owned()),
    ];
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(files.len())
}
