//! What each git hook does when it runs (`contextcore hook run <hook>`): the pre-commit family
//! checks the index (and in fix mode reruns what is stale), the post-commit family attaches
//! notes and says what a commit made without our check left stale.

use std::io::Read;

use crate::error::{EXIT_CHECK_FAILED, Result};
use crate::git::{ObjectId, Repo};
use crate::lineage::check::{check_index, open_repo, repo_policy};
use crate::lineage::{notes, short, tracked_globs};
use crate::policy::LineageMode;
use crate::quote;

/// The hooks `hook install` installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    PreCommit,
    PreMergeCommit,
    PreApplypatch,
    PostCommit,
    PostMerge,
    PostRewrite,
}

/// `hook run <hook>`.
pub fn run(hook: Hook) -> Result<i32> {
    let repo = open_repo()?;
    let policy = repo_policy(&repo)?;
    match hook {
        Hook::PreCommit | Hook::PreMergeCommit | Hook::PreApplypatch => pre_commit(&repo, &policy),
        Hook::PostCommit | Hook::PostMerge => {
            if let Some(head) = repo.head_commit() {
                notes::attach(&repo, &policy.notes_ref(), head.id())?;
                // A commit git made without our pre-commit check (cherry-pick, a merge with
                // conflicts resolved, --no-verify) says at once what it left stale.
                tell_verdict(&repo, &policy, &[head.id()]);
            }
            Ok(0)
        }
        Hook::PostRewrite => {
            let mut input = String::new();
            let _ = std::io::stdin().read_to_string(&mut input);
            let rewritten: Vec<ObjectId> = input
                .lines()
                .filter_map(|line| line.split_whitespace().nth(1))
                .filter_map(|new| crate::git::oid(new).ok())
                .collect();
            // The pre-commit framework runs this hook without git's old → new list on stdin:
            // then the rewritten commits are HEAD and its first parents that lack a note.
            let rewritten = if rewritten.is_empty() {
                unnoted_head_commits(&repo, &policy.notes_ref())
            } else {
                rewritten
            };
            for &oid in &rewritten {
                notes::attach(&repo, &policy.notes_ref(), oid)?;
            }
            tell_verdict(&repo, &policy, &rewritten);
            Ok(0)
        }
    }
}

/// Prints, on stderr, the lineage problems of commits just made (a post-commit, post-merge
/// or post-rewrite hook cannot refuse them any more) and the commands that fix them. Silent
/// when they hold, when lineage is off, or when the check cannot run.
fn tell_verdict(repo: &Repo, policy: &crate::policy::Policy, commits: &[ObjectId]) {
    if policy.lineage_mode() == LineageMode::Off || commits.is_empty() {
        return;
    }
    let Ok(tracked) = tracked_globs(&policy.tracked_outputs()) else {
        return;
    };
    // Right after a commit or merge the index is the new commit's tree: the index check
    // (blob ids from the index, records from the claims cache) gives its verdict without
    // walking the tree. A rewrite made several commits: each tree is checked.
    let head = repo.head_id();
    let checked: Vec<(ObjectId, Vec<crate::lineage::Finding>)> = match commits {
        [one] if Some(*one) == head => match check_index(repo, &tracked, false) {
            Ok(findings) => vec![(*one, findings.unwrap_or_default())],
            Err(_) => return,
        },
        _ => match crate::lineage::check::check_range(
            repo,
            commits,
            &tracked,
            &policy.notes_ref(),
            &mut |_, _| {},
        ) {
            Ok(checked) => checked
                .into_iter()
                .map(|(c, f)| (c, f.as_ref().clone()))
                .collect(),
            Err(_) => return,
        },
    };
    for (commit, findings) in checked {
        let problems: Vec<_> = findings.iter().filter(|f| f.is_problem()).collect();
        if problems.is_empty() {
            continue;
        }
        eprintln!(
            "contextcore: commit {} has {} lineage problem(s):",
            short(&commit.to_string()),
            problems.len()
        );
        for p in problems {
            eprintln!("contextcore:   {}", p.line());
        }
        eprintln!(
            "contextcore: fix: `contextcore rerun`, `git add` what it regenerated, then `git commit --amend` (or a new commit)"
        );
    }
}

/// HEAD and its first parents up to the first one with a note, the upstream merge-base, or 100
/// commits: the commits a rewrite just made, when git's list of them is not at hand.
fn unnoted_head_commits(repo: &Repo, notes_ref: &str) -> Vec<ObjectId> {
    // A rewrite only touches commits the upstream does not have yet.
    let stop = repo.upstream_merge_base();
    let mut out = Vec::new();
    let mut commit = repo.head_commit();
    while let Some(c) = commit {
        if out.len() >= 100 || Some(c.id()) == stop || repo.has_note(notes_ref, c.id()) {
            break;
        }
        out.push(c.id());
        commit = c.first_parent();
    }
    out
}

fn pre_commit(repo: &Repo, policy: &crate::policy::Policy) -> Result<i32> {
    let mode = policy.lineage_mode();
    if mode == LineageMode::Off {
        return Ok(0);
    }
    let checked =
        tracked_globs(&policy.tracked_outputs()).and_then(|t| check_index(repo, &t, true));
    let findings = match checked {
        Ok(Some(findings)) => findings,
        // Nothing staged touches lineage, or every staged record holds its claims; a staged
        // record may still be a forgery that only replaying it shows.
        Ok(None) if policy.reproduce() == "hook" => return reproduce_staged(repo, policy),
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
        if policy.reproduce() == "hook" {
            return reproduce_staged(repo, policy);
        }
        return Ok(0);
    }
    for p in &problems {
        eprintln!("contextcore: {}", p.line());
    }
    if mode == LineageMode::Fix {
        return crate::lineage::rerun::fix(repo, &problems);
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
fn reproduce_staged(repo: &Repo, policy: &crate::policy::Policy) -> Result<i32> {
    let mode = policy.lineage_mode();
    let allowed = policy.unverifiable_allowed();
    let (blobs, records) = crate::lineage::reproduce::index_snapshot(repo)?;
    let head = repo.head_tree();
    let staged: Vec<_> = records
        .into_iter()
        .filter(|rf| {
            let at_head = head.as_ref().and_then(|t| t.get(&rf.path)).map(|e| e.id);
            at_head != blobs.get(&rf.path).copied()
        })
        .collect();
    let runs = crate::lineage::reproduce::Reproducer::default().check(repo, &blobs, &staged)?;
    let failing: Vec<_> = runs.iter().filter(|r| r.fails(false, &allowed)).collect();
    for r in &runs {
        if r.outcome != crate::lineage::reproduce::Outcome::Reproduced {
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
