//! `hook install`, `hook run …` and `notes attach|push|fetch`.

use std::io::Read;
use std::process::Command;

use git2::Repository;

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::lineage::check::{check_index, open_repo, repo_policy, resolve_commit};
use crate::lineage::{hooks, notes, short, tracked_globs};
use crate::policy::LineageMode;
use crate::quote;

use super::args::{HookName, InstallArgs};

/// `hook install`.
pub fn install(a: InstallArgs) -> Result<i32> {
    if a.print_pre_commit_config {
        print!("{}", hooks::PRE_COMMIT_CONFIG);
        return Ok(0);
    }
    let repo = open_repo()?;
    let policy = repo_policy(&repo)?;
    let notes_ref = policy.notes_ref();
    for done in hooks::install(&repo, &notes_ref, a.force)? {
        match &done.chained {
            Some(c) => println!(
                "  installed    {} (chains to existing hook {})",
                done.path.display(),
                c.display()
            ),
            None => println!("  installed    {}", done.path.display()),
        }
    }
    println!(
        "notes: {notes_ref} follows amend and rebase (notes.rewriteRef) and shows in git log (notes.displayRef)"
    );
    Ok(0)
}

/// `hook run <hook>`.
pub fn run(hook: HookName) -> Result<i32> {
    let repo = open_repo()?;
    let policy = repo_policy(&repo)?;
    match hook {
        HookName::PreCommit => pre_commit(&repo, &policy),
        HookName::PostCommit => {
            if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
                notes::attach(&repo, &policy.notes_ref(), head.id())?;
            }
            Ok(0)
        }
        HookName::PostRewrite => {
            let mut input = String::new();
            let _ = std::io::stdin().read_to_string(&mut input);
            for line in input.lines() {
                let Some(new) = line.split_whitespace().nth(1) else {
                    continue;
                };
                if let Ok(oid) = git2::Oid::from_str(new) {
                    notes::attach(&repo, &policy.notes_ref(), oid)?;
                }
            }
            Ok(0)
        }
    }
}

fn pre_commit(repo: &Repository, policy: &crate::policy::Policy) -> Result<i32> {
    let mode = policy.lineage_mode();
    if mode == LineageMode::Off {
        return Ok(0);
    }
    let checked =
        tracked_globs(&policy.tracked_outputs()).and_then(|t| check_index(repo, &t, true));
    let findings = match checked {
        Ok(Some(findings)) => findings,
        Ok(None) => return Ok(0),
        // In warn mode nothing blocks a commit, not even a check that could not run.
        Err(e) if mode == LineageMode::Warn => {
            eprintln!(
                "contextcore: lineage check could not run: {}",
                quote::line(&e.to_string())
            );
            return Ok(0);
        }
        Err(e) => return Err(e),
    };
    let problems: Vec<_> = findings.iter().filter(|f| f.is_problem()).collect();
    if problems.is_empty() {
        return Ok(0);
    }
    for p in &problems {
        eprintln!("contextcore: {}", p.line());
    }
    if mode == LineageMode::Strict {
        eprintln!(
            "contextcore: commit refused: {} lineage problem(s) (policy lineage.mode: strict)",
            problems.len()
        );
        return Ok(EXIT_CHECK_FAILED);
    }
    eprintln!(
        "contextcore: {} lineage problem(s); committing anyway (lineage.mode: warn)",
        problems.len()
    );
    Ok(0)
}

/// `notes attach [REV]`.
pub fn notes_attach(rev: Option<&str>) -> Result<i32> {
    let repo = open_repo()?;
    let policy = repo_policy(&repo)?;
    let commit = resolve_commit(&repo, rev.unwrap_or("HEAD"))?;
    match notes::attach(&repo, &policy.notes_ref(), commit)? {
        Some(note) => println!(
            "noted {} run(s) on {} in {}",
            note.runs.len(),
            short(&commit.to_string()),
            policy.notes_ref()
        ),
        None => println!(
            "{}: adds or changes no run record; no note",
            short(&commit.to_string())
        ),
    }
    Ok(0)
}

/// `notes fetch [REMOTE]`: fetch into a side ref, validate, merge by run id, join the
/// histories. Exit 1 when a remote note was refused (the valid ones are still merged).
pub fn notes_fetch(remote: &str) -> Result<i32> {
    let repo = open_repo()?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let merged = fetch_and_merge(&repo, remote, &notes_ref)?;
    report_rejected(&merged);
    println!(
        "fetched {notes_ref} from {}; {} note(s) merged",
        quote::path(remote),
        merged.changed
    );
    Ok(if merged.rejected.is_empty() {
        0
    } else {
        EXIT_CHECK_FAILED
    })
}

fn report_rejected(merged: &notes::Merged) {
    for (commit, violation) in &merged.rejected {
        eprintln!(
            "contextcore: tampered: note on {} refused, local notes kept: {}",
            short(&commit.to_string()),
            quote::line(&violation.to_string())
        );
    }
}

/// `notes push [REMOTE]`: push; if the remote moved, fetch and merge, then push again.
pub fn notes_push(remote: &str) -> Result<i32> {
    let repo = open_repo()?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let refspec = format!("{notes_ref}:{notes_ref}");
    if git(&repo, &["push", "--quiet", remote, &refspec]).is_err() {
        report_rejected(&fetch_and_merge(&repo, remote, &notes_ref)?);
        git(&repo, &["push", "--quiet", remote, &refspec])?;
    }
    println!("pushed {notes_ref} to {}", quote::path(remote));
    Ok(0)
}

/// Fetches the remote's notes ref into a side ref and merges it. The remote ref is taken as
/// it is only when that loses nothing (every note valid, every local run kept); otherwise
/// its valid notes are merged note by note and the histories joined.
fn fetch_and_merge(repo: &Repository, remote: &str, notes_ref: &str) -> Result<notes::Merged> {
    let incoming = format!("refs/contextcore/incoming/{remote}");
    git(
        repo,
        &[
            "fetch",
            "--quiet",
            remote,
            &format!("+{notes_ref}:{incoming}"),
        ],
    )?;
    let result = merge_incoming(repo, notes_ref, &incoming);
    if let Ok(mut r) = repo.find_reference(&incoming) {
        let _ = r.delete();
    }
    result
}

fn merge_incoming(repo: &Repository, notes_ref: &str, incoming: &str) -> Result<notes::Merged> {
    let theirs = repo.refname_to_id(incoming)?;
    let ours = repo.refname_to_id(notes_ref).ok();
    if let Some(ours) = ours
        && (ours == theirs || repo.graph_descendant_of(ours, theirs)?)
    {
        return Ok(notes::Merged::default());
    }
    let fast_forward = match ours {
        None => true,
        Some(ours) => repo.graph_descendant_of(theirs, ours)?,
    };
    if fast_forward && notes::keeps_every_local_run(repo, notes_ref, incoming) {
        repo.reference(
            notes_ref,
            theirs,
            true,
            "contextcore notes fetch (fast-forward)",
        )?;
        return Ok(notes::Merged::default());
    }
    let merged = notes::merge_refs(repo, notes_ref, incoming)?;
    // Join the histories so the next push fast-forwards; the tree is ours, merged.
    if let Ok(ours) = repo.refname_to_id(notes_ref) {
        let ours = repo.find_commit(ours)?;
        let theirs_commit = repo.find_commit(theirs)?;
        let sig = notes::signature(repo)?;
        repo.commit(
            Some(notes_ref),
            &sig,
            &sig,
            "contextcore: merge notes by run id",
            &ours.tree()?,
            &[&ours, &theirs_commit],
        )?;
    }
    Ok(merged)
}

fn git(repo: &Repository, args: &[&str]) -> Result<()> {
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
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
