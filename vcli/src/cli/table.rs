//! Plain, kubectl-style tables for the host's own commands.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

/// A table with upper-case headers, no borders and columns separated by
/// spaces, as `kubectl get` prints them.
pub(crate) fn plain(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(|h| h.to_uppercase()));
    for column in table.column_iter_mut() {
        column.set_cell_alignment(CellAlignment::Left);
        column.set_padding((0, 3));
    }
    table
}

/// Renders `table` with trailing spaces trimmed from every line.
pub(crate) fn render(table: &Table) -> String {
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
