//! A direct reader of `.git/index` (versions 2–4) for the hot path: path, blob id and stat
//! data of each stage-0 entry, without libgit2's re-verification of the file's checksum or
//! its per-entry map. Split and sparse indexes (and SHA-256 repositories) fall back to
//! libgit2, which understands them.

use git2::{Oid, Repository};

use crate::error::Result;

/// One stage-0 index entry.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub path: String,
    pub id: Oid,
    pub mtime: (u32, u32),
    pub ino: u32,
    pub size: u32,
}

/// The entries of an index, sorted by path as git keeps them.
#[derive(Debug, Default)]
pub struct IndexFile {
    pub entries: Vec<IndexEntry>,
}

impl IndexFile {
    /// Reads the index a commit would be made from: `$GIT_INDEX_FILE` when git sets it (in
    /// hooks of `git commit -a` and `git commit <paths>` it names a temporary index), else the
    /// repository's index. Parsed directly when we can.
    pub fn read(repo: &Repository) -> Result<Self> {
        let path = match std::env::var_os("GIT_INDEX_FILE").map(std::path::PathBuf::from) {
            Some(p) if p.is_absolute() => p,
            Some(p) => std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p),
            None => repo.path().join("index"),
        };
        let sha1 = repo
            .config()
            .ok()
            .and_then(|c| c.get_string("extensions.objectformat").ok())
            .is_none_or(|f| f == "sha1");
        if sha1 && let Some(parsed) = std::fs::read(&path).ok().and_then(|b| parse(&b)) {
            return Ok(parsed);
        }
        if !path.exists() {
            return Ok(Self::default());
        }
        Self::from_git2(&git2::Index::open(&path)?)
    }

    /// The entries of a libgit2 index.
    pub fn from_git2(index: &git2::Index) -> Result<Self> {
        let mut entries: Vec<IndexEntry> = index
            .iter()
            .filter(|e| (e.flags >> 12) & 0x3 == 0)
            .map(|e| IndexEntry {
                path: String::from_utf8_lossy(&e.path).into_owned(),
                id: e.id,
                mtime: (e.mtime.seconds() as u32, e.mtime.nanoseconds()),
                ino: e.ino,
                size: e.file_size,
            })
            .collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Self { entries })
    }

    /// The entry of a path, if staged.
    pub fn get(&self, path: &str) -> Option<&IndexEntry> {
        self.entries
            .binary_search_by(|e| e.path.as_bytes().cmp(path.as_bytes()))
            .ok()
            .map(|i| &self.entries[i])
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Parses index bytes; `None` for anything we leave to libgit2 (unknown version, split or
/// sparse index, truncation).
fn parse(b: &[u8]) -> Option<IndexFile> {
    if b.get(0..4)? != b"DIRC" {
        return None;
    }
    let version = be32(b, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(b, 8)? as usize;
    let mut entries = Vec::with_capacity(count);
    let mut at = 12;
    let mut previous = Vec::<u8>::new();
    for _ in 0..count {
        let start = at;
        let mtime = (be32(b, at + 8)?, be32(b, at + 12)?);
        let ino = be32(b, at + 20)?;
        let size = be32(b, at + 36)?;
        let id = Oid::from_bytes(b.get(at + 40..at + 60)?).ok()?;
        let flags = be16(b, at + 60)?;
        at += 62;
        if version >= 3 && flags & 0x4000 != 0 {
            at += 2;
        }
        let path = if version == 4 {
            let (strip, used) = varint(b.get(at..)?)?;
            at += used;
            let end = at + b.get(at..)?.iter().position(|&c| c == 0)?;
            let keep = previous.len().checked_sub(strip)?;
            previous.truncate(keep);
            previous.extend_from_slice(&b[at..end]);
            at = end + 1;
            previous.clone()
        } else {
            let end = at + b.get(at..)?.iter().position(|&c| c == 0)?;
            let path = b[at..end].to_vec();
            // Entries are padded with 1–8 NULs to a multiple of 8 bytes.
            at = start + ((end - start + 8) & !7);
            path
        };
        if (flags >> 12) & 0x3 == 0 {
            entries.push(IndexEntry {
                path: String::from_utf8(path).ok()?,
                id,
                mtime,
                ino,
                size,
            });
        }
    }
    // Required extensions we do not read (split index, sparse directories) → libgit2.
    while at + 8 <= b.len().saturating_sub(20) {
        let sig = b.get(at..at + 4)?;
        if sig == b"link" || sig == b"sdir" {
            return None;
        }
        at += 8 + be32(b, at + 4)? as usize;
    }
    Some(IndexFile { entries })
}

/// Git's offset varint used by index v4 path compression.
fn varint(b: &[u8]) -> Option<(usize, usize)> {
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
    use std::path::Path;

    fn git(dir: &Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn direct_reader_agrees_with_libgit2_for_every_index_version() {
        for version in ["2", "3", "4"] {
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
            git(dir.path(), &["add", "-A"]);
            git(dir.path(), &["update-index", "--index-version", version]);
            let repo = Repository::open(dir.path()).unwrap();
            let ours = parse(&std::fs::read(repo.path().join("index")).unwrap()).expect("parsed");
            let theirs = IndexFile::from_git2(&repo.index().unwrap()).unwrap();
            let key = |f: &IndexFile| {
                f.entries
                    .iter()
                    .map(|e| (e.path.clone(), e.id, e.size, e.mtime))
                    .collect::<Vec<_>>()
            };
            assert_eq!(key(&ours), key(&theirs), "index v{version}");
            assert!(ours.get("dir/sub/c.txt").is_some());
        }
    }
}
