//! Opening the repository git would use, naming commits, and what a repository holds besides
//! objects and the index: HEAD, refs, configuration and remotes.

use std::path::Path;

use super::id::ObjectId;
use super::objects::{Commit, Tree};
use crate::error::{Error, Result};

/// An open repository. Everything above `src/git/` reaches git through this type and the
/// functions of this layer, never through libgit2 itself.
pub struct Repo(pub(super) git2::Repository);

/// Opens the repository git would use from `dir`: with `GIT_DIR` set, the one the
/// environment names (and `GIT_WORK_TREE`, `GIT_COMMON_DIR`), as git does; else the
/// repository containing `dir` (a linked worktree opens as itself, sharing its common dir).
pub fn open_repository(dir: &Path) -> Option<Repo> {
    let repo = if std::env::var_os("GIT_DIR").is_some() {
        git2::Repository::open_from_env().ok()
    } else {
        git2::Repository::discover(dir).ok()
    }?;
    super::note_object_format(&repo);
    Some(Repo(repo))
}

/// Opens the repository containing the current directory.
pub fn open_repo() -> Result<Repo> {
    // Like git itself, trust the object store on read (`git fsck` checks it); re-hashing every
    // record blob was a third of the pre-commit hook's work.
    git2::opts::strict_hash_verification(false);
    let repo = git2::Repository::open_from_env().map_err(|_| {
        Error::Usage("not inside a git repository (lineage commands need one)".into())
    })?;
    super::note_object_format(&repo);
    Ok(Repo(repo))
}

/// Resolves a revision to a commit id.
pub fn resolve_commit(repo: &Repo, rev: &str) -> Result<ObjectId> {
    let object = repo
        .0
        .revparse_single(rev)
        .map_err(|_| Error::Usage(format!("{rev}: unknown revision")))?;
    Ok(ObjectId(object.peel_to_commit()?.id()))
}

/// The commits of `A..B`, oldest first.
pub fn commits_in_range(repo: &Repo, range: &str) -> Result<Vec<ObjectId>> {
    let mut walk = repo.0.revwalk()?;
    if range.contains("..") {
        walk.push_range(range)
            .map_err(|e| Error::Usage(format!("{range}: not a commit range ({})", e.message())))?;
    } else {
        walk.push(resolve_commit(repo, range)?.0)?;
    }
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    Ok(walk.filter_map(|c| c.ok()).map(ObjectId).collect())
}

impl Repo {
    /// The work tree, if the repository has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.0.workdir()
    }

    /// The git directory (`.git`, or `.git/worktrees/<name>` for a linked worktree).
    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// The common git directory (the main worktree's, for a linked one).
    pub fn commondir(&self) -> &Path {
        self.0.commondir()
    }

    /// The commit HEAD points at; `None` before the first commit.
    pub fn head_id(&self) -> Option<ObjectId> {
        self.0.head().ok()?.target().map(ObjectId)
    }

    /// HEAD's commit; `None` before the first commit.
    pub fn head_commit(&self) -> Option<Commit<'_>> {
        self.0.head().ok()?.peel_to_commit().ok().map(Commit)
    }

    /// HEAD's tree; `None` before the first commit.
    pub fn head_tree(&self) -> Option<Tree<'_>> {
        self.0.head().ok()?.peel_to_tree().ok().map(Tree)
    }

    /// The branch HEAD names, also before its first commit; `None` when HEAD is detached.
    pub fn head_branch(&self) -> Option<String> {
        match self.0.head() {
            Ok(head) if head.is_branch() => head.shorthand().ok().map(String::from),
            Ok(_) => None,
            // Unborn branch: HEAD names a branch with no commit yet.
            Err(_) => self
                .0
                .find_reference("HEAD")
                .ok()?
                .symbolic_target()
                .ok()
                .flatten()
                .and_then(|t| t.strip_prefix("refs/heads/"))
                .map(String::from),
        }
    }

    /// Where HEAD's branch and its upstream meet; `None` without an upstream.
    pub fn upstream_merge_base(&self) -> Option<ObjectId> {
        let head = self.0.head().ok()?;
        let upstream = self
            .0
            .find_branch(head.shorthand().ok()?, git2::BranchType::Local)
            .ok()?
            .upstream()
            .ok()?
            .get()
            .target()?;
        self.0
            .merge_base(head.target()?, upstream)
            .ok()
            .map(ObjectId)
    }

    /// The two ends of `A..B`, as commits; `None` when `range` is not of that form or an end
    /// is not a commit.
    pub fn range_ends(&self, range: &str) -> Result<Option<(ObjectId, ObjectId)>> {
        let spec = self
            .0
            .revparse(range)
            .map_err(|e| Error::Usage(format!("{range}: not a commit range ({})", e.message())))?;
        let commit = |o: Option<&git2::Object>| o?.peel_to_commit().ok().map(|c| ObjectId(c.id()));
        Ok(commit(spec.from()).zip(commit(spec.to())))
    }

    /// The commit a ref points at.
    pub fn ref_id(&self, name: &str) -> Result<ObjectId> {
        Ok(ObjectId(self.0.refname_to_id(name)?))
    }

    /// Points `name` at `id`, creating or moving it.
    pub fn set_ref(&self, name: &str, id: ObjectId, message: &str) -> Result<()> {
        self.0.reference(name, id.0, true, message)?;
        Ok(())
    }

    /// Deletes the ref `name` if it exists.
    pub fn delete_ref(&self, name: &str) {
        if let Ok(mut r) = self.0.find_reference(name) {
            let _ = r.delete();
        }
    }

    /// Whether `commit` has `ancestor` in its history.
    pub fn is_descendant_of(&self, commit: ObjectId, ancestor: ObjectId) -> Result<bool> {
        Ok(self.0.graph_descendant_of(commit.0, ancestor.0)?)
    }

    /// Whether the index has an entry at or under the work-tree-relative `prefix` (`""`: any).
    pub fn tracks_under(&self, prefix: &str) -> bool {
        let Ok(index) = self.0.index() else {
            return false;
        };
        index.iter().any(|e| {
            let path = crate::path_bytes::encode(&e.path);
            prefix.is_empty() || crate::path_bytes::is_at_or_under(&path, prefix)
        })
    }

    /// Every value of a (multi-valued) configuration key, as git reads them all.
    pub fn config_values(&self, key: &str) -> Option<Vec<String>> {
        let config = self.0.config().and_then(|mut c| c.snapshot()).ok()?;
        let mut out = Vec::new();
        if let Ok(mut entries) = config.multivar(key, None) {
            while let Some(Ok(e)) = entries.next() {
                out.extend(e.value().ok().map(String::from));
            }
        }
        Some(out)
    }

    /// The configuration entries whose names match `pattern` (a regular expression), as
    /// (name, value); `None` when there is no configuration to read.
    pub fn config_entries(&self, pattern: &str) -> Option<Vec<(String, String)>> {
        let config = self.0.config().and_then(|mut c| c.snapshot()).ok()?;
        let mut out = Vec::new();
        if let Ok(mut entries) = config.entries(Some(pattern)) {
            while let Some(Ok(entry)) = entries.next() {
                if let (Ok(name), Ok(value)) = (entry.name(), entry.value()) {
                    out.push((name.to_string(), value.to_string()));
                }
            }
        }
        Some(out)
    }

    /// Sets a key in the repository's own configuration.
    pub fn set_config(&self, key: &str, value: &str) -> Result<()> {
        self.0.config()?.set_str(key, value)?;
        Ok(())
    }

    /// The names of the configured remotes.
    pub fn remotes(&self) -> Result<Vec<String>> {
        Ok(self
            .0
            .remotes()?
            .iter()
            .flatten()
            .flatten()
            .map(String::from)
            .collect())
    }

    /// Whether a remote of that name is configured.
    pub fn has_remote(&self, name: &str) -> bool {
        self.0.find_remote(name).is_ok()
    }

    /// A remote's fetch refspecs.
    pub fn fetch_refspecs(&self, remote: &str) -> Result<Vec<String>> {
        Ok(self
            .0
            .find_remote(remote)?
            .fetch_refspecs()?
            .iter()
            .flatten()
            .flatten()
            .map(String::from)
            .collect())
    }

    /// Adds a fetch refspec to a remote.
    pub fn add_fetch_refspec(&self, remote: &str, spec: &str) -> Result<()> {
        self.0.remote_add_fetch(remote, spec)?;
        Ok(())
    }
}
