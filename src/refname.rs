//! Names of git refs that reach git from a policy file: checked before use, by git's own
//! `check-ref-format` rules and a narrower character set, so a value from a pull request can
//! never be read by git as an option, a refspec, a branch, or by a shell as more than one word.

/// Where lineage notes may live.
pub const NOTES_PREFIX: &str = "refs/notes/";

/// Why `name` cannot be the notes ref, if it cannot: it must be a well-formed ref under
/// `refs/notes/` (git's `check-ref-format` rules) spelled with letters, digits, `.`, `_`, `-`
/// and `/` only.
pub fn check_notes_ref(name: &str) -> Result<(), String> {
    let Some(rest) = name.strip_prefix(NOTES_PREFIX) else {
        return Err(format!(
            "must be a ref under {NOTES_PREFIX} (notes written anywhere else would move a branch or tag)"
        ));
    };
    if rest.is_empty() {
        return Err(format!("names no ref under {NOTES_PREFIX}"));
    }
    if name.len() > 200 {
        return Err("is longer than 200 characters".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')))
    {
        return Err(format!(
            "holds {}, which a notes ref may not (letters, digits, '.', '_', '-' and '/' only)",
            crate::quote::path(&c.to_string())
        ));
    }
    check_ref_format(name)
}

/// git's `check-ref-format` rules for a full ref name (after the character set is checked).
fn check_ref_format(name: &str) -> Result<(), String> {
    if name.ends_with('/') || name.contains("//") {
        return Err("has an empty path component".into());
    }
    if name.ends_with('.') {
        return Err("ends with '.'".into());
    }
    if name.contains("..") {
        return Err("holds '..'".into());
    }
    for component in name.split('/') {
        if component.starts_with('.') {
            return Err(format!("has a component starting with '.' ({component})"));
        }
        if component.ends_with(".lock") {
            return Err(format!("has a component ending with '.lock' ({component})"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_notes_ref;

    #[test]
    fn ordinary_notes_refs_pass() {
        for ok in [
            "refs/notes/contextcore",
            "refs/notes/lineage",
            "refs/notes/team/ci-v2.1",
        ] {
            assert_eq!(check_notes_ref(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn options_branches_and_shell_words_are_refused() {
        for bad in [
            "--receive-pack=id > /tmp/x #",
            "-c",
            "refs/heads/main",
            "refs/tags/v1",
            "refs/notes/",
            "refs/notes",
            "refs/notes/a;touch PWN",
            "refs/notes/a;touch${IFS}PWN",
            "refs/notes/a:refs/heads/main",
            "refs/notes/a*",
            "refs/notes/a..b",
            "refs/notes/.hidden",
            "refs/notes/x.lock",
            "refs/notes/x/",
            "refs/notes//x",
            "refs/notes/x.",
            "refs/notes/\u{1b}[31mred",
            "refs/notes/a@{1}",
            "refs/notes/é",
        ] {
            assert!(check_notes_ref(bad).is_err(), "{bad:?}");
        }
    }
}
