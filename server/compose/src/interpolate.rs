//! `${VAR}` interpolation, as compose does it, over every scalar value of the file.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics, shown};
use crate::yaml::{Node, Value};

/// Longest value a single scalar may have after interpolation.
pub const MAX_VALUE_BYTES: usize = 128 * 1024;
/// Most bytes all interpolated scalars of one file may add up to.
pub const MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;
/// Deepest `${A:-${B:-${C}}}` nesting accepted.
pub const MAX_NESTING: usize = 8;

/// Why a value could not be interpolated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    /// The `$` syntax is wrong.
    #[error("invalid interpolation: {0}")]
    Malformed(String),
    /// `${VAR:?message}` or `${VAR?message}` with the variable missing.
    #[error("{message}")]
    Required {
        /// The variable that is missing.
        name: String,
        /// The message from the file, or a default one.
        message: String,
    },
    /// The result is longer than [`MAX_VALUE_BYTES`].
    #[error("the value is longer than {} KiB after interpolation", MAX_VALUE_BYTES / 1024)]
    TooLong,
    /// Defaults nest deeper than [`MAX_NESTING`].
    #[error("`${{...}}` defaults nest deeper than {MAX_NESTING} levels")]
    TooDeep,
}

/// The result of interpolating one string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpolated {
    /// The expanded text.
    pub text: String,
    /// Variables that were referenced without a default and are not set (each replaced by
    /// an empty string), in order of appearance.
    pub unset: Vec<String>,
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
/// `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}` and `$$` in `text`.
///
/// Defaults are expanded only when used, so `${SET:-${UNSET:?x}}` does not fail.
///
/// # Errors
/// Malformed syntax, a missing required variable, or a result over the limits.
pub fn interpolate(text: &str, vars: &BTreeMap<String, String>) -> Result<Interpolated, InterpolationError> {
    let mut x = Expander { src: text.as_bytes(), text, pos: 0, vars, unset: Vec::new() };
    let mut out = String::new();
    x.expand(&mut out, false, true, 0)?;
    Ok(Interpolated { text: out, unset: x.unset })
}

struct Expander<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    vars: &'a BTreeMap<String, String>,
    unset: Vec<String>,
}

fn push(out: &mut String, s: &str) -> Result<(), InterpolationError> {
    if out.len().saturating_add(s.len()) > MAX_VALUE_BYTES {
        return Err(InterpolationError::TooLong);
    }
    out.push_str(s);
    Ok(())
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Expander<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos.saturating_add(ahead)).copied()
    }

    fn name(&mut self) -> &str {
        let start = self.pos;
        while self.peek(0).is_some_and(is_name_char) {
            self.pos = self.pos.saturating_add(1);
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// Copies text to `out` until the end (or, in braces, until the closing `}`, which is
    /// left for the caller). With `eval` false only the syntax is checked.
    fn expand(&mut self, out: &mut String, in_braces: bool, eval: bool, depth: usize) -> Result<(), InterpolationError> {
        loop {
            let Some(b) = self.peek(0) else {
                if in_braces {
                    return Err(InterpolationError::Malformed("a `${` is not closed with `}`".into()));
                }
                return Ok(());
            };
            if in_braces && b == b'}' {
                return Ok(());
            }
            if b != b'$' {
                // Copy the run of ordinary text at once (the next `$` or `}` is ASCII, so the
                // slice ends on a char boundary).
                let start = self.pos;
                while self.peek(0).is_some_and(|c| c != b'$' && !(in_braces && c == b'}')) {
                    self.pos = self.pos.saturating_add(1);
                }
                if eval {
                    push(out, self.text.get(start..self.pos).unwrap_or(""))?;
                }
                continue;
            }
            match self.peek(1) {
                Some(b'$') => {
                    self.pos = self.pos.saturating_add(2);
                    if eval {
                        push(out, "$")?;
                    }
                }
                Some(b'{') => {
                    self.pos = self.pos.saturating_add(2);
                    self.braced(out, eval, depth.saturating_add(1))?;
                }
                Some(c) if is_name_start(c) => {
                    self.pos = self.pos.saturating_add(1);
                    let name = self.name().to_owned();
                    if eval {
                        self.lookup(out, &name)?;
                    }
                }
                _ => {
                    return Err(InterpolationError::Malformed(
                        "a `$` must be followed by a variable name or `{`; write `$$` for a literal `$`".into(),
                    ));
                }
            }
        }
    }

    fn lookup(&mut self, out: &mut String, name: &str) -> Result<(), InterpolationError> {
        match self.vars.get(name) {
            Some(v) => push(out, v),
            None => {
                if !self.unset.iter().any(|u| u == name) {
                    self.unset.push(name.to_owned());
                }
                Ok(())
            }
        }
    }

    fn braced(&mut self, out: &mut String, eval: bool, depth: usize) -> Result<(), InterpolationError> {
        if depth > MAX_NESTING {
            return Err(InterpolationError::TooDeep);
        }
        if !self.peek(0).is_some_and(is_name_start) {
            return Err(InterpolationError::Malformed(
                "`${` must be followed by a variable name (letters, digits and `_`, not starting with a digit)".into(),
            ));
        }
        let name = self.name().to_owned();
        let (colon, op) = match (self.peek(0), self.peek(1)) {
            (Some(b'}'), _) => {
                self.pos = self.pos.saturating_add(1);
                return if eval { self.lookup(out, &name) } else { Ok(()) };
            }
            (Some(b':'), Some(op @ (b'-' | b'?' | b'+'))) => {
                self.pos = self.pos.saturating_add(2);
                (true, op)
            }
            (Some(op @ (b'-' | b'?' | b'+')), _) => {
                self.pos = self.pos.saturating_add(1);
                (false, op)
            }
            (None, _) => return Err(InterpolationError::Malformed(format!("`${{{name}` is not closed with `}}`"))),
            (Some(_), _) => {
                let rest: String = self.text.get(self.pos..).unwrap_or("").chars().take(1).collect();
                return Err(InterpolationError::Malformed(format!(
                    "unexpected `{}` after `${{{name}`; expected `}}`, `:-`, `-`, `:?`, `?`, `:+` or `+`",
                    shown(&rest)
                )));
            }
        };
        let value = self.vars.get(&name);
        let present = if colon { value.is_some_and(|v| !v.is_empty()) } else { value.is_some() };
        // Whether the word after the operator is what the expression becomes.
        let use_word = match op {
            b'+' => present,
            _ => !present,
        };
        let mut word = String::new();
        self.expand(&mut word, true, eval && use_word, depth)?;
        // expand() stops only at the closing brace here.
        self.pos = self.pos.saturating_add(1);
        if !eval {
            return Ok(());
        }
        match op {
            b'?' if !present => {
                let message = if word.is_empty() {
                    format!("required variable `{name}` is {}", if colon { "missing or empty" } else { "missing" })
                } else {
                    format!("required variable `{name}`: {word}")
                };
                Err(InterpolationError::Required { name, message })
            }
            _ if use_word => push(out, &word),
            b'+' => Ok(()),
            _ => push(out, value.map_or("", String::as_str)),
        }
    }
}

/// Interpolates every scalar value of the tree in place (keys are left as written), and
/// returns a warning per variable that is used without being set.
pub(crate) fn interpolate_tree(root: &mut Node, vars: &BTreeMap<String, String>, errors: &mut Diagnostics) -> Vec<Diagnostic> {
    let mut warned: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut warnings = Vec::new();
    let mut total = 0usize;
    let mut todo: Vec<&mut Node> = vec![root];
    while let Some(node) = todo.pop() {
        let at = node.at;
        match &mut node.value {
            Value::Seq(items) => todo.extend(items.iter_mut()),
            Value::Map(entries) => todo.extend(entries.iter_mut().map(|e| &mut e.value)),
            Value::Scalar(s) => {
                if !s.text.contains('$') {
                    continue;
                }
                match interpolate(&s.text, vars) {
                    Ok(done) => {
                        total = total.saturating_add(done.text.len());
                        if total > MAX_TOTAL_BYTES {
                            errors.error(Some(at), format!(
                                "the file's values add up to more than {} MiB after interpolation",
                                MAX_TOTAL_BYTES / (1024 * 1024)
                            ));
                            return warnings;
                        }
                        s.text = done.text;
                        for name in done.unset {
                            if warnings.len() < crate::MAX_DIAGNOSTICS && !warned.contains(&name) {
                                warnings.push(Diagnostic::compose(
                                    Some(at),
                                    format!("variable `{name}` is not set; an empty string is used"),
                                ));
                                warned.insert(name);
                            }
                        }
                    }
                    Err(e) => errors.error(Some(at), e.to_string()),
                }
            }
        }
    }
    // The walk above is depth-first from the end; report warnings in file order.
    warnings.sort_by_key(|d| (d.line, d.column));
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("PORT", "9000"), ("EMPTY", ""), ("NAME", "web")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn ok(s: &str) -> String {
        interpolate(s, &vars()).expect(s).text
    }

    fn err(s: &str) -> InterpolationError {
        interpolate(s, &vars()).expect_err(s)
    }

    #[test]
    fn plain_and_braced_variables_expand() {
        assert_eq!(ok("$PORT:80"), "9000:80");
        assert_eq!(ok("${PORT}:80"), "9000:80");
        assert_eq!(ok("a${NAME}b$NAME.c"), "awebbweb.c");
        assert_eq!(ok("no dollars"), "no dollars");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar() {
        assert_eq!(ok("$$PORT and $${PORT} cost $$5"), "$PORT and ${PORT} cost $5");
    }

    #[test]
    fn colon_dash_default_applies_when_unset_or_empty() {
        assert_eq!(ok("${UNSET:-8080}"), "8080");
        assert_eq!(ok("${EMPTY:-8080}"), "8080");
        assert_eq!(ok("${PORT:-8080}"), "9000");
    }

    #[test]
    fn dash_default_applies_only_when_unset() {
        assert_eq!(ok("${UNSET-8080}"), "8080");
        assert_eq!(ok("${EMPTY-8080}"), "");
    }

    #[test]
    fn plus_alternatives_apply_when_set() {
        assert_eq!(ok("${PORT:+yes}"), "yes");
        assert_eq!(ok("${EMPTY:+yes}"), "");
        assert_eq!(ok("${EMPTY+yes}"), "yes");
        assert_eq!(ok("${UNSET+yes}"), "");
    }

    #[test]
    fn nested_defaults_expand_and_unused_ones_are_not_evaluated() {
        assert_eq!(ok("${UNSET:-${ALSO_UNSET:-${PORT}}}"), "9000");
        assert_eq!(ok("${PORT:-${UNSET:?never raised}}"), "9000");
        assert_eq!(ok("${UNSET:-a-b:c}"), "a-b:c");
    }

    #[test]
    fn required_variables_fail_with_the_message() {
        assert_eq!(
            err("${UNSET:?set UNSET in .env}"),
            InterpolationError::Required { name: "UNSET".into(), message: "required variable `UNSET`: set UNSET in .env".into() }
        );
        assert!(matches!(err("${EMPTY:?}"), InterpolationError::Required { .. }));
        assert_eq!(ok("${EMPTY?must be set}"), "");
        assert!(matches!(err("${UNSET?must be set}"), InterpolationError::Required { .. }));
    }

    #[test]
    fn unset_variables_are_empty_and_reported() {
        let r = interpolate("a${UNSET}b$UNSET", &vars()).expect("ok");
        assert_eq!(r.text, "ab");
        assert_eq!(r.unset, vec!["UNSET".to_owned()]);
    }

    #[test]
    fn malformed_dollar_braces_are_errors() {
        for bad in ["${", "${PORT", "${}", "${1A}", "${PORT:-x", "${PORT!}", "$", "cost $5", "${A:-${B}"] {
            assert!(matches!(err(bad), InterpolationError::Malformed(_)), "{bad}");
        }
    }

    #[test]
    fn nesting_and_length_are_bounded() {
        let deep = format!("{}x{}", "${A:-".repeat(20), "}".repeat(20));
        assert_eq!(err(&deep), InterpolationError::TooDeep);
        let mut big = BTreeMap::new();
        big.insert("B".to_owned(), "x".repeat(MAX_VALUE_BYTES / 2 + 1));
        assert_eq!(interpolate("$B$B", &big), Err(InterpolationError::TooLong));
    }

    #[test]
    fn unicode_text_is_kept() {
        assert_eq!(ok("é${NAME}ü"), "éwebü");
    }
}
