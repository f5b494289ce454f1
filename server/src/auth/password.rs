//! Password hashing with argon2id: in `spawn_blocking`, at most two at once, with a
//! dummy hash for unknown users so their answer costs the same as a known user's.

use std::sync::Arc;

use anyhow::Context as _;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use app::model::auth::Password;

/// Memory in KiB, iterations and lanes: the baseline (OWASP's argon2id minimum).
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;
/// Hashes computed at once (more wait): at most two, and never every core, so a login
/// flood leaves a core to serve signed-in users. Each takes ~19 MiB and tens of ms.
fn concurrent_hashes() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    cores.saturating_sub(1).clamp(1, 2)
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Wrong password.
    Mismatch,
    /// Right password; `rehash` holds a new hash when the stored one is weaker than today's.
    Match { rehash: Option<String> },
}

/// Hashes and verifies passwords, never more than two at once.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    dummy: Arc<str>,
    params: Params,
}

impl Hasher {
    /// A hasher with the baseline parameters. Computes the dummy hash once.
    pub fn new() -> anyhow::Result<Self> {
        Self::with_params(MEMORY_KIB, ITERATIONS, LANES)
    }

    /// A hasher with other parameters (tests use weak ones to check rehashing).
    pub fn with_params(memory_kib: u32, iterations: u32, lanes: u32) -> anyhow::Result<Self> {
        let params = Params::new(memory_kib, iterations, lanes, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let dummy = hash_blocking(&params, b"berth dummy password for unknown users")?;
        Ok(Self { permits: Arc::new(Semaphore::new(concurrent_hashes())), dummy: dummy.into(), params })
    }

    /// Hashes a new password.
    #[tracing::instrument(skip_all)]
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        let params = self.params.clone();
        let secret = password.expose().as_bytes().to_vec();
        tokio::task::spawn_blocking(move || hash_blocking(&params, &secret)).await.context("hash task")?
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no
    /// stored hash (unknown user), which then always answers `Mismatch`.
    #[tracing::instrument(skip_all)]
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> anyhow::Result<Verdict> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.dummy).to_owned();
        let secret = password.expose().as_bytes().to_vec();
        let params = self.params.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<Verdict> {
            let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash is not a PHC string: {e}"))?;
            let ok = argon2_for(&Params::try_from(&parsed).unwrap_or_else(|_| params.clone()))
                .verify_password(&secret, &parsed)
                .is_ok();
            if !(ok && known) {
                return Ok(Verdict::Mismatch);
            }
            let rehash = if is_weaker(&parsed, &params) { Some(hash_blocking(&params, &secret)?) } else { None };
            Ok(Verdict::Match { rehash })
        })
        .await
        .context("verify task")?
    }
}

fn argon2_for(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_blocking(params: &Params, secret: &[u8]) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2_for(params)
        .hash_password(secret, &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

/// Whether a stored hash is weaker than `wanted` (another algorithm, or less memory,
/// fewer iterations or fewer lanes).
fn is_weaker(stored: &PasswordHash<'_>, wanted: &Params) -> bool {
    if stored.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(stored) {
        Ok(p) => p.m_cost() < wanted.m_cost() || p.t_cost() < wanted.t_cost() || p.p_cost() < wanted.p_cost(),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text.to_owned()).unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = Hasher::with_params(1024, 1, 1).unwrap();
        let hash = hasher.hash(&password("correct horse battery")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert_eq!(hasher.verify(&password("correct horse battery"), Some(&hash)).await.unwrap(), Verdict::Match { rehash: None });
        assert_eq!(hasher.verify(&password("correct horse batterY"), Some(&hash)).await.unwrap(), Verdict::Mismatch);
    }

    #[tokio::test]
    async fn long_unicode_passwords_are_not_truncated() {
        let hasher = Hasher::with_params(1024, 1, 1).unwrap();
        let long = "пароль-🔑-".repeat(20); // well over 256 bytes
        let hash = hasher.hash(&password(&long)).await.unwrap();
        let mut almost = long.clone();
        almost.pop();
        almost.push('+');
        assert!(matches!(hasher.verify(&password(&long), Some(&hash)).await.unwrap(), Verdict::Match { .. }));
        assert_eq!(hasher.verify(&password(&almost), Some(&hash)).await.unwrap(), Verdict::Mismatch);
    }

    #[tokio::test]
    async fn unknown_users_never_match_even_the_dummy_password() {
        let hasher = Hasher::with_params(1024, 1, 1).unwrap();
        let verdict = hasher.verify(&password("berth dummy password for unknown users"), None).await.unwrap();
        assert_eq!(verdict, Verdict::Mismatch);
    }

    #[tokio::test]
    async fn a_weaker_stored_hash_is_rehashed_on_login() {
        let weak = Hasher::with_params(1024, 1, 1).unwrap();
        let strong = Hasher::with_params(2048, 2, 1).unwrap();
        let old = weak.hash(&password("correct horse battery")).await.unwrap();
        let Verdict::Match { rehash: Some(new) } = strong.verify(&password("correct horse battery"), Some(&old)).await.unwrap() else {
            panic!("expected a rehash");
        };
        assert!(new.contains("m=2048,t=2,p=1"), "{new}");
        assert_eq!(strong.verify(&password("correct horse battery"), Some(&new)).await.unwrap(), Verdict::Match { rehash: None });
    }

    #[tokio::test]
    async fn new_hashes_use_the_security_baseline() {
        let hash = Hasher::new().unwrap().hash(&password("correct horse battery")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    }
}
