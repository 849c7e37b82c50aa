//! One line of a list as the view draws it: cells computed once when the
//! watch delivers the object, so that drawing and sorting never touch API
//! objects. Only ages depend on the clock; they keep their timestamp and are
//! printed per frame.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::printers::{restarts_cell, since_ts};

mod columns;

pub use columns::{Listed, row_of};

/// A cell of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text printed as it is.
    Text(String),
    /// A count, printed in decimal and sorted numerically.
    Count(i64),
    /// An age or a LAST SEEN: the time it counts from (`<unknown>` without).
    Age(Option<Timestamp>),
    /// A pod's RESTARTS: the count, and when the last restart ended
    /// (`7 (5m ago)`); sorted by the count.
    Restarts(i64, Option<Timestamp>),
    /// A job's DURATION: from its start to its end, or to now while it
    /// runs; sorted by length.
    Span(Timestamp, Option<Timestamp>),
}

impl Cell {
    /// A text cell.
    pub fn text(text: impl Into<String>) -> Self {
        Cell::Text(text.into())
    }

    /// The cell as kubectl prints it at `now`.
    pub fn print(&self, now: Timestamp) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Age(Some(t)) => since_ts(*t, now),
            Cell::Age(None) => "<unknown>".to_owned(),
            Cell::Restarts(n, last) => restarts_cell(*n, *last, now),
            Cell::Span(start, end) => since_ts(*start, end.unwrap_or(now)),
        }
    }

    /// How two cells of one column compare, ascending: text as text,
    /// counts as numbers, ages as ages, the youngest first (so a later
    /// timestamp is less; an unknown time last), spans by length, a running
    /// one measured to `now`. A sort passes one `now` for all its
    /// comparisons, so that the order stays total while the clock moves.
    pub fn compare(&self, other: &Cell, now: Timestamp) -> Ordering {
        match (self, other) {
            (Cell::Text(a), Cell::Text(b)) => a.cmp(b),
            (Cell::Count(a) | Cell::Restarts(a, _), Cell::Count(b) | Cell::Restarts(b, _)) => {
                a.cmp(b)
            }
            (Cell::Age(a), Cell::Age(b)) => match (a, b) {
                (Some(a), Some(b)) => b.cmp(a),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            (Cell::Span(a, a_end), Cell::Span(b, b_end)) => {
                let length = |start: &Timestamp, end: &Option<Timestamp>| {
                    end.unwrap_or(now).duration_since(*start)
                };
                length(a, a_end).cmp(&length(b, b_end))
            }
            // Cells of one column have one shape; anything else keeps
            // the rows' order.
            _ => Ordering::Equal,
        }
    }

    fn searchable(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// A row of a list: where the object lives, its cells and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The kubeconfig context it came from.
    pub context: String,
    /// Its namespace (empty for cluster-scoped kinds).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The cells of the kind's columns, NAME included, NAMESPACE and CONTEXT not.
    pub cells: Vec<Cell>,
    /// Its labels, for label selectors.
    pub labels: BTreeMap<String, String>,
    /// Lowercased text of the row, so that a filter allocates nothing per row.
    search: String,
}

impl Row {
    /// A row from its parts.
    pub fn new(
        context: &str,
        namespace: &str,
        name: &str,
        cells: Vec<Cell>,
        labels: BTreeMap<String, String>,
    ) -> Self {
        let mut search = format!("{context} {namespace}/{name}");
        for cell in cells.iter().filter_map(Cell::searchable) {
            search.push(' ');
            search.push_str(cell);
        }
        Row {
            context: context.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            search: search.to_lowercase(),
            cells,
            labels,
        }
    }

    /// Whether the row's text contains `needle`, which is already lowercased.
    pub fn contains(&self, needle: &str) -> bool {
        needle.is_empty() || self.search.contains(needle)
    }

    /// The cell of column `i`, if the row has it.
    pub fn cell(&self, i: usize) -> Option<&Cell> {
        self.cells.get(i)
    }

    /// The text of column `title` of `kind`'s columns (`STATUS`), for counts.
    pub fn text_of(&self, columns: &[crate::kind::Column], title: &str) -> Option<&str> {
        let i = columns.iter().position(|c| c.title == title)?;
        match self.cells.get(i)? {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sort_as_numbers_and_ages_from_the_youngest() {
        let now: Timestamp = "2024-03-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            Cell::Count(10).compare(&Cell::Count(9), now),
            Ordering::Greater
        );
        assert_eq!(
            Cell::Restarts(10, None).compare(&Cell::Restarts(9, None), now),
            Ordering::Greater
        );
        let old: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let new: Timestamp = "2024-02-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            Cell::Age(Some(old)).compare(&Cell::Age(Some(new)), now),
            Ordering::Greater
        );
        assert_eq!(
            Cell::Age(None).compare(&Cell::Age(Some(new)), now),
            Ordering::Greater
        );
        assert_eq!(Cell::Age(Some(old)).print(new), "31d");
    }

    #[test]
    fn a_running_jobs_duration_grows_with_the_clock() {
        let start: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let minute: Timestamp = "2024-01-01T00:01:00Z".parse().unwrap();
        let hour: Timestamp = "2024-01-01T01:00:00Z".parse().unwrap();
        let running = Cell::Span(start, None);
        assert_eq!(running.print(minute), "60s");
        assert_eq!(running.print(hour), "60m");
        let finished = Cell::Span(start, Some(minute));
        assert_eq!(finished.print(hour), "60s", "an ended job keeps its length");
        assert_eq!(running.compare(&finished, hour), Ordering::Greater);
    }
}
