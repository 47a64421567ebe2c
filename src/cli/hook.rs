//! `hook install`, `hook run …` and `notes attach|push|fetch`.

use std::io::Read;
use std::process::Command;

use git2::Repository;

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::lineage::check::{check_index, open_repo, repo_policy, resolve_commit};
use crate::lineage::{hooks, notes, short, tracked_globs};
use crate::policy::LineageMode;

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
            eprintln!("contextcore: lineage check could not run: {e}");
            return Ok(0);
        }
        Err(e) => return Err(e),
    };
    let problems: Vec<_> = findings.iter().filter(|f| f.is_problem()).collect();
    if problems.is_empty() {
        if policy.reproduce() == "hook" {
            return reproduce_staged(repo, mode);
        }
        return Ok(0);
    }
    for p in &problems {
        eprintln!("contextcore: {}", p.line());
    }
    if mode == LineageMode::Fix {
        return super::rerun::fix(repo, &problems);
    }
    if mode == LineageMode::Strict {
        eprintln!(
            "contextcore: commit refused: {} lineage problem(s) (policy lineage.mode: strict)",
            problems.len()
        );
        eprintln!(
            "contextcore: fix: run `contextcore rerun` (it reruns every stale run in dependency order), then `git add` what it regenerated and commit again"
        );
        return Ok(EXIT_CHECK_FAILED);
    }
    eprintln!(
        "contextcore: {} lineage problem(s); committing anyway (lineage.mode: warn)",
        problems.len()
    );
    Ok(0)
}

/// `lineage.reproduce: hook`: the staged runs (records that differ from HEAD's) are
/// re-derived from the index's blobs; an output that comes out different refuses the commit
/// (in warn mode it is printed). A run that cannot be reproduced is a warning.
fn reproduce_staged(repo: &Repository, mode: LineageMode) -> Result<i32> {
    let (blobs, records) = super::lineage::index_snapshot(repo)?;
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let staged: Vec<_> = records
        .into_iter()
        .filter(|rf| {
            let at_head = head
                .as_ref()
                .and_then(|t| t.get_path(std::path::Path::new(&rf.path)).ok())
                .map(|e| e.id());
            at_head != blobs.get(&rf.path).copied()
        })
        .collect();
    let runs = super::reproduce::Reproducer::default().check(repo, &blobs, &staged)?;
    let failing: Vec<_> = runs.iter().filter(|r| r.fails(false)).collect();
    for r in &runs {
        if r.outcome != super::reproduce::Outcome::Reproduced {
            for line in r.lines() {
                eprintln!("contextcore: {line}");
            }
        }
    }
    if failing.is_empty() || mode == LineageMode::Warn {
        return Ok(0);
    }
    eprintln!(
        "contextcore: commit refused: {} staged run(s) do not reproduce their recorded outputs (policy lineage.reproduce: hook): the outputs or the record were edited after the run; restore them, or rerun the command that wrote them",
        failing.len()
    );
    Ok(EXIT_CHECK_FAILED)
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

/// `notes fetch [REMOTE]`: fetch into a side ref, merge by run id, join the histories.
pub fn notes_fetch(remote: &str) -> Result<i32> {
    let repo = open_repo()?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let merged = fetch_and_merge(&repo, remote, &notes_ref)?;
    println!("fetched {notes_ref} from {remote}; {merged} note(s) merged");
    Ok(0)
}

/// `notes push [REMOTE]`: push; if the remote moved, fetch and merge, then push again.
pub fn notes_push(remote: &str) -> Result<i32> {
    let repo = open_repo()?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let refspec = format!("{notes_ref}:{notes_ref}");
    if git(&repo, &["push", "--quiet", remote, &refspec]).is_err() {
        fetch_and_merge(&repo, remote, &notes_ref)?;
        git(&repo, &["push", "--quiet", remote, &refspec])?;
    }
    println!("pushed {notes_ref} to {remote}");
    Ok(0)
}

fn fetch_and_merge(repo: &Repository, remote: &str, notes_ref: &str) -> Result<usize> {
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
    let theirs = repo.refname_to_id(&incoming)?;
    let result = match repo.refname_to_id(notes_ref) {
        Err(_) => {
            repo.reference(notes_ref, theirs, true, "contextcore notes fetch")?;
            Ok(0)
        }
        Ok(ours) if ours == theirs || repo.graph_descendant_of(ours, theirs)? => Ok(0),
        Ok(ours) if repo.graph_descendant_of(theirs, ours)? => {
            repo.reference(
                notes_ref,
                theirs,
                true,
                "contextcore notes fetch (fast-forward)",
            )?;
            Ok(0)
        }
        Ok(_) => {
            let changed = notes::merge_refs(repo, notes_ref, &incoming)?;
            // Join the histories so the next push fast-forwards.
            let ours = repo.find_commit(repo.refname_to_id(notes_ref)?)?;
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
            Ok(changed)
        }
    };
    if let Ok(mut r) = repo.find_reference(&incoming) {
        let _ = r.delete();
    }
    result
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
