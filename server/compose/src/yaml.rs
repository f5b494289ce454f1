//! YAML text to a positioned tree, within limits.
//!
//! The tree is built from `saphyr-parser` events rather than through serde so that every
//! node keeps its line and column (for diagnostics and policy findings), scalars keep the
//! text they were written with (so `8080:80` is never a base-60 number and `no` can be
//! read as the string the user meant), and so that every cost a hostile file could inflate
//! (nesting, node count including alias expansion) is budgeted here, with an explicit stack
//! instead of recursion.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::diagnostic::{Diagnostic, Position, shown};

/// Deepest nesting of mappings and sequences accepted. Compose files need fewer than 10.
pub const MAX_DEPTH: usize = 64;
/// Most nodes a file may expand to, counting every copy an alias makes.
pub const MAX_NODES: usize = 250_000;
/// Most nodes all aliases of a file may copy in total. Real files alias small `x-`
/// anchors a few hundred times at most; an alias bomb needs millions, and is refused
/// after a few thousand copies instead of after [`MAX_NODES`].
pub const MAX_ALIAS_NODES: usize = 50_000;
/// Most bytes of keys and scalars a file may expand to, counting every copy an alias makes
/// (a large string aliased many times is as much a bomb as many small nodes).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// A scalar as written: its text (before interpolation), and whether it was the YAML null.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scalar {
    pub text: String,
    /// A plain `~`, `null` or empty value: "no value", as opposed to an empty string.
    pub null: bool,
    /// Written without quotes (so `true` may be read as a boolean).
    pub plain: bool,
}

/// One mapping entry. Keys are scalars; their text is used as written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_at: Position,
    pub value: Node,
}

impl Entry {
    /// `x-` keys are compose extensions: ignored wherever keys come from the schema.
    pub fn is_extension(&self) -> bool {
        self.key.starts_with("x-")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A node and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub at: Position,
    pub value: Value,
}

impl Node {
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.null)
    }

    /// What the node is, for "must be ... but is ..." messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Scalar(s) if s.null => "empty",
            Value::Scalar(_) => "a single value",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

fn position(span: &Span) -> Position {
    Position {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(span.start.col().saturating_add(1)).unwrap_or(u32::MAX),
    }
}

enum Frame {
    Seq { at: Position, anchor: usize, items: Vec<Node> },
    Map { at: Position, anchor: usize, entries: Vec<Entry>, merges: Vec<Node>, key: Option<(String, Position, bool)> },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, (usize, usize))>,
    nodes: usize,
    bytes: usize,
    alias_nodes: usize,
    root: Option<Node>,
    documents: usize,
}

fn tag_text(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// Counts the nodes and text bytes of a tree without recursion.
fn count(node: &Node) -> (usize, usize) {
    let (mut n, mut bytes) = (0usize, 0usize);
    let mut todo = vec![node];
    while let Some(node) = todo.pop() {
        n = n.saturating_add(1);
        match &node.value {
            Value::Scalar(s) => bytes = bytes.saturating_add(s.text.len()),
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => {
                for e in entries {
                    bytes = bytes.saturating_add(e.key.len());
                    todo.push(&e.value);
                }
            }
        }
    }
    (n, bytes)
}

impl Builder {
    fn spend(&mut self, (n, bytes): (usize, usize), at: Position) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(n);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > MAX_BYTES {
            return Err(Diagnostic::compose(
                Some(at),
                format!(
                    "the file expands to more than {} MiB of text (aliases count every copy they \
                     make); this is refused as an alias bomb or an unreasonably large file",
                    MAX_BYTES / (1024 * 1024)
                ),
            ));
        }
        if self.nodes > MAX_NODES {
            return Err(Diagnostic::compose(
                Some(at),
                format!(
                    "the file expands to more than {MAX_NODES} YAML nodes (aliases count every copy \
                     they make); this is refused as an alias bomb or an unreasonably large file"
                ),
            ));
        }
        Ok(())
    }

    fn check_tag(tag: Option<&Tag>, at: Position, allowed: &[&str]) -> Result<Option<String>, Diagnostic> {
        let Some(tag) = tag else { return Ok(None) };
        if tag.is_yaml_core_schema() && allowed.contains(&tag.suffix.as_str()) {
            return Ok(Some(tag.suffix.clone()));
        }
        Err(Diagnostic::compose(
            Some(at),
            format!("the YAML tag `{}` is not supported", shown(&tag_text(tag))),
        ))
    }

    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<(), Diagnostic> {
        let at = position(span);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
            Event::DocumentStart(_) => {
                self.documents = self.documents.saturating_add(1);
                if self.documents > 1 {
                    return Err(Diagnostic::compose(
                        Some(at),
                        "the file holds more than one YAML document (a second `---`); a compose file is one document",
                    ));
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = Self::check_tag(tag.as_deref(), at, &["str", "int", "float", "bool", "null"])?;
                if text.contains('\0') {
                    return Err(Diagnostic::compose(Some(at), "NUL characters are not allowed"));
                }
                let plain = style == ScalarStyle::Plain && tag.as_deref() != Some("str");
                let null = tag.as_deref() == Some("null")
                    || (plain && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL"));
                self.spend((1, text.len()), at)?;
                let node = Node { at, value: Value::Scalar(Scalar { text: text.into_owned(), null, plain }) };
                self.add(node, anchor, plain)
            }
            Event::SequenceStart(anchor, tag) => {
                Self::check_tag(tag.as_deref(), at, &["seq"])?;
                self.open(at)?;
                self.stack.push(Frame::Seq { at, anchor, items: Vec::new() });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                Self::check_tag(tag.as_deref(), at, &["map"])?;
                self.open(at)?;
                self.stack.push(Frame::Map { at, anchor, entries: Vec::new(), merges: Vec::new(), key: None });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq { at, anchor, items }) => self.add(Node { at, value: Value::Seq(items) }, anchor, false),
                _ => Err(Diagnostic::compose(Some(at), "invalid YAML: unbalanced sequence")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map { at, anchor, entries, merges, key: None }) => {
                    let entries = merge(entries, merges)?;
                    self.add(Node { at, value: Value::Map(entries) }, anchor, false)
                }
                _ => Err(Diagnostic::compose(Some(at), "invalid YAML: unbalanced mapping")),
            },
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return Err(Diagnostic::compose(Some(at), "this alias refers to an anchor that is not complete (an anchor can't contain itself)"));
                };
                // Pay before copying, so a bomb is refused before it costs anything.
                self.alias_nodes = self.alias_nodes.saturating_add(size.0);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(Diagnostic::compose(
                        Some(at),
                        format!(
                            "aliases in this file copy more than {MAX_ALIAS_NODES} YAML nodes; \
                             this is refused as an alias bomb"
                        ),
                    ));
                }
                self.spend(size, at)?;
                let Some(node) = self.anchors.get(&id).map(|(node, _)| node.clone()) else {
                    return Ok(());
                };
                self.add(node, 0, false)
            }
        }
    }

    fn open(&mut self, at: Position) -> Result<(), Diagnostic> {
        self.spend((1, 0), at)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(Diagnostic::compose(
                Some(at),
                format!("the YAML nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn add(&mut self, node: Node, anchor: usize, plain_scalar: bool) -> Result<(), Diagnostic> {
        if anchor != 0 {
            let size = count(&node);
            // Keeping the anchor's copy costs as much as the node itself.
            self.spend(size, node.at)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { entries, merges, key, .. }) => match key.take() {
                None => match node.value {
                    Value::Scalar(s) => {
                        *key = Some((s.text, node.at, plain_scalar));
                        Ok(())
                    }
                    _ => Err(Diagnostic::compose(Some(node.at), "mapping keys must be plain strings, not lists or mappings")),
                },
                Some((k, key_at, plain)) => {
                    if plain && k == "<<" {
                        merges.push(node);
                    } else {
                        entries.push(Entry { key: k, key_at, value: node });
                    }
                    Ok(())
                }
            },
        }
    }
}

/// Checks for duplicate keys, then applies `<<` merge keys: keys written in the mapping
/// win over merged ones, and earlier merge sources win over later ones.
fn merge(mut entries: Vec<Entry>, merges: Vec<Node>) -> Result<Vec<Entry>, Diagnostic> {
    let mut seen: HashMap<&str, Position> = HashMap::with_capacity(entries.len());
    for e in &entries {
        if let Some(first) = seen.insert(e.key.as_str(), e.key_at) {
            return Err(Diagnostic::compose(
                Some(e.key_at),
                format!("duplicate key `{}` (first at line {})", shown(&e.key), first.line),
            ));
        }
    }
    if merges.is_empty() {
        return Ok(entries);
    }
    let mut present: HashSet<String> = entries.iter().map(|e| e.key.clone()).collect();
    let mut sources = Vec::new();
    for m in merges {
        match m.value {
            Value::Map(es) => sources.push(es),
            Value::Seq(items) => {
                for item in items {
                    match item.value {
                        Value::Map(es) => sources.push(es),
                        _ => return Err(Diagnostic::compose(Some(item.at), "a `<<` merge list may only hold mappings")),
                    }
                }
            }
            Value::Scalar(_) => return Err(Diagnostic::compose(Some(m.at), "`<<` must merge a mapping (an alias to one) or a list of them")),
        }
    }
    for source in sources {
        for e in source {
            if present.insert(e.key.clone()) {
                entries.push(e);
            }
        }
    }
    Ok(entries)
}

/// Parses `text` as one YAML document. `Ok(None)` is an empty file.
///
/// # Errors
/// One diagnostic: the first YAML syntax error or exceeded limit.
pub(crate) fn load(text: &str) -> Result<Option<Node>, Diagnostic> {
    // saphyr-parser is fuzzed upstream, but a panic in a dependency on hostile input must
    // still be a refused file, not a crashed request. (Under the fuzzer a panic aborts, so
    // it is still found.)
    std::panic::catch_unwind(|| load_events(text)).unwrap_or_else(|_| {
        Err(Diagnostic::compose(None, "the YAML parser failed on this file; it is refused"))
    })
}

fn load_events(text: &str) -> Result<Option<Node>, Diagnostic> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder { stack: Vec::new(), anchors: HashMap::new(), nodes: 0, bytes: 0, alias_nodes: 0, root: None, documents: 0 };
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => b.event(event, &span)?,
            Err(e) => {
                let m = e.marker();
                let at = Position {
                    line: u32::try_from(m.line()).unwrap_or(u32::MAX),
                    column: u32::try_from(m.col().saturating_add(1)).unwrap_or(u32::MAX),
                };
                return Err(Diagnostic::compose(Some(at), format!("invalid YAML: {}", clean(e.info()))));
            }
        }
    }
    Ok(b.root)
}

/// The parser's message without its internal phrasing noise.
fn clean(info: &str) -> String {
    let s = info.trim();
    let s = s.strip_prefix("while parsing ").map_or_else(|| s.to_owned(), |rest| format!("in {rest}"));
    shown(&s)
}

/// Key text to value, for lookups in tests.
#[cfg(test)]
pub(crate) fn keys(node: &Node) -> std::collections::BTreeMap<String, &Node> {
    match &node.value {
        Value::Map(es) => es.iter().map(|e| (e.key.clone(), &e.value)).collect(),
        _ => std::collections::BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        load(text).expect("valid").expect("not empty")
    }

    #[test]
    fn scalars_keep_their_text_and_position() {
        let n = root("a: 8080:80\nb:\n  c: no\n  d: ~\n  e: ''\n");
        let k = keys(&n);
        assert_eq!(k["a"].scalar().map(|s| s.text.as_str()), Some("8080:80"));
        let b = keys(k["b"]);
        assert_eq!(b["c"].scalar().map(|s| (s.text.as_str(), s.plain)), Some(("no", true)));
        assert!(b["d"].is_null());
        assert!(!b["e"].is_null());
        assert_eq!(b["c"].at, Position { line: 3, column: 6 });
    }

    #[test]
    fn duplicate_keys_are_an_error_naming_the_key() {
        let e = load("a: 1\nb: 2\na: 3\n").expect_err("dup");
        assert!(e.message.contains("duplicate key `a`"), "{e}");
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn invalid_yaml_has_line_and_column() {
        let e = load("a: [1, 2\nb: c\n").expect_err("bad");
        assert!(e.message.starts_with("invalid YAML"), "{e}");
        assert!(e.line.is_some() && e.column.is_some());
    }

    #[test]
    fn multiple_documents_are_refused() {
        let e = load("a: 1\n---\nb: 2\n").expect_err("two docs");
        assert!(e.message.contains("more than one YAML document"), "{e}");
    }

    #[test]
    fn merge_keys_apply_with_explicit_keys_winning() {
        let n = root("x: &d {a: 1, b: 2}\ny:\n  <<: *d\n  b: 3\n");
        let y = keys(keys(&n)["y"]);
        assert_eq!(y["a"].scalar().map(|s| s.text.as_str()), Some("1"));
        assert_eq!(y["b"].scalar().map(|s| s.text.as_str()), Some("3"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let e = load(&text).expect_err("deep");
        assert!(e.message.contains("nests deeper"), "{e}");
    }

    #[test]
    fn custom_tags_are_refused() {
        let e = load("a: !reset []\n").expect_err("tag");
        assert!(e.message.contains("tag"), "{e}");
        assert!(load("a: !!str 1\n").is_ok());
    }

    #[test]
    fn empty_file_is_no_document() {
        assert_eq!(load(""), Ok(None));
        assert_eq!(load("# only a comment\n"), Ok(None));
    }
}
