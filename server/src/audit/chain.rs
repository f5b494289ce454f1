//! The hash chain: each line's hash covers its content and the previous line's hash.

use sha2::{Digest as _, Sha256};

/// The `prev_hash` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The content of one audit line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

/// SHA-256 (hex) over the previous hash and every field, each length-prefixed so no two
/// different lines hash the same input.
pub fn line_hash(prev_hash: &str, line: &Line) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| match value {
        Some(text) => {
            hasher.update(b"s");
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        None => hasher.update(b"n"),
    };
    field(Some(prev_hash));
    field(Some(&line.id.to_string()));
    field(Some(&line.at.to_string()));
    field(line.actor.as_deref());
    field(line.ip.as_deref());
    field(Some(&line.action));
    field(line.target.as_deref());
    field(Some(&line.outcome));
    field(line.detail.as_deref());
    hex::encode(hasher.finalize())
}

/// Checks lines in id order: consecutive ids, each linked to the previous hash, each
/// hash matching its content.
pub fn verify(lines: impl IntoIterator<Item = (Line, String, String)>) -> super::Verification {
    let mut expected_prev = GENESIS.to_owned();
    let mut count = 0;
    for (expected_id, (line, prev_hash, hash)) in (1..).zip(lines) {
        if line.id != expected_id {
            return super::Verification::Broken { id: line.id, reason: "a line before it is missing" };
        }
        if prev_hash != expected_prev {
            return super::Verification::Broken { id: line.id, reason: "its link to the line before does not match" };
        }
        if line_hash(&prev_hash, &line) != hash {
            return super::Verification::Broken { id: line.id, reason: "its content was changed" };
        }
        expected_prev = hash;
        count += 1;
    }
    super::Verification::Intact { lines: count }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Verification;

    fn chain(n: i64) -> Vec<(Line, String, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let line = Line {
                    id,
                    at: 1_800_000_000 + id,
                    actor: Some("ada".into()),
                    ip: Some("127.0.0.1".into()),
                    action: "login".into(),
                    target: None,
                    outcome: "ok".into(),
                    detail: None,
                };
                let hash = line_hash(&prev, &line);
                let entry = (line, prev.clone(), hash.clone());
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(chain(5)), Verification::Intact { lines: 5 });
        assert_eq!(verify(Vec::new()), Verification::Intact { lines: 0 });
    }

    #[test]
    fn an_edited_line_is_found() {
        let mut lines = chain(5);
        lines[2].0.outcome = "denied".into();
        assert_eq!(verify(lines), Verification::Broken { id: 3, reason: "its content was changed" });
    }

    #[test]
    fn a_removed_line_is_found() {
        let mut lines = chain(5);
        lines.remove(1);
        assert!(matches!(verify(lines), Verification::Broken { id: 3, .. }));
    }

    #[test]
    fn a_rewritten_tail_is_found_at_its_first_line() {
        let mut lines = chain(5);
        // Editing line 4 and recomputing its own hash still breaks line 5's link.
        lines[3].0.actor = Some("mallory".into());
        lines[3].2 = line_hash(&lines[3].1, &lines[3].0);
        assert_eq!(verify(lines), Verification::Broken { id: 5, reason: "its link to the line before does not match" });
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let a = Line { id: 1, at: 1, actor: Some("ab".into()), ip: Some("c".into()), action: "x".into(), target: None, outcome: "ok".into(), detail: None };
        let b = Line { actor: Some("a".into()), ip: Some("bc".into()), ..a.clone() };
        assert_ne!(line_hash(GENESIS, &a), line_hash(GENESIS, &b));
    }
}
