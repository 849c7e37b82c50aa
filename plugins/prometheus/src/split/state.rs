//! The splitter's states: where in the envelope it is, and what the value
//! it is scanning is for and how far the scan has got, so that a walk
//! resumes where the last piece of the body left it.

/// The object being walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    /// The answer itself.
    Root,
    /// `data`.
    Data,
}

/// What a member of the root object or of `data` is to the splitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Status,
    ErrorType,
    Error,
    Warnings,
    Data,
    ResultType,
    Result,
    /// Anything else (`infos`, `stats`, ...): skipped.
    Other,
}

impl Field {
    pub(super) fn of(level: Level, key: &str) -> Field {
        match (level, key) {
            (Level::Root, "status") => Field::Status,
            (Level::Root, "errorType") => Field::ErrorType,
            (Level::Root, "error") => Field::Error,
            (Level::Root, "warnings") => Field::Warnings,
            (Level::Root, "data") => Field::Data,
            (Level::Data, "resultType") => Field::ResultType,
            (Level::Data, "result") => Field::Result,
            _ => Field::Other,
        }
    }

    /// Whether the value is kept for the envelope.
    pub(super) fn kept(self) -> bool {
        matches!(
            self,
            Field::Status | Field::ErrorType | Field::Error | Field::Warnings | Field::ResultType
        )
    }
}

/// What a scanned value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Key(Level),
    Member(Level, Field),
    Element,
}

/// The shape of a value being scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An object or an array: ends when its brackets balance.
    Container,
    /// A string: ends at its closing quote.
    String,
    /// A number, `true`, `false` or `null`: ends before the next delimiter.
    Scalar,
}

/// A value in the middle of being scanned; resumable across pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scan {
    pub(super) target: Target,
    pub(super) kind: Kind,
    pub(super) depth: u32,
    pub(super) in_string: bool,
    pub(super) escape: bool,
}

/// Where the splitter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// Before the root object.
    Start,
    /// In an object, before a key; `first`: the object may close here.
    Key {
        level: Level,
        first: bool,
    },
    Colon {
        level: Level,
        field: Field,
    },
    Value {
        level: Level,
        field: Field,
    },
    /// After a member: `,` or the end of the object.
    Next {
        level: Level,
    },
    /// In `data.result`, before an element; `first`: the array may close here.
    Element {
        first: bool,
    },
    /// After an element: `,` or `]`.
    NextElement,
    Scan(Scan),
    /// After the root object: only whitespace may follow.
    Done,
}
