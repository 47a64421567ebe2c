//! Views of a repository the engine checks against: the index (what a commit would hold),
//! a commit's tree, or the working tree. Blob ids come from git; the working-tree view
//! rehashes only files whose stat data differs from the index entry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{Index, Oid, Repository, Tree};

use super::RecordFile;
use crate::error::{Error, Result};
use crate::fingerprint::Digests;
use crate::paths::is_run_record_name;
use crate::provenance::RunRecord;

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
}

/// Path → blob id, from the index or a tree.
#[derive(Debug, Default)]
pub struct BlobMap {
    pub blobs: HashMap<String, Oid>,
}

impl View for BlobMap {
    fn blob(&self, path: &str) -> Option<String> {
        self.blobs.get(path).map(Oid::to_string)
    }
}

impl BlobMap {
    /// Every stage-0 entry of the index.
    pub fn of_index(index: &Index) -> Self {
        let blobs = index
            .iter()
            .filter(|e| (e.flags >> 12) & 0x3 == 0)
            .map(|e| (String::from_utf8_lossy(&e.path).into_owned(), e.id))
            .collect();
        Self { blobs }
    }

    /// Every blob of a tree, with `/`-joined paths.
    pub fn of_tree(tree: &Tree) -> Self {
        let mut blobs = HashMap::new();
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob)
                && let Ok(name) = entry.name()
            {
                blobs.insert(format!("{dir}{name}"), entry.id());
            }
            git2::TreeWalkResult::Ok
        });
        Self { blobs }
    }

    /// Paths of run records in this map, sorted.
    pub fn record_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .blobs
            .keys()
            .filter(|p| is_run_record_name(p.rsplit('/').next().unwrap_or(p)))
            .cloned()
            .collect();
        paths.sort();
        paths
    }

    /// Reads and parses the run records of this map from the object database.
    pub fn records(&self, repo: &Repository) -> Result<Vec<RecordFile>> {
        self.record_paths()
            .into_iter()
            .map(|path| {
                let blob = repo.find_blob(self.blobs[&path])?;
                let record = parse_record(blob.content(), &path)?;
                Ok(RecordFile { path, record })
            })
            .collect()
    }
}

/// Parses a run record's bytes; `shown` names it in errors.
pub fn parse_record(bytes: &[u8], shown: &str) -> Result<RunRecord> {
    let text = crate::source::decode(bytes, shown)?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::at(
            shown,
            crate::yaml::Pos {
                line: e.line() as u64,
                col: e.column() as u64,
            },
            format!("invalid JSON in run record: {e}"),
        )
    })?;
    RunRecord::from_json(json, shown)
}

/// The working tree: index ids where stat data says a file is unchanged, a fresh hash otherwise.
pub struct WorktreeView {
    root: PathBuf,
    index: HashMap<String, IndexStat>,
}

struct IndexStat {
    id: Oid,
    mtime: (i32, u32),
    size: u32,
    ino: u32,
}

impl WorktreeView {
    /// Builds the view from the repository's index and work tree.
    pub fn new(root: &Path, index: &Index) -> Self {
        let index = index
            .iter()
            .filter(|e| (e.flags >> 12) & 0x3 == 0)
            .map(|e| {
                (
                    String::from_utf8_lossy(&e.path).into_owned(),
                    IndexStat {
                        id: e.id,
                        mtime: (e.mtime.seconds(), e.mtime.nanoseconds()),
                        size: e.file_size,
                        ino: e.ino,
                    },
                )
            })
            .collect();
        Self {
            root: root.to_path_buf(),
            index,
        }
    }
}

impl View for WorktreeView {
    fn blob(&self, path: &str) -> Option<String> {
        let file = self.root.join(path);
        let meta = std::fs::symlink_metadata(&file).ok()?;
        if !meta.is_file() {
            return None;
        }
        if let Some(entry) = self.index.get(path)
            && stat_matches(&meta, entry)
        {
            return Some(entry.id.to_string());
        }
        let bytes = std::fs::read(&file).ok()?;
        Some(Digests::of_bytes(&bytes).git_blob)
    }

    fn is_worktree(&self) -> bool {
        true
    }
}

#[cfg(unix)]
fn stat_matches(meta: &std::fs::Metadata, e: &IndexStat) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.mtime() as i32 == e.mtime.0
        && meta.mtime_nsec() as u32 == e.mtime.1
        && meta.size() as u32 == e.size
        && meta.ino() as u32 == e.ino
}

#[cfg(not(unix))]
fn stat_matches(_: &std::fs::Metadata, _: &IndexStat) -> bool {
    false
}
