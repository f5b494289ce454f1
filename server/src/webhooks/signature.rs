//! GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
//! raw body>`, checked in constant time. Anything else is simply "not signed".

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// The header that carries the signature.
pub const HEADER: &str = "x-hub-signature-256";

/// The signature header value for `body` (what a sender computes).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is exactly `sha256=` and 64 lowercase hex digits of the body's HMAC.
/// Uppercase, truncated or padded hex, other algorithms and a missing header all fail.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&[u8]>) -> bool {
    let Some(hex) = header.and_then(|h| h.strip_prefix(b"sha256=")) else { return false };
    if hex.len() != 64 || !hex.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return false;
    }
    let Ok(expected) = hex::decode(hex) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in GitHub's documentation ("Validating webhook deliveries").
    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_documented_example_verifies() {
        assert_eq!(sign(SECRET, BODY), SIGNATURE);
        assert!(verify(SECRET, BODY, Some(SIGNATURE.as_bytes())));
    }

    #[test]
    fn rfc_4231_test_case_2_matches() {
        // HMAC-SHA-256 with key "Jefe" and data "what do ya want for nothing?".
        assert_eq!(sign(b"Jefe", b"what do ya want for nothing?"), "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn every_near_miss_fails() {
        let mut flipped = BODY.to_vec();
        flipped[0] ^= 1;
        assert!(!verify(SECRET, &flipped, Some(SIGNATURE.as_bytes())), "a flipped byte");
        assert!(!verify(b"It's a Secret to Everybody!", BODY, Some(SIGNATURE.as_bytes())), "a wrong secret");
        assert!(!verify(SECRET, BODY, Some(SIGNATURE.to_uppercase().replace("SHA256=", "sha256=").as_bytes())), "uppercase hex");
        assert!(!verify(SECRET, BODY, Some(&SIGNATURE.as_bytes()[..SIGNATURE.len() - 2])), "truncated hex");
        assert!(!verify(SECRET, BODY, Some(format!("{SIGNATURE}00").as_bytes())), "padded hex");
        assert!(!verify(SECRET, BODY, Some(b"sha1=01e2d4f0bba5b6bc7a3b1e9e5c5f2e6d8b1c9a7f")), "sha1");
        assert!(!verify(SECRET, BODY, Some(SIGNATURE.replace("sha256=", "").as_bytes())), "no prefix");
        assert!(!verify(SECRET, BODY, Some(format!(" {SIGNATURE}").as_bytes())), "a leading space");
        assert!(!verify(SECRET, BODY, None), "no header");
        assert!(!verify(SECRET, BODY, Some(b"")), "an empty header");
    }
}
