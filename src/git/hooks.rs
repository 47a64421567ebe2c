//! Where git runs hooks from.

use std::path::PathBuf;

use super::Repo;

use crate::error::Result;

/// The hooks directory git runs hooks from (`git rev-parse --git-path hooks`):
/// `core.hooksPath` (relative to the work tree), else `hooks` in the common git directory —
/// a linked worktree shares its main repository's hooks; git never runs
/// `.git/worktrees/<name>/hooks`.
pub fn hooks_dir(repo: &Repo) -> Result<PathBuf> {
    let configured = repo.0.config()?.get_path("core.hooksPath").ok();
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        None => repo.commondir().join("hooks"),
    })
}
