//! The view's half of the host's `/` filter line: a substring of the row,
//! or a label selector when the text starts with `-l `.

use crate::row::Row;
use crate::selector::Selector;

/// Which rows the filter keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RowFilter {
    /// Every row.
    #[default]
    All,
    /// Rows whose text contains this (lowercased) string.
    Text(String),
    /// Rows whose labels satisfy the selector.
    Labels(Selector),
}

impl RowFilter {
    /// The filter for the text of the host's filter line.
    ///
    /// # Errors
    ///
    /// A label selector that does not parse, with what is wrong.
    pub fn parse(text: &str) -> Result<RowFilter, String> {
        let trimmed = text.trim_start();
        if let Some(selector) = trimmed.strip_prefix("-l ") {
            return Selector::parse(selector)
                .map(RowFilter::Labels)
                .map_err(|e| format!("bad label selector: {e}"));
        }
        if text.is_empty() {
            Ok(RowFilter::All)
        } else {
            Ok(RowFilter::Text(text.to_lowercase()))
        }
    }

    /// Whether `row` passes.
    pub fn keeps(&self, row: &Row) -> bool {
        match self {
            RowFilter::All => true,
            RowFilter::Text(needle) => row.contains(needle),
            RowFilter::Labels(selector) => selector.matches(&row.labels),
        }
    }

    /// Whether the filter keeps every row.
    pub fn is_all(&self) -> bool {
        matches!(self, RowFilter::All)
    }
}
