//! Line charts of range queries: one ratatui `Chart` for the TUI panel and
//! for `range --graph`, which renders it off-screen and prints the cells.

use ratatui_widgets::chart::{Axis, Chart, Dataset, GraphType};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::ratatui_core::style::{Color, Style};
use vcli_plugin_api::ratatui_core::symbols::Marker;
use vcli_plugin_api::ratatui_core::widgets::Widget;

use crate::format::compact;
use crate::model::ChartSeries;
use crate::time::clock;

/// Series colours, in order; chosen to read on dark and light backgrounds.
pub(crate) const PALETTE: [Color; 6] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::Blue,
    Color::Red,
];

/// Without colour, series are told apart by their marker instead.
const PLAIN_MARKERS: [(Marker, &str); 4] = [
    (Marker::Braille, "⣿"),
    (Marker::Dot, "•"),
    (Marker::Block, "█"),
    (Marker::Bar, "▄"),
];

/// The colour of series `i`.
pub(crate) fn color_of(i: usize) -> Color {
    PALETTE[i % PALETTE.len()]
}

/// Axis bounds covering every point; a flat line gets some room.
fn y_bounds(series: &[ChartSeries]) -> [f64; 2] {
    let values = series.iter().flat_map(|s| s.points.iter().map(|&(_, v)| v));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return [0.0, 1.0];
    }
    if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return [lo - pad, hi + pad];
    }
    [lo, hi]
}

/// The chart widget for `series` over `[start, end]`, coloured or with
/// distinct markers. The legend is drawn by the callers, where it has room.
pub(crate) fn chart(series: &[ChartSeries], start: f64, end: f64, color: bool) -> Chart<'_> {
    let datasets = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let dataset = Dataset::default()
                .graph_type(GraphType::Line)
                .data(&s.points);
            if color {
                dataset
                    .marker(Marker::Braille)
                    .style(Style::default().fg(color_of(i)))
            } else {
                dataset.marker(PLAIN_MARKERS[i % PLAIN_MARKERS.len()].0)
            }
        })
        .collect();
    let [lo, hi] = y_bounds(series);
    let mid_t = start + (end - start) / 2.0;
    let axis_style = if color {
        Style::default().fg(Color::DarkGray)
    } else {
        Style::default()
    };
    Chart::new(datasets)
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds([start, end])
                .style(axis_style)
                .labels([clock(start), clock(mid_t), clock(end)]),
        )
        .y_axis(Axis::default().bounds([lo, hi]).style(axis_style).labels([
            compact(lo),
            compact(lo + (hi - lo) / 2.0),
            compact(hi),
        ]))
}

/// The legend symbol of series `i`.
pub(crate) fn legend_symbol(i: usize, color: bool) -> &'static str {
    if color {
        "━"
    } else {
        PLAIN_MARKERS[i % PLAIN_MARKERS.len()].1
    }
}

/// `range --graph`: the chart as text lines, `width` × `height` cells, then
/// one legend line per series. ANSI colour only when `color`.
pub(crate) fn chart_text(
    series: &[ChartSeries],
    start: f64,
    end: f64,
    width: u16,
    height: u16,
    color: bool,
) -> String {
    let area = Rect::new(0, 0, width.max(20), height.max(5));
    let mut buf = Buffer::empty(area);
    chart(series, start, end, color).render(area, &mut buf);
    let mut text = buffer_text(&buf, color);
    for (i, s) in series.iter().enumerate() {
        let symbol = legend_symbol(i, color);
        match ansi(color_of(i)).filter(|_| color) {
            Some(code) => text.push_str(&format!("  {code}{symbol}\x1b[0m {}\n", s.name)),
            None => text.push_str(&format!("  {symbol} {}\n", s.name)),
        }
    }
    text
}

/// The buffer's cells as lines, trailing blanks trimmed (before colouring,
/// so no line ends in padding inside an escape sequence).
pub(crate) fn buffer_text(buf: &Buffer, color: bool) -> String {
    let area = buf.area;
    let mut text = String::new();
    for y in area.top()..area.bottom() {
        let cells: Vec<_> = (area.left()..area.right()).map(|x| &buf[(x, y)]).collect();
        let used = cells
            .iter()
            .rposition(|c| !c.symbol().trim().is_empty())
            .map_or(0, |i| i + 1);
        let mut current: Option<&'static str> = None;
        for cell in &cells[..used] {
            if color {
                let code = ansi(cell.fg);
                if code != current {
                    text.push_str(code.unwrap_or("\x1b[0m"));
                    current = code;
                }
            }
            text.push_str(cell.symbol());
        }
        if current.is_some() {
            text.push_str("\x1b[0m");
        }
        text.push('\n');
    }
    text
}

fn ansi(color: Color) -> Option<&'static str> {
    Some(match color {
        Color::Red => "\x1b[31m",
        Color::Green => "\x1b[32m",
        Color::Yellow => "\x1b[33m",
        Color::Blue => "\x1b[34m",
        Color::Magenta => "\x1b[35m",
        Color::Cyan => "\x1b[36m",
        Color::Gray => "\x1b[37m",
        Color::DarkGray => "\x1b[90m",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Vec<ChartSeries> {
        vec![
            ChartSeries {
                name: "up{job=\"a\"}".into(),
                points: (0..=10)
                    .map(|i| (f64::from(i) * 60.0, f64::from(i)))
                    .collect(),
            },
            ChartSeries {
                name: "up{job=\"b\"}".into(),
                points: (0..=10)
                    .map(|i| (f64::from(i) * 60.0, 10.0 - f64::from(i)))
                    .collect(),
            },
        ]
    }

    #[test]
    fn plain_chart_has_axes_markers_and_legend() {
        let text = chart_text(&ramp(), 0.0, 600.0, 60, 12, false);
        assert!(!text.contains('\x1b'));
        assert_eq!(text.lines().count(), 14, "{text}");
        assert!(
            text.contains("00:00:00") && text.contains("00:10:00"),
            "{text}"
        );
        assert!(
            text.contains('•') && text.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
            "{text}"
        );
        assert!(
            text.contains("  ⣿ up{job=\"a\"}\n  • up{job=\"b\"}\n"),
            "{text}"
        );
    }

    #[test]
    fn coloured_chart_uses_ansi() {
        let text = chart_text(&ramp(), 0.0, 600.0, 60, 12, true);
        assert!(text.contains("\x1b[36m"), "{text:?}");
        // Every colour is reset before the end of its line.
        assert!(
            text.lines().all(|l| l
                .rfind('\x1b')
                .is_none_or(|i| l[i..].starts_with("\x1b[0m"))),
            "{text:?}"
        );
    }

    #[test]
    fn flat_and_empty_series_do_not_break_the_axes() {
        assert_eq!(y_bounds(&[]), [0.0, 1.0]);
        let flat = vec![ChartSeries {
            name: "x".into(),
            points: vec![(0.0, 5.0), (1.0, 5.0)],
        }];
        assert_eq!(y_bounds(&flat), [4.5, 5.5]);
        let text = chart_text(&flat, 0.0, 1.0, 30, 6, false);
        assert!(text.contains("4.5") && text.contains("5.5"), "{text}");
    }
}
