//! The key file: 32 random bytes in `<data dir>/secret.key` (mode 0600), outside the
//! database, so a leaked database alone reveals no TOTP secret and forges no cookie.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use anyhow::Context as _;
use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use sha2::Sha256;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;

/// Berth's secret keys, derived from the key file.
#[derive(Clone)]
pub struct Keys {
    encryption: [u8; KEY_BYTES],
    signing: [u8; KEY_BYTES],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(***)")
    }
}

impl Keys {
    /// Reads `secret.key` in the data dir, making it (0600) on first use.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("secret.key");
        let master = match std::fs::read(&path) {
            Ok(bytes) => {
                let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
                anyhow::ensure!(mode & 0o077 == 0, "{} is readable by others (mode {mode:o}): chmod 600 it", path.display());
                <[u8; KEY_BYTES]>::try_from(bytes.as_slice())
                    .map_err(|_| anyhow::anyhow!("{} is not a {KEY_BYTES}-byte key", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_BYTES];
                rand::rngs::OsRng.fill_bytes(&mut key);
                crate::files::create_new(&path, &key, 0o600)?;
                key
            }
            Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
        };
        Ok(Self::from_master(&master))
    }

    /// Keys derived from a master key (separate keys for separate purposes).
    pub fn from_master(master: &[u8; KEY_BYTES]) -> Self {
        Self { encryption: derive(master, b"berth totp encryption"), signing: derive(master, b"berth cookie signing") }
    }

    /// Encrypts a secret: nonce || ciphertext.
    pub fn encrypt(&self, plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
        let cipher = ChaCha20Poly1305::new((&self.encryption).into());
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher.encrypt(Nonce::from_slice(&nonce), plaintext).map_err(|_| anyhow::anyhow!("encryption failed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Decrypts what [`Keys::encrypt`] made; fails if it was altered or made with another key.
    pub fn decrypt(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > NONCE_BYTES, "sealed secret too short");
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        ChaCha20Poly1305::new((&self.encryption).into())
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow::anyhow!("the secret does not decrypt with this key file"))
    }

    /// An HMAC-SHA256 tag over `message`, hex.
    pub fn sign(&self, message: &str) -> String {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.signing).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `tag` is the HMAC of `message`, compared in constant time.
    pub fn verify(&self, message: &str, tag: &str) -> bool {
        let Ok(tag) = hex::decode(tag) else { return false };
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.signing).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        mac.verify_slice(&tag).is_ok()
    }
}

fn derive(master: &[u8; KEY_BYTES], purpose: &[u8]) -> [u8; KEY_BYTES] {
    let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

/// `n` random bytes.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A random identifier: 128 bits, hex.
pub fn random_id() -> String {
    hex::encode(random_bytes(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_made_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keys::load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join("secret.key")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = Keys::load_or_create(dir.path()).unwrap();
        let sealed = first.encrypt(b"JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(second.decrypt(&sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Keys::load_or_create(dir.path()).unwrap();
        let path = dir.path().join("secret.key");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Keys::load_or_create(dir.path()).is_err());
    }

    #[test]
    fn tampered_or_foreign_ciphertexts_do_not_decrypt() {
        let keys = Keys::from_master(&[7; 32]);
        let mut sealed = keys.encrypt(b"secret").unwrap();
        assert!(Keys::from_master(&[8; 32]).decrypt(&sealed).is_err());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(keys.decrypt(&sealed).is_err());
    }

    #[test]
    fn signatures_verify_only_their_message() {
        let keys = Keys::from_master(&[7; 32]);
        let tag = keys.sign("device.1");
        assert!(keys.verify("device.1", &tag));
        assert!(!keys.verify("device.2", &tag));
        assert!(!Keys::from_master(&[8; 32]).verify("device.1", &tag));
        assert!(!keys.verify("device.1", "zz"));
    }
}
