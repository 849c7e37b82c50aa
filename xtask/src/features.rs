//! Checks that Cargo features select exactly the plugins linked into `vcli`:
//! each build is run and asked for its own plugin list.

use anyhow::{Context, Result, ensure};

/// (features, plugins the binary must list)
const MATRIX: &[(&[&str], &[&str])] = &[
    (
        &["--no-default-features", "--features", "prom"],
        &["prometheus"],
    ),
    (
        &["--no-default-features", "--features", "k8s"],
        &["kubernetes"],
    ),
    (&["--no-default-features"], &[]),
    (&[], &["kubernetes", "prometheus"]),
];

pub(crate) fn check() -> Result<()> {
    for (features, expected) in MATRIX {
        let mut args = vec!["run", "--quiet", "--package", "vcli"];
        args.extend_from_slice(features);
        args.extend_from_slice(&["--", "plugins", "list", "--json"]);
        let output = crate::cargo_output(&args)?;
        let listed: serde_json::Value = serde_json::from_str(&output).with_context(|| {
            format!("`vcli plugins list --json` printed invalid JSON: {output}")
        })?;
        let names: Vec<&str> = listed
            .as_array()
            .context("the plugin list is not an array")?
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        ensure!(
            names == *expected,
            "features {features:?} should link exactly {expected:?}, but the binary lists {names:?}"
        );
        eprintln!("features {features:?}: lists {names:?} as expected");
    }
    Ok(())
}
