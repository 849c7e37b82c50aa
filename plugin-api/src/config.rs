//! A plugin's own configuration table, with errors that point at the file and line.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::PluginError;

/// The `[plugins.<name>.config]` table of the user's configuration file.
///
/// The host keeps the whole file's text, so that when a plugin parses its
/// table into its own type and a value is wrong, the error says
/// `path:line:column: what is wrong` exactly as the host's own errors do.
///
/// ```
/// use serde::Deserialize;
/// use vcli_plugin_api::PluginConfig;
///
/// #[derive(Debug, Deserialize, Default)]
/// #[serde(default, deny_unknown_fields)]
/// struct Settings { url: Option<String>, retries: u32 }
///
/// let text = "[plugins.demo.config]\nurl = \"http://x\"\nretries = \"three\"\n";
/// let config = PluginConfig::from_document(Some("vcli.toml".as_ref()), text, &["plugins", "demo", "config"]);
/// let err = config.parse::<Settings>().unwrap_err();
/// assert!(err.to_string().starts_with("vcli.toml:3:11: "), "{err}");
/// ```
#[derive(Clone, Default)]
pub struct PluginConfig {
    source: Option<Source>,
}

#[derive(Clone)]
struct Source {
    path: Option<PathBuf>,
    text: Arc<str>,
    key: Vec<String>,
}

impl fmt::Debug for PluginConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(s) => f
                .debug_struct("PluginConfig")
                .field("path", &s.path)
                .field("key", &s.key.join("."))
                .finish(),
            None => f.write_str("PluginConfig(empty)"),
        }
    }
}

impl PluginConfig {
    /// An empty configuration: every field takes its default.
    pub fn empty() -> Self {
        PluginConfig::default()
    }

    /// The table at `key` (for example `["plugins", "prometheus", "config"]`)
    /// inside the TOML document `text`, read from `path`.
    pub fn from_document(path: Option<&Path>, text: impl Into<Arc<str>>, key: &[&str]) -> Self {
        PluginConfig {
            source: Some(Source {
                path: path.map(Path::to_path_buf),
                text: text.into(),
                key: key.iter().map(|k| (*k).to_owned()).collect(),
            }),
        }
    }

    /// A configuration whose whole document is the plugin's table; handy in tests.
    pub fn from_toml(text: &str) -> Self {
        PluginConfig::from_document(None, text, &[])
    }

    /// Deserializes the table into `T`. A missing table deserializes from an
    /// empty one, so `#[serde(default)]` types get their defaults.
    ///
    /// # Errors
    ///
    /// [`PluginError::Config`] with `file:line:column: message` when the table
    /// does not fit `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        let Some(source) = &self.source else {
            return toml::from_str("").map_err(|e| PluginError::Config(e.message().to_owned()));
        };
        let doc = toml::de::DeTable::parse(&source.text).map_err(|e| source.error(&e))?;
        let mut value = toml::Spanned::new(doc.span(), toml::de::DeValue::Table(doc.into_inner()));
        for key in &source.key {
            let next = value.get_ref().get(key.as_str()).cloned();
            match next {
                Some(v) => value = v,
                None => return toml::from_str("").map_err(|e| source.error(&e)),
            }
        }
        T::deserialize(toml::de::ValueDeserializer::from(value)).map_err(|e| source.error(&e))
    }
}

impl Source {
    fn error(&self, err: &toml::de::Error) -> PluginError {
        let place = match &self.path {
            Some(p) => p.display().to_string(),
            None => "<config>".to_owned(),
        };
        let message = err.message().trim_end();
        PluginError::Config(match err.span() {
            Some(span) => {
                let (line, column) = line_column(&self.text, span.start);
                format!("{place}:{line}:{column}: {message}")
            }
            None => format!("{place}: {message}"),
        })
    }
}

/// The 1-based line and column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, Default, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Settings {
        url: Option<String>,
        retries: u32,
    }

    #[test]
    fn missing_table_gives_defaults() {
        let config =
            PluginConfig::from_document(None, "[other]\nx = 1\n", &["plugins", "p", "config"]);
        assert_eq!(config.parse::<Settings>().unwrap(), Settings::default());
        assert_eq!(
            PluginConfig::empty().parse::<Settings>().unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let text = "[plugins.p.config]\nurl = \"u\"\n\nflavour = 1\n";
        let config = PluginConfig::from_document(
            Some(Path::new("c.toml")),
            text,
            &["plugins", "p", "config"],
        );
        let err = config.parse::<Settings>().unwrap_err().to_string();
        assert!(
            err.starts_with("c.toml:4:1: unknown field `flavour`"),
            "{err}"
        );
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\nçd", 5), (2, 2));
        assert_eq!(line_column("x", 0), (1, 1));
    }
}
