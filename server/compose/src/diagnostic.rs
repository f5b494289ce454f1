//! Problems found in a stack's files, with where they are.

use std::fmt;

use serde::{Deserialize, Serialize};

/// At most this many problems are reported for one parse: past it, a hostile file could
/// make the report itself the resource to exhaust.
pub const MAX_DIAGNOSTICS: usize = 50;

/// Which file a [`Diagnostic`] is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum File {
    /// The stack's `compose.yaml`.
    Compose,
    /// The stack's `.env`.
    Env,
    /// A service's `env_file` entry (the relative path as written in compose.yaml).
    EnvFile(String),
}

impl fmt::Display for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Compose => f.write_str("compose.yaml"),
            Self::Env => f.write_str(".env"),
            Self::EnvFile(path) => f.write_str(&shown(path)),
        }
    }
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// One problem, with the 1-based line and column where known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: File,
    /// 1-based line, where known.
    pub line: Option<u32>,
    /// 1-based column, where known.
    pub column: Option<u32>,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl Diagnostic {
    /// A problem in compose.yaml at `at` (or without position).
    pub fn compose(at: Option<Position>, message: impl Into<String>) -> Self {
        Self::new(File::Compose, at, message)
    }

    /// A problem in `file` at `at` (or without position).
    pub fn new(file: File, at: Option<Position>, message: impl Into<String>) -> Self {
        Self {
            file,
            line: at.map(|p| p.line),
            column: at.map(|p| p.column),
            message: message.into(),
        }
    }

    /// The position, when both line and column are known.
    pub fn position(&self) -> Option<Position> {
        Some(Position { line: self.line?, column: self.column? })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{} line {line}, column {column}: {}", self.file, self.message)
            }
            (Some(line), None) => write!(f, "{} line {line}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for Diagnostic {}

/// Collects diagnostics up to [`MAX_DIAGNOSTICS`], then notes that more were cut.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    list: Vec<Diagnostic>,
    dropped: usize,
}

impl Diagnostics {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(d);
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    pub(crate) fn error(&mut self, at: Option<Position>, message: impl Into<String>) {
        self.push(Diagnostic::compose(at, message));
    }

    pub(crate) fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        for d in ds {
            self.push(d);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.list.len() >= MAX_DIAGNOSTICS
    }

    pub(crate) fn into_vec(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.list.push(Diagnostic::compose(
                None,
                format!(
                    "{} more problems were found and not listed; fix the ones above first",
                    self.dropped
                ),
            ));
        }
        self.list
    }
}

/// A user-supplied string made safe to quote in a message: control characters escaped, and
/// cut to a readable length so a 1 MiB key cannot make a 1 MiB message.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= MAX {
            out.push('…');
            break;
        }
        if c.is_control() || c == '`' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_column() {
        let d = Diagnostic::compose(
            Some(Position { line: 3, column: 5 }),
            "unknown key `foo` in service `web`",
        );
        assert_eq!(d.to_string(), "compose.yaml line 3, column 5: unknown key `foo` in service `web`");
        let d = Diagnostic::compose(None, "services is required");
        assert_eq!(d.to_string(), "compose.yaml: services is required");
        let d = Diagnostic { file: File::Env, line: Some(2), column: None, message: "x".into() };
        assert_eq!(d.to_string(), ".env line 2: x");
    }

    #[test]
    fn diagnostics_are_capped_with_a_note() {
        let mut ds = Diagnostics::default();
        for _ in 0..(MAX_DIAGNOSTICS + 7) {
            ds.error(None, "x");
        }
        let v = ds.into_vec();
        assert_eq!(v.len(), MAX_DIAGNOSTICS + 1);
        assert!(v.last().is_some_and(|d| d.message.starts_with("7 more problems")));
    }

    #[test]
    fn shown_escapes_control_characters_and_cuts_long_text() {
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown(&"x".repeat(200)).chars().count(), 81);
    }
}
