//! Paths are bytes, records are text: the one encoding between a file name as the file system
//! and git hold it (any bytes but NUL) and the JSON string a run record, a note or a
//! comparison key holds. A path that is UTF-8 (and does not start with `"`) is its own text,
//! so records of ordinary paths are unchanged; any other path is written in git's quoted form
//! (`git ls-files` with `core.quotePath=true`): `"caf\351.yaml"`. Each path has exactly one
//! text, so comparing texts compares paths. Nothing else converts paths to or from record text.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

/// The record text of a path's bytes: the bytes themselves when they are UTF-8 and do not
/// start with `"`; else git's quoted form, with C escapes (`\t`, `\"`, `\\`) and every other
/// byte that is not printable ASCII as a three-digit octal escape.
pub fn encode(bytes: &[u8]) -> String {
    as_text(bytes).into_owned()
}

/// [`encode`], borrowing the bytes when they are their own text (the hook's hot path reads
/// thousands of index paths).
pub fn as_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.starts_with('"') => Cow::Borrowed(text),
        _ => Cow::Owned(quoted(bytes)),
    }
}

/// Git's `quote_c_style` of `bytes` with `core.quotePath=true`, quotes included.
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// The path bytes a record text names, or `None` when the text is not what [`encode`] writes
/// for any path: a quoted form with an escape git does not write, a raw byte that is not
/// printable ASCII, a stray quote, or a quoted form of a path that is written unquoted.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    if !text.starts_with('"') {
        return Some(text.as_bytes().to_vec());
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => out.push(unescape(&mut bytes)?),
            b'"' => return None,
            0x20..=0x7e => out.push(b),
            _ => return None,
        }
    }
    (encode(&out) == text).then_some(out)
}

/// The byte one escape (after its backslash) stands for.
fn unescape(bytes: &mut impl Iterator<Item = u8>) -> Option<u8> {
    Some(match bytes.next()? {
        b'"' => b'"',
        b'\\' => b'\\',
        b'a' => 0x07,
        b'b' => 0x08,
        b't' => b'\t',
        b'n' => b'\n',
        b'v' => 0x0b,
        b'f' => 0x0c,
        b'r' => b'\r',
        first @ b'0'..=b'3' => {
            let digit = |d: u8| (b'0'..=b'7').contains(&d).then(|| d - b'0');
            let (second, third) = (digit(bytes.next()?)?, digit(bytes.next()?)?);
            (first - b'0') << 6 | second << 3 | third
        }
        _ => return None,
    })
}

/// Orders record texts as git orders the paths they name (by bytes), so sorted lists of texts
/// and an index sorted by git can be searched with the same key.
pub fn cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if !a.starts_with('"') && !b.starts_with('"') {
        return a.as_bytes().cmp(b.as_bytes());
    }
    bytes_or_text(a).cmp(&bytes_or_text(b))
}

/// Whether the path `path` names is `dir` or lies under it (both record texts; a trailing `/`
/// on `dir` is ignored).
pub fn is_at_or_under(path: &str, dir: &str) -> bool {
    let (path, dir) = (bytes_or_text(path), bytes_or_text(dir));
    let dir = dir.strip_suffix(b"/").unwrap_or(&dir);
    *path == *dir || (path.starts_with(dir) && path.get(dir.len()) == Some(&b'/'))
}

/// The bytes a record text names; a text that does not decode names itself.
pub fn bytes_or_text(text: &str) -> Cow<'_, [u8]> {
    decode(text).map_or(Cow::Borrowed(text.as_bytes()), Cow::Owned)
}

/// The record text of a path as it is given (relative or not; no resolution).
pub fn text_of(path: &Path) -> String {
    encode(&bytes_of(path))
}

/// The bytes of a path. Outside unix a path that is not Unicode cannot be named by its bytes
/// and is taken lossily (commands refuse such names before they get here).
pub fn bytes_of(path: &Path) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        match path.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// The path a record text names, for looking it up on disk or in a tree; a text that does not
/// decode (validation refuses such records before they are used) names itself.
pub fn path_or_text(text: &str) -> PathBuf {
    path_of(text).unwrap_or_else(|| PathBuf::from(text))
}

/// The path a record text names (relative, `/`-separated as recorded), or `None` when the text
/// does not decode, or (outside unix) names bytes that are not UTF-8.
pub fn path_of(text: &str) -> Option<PathBuf> {
    path_of_bytes(decode(text)?)
}

/// A path from its bytes; outside unix only UTF-8 bytes name a path.
pub fn path_of_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

/// An absolute, normalised path: the longest existing ancestor is canonicalised (resolving
/// symlinks), the rest is appended lexically with `.` and `..` removed.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    let mut existing = joined.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut out = canonical;
            for part in rest.iter().rev() {
                match Path::new(part).components().next() {
                    Some(Component::ParentDir) => {
                        out.pop();
                    }
                    Some(Component::CurDir) | None => {}
                    _ => out.push(part),
                }
            }
            return out;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => {
                // `..` as the last component, or the root: normalise lexically.
                let last = existing.components().next_back();
                if matches!(last, Some(Component::ParentDir)) {
                    rest.push("..".into());
                    existing.pop();
                    continue;
                }
                return joined;
            }
        }
    }
}

/// `path` relative to `base`, with `/` separators, using `..` where it lies outside, as record
/// text ([`crate::path_bytes::encode`]: a name that is not UTF-8 is in git's quoted form).
pub fn relative_to(base: &Path, path: &Path) -> String {
    let base: Vec<_> = base.components().collect();
    let target: Vec<_> = path.components().collect();
    let common = base
        .iter()
        .zip(target.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<std::borrow::Cow<'_, [u8]>> = Vec::new();
    for _ in common..base.len() {
        parts.push(std::borrow::Cow::Borrowed(b".."));
    }
    for c in &target[common..] {
        parts.push(crate::path_bytes::bytes_of(Path::new(c.as_os_str())));
    }
    if parts.is_empty() {
        ".".into()
    } else {
        crate::path_bytes::encode(&parts.join(&b'/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_paths_are_their_own_text() {
        for p in ["out/x.yaml", "café.yaml", "a\\b", "a\"b", "tab\there", ""] {
            assert_eq!(encode(p.as_bytes()), p);
            assert_eq!(decode(p).as_deref(), Some(p.as_bytes()));
        }
    }

    #[test]
    fn other_paths_take_gits_quoted_form() {
        assert_eq!(encode(b"caf\xe9.yaml"), r#""caf\351.yaml""#);
        assert_eq!(encode(b"out\xff/a\"b\\c\td"), r#""out\377/a\"b\\c\td""#);
        assert_eq!(encode("\"café".as_bytes()), r#""\"caf\303\251""#);
        assert_eq!(encode(b"\xe9\x01\x7f"), r#""\351\001\177""#);
    }

    #[test]
    fn malformed_or_non_canonical_quoted_texts_do_not_decode() {
        for bad in [
            r#"""#,
            r#""caf\9.yaml""#,
            r#""a\..\x""#,
            r#""a\x41""#,
            r#""a\400""#,
            r#""a\35""#,
            r#""a"b""#,
            r#""plain""#,
            r#""caf\303\251""#,
            r#""\141\351""#,
            "\"raw é \\351\"",
            "\"\\351",
            "\"\\351\"x",
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_byte_string_round_trips() {
        // A deterministic walk over short strings of the bytes that matter, plus pseudo-random
        // longer ones.
        let alphabet = [
            b'a', b'"', b'\\', b'/', 0x00, b'\n', 0x7f, 0x80, 0xc3, 0xa9, 0xff,
        ];
        let mut cases: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..3 {
            let longer: Vec<Vec<u8>> = cases
                .iter()
                .flat_map(|c| alphabet.iter().map(move |&b| [c.as_slice(), &[b]].concat()))
                .collect();
            cases.extend(longer);
        }
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let len = (seed % 24) as usize;
            let bytes = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 24) as u8
                })
                .collect();
            cases.push(bytes);
        }
        for bytes in cases {
            let text = encode(&bytes);
            assert_eq!(decode(&text), Some(bytes.clone()), "{text}");
        }
    }

    #[test]
    fn texts_sort_as_the_paths_they_name() {
        let mut paths: Vec<&[u8]> = vec![b"b", b"a\xff", b"\"q", b"a/x", b"a\\b", b"\xe9"];
        let mut texts: Vec<String> = paths.iter().map(|p| encode(p)).collect();
        paths.sort();
        texts.sort_by(|a, b| cmp(a, b));
        let decoded: Vec<Vec<u8>> = texts.iter().map(|t| decode(t).unwrap()).collect();
        assert_eq!(decoded, paths);
    }

    #[test]
    fn containment_compares_the_named_bytes() {
        assert!(is_at_or_under(r#""out\377/x.yaml""#, r#""out\377""#));
        assert!(!is_at_or_under(r#""out\377/x.yaml""#, "out\u{fffd}/"));
        assert!(is_at_or_under("out/x", "out/"));
        assert!(!is_at_or_under("outer/x", "out"));
    }

    #[cfg(unix)]
    #[test]
    fn paths_go_to_text_and_back() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"out/caf\xe9.yaml"));
        assert_eq!(text_of(path), r#""out/caf\351.yaml""#);
        assert_eq!(path_of(&text_of(path)).as_deref(), Some(path));
    }
}
