//! The log viewer's bounded ring of lines, and the resume point that lets a
//! broken stream continue where it stopped without repeating or losing lines.
//!
//! Lines are numbered from the start of the stream (`seq`), so a position
//! the viewer keeps (the top line while paused, a search match) stays valid
//! while the oldest lines are dropped under it.

use std::collections::VecDeque;

use jiff::Timestamp;

/// The default number of lines the viewer keeps.
pub const DEFAULT_LOG_LINES: usize = 10_000;
/// Bytes kept at most (whichever bound is reached first), so a log of
/// enormous lines cannot grow without bound either.
const MAX_BYTES: usize = 32 << 20;
/// A line longer than this is cut (the rest is not kept).
pub(crate) const MAX_LINE: usize = 16 << 10;

/// One line as the server sent it with `timestamps=true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The whole line, timestamp included.
    raw: Box<str>,
    /// Where the text after the timestamp starts.
    text_at: u32,
    /// The kubelet's timestamp, when the line had one.
    time: Option<Timestamp>,
}

impl LogLine {
    /// Parses `raw` (`2024-05-01T12:00:00.123456789Z text`); a line without a
    /// readable timestamp is kept whole.
    pub fn parse(raw: &str) -> Self {
        let raw: &str = if raw.len() > MAX_LINE {
            let mut end = MAX_LINE;
            while !raw.is_char_boundary(end) {
                end -= 1;
            }
            &raw[..end]
        } else {
            raw
        };
        let stamped = raw
            .split_once(' ')
            .and_then(|(ts, _)| ts.parse::<Timestamp>().ok().map(|t| (t, ts.len() + 1)));
        let (time, text_at) = match stamped {
            Some((t, at)) => (Some(t), u32::try_from(at).unwrap_or(0)),
            None => (None, 0),
        };
        LogLine {
            raw: raw.into(),
            text_at,
            time,
        }
    }

    /// The line without its timestamp.
    pub fn text(&self) -> &str {
        self.raw.get(self.text_at as usize..).unwrap_or(&self.raw)
    }

    /// The line with its timestamp.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The kubelet's timestamp.
    pub fn time(&self) -> Option<Timestamp> {
        self.time
    }
}

/// A ring of the newest lines, bounded in lines and bytes, counting what it dropped.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    cap: usize,
    bytes: usize,
    /// The sequence number of `lines[0]`; also how many lines were dropped.
    first_seq: u64,
}

impl LogBuffer {
    /// An empty buffer keeping at most `cap` lines (at least one).
    pub fn new(cap: usize) -> Self {
        LogBuffer {
            lines: VecDeque::new(),
            cap: cap.max(1),
            bytes: 0,
            first_seq: 0,
        }
    }

    /// Appends a line, dropping the oldest ones past the bounds.
    pub fn push(&mut self, line: LogLine) {
        self.bytes += line.raw.len();
        self.lines.push_back(line);
        while self.lines.len() > self.cap || (self.bytes > MAX_BYTES && self.lines.len() > 1) {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.raw.len();
                self.first_seq += 1;
            }
        }
    }

    /// How many lines were dropped to keep within the bounds.
    pub fn dropped(&self) -> u64 {
        self.first_seq
    }

    /// The sequence number of the oldest line kept.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// One past the sequence number of the newest line.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.lines.len() as u64
    }

    /// The line numbered `seq`, if it is still kept.
    pub fn get(&self, seq: u64) -> Option<&LogLine> {
        let i = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        self.lines.get(i)
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The line cap.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Bytes of line text kept (what the byte bound counts).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The kept lines with their sequence numbers, from `seq` on.
    pub fn iter_from(&self, seq: u64) -> impl DoubleEndedIterator<Item = (u64, &LogLine)> {
        let skip = usize::try_from(seq.saturating_sub(self.first_seq)).unwrap_or(usize::MAX);
        let first = self.first_seq;
        self.lines
            .iter()
            .enumerate()
            .skip(skip)
            .map(move |(i, l)| (first + i as u64, l))
    }
}

/// Where a log stream stopped: the newest timestamp read, and how many lines
/// carried exactly that timestamp.
///
/// The API server takes `sinceTime` in whole seconds and returns every line at
/// or after it, so a resumed stream starts with lines already read. They are
/// recognised by their timestamps (the kubelet's are in nanoseconds and never
/// go backwards): older ones are skipped, and of those with exactly the newest
/// timestamp, as many as were already read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResumePoint {
    last: Option<Timestamp>,
    at_last: usize,
    /// Lines still to skip at `last` in the stream being read.
    skip_at_last: usize,
}

impl ResumePoint {
    /// `sinceTime` for the next request: the newest timestamp, floored to the second.
    pub(crate) fn since(&self) -> Option<Timestamp> {
        let last = self.last?;
        Timestamp::from_second(last.as_second()).ok()
    }

    /// Starts reading a new stream.
    pub(crate) fn restart(&mut self) {
        self.skip_at_last = self.at_last;
    }

    /// Whether `line` of the current stream is new (and records it if so).
    pub(crate) fn admit(&mut self, line: &LogLine) -> bool {
        let Some(time) = line.time else {
            // Without a timestamp there is nothing to compare; keep it.
            return true;
        };
        match self.last {
            Some(last) if time < last => false,
            Some(last) if time == last => {
                if self.skip_at_last > 0 {
                    self.skip_at_last -= 1;
                    false
                } else {
                    self.at_last += 1;
                    true
                }
            }
            _ => {
                self.last = Some(time);
                self.at_last = 1;
                self.skip_at_last = 0;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ts: &str, text: &str) -> LogLine {
        LogLine::parse(&format!("{ts} {text}"))
    }

    #[test]
    fn ring_drops_oldest_and_numbers_stay() {
        let mut b = LogBuffer::new(3);
        for i in 0..10 {
            b.push(LogLine::parse(&format!("line {i}")));
        }
        assert_eq!((b.dropped(), b.len(), b.end_seq()), (7, 3, 10));
        assert_eq!(b.get(7).map(LogLine::text), Some("line 7"));
        assert!(b.get(6).is_none());
        let seqs: Vec<u64> = b.iter_from(8).map(|(s, _)| s).collect();
        assert_eq!(seqs, [8, 9]);
    }

    #[test]
    fn timestamps_are_split_off_and_long_lines_cut() {
        let l = line("2024-05-01T12:00:00.500000000Z", "hello world");
        assert_eq!(l.text(), "hello world");
        assert_eq!(l.raw(), "2024-05-01T12:00:00.500000000Z hello world");
        assert!(l.time().is_some());
        let plain = LogLine::parse("no timestamp here");
        assert_eq!((plain.text(), plain.time()), ("no timestamp here", None));
        let long = LogLine::parse(&"é".repeat(MAX_LINE));
        assert!(long.raw().len() <= MAX_LINE);
    }

    #[test]
    fn resume_skips_exactly_what_was_read() {
        let mut r = ResumePoint::default();
        let first = [
            line("2024-05-01T12:00:00.1Z", "a"),
            line("2024-05-01T12:00:00.7Z", "b"),
            line("2024-05-01T12:00:00.7Z", "c"),
        ];
        assert!(first.iter().all(|l| r.admit(l)));
        assert_eq!(r.since(), "2024-05-01T12:00:00Z".parse().ok());
        r.restart();
        // The server repeats the whole second, then goes on.
        let again = [
            line("2024-05-01T12:00:00.1Z", "a"),
            line("2024-05-01T12:00:00.7Z", "b"),
            line("2024-05-01T12:00:00.7Z", "c"),
            line("2024-05-01T12:00:00.7Z", "d"),
            line("2024-05-01T12:00:01.2Z", "e"),
        ];
        let new: Vec<&str> = again
            .iter()
            .filter(|l| r.admit(l))
            .map(LogLine::text)
            .collect();
        assert_eq!(new, ["d", "e"]);
    }
}
