//! The order of a list: by a column, either way (k9s's keys: Shift and the
//! column's first letter, `<` and `>` to move, `r` to reverse), and the
//! filtered, sorted rows the view shows.

use crate::kind::Kind;
use crate::model::KubeModel;
use crate::row::Row;

use super::filter::RowFilter;

/// A list's sort: the column (an index into [`Kind::columns`]) and the direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub column: usize,
    /// Largest first.
    pub descending: bool,
}

impl Sort {
    /// The sort after Shift+`letter`: the next column whose title starts
    /// with the letter (READY, then RESTARTS), or the same column reversed
    /// when it is the only one.
    pub fn by_letter(current: Option<Sort>, kind: Kind, letter: char) -> Option<Sort> {
        let letter = letter.to_ascii_uppercase();
        let matching: Vec<usize> = kind
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.title.starts_with(letter))
            .map(|(i, _)| i)
            .collect();
        let first = *matching.first()?;
        Some(match current {
            Some(s) if matching == [s.column] => Sort {
                descending: !s.descending,
                ..s
            },
            Some(s) if matching.contains(&s.column) => {
                let at = matching.iter().position(|&i| i == s.column).unwrap_or(0);
                Sort {
                    column: matching[(at + 1) % matching.len()],
                    descending: false,
                }
            }
            _ => Sort {
                column: first,
                descending: false,
            },
        })
    }

    /// The sort moved one column left (`step` -1) or right (+1), starting
    /// from NAME's column when the list is in its default order.
    pub fn moved(current: Option<Sort>, kind: Kind, step: isize) -> Sort {
        let columns = kind.columns().len();
        match current {
            None => Sort {
                column: kind
                    .columns()
                    .iter()
                    .position(|c| c.title == "NAME")
                    .unwrap_or(0),
                descending: false,
            },
            Some(s) => Sort {
                column: s.column.saturating_add_signed(step).min(columns - 1),
                ..s
            },
        }
    }
}

/// Rows of `kind` that the filter keeps, in the view's order. Every row
/// is looked at once and the matches sorted (stable, so ties keep their
/// context/namespace/name order); 10,000 rows take well under a frame (see
/// `benches/view.rs`).
pub fn ordered<'m>(
    model: &'m KubeModel,
    kind: Kind,
    filter: &RowFilter,
    sort: Option<Sort>,
) -> Vec<&'m Row> {
    let mut rows: Vec<&Row> = model.rows(kind).filter(|r| filter.keeps(r)).collect();
    if let Some(sort) = sort {
        // One instant for the whole sort: a running job's DURATION is
        // measured to it, and the comparisons stay consistent.
        let now = jiff::Timestamp::now();
        rows.sort_by(|a, b| {
            let order = match (a.cell(sort.column), b.cell(sort.column)) {
                (Some(x), Some(y)) => x.compare(y, now),
                _ => std::cmp::Ordering::Equal,
            };
            if sort.descending {
                order.reverse()
            } else {
                order
            }
        });
    }
    rows
}

/// The rows at `offset..offset + height` of [`ordered`], and how many
/// there are in all. Without a filter or a sort, only the rows skipped
/// and shown are looked at.
pub(crate) fn window<'m>(
    model: &'m KubeModel,
    kind: Kind,
    filter: &RowFilter,
    sort: Option<Sort>,
    offset: usize,
    height: usize,
) -> (Vec<&'m Row>, usize) {
    if filter.is_all() && sort.is_none() {
        let rows = model.rows(kind).skip(offset).take(height).collect();
        return (rows, model.count(kind));
    }
    let rows = ordered(model, kind, filter, sort);
    let total = rows.len();
    (rows.into_iter().skip(offset).take(height).collect(), total)
}

/// How many rows of `kind` the filter keeps.
pub(crate) fn matching(model: &KubeModel, kind: Kind, filter: &RowFilter) -> usize {
    if filter.is_all() {
        model.count(kind)
    } else {
        model.rows(kind).filter(|r| filter.keeps(r)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_cycle_through_columns_and_reverse_a_lone_one() {
        let r = Sort::by_letter(None, Kind::Pods, 'r').unwrap();
        assert_eq!(r.column, 1, "READY first");
        let r = Sort::by_letter(Some(r), Kind::Pods, 'R').unwrap();
        assert_eq!(r.column, 3, "then RESTARTS");
        let a = Sort::by_letter(None, Kind::Pods, 'A').unwrap();
        assert_eq!((a.column, a.descending), (4, false));
        let a = Sort::by_letter(Some(a), Kind::Pods, 'A').unwrap();
        assert_eq!((a.column, a.descending), (4, true));
        assert_eq!(Sort::by_letter(None, Kind::Pods, 'Z'), None);
        let m = Sort::moved(None, Kind::Pods, 1);
        assert_eq!(m.column, 0);
        assert_eq!(Sort::moved(Some(m), Kind::Pods, -1).column, 0);
        assert_eq!(Sort::moved(Some(a), Kind::Pods, 1).column, 4);
    }
}
