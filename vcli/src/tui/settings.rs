//! The `[tui]` section of the config file: theme and key bindings.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::keys::{Keymap, KeymapError};
use super::theme::ThemeName;

/// `[tui]` as written in the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawTuiSettings {
    theme: ThemeName,
    keys: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

/// `[tui]`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TuiSettings {
    /// Dark or light.
    pub theme: ThemeName,
    /// The global keys.
    pub keys: Keymap,
}

impl RawTuiSettings {
    /// Checks the key bindings.
    ///
    /// # Errors
    ///
    /// The first binding that is unknown, unreadable or taken, with its
    /// byte offset in the file.
    pub(crate) fn check(self) -> Result<TuiSettings, KeymapError> {
        let entries = self.keys.into_iter().map(|(name, key)| {
            let name_at = name.span().start;
            let key_at = key.span().start;
            (name.into_inner(), name_at, key.into_inner(), key_at)
        });
        Ok(TuiSettings {
            theme: self.theme,
            keys: Keymap::from_entries(entries)?,
        })
    }
}
