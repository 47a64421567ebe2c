//! The engine applied to the three views: the index (pre-commit, `verify --staged`), a
//! commit's tree (`verify REV|--range`), the working tree (`status`).

use std::collections::HashSet;

use git2::{Delta, Oid, Repository};
use globset::GlobSet;

use super::view::{BlobMap, WorktreeView, parse_record};
use super::{Finding, RecordFile, classify};
use crate::error::{Error, Result};
use crate::paths::is_run_record_name;
use crate::policy::Policy;

/// Opens the repository containing the current directory.
pub fn open_repo() -> Result<Repository> {
    Repository::open_from_env()
        .map_err(|_| Error::Usage("not inside a git repository (lineage commands need one)".into()))
}

/// The policy of a repository: nearest policy file from the current directory to the root.
pub fn repo_policy(repo: &Repository) -> Result<Policy> {
    let root = repo.workdir().and_then(|p| p.canonicalize().ok());
    Policy::discover(None, std::path::Path::new("."), root.as_deref())
}

/// Paths staged for the next commit (added, modified, renamed, copied; not deleted).
pub fn staged_paths(repo: &Repository, index: &git2::Index) -> Result<Vec<String>> {
    let head_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut options = git2::DiffOptions::new();
    options.ignore_submodules(true);
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(index), Some(&mut options))?;
    Ok(diff
        .deltas()
        .filter_map(|d| {
            let file = if d.status() == Delta::Deleted {
                d.old_file()
            } else {
                d.new_file()
            };
            file.path().map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect())
}

/// Checks the index. With `fast`, returns `None` at once when nothing staged touches a run
/// record, a recorded input or output, or a tracked-output glob.
pub fn check_index(
    repo: &Repository,
    tracked: &GlobSet,
    fast: bool,
) -> Result<Option<Vec<Finding>>> {
    let index = repo.index()?;
    let staged = staged_paths(repo, &index)?;
    if fast && staged.is_empty() {
        return Ok(None);
    }
    let map = BlobMap::of_index(&index);
    let record_paths = map.record_paths();
    if fast && record_paths.is_empty() && tracked.is_empty() {
        return Ok(None);
    }
    let records = map.records(repo)?;
    if fast {
        let mut relevant: HashSet<&str> = record_paths.iter().map(String::as_str).collect();
        for rf in &records {
            relevant.extend(rf.record.inputs.iter().map(|i| i.fingerprint.path.as_str()));
            relevant.extend(
                rf.record
                    .outputs
                    .iter()
                    .map(|o| o.fingerprint.path.as_str()),
            );
        }
        if !staged
            .iter()
            .any(|p| relevant.contains(p.as_str()) || tracked.is_match(p))
        {
            return Ok(None);
        }
    }
    let candidates: Vec<String> = staged
        .into_iter()
        .filter(|p| map.blobs.contains_key(p))
        .collect();
    Ok(Some(classify(&records, &map, tracked, &candidates)))
}

/// Checks one commit's tree: every record in it, and every tracked-output path in it.
pub fn check_commit(repo: &Repository, commit: Oid, tracked: &GlobSet) -> Result<Vec<Finding>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let map = BlobMap::of_tree(&tree);
    let records = map.records(repo)?;
    let mut candidates: Vec<String> = if tracked.is_empty() {
        Vec::new()
    } else {
        map.blobs.keys().cloned().collect()
    };
    candidates.sort();
    Ok(classify(&records, &map, tracked, &candidates))
}

/// Checks the working tree: records tracked or lying untracked on disk.
pub fn check_worktree(repo: &Repository, tracked: &GlobSet) -> Result<Vec<Finding>> {
    let root = repo
        .workdir()
        .ok_or_else(|| Error::Usage("a bare repository has no working tree".into()))?
        .to_path_buf();
    let index = repo.index()?;
    let map = BlobMap::of_index(&index);
    let view = WorktreeView::new(&root, &index);
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let untracked: Vec<String> = repo
        .statuses(Some(&mut options))?
        .iter()
        .filter(|s| s.status().contains(git2::Status::WT_NEW))
        .filter_map(|s| s.path().ok().map(String::from))
        .collect();
    let mut record_paths: Vec<String> = map.record_paths();
    record_paths.extend(
        untracked
            .iter()
            .filter(|p| is_run_record_name(p.rsplit('/').next().unwrap_or(p)))
            .cloned(),
    );
    record_paths.sort();
    record_paths.dedup();
    let mut records = Vec::new();
    for path in record_paths {
        let file = root.join(&path);
        if !file.exists() {
            continue;
        }
        let bytes = std::fs::read(&file).map_err(|e| Error::io(&path, e))?;
        records.push(RecordFile {
            record: parse_record(&bytes, &path)?,
            path,
        });
    }
    let mut candidates: Vec<String> = map.blobs.keys().cloned().chain(untracked).collect();
    candidates.sort();
    Ok(classify(&records, &view, tracked, &candidates))
}

/// Resolves a revision to a commit id.
pub fn resolve_commit(repo: &Repository, rev: &str) -> Result<Oid> {
    let object = repo
        .revparse_single(rev)
        .map_err(|_| Error::Usage(format!("{rev}: unknown revision")))?;
    Ok(object.peel_to_commit()?.id())
}

/// The commits of `A..B`, oldest first.
pub fn commits_in_range(repo: &Repository, range: &str) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk()?;
    if range.contains("..") {
        walk.push_range(range)
            .map_err(|e| Error::Usage(format!("{range}: not a commit range ({})", e.message())))?;
    } else {
        walk.push(resolve_commit(repo, range)?)?;
    }
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    Ok(walk.filter_map(|c| c.ok()).collect())
}
