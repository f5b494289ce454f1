//! Splitting a `command:` string into words, the way a POSIX shell would (without any
//! expansion): whitespace separates, `'...'` is literal, `"..."` allows `\"`, `\\`, `\$`
//! and `` \` ``, and a backslash outside quotes escapes the next character.

/// Splits `s` into words.
///
/// # Errors
/// An unclosed quote.
pub fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a single quote is not closed".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => word.push(e),
                            Some('\n') => {}
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err("a double quote is not closed".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a double quote is not closed".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => word.push(c),
                    None => word.push('\\'),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_strings_split_like_a_shell() {
        assert_eq!(split_words("nginx -g 'daemon off;'").unwrap_or_default(), ["nginx", "-g", "daemon off;"]);
        assert_eq!(split_words(r#"sh -c "echo \"hi\" $HOME""#).unwrap_or_default(), ["sh", "-c", "echo \"hi\" $HOME"]);
        assert_eq!(split_words("  a\\ b  ''  c ").unwrap_or_default(), ["a b", "", "c"]);
        assert_eq!(split_words("").unwrap_or_default(), Vec::<String>::new());
    }

    #[test]
    fn unclosed_quotes_are_errors() {
        assert!(split_words("echo 'oops").is_err());
        assert!(split_words("echo \"oops").is_err());
    }
}
