//! Installing git hooks: thin scripts in the repository's hooks directory (honouring
//! `core.hooksPath`), chaining to a foreign hook instead of clobbering it, and the git
//! configuration that makes notes follow amend and rebase and show in `git log`.

use std::path::{Path, PathBuf};

use crate::git::Repo;

use crate::error::{Error, Result};
use crate::fsio::{self, Backups};
pub use crate::git::hooks::hooks_dir;

/// The hooks contextcore installs.
/// Every way git makes a commit has a hook here: `pre-commit`, `pre-merge-commit` (an
/// automatic merge) and `pre-applypatch` (`git am`) check the index before the commit;
/// `post-commit`, `post-merge` and `post-rewrite` (amend, rebase; cherry-pick runs
/// post-commit) note the new commits and print their verdict.
pub const HOOKS: &[&str] = &[
    "pre-commit",
    "pre-merge-commit",
    "pre-applypatch",
    "post-commit",
    "post-merge",
    "post-rewrite",
];
/// Marks a hook script as ours.
pub const MARKER: &str = "# installed by contextcore hook install";
/// Suffix of a foreign hook we moved aside and chain to.
pub const CHAINED_SUFFIX: &str = ".pre-contextcore";

/// What installing one hook did.
#[derive(Debug)]
pub struct Installed {
    pub hook: String,
    pub path: PathBuf,
    /// A foreign hook that is kept and now runs first.
    pub chained: Option<PathBuf>,
}

/// Writes the hook scripts and sets the notes configuration.
pub fn install(repo: &Repo, notes_ref: &str, force: bool) -> Result<Vec<Installed>> {
    crate::refname::check_notes_ref(notes_ref).map_err(|why| {
        Error::Usage(format!(
            "notes ref {}: {why}",
            crate::quote::path(notes_ref)
        ))
    })?;
    let dir = hooks_dir(repo)?;
    refuse_tracked(repo, &dir)?;
    fsio::create_dir(&dir)?;
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "contextcore".into());
    let mut done = Vec::new();
    for hook in HOOKS {
        let path = dir.join(hook);
        let chained_path = dir.join(format!("{hook}{CHAINED_SUFFIX}"));
        let existing = std::fs::read_to_string(&path).ok();
        let ours = existing.as_deref().is_some_and(|s| s.contains(MARKER));
        if existing.is_some() && !ours && !force {
            if chained_path.exists() {
                return Err(Error::Usage(format!(
                    "{}: a foreign hook exists and {} is taken; move one aside or pass --force",
                    path.display(),
                    chained_path.display()
                )));
            }
            std::fs::rename(&path, &chained_path).map_err(|e| Error::io(&path, e))?;
        }
        let chained = chained_path.exists().then_some(chained_path);
        let script = script(hook, &exe, chained.as_deref());
        fsio::write_atomic(&path, script.as_bytes(), &Backups::Beside)?;
        make_executable(&path)?;
        done.push(Installed {
            hook: hook.to_string(),
            path,
            chained,
        });
    }
    repo.set_config("notes.rewriteRef", notes_ref)?;
    repo.set_config("notes.rewrite.amend", "true")?;
    repo.set_config("notes.rewrite.rebase", "true")?;
    // Our post-commit already noted the rewritten commit; never concatenate two JSON notes.
    repo.set_config("notes.rewriteMode", "ignore")?;
    repo.set_config("notes.displayRef", notes_ref)?;
    Ok(done)
}

/// Refuses a hooks directory that git tracks (`core.hooksPath` pointing at `.githooks/` in
/// the work tree): its hooks are the team's, and ours would put this machine's binary path in
/// them for `git add -A` to commit. The message says how to chain from the tracked hooks.
fn refuse_tracked(repo: &Repo, dir: &Path) -> Result<()> {
    let Some(root) = repo.workdir() else {
        return Ok(());
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let abs = crate::workspace::absolute(dir);
    let abs = abs.canonicalize().unwrap_or(abs);
    let Ok(rel) = abs.strip_prefix(&root) else {
        return Ok(());
    };
    let prefix = crate::path_bytes::text_of(rel);
    if !repo.tracks_under(&prefix) {
        return Ok(());
    }
    let shown = crate::quote::path(&prefix);
    let lines: Vec<String> = HOOKS
        .iter()
        .map(|h| format!("  {shown}/{h}:  contextcore hook run {h} \"$@\""))
        .collect();
    Err(Error::Usage(format!(
        "{shown}: git tracks this hooks directory (core.hooksPath), so its hooks are the team's; nothing was written.\n\
         Chain from the tracked hooks instead, committing a line like these (post-rewrite also needs git's list on stdin):\n{}\n\
         or use the pre-commit framework: contextcore hook install --print-pre-commit-config",
        lines.join("\n")
    )))
}

/// A path as the user sees it: relative to the work tree when it is inside it.
pub fn shown(repo: &Repo, path: &Path) -> String {
    let root = repo.workdir().and_then(|w| w.canonicalize().ok());
    let dir = path.parent().and_then(|p| p.canonicalize().ok());
    let abs = match (dir, path.file_name()) {
        (Some(d), Some(name)) => d.join(name),
        _ => path.to_path_buf(),
    };
    match root.as_deref().and_then(|r| abs.strip_prefix(r).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    }
}

/// The fetch refspec that brings a remote's notes: into `refs/contextcore/remotes/<remote>/`,
/// never onto the local notes ref (a forced fetch there would drop notes not pushed yet);
/// `notes fetch` merges them by run id. A glob, so `git fetch` does not fail on a remote that
/// has no notes yet.
pub fn notes_refspec(notes_ref: &str, remote: &str) -> String {
    let name = notes_ref.rsplit('/').next().unwrap_or("contextcore");
    format!("+{notes_ref}*:refs/contextcore/remotes/{remote}/{name}*")
}

/// Adds [`notes_refspec`] to every remote's fetch refspecs (once), so `git fetch` brings the
/// lineage other clones pushed.
pub fn add_notes_refspecs(repo: &Repo, notes_ref: &str) -> Result<Vec<String>> {
    let mut added = Vec::new();
    for remote in repo.remotes()? {
        let wanted = notes_refspec(notes_ref, &remote);
        if !repo.fetch_refspecs(&remote)?.contains(&wanted) {
            repo.add_fetch_refspec(&remote, &wanted)?;
            added.push(remote);
        }
    }
    Ok(added)
}

/// A path as one single-quoted shell word (a `'` inside becomes `'\''`).
fn quoted(path: &str) -> String {
    format!("'{}'", path.replace('\'', "'\\''"))
}

fn script(hook: &str, exe: &str, chained: Option<&Path>) -> String {
    let mut s = format!(
        "#!/bin/sh\n{MARKER}\n# Runs contextcore's {hook} check; reinstall with `contextcore hook install`.\ncc={}\n[ -x \"$cc\" ] || cc=contextcore\n",
        quoted(exe)
    );
    let chained = chained.map(|p| quoted(&p.display().to_string()));
    if hook == "post-rewrite" {
        s.push_str("input=$(cat)\n");
        if let Some(c) = &chained {
            s.push_str(&format!(
                "printf '%s\\n' \"$input\" | {c} \"$@\" || exit $?\n"
            ));
        }
        s.push_str(&format!(
            "printf '%s\\n' \"$input\" | \"$cc\" hook run {hook} \"$@\"\n"
        ));
    } else {
        if let Some(c) = &chained {
            s.push_str(&format!("{c} \"$@\" || exit $?\n"));
        }
        s.push_str(&format!("exec \"$cc\" hook run {hook} \"$@\"\n"));
    }
    s
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}

/// The snippet for a `.pre-commit-config.yaml` that uses the pre-commit framework.
pub const PRE_COMMIT_CONFIG: &str = "\
default_install_hook_types: [pre-commit, pre-merge-commit, post-commit, post-merge, post-rewrite]
repos:
  - repo: local
    hooks:
      - id: contextcore-lineage
        name: contextcore lineage (run records match committed outputs)
        entry: contextcore hook run pre-commit
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-commit, pre-merge-commit]
      - id: contextcore-notes-merge
        name: contextcore notes (the merge commit's run records)
        entry: contextcore hook run post-merge
        language: system
        pass_filenames: false
        always_run: true
        stages: [post-merge]
      - id: contextcore-notes
        name: contextcore notes (attach the commit's run records)
        entry: contextcore hook run post-commit
        language: system
        pass_filenames: false
        always_run: true
        stages: [post-commit]
      - id: contextcore-notes-rewrite
        name: contextcore notes after amend and rebase
        entry: contextcore hook run post-rewrite
        language: system
        pass_filenames: false
        always_run: true
        stages: [post-rewrite]
";

#[cfg(test)]
mod tests {
    #[test]
    fn paths_with_quotes_stay_one_shell_word() {
        let script = super::script("pre-commit", "/opt/it's/contextcore", None);
        let out = std::process::Command::new("sh")
            .args(["-n", "-c", &script])
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}");
        assert!(
            script.contains("cc='/opt/it'\\''s/contextcore'"),
            "{script}"
        );
    }
}
