//! Tables of rows and columns as `kubectl get` prints them: UPPERCASE
//! headers the caller chooses, no borders, three spaces between columns,
//! no trailing spaces, colour (on a terminal) that never shifts a column.
//! They are laid out by the same [`TabWriter`] as kubectl's own tables, so
//! a plugin's table and a Kubernetes listing line up the same way.

use super::tabwriter::{Piece, TabWriter};

/// A terminal colour for one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tint {
    /// Healthy, up, firing resolved.
    Green,
    /// Down, failed, firing.
    Red,
    /// Pending, degraded, unknown.
    Yellow,
}

impl Tint {
    /// The SGR code that ends a tinted cell.
    pub(crate) const RESET: &'static str = "\x1b[0m";

    /// The SGR code that starts a tinted cell.
    pub(crate) fn ansi(self) -> &'static str {
        match self {
            Tint::Green => "\x1b[32m",
            Tint::Red => "\x1b[31m",
            Tint::Yellow => "\x1b[33m",
        }
    }
}

/// A table cell: text and an optional colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    text: String,
    tint: Option<Tint>,
}

impl Cell {
    /// A cell coloured with `tint` (when the table is rendered with colour).
    pub fn tinted(text: impl Into<String>, tint: Option<Tint>) -> Self {
        Cell {
            text: text.into(),
            tint,
        }
    }

    fn piece(&self) -> Piece<'_> {
        Piece {
            text: &self.text,
            tint: self.tint,
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Self {
        Cell::tinted(text, None)
    }
}

/// Columns aligned like kubectl's: each as wide as its widest cell (counted
/// in characters) plus three spaces, no borders, no trailing spaces.
///
/// [`Table::render`] prints the whole table. A table too large to hold
/// prints in windows with [`Table::flush`]: the header goes out with the
/// first window, and a later window may widen a column but never narrows
/// it, as `kubectl get` prints a list it receives in chunks.
#[derive(Debug, Clone)]
pub struct Table {
    writer: TabWriter,
    header: Option<Vec<Cell>>,
    rows: Vec<Vec<Cell>>,
    columns: usize,
}

impl Table {
    /// A table with these headers (written as given: kubectl's are UPPERCASE).
    pub fn new<H: Into<String>>(headers: impl IntoIterator<Item = H>) -> Self {
        let header: Vec<Cell> = headers.into_iter().map(|h| Cell::from(h.into())).collect();
        Table {
            writer: TabWriter::new(0, 3).remembering(),
            columns: header.len(),
            header: Some(header),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing trailing cells are blank.
    pub fn row<C: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = C>) {
        let cells: Vec<Cell> = cells.into_iter().map(Into::into).collect();
        self.columns = self.columns.max(cells.len());
        self.rows.push(cells);
    }

    /// The whole table as text, with ANSI colour when `color` is set.
    pub fn render(&self, color: bool) -> String {
        self.lay_out(&mut self.writer.clone(), color)
    }

    /// The rows added since the last flush (and the header, the first
    /// time), laid out under the widths of every earlier flush; the rows
    /// are dropped.
    pub fn flush(&mut self, color: bool) -> String {
        let mut writer = std::mem::take(&mut self.writer);
        let text = self.lay_out(&mut writer, color);
        self.writer = writer;
        self.header = None;
        self.rows.clear();
        text
    }

    fn lay_out(&self, writer: &mut TabWriter, color: bool) -> String {
        let blank = Cell::from("");
        let columns = self.columns;
        let mut lines: Vec<Vec<Piece<'_>>> = self
            .header
            .iter()
            .chain(&self.rows)
            .map(|row| {
                (0..columns)
                    .map(|i| row.get(i).unwrap_or(&blank).piece())
                    .collect()
            })
            .collect();
        // The empty last line ends the text with a newline, as "\n" after
        // every row would.
        lines.push(Vec::new());
        let mut laid = String::new();
        writer.format_cells(&lines, color, &mut laid);
        let mut text = String::with_capacity(laid.len());
        for line in laid.lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_like_kubectl() {
        let mut table = Table::new(["JOB", "INSTANCE", "HEALTH"]);
        table.row([
            Cell::from("prometheus"),
            Cell::from("127.0.0.1:9090"),
            Cell::tinted("up", Some(Tint::Green)),
        ]);
        table.row([
            Cell::from("node"),
            Cell::from("10.0.0.1:9100"),
            Cell::tinted("down", Some(Tint::Red)),
        ]);
        assert_eq!(
            table.render(false),
            "JOB          INSTANCE         HEALTH\n\
             prometheus   127.0.0.1:9090   up\n\
             node         10.0.0.1:9100    down\n"
        );
        let coloured = table.render(true);
        assert!(coloured.contains("\x1b[31mdown\x1b[0m"), "{coloured:?}");
        // Colour must not change the alignment.
        assert_eq!(
            coloured
                .replace("\x1b[32m", "")
                .replace("\x1b[31m", "")
                .replace("\x1b[0m", ""),
            table.render(false)
        );
    }

    #[test]
    fn empty_last_cells_leave_no_trailing_spaces() {
        let mut table = Table::new(["A", "ERROR"]);
        table.row(["x", ""]);
        table.row(["ééé"]);
        assert_eq!(table.render(false), "A     ERROR\nx\nééé\n");
    }

    #[test]
    fn windows_widen_columns_but_never_narrow_them() {
        let mut table = Table::new(["NAME", "VALUE"]);
        table.row(["a", "1"]);
        assert_eq!(table.flush(false), "NAME   VALUE\na      1\n");
        table.row(["longer-name", "2"]);
        assert_eq!(table.flush(false), "longer-name   2\n");
        table.row(["b", "3"]);
        assert_eq!(table.flush(false), "b             3\n");
    }

    #[test]
    fn an_empty_table_is_its_header() {
        assert_eq!(Table::new(["NAME", "AGE"]).render(false), "NAME   AGE\n");
    }
}
