//! Typed reads of tree nodes, each reporting a diagnostic that names the key when the
//! node has the wrong shape. `what` is how the value is named in messages, e.g.
//! "`image` in service `web`".

use crate::diagnostic::{Diagnostics, Position, shown};
use crate::yaml::{Entry, Node, Value};

fn wrong(d: &mut Diagnostics, node: &Node, what: &str, expected: &str) {
    d.error(Some(node.at), format!("{what} must be {expected}, but is {}", node.kind()));
}

/// A non-null scalar's text.
pub(crate) fn string(node: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    match &node.value {
        Value::Scalar(s) if !s.null => Some(s.text.clone()),
        _ => {
            wrong(d, node, what, "a string");
            None
        }
    }
}

/// A non-empty string.
pub(crate) fn nonempty(node: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    let s = string(node, what, d)?;
    if s.is_empty() {
        d.error(Some(node.at), format!("{what} can't be empty"));
        return None;
    }
    Some(s)
}

/// `true` or `false` (YAML 1.2 spellings; quoted too, since interpolation yields strings).
pub(crate) fn boolean(node: &Node, what: &str, d: &mut Diagnostics) -> Option<bool> {
    match node.scalar().map(|s| s.text.as_str()) {
        Some("true" | "True" | "TRUE") => Some(true),
        Some("false" | "False" | "FALSE") => Some(false),
        _ => {
            wrong(d, node, what, "`true` or `false`");
            None
        }
    }
}

/// A whole number that fits `T`.
pub(crate) fn number<T: std::str::FromStr>(node: &Node, what: &str, d: &mut Diagnostics) -> Option<T> {
    match node.scalar() {
        Some(s) if !s.null => match s.text.trim().parse::<T>() {
            Ok(n) => Some(n),
            Err(_) => {
                d.error(Some(node.at), format!("{what} must be a whole number in range, not `{}`", shown(&s.text)));
                None
            }
        },
        _ => {
            wrong(d, node, what, "a number");
            None
        }
    }
}

/// A mapping's entries. A null value reads as an empty mapping (`networks: {default: }`).
pub(crate) fn mapping<'n>(node: &'n Node, what: &str, d: &mut Diagnostics) -> Option<&'n [Entry]> {
    match &node.value {
        Value::Map(es) => Some(es),
        Value::Scalar(s) if s.null => Some(&[]),
        _ => {
            wrong(d, node, what, "a mapping");
            None
        }
    }
}

/// A list of strings, each with its position.
pub(crate) fn list(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Vec<(String, Position)>> {
    match &node.value {
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(s) = string(item, &format!("each entry of {what}"), d) {
                    out.push((s, item.at));
                }
            }
            Some(out)
        }
        Value::Scalar(s) if s.null => Some(Vec::new()),
        _ => {
            wrong(d, node, what, "a list");
            None
        }
    }
}

/// A single string (one entry) or a list of strings.
pub(crate) fn string_or_list(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Vec<(String, Position)>> {
    match &node.value {
        Value::Scalar(s) if !s.null => Some(vec![(s.text.clone(), node.at)]),
        _ => list(node, what, d),
    }
}

/// `KEY=VALUE` list entries or a mapping, as `(key, value, position)`. A list entry
/// without `=` and a mapping entry with a null value have no value.
pub(crate) fn list_or_map(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Vec<(String, Option<String>, Position)>> {
    match &node.value {
        Value::Seq(_) => Some(
            list(node, what, d)?
                .into_iter()
                .map(|(s, at)| match s.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned()), at),
                    None => (s, None, at),
                })
                .collect(),
        ),
        Value::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                match &e.value.value {
                    Value::Scalar(s) if s.null => out.push((e.key.clone(), None, e.key_at)),
                    Value::Scalar(s) => out.push((e.key.clone(), Some(s.text.clone()), e.key_at)),
                    _ => wrong(d, &e.value, &format!("`{}` in {what}", shown(&e.key)), "a single value"),
                }
            }
            Some(out)
        }
        Value::Scalar(s) if s.null => Some(Vec::new()),
        Value::Scalar(_) => {
            wrong(d, node, what, "a list or a mapping");
            None
        }
    }
}

/// Reports a key that Berth does not know or support.
pub(crate) fn unknown_key(e: &Entry, place: &str, d: &mut Diagnostics) {
    d.error(Some(e.key_at), format!("unknown key `{}` {place}", shown(&e.key)));
}

/// Reports a compose key that Berth knows and deliberately does not support.
pub(crate) fn unsupported_key(e: &Entry, place: &str, why: &str, d: &mut Diagnostics) {
    d.error(Some(e.key_at), format!("`{}` {place} is not supported: {why}", shown(&e.key)));
}
