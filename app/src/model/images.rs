//! Images: the list, and pulls with their progress.

use serde::{Deserialize, Serialize};

/// One image in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRow {
    pub id: String,
    /// repository:tag names; empty for a dangling image.
    pub tags: Vec<String>,
    pub size: u64,
    /// Unix seconds.
    pub created: i64,
    /// Names of the containers made from it.
    pub used_by: Vec<String>,
}

/// A pull started from Berth, and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullJob {
    pub id: u64,
    pub reference: String,
    /// Podman's progress lines, oldest first (the most recent few hundred).
    pub lines: Vec<String>,
    pub state: PullState,
}

/// Whether a pull is still going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PullState {
    Running,
    /// Pulled: the image's id.
    Done(String),
    /// Why it failed, in plain words.
    Failed(String),
}

/// An image reference as typed (`registry/name:tag` or `name@sha256:...`), or an
/// image id: only the characters references use, so nothing else reaches Podman's URL.
pub fn parse_reference(text: &str) -> Result<String, String> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text.len() <= 255
        && text.as_bytes()[0].is_ascii_alphanumeric()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b));
    if ok { Ok(text.to_owned()) } else { Err("That is not an image reference (such as docker.io/library/nginx:1.27).".to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_checked() {
        assert_eq!(parse_reference(" 127.0.0.1:5000/demo/web:v1 ").as_deref(), Ok("127.0.0.1:5000/demo/web:v1"));
        assert!(parse_reference("docker.io/library/alpine@sha256:0123abcd").is_ok());
        for bad in ["", "-x", "a b", "a;b", "a?b=c", "../etc", "a#b", &"a".repeat(256)] {
            assert!(parse_reference(bad).is_err(), "{bad:?}");
        }
    }
}
