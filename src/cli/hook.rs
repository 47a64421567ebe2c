//! `hook install`, `hook run …` and `notes attach|push|fetch`.

use std::io::Read;

use crate::git::{ObjectId, Repo};

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
        let path = hooks::shown(&repo, &done.path);
        match &done.chained {
            Some(c) => println!(
                "  installed    {path} (chains to existing hook {})",
                hooks::shown(&repo, c)
            ),
            None => println!("  installed    {path}"),
        }
    }
    let shown_ref = quote::path(&notes_ref);
    println!(
        "notes: {shown_ref} follows amend and rebase (notes.rewriteRef) and shows in git log (notes.displayRef)"
    );
    for remote in hooks::add_notes_refspecs(&repo, &notes_ref)? {
        println!(
            "notes: git fetch from {} now brings its {shown_ref} (merged by `contextcore notes fetch`)",
            quote::path(&remote)
        );
    }
    Ok(0)
}

/// `doctor`: each setup check, and the command that fixes each problem; exit 1 on a problem.
pub fn doctor(json: bool) -> Result<i32> {
    let repo = open_repo()?;
    let policy = repo_policy(&repo)
        .map(|p| p.notes_ref())
        .map_err(|e| e.to_string());
    let checks = crate::lineage::doctor::run(&repo, policy);
    let problems = checks.iter().filter(|c| !c.ok).count();
    if json {
        let report = serde_json::json!({"ok": problems == 0, "checks": checks});
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        for c in &checks {
            match &c.fix {
                Some(fix) if !c.ok => println!(
                    "problem  {}: {}\n         fix: {}",
                    quote::line(&c.check),
                    quote::line(&c.detail),
                    quote::line(fix)
                ),
                _ => println!(
                    "ok       {}: {}",
                    quote::line(&c.check),
                    quote::line(&c.detail)
                ),
            }
        }
        println!(
            "{}",
            if problems == 0 {
                "this clone is set up for lineage".to_string()
            } else {
                format!("{problems} problem(s)")
            }
        );
    }
    Ok(if problems == 0 {
        0
    } else {
        crate::error::EXIT_CHECK_FAILED
    })
}

/// `hook run <hook>`.
pub fn run(hook: HookName) -> Result<i32> {
    let repo = open_repo()?;
    let policy = repo_policy(&repo)?;
    match hook {
        HookName::PreCommit | HookName::PreMergeCommit | HookName::PreApplypatch => {
            pre_commit(&repo, &policy)
        }
        HookName::PostCommit | HookName::PostMerge => {
            if let Some(head) = repo.head_commit() {
                notes::attach(&repo, &policy.notes_ref(), head.id())?;
                // A commit git made without our pre-commit check (cherry-pick, a merge with
                // conflicts resolved, --no-verify) says at once what it left stale.
                tell_verdict(&repo, &policy, &[head.id()]);
            }
            Ok(0)
        }
        HookName::PostRewrite => {
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
    let (blobs, records) = super::lineage::index_snapshot(repo)?;
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

/// `notes attach [REV | --range A..B]`.
pub fn notes_attach(rev: Option<&str>, range: Option<&str>) -> Result<i32> {
    let repo = open_repo()?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let commits = match range {
        Some(range) => crate::lineage::check::commits_in_range(&repo, range)?,
        None => vec![resolve_commit(&repo, rev.unwrap_or("HEAD"))?],
    };
    let mut refused = 0;
    for commit in commits {
        let at = short(&commit.to_string()).to_string();
        match notes::attach(&repo, &notes_ref, commit) {
            Ok(Some(note)) => println!(
                "noted {} run(s) on {at} in {}",
                note.runs.len(),
                quote::path(&notes_ref)
            ),
            Ok(None) => println!("{at}: adds or changes no run record; no note"),
            // One commit's tampered record does not stop a range: it is named, and counted.
            Err(e @ Error::Untrusted { .. }) if range.is_some() => {
                eprintln!("contextcore: {at}: not noted: {e}");
                refused += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(if refused == 0 { 0 } else { EXIT_CHECK_FAILED })
}

/// `notes fetch [REMOTE]`: fetch into a side ref, validate, merge by run id, join the
/// histories. Exit 1 when a remote note was refused (the valid ones are still merged).
pub fn notes_fetch(remote: &str) -> Result<i32> {
    let repo = open_repo()?;
    require_remote(&repo, remote)?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let merged = fetch_and_merge(&repo, remote, &notes_ref)?;
    report_rejected(&merged);
    println!(
        "fetched {} from {}; {} note(s) new or merged",
        quote::path(&notes_ref),
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
    for (commit, violation) in &merged.replaced {
        eprintln!(
            "contextcore: tampered: local note on {} fails now that its commit is here, replaced by the note its records give: {}",
            short(&commit.to_string()),
            quote::line(&violation.to_string())
        );
    }
}

/// `notes push [REMOTE]`: fetch and merge the remote's notes, check every note that the push
/// would add to the remote, then push. Nothing is pushed while one fails validation or is on
/// a commit this clone does not have (exit 1).
pub fn notes_push(remote: &str) -> Result<i32> {
    let repo = open_repo()?;
    require_remote(&repo, remote)?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let incoming = fetch_incoming(&repo, remote, &notes_ref, true)?;
    let checked = (|| {
        if let Some(incoming) = &incoming {
            report_rejected(&merge_incoming(&repo, &notes_ref, incoming)?);
        }
        notes::unpushable(&repo, &notes_ref, incoming.as_deref())
    })();
    drop_side_ref(&repo, incoming.as_deref());
    let unpushable = checked?;
    if !unpushable.is_empty() {
        for (commit, why) in &unpushable {
            eprintln!(
                "contextcore: not pushed: note on {}: {}",
                short(&commit.to_string()),
                quote::line(why)
            );
        }
        eprintln!(
            "contextcore: nothing pushed: {} note(s) cannot be vouched for; `contextcore notes attach <commit>` rewrites a note from its commit's records",
            unpushable.len()
        );
        return Ok(EXIT_CHECK_FAILED);
    }
    let refspec = format!("{notes_ref}:{notes_ref}");
    crate::git::remote::run(
        &repo,
        &["push", "--quiet", "--end-of-options", remote, &refspec],
    )?;
    println!(
        "pushed {} to {}",
        quote::path(&notes_ref),
        quote::path(remote)
    );
    Ok(0)
}

/// A usage error naming the fix when `remote` is not a configured remote. A URL or a path is
/// taken as given, as git takes it; nothing that git could read as an option is.
fn require_remote(repo: &Repo, remote: &str) -> Result<()> {
    if remote.starts_with('-') || remote.chars().any(quote::is_unprintable) {
        return Err(Error::Usage(format!(
            "{}: not a remote name, URL or path",
            quote::path(remote)
        )));
    }
    if remote.contains(['/', ':']) || repo.has_remote(remote) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "no remote named {}; add it with `git remote add {} URL` or name another remote",
        quote::path(remote),
        quote::shell_word(remote)
    )))
}

/// Fetches the remote's notes ref into a side ref and merges it. The remote ref is taken as
/// it is only when that loses nothing (every note valid, every local run kept); otherwise
/// its valid notes are merged note by note and the histories joined.
fn fetch_and_merge(repo: &Repo, remote: &str, notes_ref: &str) -> Result<notes::Merged> {
    let Some(incoming) = fetch_incoming(repo, remote, notes_ref, false)? else {
        return Ok(notes::Merged::default());
    };
    let result = merge_incoming(repo, notes_ref, &incoming);
    drop_side_ref(repo, Some(&incoming));
    result
}

/// Fetches the remote's notes ref into its side ref ([`incoming_ref`]) and names it; `None`
/// when the remote has no notes yet and `missing_ok`.
fn fetch_incoming(
    repo: &Repo,
    remote: &str,
    notes_ref: &str,
    missing_ok: bool,
) -> Result<Option<String>> {
    let incoming = incoming_ref(remote);
    let fetched = crate::git::remote::run(
        repo,
        &[
            "fetch",
            "--quiet",
            "--no-write-fetch-head",
            "--end-of-options",
            remote,
            &format!("+{notes_ref}:{incoming}"),
        ],
    );
    match fetched {
        Ok(()) => Ok(Some(incoming)),
        Err(Error::Git(e)) if missing_ok && e.contains("couldn't find remote ref") => Ok(None),
        Err(e) => Err(e),
    }
}

fn drop_side_ref(repo: &Repo, side: Option<&str>) {
    if let Some(side) = side {
        repo.delete_ref(side);
    }
}

/// The side ref a remote's notes are fetched into: the remote's name, or a hash of a URL or
/// path given instead (which need not make a valid ref name).
fn incoming_ref(remote: &str) -> String {
    let plain = remote
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
    if plain {
        format!("refs/contextcore/incoming/{remote}")
    } else {
        let digest = crate::fingerprint::Digests::of_bytes(remote.as_bytes()).sha256;
        format!("refs/contextcore/incoming/url-{}", &digest[..16])
    }
}

/// Merges the fetched notes at `incoming` into `notes_ref`. First every local note that
/// differs from the remote's and is on a commit this clone has is checked against its
/// records: one merged as text before its commit arrived never wins over the remote's.
fn merge_incoming(repo: &Repo, notes_ref: &str, incoming: &str) -> Result<notes::Merged> {
    let replaced = notes::replace_invalid_local(repo, notes_ref, incoming)?;
    let mut merged = merge_checked(repo, notes_ref, incoming)?;
    merged.replaced = replaced;
    Ok(merged)
}

fn merge_checked(repo: &Repo, notes_ref: &str, incoming: &str) -> Result<notes::Merged> {
    let theirs = repo.ref_id(incoming)?;
    let ours = repo.ref_id(notes_ref).ok();
    if let Some(ours) = ours
        && (ours == theirs || repo.is_descendant_of(ours, theirs)?)
    {
        return Ok(notes::Merged::default());
    }
    let fast_forward = match ours {
        None => true,
        Some(ours) => repo.is_descendant_of(theirs, ours)?,
    };
    if fast_forward && notes::keeps_every_local_run(repo, notes_ref, incoming)? {
        let count = |r: &str| repo.notes(r).len();
        let brought = count(incoming).saturating_sub(count(notes_ref));
        repo.set_ref(notes_ref, theirs, "contextcore notes fetch (fast-forward)")?;
        return Ok(notes::Merged {
            changed: brought,
            ..notes::Merged::default()
        });
    }
    let merged = notes::merge_refs(repo, notes_ref, incoming)?;
    // Join the histories so the next push fast-forwards; the tree is ours, merged.
    repo.join_notes(notes_ref, theirs, "contextcore: merge notes by run id")?;
    Ok(merged)
}
