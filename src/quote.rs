//! Rendering untrusted strings (paths, run ids, commit subjects, messages read from records,
//! notes and trees) for the two places they reach a person: a terminal, where escape sequences
//! would run, and Markdown posted to a pull request, where links, images, HTML and mentions
//! would form. `--json` output never goes through here: it stays exact.

/// `s` quoted the way git quotes a path (`core.quotePath`): as it is when every character is
/// printable and none is `"` or `\`; else in double quotes with C escapes (`\t`, `\n`, `\"`,
/// `\\`) and every other non-printable byte as a three-digit octal escape (`\033`). Printable
/// non-ASCII text is kept readable. A record path already in git's quoted form (a name that
/// is not UTF-8, see [`crate::path_bytes`]) is shown as it is, not quoted twice.
pub fn path(s: &str) -> String {
    if !s.chars().any(needs_quoting) || is_quoted_path(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push('"');
    push_escaped(&mut out, s, true);
    out.push('"');
    out
}

/// Whether `s` is the quoted form records give a path that is not UTF-8 (or starts with `"`):
/// printable ASCII only, so it is safe to show as it is.
fn is_quoted_path(s: &str) -> bool {
    s.starts_with('"') && crate::path_bytes::decode(s).is_some()
}

/// A file system path as messages show it: the record text of its bytes (git's quoted form
/// when it is not UTF-8), quoted as [`path`] quotes. An ordinary path is shown as it is.
pub fn fs_path(p: &std::path::Path) -> String {
    path(&crate::path_bytes::text_of(p))
}

/// `s` with every non-printable character escaped as [`path`] escapes it, without adding
/// quotes: the safety net for whole lines of text that embed untrusted values.
pub fn line(s: &str) -> String {
    if !s.chars().any(is_unprintable) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s, false);
    out
}

/// Whether `c` makes git quote a name.
fn needs_quoting(c: char) -> bool {
    c == '"' || c == '\\' || is_unprintable(c)
}

/// Control characters (C0, DEL, C1) and the invisible or direction-changing format
/// characters that can make text read differently from what it is.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

fn push_escaped(out: &mut String, s: &str, quoting: bool) {
    for c in s.chars() {
        match c {
            '"' if quoting => out.push_str("\\\""),
            '\\' if quoting => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if is_unprintable(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// `s` as one Markdown code span that renders exactly `s` (with non-printables escaped):
/// the fence is one backtick longer than the longest backtick run inside, and a space pads
/// content that starts or ends with a backtick or space. Inside a code span no link, image,
/// HTML, emphasis or mention forms. Line breaks are escaped, so a span never ends a table
/// row or a list item. For a table cell use [`table_code`].
pub fn code(s: &str) -> String {
    let text = line(s);
    if text.is_empty() {
        return "` `".to_string();
    }
    let longest = longest_backtick_run(&text);
    let fence = "`".repeat(longest + 1);
    let pad = text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']);
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{text}{space}{fence}")
}

/// [`code`] for a GFM table cell: `|` ends a cell even inside a code span, so it is written
/// `\|`, which the table parser turns back into `|` inside the span.
pub fn table_code(s: &str) -> String {
    code(s).replace('|', "\\|")
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// `s` as one POSIX shell word: as it is when it needs no quoting, else single-quoted (a `'`
/// inside becomes `'\''`), so a hint can be pasted into a shell as printed; a word holding a
/// control or invisible character becomes a `$'…'` word, so none reaches the terminal.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain {
        s.to_string()
    } else if s.chars().any(is_unprintable) {
        dollar_word(s.as_bytes())
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A record path as one shell word naming its bytes: a path in git's quoted form (a name that
/// is not UTF-8, see [`crate::path_bytes`]) becomes a `$'…'` word with octal escapes (bash,
/// zsh, ksh and POSIX.1-2024 sh); any other path is [`shell_word`].
pub fn shell_path(text: &str) -> String {
    match crate::path_bytes::decode(text) {
        Some(bytes) if text.starts_with('"') => dollar_word(&bytes),
        _ => shell_word(text),
    }
}

/// Bytes as a `$'…'` shell word with octal escapes for everything but printable ASCII.
fn dollar_word(bytes: &[u8]) -> String {
    let mut word = String::from("$'");
    for &b in bytes {
        match b {
            b'\'' => word.push_str("\\'"),
            b'\\' => word.push_str("\\\\"),
            0x20..=0x7e => word.push(char::from(b)),
            _ => word.push_str(&format!("\\{b:03o}")),
        }
    }
    word.push('\'');
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_as_they_are() {
        assert_eq!(path("out/x.yaml"), "out/x.yaml");
        assert_eq!(path("out/café.yaml"), "out/café.yaml");
        assert_eq!(path("<outside>/x.yaml"), "<outside>/x.yaml");
    }

    #[test]
    fn names_with_escapes_are_quoted_like_git() {
        assert_eq!(
            path("out/\u{1b}[31mRED\u{1b}[0m.yaml"),
            "\"out/\\033[31mRED\\033[0m.yaml\""
        );
        assert_eq!(path("a\tb\"c\\d"), "\"a\\tb\\\"c\\\\d\"");
        assert_eq!(path("x\u{202e}y"), "\"x\\342\\200\\256y\"");
        assert_eq!(path("nul\0"), "\"nul\\000\"");
        assert_eq!(path("\"a"), r#""\"a""#);
    }

    #[test]
    fn record_paths_in_quoted_form_are_not_quoted_twice() {
        assert_eq!(path(r#""caf\351.yaml""#), r#""caf\351.yaml""#);
        assert_eq!(path(r#""\"a""#), r#""\"a""#);
        assert_eq!(path(r#""bad\9""#), r#""\"bad\\9\"""#);
    }

    #[test]
    fn lines_keep_quotes_and_escape_controls() {
        assert_eq!(line("a \"b\"\r\n"), "a \"b\"\\r\\n");
    }

    #[test]
    fn code_spans_hold_any_backtick_sequence() {
        assert_eq!(code("x"), "`x`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a``"), "``` `a`` ```");
        assert_eq!(code(""), "` `");
        assert_eq!(code("a\nb"), "`a\\nb`");
        assert_eq!(table_code("a|b"), "`a\\|b`");
    }
}
