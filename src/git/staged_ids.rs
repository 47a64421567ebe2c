//! The pre-commit hook's read of the index: path → blob id of each staged entry, in two
//! allocations (one string of all paths, one table) instead of one entry and one path per
//! file. At 100,000 files the per-entry allocations and their page faults were most of the
//! hook. Only plain indexes (versions 2–4 without split-index link or sparse directories)
//! are read here; anything else goes through [`IndexFile::read`], which understands them all.

use super::{ObjectId, Repo};

use super::index::{IndexFile, be32, index_path};
use super::mapped::FileBytes;
use crate::error::{Error, Result};

/// Staged entries (stage 0, not intent-to-add) as (path, blob id), sorted by path.
#[derive(Debug, Default)]
pub struct StagedIds {
    paths: String,
    /// (path start, path length, object id bytes): an `ObjectId` is made only for the entries a
    /// check asks about (making 100,000 of them through libgit2 cost the hook 3 ms).
    entries: Vec<(u32, u32, RawId)>,
    /// Paths whose entry is not a regular file (a symbolic link, a submodule): rare, so kept
    /// apart instead of widening every entry.
    other: Vec<String>,
}

/// An object id as the index holds it: 20 (SHA-1) or 32 (SHA-256) bytes.
#[derive(Debug, Clone, Copy)]
struct RawId {
    bytes: [u8; 32],
    len: u8,
}

impl RawId {
    fn of(bytes: &[u8]) -> Option<Self> {
        let mut id = RawId {
            bytes: [0; 32],
            len: u8::try_from(bytes.len()).ok()?,
        };
        id.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(id)
    }

    fn from_oid(oid: ObjectId) -> Option<Self> {
        Self::of(oid.as_bytes())
    }

    fn oid(&self) -> Option<ObjectId> {
        ObjectId::from_bytes(&self.bytes[..usize::from(self.len)])
    }
}

impl StagedIds {
    /// Reads the index a commit would be made from (`$GIT_INDEX_FILE` honoured).
    pub fn read(repo: &Repo) -> Result<Self> {
        let (path, hash) = index_path(repo);
        let bytes = match FileBytes::open(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        if let Some(ids) = scan(&bytes, hash) {
            return Ok(ids);
        }
        Ok(Self::from(IndexFile::read(repo)?))
    }

    /// The staged blob id of `path`.
    pub fn get(&self, path: &str) -> Option<ObjectId> {
        self.entries
            .binary_search_by(|e| crate::path_bytes::cmp(self.path_of(e), path))
            .ok()
            .and_then(|i| self.entries[i].2.oid())
    }

    /// The staged entry of `path`: its blob id and whether it is a regular file.
    pub fn entry(&self, path: &str) -> Option<(ObjectId, bool)> {
        self.get(path).map(|id| (id, !self.is_other(path)))
    }

    /// Whether the entry at `path` is not a regular file (a symbolic link, a submodule).
    pub fn is_other(&self, path: &str) -> bool {
        !self.other.is_empty() && self.other.iter().any(|p| p == path)
    }

    /// Every staged (path, blob id), sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, ObjectId)> {
        self.entries
            .iter()
            .filter_map(|e| Some((self.path_of(e), e.2.oid()?)))
    }

    /// Every staged path, sorted (no object id is made).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| self.path_of(e))
    }

    fn path_of(&self, e: &(u32, u32, RawId)) -> &str {
        &self.paths[e.0 as usize..(e.0 + e.1) as usize]
    }

    /// Adds an entry named by its path's bytes, as they are in the index.
    fn push(&mut self, path: &[u8], id: RawId, mode: u32) -> Option<()> {
        self.push_text(&crate::path_bytes::as_text(path), id, mode)
    }

    /// Adds an entry named by its record text.
    fn push_text(&mut self, path: &str, id: RawId, mode: u32) -> Option<()> {
        if !super::objects::is_regular_mode(mode) {
            self.other.push(path.to_string());
        }
        let start = u32::try_from(self.paths.len()).ok()?;
        self.paths.push_str(path);
        let len = u32::try_from(self.paths.len()).ok()? - start;
        self.entries.push((start, len, id));
        Some(())
    }
}

impl From<IndexFile> for StagedIds {
    fn from(index: IndexFile) -> Self {
        let mut ids = Self::default();
        for e in &index.entries {
            if let Some(id) = RawId::from_oid(e.id) {
                ids.push_text(&e.path, id, e.mode);
            }
        }
        ids
    }
}

/// The staged ids of a plain index; `None` for anything [`IndexFile::read`] should handle (a
/// split index, sparse directory entries, an unknown version or mandatory extension,
/// truncation). Entry layout as in git's `Documentation/gitformat-index.txt`.
fn scan(b: &[u8], hash: usize) -> Option<StagedIds> {
    let (version, count) = super::index::header(b)?;
    let room = super::index::capacity(b, count);
    let mut ids = StagedIds {
        paths: String::with_capacity(room * 32),
        entries: Vec::with_capacity(room),
        other: Vec::new(),
    };
    let mut at = 12;
    let mut previous = Vec::<u8>::new();
    for _ in 0..count {
        let start = at;
        let mode = be32(b, start + 24)?;
        let id = RawId::of(b.get(start + 40..start + 40 + hash)?)?;
        let raw = super::index::raw_entry(b, start, version, &mut previous, hash)?;
        let (flags, extended, path) = (raw.flags, raw.extended, raw.path);
        at = raw.next;
        if mode & 0o170000 == 0o040000 {
            return None; // a sparse directory: expanded by IndexFile::read
        }
        let stage = (flags >> 12) & 0x3;
        let intent_to_add = extended & 0x2000 != 0;
        if stage == 0 && !intent_to_add {
            ids.push(path, id, mode)?;
        }
    }
    // Extensions: a split index (`link`) or an unknown mandatory one goes the long way.
    let end = b.len().checked_sub(hash)?;
    while at + 8 <= end {
        let sig = b.get(at..at + 4)?;
        let len = be32(b, at + 4)? as usize;
        b.get(at + 8..at + 8 + len)?;
        match sig {
            b"sdir" => {}
            _ if sig[0].is_ascii_uppercase() => {}
            _ => return None,
        }
        at += 8 + len;
    }
    Some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &std::path::Path, args: &[&str]) {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn same_as_index_file(dir: &std::path::Path) {
        let repo = Repo(git2::Repository::open(dir).unwrap());
        let (path, _) = index_path(&repo);
        let scanned = scan(&std::fs::read(path).unwrap(), 20).expect("a plain index is scanned");
        let full = IndexFile::read(&repo).unwrap();
        let expected: Vec<(String, ObjectId)> = full
            .entries
            .iter()
            .map(|e| (e.path.clone(), e.id))
            .collect();
        let got: Vec<(String, ObjectId)> =
            scanned.iter().map(|(p, id)| (p.to_string(), id)).collect();
        assert_eq!(got, expected);
        for (p, id) in &expected {
            assert_eq!(scanned.get(p), Some(*id), "{p}");
        }
        assert_eq!(scanned.get("not/staged"), None);
    }

    #[test]
    fn staged_ids_match_the_full_index_reader_in_versions_2_3_and_4() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        for (p, c) in [
            ("a.txt", "a"),
            ("dir/b.txt", "b"),
            ("dir/sub/c.txt", "c"),
            ("dir/sub/cc.txt", "cc"),
            ("z.txt", "z"),
        ] {
            std::fs::create_dir_all(d.join(p).parent().unwrap()).unwrap();
            std::fs::write(d.join(p), c).unwrap();
        }
        git(d, &["add", "-A"]);
        git(d, &["commit", "-qm", "base"]);
        std::fs::write(d.join("later.txt"), "n").unwrap();
        git(d, &["add", "-N", "later.txt"]); // intent-to-add: an extended flag, left out
        for version in ["2", "3", "4"] {
            git(d, &["update-index", "--index-version", version]);
            same_as_index_file(d);
        }
    }

    #[test]
    fn conflicted_entries_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        std::fs::write(d.join("f.txt"), "base\n").unwrap();
        std::fs::write(d.join("other.txt"), "o\n").unwrap();
        git(d, &["add", "-A"]);
        git(d, &["commit", "-qm", "base"]);
        git(d, &["checkout", "-qb", "side"]);
        std::fs::write(d.join("f.txt"), "side\n").unwrap();
        git(d, &["commit", "-qam", "side"]);
        git(d, &["checkout", "-q", "main"]);
        std::fs::write(d.join("f.txt"), "main\n").unwrap();
        git(d, &["commit", "-qam", "main"]);
        let _ = std::process::Command::new("git")
            .args(["merge", "-q", "side"])
            .current_dir(d)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output();
        same_as_index_file(d);
    }
}
