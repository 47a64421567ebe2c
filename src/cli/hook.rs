//! `hook install`, `hook run …` and `notes attach|push|fetch`.

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::lineage::check::{open_repo, repo_policy, resolve_commit};
use crate::lineage::exchange::{
    drop_side_ref, fetch_and_merge, fetch_incoming, merge_incoming, push, require_remote,
};
use crate::lineage::{hooks, notes, short};
use crate::quote;

use super::args::InstallArgs;

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
    push(&repo, remote, &notes_ref)?;
    println!(
        "pushed {} to {}",
        quote::path(&notes_ref),
        quote::path(remote)
    );
    Ok(0)
}
