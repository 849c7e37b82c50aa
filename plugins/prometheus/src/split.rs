//! Splitting a query answer as it arrives: the elements of `data.result`
//! come out one at a time, as raw JSON, while the rest of the envelope
//! (`status`, `errorType`, `error`, `warnings`, `data.resultType`) is kept.
//!
//! ```text
//! {"status":"success","data":{"resultType":"vector","result":[ELEMENT,ELEMENT,...]},"warnings":[...]}
//! ```
//!
//! The body is fed in whatever pieces the connection delivers. The splitter
//! holds only the bytes of the value it is in the middle of (one element, one
//! key, one small envelope field), so an answer of any size passes through
//! in the memory of its largest element; fields it does not need are skipped
//! without being kept. It checks the structure it walks (objects, keys,
//! colons, commas) and leaves each element's own syntax to the decoder of
//! that element (serde_json), which sees every byte of it.
//!
//! Prometheus writes `status` first and `resultType` before `result`, and
//! nothing here depends on it: every piece is reported when it is complete.
//!
//! The splitter's states are in `split/state.rs`, the walk through the
//! bytes in `split/walk.rs`.

mod state;
mod walk;

use state::State;

/// A piece of the answer, reported as soon as it is complete.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// `data.resultType`.
    ResultType(&'a str),
    /// One element of `data.result`: its raw JSON, whole.
    Element(&'a [u8]),
}

/// The envelope around `data.result`, complete once the answer is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Envelope {
    /// `status`: `success` or `error`.
    pub(crate) status: Option<String>,
    /// `errorType`, on an error.
    pub(crate) error_type: Option<String>,
    /// `error`, on an error.
    pub(crate) error: Option<String>,
    /// `warnings`.
    pub(crate) warnings: Vec<String>,
    /// Whether `data` was an object with a `result` array.
    pub(crate) has_result: bool,
}

/// Why splitting stopped.
#[derive(Debug)]
pub(crate) enum Fault<E> {
    /// The bytes are not JSON of the envelope's shape, or ended early.
    Malformed(String),
    /// The receiver of a piece gave up.
    Receiver(E),
}

/// Splits one answer; see the module documentation.
#[derive(Debug)]
pub(crate) struct Splitter {
    /// Bytes received and not yet let go of.
    buf: Vec<u8>,
    /// Where the walk is in `buf`.
    pos: usize,
    /// Where the value being kept starts in `buf`, while it is scanned.
    mark: Option<usize>,
    /// Bytes let go of before `buf[0]`, for positions in messages.
    dropped: u64,
    state: State,
    envelope: Envelope,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter {
            buf: Vec::new(),
            pos: 0,
            mark: None,
            dropped: 0,
            state: State::Start,
            envelope: Envelope::default(),
        }
    }
}

impl Splitter {
    /// The envelope so far (complete after [`Splitter::finish`]).
    pub(crate) fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Takes the next piece of the body, reporting every piece of the
    /// answer it completes to `receive`, in order.
    pub(crate) fn feed<E>(
        &mut self,
        bytes: &[u8],
        receive: &mut impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), Fault<E>> {
        self.buf.extend_from_slice(bytes);
        let walked = self.walk(receive);
        // Let go of what is behind us, keeping the value being kept.
        let keep_from = self.mark.unwrap_or(self.pos);
        if keep_from > 0 {
            self.buf.drain(..keep_from);
            self.pos -= keep_from;
            self.dropped += keep_from as u64;
            if let Some(mark) = &mut self.mark {
                *mark -= keep_from;
            }
        }
        walked
    }

    /// The envelope, once the whole answer has been fed. On a fault the
    /// envelope so far stays for [`Splitter::envelope`].
    pub(crate) fn finish<E>(&mut self) -> Result<Envelope, Fault<E>> {
        if self.state == State::Done {
            Ok(std::mem::take(&mut self.envelope))
        } else if self.state == State::Start {
            Err(Fault::Malformed("the answer is empty".to_owned()))
        } else {
            Err(Fault::Malformed(format!(
                "the answer ends early, after {} bytes",
                self.dropped + self.buf.len() as u64
            )))
        }
    }

    fn malformed<E>(&self, expected: &str) -> Fault<E> {
        let at = self.dropped + self.pos as u64;
        let found = match self.buf.get(self.pos) {
            Some(b) if b.is_ascii_graphic() => format!("{:?}", char::from(*b)),
            Some(b) => format!("byte 0x{b:02x}"),
            None => "the end".to_owned(),
        };
        Fault::Malformed(format!("expected {expected} at byte {at}, found {found}"))
    }

    /// The bytes held now; for tests of what is held.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.buf.len()
    }
}

/// Feeds `body` in pieces of `step` bytes, collecting what comes out; for tests.
#[cfg(test)]
fn split_in(body: &[u8], step: usize) -> Result<(Vec<String>, Envelope), String> {
    let mut splitter = Splitter::default();
    let mut pieces = Vec::new();
    let mut receive = |piece: Piece<'_>| -> Result<(), ()> {
        pieces.push(match piece {
            Piece::ResultType(t) => format!("type {t}"),
            Piece::Element(raw) => String::from_utf8(raw.to_vec()).unwrap(),
        });
        Ok(())
    };
    for chunk in body.chunks(step.max(1)) {
        splitter.feed(chunk, &mut receive).map_err(|f| match f {
            Fault::Malformed(m) => m,
            Fault::Receiver(()) => "receiver".to_owned(),
        })?;
    }
    let envelope = splitter.finish::<()>().map_err(|f| match f {
        Fault::Malformed(m) => m,
        Fault::Receiver(()) => "receiver".to_owned(),
    })?;
    Ok((pieces, envelope))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = r#" {"status" : "success", "data":{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"a \"quoted\" [job]}"},"value":[1700000000.5,"1"]} ,
        {"metric":{},"value":[1,"NaN"]}
    ], "extra": {"skip": ["me", {"deep": true}]}}, "infos": null, "warnings":["careful, \u0022 here"]}
    "#;

    #[test]
    fn elements_come_out_whole_whatever_the_pieces() {
        let expected = vec![
            "type vector".to_owned(),
            r#"{"metric":{"__name__":"up","job":"a \"quoted\" [job]}"},"value":[1700000000.5,"1"]}"#
                .to_owned(),
            r#"{"metric":{},"value":[1,"NaN"]}"#.to_owned(),
        ];
        for step in [1, 2, 3, 7, 64, ANSWER.len()] {
            let (pieces, envelope) = split_in(ANSWER.as_bytes(), step).unwrap();
            assert_eq!(pieces, expected, "in pieces of {step}");
            assert_eq!(envelope.status.as_deref(), Some("success"));
            assert_eq!(envelope.warnings, ["careful, \" here"]);
            assert!(envelope.has_result);
        }
    }

    #[test]
    fn errors_and_scalars_keep_their_envelope() {
        let (pieces, envelope) = split_in(
            br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
            5,
        )
        .unwrap();
        assert!(pieces.is_empty());
        assert_eq!(envelope.error_type.as_deref(), Some("bad_data"));
        assert_eq!(envelope.error.as_deref(), Some("parse error"));
        assert!(!envelope.has_result);
        let (pieces, _) = split_in(
            br#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"+Inf"]}}"#,
            4,
        )
        .unwrap();
        assert_eq!(pieces, ["type scalar", "1.5", "\"+Inf\""]);
        let (pieces, envelope) = split_in(
            br#"{"data":{"result":[],"resultType":"matrix"},"status":"success"}"#,
            3,
        )
        .unwrap();
        assert_eq!(pieces, ["type matrix"]);
        assert_eq!(envelope.status.as_deref(), Some("success"));
    }

    #[test]
    fn what_is_not_the_envelope_is_named() {
        for (body, words) in [
            ("", "the answer is empty"),
            ("<html>", "expected a JSON object at byte 0, found '<'"),
            ("[1,2]", "expected a JSON object at byte 0, found '['"),
            (r#"{"status" "success"}"#, "expected ':' at byte 10"),
            (
                r#"{"data":{"result":[1,]}}"#,
                "expected a value at byte 21, found ']'",
            ),
            (
                r#"{"data":{"result":[1 2]}}"#,
                "expected ',' or ']' at byte 21",
            ),
            (
                r#"{"status":"success"} x"#,
                "expected nothing after the answer",
            ),
            (
                r#"{"status":"success","data":{"result":[{"a""#,
                "the answer ends early, after 42 bytes",
            ),
        ] {
            let err = split_in(body.as_bytes(), 2).unwrap_err();
            assert!(err.starts_with(words), "{body}: {err}");
        }
    }

    #[test]
    fn only_the_value_in_progress_is_held() {
        let mut splitter = Splitter::default();
        let mut count = 0;
        let mut receive = |piece: Piece<'_>| -> Result<(), ()> {
            if matches!(piece, Piece::Element(_)) {
                count += 1;
            }
            Ok(())
        };
        splitter
            .feed(br#"{"status":"success","data":{"skipped":""#, &mut receive)
            .unwrap();
        // A member nobody needs is let go of as it passes.
        let filler = vec![b'x'; 100_000];
        splitter.feed(&filler, &mut receive).unwrap();
        assert!(splitter.held() < 100, "{}", splitter.held());
        splitter
            .feed(
                br#"","result":[{"metric":{},"value":[1,"1"]},{"metric""#,
                &mut receive,
            )
            .unwrap();
        // Only the unfinished element is held.
        assert_eq!(splitter.held(), r#"{"metric""#.len());
        splitter
            .feed(br#":{},"value":[2,"2"]}]}}"#, &mut receive)
            .unwrap();
        assert_eq!(count, 2);
        assert!(splitter.finish::<()>().is_ok());
    }

    #[test]
    fn a_receiver_may_stop_the_split() {
        let mut splitter = Splitter::default();
        let stopped = splitter.feed(ANSWER.as_bytes(), &mut |piece: Piece<'_>| match piece {
            Piece::Element(_) => Err("enough"),
            Piece::ResultType(_) => Ok(()),
        });
        assert!(matches!(stopped, Err(Fault::Receiver("enough"))));
    }
}
