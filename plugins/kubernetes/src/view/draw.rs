//! Drawing the view: a header with the kind, the namespace and each
//! context's connection, counts, the filter or a problem, then the table
//! of the visible rows only. A pure function of the model and the view's
//! state, so any screen is a test-built model and a snapshot.

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier, Style};

use crate::kind::Kind;
use crate::model::{KubeModel, WatchState};
use crate::row::Row;

use super::ViewState;
use super::pickers;
use super::sort::window;

/// Rows above the table: title, counts, message line, column header.
pub const TABLE_TOP: u16 = 4;

/// One colour per shown context, in order (then again from the start).
const CONTEXT_COLORS: [Color; 6] = [
    Color::Cyan,
    Color::Magenta,
    Color::Yellow,
    Color::Blue,
    Color::LightGreen,
    Color::LightRed,
];

/// The colour of the `i`th shown context.
pub(crate) fn context_color(i: usize) -> Color {
    CONTEXT_COLORS[i % CONTEXT_COLORS.len()]
}

/// Draws the view into `area` of `buf`.
pub fn render(model: &KubeModel, state: &ViewState, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.width == 0 || area.height == 0 {
        return;
    }
    let height = usize::from(area.height.saturating_sub(TABLE_TOP));
    let offset = state.effective_offset(height);
    let (rows, total) = window(
        model,
        state.kind,
        &state.filter,
        state.sort(),
        offset,
        height,
    );
    header(model, state, total, area, buf);
    table(model, state, &rows, total, area, buf);
    if let Some(picker) = &state.picker {
        pickers::render(model, picker, area, buf);
    }
}

/// Writes `text` at column `x` of line `y`, clipped to the area; returns
/// the column after it.
fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, text: &str, style: Style) -> u16 {
    if y >= area.height || x >= area.width {
        return x;
    }
    let (end, _) = buf.set_stringn(
        area.x + x,
        area.y + y,
        text,
        usize::from(area.width - x),
        style,
    );
    end - area.x
}

/// The words and colour of a watch's state.
pub(crate) fn watch_text(state: Option<&WatchState>) -> (String, Color) {
    match state {
        None | Some(WatchState::Connecting) => ("○ connecting".to_owned(), Color::Yellow),
        Some(WatchState::Live) => ("● live".to_owned(), Color::Green),
        // The attempt, the backoff and the error go on the message line,
        // where there is room for them.
        Some(WatchState::Reconnecting { .. }) => ("↻ reconnecting".to_owned(), Color::Red),
        Some(WatchState::Ended(_)) => ("✗ ended".to_owned(), Color::Red),
    }
}

fn header(model: &KubeModel, state: &ViewState, matching: usize, area: Rect, buf: &mut Buffer) {
    let kind = state.kind;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let namespace = if kind.namespaced() {
        model.namespace.as_deref().unwrap_or("(all)")
    } else {
        "(cluster)"
    };
    // The tab bar already says Kubernetes; the line goes to the kind and contexts.
    let title = format!(" {} │ namespace: {namespace} │", kind.title());
    let mut x = put(buf, area, 0, 0, &title, bold);
    let states: Vec<(String, Color)> = model
        .contexts
        .iter()
        .map(|c| watch_text(model.watch(kind, c)))
        .collect();
    // Server versions are the first thing to go on a narrow screen, so
    // every context's state stays in sight.
    let wide: usize = title.chars().count()
        + model
            .contexts
            .iter()
            .zip(&states)
            .map(|(c, (s, _))| {
                let version = model.server_versions.get(c).map_or(0, |v| v.len() + 1);
                c.chars().count() + version + s.chars().count() + 4
            })
            .sum::<usize>();
    let versions = wide <= usize::from(area.width);
    for (i, (context, (text, color))) in model.contexts.iter().zip(&states).enumerate() {
        let version = match model.server_versions.get(context) {
            Some(v) if versions => format!(" {v}"),
            _ => String::new(),
        };
        x = put(
            buf,
            area,
            x,
            0,
            &format!(" {context}{version} "),
            Style::default()
                .fg(context_color(i))
                .add_modifier(Modifier::BOLD),
        );
        x = put(buf, area, x, 0, text, Style::default().fg(*color));
        x = put(buf, area, x, 0, " │", Style::default());
    }

    let total = model.count(kind);
    let mut counts = format!(" {} {total}", kind.title());
    for (status, n) in model.status_counts(kind) {
        counts.push_str(&format!(" · {status} {n}"));
    }
    put(buf, area, 0, 1, &counts, Style::default());

    let height = usize::from(area.height.saturating_sub(TABLE_TOP));
    let text = message(model, state, matching, height);
    put(buf, area, 0, 2, &text, message_style(model, state));
}

/// The third line: a bad filter, else a watch's problem, else the filter,
/// the sort and the position.
fn message(model: &KubeModel, state: &ViewState, matching: usize, height: usize) -> String {
    if let Some(e) = &state.filter_error {
        return format!(" {e} (still showing: {})", state.filter_text_shown());
    }
    if let Some((context, problem)) = problem(model, state.kind) {
        return if model.contexts.len() > 1 {
            format!(" {context}: {problem}")
        } else {
            format!(" {problem}")
        };
    }
    let mut parts = Vec::new();
    if !state.filter.is_all() {
        parts.push(format!("filter: {}", state.filter_text_shown()));
    }
    if let Some(sort) = state.sort()
        && let Some(column) = state.kind.columns().get(sort.column)
    {
        let arrow = if sort.descending { "↓" } else { "↑" };
        parts.push(format!("sort: {} {arrow}", column.title));
    }
    let offset = state.effective_offset(height);
    let first = if matching == 0 { 0 } else { offset + 1 };
    let last = (offset + height).min(matching);
    parts.push(format!("{first}-{last} of {matching}"));
    format!(" {}", parts.join(" · "))
}

fn message_style(model: &KubeModel, state: &ViewState) -> Style {
    if state.filter_error.is_some() || problem(model, state.kind).is_some() {
        Style::default().fg(Color::Red)
    } else {
        Style::default().fg(Color::DarkGray)
    }
}

/// The first shown context whose watch of `kind` has a problem, and it.
fn problem(model: &KubeModel, kind: Kind) -> Option<(&str, String)> {
    model
        .contexts
        .iter()
        .find_map(|c| match model.watch(kind, c)? {
            WatchState::Reconnecting {
                attempt,
                retry_in,
                error,
            } => Some((
                c.as_str(),
                format!(
                    "attempt {attempt} failed, retrying in {}s: {error}",
                    retry_in.as_secs()
                ),
            )),
            WatchState::Ended(reason) => Some((c.as_str(), format!("watch ended: {reason}"))),
            _ => None,
        })
}

/// The table's columns: CONTEXT with several contexts, NAMESPACE for
/// namespaced kinds across namespaces, then the kind's own.
fn titles(model: &KubeModel, kind: Kind) -> (Vec<&'static str>, bool, bool) {
    let with_context = model.contexts.len() > 1;
    let with_namespace = kind.namespaced() && model.namespace.is_none();
    let mut titles = Vec::new();
    if with_context {
        titles.push("CONTEXT");
    }
    if with_namespace {
        titles.push("NAMESPACE");
    }
    titles.extend(kind.columns().iter().map(|c| c.title));
    (titles, with_context, with_namespace)
}

fn table(
    model: &KubeModel,
    state: &ViewState,
    rows: &[&Row],
    total: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let kind = state.kind;
    let (titles, with_context, with_namespace) = titles(model, kind);
    let extra = usize::from(with_context) + usize::from(with_namespace);
    let offset = state.effective_offset(usize::from(area.height.saturating_sub(TABLE_TOP)));
    let cells: Vec<(usize, Vec<String>)> = rows
        .iter()
        .map(|row| {
            let mut cells = Vec::with_capacity(titles.len());
            if with_context {
                cells.push(row.context.clone());
            }
            if with_namespace {
                cells.push(row.namespace.clone());
            }
            cells.extend(row.cells.iter().map(|c| c.print(model.now)));
            let color = model
                .contexts
                .iter()
                .position(|c| *c == row.context)
                .unwrap_or(0);
            (color, cells)
        })
        .collect();

    // Widths from the header and the visible rows, three spaces apart as
    // kubectl prints them, two when that does not fit; then the widest
    // columns give way on a narrow screen.
    let mut widths: Vec<usize> = titles.iter().map(|t| t.chars().count()).collect();
    // Room for the sort arrow; a sort naming no column (a state built by
    // hand) marks nothing.
    if let Some(w) = state.sort().and_then(|s| widths.get_mut(s.column + extra)) {
        *w += 1;
    }
    for (_, row) in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let gaps = titles.len().saturating_sub(1);
    let width = usize::from(area.width).saturating_sub(1);
    let gap = if widths.iter().sum::<usize>() + 3 * gaps <= width {
        3
    } else {
        2
    };
    let room = width.saturating_sub(gap * gaps);
    shrink(&mut widths, titles.iter().position(|t| *t == "NAME"), room);

    let header_style = Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED);
    let header: Vec<String> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| match state.sort() {
            Some(s) if s.column + extra == i => {
                format!("{t}{}", if s.descending { "↓" } else { "↑" })
            }
            _ => (*t).to_owned(),
        })
        .collect();
    let layout = Layout {
        widths: &widths,
        gap,
    };
    draw_row(
        buf,
        area,
        TABLE_TOP - 1,
        &layout,
        &header,
        header_style,
        &|_| None,
    );

    let status_at = kind
        .columns()
        .iter()
        .position(|c| c.title == "STATUS")
        .map(|i| i + extra);
    for (i, (color, row)) in cells.iter().enumerate() {
        let y = TABLE_TOP + u16::try_from(i).unwrap_or(u16::MAX);
        let style = if offset + i == state.selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        let tint = |column: usize| {
            if with_context && column == 0 {
                Some(context_color(*color))
            } else if Some(column) == status_at {
                row.get(column).map(|s| status_color(s))
            } else {
                None
            }
        };
        draw_row(buf, area, y, &layout, row, style, &tint);
    }
    if total == 0 && area.height > TABLE_TOP {
        let text = if model.count(kind) == 0 {
            format!(" no {}", kind.plural())
        } else {
            format!(" no {} match the filter", kind.plural())
        };
        put(
            buf,
            area,
            0,
            TABLE_TOP,
            &text,
            Style::default().fg(Color::DarkGray),
        );
    }
}

/// Narrows `widths` until they fit in `room`: the widest of the other
/// columns first, down to 8 cells, then NAME too (the column an operator
/// reads first), no column below 4.
fn shrink(widths: &mut [usize], name: Option<usize>, room: usize) {
    let mut excess = widths.iter().sum::<usize>().saturating_sub(room);
    for floor in [8, 4] {
        while excess > 0 {
            let widest = widths
                .iter()
                .enumerate()
                .filter(|(i, w)| (floor == 4 || Some(*i) != name) && **w > floor)
                .max_by_key(|(_, w)| **w)
                .map(|(i, _)| i);
            let Some(i) = widest else {
                break;
            };
            widths[i] -= 1;
            excess -= 1;
        }
    }
}

/// The columns' widths and the spaces between them.
struct Layout<'a> {
    widths: &'a [usize],
    gap: usize,
}

fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    layout: &Layout<'_>,
    cells: &[String],
    style: Style,
    tint: &dyn Fn(usize) -> Option<Color>,
) {
    if y >= area.height {
        return;
    }
    buf.set_style(Rect::new(area.x, area.y + y, area.width, 1), style);
    let mut x = 1u16;
    for (i, (cell, width)) in cells.iter().zip(layout.widths).enumerate() {
        if x >= area.width {
            break;
        }
        let room = usize::from(area.width - x).min(*width);
        let cell_style = tint(i).map_or(style, |c| style.fg(c));
        // A cut cell ends in an ellipsis, so a cut name is not taken for
        // a whole one.
        if room > 1 && cell.chars().count() > room {
            let cut: String = cell.chars().take(room - 1).chain(['…']).collect();
            buf.set_stringn(area.x + x, area.y + y, &cut, room, cell_style);
        } else {
            buf.set_stringn(area.x + x, area.y + y, cell, room, cell_style);
        }
        x = x.saturating_add(u16::try_from(width + layout.gap).unwrap_or(u16::MAX));
    }
}

/// The colour of a STATUS value: green running, grey done, yellow on its
/// way, magenta going, red wrong.
pub(crate) fn status_color(status: &str) -> Color {
    match status {
        "Running" | "Ready" | "Active" | "Complete" => Color::Green,
        "Completed" | "Succeeded" => Color::DarkGray,
        "Pending" | "ContainerCreating" | "PodInitializing" | "Suspended" => Color::Yellow,
        "Terminating" => Color::Magenta,
        s if s.starts_with("Init:") && !s.contains("Err") && !s.contains("CrashLoop") => {
            Color::Yellow
        }
        _ => Color::Red,
    }
}
