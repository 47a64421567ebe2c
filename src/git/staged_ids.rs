//! The pre-commit hook's read of the index: path → blob id of each staged entry. The index is
//! mapped, and for the versions git writes by default (2 and 3) each entry is three offsets
//! into it: no path is copied and nothing is allocated per file. At 100,000 files the copies
//! and the page faults on fresh memory were most of the hook. Index version 4 compresses
//! paths, so its paths (and ids) are rebuilt into one buffer. Only plain indexes (no split-index
//! link or sparse directories) are read here; anything else goes through [`IndexFile::read`],
//! which understands them all.

use std::borrow::Cow;

use super::{ObjectId, Repo};

use super::index::{IndexFile, be32, index_path};
use super::mapped::FileBytes;
use crate::error::{Error, Result};

/// Staged entries (stage 0, not intent-to-add) as (path, blob id), sorted by path.
#[derive(Default)]
pub struct StagedIds {
    /// The mapped index, or a buffer of ids and paths made for them (see the module comment).
    bytes: Option<FileBytes>,
    /// Where each entry's id and path are in `bytes`. An `ObjectId` is made only for the
    /// entries a check asks about (making 100,000 of them through libgit2 cost the hook 3 ms).
    entries: Vec<Entry>,
    /// The length of an object id in bytes: 20 (SHA-1) or 32 (SHA-256).
    hash: usize,
    /// Paths whose entry is not a regular file (a symbolic link, a submodule): rare, so kept
    /// apart instead of widening every entry.
    other: Vec<String>,
    /// The entries (by position) whose path the reader's `marked` predicate picked, so that the
    /// caller does not walk every path again.
    marked: Vec<u32>,
}

/// Offsets of one entry's object id and path (and the path's length) in `StagedIds::bytes`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    id: u32,
    path: u32,
    len: u32,
}

impl std::fmt::Debug for StagedIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedIds")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl StagedIds {
    /// Reads the index a commit would be made from (`$GIT_INDEX_FILE` honoured), keeping at
    /// hand the entries whose path (bytes) `marked` picks (see [`StagedIds::marked`]).
    pub fn read(repo: &Repo, marked: &dyn Fn(&[u8]) -> bool) -> Result<Self> {
        let (path, hash) = index_path(repo);
        let bytes = match FileBytes::open(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        if let Some(ids) = scan(bytes, hash, marked) {
            return Ok(ids);
        }
        Self::of_index(IndexFile::read(repo)?, hash, marked)
            .ok_or_else(|| Error::Git(format!("{}: index too large", path.display())))
    }

    /// The staged blob id of `path` (record text).
    pub fn get(&self, path: &str) -> Option<ObjectId> {
        let key = crate::path_bytes::bytes_or_text(path);
        self.entries
            .binary_search_by(|e| self.path_bytes(e).cmp(&key))
            .ok()
            .and_then(|i| self.id_of(&self.entries[i]))
    }

    /// The staged entry of `path`: its blob id and whether it is a regular file.
    pub fn entry(&self, path: &str) -> Option<(ObjectId, bool)> {
        self.get(path).map(|id| (id, !self.is_other(path)))
    }

    /// Whether the entry at `path` is not a regular file (a symbolic link, a submodule).
    pub fn is_other(&self, path: &str) -> bool {
        !self.other.is_empty() && self.other.iter().any(|p| p == path)
    }

    /// Every staged (path as record text, blob id), sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, ObjectId)> {
        self.entries
            .iter()
            .filter_map(|e| Some((self.text_of(e), self.id_of(e)?)))
    }

    /// Every staged path as record text, sorted (no object id is made).
    pub fn paths(&self) -> impl Iterator<Item = Cow<'_, str>> {
        self.entries.iter().map(|e| self.text_of(e))
    }

    /// The entries `read`'s `marked` picked, as (path bytes, path as record text, blob id),
    /// sorted by path.
    pub fn marked(&self) -> impl Iterator<Item = (&[u8], Cow<'_, str>, ObjectId)> {
        self.marked.iter().filter_map(|&i| {
            let e = self.entries.get(i as usize)?;
            Some((self.path_bytes(e), self.text_of(e), self.id_of(e)?))
        })
    }

    fn buffer(&self) -> &[u8] {
        self.bytes.as_deref().unwrap_or_default()
    }

    fn path_bytes(&self, e: &Entry) -> &[u8] {
        let at = e.path as usize;
        &self.buffer()[at..at + e.len as usize]
    }

    fn text_of(&self, e: &Entry) -> Cow<'_, str> {
        crate::path_bytes::as_text(self.path_bytes(e))
    }

    fn id_of(&self, e: &Entry) -> Option<ObjectId> {
        let at = e.id as usize;
        ObjectId::from_bytes(self.buffer().get(at..at + self.hash)?)
    }

    /// The staged ids of an index read the long way: its ids and paths copied into a buffer.
    /// `None` when they do not fit in 4 GiB of offsets.
    fn of_index(index: IndexFile, hash: usize, marked: &dyn Fn(&[u8]) -> bool) -> Option<Self> {
        let mut ids = Builder::new(hash, index.entries.len(), 64, marked);
        for e in &index.entries {
            let bytes = crate::path_bytes::bytes_or_text(&e.path);
            ids.push_copy(e.id.as_bytes(), &bytes, e.mode)?;
        }
        Some(ids.finish(None))
    }
}

/// Collects entries, either as offsets into the mapped index or copied into a buffer.
struct Builder<'m> {
    ids: StagedIds,
    buffer: Vec<u8>,
    marked: &'m dyn Fn(&[u8]) -> bool,
}

impl<'m> Builder<'m> {
    fn new(
        hash: usize,
        room: usize,
        copied_per_entry: usize,
        marked: &'m dyn Fn(&[u8]) -> bool,
    ) -> Self {
        Builder {
            ids: StagedIds {
                bytes: None,
                entries: Vec::with_capacity(room),
                hash,
                other: Vec::new(),
                marked: Vec::new(),
            },
            buffer: Vec::with_capacity(room * copied_per_entry),
            marked,
        }
    }

    /// What an entry's path says beyond its offsets: not a regular file, or marked.
    fn note(&mut self, path: &[u8], mode: u32) -> Option<()> {
        if !super::objects::is_regular_mode(mode) {
            self.ids.other.push(crate::path_bytes::encode(path));
        }
        if (self.marked)(path) {
            self.ids
                .marked
                .push(u32::try_from(self.ids.entries.len()).ok()?);
        }
        Some(())
    }

    /// An entry whose id and path are at these offsets of the mapped index.
    fn push_in_place(
        &mut self,
        id: usize,
        path: usize,
        len: usize,
        b: &[u8],
        mode: u32,
    ) -> Option<()> {
        self.note(b.get(path..path + len)?, mode)?;
        self.ids.entries.push(Entry {
            id: u32::try_from(id).ok()?,
            path: u32::try_from(path).ok()?,
            len: u32::try_from(len).ok()?,
        });
        Some(())
    }

    /// An entry whose id and path are copied into the buffer.
    fn push_copy(&mut self, id: &[u8], path: &[u8], mode: u32) -> Option<()> {
        self.note(path, mode)?;
        let at = self.buffer.len();
        self.buffer.extend_from_slice(id);
        self.buffer.extend_from_slice(path);
        self.ids.entries.push(Entry {
            id: u32::try_from(at).ok()?,
            path: u32::try_from(at + id.len()).ok()?,
            len: u32::try_from(path.len()).ok()?,
        });
        Some(())
    }

    /// The entries, over the mapped index when given, else over the buffer.
    fn finish(mut self, mapped: Option<FileBytes>) -> StagedIds {
        self.ids.bytes = Some(mapped.unwrap_or(FileBytes::Read(self.buffer)));
        self.ids
    }
}

/// The staged ids of a plain index; `None` for anything [`IndexFile::read`] should handle (a
/// split index, sparse directory entries, an unknown version or mandatory extension,
/// truncation). Entry layout as in git's `Documentation/gitformat-index.txt`.
fn scan(bytes: FileBytes, hash: usize, marked: &dyn Fn(&[u8]) -> bool) -> Option<StagedIds> {
    let b: &[u8] = &bytes;
    let (version, count) = super::index::header(b)?;
    let room = super::index::capacity(b, count);
    // Version 4's paths are prefix-compressed: they (and the ids) are copied.
    let copied = version == 4;
    let mut ids = Builder::new(hash, room, if copied { 64 } else { 0 }, marked);
    let mut at = 12;
    let mut previous = Vec::<u8>::new();
    for _ in 0..count {
        let start = at;
        let mode = be32(b, start + 24)?;
        let id = start + 40;
        b.get(id..id + hash)?;
        let raw = super::index::raw_entry(b, start, version, &mut previous, hash)?;
        let (flags, extended, path) = (raw.flags, raw.extended, raw.path);
        at = raw.next;
        if mode & 0o170000 == 0o040000 {
            return None; // a sparse directory: expanded by IndexFile::read
        }
        let stage = (flags >> 12) & 0x3;
        let intent_to_add = extended & 0x2000 != 0;
        if stage != 0 || intent_to_add {
            continue;
        }
        if copied {
            ids.push_copy(&b[id..id + hash], path, mode)?;
        } else {
            let offset = path.as_ptr() as usize - b.as_ptr() as usize;
            ids.push_in_place(id, offset, path.len(), b, mode)?;
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
    Some(ids.finish((!copied).then_some(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::test_git as git;

    fn same_as_index_file(dir: &std::path::Path) {
        let repo = Repo(git2::Repository::open(dir).unwrap());
        let (path, _) = index_path(&repo);
        let marked = |p: &[u8]| p.ends_with(b".txt");
        let scanned =
            scan(FileBytes::open(&path).unwrap(), 20, &marked).expect("a plain index is scanned");
        let full = IndexFile::read(&repo).unwrap();
        let expected: Vec<(String, ObjectId)> = full
            .entries
            .iter()
            .map(|e| (e.path.clone(), e.id))
            .collect();
        let long = StagedIds::of_index(IndexFile::read(&repo).unwrap(), 20, &marked).unwrap();
        let expected_marked: Vec<&(String, ObjectId)> = expected
            .iter()
            .filter(|(p, _)| p.ends_with(".txt"))
            .collect();
        for ids in [&scanned, &long] {
            let got: Vec<(String, ObjectId)> =
                ids.iter().map(|(p, id)| (p.to_string(), id)).collect();
            assert_eq!(got, expected);
            for (p, id) in &expected {
                assert_eq!(ids.get(p), Some(*id), "{p}");
            }
            assert_eq!(ids.get("not/staged"), None);
            let marked: Vec<(String, ObjectId)> = ids
                .marked()
                .map(|(_, p, id)| (p.into_owned(), id))
                .collect();
            assert_eq!(marked.iter().collect::<Vec<_>>(), expected_marked);
        }
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
