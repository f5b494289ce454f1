//! `.env` and `env_file` text: `KEY=VALUE` lines.
//!
//! Values are taken literally (no `${VAR}` expansion inside `.env`): what the file says is
//! what the variable holds, which is the least surprising reading for a secrets file.

use std::collections::BTreeMap;

use crate::MAX_ENV_BYTES;
use crate::diagnostic::{Diagnostic, Diagnostics, File, Position, shown};

/// Parses a stack's `.env`: `KEY=VALUE` lines, an optional `export ` prefix, `#` comments,
/// blank lines, `'single'` (literal) and `"double"` quotes (with `\n`, `\t`, `\r`, `\"`,
/// `\\` and `\$` escapes; both may span lines). A later line wins over an earlier one.
/// Keys are `[A-Za-z_][A-Za-z0-9_]*`.
///
/// # Errors
/// Every bad line (up to the diagnostics cap), each with its line number.
pub fn parse_env(text: &str) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    parse_env_text(text, &File::Env, false)
}

/// Like [`parse_env`], for a service's `env_file`, whose keys may also hold `.` and `-`
/// (they name container variables, never interpolation variables).
pub(crate) fn parse_env_text(text: &str, file: &File, loose_keys: bool) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let mut errors = Diagnostics::default();
    if text.len() > MAX_ENV_BYTES {
        errors.push(Diagnostic::new(
            file.clone(),
            None,
            format!("{file} is {}; the limit is {}", crate::size_text(text.len()), crate::size_text(MAX_ENV_BYTES)),
        ));
        return Err(errors.into_vec());
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0usize;
    while let Some(raw) = lines.get(i) {
        let line_no = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
        let at = |column: usize| Some(Position { line: line_no, column: u32::try_from(column).unwrap_or(u32::MAX) });
        i = i.saturating_add(1);
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            errors.push(Diagnostic::new(file.clone(), at(1), format!("`{}` is not `KEY=VALUE`", shown(line.trim()))));
            continue;
        };
        let key = key.trim_end();
        if !valid_key(key, loose_keys) {
            errors.push(Diagnostic::new(
                file.clone(),
                at(1),
                format!(
                    "`{}` is not a valid variable name: use letters, digits and `_`{}, not starting with a digit",
                    shown(key),
                    if loose_keys { " (and `.` or `-`)" } else { "" }
                ),
            ));
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let start_line = line_no;
                match quoted(rest, q, &lines, &mut i) {
                    Ok(v) => v,
                    Err(message) => {
                        errors.push(Diagnostic::new(file.clone(), Some(Position { line: start_line, column: 1 }), message));
                        continue;
                    }
                }
            }
            _ => unquoted(rest),
        };
        out.insert(key.to_owned(), value);
        if errors.is_full() {
            break;
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors.into_vec()) }
}

fn valid_key(key: &str, loose: bool) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (loose && matches!(c, '.' | '-')))
}

/// An unquoted value: trimmed, and a ` #` starts a comment.
fn unquoted(rest: &str) -> String {
    let mut end = rest.len();
    let bytes = rest.as_bytes();
    for (idx, b) in bytes.iter().enumerate() {
        if *b == b'#' && idx > 0 && bytes.get(idx - 1).is_some_and(u8::is_ascii_whitespace) {
            end = idx;
            break;
        }
    }
    rest.get(..end).unwrap_or(rest).trim().to_owned()
}

/// A quoted value starting at `rest` (its first char is the quote), continuing on the
/// following lines until the closing quote; `next` is advanced past the lines used.
fn quoted(rest: &str, q: char, lines: &[&str], next: &mut usize) -> Result<String, String> {
    let mut value = String::new();
    let mut current: &str = rest.get(1..).unwrap_or("");
    loop {
        let mut chars = current.char_indices();
        while let Some((idx, c)) = chars.next() {
            if c == q {
                let after = current.get(idx.saturating_add(1)..).unwrap_or("").trim();
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(format!("unexpected `{}` after the closing quote", shown(after)));
                }
                return Ok(value);
            }
            if q == '"' && c == '\\' {
                match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 't')) => value.push('\t'),
                    Some((_, 'r')) => value.push('\r'),
                    Some((_, e @ ('"' | '\\' | '$' | '\''))) => value.push(e),
                    Some((_, other)) => {
                        value.push('\\');
                        value.push(other);
                    }
                    None => value.push('\\'),
                }
            } else {
                value.push(c);
            }
        }
        // The quote is still open: the value goes on at the next line.
        let Some(line) = lines.get(*next) else {
            return Err(format!("the {} quote is never closed", if q == '"' { "double" } else { "single" }));
        };
        *next = next.saturating_add(1);
        value.push('\n');
        current = line;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines_parse_with_quotes_comments_and_export() {
        let text = "# comment\n\nexport A=1\nB = two words  # note\nC='single $X # kept'\nD=\"l1\\nl2 \\\"q\\\" \\\\\"\nE=\nF=a#b\n";
        let env = parse_env(text).expect("valid");
        assert_eq!(env["A"], "1");
        assert_eq!(env["B"], "two words");
        assert_eq!(env["C"], "single $X # kept");
        assert_eq!(env["D"], "l1\nl2 \"q\" \\");
        assert_eq!(env["E"], "");
        assert_eq!(env["F"], "a#b");
    }

    #[test]
    fn quoted_values_may_span_lines() {
        let env = parse_env("K=\"a\nb\"\nL='c\nd'\nM=1\n").expect("valid");
        assert_eq!(env["K"], "a\nb");
        assert_eq!(env["L"], "c\nd");
        assert_eq!(env["M"], "1");
    }

    #[test]
    fn invalid_keys_are_reported_with_their_line() {
        let errs = parse_env("A=1\n1B=2\nno equals\nC-D=3\n").expect_err("invalid");
        let lines: Vec<_> = errs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
        assert!(errs.iter().all(|d| d.file == File::Env));
        assert!(errs[0].message.contains("not a valid variable name"), "{}", errs[0]);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let errs = parse_env("A=\"open\nB=1\n").expect_err("open");
        assert!(errs[0].message.contains("never closed"));
        assert_eq!(errs[0].line, Some(1));
    }

    #[test]
    fn later_lines_win_and_crlf_and_bom_are_handled() {
        let env = parse_env("\u{feff}A=1\r\nA=2\r\n").expect("valid");
        assert_eq!(env["A"], "2");
    }

    #[test]
    fn oversized_env_is_refused() {
        let big = "A=1\n".repeat(MAX_ENV_BYTES / 4 + 1);
        let errs = parse_env(&big).expect_err("big");
        assert!(errs[0].message.contains("the limit is 256 KiB"), "{}", errs[0]);
    }
}
