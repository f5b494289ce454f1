//! Compose durations (`1m30s`) and byte sizes (`512m`).

/// Parses a compose duration into milliseconds: one or more `<number><unit>` parts with
/// units `h`, `m`, `s`, `ms`, `us`/`µs`, `ns` (`1m30s`, `1.5s`, `500ms`), like Go's
/// `time.ParseDuration`. A bare number is read as seconds. Sub-millisecond remainders are
/// dropped.
///
/// # Errors
/// A message saying what a duration looks like.
pub fn parse_duration_ms(s: &str) -> Result<u64, String> {
    const HINT: &str = "a duration looks like `10s`, `1m30s`, `500ms` or `1h`";
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("an empty duration is not valid; {HINT}"));
    }
    if let Ok(secs) = t.parse::<u64>() {
        return secs.checked_mul(1000).ok_or_else(|| format!("`{t}` is too long a duration"));
    }
    let bytes = t.as_bytes();
    let mut i = 0usize;
    // Nanoseconds, so fractions of any unit add up exactly before the final division.
    let mut total: u128 = 0;
    while i < bytes.len() {
        let start = i;
        while bytes.get(i).is_some_and(|b| b.is_ascii_digit() || *b == b'.') {
            i += 1;
        }
        let num = t.get(start..i).unwrap_or("");
        let unit_start = i;
        while bytes.get(i).is_some_and(|b| !(b.is_ascii_digit() || *b == b'.')) {
            i += 1;
        }
        let unit = t.get(unit_start..i).unwrap_or("");
        let scale: u128 = match unit {
            "h" => 3_600_000_000_000,
            "m" => 60_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" => 1_000,
            "ns" => 1,
            _ => return Err(format!("`{}` is not a duration; {HINT}", crate::diagnostic::shown(t))),
        };
        let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
        if (whole.is_empty() && frac.is_empty()) || frac.contains('.') || frac.len() > 9 {
            return Err(format!("`{}` is not a duration; {HINT}", crate::diagnostic::shown(t)));
        }
        let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("`{t}` is too long a duration"))? };
        let mut part = whole.checked_mul(scale).ok_or_else(|| format!("`{t}` is too long a duration"))?;
        if !frac.is_empty() {
            let digits: u128 = frac.parse().map_err(|_| format!("`{t}` is not a duration; {HINT}"))?;
            let denom = 10u128.pow(u32::try_from(frac.len()).unwrap_or(9));
            part = part.saturating_add(digits.saturating_mul(scale) / denom);
        }
        total = total.checked_add(part).ok_or_else(|| format!("`{t}` is too long a duration"))?;
    }
    u64::try_from(total / 1_000_000).map_err(|_| format!("`{t}` is too long a duration"))
}

/// Parses a byte size: a whole number with an optional unit `b`, `k`/`kb`, `m`/`mb`,
/// `g`/`gb` (powers of 1024, any case).
///
/// # Errors
/// A message saying what a size looks like.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("`{}` is not a size; a size looks like `512m`, `1g` or `65536`", crate::diagnostic::shown(t));
    let n: u64 = num.parse().map_err(|_| bad())?;
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        _ => return Err(bad()),
    };
    n.checked_mul(scale).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_durations_parse_to_milliseconds() {
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("10s"), Ok(10_000));
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_duration_ms("1h"), Ok(3_600_000));
        assert_eq!(parse_duration_ms("1.5s"), Ok(1_500));
        assert_eq!(parse_duration_ms("2h45m"), Ok(9_900_000));
        assert_eq!(parse_duration_ms("30"), Ok(30_000));
    }

    #[test]
    fn bad_durations_are_refused() {
        for bad in ["", "s", "10x", "1..5s", "-1s", "1s2", "99999999999999999999999h"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn byte_sizes_parse() {
        assert_eq!(parse_bytes("512m"), Ok(512 << 20));
        assert_eq!(parse_bytes("1G"), Ok(1 << 30));
        assert_eq!(parse_bytes("64kb"), Ok(64 << 10));
        assert_eq!(parse_bytes("100"), Ok(100));
        assert!(parse_bytes("1.5g").is_err());
        assert!(parse_bytes("99999999999999999999g").is_err());
    }
}
