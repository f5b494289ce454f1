//! Untrusted text made safe to show as text.

/// Untrusted text (a log line, a label, an env value) as it can be shown: terminal
/// escape sequences (colours, cursor moves, titles) removed, other control characters
/// dropped, tabs kept, and the invisible characters that reorder text (bidirectional
/// overrides and isolates, which can make `exe.txt` read as `txt.exe`) shown as their
/// code point.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte in @..~.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or ESC \.
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            chars.next_if_eq(&'\\');
                            break;
                        }
                    }
                }
                // Two-character sequences (ESC c, ESC 7, ...), with an optional intermediate.
                Some('(' | ')' | '*' | '+' | '#' | '%') => {
                    chars.next();
                }
                Some(_) | None => {}
            },
            // The 8-bit CSI.
            '\u{9b}' => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            '\t' => out.push(c),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}' => {
                out.push_str(&format!("[U+{:04X}]", u32::from(c)));
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_removed_and_text_is_kept() {
        assert_eq!(plain("\u{1b}[1;31mred\u{1b}[0m plain"), "red plain");
        assert_eq!(plain("\u{1b}]0;evil title\u{7}after"), "after");
        assert_eq!(plain("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"), "link");
        assert_eq!(plain("a\u{1b}[2Jb\u{1b}[Hc"), "abc");
        assert_eq!(plain("bell\u{7} back\u{8}space\r"), "bell backspace");
        assert_eq!(plain("tab\there"), "tab\there");
        assert_eq!(plain("\u{9b}31mx"), "x");
        assert_eq!(plain("<script>alert(1)</script>"), "<script>alert(1)</script>");
        assert_eq!(plain("unterminated \u{1b}["), "unterminated ");
        assert_eq!(plain("\u{1b}(Bcharset"), "charset");
        assert_eq!(plain("invoice\u{202e}gnp.exe"), "invoice[U+202E]gnp.exe");
        assert_eq!(plain("a\u{2066}b\u{2069}c\u{200f}"), "a[U+2066]b[U+2069]c[U+200F]");
    }
}
