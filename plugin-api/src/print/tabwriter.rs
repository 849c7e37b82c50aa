//! A port of Go's `text/tabwriter` (left-aligned, space padding), because
//! kubectl lays out both its tables and `describe` with it and operators'
//! eyes (and scripts cutting columns) expect exactly that alignment.
//!
//! Text is split into cells at `\t`; a cell is terminated by its tab, so the
//! text after a line's last tab is not part of any column. A column's width
//! is fixed per *block*: consecutive lines that have a cell in that column.
//!
//! `kubectl get` uses a fork of it (liggitt/tabwriter) with `RememberWidths`:
//! columns never get narrower than they were in an earlier flush, so pages
//! of a chunked list and rows of a watch stay aligned with the header.

use super::table::Tint;

/// A tab writer: its minimum column width, the padding added to the widest
/// cell of a column, and (for kubectl's tables) the widths it remembers
/// between flushes.
///
/// ```
/// use vcli_plugin_api::print::TabWriter;
///
/// let mut writer = TabWriter::kubectl_table();
/// assert_eq!(
///     writer.format("NAME\tAGE\nweb-1\t3d\n"),
///     "NAME    AGE\nweb-1   3d\n"
/// );
/// // A later flush keeps the columns at least as wide as before.
/// assert_eq!(writer.format("x\t5m\n"), "x       5m\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct TabWriter {
    minwidth: usize,
    padding: usize,
    remembered: Option<Vec<usize>>,
}

impl TabWriter {
    /// Go's `tabwriter.NewWriter(w, minwidth, _, padding, ' ', 0)`: widths
    /// are computed anew for every flush.
    pub fn new(minwidth: usize, padding: usize) -> Self {
        TabWriter {
            minwidth,
            padding,
            remembered: None,
        }
    }

    /// kubectl's table writer: minimum width 6, padding 3, widths
    /// remembered between flushes.
    pub fn kubectl_table() -> Self {
        TabWriter::new(6, 3).remembering()
    }

    /// This writer with liggitt/tabwriter's `RememberWidths`: a column is
    /// never narrower than it was in an earlier flush.
    pub fn remembering(mut self) -> Self {
        self.remembered = Some(Vec::new());
        self
    }

    /// kubectl's `describe` writer: minimum width 0, padding 2.
    pub fn kubectl_describe() -> Self {
        TabWriter::new(0, 2)
    }

    /// Formats one flush worth of `text`, cells separated by `\t`.
    pub fn format(&mut self, text: &str) -> String {
        let lines: Vec<Vec<Piece<'_>>> = text
            .split('\n')
            .map(|l| l.split('\t').map(Piece::plain).collect())
            .collect();
        let mut out = String::with_capacity(text.len() + text.len() / 2);
        self.format_cells(&lines, false, &mut out);
        out
    }

    /// Lays out `lines` of cells (the text after a line's last cell being
    /// its last element), with each cell's tint when `color` is set; lines
    /// are separated, not terminated, by `\n`, as the text they came from.
    pub(crate) fn format_cells(&mut self, lines: &[Vec<Piece<'_>>], color: bool, out: &mut String) {
        let mut widths = Vec::new();
        let mut layout = Layout {
            lines,
            color,
            writer: self,
            out,
        };
        layout.block(0, lines.len(), &mut widths);
    }
}

/// A cell as the writer lays it out: borrowed text and an optional tint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece<'a> {
    pub(crate) text: &'a str,
    pub(crate) tint: Option<Tint>,
}

impl<'a> Piece<'a> {
    fn plain(text: &'a str) -> Self {
        Piece { text, tint: None }
    }

    /// Go counts runes, not bytes or display columns.
    fn width(&self) -> usize {
        self.text.chars().count()
    }

    /// The text, between its tint's colour codes when `color` is set: the
    /// codes are not counted in the width, so colour never shifts a column.
    fn write(&self, out: &mut String, color: bool) {
        match self.tint.filter(|_| color) {
            Some(tint) => {
                out.push_str(tint.ansi());
                out.push_str(self.text);
                out.push_str(Tint::RESET);
            }
            None => out.push_str(self.text),
        }
    }
}

/// One flush in progress.
struct Layout<'a, 'b> {
    lines: &'a [Vec<Piece<'b>>],
    color: bool,
    writer: &'a mut TabWriter,
    out: &'a mut String,
}

impl Layout<'_, '_> {
    /// Go's `Writer.format`: find the blocks of column `widths.len()` within
    /// `lines[line0..line1]`, size each, and recurse to the next column.
    fn block(&mut self, mut line0: usize, line1: usize, widths: &mut Vec<usize>) {
        let lines = self.lines;
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= lines[this].len() {
                this += 1;
                continue;
            }
            self.write_lines(line0, this, widths);
            line0 = this;
            let mut width = self.writer.minwidth;
            while this < line1 && column + 1 < lines[this].len() {
                width = width.max(lines[this][column].width() + self.writer.padding);
                this += 1;
            }
            if let Some(max) = self.writer.remembered.as_mut() {
                // liggitt/tabwriter's RememberWidths, step for step.
                if max.len() < widths.len() {
                    max.extend_from_slice(&widths[max.len()..]);
                }
                if max.len() == widths.len() {
                    max.push(width);
                } else if max[widths.len()] > width {
                    width = max[widths.len()];
                } else {
                    max[widths.len()] = width;
                }
            }
            widths.push(width);
            self.block(line0, this, widths);
            widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1, widths);
    }

    fn write_lines(&mut self, line0: usize, line1: usize, widths: &[usize]) {
        let total = self.lines.len();
        for (i, line) in self.lines.iter().enumerate().take(line1).skip(line0) {
            for (j, cell) in line.iter().enumerate() {
                cell.write(self.out, self.color);
                if let Some(&w) = widths.get(j)
                    && j + 1 < line.len()
                {
                    let pad = w.saturating_sub(cell.width());
                    self.out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            if i + 1 < total {
                self.out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_pad_to_widest_plus_three() {
        let text = "NAME\tREADY\tSTATUS\nweb-1\t1/1\tRunning\nx\t0/1\tCrashLoopBackOff\n";
        assert_eq!(
            TabWriter::kubectl_table().format(text),
            "NAME    READY   STATUS\nweb-1   1/1     Running\nx       0/1     CrashLoopBackOff\n"
        );
    }

    #[test]
    fn lines_without_tabs_break_blocks() {
        let text = "Name:\tweb\nLabels:\tapp=web\nContainers:\n  app:\n    Image:\tnginx\n    Port:\t80/TCP\n";
        assert_eq!(
            TabWriter::kubectl_describe().format(text),
            "Name:    web\nLabels:  app=web\nContainers:\n  app:\n    Image:  nginx\n    Port:   80/TCP\n"
        );
    }

    #[test]
    fn remembered_widths_never_shrink() {
        let mut writer = TabWriter::kubectl_table();
        assert_eq!(
            writer.format("NAME\tAGE\nlong-name\t1d\n"),
            "NAME        AGE\nlong-name   1d\n"
        );
        assert_eq!(writer.format("x\t2d\n"), "x           2d\n");
        assert_eq!(
            writer.format("longer-name-here\t3d\n"),
            "longer-name-here   3d\n"
        );
    }

    #[test]
    fn trailing_tab_cells_align() {
        let mut describe = TabWriter::kubectl_describe();
        assert_eq!(describe.format("Events:\t<none>\n"), "Events:  <none>\n");
        assert_eq!(
            describe.format("a\tb\t\nlonger\tc\t\n"),
            "a       b  \nlonger  c  \n"
        );
    }

    #[test]
    fn widths_count_characters_as_go_counts_runes() {
        assert_eq!(TabWriter::new(0, 1).format("ééé\tx\nab\ty"), "ééé x\nab  y");
    }
}
