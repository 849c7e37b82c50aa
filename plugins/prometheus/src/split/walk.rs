//! The walk through the body: the envelope's structure checked byte by
//! byte, each value scanned to its end (across pieces when it spans them)
//! and handed on as it completes.

use super::state::{Field, Kind, Level, Scan, State, Target};
use super::{Fault, Piece, Splitter};

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}
impl Splitter {
    pub(super) fn walk<E>(
        &mut self,
        receive: &mut impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), Fault<E>> {
        loop {
            if let State::Scan(mut scan) = self.state {
                let Some(end) = self.scan(&mut scan) else {
                    self.state = State::Scan(scan);
                    return Ok(());
                };
                self.complete(scan.target, end, receive)?;
                continue;
            }
            while self.pos < self.buf.len() && is_space(self.buf[self.pos]) {
                self.pos += 1;
            }
            let Some(&b) = self.buf.get(self.pos) else {
                return Ok(());
            };
            self.state = match self.state {
                State::Start if b == b'{' => {
                    self.pos += 1;
                    State::Key {
                        level: Level::Root,
                        first: true,
                    }
                }
                State::Start => return Err(self.malformed("a JSON object")),
                State::Key { level, first: true } if b == b'}' => {
                    self.pos += 1;
                    Self::closed(level)
                }
                State::Key { level, .. } if b == b'"' => self.begin(Target::Key(level))?,
                State::Key { .. } => return Err(self.malformed("a key")),
                State::Colon { level, field } if b == b':' => {
                    self.pos += 1;
                    State::Value { level, field }
                }
                State::Colon { .. } => return Err(self.malformed("':'")),
                State::Value {
                    level: Level::Root,
                    field: Field::Data,
                } if b == b'{' => {
                    self.pos += 1;
                    State::Key {
                        level: Level::Data,
                        first: true,
                    }
                }
                State::Value {
                    level: Level::Data,
                    field: Field::Result,
                } if b == b'[' => {
                    self.pos += 1;
                    self.envelope.has_result = true;
                    State::Element { first: true }
                }
                State::Value { level, field } => self.begin(Target::Member(level, field))?,
                State::Next { level } if b == b',' => {
                    self.pos += 1;
                    State::Key {
                        level,
                        first: false,
                    }
                }
                State::Next { level } if b == b'}' => {
                    self.pos += 1;
                    Self::closed(level)
                }
                State::Next { .. } => return Err(self.malformed("',' or '}'")),
                State::Element { first: true } if b == b']' => {
                    self.pos += 1;
                    State::Next { level: Level::Data }
                }
                State::Element { .. } => self.begin(Target::Element)?,
                State::NextElement if b == b',' => {
                    self.pos += 1;
                    State::Element { first: false }
                }
                State::NextElement if b == b']' => {
                    self.pos += 1;
                    State::Next { level: Level::Data }
                }
                State::NextElement => return Err(self.malformed("',' or ']'")),
                State::Done => return Err(self.malformed("nothing after the answer")),
                State::Scan(_) => unreachable!("scans are resumed above"),
            };
        }
    }

    /// The state after the object at `level` closes.
    fn closed(level: Level) -> State {
        match level {
            Level::Root => State::Done,
            Level::Data => State::Next { level: Level::Root },
        }
    }

    /// Starts scanning the value at `pos` (not whitespace) for `target`.
    fn begin<E>(&mut self, target: Target) -> Result<State, Fault<E>> {
        let kind = match self.buf[self.pos] {
            b'{' | b'[' => Kind::Container,
            b'"' => Kind::String,
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => Kind::Scalar,
            _ => return Err(self.malformed("a value")),
        };
        let kept = match target {
            Target::Key(_) | Target::Element => true,
            Target::Member(_, field) => field.kept(),
        };
        self.mark = kept.then_some(self.pos);
        self.pos += 1;
        Ok(State::Scan(Scan {
            target,
            kind,
            depth: 1,
            in_string: kind == Kind::String,
            escape: false,
        }))
    }

    /// Scans on from `pos`; the end of the value (exclusive) once it is
    /// complete, `None` when more bytes are needed.
    fn scan(&mut self, scan: &mut Scan) -> Option<usize> {
        let rest = &self.buf[self.pos..];
        for (i, &b) in rest.iter().enumerate() {
            if scan.in_string {
                if scan.escape {
                    scan.escape = false;
                } else if b == b'\\' {
                    scan.escape = true;
                } else if b == b'"' {
                    scan.in_string = false;
                    if scan.kind == Kind::String {
                        self.pos += i + 1;
                        return Some(self.pos);
                    }
                }
                continue;
            }
            match scan.kind {
                Kind::Scalar => {
                    if matches!(b, b',' | b'}' | b']') || is_space(b) {
                        self.pos += i;
                        return Some(self.pos);
                    }
                }
                Kind::Container => match b {
                    b'"' => scan.in_string = true,
                    b'{' | b'[' => scan.depth += 1,
                    b'}' | b']' => {
                        scan.depth -= 1;
                        if scan.depth == 0 {
                            self.pos += i + 1;
                            return Some(self.pos);
                        }
                    }
                    _ => {}
                },
                Kind::String => unreachable!("a string is scanned in_string"),
            }
        }
        self.pos = self.buf.len();
        None
    }

    /// A value for `target` ended at `end`: hands it on.
    fn complete<E>(
        &mut self,
        target: Target,
        end: usize,
        receive: &mut impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), Fault<E>> {
        let raw = match self.mark.take() {
            Some(start) => &self.buf[start..end],
            None => &[][..],
        };
        let text = |raw: &[u8]| serde_json::from_slice::<String>(raw).ok();
        self.state = match target {
            Target::Key(level) => {
                let Some(key) = text(raw) else {
                    return Err(Fault::Malformed(format!(
                        "a key that is not a JSON string: {}",
                        String::from_utf8_lossy(raw)
                    )));
                };
                State::Colon {
                    level,
                    field: Field::of(level, &key),
                }
            }
            Target::Member(level, field) => {
                match field {
                    Field::Status => self.envelope.status = text(raw),
                    Field::ErrorType => self.envelope.error_type = text(raw),
                    Field::Error => self.envelope.error = text(raw),
                    Field::Warnings => {
                        self.envelope.warnings = serde_json::from_slice(raw).unwrap_or_default();
                    }
                    Field::ResultType => {
                        if let Some(kind) = text(raw) {
                            receive(Piece::ResultType(&kind)).map_err(Fault::Receiver)?;
                        }
                    }
                    // `data` that is not an object, `result` that is not an
                    // array, and members nobody asked for: skipped.
                    Field::Data | Field::Result | Field::Other => {}
                }
                State::Next { level }
            }
            Target::Element => {
                receive(Piece::Element(raw)).map_err(Fault::Receiver)?;
                State::NextElement
            }
        };
        Ok(())
    }
}
