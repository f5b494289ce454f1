//! TOTP (RFC 6238): Berth's verifier over totp-rs's code generation. A code is accepted
//! in the current step or one step either side, and a step once used can't be used again.

use subtle::ConstantTimeEq as _;
pub use totp_rs::Algorithm;
use totp_rs::{Builder, Secret};

/// Seconds per step, digits and skew for Berth's own codes (what authenticator apps use).
pub const STEP: u64 = 30;
pub const DIGITS: usize = 6;
pub const SKEW: u64 = 1;
/// Secret length in bytes (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

/// A TOTP generator/verifier for one secret.
#[derive(Debug, Clone)]
pub struct Totp {
    inner: totp_rs::Totp,
    digits: usize,
    secret: Vec<u8>,
}

impl Totp {
    /// Berth's TOTP for a secret: SHA-1, 6 digits, 30 s.
    pub fn berth(secret: Vec<u8>, account: &str) -> anyhow::Result<Self> {
        let inner = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS as u8)
            .with_skew(SKEW as u16)
            .with_step_duration(STEP)
            .with_secret(secret.as_slice())
            .with_issuer(Some("Berth"))
            .with_account_name(account)
            .build()
            .map_err(|e| anyhow::anyhow!("TOTP secret: {e}"))?;
        Ok(Self { inner, digits: DIGITS, secret })
    }

    /// Any RFC 6238 variant (the test vectors use 8 digits and SHA-256/512).
    pub fn custom(algorithm: Algorithm, digits: u8, secret: Vec<u8>) -> Self {
        let inner = Builder::new()
            .with_algorithm(algorithm)
            .with_digits(digits)
            .with_step_duration(STEP)
            .with_secret(secret.as_slice())
            .build_noncompliant();
        Self { inner, digits: usize::from(digits), secret }
    }

    /// The code for a unix time.
    pub fn code_at(&self, unix: u64) -> String {
        self.inner.generate(unix).to_string()
    }

    /// The step a code matches, if any, within the skew around `unix` and later than
    /// `last_used` (so neither the same code nor an older one can be replayed).
    pub fn verify(&self, code: &str, unix: u64, last_used: Option<u64>) -> Option<u64> {
        let code = code.trim();
        if code.len() != self.digits || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = unix / STEP;
        let mut matched = None;
        // Check every candidate step, so the time taken doesn't say which one matched.
        for step in current.saturating_sub(SKEW)..=current + SKEW {
            let expected = self.code_at(step * STEP);
            let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
            if equal && last_used.is_none_or(|used| step > used) && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// The `otpauth://` URI for authenticator apps.
    pub fn uri(&self) -> anyhow::Result<String> {
        self.inner.to_url().map_err(|e| anyhow::anyhow!("otpauth URI: {e}"))
    }

    /// The secret in base32, for typing in by hand.
    pub fn secret_base32(&self) -> String {
        Secret::from(self.secret.as_slice()).to_base32()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238, appendix B: the seeds are the ASCII digits "1234567890" repeated to the
    // hash's length; codes are 8 digits.
    const SHA1_SEED: &[u8] = b"12345678901234567890";
    const SHA256_SEED: &[u8] = b"12345678901234567890123456789012";
    const SHA512_SEED: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";
    const VECTORS: [(u64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ];

    #[test]
    fn rfc_6238_test_vectors_pass_through_the_verifier() {
        let sha1 = Totp::custom(Algorithm::SHA1, 8, SHA1_SEED.to_vec());
        let sha256 = Totp::custom(Algorithm::SHA256, 8, SHA256_SEED.to_vec());
        let sha512 = Totp::custom(Algorithm::SHA512, 8, SHA512_SEED.to_vec());
        for (time, c1, c256, c512) in VECTORS {
            assert_eq!(sha1.code_at(time), c1, "SHA-1 at {time}");
            assert_eq!(sha256.code_at(time), c256, "SHA-256 at {time}");
            assert_eq!(sha512.code_at(time), c512, "SHA-512 at {time}");
            assert_eq!(sha1.verify(c1, time, None), Some(time / STEP));
            assert_eq!(sha256.verify(c256, time, None), Some(time / STEP));
            assert_eq!(sha512.verify(c512, time, None), Some(time / STEP));
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let totp = Totp::berth(SHA1_SEED.to_vec(), "ada").unwrap();
        let now = 1_800_000_015;
        let code = totp.code_at(now);
        assert!(totp.verify(&code, now - 30, None).is_some());
        assert!(totp.verify(&code, now + 30, None).is_some());
        assert!(totp.verify(&code, now - 60, None).is_none());
        assert!(totp.verify(&code, now + 60, None).is_none());
    }

    #[test]
    fn a_used_code_is_refused_in_the_same_and_the_next_step() {
        let totp = Totp::berth(SHA1_SEED.to_vec(), "ada").unwrap();
        let now = 1_800_000_015;
        let code = totp.code_at(now);
        let step = totp.verify(&code, now, None).unwrap();
        assert_eq!(totp.verify(&code, now, Some(step)), None, "same step");
        assert_eq!(totp.verify(&code, now + 30, Some(step)), None, "next step, same code");
        // An older code, still within the skew, is refused too.
        let previous = totp.code_at(now - 30);
        assert_eq!(totp.verify(&previous, now, Some(step)), None);
        // The next step's own code is fine.
        let next = totp.code_at(now + 30);
        assert_eq!(totp.verify(&next, now + 30, Some(step)), Some(step + 1));
    }

    #[test]
    fn malformed_codes_are_refused() {
        let totp = Totp::berth(SHA1_SEED.to_vec(), "ada").unwrap();
        for code in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(totp.verify(code, 1_800_000_015, None), None, "{code:?}");
        }
    }
}
