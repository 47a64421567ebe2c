//! Opening the repository git would use, and naming commits.

use std::path::Path;

use git2::{Oid, Repository};

use crate::error::{Error, Result};

/// Opens the repository git would use from `dir`: with `GIT_DIR` set, the one the
/// environment names (and `GIT_WORK_TREE`, `GIT_COMMON_DIR`), as git does; else the
/// repository containing `dir` (a linked worktree opens as itself, sharing its common dir).
pub fn open_repository(dir: &Path) -> Option<git2::Repository> {
    let repo = if std::env::var_os("GIT_DIR").is_some() {
        git2::Repository::open_from_env().ok()
    } else {
        git2::Repository::discover(dir).ok()
    }?;
    super::note_object_format(&repo);
    Some(repo)
}

/// Opens the repository containing the current directory.
pub fn open_repo() -> Result<Repository> {
    // Like git itself, trust the object store on read (`git fsck` checks it); re-hashing every
    // record blob was a third of the pre-commit hook's work.
    git2::opts::strict_hash_verification(false);
    let repo = Repository::open_from_env().map_err(|_| {
        Error::Usage("not inside a git repository (lineage commands need one)".into())
    })?;
    super::note_object_format(&repo);
    Ok(repo)
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
