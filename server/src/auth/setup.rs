//! The one-time setup token for the first admin. Kept in `<data dir>/setup-token`
//! (0600) so it survives restarts and can be read by whoever has a shell as Berth's
//! user; removed once an admin exists.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use subtle::ConstantTimeEq as _;

/// The setup token, while setup is open.
#[derive(Debug, Clone)]
pub struct SetupToken {
    path: PathBuf,
    token: Arc<Mutex<Option<String>>>,
}

impl SetupToken {
    /// No token: setup is closed (an admin exists).
    pub fn closed(data_dir: &Path) -> Self {
        let path = data_dir.join("setup-token");
        let _ = std::fs::remove_file(&path);
        Self { path, token: Arc::new(Mutex::new(None)) }
    }

    /// The token in the data dir, or a new one written there.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("setup-token");
        let token = match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= 32 => text.trim().to_owned(),
            _ => {
                let token = super::keys::random_id();
                let _ = std::fs::remove_file(&path);
                crate::files::create_new(&path, format!("{token}\n").as_bytes(), 0o600)?;
                token
            }
        };
        Ok(Self { path, token: Arc::new(Mutex::new(Some(token))) })
    }

    /// The token, to print at start.
    pub fn reveal(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Whether `candidate` is the token (constant-time).
    pub fn matches(&self, candidate: &str) -> bool {
        let guard = self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.as_deref().is_some_and(|token| bool::from(token.as_bytes().ct_eq(candidate.trim().as_bytes())))
    }

    /// Closes setup for good.
    pub fn close(&self) {
        *self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        let _ = std::fs::remove_file(&self.path);
    }

    /// Where the token is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_survives_a_restart_and_dies_with_setup() {
        let dir = tempfile::tempdir().unwrap();
        let first = SetupToken::open(dir.path()).unwrap();
        let token = first.reveal().unwrap();
        assert!(first.matches(&token));
        assert!(!first.matches("wrong"));
        let again = SetupToken::open(dir.path()).unwrap();
        assert_eq!(again.reveal(), Some(token.clone()));
        again.close();
        assert!(!again.matches(&token));
        assert!(!dir.path().join("setup-token").exists());
    }
}
