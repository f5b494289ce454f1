//! The remembered-device cookie: `<device id>.<user id>.<HMAC>`, signed with the key
//! file's signing key, and valid only while the device row exists.

use super::keys::Keys;

/// Makes the cookie value for a device.
pub fn cookie_value(keys: &Keys, device_id: &str, user_id: i64) -> String {
    let message = format!("{device_id}.{user_id}");
    let tag = keys.sign(&message);
    format!("{message}.{tag}")
}

/// The device id and user id of a cookie whose signature is valid.
pub fn parse(keys: &Keys, value: &str) -> Option<(String, i64)> {
    let mut parts = value.splitn(3, '.');
    let (device, user, tag) = (parts.next()?, parts.next()?, parts.next()?);
    if device.len() != 32 || !device.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let user_id: i64 = user.parse().ok()?;
    keys.verify(&format!("{device}.{user}"), tag).then(|| (device.to_owned(), user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_cookie_parses_and_a_tampered_one_does_not() {
        let keys = Keys::from_master(&[3; 32]);
        let device = "0123456789abcdef0123456789abcdef";
        let value = cookie_value(&keys, device, 7);
        assert_eq!(parse(&keys, &value), Some((device.to_owned(), 7)));
        let other_user = value.replacen(".7.", ".8.", 1);
        assert_eq!(parse(&keys, &other_user), None);
        assert_eq!(parse(&Keys::from_master(&[4; 32]), &value), None);
        assert_eq!(parse(&keys, "garbage"), None);
    }
}
