//! What git's status says: whether tracked files differ from HEAD, and the untracked files.

use super::Repo;

use crate::error::{Error, Result};

/// Whether tracked files differ from HEAD (staged or not). libgit2 answers for an ordinary
/// index; for a large one (over 2 MiB, about 20,000 files) or one libgit2 cannot read (split,
/// some sparse ones) git's own `status` does: about five times faster at 100,000 files, and
/// it takes no lock and rewrites nothing (`--no-optional-locks`). Unknown counts as dirty:
/// a record never claims a clean tree it did not see.
pub fn is_dirty(repo: &Repo, root: &std::path::Path) -> bool {
    let index_size = std::fs::metadata(repo.path().join("index")).map_or(0, |m| m.len());
    if index_size < 2 << 20 {
        let mut options = git2::StatusOptions::new();
        options.include_untracked(false).include_ignored(false);
        if let Ok(statuses) = repo.0.statuses(Some(&mut options)) {
            return !statuses.is_empty();
        }
    }
    let out = std::process::Command::new("git")
        .args(["--no-optional-locks", "status", "--porcelain", "-uno", "-z"])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .output();
    match out {
        Ok(out) if out.status.success() => !out.stdout.is_empty(),
        _ => true,
    }
}

/// Untracked, not ignored files, as `git ls-files` lists them: it walks the directories
/// only, where libgit2's status also stats every tracked file (at 100,000 files that was most
/// of `provenance status`), and it reads split and sparse indexes. Without git, libgit2.
pub fn untracked_files(repo: &Repo, root: &std::path::Path) -> Result<Vec<String>> {
    let listed = std::process::Command::new("git")
        .args(["ls-files", "-z", "--others", "--exclude-standard"])
        .current_dir(root)
        .output();
    let out = match listed {
        Ok(out) => out,
        Err(e) => {
            let mut options = git2::StatusOptions::new();
            options
                .include_untracked(true)
                .recurse_untracked_dirs(true)
                .include_ignored(false);
            let statuses = repo
                .0
                .statuses(Some(&mut options))
                .map_err(|_| Error::Git(format!("running git ls-files: {e}")))?;
            return Ok(statuses
                .iter()
                .filter(|s| s.status().contains(git2::Status::WT_NEW))
                .map(|s| crate::path_bytes::encode(s.path_bytes()))
                .collect());
        }
    };
    if !out.status.success() {
        return Err(Error::Git(format!(
            "git ls-files --others: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(crate::path_bytes::encode)
        .collect())
}
