//! A direct reader of the index (versions 2–4) for the hot path: path, blob id and stat data
//! of each stage-0 entry, without libgit2's re-verification of the file's checksum or its
//! per-entry map. It understands what git writes: split indexes (`link`, merged with the
//! shared index), sparse indexes (`sdir`: a sparse directory entry is expanded from its tree),
//! intent-to-add and skip-worktree flags, and skips optional extensions (upper-case
//! signature). An unknown mandatory extension, or a SHA-256 repository, goes to libgit2, and
//! what libgit2 cannot read either to `git ls-files` (`index_git.rs`): never a refused commit
//! that git accepts.

use std::path::{Path, PathBuf};

use super::{ObjectId, Repo};

use super::split_index::{self, Link};
use crate::error::{Error, Result};

/// One index entry. `IndexFile` holds stage-0 entries with content only; the private fields
/// serve the reading (merging a split index, expanding sparse directories).
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub path: String,
    pub id: ObjectId,
    pub ctime: (u32, u32),
    pub mtime: (u32, u32),
    pub ino: u32,
    pub size: u32,
    /// Outside the sparse checkout (`skip-worktree`): git takes the index's word for it.
    pub skip_worktree: bool,
    pub(super) mode: u32,
    pub(super) stage: u16,
    pub(super) intent_to_add: bool,
}

impl IndexEntry {
    /// Whether the entry is a regular file (mode 100644 or 100755), not a symbolic link or a
    /// submodule.
    pub fn is_regular(&self) -> bool {
        super::objects::is_regular_mode(self.mode)
    }
}

/// The entries of an index, sorted by path as git keeps them. Intent-to-add entries
/// (`git add -N`) are left out: they stage no content.
#[derive(Debug, Default)]
pub struct IndexFile {
    pub entries: Vec<IndexEntry>,
    /// The index file's own mtime: entries not older than it are "racily clean" (git re-hashes
    /// them rather than trust their stat data).
    pub written: Option<(u32, u32)>,
}

impl IndexEntry {
    /// The merge stage (0 unless conflicted).
    pub fn stage(&self) -> u16 {
        self.stage
    }
    fn is_sparse_dir(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }
}

/// An index file as parsed: its entries and the extensions that change their meaning.
struct Parsed {
    entries: Vec<IndexEntry>,
    link: Option<Link>,
}

impl IndexFile {
    /// Reads the index a commit would be made from: `$GIT_INDEX_FILE` when git sets it (in
    /// hooks of `git commit -a` and `git commit <paths>` it names a temporary index), else the
    /// repository's index. Parsed directly when we can.
    pub fn read(repo: &Repo) -> Result<Self> {
        let (path, hash) = index_path(repo);
        let bytes = match super::mapped::FileBytes::open(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let written = mtime_of(&path);
        if let Some(parsed) = parse(&bytes, hash) {
            let raw = match &parsed.link {
                Some(link) if link.is_split() => {
                    merge_shared(repo, &path, parsed.entries, link, hash)?
                }
                _ => parsed.entries,
            };
            let mut file = Self::from_raw(repo, raw)?;
            file.written = written;
            return Ok(file);
        }
        // An extension neither we nor libgit2 know: git itself reads the index.
        let mut file = match git2::Index::open(&path) {
            Ok(index) => Self::from_git2(&index)?,
            Err(_) => Self::from_raw(repo, super::index_git::entries(repo, &path)?)?,
        };
        file.written = written;
        Ok(file)
    }

    /// Stage-0 entries with content: sparse directories expanded, intent-to-add left out.
    /// Filtered in place: the hot path reads 10,000 entries and should not copy them.
    pub(super) fn from_raw(repo: &Repo, mut entries: Vec<IndexEntry>) -> Result<Self> {
        let sparse: Vec<(String, ObjectId)> = entries
            .iter()
            .filter(|e| e.stage == 0 && e.is_sparse_dir())
            .map(|e| (e.path.clone(), e.id))
            .collect();
        entries.retain(|e| e.stage == 0 && !e.intent_to_add && !e.is_sparse_dir());
        for (prefix, id) in &sparse {
            // A sparse directory's path ends with '/'; as record text it may be quoted.
            let bytes = crate::path_bytes::decode(prefix).unwrap_or_else(|| prefix.clone().into());
            expand_sparse_dir(repo, &repo.find_tree(*id, prefix)?, &bytes, &mut entries)?;
        }
        // The index is sorted by path already; expanded directories are appended.
        if !sparse.is_empty() {
            entries.sort_by(|a, b| crate::path_bytes::cmp(&a.path, &b.path));
        }
        Ok(Self {
            entries,
            written: None,
        })
    }

    /// The entries of a libgit2 index.
    pub fn from_git2(index: &git2::Index) -> Result<Self> {
        let mut entries: Vec<IndexEntry> = index
            .iter()
            .filter(|e| (e.flags >> 12) & 0x3 == 0 && e.flags_extended & 0x2000 == 0)
            .map(|e| IndexEntry {
                path: crate::path_bytes::encode(&e.path),
                id: ObjectId(e.id),
                ctime: (e.ctime.seconds() as u32, e.ctime.nanoseconds()),
                mtime: (e.mtime.seconds() as u32, e.mtime.nanoseconds()),
                ino: e.ino,
                size: e.file_size,
                skip_worktree: e.flags_extended & 0x4000 != 0,
                mode: e.mode,
                stage: 0,
                intent_to_add: false,
            })
            .collect();
        entries.sort_by(|a, b| crate::path_bytes::cmp(&a.path, &b.path));
        Ok(Self {
            entries,
            written: None,
        })
    }

    /// The entry of a path, if staged.
    pub fn get(&self, path: &str) -> Option<&IndexEntry> {
        self.entries
            .binary_search_by(|e| crate::path_bytes::cmp(&e.path, path))
            .ok()
            .map(|i| &self.entries[i])
    }
}

/// The index file a commit would be made from (`$GIT_INDEX_FILE` when git sets it), and
/// whether the repository uses SHA-1 (the only object format read directly).
/// The index file a commit would be made from, and the length of its object ids in bytes
/// (20 for SHA-1, 32 for SHA-256).
pub(super) fn index_path(repo: &Repo) -> (PathBuf, usize) {
    let path = match std::env::var_os("GIT_INDEX_FILE").map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        Some(p) => std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p),
        None => repo.path().join("index"),
    };
    (path, super::hash_len(repo))
}

#[cfg(unix)]
fn mtime_of(path: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.mtime() as u32, meta.mtime_nsec() as u32))
}

#[cfg(not(unix))]
fn mtime_of(_: &Path) -> Option<(u32, u32)> {
    None
}

/// Reads the shared index a split index links to (beside the index file, else in the git
/// directory) and merges the two.
fn merge_shared(
    repo: &Repo,
    index: &Path,
    split: Vec<IndexEntry>,
    link: &Link,
    hash: usize,
) -> Result<Vec<IndexEntry>> {
    let name = format!("sharedindex.{}", link.shared);
    let candidates = [index.with_file_name(&name), repo.path().join(&name)];
    let Some(shared) = candidates.iter().find(|p| p.is_file()) else {
        return Err(Error::Git(format!(
            "{}: split index names {name}, which is missing; run 'git update-index --no-split-index' to rewrite the index",
            crate::quote::fs_path(index)
        )));
    };
    let bytes = std::fs::read(shared).map_err(|e| Error::io(shared, e))?;
    parse(&bytes, hash)
        .and_then(|base| split_index::merge(base.entries, split, link))
        .ok_or_else(|| {
            Error::Git(format!(
                "{}: split index does not match {name}; run 'git update-index --no-split-index'",
                crate::quote::fs_path(index)
            ))
        })
}

/// Adds every blob under a sparse directory entry's tree, as skip-worktree entries.
fn expand_sparse_dir(
    repo: &Repo,
    tree: &super::Tree,
    prefix: &[u8],
    out: &mut Vec<IndexEntry>,
) -> Result<()> {
    for item in tree.entries() {
        let bytes = [prefix, &item.name].concat();
        let path = crate::path_bytes::encode(&bytes);
        match item.kind {
            super::objects::Kind::Tree => expand_sparse_dir(
                repo,
                &repo.find_tree(item.id, &path)?,
                &[bytes.as_slice(), b"/"].concat(),
                out,
            )?,
            _ if item.is_blob() => out.push(IndexEntry {
                path,
                id: item.id,
                ctime: (0, 0),
                mtime: (0, 0),
                ino: 0,
                size: 0,
                skip_worktree: true,
                mode: item.mode,
                stage: 0,
                intent_to_add: false,
            }),
            _ => {}
        }
    }
    Ok(())
}

pub(super) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(super) fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// The index header: its version (2–4) and its entry count. `None` for anything but a DIRC
/// index of version 2, 3 or 4.
pub(super) fn header(b: &[u8]) -> Option<(u32, usize)> {
    if b.get(0..4)? != b"DIRC" {
        return None;
    }
    let version = be32(b, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    Some((version, be32(b, 8)? as usize))
}

/// Room for `count` entries, bounded by what the bytes can hold (an entry takes at least 62
/// bytes): a corrupt count cannot make a reader allocate more.
pub(super) fn capacity(b: &[u8], count: usize) -> usize {
    count.min(b.len() / 62)
}

/// Parses index bytes; `None` for anything we leave to libgit2 (unknown version, an unknown
/// mandatory extension, truncation).
fn parse(b: &[u8], hash: usize) -> Option<Parsed> {
    let (version, count) = header(b)?;
    let mut entries = Vec::with_capacity(capacity(b, count));
    let mut at = 12;
    let mut previous = Vec::<u8>::new();
    for _ in 0..count {
        let (entry, next) = parse_entry(b, at, version, &mut previous, hash)?;
        entries.push(entry);
        at = next;
    }
    let link = parse_extensions(b, at, hash)?;
    Some(Parsed { entries, link })
}

/// The layout of one index entry at `at` (git's `Documentation/gitformat-index.txt`): its
/// flags, extended flags, path (prefix-compressed against `previous` in version 4, which is
/// updated) and where the next entry starts. The one reader of the layout; [`parse_entry`]
/// and the hook's `staged_ids` read the fixed fields at the entry's start themselves.
pub(super) struct RawEntry<'a> {
    pub flags: u16,
    pub extended: u16,
    pub path: &'a [u8],
    pub next: usize,
}

pub(super) fn raw_entry<'a>(
    b: &'a [u8],
    start: usize,
    version: u32,
    previous: &'a mut Vec<u8>,
    hash: usize,
) -> Option<RawEntry<'a>> {
    // 40 bytes of stat data and mode, the object id, then the flags.
    let flags = be16(b, start + 40 + hash)?;
    let mut at = start + 42 + hash;
    let mut extended = 0;
    if version >= 3 && flags & 0x4000 != 0 {
        extended = be16(b, at)?;
        at += 2;
    }
    if version == 4 {
        let (strip, used) = varint(b.get(at..)?)?;
        at += used;
        let end = at + b.get(at..)?.iter().position(|&c| c == 0)?;
        let keep = previous.len().checked_sub(strip)?;
        previous.truncate(keep);
        previous.extend_from_slice(&b[at..end]);
        return Some(RawEntry {
            flags,
            extended,
            path: previous,
            next: end + 1,
        });
    }
    // The flags hold the path's length when it is under 0xfff bytes, and git takes the path
    // to be that long: a NUL elsewhere is an index git and this reader would read apart, so
    // libgit2 reads it instead. A longer path is found by its NUL.
    let len = usize::from(flags & 0x0fff);
    let end = if len < 0x0fff {
        (b.get(at..at + len)?.iter().all(|&c| c != 0) && b.get(at + len) == Some(&0))
            .then_some(at + len)?
    } else {
        at + b.get(at..)?.iter().position(|&c| c == 0)?
    };
    Some(RawEntry {
        flags,
        extended,
        path: &b[at..end],
        // Entries are padded with 1–8 NULs to a multiple of 8 bytes.
        next: start + ((end - start + 8) & !7),
    })
}

/// One entry at `at`; returns it and where the next one starts.
fn parse_entry(
    b: &[u8],
    at: usize,
    version: u32,
    previous: &mut Vec<u8>,
    hash: usize,
) -> Option<(IndexEntry, usize)> {
    let start = at;
    let raw = raw_entry(b, at, version, previous, hash)?;
    let (flags, extended, at) = (raw.flags, raw.extended, raw.next);
    let path = raw.path.to_vec();
    let extended_flag = |bit: u16| extended & bit != 0;
    let entry = IndexEntry {
        // Moved, not copied, when it is its own record text.
        path: match String::from_utf8(path) {
            Ok(text) if !text.starts_with('"') => text,
            Ok(text) => crate::path_bytes::encode(text.as_bytes()),
            Err(bad) => crate::path_bytes::encode(bad.as_bytes()),
        },
        id: ObjectId::from_bytes(b.get(start + 40..start + 40 + hash)?)?,
        ctime: (be32(b, start)?, be32(b, start + 4)?),
        mtime: (be32(b, start + 8)?, be32(b, start + 12)?),
        ino: be32(b, start + 20)?,
        size: be32(b, start + 36)?,
        skip_worktree: extended_flag(0x4000),
        mode: be32(b, start + 24)?,
        stage: (flags >> 12) & 0x3,
        intent_to_add: extended_flag(0x2000),
    };
    Some((entry, at))
}

/// Walks the extensions after the entries: returns the split-index link if there is one.
/// Optional extensions (upper-case first letter: TREE, REUC, UNTR, FSMN, EOIE, IEOT) are
/// skipped; `sdir` only says sparse directory entries may occur, which the entries show.
/// Any other mandatory extension is one we do not know: `None`, and libgit2 decides.
fn parse_extensions(b: &[u8], mut at: usize, hash: usize) -> Option<Option<Link>> {
    let end = b.len().checked_sub(hash)?;
    let mut link = None;
    while at + 8 <= end {
        let sig = b.get(at..at + 4)?;
        let len = be32(b, at + 4)? as usize;
        let data = b.get(at + 8..at + 8 + len)?;
        match sig {
            b"link" => link = Some(Link::parse(data, hash)?),
            b"sdir" => {}
            _ if sig[0].is_ascii_uppercase() => {}
            _ => return None,
        }
        at += 8 + len;
    }
    Some(link)
}

/// Git's offset varint used by index v4 path compression.
pub(super) fn varint(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    let mut c = *b.first()?;
    let mut value = (c & 0x7f) as usize;
    while c & 0x80 != 0 {
        i += 1;
        c = *b.get(i)?;
        value = ((value + 1) << 7) | (c & 0x7f) as usize;
    }
    Some((value, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::test_git as git;

    fn repo_with_files(setup: &[&[&str]]) -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        for (i, name) in ["a.txt", "dir/b.txt", "dir/sub/c.txt", "dir/sub/cd.txt", "z"]
            .iter()
            .enumerate()
        {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, format!("{i}\n")).unwrap();
        }
        // Enough entries that a few changes stay in the split file (git rewrites the shared
        // index when more than 20% of it changes).
        std::fs::create_dir_all(dir.path().join("many")).unwrap();
        for i in 0..40 {
            std::fs::write(dir.path().join(format!("many/{i}")), format!("m{i}\n")).unwrap();
        }
        git(dir.path(), &["add", "-A"]);
        for args in setup {
            git(dir.path(), args);
        }
        let repo = Repo(git2::Repository::open(dir.path()).unwrap());
        (dir, repo)
    }

    /// `git ls-files -s` as (path, id) of stage-0 entries.
    fn git_ls_files(dir: &Path) -> Vec<(String, String)> {
        git(dir, &["ls-files", "-s"])
            .lines()
            .filter_map(|l| {
                let (meta, path) = l.split_once('\t')?;
                let id = meta.split(' ').nth(1)?;
                Some((path.to_string(), id.to_string()))
            })
            .collect()
    }

    fn ours(repo: &Repo) -> Vec<(String, String)> {
        let file = IndexFile::read(repo).unwrap();
        file.entries
            .iter()
            .map(|e| (e.path.clone(), e.id.to_string()))
            .collect()
    }

    #[test]
    fn direct_reader_agrees_with_libgit2_for_every_index_version() {
        for version in ["2", "3", "4"] {
            let (_dir, repo) = repo_with_files(&[&["update-index", "--index-version", version]]);
            let theirs = IndexFile::from_git2(&repo.0.index().unwrap()).unwrap();
            let key = |f: &IndexFile| {
                f.entries
                    .iter()
                    .map(|e| (e.path.clone(), e.id, e.size, e.mtime, e.ctime))
                    .collect::<Vec<_>>()
            };
            let ours = IndexFile::read(&repo).unwrap();
            assert_eq!(key(&ours), key(&theirs), "index v{version}");
            assert!(ours.get("dir/sub/c.txt").is_some());
        }
    }

    #[test]
    fn split_index_agrees_with_git_ls_files() {
        for version in ["2", "4"] {
            let (dir, repo) = repo_with_files(&[
                &["update-index", "--index-version", version],
                &["commit", "-qm", "base"],
                &["update-index", "--split-index"],
            ]);
            std::fs::write(dir.path().join("dir/b.txt"), "changed\n").unwrap();
            std::fs::write(dir.path().join("new.txt"), "new\n").unwrap();
            git(dir.path(), &["add", "dir/b.txt", "new.txt"]);
            git(dir.path(), &["rm", "-q", "--cached", "z"]);
            assert!(
                std::fs::read_dir(repo.path())
                    .unwrap()
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("sharedindex."))
            );
            let split = parse(&std::fs::read(repo.path().join("index")).unwrap(), 20).unwrap();
            let link = split.link.expect("a link extension");
            assert!(link.is_split() && !link.replace.is_empty() && !link.delete.is_empty());
            assert_eq!(
                ours(&repo),
                git_ls_files(dir.path()),
                "split index v{version}"
            );
        }
    }

    #[test]
    fn sparse_index_directories_expand_to_their_files() {
        let (dir, repo) = repo_with_files(&[
            &["commit", "-qm", "base"],
            &[
                "sparse-checkout",
                "set",
                "--cone",
                "--sparse-index",
                "dir/sub",
            ],
        ]);
        let raw = parse(&std::fs::read(repo.path().join("index")).unwrap(), 20).unwrap();
        assert!(
            raw.entries.iter().any(IndexEntry::is_sparse_dir),
            "a sparse index"
        );
        assert_eq!(ours(&repo), git_ls_files(dir.path()));
        let file = IndexFile::read(&repo).unwrap();
        assert!(file.get("many/3").unwrap().skip_worktree);
        assert!(!file.get("dir/sub/c.txt").unwrap().skip_worktree);
    }

    #[test]
    fn optional_extensions_are_skipped() {
        let (dir, repo) = repo_with_files(&[
            &["config", "index.recordEndOfIndexEntries", "true"],
            &["config", "index.recordOffsetTable", "true"],
            &["config", "core.untrackedCache", "true"],
            &["commit", "-qm", "base"],
            &["update-index", "--untracked-cache"],
            &["status", "--porcelain"],
            &["add", "-A"],
        ]);
        let bytes = std::fs::read(repo.path().join("index")).unwrap();
        for sig in [&b"TREE"[..], b"UNTR", b"EOIE"] {
            assert!(bytes.windows(4).any(|w| w == sig), "{sig:?} written");
        }
        assert!(parse(&bytes, 20).is_some());
        assert_eq!(ours(&repo), git_ls_files(dir.path()));
    }

    #[test]
    fn git_ls_files_fallback_agrees_with_the_direct_reader() {
        let (dir, repo) = repo_with_files(&[
            &["commit", "-qm", "base"],
            &["update-index", "--split-index"],
            &["sparse-checkout", "set", "--cone", "--sparse-index", "dir"],
        ]);
        std::fs::write(dir.path().join("dir/new.txt"), "n\n").unwrap();
        git(dir.path(), &["add", "-N", "dir/new.txt"]);
        let path = repo.path().join("index");
        let key = |f: &IndexFile| {
            f.entries
                .iter()
                .map(|e| {
                    (
                        e.path.clone(),
                        e.id,
                        e.skip_worktree,
                        e.size,
                        e.mtime,
                        e.ino,
                    )
                })
                .collect::<Vec<_>>()
        };
        let direct = IndexFile::read(&repo).unwrap();
        let fallback = IndexFile::from_raw(
            &repo,
            super::super::index_git::entries(&repo, &path).unwrap(),
        )
        .unwrap();
        assert!(
            direct.get("dir/new.txt").is_none(),
            "intent-to-add left out"
        );
        assert!(direct.get("many/1").unwrap().skip_worktree);
        // Sparse directories expanded from trees carry no stat data; compare paths and ids.
        let ids = |f: &IndexFile| {
            f.entries
                .iter()
                .map(|e| (e.path.clone(), e.id, e.skip_worktree))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&direct), ids(&fallback));
        let in_cone = |f: &IndexFile| key(f).into_iter().filter(|k| !k.2).collect::<Vec<_>>();
        assert_eq!(in_cone(&direct), in_cone(&fallback));
    }
}
