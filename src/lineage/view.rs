//! Views of a repository the engine checks against: the index (what a commit would hold),
//! a commit's tree, or the working tree. Blob ids come from git; the working-tree view
//! rehashes only files whose stat data differs from the index entry.

use std::path::{Path, PathBuf};

use crate::git::{ObjectId, Repo};

use super::validate::{self, Violation};
use super::{Finding, LineageRecord, RecordFile, Verdict};
use crate::error::{Error, Result};
use crate::fingerprint::Digests;
use crate::git::index::{IndexEntry, IndexFile};
pub use crate::git::objects::{BlobMap, is_regular_mode};
use crate::paths::is_run_record_name;

/// Something that knows the blob id of a repository path.
pub trait View {
    /// The blob id of `path` in this view, if the path is present.
    fn blob(&self, path: &str) -> Option<String>;
    /// Whether `path` is present.
    fn contains(&self, path: &str) -> bool {
        self.blob(path).is_some()
    }
    /// Whether untracked files on disk count as present.
    fn is_worktree(&self) -> bool {
        false
    }
    /// Whether something other than a regular file is at `path` (a symbolic link, a
    /// submodule, a directory). [`View::blob`] never answers for one: only a regular file's
    /// content can be what a record says; this only names why a path reads as absent.
    fn not_regular(&self, _path: &str) -> bool {
        false
    }
}

impl View for crate::git::staged_ids::StagedIds {
    fn blob(&self, path: &str) -> Option<String> {
        self.entry(path)
            .filter(|(_, regular)| *regular)
            .map(|(id, _)| id.to_string())
    }

    fn not_regular(&self, path: &str) -> bool {
        self.is_other(path)
    }
}

impl View for IndexFile {
    fn blob(&self, path: &str) -> Option<String> {
        self.get(path)
            .filter(|e| e.is_regular())
            .map(|e| e.id.to_string())
    }

    fn not_regular(&self, path: &str) -> bool {
        self.get(path).is_some_and(|e| !e.is_regular())
    }
}

impl View for BlobMap {
    fn blob(&self, path: &str) -> Option<String> {
        self.blobs.get(path).map(ObjectId::to_string)
    }

    fn not_regular(&self, path: &str) -> bool {
        self.other.contains(path)
    }
}

/// Whether a repository path names a run record.
/// (A record in a directory whose name is not UTF-8 has a quoted path: its name is decoded.)
pub fn is_record_path(path: &str) -> bool {
    if path.starts_with('"') {
        return crate::path_bytes::decode(path).is_some_and(|bytes| is_record_path_bytes(&bytes));
    }
    is_record_path_bytes(path.as_bytes())
}

/// [`is_record_path`] of a path's bytes. Only the file name is looked at, `.json` first: the
/// hook asks this of every index path.
pub fn is_record_path_bytes(path: &[u8]) -> bool {
    path.ends_with(b".json") && {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        std::str::from_utf8(name).is_ok_and(is_run_record_name)
    }
}

/// Reads, bounds, parses and validates run records given as (path, blob id), sorted by path.
/// A record that fails is not an error of the run but a finding of the check: it comes back
/// as a `tampered` finding naming the file and the rule it broke, and is not classified.
pub fn load_records<'a>(
    repo: &Repo,
    found: impl Iterator<Item = (&'a str, ObjectId)>,
) -> Result<(Vec<RecordFile>, Vec<Finding>)> {
    let mut found: Vec<(&str, ObjectId)> = found.collect();
    found.sort();
    let mut records = Records::default();
    for (path, id) in found {
        // An oversized record is refused from its object header, without reading it.
        if let Some(size) = repo.blob_size(id)
            && size > validate::MAX_RECORD_BYTES
        {
            let violation = Violation::TooLarge {
                what: "run record",
                size,
                limit: validate::MAX_RECORD_BYTES,
            };
            records.add(path, Err(untrusted(path, violation)));
            continue;
        }
        let blob = repo.find_blob(id, path)?;
        records.add(path, parse_record(blob.content(), path));
    }
    Ok((records.valid, records.broken))
}

/// Records read so far: the valid ones, and findings for the others. A run id seen twice
/// (a record copied or forged) makes the second record tampered.
#[derive(Default)]
pub struct Records {
    pub valid: Vec<RecordFile>,
    pub broken: Vec<Finding>,
    /// Run id → index in `valid` (a monorepo has a thousand records: no pairwise search).
    seen: std::collections::HashMap<String, usize>,
}

impl Records {
    /// Adds the outcome of [`parse_record`] for `path`.
    pub fn add(&mut self, path: &str, parsed: Result<LineageRecord>) {
        match parsed {
            Ok(record) => self.add_file(RecordFile {
                record,
                path: path.to_string(),
            }),
            Err(e) => self.broken.push(broken_record(path, &e)),
        }
    }

    /// Adds a record read already (parsed, or from the claims cache); a run id seen before
    /// makes it tampered, wherever the first came from.
    pub fn add_file(&mut self, file: RecordFile) {
        if let Some(&first) = self.seen.get(&file.record.run_id) {
            let violation = Violation::DuplicateRunId {
                run_id: file.record.run_id.clone(),
                first: self.valid[first].path.clone(),
                second: file.path.clone(),
            };
            return self
                .broken
                .push(broken_record(&file.path, &untrusted(&file.path, violation)));
        }
        self.seen
            .insert(file.record.run_id.clone(), self.valid.len());
        self.valid.push(file);
    }
}

/// The finding for a run record that does not parse or breaks a rule of `validate`.
pub fn broken_record(path: &str, error: &Error) -> Finding {
    let rule = match error {
        Error::Untrusted { violation, .. } => violation.rule(),
        _ => "malformed",
    };
    Finding {
        path: path.to_string(),
        verdict: Verdict::Tampered,
        side: "record",
        role: "run_record".into(),
        record: Some(path.to_string()),
        run_id: None,
        recorded_blob: None,
        actual_blob: None,
        fix: format!("{error}; restore it from git or rerun the command that wrote it"),
        rule: Some(rule),
        detail: None,
    }
}

/// Bounds, parses and validates a run record's bytes (`validate::record_bytes`), and checks
/// what it says about itself against its command and its place (`validate::shape`): the
/// one reader of records. `path` is its repository path, as record text.
pub fn parse_record(bytes: &[u8], path: &str) -> Result<LineageRecord> {
    validate::record_bytes(bytes)
        .and_then(|r| validate::shape(path, &r).map(|()| r))
        .map_err(|violation| untrusted(path, violation))
}

fn untrusted(path: &str, violation: Violation) -> Error {
    Error::untrusted(path, violation)
}

/// The working tree: index ids where stat data says a file is unchanged, a fresh hash otherwise.
pub struct WorktreeView<'a> {
    repo: &'a Repo,
    root: PathBuf,
    index: &'a IndexFile,
}

impl<'a> WorktreeView<'a> {
    /// Builds the view from the repository's index and work tree.
    pub fn new(repo: &'a Repo, root: &Path, index: &'a IndexFile) -> Self {
        Self {
            repo,
            root: root.to_path_buf(),
            index,
        }
    }
}

impl View for WorktreeView<'_> {
    fn blob(&self, path: &str) -> Option<String> {
        let entry = self.index.get(path);
        let file = self.root.join(crate::path_bytes::path_or_text(path));
        let Ok(meta) = std::fs::symlink_metadata(&file) else {
            // Outside the sparse checkout (absent, skip-worktree) git takes the index's word;
            // so do we. A file present on disk is compared, as git does.
            return entry.filter(|e| e.skip_worktree).map(|e| e.id.to_string());
        };
        if !meta.is_file() {
            return None;
        }
        if let Some(entry) = entry.filter(|e| e.is_regular())
            && stat_matches(&meta, entry)
            && !self.racy(entry)
        {
            return Some(entry.id.to_string());
        }
        if crate::git::filters::filtered(self.repo, path) {
            return crate::git::filters::git_blob_of(self.repo, path, None)
                .map(|id| id.to_string());
        }
        let bytes = std::fs::read(&file).ok()?;
        let clean = crate::git::filters::clean(self.repo, path, &bytes, || entry.map(|e| e.id));
        Some(Digests::of_bytes(&clean).git_blob)
    }

    fn is_worktree(&self) -> bool {
        true
    }

    fn not_regular(&self, path: &str) -> bool {
        let file = self.root.join(crate::path_bytes::path_or_text(path));
        std::fs::symlink_metadata(file).is_ok_and(|m| !m.is_file())
    }
}

impl WorktreeView<'_> {
    /// Git's racy-clean rule: an entry whose mtime is not older than the index file itself
    /// may have changed within the same timestamp; its stat data proves nothing.
    fn racy(&self, e: &IndexEntry) -> bool {
        self.index.written.is_none_or(|w| e.mtime >= w)
    }
}

/// Stat data as git compares it (`core.trustctime` on): ctime, mtime, size and inode. A
/// same-size edit with the mtime put back still moves the ctime.
#[cfg(unix)]
fn stat_matches(meta: &std::fs::Metadata, e: &IndexEntry) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.mtime() as u32 == e.mtime.0
        && meta.mtime_nsec() as u32 == e.mtime.1
        && meta.ctime() as u32 == e.ctime.0
        && meta.ctime_nsec() as u32 == e.ctime.1
        && meta.size() as u32 == e.size
        && meta.ino() as u32 == e.ino
}

#[cfg(not(unix))]
fn stat_matches(_: &std::fs::Metadata, _: &IndexEntry) -> bool {
    false
}
