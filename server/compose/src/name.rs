//! Stack names and the names of things inside a stack.

use std::fmt;

use serde::Serialize;

use crate::diagnostic::shown;

/// A stack name: `^[a-z0-9][a-z0-9_-]{0,62}$`.
///
/// It becomes a folder name, a Podman name prefix and a label value, so anything that
/// could be a path (`../x`, `a/b`), an option (`-rf`) or shell syntax (`x;id`, `$(id)`) is
/// refused here, once, rather than escaped everywhere it is used.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct StackName(String);

impl StackName {
    /// The longest stack name, in bytes (all of them ASCII).
    pub const MAX_LEN: usize = 63;

    /// Checks `s` and wraps it.
    ///
    /// # Errors
    /// A message saying what is wrong and what a valid name looks like.
    pub fn parse(s: &str) -> Result<Self, String> {
        const RULE: &str = "use 1 to 63 characters: lowercase letters a-z, digits, `_` and `-`, \
                            starting with a letter or digit";
        let Some(first) = s.chars().next() else {
            return Err(format!("a stack name can't be empty: {RULE}"));
        };
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "stack name `{}` is {} characters long; {RULE}",
                shown(s),
                s.chars().count()
            ));
        }
        if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
            return Err(format!("stack name `{}` must start with a lowercase letter or digit; {RULE}", shown(s)));
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
        {
            return Err(format!(
                "stack name `{}` contains `{}`, which is not allowed; {RULE}",
                shown(s),
                shown(&bad.to_string())
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for StackName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Whether `s` is a valid name for a service, network, volume, secret or container:
/// `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, at most 128 bytes.
pub fn is_valid_object_name(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else { return false };
    s.len() <= 128
        && first.is_ascii_alphanumeric()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_stack_names_are_refused_with_a_clear_message() {
        for bad in ["../x", "a/b", "-rf", "x;id", "$(id)", "Web", "", "_x", "a b", "é"] {
            let err = StackName::parse(bad).expect_err(bad);
            assert!(err.contains("lowercase"), "{bad}: {err}");
        }
        let long = "a".repeat(64);
        assert!(StackName::parse(&long).is_err_and(|e| e.contains("64 characters")));
    }

    #[test]
    fn good_stack_names_are_accepted() {
        for good in ["website", "a", "0", "my_app-2", &"a".repeat(63)] {
            let name = StackName::parse(good).expect(good);
            assert_eq!(name.as_str(), good);
            assert_eq!(name.to_string(), good);
        }
    }

    #[test]
    fn object_names_follow_the_compose_rule() {
        assert!(is_valid_object_name("Web.1_a-b"));
        for bad in ["", "-a", ".a", "a/b", "a b", "a:b"] {
            assert!(!is_valid_object_name(bad), "{bad}");
        }
    }
}
