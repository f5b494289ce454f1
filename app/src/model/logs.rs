//! Container logs: how many lines, and how a line is made safe to show.

use serde::{Deserialize, Serialize};

use crate::model::text::plain;

/// Lines shown when the page doesn't say.
pub const DEFAULT_TAIL: u32 = 200;
/// The most lines a page or a download asks for at once.
pub const MAX_TAIL: u32 = 10_000;
/// The most lines a live view keeps; older ones scroll away.
pub const LIVE_LINES: usize = 2_000;

/// One line of a container's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Written to standard error.
    pub err: bool,
    pub text: String,
}

/// The `tail` the user asked for, within bounds (`all` is [`MAX_TAIL`]).
pub fn parse_tail(text: Option<&str>) -> u32 {
    match text.map(str::trim) {
        None | Some("") => DEFAULT_TAIL,
        Some("all") => MAX_TAIL,
        Some(n) => n.parse::<u32>().map_or(DEFAULT_TAIL, |n| n.clamp(1, MAX_TAIL)),
    }
}

/// Splits one chunk of output into lines made safe to show (a chunk may hold several
/// lines, and its last line ends with a newline or not).
pub fn lines_of(chunk: &str, err: bool) -> impl Iterator<Item = LogLine> + '_ {
    chunk.strip_suffix('\n').unwrap_or(chunk).split('\n').map(move |line| LogLine { err, text: plain(line) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_into_lines() {
        let lines: Vec<_> = lines_of("one\ntwo\n", true).collect();
        assert_eq!(lines, vec![LogLine { err: true, text: "one".into() }, LogLine { err: true, text: "two".into() }]);
        assert_eq!(lines_of("partial", false).count(), 1);
    }

    #[test]
    fn tail_is_bounded() {
        assert_eq!(parse_tail(None), DEFAULT_TAIL);
        assert_eq!(parse_tail(Some("50")), 50);
        assert_eq!(parse_tail(Some("0")), 1);
        assert_eq!(parse_tail(Some("99999999")), MAX_TAIL);
        assert_eq!(parse_tail(Some("all")), MAX_TAIL);
        assert_eq!(parse_tail(Some("-3")), DEFAULT_TAIL);
    }
}
