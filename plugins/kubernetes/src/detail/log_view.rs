//! The log viewer: follow and pause, scrolling by line and page, wrap and
//! timestamps toggles, search with `n`/`N`, and the container picker; and the
//! drawing of the visible lines with search matches highlighted.

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Color, Modifier, Style};
use vcli_plugin_api::Key;

use super::LogBuffer;

/// What the user did to the log viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogViewState {
    /// Whether new lines scroll into view (the bottom is shown).
    pub follow: bool,
    /// The first line shown while paused (a sequence number).
    pub top: u64,
    /// Long lines continue on the next rows instead of being cut.
    pub wrap: bool,
    /// Lines start with the kubelet's timestamp.
    pub timestamps: bool,
    /// The search text (matched ASCII-case-insensitively).
    pub search: String,
    /// Whether keys are being typed into the search.
    pub editing: bool,
    /// The line of the current match.
    pub current: Option<u64>,
    /// The container picker, open at this row.
    pub picker: Option<usize>,
}

impl Default for LogViewState {
    fn default() -> Self {
        LogViewState {
            follow: true,
            top: 0,
            wrap: false,
            timestamps: false,
            search: String::new(),
            editing: false,
            current: None,
            picker: None,
        }
    }
}

/// What a key asks of the detail beyond the viewer's own state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogAction {
    /// Nothing more (the key was used or not, as the flag says).
    Done(bool),
    /// Stream this container's log instead.
    Container(String),
    /// Switch between the current and the previous instance's log.
    TogglePrevious,
}

/// Where the last frame left the viewer, for keys that move from there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogFrame {
    /// The first line drawn.
    pub top: u64,
    /// Whether the newest line was drawn whole.
    pub at_bottom: bool,
}

impl LogViewState {
    /// Handles a key; `page` is the number of body rows of the last frame.
    pub(crate) fn key(
        &mut self,
        key: Key,
        logs: &LogBuffer,
        containers: &[String],
        frame: LogFrame,
        page: usize,
    ) -> LogAction {
        if self.editing {
            match key {
                Key::Char(c) => self.search.push(c),
                Key::Backspace => {
                    self.search.pop();
                }
                Key::Enter => {
                    self.editing = false;
                    self.jump(logs, frame, true);
                }
                Key::Esc => {
                    self.editing = false;
                    self.search.clear();
                    self.current = None;
                }
                _ => return LogAction::Done(false),
            }
            return LogAction::Done(true);
        }
        if let Some(row) = self.picker {
            match key {
                Key::Char('j') | Key::Down => {
                    self.picker = Some((row + 1).min(containers.len().saturating_sub(1)));
                }
                Key::Char('k') | Key::Up => self.picker = Some(row.saturating_sub(1)),
                Key::Enter => {
                    self.picker = None;
                    if let Some(name) = containers.get(row) {
                        return LogAction::Container(name.clone());
                    }
                }
                Key::Esc | Key::Char('c') => self.picker = None,
                _ => {}
            }
            return LogAction::Done(true);
        }
        let page = u64::try_from(page.max(1)).unwrap_or(1);
        let from = if self.follow { frame.top } else { self.top };
        match key {
            Key::Char('k') | Key::Up => self.pause_at(from.saturating_sub(1), logs),
            Key::PageUp => self.pause_at(from.saturating_sub(page), logs),
            Key::Char('j') | Key::Down => self.scroll_down(from, 1, frame),
            Key::PageDown => self.scroll_down(from, page, frame),
            Key::Char('g') | Key::Home => self.pause_at(logs.first_seq(), logs),
            Key::Char('G' | 'f') | Key::End => self.follow = true,
            Key::Char('w') => self.wrap = !self.wrap,
            Key::Char('t') => self.timestamps = !self.timestamps,
            Key::Char('/') => {
                self.editing = true;
                self.search.clear();
                self.current = None;
            }
            Key::Char('n') => self.jump(logs, frame, true),
            Key::Char('N') => self.jump(logs, frame, false),
            Key::Char('c') if containers.len() > 1 => self.picker = Some(0),
            Key::Char('p') => return LogAction::TogglePrevious,
            Key::Esc if !self.search.is_empty() => {
                self.search.clear();
                self.current = None;
            }
            _ => return LogAction::Done(false),
        }
        LogAction::Done(true)
    }

    fn pause_at(&mut self, seq: u64, logs: &LogBuffer) {
        self.follow = false;
        self.top = seq.max(logs.first_seq());
    }

    fn scroll_down(&mut self, from: u64, by: u64, frame: LogFrame) {
        if self.follow {
            return;
        }
        if frame.at_bottom {
            // Scrolling past the newest line resumes following.
            self.follow = true;
        } else {
            self.top = from + by;
        }
    }

    /// Moves to the next (or previous) line matching the search, from the
    /// current match or the top of the screen, and pauses there.
    fn jump(&mut self, logs: &LogBuffer, frame: LogFrame, forward: bool) {
        if self.search.is_empty() {
            return;
        }
        let needle = self.search.to_ascii_lowercase();
        let start = self
            .current
            .unwrap_or(if self.follow { frame.top } else { self.top });
        let matches = |line: &super::LogLine| line.text().to_ascii_lowercase().contains(&needle);
        let found = if forward {
            let from = if self.current.is_some() {
                start + 1
            } else {
                start
            };
            logs.iter_from(from)
                .find(|(_, l)| matches(l))
                .map(|(s, _)| s)
        } else {
            logs.iter_from(logs.first_seq())
                .take_while(|(s, _)| *s < start)
                .filter(|(_, l)| matches(l))
                .last()
                .map(|(s, _)| s)
        };
        if let Some(seq) = found {
            self.current = Some(seq);
            self.follow = false;
            self.top = seq;
        }
    }
}

/// Draws the visible lines into `area`; returns where the frame left the viewer.
pub(crate) fn draw_lines(
    logs: &LogBuffer,
    state: &LogViewState,
    area: Rect,
    buf: &mut Buffer,
) -> LogFrame {
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    if width == 0 || height == 0 {
        return LogFrame::default();
    }
    let text_of = |line: &super::LogLine| -> String {
        let text = if state.timestamps {
            line.raw()
        } else {
            line.text()
        };
        // Control characters would move the terminal's cursor; tabs become spaces.
        text.chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect()
    };
    let rows_of = |text: &str| -> usize {
        if state.wrap {
            text.chars().count().div_ceil(width).max(1)
        } else {
            1
        }
    };
    // The first line to draw: the paused position, or as far up from the
    // newest line as fits; when following, the first line may show only its
    // last rows, so the screen is full to the bottom.
    let (top, mut skip) = if state.follow {
        let mut used = 0;
        let mut top = logs.end_seq();
        for (seq, line) in logs.iter_from(logs.first_seq()).rev() {
            used += rows_of(&text_of(line));
            top = seq;
            if used >= height {
                break;
            }
        }
        (top, used.saturating_sub(height))
    } else {
        let last = logs.end_seq().saturating_sub(1).max(logs.first_seq());
        (state.top.clamp(logs.first_seq(), last), 0)
    };
    let needle = state.search.to_ascii_lowercase();
    let mut row = 0;
    let mut at_bottom = true;
    for (seq, line) in logs.iter_from(top) {
        if row >= height {
            at_bottom = false;
            break;
        }
        let text = text_of(line);
        let chars: Vec<char> = text.chars().collect();
        let highlights = if needle.is_empty() {
            Vec::new()
        } else {
            match_ranges(&chars, &needle)
        };
        let is_current = state.current == Some(seq);
        let chunks: Vec<&[char]> = if state.wrap && !chars.is_empty() {
            chars.chunks(width).collect()
        } else {
            vec![&chars[..chars.len().min(width)]]
        };
        let whole = chunks.len() <= height - row;
        for (i, chunk) in chunks.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if row >= height {
                break;
            }
            let y = area.y + u16::try_from(row).unwrap_or(u16::MAX);
            draw_chunk(chunk, i * width, &highlights, is_current, area, y, buf);
            row += 1;
        }
        if !whole {
            at_bottom = false;
        }
    }
    LogFrame { top, at_bottom }
}

/// Draws one row of a line: runs of characters with one style each, written
/// as strings so that wide characters take their two cells.
fn draw_chunk(
    chunk: &[char],
    offset: usize,
    highlights: &[std::ops::Range<usize>],
    is_current: bool,
    area: Rect,
    y: u16,
    buf: &mut Buffer,
) {
    let style_at = |at: usize| {
        if highlights.iter().any(|r| r.contains(&(offset + at))) {
            let bg = if is_current {
                Color::LightRed
            } else {
                Color::Yellow
            };
            Style::default()
                .fg(Color::Black)
                .bg(bg)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        }
    };
    let right = area.x + area.width;
    let mut x = area.x;
    let mut start = 0;
    while start < chunk.len() && x < right {
        let style = style_at(start);
        let end = (start..chunk.len())
            .find(|&i| style_at(i) != style)
            .unwrap_or(chunk.len());
        let run: String = chunk[start..end].iter().collect();
        let (next, _) = buf.set_stringn(x, y, &run, usize::from(right - x), style);
        x = next;
        start = end;
    }
}

/// The character ranges of `chars` matching `needle` (already ASCII-lowercased).
fn match_ranges(chars: &[char], needle: &str) -> Vec<std::ops::Range<usize>> {
    let needle: Vec<char> = needle.chars().collect();
    let mut ranges = Vec::new();
    if needle.is_empty() || needle.len() > chars.len() {
        return ranges;
    }
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        let hit = chars[i..i + needle.len()]
            .iter()
            .zip(&needle)
            .all(|(a, b)| a.to_ascii_lowercase() == *b);
        if hit {
            ranges.push(i..i + needle.len());
            i += needle.len();
        } else {
            i += 1;
        }
    }
    ranges
}
