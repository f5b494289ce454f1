//! Users, roles and the inputs of the login, parsed rather than validated.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a user may do. Ordered: each role can do everything the ones below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Runs stacks and containers.
    Operator,
    /// Everything, including users and security overrides.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Self; 3] = [Self::Viewer, Self::Operator, Self::Admin];

    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    /// The role with this name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user name: NFKC-normalised and lower-cased, so `Ａdmin`, `ADMIN` and `admin`
/// are one account (and share one throttle counter).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    /// Longest name, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Normalises and checks a name as typed.
    pub fn parse(input: &str) -> Result<Self, String> {
        use unicode_normalization::UnicodeNormalization as _;
        let name: String = input.trim().nfkc().collect::<String>().to_lowercase();
        if name.is_empty() {
            return Err("Enter a user name.".to_owned());
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(format!("A user name has at most {} characters.", Self::MAX_CHARS));
        }
        if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
            return Err("A user name may hold letters, digits and . _ - @ only.".to_owned());
        }
        Ok(Self(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password: any Unicode, never truncated, never shown by `Debug`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Shortest new password, in characters.
    pub const MIN_CHARS: usize = 12;
    /// Longest accepted, in bytes; far above any real passphrase, and bounded so a
    /// request can't make the hasher chew on megabytes.
    pub const MAX_BYTES: usize = 1024;

    /// Any password up to the maximum length (for logging in: old passwords may be short).
    pub fn parse(input: String) -> Result<Self, String> {
        if input.is_empty() {
            return Err("Enter a password.".to_owned());
        }
        if input.len() > Self::MAX_BYTES {
            return Err(format!("A password has at most {} bytes.", Self::MAX_BYTES));
        }
        Ok(Self(input))
    }

    /// A password good enough to set.
    pub fn parse_new(input: String) -> Result<Self, String> {
        let password = Self::parse(input)?;
        if password.0.chars().count() < Self::MIN_CHARS {
            return Err(format!("A password needs at least {} characters.", Self::MIN_CHARS));
        }
        Ok(password)
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The signed-in user, as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub totp_enabled: bool,
    /// The session may only enrol TOTP (an admin who has none yet).
    pub enrol_only: bool,
}

/// Where a login stands after a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginStep {
    /// Signed in.
    Done,
    /// Password accepted; a TOTP or recovery code is next.
    NeedTotp,
    /// Signed in, but an admin must enrol TOTP before anything else.
    MustEnrol,
}

/// A TOTP enrolment in progress: what the user copies into their authenticator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    /// Base32 key, as text.
    pub secret: String,
    /// `otpauth://totp/...`
    pub uri: String,
    /// The QR code of `uri`: `size` × `size` modules, row by row, `true` for dark.
    pub qr_size: usize,
    pub qr_modules: Vec<bool>,
}

/// One of the user's signed-in sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
    pub current: bool,
}

/// A user as an admin sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub totp_enabled: bool,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_normalised_so_variants_are_one_account() {
        let plain = Username::parse("admin").unwrap();
        assert_eq!(Username::parse("ADMIN").unwrap(), plain);
        assert_eq!(Username::parse(" Admin ").unwrap(), plain);
        assert_eq!(Username::parse("ａｄｍｉｎ").unwrap(), plain, "full-width letters fold by NFKC");
        assert_eq!(Username::parse("Zoë").unwrap().as_str(), "zoë");
        assert_eq!(Username::parse("Zoe\u{308}").unwrap().as_str(), "zoë", "combining marks compose");
    }

    #[test]
    fn bad_user_names_say_why() {
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("x;id").is_err());
        assert!(Username::parse("<script>").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
        assert!(Username::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn passwords_are_checked_by_characters_and_bytes() {
        assert!(Password::parse_new("short".into()).is_err());
        assert!(Password::parse_new("🔑".repeat(12)).is_ok(), "12 characters, 48 bytes");
        assert!(Password::parse_new("x".repeat(1024)).is_ok());
        assert!(Password::parse("x".repeat(1025)).is_err());
        assert_eq!(format!("{:?}", Password::parse("secret".into()).unwrap()), "Password(***)");
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
        assert_eq!(Role::parse("operator"), Some(Role::Operator));
        assert_eq!(Role::parse("root"), None);
    }
}
