//! `provenance status|verify|show|report`.

use std::path::Path;
use std::rc::Rc;

use serde_json::json;

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::lineage::check::{
    check_index, check_range, check_worktree, commits_in_range, open_repo, repo_policy,
    resolve_commit,
};
use crate::lineage::notes::{self, NotePayload};
use crate::lineage::{Finding, Verdict, short, tracked_globs};

use super::args::{ShowArgs, VerifyArgs};

/// `provenance status`: the working tree, like `git status`.
pub fn status(json: bool) -> Result<i32> {
    let repo = open_repo()?;
    let tracked = tracked_globs(&repo_policy(&repo)?.tracked_outputs())?;
    let findings = check_worktree(&repo, &tracked)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"findings": findings, "counts": counts(&findings)})
            )
            .unwrap_or_default()
        );
        return Ok(0);
    }
    let shown = findings
        .iter()
        .filter(|f| f.is_problem() || f.verdict == Verdict::Unchecked);
    for p in shown {
        println!(
            "  {:<10} {}",
            match p.verdict {
                Verdict::Unchecked => "unchecked",
                v => v.as_str().split(' ').next().unwrap_or(""),
            },
            p.line()
        );
    }
    let c = counts(&findings);
    println!(
        "{} fresh, {} stale, {} modified, {} missing, {} unowned, {} tampered, {} cannot be checked",
        c["fresh"],
        c["stale"],
        c["modified"],
        c["missing"],
        c["unowned"],
        c["tampered"],
        c["unchecked"]
    );
    Ok(0)
}

fn counts(findings: &[Finding]) -> serde_json::Value {
    let n = |v: Verdict| findings.iter().filter(|f| f.verdict == v).count();
    json!({"fresh": n(Verdict::Fresh), "stale": n(Verdict::Stale), "modified": n(Verdict::Modified), "missing": n(Verdict::Missing), "unowned": n(Verdict::Unowned), "tampered": n(Verdict::Tampered), "unchecked": n(Verdict::Unchecked)})
}

/// `provenance verify`: the index, one commit, or a range; exit 1 on any violation.
pub fn verify(a: VerifyArgs) -> Result<i32> {
    let repo = open_repo()?;
    let policy = repo_policy(&repo)?;
    let tracked = tracked_globs(&policy.tracked_outputs())?;
    let notes_ref = policy.notes_ref();
    let mut results: Vec<(String, Rc<Vec<Finding>>)> = Vec::new();
    if a.staged {
        let findings = check_index(&repo, &tracked, false)?.unwrap_or_default();
        results.push(("index".into(), Rc::new(findings)));
    } else {
        let commits = match &a.range {
            Some(range) => commits_in_range(&repo, range)?,
            None => vec![resolve_commit(&repo, a.rev.as_deref().unwrap_or("HEAD"))?],
        };
        for (c, findings) in check_range(&repo, &commits, &tracked, &notes_ref)? {
            results.push((c.to_string(), findings));
        }
    }
    let failed = results
        .iter()
        .any(|(_, f)| f.iter().any(Finding::is_problem));
    if a.json {
        let out: Vec<_> = results
            .iter()
            .map(|(at, f)| json!({"at": at, "ok": !f.iter().any(Finding::is_problem), "problems": f.iter().filter(|x| x.is_problem()).collect::<Vec<_>>()}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"ok": !failed, "checked": out}))
                .unwrap_or_default()
        );
    } else {
        for (at, findings) in &results {
            let problems: Vec<&Finding> = findings.iter().filter(|f| f.is_problem()).collect();
            let label = if at == "index" {
                "index".to_string()
            } else {
                short(at).to_string()
            };
            let fresh = findings
                .iter()
                .filter(|f| f.verdict == Verdict::Fresh)
                .count();
            if findings.is_empty() {
                // Never a bare "ok": say that nothing was there to check.
                println!("{label}: nothing checked (no run record)");
            } else if problems.is_empty() {
                println!("{label}: ok ({fresh} file(s) fresh)");
            } else {
                println!("{label}: {} problem(s)", problems.len());
                for p in problems {
                    println!("  {}", p.line());
                }
            }
        }
    }
    Ok(if failed { EXIT_CHECK_FAILED } else { 0 })
}

/// `provenance show [REV|FILE]`.
pub fn show(a: ShowArgs) -> Result<i32> {
    let target = a.target.as_deref().unwrap_or("HEAD");
    if Path::new(target).is_file() {
        let record = crate::provenance::RunRecord::load(Path::new(target), target)?;
        if a.json {
            println!("{}", String::from_utf8_lossy(&record.to_bytes()).trim_end());
        } else {
            println!(
                "{target}: run {} ({}), {} → {}",
                record.run_id, record.workflow_or_command, record.started_at, record.completed_at
            );
            for i in &record.inputs {
                println!(
                    "  input  {:<18} {} {}",
                    i.role,
                    short_blob(&i.fingerprint.git_blob),
                    i.fingerprint.path
                );
            }
            for o in &record.outputs {
                println!(
                    "  output {:<18} {} {} ({})",
                    o.role,
                    short_blob(&o.fingerprint.git_blob),
                    o.fingerprint.path,
                    o.action.as_str()
                );
            }
        }
        return Ok(0);
    }
    let repo = open_repo()?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let commit = resolve_commit(&repo, target)?;
    let Some(note) = notes::read_note(&repo, &notes_ref, commit) else {
        return Err(Error::Usage(format!(
            "{target}: no lineage note on {notes_ref}; run 'contextcore notes attach {target}' or fetch notes"
        )));
    };
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&note).unwrap_or_default()
        );
    } else {
        print_note(&note);
    }
    Ok(0)
}

fn short_blob(b: &Option<String>) -> &str {
    b.as_deref().map(short).unwrap_or("-")
}

fn print_note(note: &NotePayload) {
    println!("commit {}", note.commit);
    for run in &note.runs {
        println!(
            "  {} run {} ({})",
            run.record,
            short(&run.run_id),
            run.workflow_or_command
        );
        for f in &run.inputs {
            println!("    input  {} {}", short_blob(&f.git_blob), f.path);
        }
        for f in &run.outputs {
            println!("    output {} {}", short_blob(&f.git_blob), f.path);
        }
    }
}

/// `provenance report --range A..B`: Markdown for a pull-request comment.
pub fn report(range: &str) -> Result<i32> {
    let repo = open_repo()?;
    let policy = repo_policy(&repo)?;
    let tracked = tracked_globs(&policy.tracked_outputs())?;
    let commits = commits_in_range(&repo, range)?;
    let notes_ref = policy.notes_ref();
    let mut md = format!(
        "## contextcore lineage for `{range}`\n\n| commit | runs | verdict |\n| --- | --- | --- |\n"
    );
    let mut details = String::new();
    let mut failed = false;
    for (c, findings) in &check_range(&repo, &commits, &tracked, &notes_ref)? {
        let commit = repo.find_commit(*c)?;
        let problems: Vec<&Finding> = findings.iter().filter(|f| f.is_problem()).collect();
        failed |= !problems.is_empty();
        let note = notes::read_note(&repo, &policy.notes_ref(), *c)
            .or_else(|| notes::note_for_commit(&repo, *c).ok().flatten());
        let runs = note.as_ref().map_or(0, |n| n.runs.len());
        let verdict = if problems.is_empty() {
            "✅ fresh".to_string()
        } else {
            format!("❌ {} problem(s)", problems.len())
        };
        let subject = commit
            .summary()
            .ok()
            .flatten()
            .unwrap_or("")
            .replace('|', "\\|");
        md.push_str(&format!(
            "| `{}` {subject} | {runs} | {verdict} |\n",
            short(&c.to_string())
        ));
        if let Some(note) = note {
            details.push_str(&format!("\n### `{}` {subject}\n\n", short(&c.to_string())));
            for run in &note.runs {
                let files = |list: &[notes::NoteFile]| {
                    list.iter()
                        .map(|f| {
                            format!(
                                "`{}`@{}",
                                f.path,
                                short_blob(&f.git_blob).get(..7).unwrap_or("-")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                details.push_str(&format!(
                    "- `{}` run `{}` (`{}`): {} → {}\n",
                    run.workflow_or_command,
                    short(&run.run_id),
                    run.record,
                    files(&run.inputs),
                    files(&run.outputs)
                ));
            }
        }
        for p in problems {
            details.push_str(&format!("- ❌ {}\n", p.line()));
        }
    }
    print!("{md}{details}");
    Ok(if failed { EXIT_CHECK_FAILED } else { 0 })
}

/// `provenance export --format in-toto [RECORD|REV]`.
pub fn export_statement(target: Option<&str>) -> Result<i32> {
    let target = target.unwrap_or("HEAD");
    if Path::new(target).is_file() {
        let record = crate::provenance::RunRecord::load(Path::new(target), target)?;
        println!(
            "{}",
            serde_json::to_string_pretty(&crate::intoto::statement(&record)).unwrap_or_default()
        );
        return Ok(0);
    }
    let repo = open_repo()?;
    let commit = resolve_commit(&repo, target)?;
    let tree = repo.find_commit(commit)?.tree()?;
    let map = crate::lineage::view::BlobMap::of_tree(&repo, &tree)?;
    let mut paths: Vec<&String> = map
        .blobs
        .keys()
        .filter(|p| crate::lineage::view::is_record_path(p))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Error::Usage(format!(
            "{target}: the commit holds no run record"
        )));
    }
    for path in paths {
        let blob = crate::lineage::view::find_blob(&repo, map.blobs[path], path)?;
        let json = crate::source::decode(blob.content(), path)
            .and_then(|text| crate::source::parse_json(&text, path))?;
        let record = crate::provenance::RunRecord::from_json(json, path)?;
        println!(
            "{}",
            serde_json::to_string(&crate::intoto::statement(&record)).unwrap_or_default()
        );
    }
    Ok(0)
}
