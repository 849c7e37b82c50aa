//! The targets screen: one heading per job (`up/total`), jobs with a down
//! target first, and under it each target's health, last scrape age and
//! duration, and the last scrape error in full where the width allows.

use vcli_plugin_api::ratatui_core::buffer::Buffer;
use vcli_plugin_api::ratatui_core::layout::Rect;
use vcli_plugin_api::ratatui_core::style::{Color, Modifier, Style};
use vcli_plugin_api::ratatui_core::text::{Line, Span};

use super::render_scrolled;
use crate::format::{latency, short_duration};
use crate::model::{Health, PromModel};

/// Lines an error may wrap onto before it is cut.
const ERROR_LINES: usize = 3;

pub(super) fn render(model: &PromModel, scroll: usize, area: Rect, buf: &mut Buffer) {
    if model.jobs.is_empty() {
        render_scrolled(vec![Line::raw(" no targets")], 0, area, buf);
        return;
    }
    let now = model.updated_at.unwrap_or_default();
    let instance_width = model
        .jobs
        .iter()
        .flat_map(|j| &j.targets)
        .map(|t| t.instance.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 32);
    // health, instance, age, duration, then the error in what is left.
    let fixed = 3 + 8 + instance_width + 1 + 10 + 9;
    let error_width = usize::from(area.width).saturating_sub(fixed).max(12);
    let mut lines = vec![Line::styled(
        format!(
            "   {:<8}{:<instance_width$} {:>9} {:>8} LAST ERROR",
            "HEALTH", "INSTANCE", "SCRAPED", "TOOK"
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    for job in &model.jobs {
        let down = job.down();
        let tint = if down > 0 { Color::Red } else { Color::Green };
        let mut heading = vec![
            Span::styled(
                format!(" {} ", job.job),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!("{}/{} up", job.up(), job.targets.len()),
                Style::default().fg(tint),
            ),
        ];
        if down > 0 {
            heading.push(Span::styled(
                format!(", {down} down"),
                Style::default().fg(Color::Red),
            ));
        }
        lines.push(Line::from(heading));
        for target in &job.targets {
            let health_style = match target.health {
                Health::Up => Style::default().fg(Color::Green),
                Health::Down => Style::default().fg(Color::Red),
                Health::Unknown => Style::default().fg(Color::Yellow),
            };
            // Whole seconds: a scrape a moment ago reads `0s ago`, not `642ms ago`.
            let age = target.last_scrape.map_or_else(
                || "never".to_owned(),
                |t| format!("{} ago", short_duration((now - t).max(0.0).round())),
            );
            let took = if target.last_scrape.is_some() {
                latency(target.duration)
            } else {
                "-".to_owned()
            };
            let mut pieces = wrap(&target.error, error_width).into_iter();
            let first = pieces.next().unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("   {:<8}", target.health.word()), health_style),
                Span::raw(format!(
                    "{:<instance_width$} {age:>9} {took:>8} ",
                    cut(&target.instance, instance_width)
                )),
                Span::styled(first, Style::default().fg(Color::Red)),
            ]));
            for piece in pieces {
                lines.push(Line::styled(
                    format!("{:fixed$}{piece}", ""),
                    Style::default().fg(Color::Red),
                ));
            }
        }
    }
    render_scrolled(lines, scroll, area, buf);
}

/// `text` cut to `width` characters, with `…` when it was longer.
pub(crate) fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `text` in lines of at most `width` characters, broken after a space
/// where there is one, at most [`ERROR_LINES`] of them, the last ending in
/// `…` when the text goes on.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rest: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    while !rest.is_empty() {
        if pieces.len() == ERROR_LINES - 1 && rest.len() > width {
            pieces.push(cut(&rest.iter().collect::<String>(), width));
            break;
        }
        let take = if rest.len() <= width {
            rest.len()
        } else {
            rest[..width]
                .iter()
                .rposition(|c| *c == ' ')
                .map_or(width, |i| i + 1)
        };
        pieces.push(rest.drain(..take).collect::<String>().trim_end().to_owned());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_wrap_then_stop() {
        assert_eq!(wrap("", 5), Vec::<String>::new());
        assert_eq!(wrap("abcdefg", 5), ["abcde", "fg"]);
        assert_eq!(wrap("ab cd efgh", 6), ["ab cd", "efgh"]);
        assert_eq!(wrap(&"x".repeat(40), 5), ["xxxxx", "xxxxx", "xxxx…"]);
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
