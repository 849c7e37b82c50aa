//! The query screen: a one-line PromQL editor (Enter runs it), the server's
//! words about a bad expression under it, and the range chart of the last
//! good run with a legend giving each series' colour, labels and current
//! value.

use ratatui_widgets::block::Block;
use ratatui_widgets::paragraph::{Paragraph, Wrap};
use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::{Constraint, Layout, Rect};
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style};
use vcli_plugin_api::ratatui_core::text::{Line, Span};
use vcli_plugin_api::ratatui_core::widgets::Widget;

use super::targets::cut;
use super::ui::{Ui, span_label};
use super::wrapped_height;
use crate::format::compact;
use crate::graph::{chart, color_of, legend_symbol};
use crate::model::{PromModel, QueryPanel};

/// Lines a query error may take.
const ERROR_LINES: u16 = 3;

pub(super) fn render(model: &PromModel, ui: &Ui, area: Rect, buf: &mut Buffer) {
    let error = model.query.as_ref().and_then(|q| q.error.as_deref());
    let error_height = error.map_or(0, |e| {
        wrapped_height(e.chars().count() + 3, area.width, ERROR_LINES)
    });
    let [editor, error_area, chart_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(error_height),
        Constraint::Fill(1),
    ])
    .areas(area);
    render_editor(ui, editor, buf);
    if let Some(error) = error {
        Paragraph::new(Span::styled(
            format!(" ! {error}"),
            Style::default().fg(Color::Red),
        ))
        .wrap(Wrap { trim: false })
        .render(error_area, buf);
    }
    match &model.query {
        Some(query) if !query.expr.is_empty() => render_chart(query, chart_area, buf),
        _ => Paragraph::new(" type a PromQL expression above and press Enter")
            .render(chart_area, buf),
    }
}

fn render_editor(ui: &Ui, area: Rect, buf: &mut Buffer) {
    let title = format!(
        " PromQL · window {} (+/-) · step {} ([/]) ",
        span_label(ui.span()),
        span_label(ui.step_secs())
    );
    let editor = &ui.editor;
    let (border, hint) = if editor.editing {
        (
            Style::default().fg(Color::Cyan),
            " Enter runs · Esc stops editing ",
        )
    } else {
        (Style::default(), " i or / edits ")
    };
    let block = Block::bordered()
        .title(title)
        .title_bottom(hint)
        .border_style(border);
    let inner = block.inner(area);
    block.render(area, buf);
    // Scroll the text so the cursor stays visible in a narrow terminal.
    let width = usize::from(inner.width.saturating_sub(3)).max(1);
    let chars: Vec<char> = editor.text.chars().collect();
    let cursor = editor.cursor.min(chars.len());
    let first = (cursor + 1).saturating_sub(width);
    let before: String = chars[first..cursor].iter().collect();
    let at: String = chars.get(cursor).map_or(" ".to_owned(), char::to_string);
    let after: String = chars.iter().skip(cursor + 1).collect();
    let mut spans = vec![
        Span::styled(" > ", Style::default().fg(Color::Cyan)),
        Span::raw(before),
    ];
    if editor.editing {
        spans.push(Span::styled(
            at,
            Style::default().add_modifier(Modifier::REVERSED),
        ));
    } else {
        spans.push(Span::raw(at));
    }
    spans.push(Span::raw(after));
    Line::from(spans).render(inner, buf);
}

fn render_chart(query: &QueryPanel, area: Rect, buf: &mut Buffer) {
    let title = format!(
        " {} · last {} · step {} ",
        query.expr,
        span_label(query.end - query.start),
        span_label(query.step)
    );
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    if query.series.iter().all(|s| s.points.is_empty()) {
        Paragraph::new(" no data in this range").render(inner, buf);
        return;
    }
    // The chart keeps at least 5 lines; the legend takes what remains, up
    // to one line per series.
    let room = inner.height.saturating_sub(5).max(1);
    let legend_height = u16::try_from(query.series.len()).unwrap_or(room).min(room);
    let [plot, legend] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(legend_height)]).areas(inner);
    chart(&query.series, query.start, query.end, true).render(plot, buf);
    render_legend(query, usize::from(legend_height), legend, buf);
}

fn render_legend(query: &QueryPanel, height: usize, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width);
    let mut lines: Vec<Line<'_>> = query
        .series
        .iter()
        .enumerate()
        .take(height)
        .map(|(i, s)| {
            let value = s.current().map_or_else(|| "-".to_owned(), compact);
            // Symbol, name, then the value right-aligned.
            let name_width = width.saturating_sub(4 + value.chars().count() + 2);
            let name = cut(&s.name, name_width);
            let pad = name_width.saturating_sub(name.chars().count());
            Line::from(vec![
                Span::styled(
                    format!(" {} ", legend_symbol(i, true)),
                    Style::default().fg(color_of(i)),
                ),
                Span::raw(name),
                Span::raw(format!("{:pad$}  ", "")),
                Span::styled(value, Style::default().add_modifier(Modifier::BOLD)),
            ])
        })
        .collect();
    let hidden = query.total_series.max(query.series.len()) - lines.len();
    if hidden > 0
        && let Some(last) = lines.last_mut()
    {
        *last = Line::styled(
            format!(" (+{hidden} more series; narrow the query to see them)"),
            Style::default().fg(Color::DarkGray),
        );
    }
    Paragraph::new(lines).render(area, buf);
}
