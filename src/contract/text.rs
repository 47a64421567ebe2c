//! Making untrusted text safe for a terminal: everything the gates print comes from files in
//! the checked directory, so control characters (escape sequences, carriage returns) are shown
//! escaped rather than interpreted — the same escaping lineage output uses (`crate::quote`).

/// `text` with every control or invisible character escaped (`\033`, `\r`, `\n`…).
pub use crate::quote::line as printable;

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn escape_sequences_are_shown_not_run() {
        assert_eq!(printable("a\u{1b}[31mb"), "a\\033[31mb");
        assert_eq!(printable("line\rover"), "line\\rover");
        assert_eq!(printable("plain — text"), "plain — text");
    }
}
