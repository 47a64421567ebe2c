//! The git binary for what libgit2 is not asked to do here: fetching and pushing notes (with
//! the user's transports, credentials and configuration). Every value that reaches it was
//! checked by its caller and follows `--end-of-options`.

use std::process::Command;

use super::Repo;

use crate::error::{Error, Result};
use crate::quote;

/// Runs `git ARGS` in the repository's work tree (or git directory); its stderr becomes the
/// error.
pub fn run(repo: &Repo, args: &[&str]) -> Result<()> {
    let dir = repo.workdir().unwrap_or_else(|| repo.path());
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::Git(format!("running git: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Git(format!(
            "git {}: {}",
            args.iter()
                .map(|a| quote::shell_word(a))
                .collect::<Vec<_>>()
                .join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
