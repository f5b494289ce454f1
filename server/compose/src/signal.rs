//! Signal names and numbers (Linux), for `stop_signal`.

const SIGNALS: [(&str, i32); 31] = [
    ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("BUS", 7),
    ("FPE", 8), ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13),
    ("ALRM", 14), ("TERM", 15), ("STKFLT", 16), ("CHLD", 17), ("CONT", 18), ("STOP", 19),
    ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25),
    ("VTALRM", 26), ("PROF", 27), ("WINCH", 28), ("IO", 29), ("PWR", 30), ("SYS", 31),
];

/// The Linux number of a signal given as `SIGTERM`, `TERM` (any case), `IOT`, `POLL`,
/// `CLD`, or a number 1..=64.
pub fn signal_number(s: &str) -> Option<i32> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        return (1..=64).contains(&n).then_some(n);
    }
    let upper = t.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let name = match name {
        "IOT" => "ABRT",
        "POLL" => "IO",
        "CLD" => "CHLD",
        other => other,
    };
    SIGNALS.iter().find(|(n, _)| *n == name).map(|(_, num)| *num)
}

/// The canonical spelling for the model: `SIGTERM` for names, the number as text for
/// signals that have none.
pub(crate) fn normalize_signal(s: &str) -> Option<String> {
    let n = signal_number(s)?;
    Some(match SIGNALS.iter().find(|(_, num)| *num == n) {
        Some((name, _)) => format!("SIG{name}"),
        None => n.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_and_numbers_resolve() {
        assert_eq!(signal_number("SIGKILL"), Some(9));
        assert_eq!(signal_number("kill"), Some(9));
        assert_eq!(signal_number("SIGTERM"), Some(15));
        assert_eq!(signal_number("15"), Some(15));
        assert_eq!(signal_number("SIGIOT"), Some(6));
        assert_eq!(signal_number("SIGNOPE"), None);
        assert_eq!(signal_number("0"), None);
        assert_eq!(normalize_signal("term").as_deref(), Some("SIGTERM"));
        assert_eq!(normalize_signal("40").as_deref(), Some("40"));
    }
}
