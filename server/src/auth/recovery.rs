//! Recovery codes: ten single-use codes, shown once, stored as hashes.

use sha2::{Digest as _, Sha256};

/// How many codes a user gets.
pub const COUNT: usize = 10;
/// Letters without look-alikes (no 0/o, 1/l/i).
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// New codes as shown to the user (`xxxxx-xxxxx`, 10 symbols ≈ 49 bits each).
pub fn generate() -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let symbols: String =
                super::keys::random_bytes(10).iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
            format!("{}-{}", &symbols[..5], &symbols[5..])
        })
        .collect()
}

/// The stored form of a code as typed: spaces and dashes dropped, lower case, hashed.
pub fn hash(code: &str) -> Option<String> {
    let normal: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_lowercase();
    (normal.len() == 10 && normal.bytes().all(|b| ALPHABET.contains(&b))).then(|| hex::encode(Sha256::digest(normal.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_ten_distinct_and_hash_as_typed_loosely() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), COUNT);
        let code = &codes[0];
        assert_eq!(code.len(), 11);
        let loose = format!(" {} ", code.to_uppercase().replace('-', " "));
        assert_eq!(hash(code), hash(&loose));
        assert!(hash(code).is_some());
    }

    #[test]
    fn things_that_are_not_codes_do_not_hash() {
        assert_eq!(hash("123456"), None);
        assert_eq!(hash("abcde-fghi0"), None);
        assert_eq!(hash(""), None);
    }
}
