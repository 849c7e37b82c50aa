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

/// Formats `text` like Go's `tabwriter.NewWriter(w, minwidth, _, padding, ' ', 0)`.
pub(crate) fn format(text: &str, minwidth: usize, padding: usize) -> String {
    Layout {
        minwidth,
        padding,
        remembered: None,
    }
    .format(text)
}

/// A tab writer's settings, and the widths it remembers between flushes
/// when it has `RememberWidths` semantics.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    minwidth: usize,
    padding: usize,
    remembered: Option<Vec<usize>>,
}

impl Layout {
    /// kubectl's table writer: minimum width 6, padding 3, widths remembered.
    pub(crate) fn kubectl_table() -> Self {
        Layout {
            minwidth: 6,
            padding: 3,
            remembered: Some(Vec::new()),
        }
    }

    /// Formats one flush worth of `text`.
    pub(crate) fn format(&mut self, text: &str) -> String {
        let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
        let mut out = String::with_capacity(text.len() + text.len() / 2);
        let mut widths = Vec::new();
        write_block(&lines, 0, lines.len(), &mut widths, self, &mut out);
        out
    }
}

/// Go's `Writer.format`: find the blocks of column `widths.len()` within
/// `lines[line0..line1]`, size each, and recurse to the next column.
fn write_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    layout: &mut Layout,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = layout.minwidth;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(cell_width(lines[this][column]) + layout.padding);
            this += 1;
        }
        if let Some(max) = layout.remembered.as_mut() {
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
        write_block(lines, line0, this, widths, layout, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(
    lines: &[Vec<&str>],
    line0: usize,
    line1: usize,
    widths: &[usize],
    out: &mut String,
) {
    for (i, line) in lines.iter().enumerate().take(line1).skip(line0) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(&w) = widths.get(j)
                && j + 1 < line.len()
            {
                out.extend(std::iter::repeat_n(' ', w.saturating_sub(cell_width(cell))));
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

/// Go counts runes, not bytes or display columns.
fn cell_width(cell: &str) -> usize {
    cell.chars().count()
}

/// kubectl's table writer (minimum width 6, padding 3) for a one-off table.
pub(crate) fn table(text: &str) -> String {
    Layout::kubectl_table().format(text)
}

/// kubectl's describe writer: minimum width 0, padding 2.
pub(crate) fn describe(text: &str) -> String {
    format(text, 0, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_pad_to_widest_plus_three() {
        let text = "NAME\tREADY\tSTATUS\nweb-1\t1/1\tRunning\nx\t0/1\tCrashLoopBackOff\n";
        assert_eq!(
            table(text),
            "NAME    READY   STATUS\nweb-1   1/1     Running\nx       0/1     CrashLoopBackOff\n"
        );
    }

    #[test]
    fn lines_without_tabs_break_blocks() {
        let text = "Name:\tweb\nLabels:\tapp=web\nContainers:\n  app:\n    Image:\tnginx\n    Port:\t80/TCP\n";
        assert_eq!(
            describe(text),
            "Name:    web\nLabels:  app=web\nContainers:\n  app:\n    Image:  nginx\n    Port:   80/TCP\n"
        );
    }

    #[test]
    fn remembered_widths_never_shrink() {
        let mut layout = Layout::kubectl_table();
        assert_eq!(
            layout.format("NAME\tAGE\nlong-name\t1d\n"),
            "NAME        AGE\nlong-name   1d\n"
        );
        assert_eq!(layout.format("x\t2d\n"), "x           2d\n");
        assert_eq!(
            layout.format("longer-name-here\t3d\n"),
            "longer-name-here   3d\n"
        );
    }

    #[test]
    fn trailing_tab_cells_align() {
        assert_eq!(describe("Events:\t<none>\n"), "Events:  <none>\n");
        assert_eq!(
            describe("a\tb\t\nlonger\tc\t\n"),
            "a       b  \nlonger  c  \n"
        );
    }
}
