//! Content as git stores it: the line-ending normalization git applies when it hashes a file
//! (`core.autocrlf`, `.gitattributes` `text` / `eol`), so a fingerprint's `git_blob` is the id
//! `git hash-object <file>` and `git add` give, not the id of the working file's raw bytes.
//! Only CRLF → LF is ever applied, so content without a CR is returned as it is, without
//! looking at attributes or configuration.
//!
//! Conversions only git can apply — a clean filter driver (`filter=lfs` and the like), `ident`,
//! `working-tree-encoding` — are left to git: for such a path the blob id is what
//! `git hash-object --path` says ([`git_blob_of`]), and the sha256 stays that of the working
//! file (what a reader of the directory sees).

use std::borrow::Cow;
use std::path::Path;

use git2::{AttrCheckFlags, AttrValue};

use super::{ObjectId, Repo};

/// How git treats a path's line endings when it stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Stored byte for byte (`-text`, `binary`, no autocrlf).
    AsIs,
    /// `text` or an `eol` attribute: CRLF becomes LF.
    Text,
    /// `text=auto` or `core.autocrlf`: CRLF becomes LF if the content looks like text and the
    /// index's version has no CR (git's "safer autocrlf").
    Auto,
}

/// The bytes git would store for `rel` (repository-relative) given its working-tree bytes.
/// `index_blob` gives the staged id of the path, consulted only in `Auto` mode.
pub fn clean<'b>(
    repo: &Repo,
    rel: &str,
    bytes: &'b [u8],
    index_blob: impl FnOnce() -> Option<ObjectId>,
) -> Cow<'b, [u8]> {
    if !bytes.contains(&b'\r') {
        return Cow::Borrowed(bytes);
    }
    let convert = match mode(repo, rel) {
        Mode::AsIs => false,
        Mode::Text => true,
        Mode::Auto => !looks_binary(bytes) && !index_has_cr(repo, index_blob()),
    };
    if convert {
        Cow::Owned(crlf_to_lf(bytes))
    } else {
        Cow::Borrowed(bytes)
    }
}

/// Like [`clean`] for a file named by its path on disk: finds the repository holding it (if
/// any) only when the content has a CR.
pub fn clean_file<'b>(file: &Path, bytes: &'b [u8]) -> Cow<'b, [u8]> {
    if !bytes.contains(&b'\r') {
        return Cow::Borrowed(bytes);
    }
    let abs = crate::path_bytes::absolute(file);
    let Some(repo) = crate::git::repo::open_repository(abs.parent().unwrap_or(&abs)) else {
        return Cow::Borrowed(bytes);
    };
    let Some(root) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return Cow::Borrowed(bytes);
    };
    if !abs.starts_with(&root) {
        return Cow::Borrowed(bytes);
    }
    let rel = crate::path_bytes::relative_to(&root, &abs);
    let staged = || {
        super::index::IndexFile::read(&repo)
            .ok()
            .and_then(|i| i.get(&rel).map(|e| e.id))
    };
    match clean(&repo, &rel, bytes, staged) {
        Cow::Borrowed(_) => Cow::Borrowed(bytes),
        Cow::Owned(v) => Cow::Owned(v),
    }
}

/// Whether git runs `rel` through a conversion this module does not apply when it stores it:
/// a `filter` whose driver has a `clean` or `process` command, `ident`, or a
/// `working-tree-encoding`.
pub fn filtered(repo: &Repo, rel: &str) -> bool {
    if !may_filter(repo, rel) {
        return false;
    }
    let attrs = check_attr(repo, rel, &["filter", "ident", "working-tree-encoding"]);
    let value = |name: &str| attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    if value("ident").is_some() || value("working-tree-encoding").is_some() {
        return true;
    }
    let Some(driver) = value("filter").and_then(|d| std::str::from_utf8(d).ok()) else {
        return false;
    };
    let config = repo.0.config().ok();
    ["clean", "process"].iter().any(|key| {
        config
            .as_ref()
            .and_then(|c| c.get_string(&format!("filter.{driver}.{key}")).ok())
            .is_some_and(|cmd| !cmd.trim().is_empty())
    })
}

/// `git` run in the work tree at `root`, its stderr discarded (a failure is an answer of `None`
/// or `false` to the caller, never a message of git's on ours).
fn git_in(root: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(root).stderr(std::process::Stdio::null());
    cmd
}

/// `--path=<rel>`: the path whose attributes git applies to content given another way.
fn path_option(rel: &str) -> std::ffi::OsString {
    let mut arg = std::ffi::OsString::from("--path=");
    arg.push(crate::path_bytes::path_or_text(rel).as_os_str());
    arg
}

/// The attributes among `names` that are set for `rel`, with their values, as git reads them
/// (`git check-attr`: linked worktrees, the index, macros); none outside a work tree.
fn check_attr(repo: &Repo, rel: &str, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    let Some(root) = repo.workdir() else {
        return Vec::new();
    };
    let out = git_in(root)
        .args(["check-attr", "-z"])
        .args(names)
        .arg("--")
        .arg(crate::path_bytes::path_or_text(rel))
        .output();
    let Ok(out) = out else {
        return Vec::new();
    };
    // `-z`: path NUL attribute NUL value NUL, for each attribute asked.
    let fields: Vec<&[u8]> = out.stdout.split(|&b| b == 0).collect();
    fields
        .chunks(3)
        .filter(|c| c.len() == 3 && !matches!(c[2], b"unspecified" | b"unset"))
        .filter_map(|c| Some((String::from_utf8(c[1].to_vec()).ok()?, c[2].to_vec())))
        .collect()
}

/// Whether `blob` (the stored form of `rel`) is what a file with sha256 `sha256` (and `size`
/// bytes) becomes when git stores it: for a path git-lfs tracks (`filter=lfs`, git's word), a
/// well-formed pointer naming that sha256 and size; otherwise content that git's checkout
/// conversions for the path (`git cat-file --filters`: smudge filters, `ident`, encodings)
/// turn into bytes with that sha256. LFS smudging is never run (it could fetch over the
/// network). Outside a work tree nothing is accepted (a false alarm, never a false "ok").
pub fn checks_out_as(
    repo: &Repo,
    rel: &str,
    blob: &super::objects::Blob,
    sha256: &str,
    size: Option<u64>,
) -> bool {
    if !may_filter(repo, rel) {
        return false;
    }
    if let Some((oid, pointer_size)) = lfs_pointer(blob.content()) {
        let lfs = check_attr(repo, rel, &["filter"])
            .iter()
            .any(|(_, v)| v.as_slice() == b"lfs");
        return lfs && oid == sha256 && Some(pointer_size) == size;
    }
    let Some(root) = repo.workdir() else {
        return false;
    };
    let out = git_in(root)
        .env("GIT_LFS_SKIP_SMUDGE", "1")
        .args(["cat-file", "--filters"])
        .arg(path_option(rel))
        .arg(blob.id().to_string())
        .output();
    match out {
        Ok(out) if out.status.success() => {
            use sha2::{Digest, Sha256};
            super::hex(&Sha256::digest(&out.stdout)) == sha256
        }
        _ => false,
    }
}

/// The sha256 and size a git-lfs pointer names, if `content` is exactly one (spec v1: the
/// version line, `oid sha256:` with 64 lower-case hex digits, `size`, in that order, and
/// nothing else).
fn lfs_pointer(content: &[u8]) -> Option<(&str, u64)> {
    let text = std::str::from_utf8(content).ok()?;
    let rest = text.strip_prefix("version https://git-lfs.github.com/spec/v1\noid sha256:")?;
    let (oid, rest) = rest.split_once('\n')?;
    let size = rest.strip_prefix("size ")?.strip_suffix('\n')?;
    let hex = oid.len() == 64 && oid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let digits = !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit());
    (hex && digits).then_some((oid, size.parse().ok()?))
}

/// The words that make an attributes file worth asking git about.
const FILTERING: [&str; 3] = ["filter", "ident", "working-tree-encoding"];

/// Whether an attributes file that can apply to `rel` mentions a conversion only git applies:
/// `.gitattributes` in its directory and each parent up to the work tree's root,
/// `info/attributes` of the common directory (linked worktrees share it),
/// `core.attributesFile` (or the XDG default) and `/etc/gitattributes`. A cheap no for almost
/// every repository, each file read once per process, before git is asked.
fn may_filter(repo: &Repo, rel: &str) -> bool {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::path::PathBuf;
    thread_local! {
        static FILES: RefCell<HashMap<PathBuf, bool>> = RefCell::new(HashMap::new());
    }
    let mentions = |file: PathBuf| {
        FILES.with(|files| {
            *files.borrow_mut().entry(file).or_insert_with_key(|f| {
                std::fs::read(f).is_ok_and(|text| {
                    FILTERING
                        .iter()
                        .any(|w| text.windows(w.len()).any(|x| x == w.as_bytes()))
                })
            })
        })
    };
    let Some(root) = repo.workdir() else {
        return false;
    };
    let rel = crate::path_bytes::path_or_text(rel);
    let mut dirs: Vec<PathBuf> = rel.ancestors().skip(1).map(|d| root.join(d)).collect();
    dirs.dedup();
    let user = repo
        .0
        .config()
        .ok()
        .and_then(|c| c.get_path("core.attributesFile").ok())
        .or_else(|| {
            let base = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
            Some(base.join("git/attributes"))
        });
    dirs.into_iter()
        .map(|d| d.join(".gitattributes"))
        .chain([
            repo.commondir().join("info/attributes"),
            PathBuf::from("/etc/gitattributes"),
        ])
        .chain(user)
        .any(mentions)
}

/// The blob id git stores for `rel` (repository-relative) with working-tree content `bytes`
/// (or, without them, the file itself): `git hash-object --path`, which applies every
/// conversion the path's attributes ask for. `None` when git fails (a filter that errors).
pub fn git_blob_of(repo: &Repo, rel: &str, bytes: Option<&[u8]>) -> Option<ObjectId> {
    use std::io::Write;
    let root = repo.workdir()?;
    let mut cmd = git_in(root);
    cmd.arg("hash-object")
        .arg(path_option(rel))
        .stdout(std::process::Stdio::piped());
    let out = match bytes {
        Some(bytes) => {
            let mut child = cmd
                .arg("--stdin")
                .stdin(std::process::Stdio::piped())
                .spawn()
                .ok()?;
            let mut stdin = child.stdin.take()?;
            let fed = stdin.write_all(bytes);
            drop(stdin);
            let out = child.wait_with_output().ok()?;
            fed.ok()?;
            out
        }
        None => cmd
            .arg("--")
            .arg(root.join(crate::path_bytes::path_or_text(rel)))
            .output()
            .ok()?,
    };
    if !out.status.success() {
        return None;
    }
    super::oid(std::str::from_utf8(&out.stdout).ok()?.trim()).ok()
}

/// The blob id git stores for a file named by its path on disk, when only git can say it
/// ([`filtered`]); `None` for every other file (and outside a repository).
pub fn filtered_blob_of_file(file: &Path, bytes: Option<&[u8]>) -> Option<ObjectId> {
    let abs = crate::path_bytes::absolute(file);
    let (repo, root) = repository_of(abs.parent().unwrap_or(&abs))?;
    if !abs.starts_with(&root) {
        return None;
    }
    let rel = crate::path_bytes::relative_to(&root, &abs);
    if !filtered(&repo, &rel) {
        return None;
    }
    git_blob_of(&repo, &rel, bytes)
}

/// The repository holding `dir` and its work tree, opened once per directory per process
/// (a command fingerprints many files in few directories).
fn repository_of(dir: &Path) -> Option<(std::rc::Rc<Repo>, std::path::PathBuf)> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    type Opened = Option<(std::rc::Rc<Repo>, std::path::PathBuf)>;
    thread_local! {
        static OPENED: RefCell<HashMap<std::path::PathBuf, Opened>> = RefCell::new(HashMap::new());
    }
    OPENED.with(|opened| {
        opened
            .borrow_mut()
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let repo = crate::git::repo::open_repository(dir)?;
                let root = repo.workdir()?.canonicalize().ok()?;
                Some((std::rc::Rc::new(repo), root))
            })
            .clone()
    })
}

/// The path's mode from its `text` (or legacy `crlf`) and `eol` attributes, then
/// `core.autocrlf`, in git's order (`convert.c`, `convert_attrs`).
fn mode(repo: &Repo, rel: &str) -> Mode {
    let attr = |name: &str| -> Option<String> {
        let v = repo
            .0
            .get_attr(
                &crate::path_bytes::path_or_text(rel),
                name,
                AttrCheckFlags::FILE_THEN_INDEX,
            )
            .ok()?;
        Some(match AttrValue::from_string(v) {
            AttrValue::True => "true".into(),
            AttrValue::False => "false".into(),
            AttrValue::String(s) => s.to_string(),
            _ => return None,
        })
    };
    let text = attr("text").or_else(|| attr("crlf"));
    if text.as_deref() == Some("false") {
        return Mode::AsIs;
    }
    let eol = attr("eol");
    match (text.as_deref(), eol.as_deref()) {
        (Some("auto"), _) => return Mode::Auto,
        (Some(_), _) | (None, Some("lf" | "crlf")) => return Mode::Text,
        _ => {}
    }
    let autocrlf = repo
        .0
        .config()
        .ok()
        .and_then(|c| c.get_string("core.autocrlf").ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match autocrlf.as_str() {
        "true" | "yes" | "on" | "1" | "input" => Mode::Auto,
        _ => Mode::AsIs,
    }
}

/// Git's `convert_is_binary`: a NUL, a CR not followed by LF, or many control characters.
fn looks_binary(bytes: &[u8]) -> bool {
    let (mut printable, mut control) = (0usize, 0usize);
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            0 => return true,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => return true,
            b'\r' | b'\n' | b'\t' | 8 | 27 | 12 => printable += 1,
            // A trailing ^Z (DOS end of file) does not count.
            26 if i + 1 == bytes.len() => {}
            127 => control += 1,
            c if c < 32 => control += 1,
            _ => printable += 1,
        }
    }
    (printable >> 7) < control
}

fn index_has_cr(repo: &Repo, staged: Option<ObjectId>) -> bool {
    staged
        .and_then(|id| repo.blob(id))
        .is_some_and(|b| b.content().contains(&b'\r'))
}

/// CRLF → LF; a lone CR stays.
fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &c) in bytes.iter().enumerate() {
        if !(c == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_exact_lfs_pointer_names_a_sha256() {
        let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
        let pointer =
            format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12345\n");
        assert_eq!(lfs_pointer(pointer.as_bytes()), Some((oid, 12345)));
        for bad in [
            "oid sha256:abc\n".to_string(),
            pointer.replace(oid, "abc"),
            pointer.replace(oid, &oid.to_uppercase()),
            pointer.replace("\noid", "\nEVIL PAYLOAD\noid"),
            pointer.clone() + "more\n",
            pointer.replace("size 12345", "size x"),
        ] {
            assert_eq!(lfs_pointer(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn crlf_pairs_become_lf_and_lone_cr_is_binary() {
        assert_eq!(crlf_to_lf(b"a\r\nb\rc\r\n"), b"a\nb\rc\n");
        assert!(looks_binary(b"a\rb"));
        assert!(looks_binary(b"a\0b\r\n"));
        assert!(!looks_binary(b"name: x\r\nid: 1\r\n"));
    }
}
