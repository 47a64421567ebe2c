//! Making untrusted text safe for a terminal: everything the gates print comes from files in
//! the checked directory, so control characters (escape sequences, carriage returns) are shown
//! escaped rather than interpreted.

/// `text` with every control character escaped (`\u{1b}`, `\r`, `\n`…).
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn escape_sequences_are_shown_not_run() {
        assert_eq!(printable("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(printable("line\rover"), "line\\rover");
        assert_eq!(printable("plain — text"), "plain — text");
    }
}
