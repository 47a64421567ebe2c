//! `contextcore doctor`: whether a clone is set up for lineage — hooks installed where git
//! runs them and calling a binary that exists, the notes configuration, the remotes' notes
//! refspecs, a policy that parses, and run records in HEAD that parse. Each problem comes with
//! the command that fixes it. Reads only.

use std::path::Path;

use crate::git::Repo;
use serde::Serialize;

use super::hooks::{self, HOOKS, MARKER};

/// One check and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    pub detail: String,
    /// The command that fixes a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn ok(check: &str, detail: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn problem(check: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

const INSTALL: &str = "contextcore hook install";

/// Every check, in order. `policy` is the policy's parse result (its notes ref, or the error).
pub fn run(repo: &Repo, policy: Result<String, String>) -> Vec<Check> {
    let mut checks = hook_checks(repo);
    let notes_ref = match policy {
        Ok(notes_ref) => {
            checks.push(Check::ok("policy", "the policy parses (or there is none)"));
            notes_ref
        }
        Err(e) => {
            checks.push(Check::problem(
                "policy",
                e,
                "fix .contextcore-quality.yaml at the position named",
            ));
            "refs/notes/contextcore".into()
        }
    };
    checks.extend(notes_config(repo, &notes_ref));
    checks.extend(remote_refspecs(repo, &notes_ref));
    checks.push(foreign_notes_config(repo));
    checks.push(backups(repo));
    checks.push(records_in_head(repo));
    checks.push(note_on_head(repo, &notes_ref));
    checks
}

/// Each hook: present, ours (or chained), executable, and calling a binary that exists.
fn hook_checks(repo: &Repo) -> Vec<Check> {
    let Ok(dir) = hooks::hooks_dir(repo) else {
        return vec![Check::problem(
            "hooks",
            "the hooks directory cannot be read from the git configuration",
            "git config --unset core.hooksPath",
        )];
    };
    HOOKS
        .iter()
        .map(|hook| {
            let name = format!("hook {hook}");
            let path = dir.join(hook);
            let shown = hooks::shown(repo, &path);
            let Ok(script) = std::fs::read_to_string(&path) else {
                return Check::problem(&name, format!("{shown}: missing"), INSTALL);
            };
            if !script.contains(MARKER) {
                return Check::problem(
                    &name,
                    format!("{shown}: not contextcore's hook"),
                    format!("{INSTALL} (the existing hook is kept and runs first)"),
                );
            }
            if !is_executable(&path) {
                return Check::problem(
                    &name,
                    format!("{shown}: not executable"),
                    format!("chmod +x {}", crate::quote::shell_word(&shown)),
                );
            }
            match called_binary(&script) {
                Some(bin) if !Path::new(&bin).is_file() && !on_path("contextcore") => {
                    Check::problem(
                        &name,
                        format!("{shown} calls {bin}, which does not exist, and no contextcore is on PATH"),
                        format!("reinstall contextcore, then {INSTALL}"),
                    )
                }
                _ => Check::ok(&name, format!("{shown}: installed")),
            }
        })
        .collect()
}

/// `notes.rewriteRef`, `notes.rewriteMode` and `notes.displayRef`, as `hook install` sets them:
/// every value of each (git reads them all), so a stale one left by an earlier release — one
/// that named a branch, say — is found too.
fn notes_config(repo: &Repo, notes_ref: &str) -> Vec<Check> {
    if repo.config_values("notes.rewriteRef").is_none() {
        return Vec::new();
    }
    let values = |key: &str| repo.config_values(key).unwrap_or_default();
    let mut out = Vec::new();
    for (key, want) in [
        ("notes.rewriteRef", notes_ref),
        ("notes.rewriteMode", "ignore"),
        ("notes.displayRef", notes_ref),
    ] {
        let name = format!("git config {key}");
        let found = values(key);
        let shown: Vec<String> = found.iter().map(|v| crate::quote::path(v)).collect();
        out.push(if found.is_empty() {
            Check::problem(&name, format!("{key} is not set"), INSTALL)
        } else if found.iter().all(|v| v == want) {
            Check::ok(&name, format!("{key} = {}", shown.join(", ")))
        } else {
            Check::problem(
                &name,
                format!(
                    "{key} is {}, not {}",
                    shown.join(", "),
                    crate::quote::path(want)
                ),
                format!(
                    "git config --replace-all {key} {}",
                    crate::quote::shell_word(want)
                ),
            )
        });
    }
    out
}

/// Fetch refspecs that bring something other than notes into `refs/contextcore/`: an earlier
/// release wrote the policy's `notes_ref` there unchecked, so a pull request could leave a
/// branch in every remote's refspecs after the developer left it. (`notes.displayRef` and
/// `notes.rewriteRef` are checked against the policy's ref by [`notes_config`].)
fn foreign_notes_config(repo: &Repo) -> Check {
    const CHECK: &str = "notes refspecs";
    let Some(entries) = repo.config_entries(r"^remote\..*\.fetch$") else {
        return Check::ok(CHECK, "no git configuration to read");
    };
    let mut found: Vec<(String, String)> = Vec::new();
    for (name, value) in entries {
        // Only the refspecs that bring notes into contextcore's side refs.
        let source = match value.split_once(':') {
            Some((src, dst)) if dst.starts_with("refs/contextcore/") => src.trim_start_matches('+'),
            _ => continue,
        };
        if !source.starts_with(crate::refname::NOTES_PREFIX) {
            found.push((name, value));
        }
    }
    if found.is_empty() {
        return Check::ok(
            CHECK,
            "every refspec into refs/contextcore/ fetches from refs/notes/",
        );
    }
    let detail = found
        .iter()
        .map(|(k, v)| format!("{k} = {}", crate::quote::path(v)))
        .collect::<Vec<_>>()
        .join(", ");
    let fix = found
        .iter()
        .map(|(k, v)| {
            format!(
                "git config --fixed-value --unset {} {}",
                crate::quote::shell_word(k),
                crate::quote::shell_word(v)
            )
        })
        .collect::<Vec<_>>()
        .join(" && ");
    Check::problem(
        CHECK,
        format!("{detail}: outside refs/notes/"),
        format!("{fix}, then {INSTALL}"),
    )
}

/// Backups of replaced files: how many files have reached the number of backups kept.
fn backups(repo: &Repo) -> Check {
    const CHECK: &str = "backups";
    let dir = repo.path().join("contextcore").join("backups");
    let full = crate::fsio::files_at_backup_bound(&dir);
    if full.is_empty() {
        return Check::ok(
            CHECK,
            format!(
                "no file has reached the {} backups kept",
                crate::fsio::BACKUPS_KEPT
            ),
        );
    }
    let shown: Vec<String> = full
        .iter()
        .take(5)
        .map(|p| hooks::shown(repo, p))
        .map(|p| crate::quote::path(&p))
        .collect();
    Check::problem(
        CHECK,
        format!(
            "{} file(s) have {} backups, the most kept; the next replacement drops the oldest ({}{})",
            full.len(),
            crate::fsio::BACKUPS_KEPT,
            shown.join(", "),
            if full.len() > 5 { ", …" } else { "" }
        ),
        format!(
            "copy what you need out of {}; older backups are removed as newer ones arrive",
            crate::quote::shell_word(&hooks::shown(repo, &dir))
        ),
    )
}

/// Each remote fetches the notes ref, so `git fetch` brings other clones' lineage.
fn remote_refspecs(repo: &Repo, notes_ref: &str) -> Vec<Check> {
    let Ok(remotes) = repo.remotes() else {
        return Vec::new();
    };
    remotes
        .iter()
        .map(|remote| {
            let name = format!("remote {remote}");
            let wanted = hooks::notes_refspec(notes_ref, remote);
            let fetches = repo
                .fetch_refspecs(remote)
                .is_ok_and(|specs| specs.contains(&wanted));
            let remote_shown = crate::quote::path(remote);
            if fetches {
                Check::ok(&name, format!("{remote_shown} fetches {notes_ref}"))
            } else {
                Check::problem(
                    &name,
                    format!("{remote_shown} does not fetch {notes_ref}"),
                    format!(
                        "git config --add {} {}",
                        crate::quote::shell_word(&format!("remote.{remote}.fetch")),
                        crate::quote::shell_word(&wanted)
                    ),
                )
            }
        })
        .collect()
}

/// Every run record committed in HEAD parses.
fn records_in_head(repo: &Repo) -> Check {
    let Some(tree) = repo.head_tree() else {
        return Check::ok("records in HEAD", "no commit yet");
    };
    let mut count = 0;
    let mut broken = Vec::new();
    tree.walk_blobs(repo, &mut |dir, name, id| {
        let name = crate::path_bytes::encode(name);
        if crate::paths::is_run_record_name(&name) {
            count += 1;
            let parsed = repo
                .blob(id)
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b.content()).ok())
                .and_then(|j| crate::provenance::RunRecord::from_json(j, &name).ok());
            if parsed.is_none() {
                broken.push(format!("{dir}{name}"));
            }
        }
    });
    if broken.is_empty() {
        Check::ok("records in HEAD", format!("{count} run record(s) parse"))
    } else {
        Check::problem(
            "records in HEAD",
            format!("{} does not parse as a run record", broken.join(", ")),
            "rerun the command that wrote it (see `contextcore provenance verify`)",
        )
    }
}

/// HEAD's lineage note: there when HEAD adds run records, and valid (what its records say).
fn note_on_head(repo: &Repo, notes_ref: &str) -> Check {
    use super::notes::{self, NoteRead};
    const CHECK: &str = "note on HEAD";
    let Some(head) = repo.head_commit() else {
        return Check::ok(CHECK, "no commit yet");
    };
    let id = head.id().to_string();
    let fix = format!("contextcore notes attach {}", &id[..12]);
    let read = notes::load_note(repo, notes_ref, head.id()).and_then(|read| match read {
        NoteRead::Absent => {
            notes::changed_records(repo, head.id()).map(|added| (read, added.len()))
        }
        read => Ok((read, 0)),
    });
    match read {
        Err(e) => Check::problem(
            CHECK,
            e.to_string(),
            "fetch the objects it names, then run doctor again",
        ),
        Ok((NoteRead::Invalid(v), _)) => Check::problem(CHECK, v.to_string(), fix),
        Ok((NoteRead::Absent, 0)) => Check::ok(CHECK, "HEAD adds no run record"),
        Ok((NoteRead::Absent, added)) => Check::problem(
            CHECK,
            format!("HEAD adds {added} run record(s) and has no note on {notes_ref}"),
            fix,
        ),
        Ok((NoteRead::Valid(note), _)) if note.schema == notes::NOTE_SCHEMA => Check::ok(
            CHECK,
            format!(
                "{} run(s), in the JSON form of earlier releases (still read; `{fix}` rewrites it as text)",
                note.runs.len()
            ),
        ),
        Ok((NoteRead::Valid(note), _)) => Check::ok(
            CHECK,
            format!("{} run(s), each what its record says", note.runs.len()),
        ),
    }
}

/// The binary a hook script calls (`cc='…'`).
fn called_binary(script: &str) -> Option<String> {
    let line = script.lines().find(|l| l.starts_with("cc="))?;
    let quoted = line.strip_prefix("cc=")?;
    Some(quoted.trim_matches('\'').replace("'\\''", "'").to_string())
}

fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}
