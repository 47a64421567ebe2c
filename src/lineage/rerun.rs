//! `rerun [PATH…]` and the pre-commit hook's fix mode: find the runs of the working tree that
//! are stale (or whose outputs were edited or deleted), order them by their dependencies, and
//! replay each with its recorded options through the normal writer.

use std::collections::BTreeSet;

use crate::git::Repo;
use serde_json::json;

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::fsio::Action;
use crate::lineage::check::{check_worktree_records, open_repo, repo_policy};
use crate::lineage::{Finding, RecordFile, SEED_COMMANDS, Verdict, hint, order, tracked_globs};
use crate::quote;
use crate::workspace::Workspace;

use super::replay;

/// Verdicts a rerun fixes.
const RERUN_FIXES: &[Verdict] = &[Verdict::Stale, Verdict::Modified, Verdict::Missing];

/// One run replayed (or, in a dry run, to be replayed).
pub(crate) struct Rerun {
    pub record: String,
    pub command: String,
    pub hint: String,
    /// Why it runs: its own problems, or `after <record>` for a run downstream of one.
    pub reason: String,
    pub code: Option<i32>,
    /// Files written whose content changed (created or updated).
    pub changed: Vec<String>,
}

/// `contextcore rerun [PATH…]`: the runs that write under `paths` (all when empty), or, with
/// `dry_run`, what would run; `json` prints one report.
pub fn run(paths: &[std::path::PathBuf], dry_run: bool, json: bool) -> Result<i32> {
    let repo = open_repo()?;
    let root = worktree_root(&repo)?;
    let workspace = Workspace::discover(&root);
    let scope: Vec<String> = paths
        .iter()
        .map(|p| {
            let p = crate::workspace::absolute(p);
            if workspace.is_outside(&p) {
                return Err(Error::Usage(format!(
                    "{}: outside the repository",
                    crate::quote::fs_path(&p)
                )));
            }
            Ok(workspace.record_path(&p, &root))
        })
        .collect::<Result<_>>()?;
    let in_scope = |rf: &RecordFile| {
        scope.is_empty()
            || std::iter::once(rf.path.as_str())
                .chain(
                    rf.record
                        .outputs
                        .iter()
                        .map(|o| o.fingerprint.path.as_str()),
                )
                .any(|p| scope.iter().any(|s| under(p, s)))
    };
    let runs = rerun_where(&repo, &in_scope, dry_run, json)?;
    let remaining = if dry_run {
        Vec::new()
    } else {
        remaining_problems(&repo, &in_scope)?
    };
    if json {
        let report = json!({
            "dry_run": dry_run,
            "runs": runs.iter().map(|r| json!({
                "record": r.record, "command": r.command, "rerun": r.hint, "reason": r.reason,
                "exit_code": r.code, "changed": r.changed,
            })).collect::<Vec<_>>(),
            "fresh": remaining.is_empty(),
            "problems": remaining,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else if dry_run {
        if runs.is_empty() {
            println!("nothing to rerun: every run is fresh");
        }
        for (n, r) in runs.iter().enumerate() {
            println!("{}. {} ({}): {}", n + 1, r.record, r.reason, r.hint);
        }
    } else if remaining.is_empty() {
        if runs.is_empty() {
            println!("nothing to rerun: every run is fresh");
        } else {
            let changed: usize = runs.iter().map(|r| r.changed.len()).sum();
            println!(
                "reran {} run(s), {changed} file(s) changed; every run is fresh",
                runs.len()
            );
        }
    } else {
        for f in &remaining {
            println!("  {}", f.line());
        }
        println!("{} lineage problem(s) remain", remaining.len());
    }
    let failed = runs.iter().any(|r| r.code.is_some_and(|c| c != 0));
    Ok(if failed || !remaining.is_empty() {
        EXIT_CHECK_FAILED
    } else {
        0
    })
}

fn worktree_root(repo: &Repo) -> Result<std::path::PathBuf> {
    let root = repo
        .workdir()
        .ok_or_else(|| Error::Usage("a bare repository has no working tree to rerun in".into()))?;
    Ok(root.canonicalize().unwrap_or_else(|_| root.to_path_buf()))
}

/// Whether a record path lies at or under a scope path.
fn under(path: &str, scope: &str) -> bool {
    let scope = scope.trim_end_matches('/');
    scope.is_empty() || scope == "." || crate::path_bytes::is_at_or_under(path, scope)
}

/// Problems a rerun should have fixed that remain, for the runs `select` picks.
fn remaining_problems(repo: &Repo, select: &dyn Fn(&RecordFile) -> bool) -> Result<Vec<Finding>> {
    let tracked = tracked_globs(&repo_policy(repo)?.tracked_outputs())?;
    let (records, findings) = check_worktree_records(repo, &tracked)?;
    let chosen: BTreeSet<&str> = records
        .iter()
        .filter(|rf| select(rf))
        .map(|rf| rf.path.as_str())
        .collect();
    Ok(findings
        .into_iter()
        .filter(|f| RERUN_FIXES.contains(&f.verdict))
        .filter(|f| f.record.as_deref().is_some_and(|r| chosen.contains(r)))
        .collect())
}

/// Reruns, in dependency order, the working tree's runs that `select` picks and that have a
/// problem a rerun fixes (plus the runs downstream of them). A cycle or a run that cannot be
/// replayed stops everything before anything runs. Seed runs (`manifest init`,
/// `init-from-plan`) are never rerun: that would overwrite the edited manifest.
pub(crate) fn rerun_where(
    repo: &Repo,
    select: &dyn Fn(&RecordFile) -> bool,
    dry_run: bool,
    quiet: bool,
) -> Result<Vec<Rerun>> {
    let root = worktree_root(repo)?;
    let tracked = tracked_globs(&repo_policy(repo)?.tracked_outputs())?;
    let (records, findings) = check_worktree_records(repo, &tracked)?;
    // A record that fails validation cannot be replayed: nothing it says is trusted.
    let tampered: Vec<String> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Tampered)
        .map(Finding::line)
        .collect();
    if !tampered.is_empty() {
        return Err(Error::Usage(format!(
            "nothing rerun: {}; restore the record from git (`git restore -- <record>`) or delete it",
            tampered.join("; ")
        )));
    }
    let problems = |rf: &RecordFile| -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| RERUN_FIXES.contains(&f.verdict) && f.record.as_deref() == Some(&rf.path))
            .collect()
    };
    let wanted: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, rf)| !SEED_COMMANDS.contains(&rf.record.workflow_or_command.as_str()))
        .filter(|(_, rf)| select(rf) && !problems(rf).is_empty())
        .map(|(i, _)| i)
        .collect();
    let planned = order::plan(&records, &wanted).map_err(|cycle| {
        let names: Vec<String> = cycle
            .iter()
            .map(|&i| format!("{} ({})", records[i].path, records[i].record.workflow_or_command))
            .collect();
        Error::Usage(format!(
            "cannot order the reruns: these runs read each other's outputs (a cycle): {}; nothing was run",
            names.join(", ")
        ))
    })?;
    // Who claims each output, so no replay writes a file another record owns.
    let mut claims: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for rf in &records {
        // A record is its own: no replay of another run may write it.
        claims
            .entry(rf.path.as_str())
            .or_default()
            .push(rf.path.as_str());
        for o in &rf.record.outputs {
            claims
                .entry(o.fingerprint.path.as_str())
                .or_default()
                .push(rf.path.as_str());
        }
    }
    let checker = Owned {
        root: &root,
        claims: &claims,
    };
    let mut replays = Vec::new();
    let mut refused = Vec::new();
    for &i in &planned {
        let rf = &records[i];
        // The claims cache keeps only what lineage checks; a replay needs the whole record.
        let full = full_record(&root, &rf.path)?;
        let replay = match replay::from_record(&full, &root, replay::Mode::Rerun) {
            Ok(r) => r,
            Err(why) => {
                refused.push(format!("{}: {why}", quote::path(&rf.path)));
                continue;
            }
        };
        let site = rerun_site(repo, &root, rf, &replay, &problems(rf), quiet)?;
        // A run reading what an earlier rerun rewrites may not plan yet (its input is
        // missing); it is checked again just before it runs.
        let planned = match replay.planned_writes(&site) {
            Ok(writes) => {
                if let Err(why) = checker.check(&rf.path, &full, &writes) {
                    refused.push(format!("{}: {why}", quote::path(&rf.path)));
                    continue;
                }
                true
            }
            Err(_) => false,
        };
        replays.push((i, full, replay, site, planned));
    }
    if !refused.is_empty() {
        return Err(Error::Usage(format!(
            "cannot replay {} run(s); nothing was run:\n  {}",
            refused.len(),
            refused.join("\n  ")
        )));
    }
    let mut out = Vec::new();
    for (i, full, replay, site, planned) in replays {
        let rf = &records[i];
        let own = problems(rf);
        let reason = match own.first() {
            Some(f) => format!("{}: {}", f.verdict.as_str(), f.path),
            None => {
                let upstream: Vec<&str> = out
                    .iter()
                    .map(|r: &Rerun| r.record.as_str())
                    .filter(|r| reads_output_of(rf, &records, r))
                    .collect();
                format!("after {}", upstream.join(", "))
            }
        };
        let mut rerun = Rerun {
            record: rf.path.clone(),
            command: rf.record.workflow_or_command.clone(),
            hint: hint::command(&full),
            reason,
            code: None,
            changed: Vec::new(),
        };
        if dry_run {
            out.push(rerun);
            continue;
        }
        // Checked again when it could not be planned before, or when earlier reruns may have
        // changed what it reads (and so the names it writes).
        if !planned || !out.is_empty() {
            let writes = replay.planned_writes(&site)?;
            if let Err(why) = checker.check(&rf.path, &full, &writes) {
                return Err(Error::Usage(format!(
                    "{}: cannot replay: {why}; the runs before it were rerun, this one and those after it were not",
                    quote::path(&rf.path)
                )));
            }
        }
        if !quiet {
            println!(
                "rerun {} ({}): {}",
                quote::path(&rerun.record),
                quote::line(&rerun.reason),
                rerun.hint
            );
        }
        let ran = replay.run(&site)?;
        rerun.code = Some(ran.code);
        rerun.changed = ran
            .finished
            .iter()
            .flat_map(|f| f.files.iter().chain(f.record.iter().map(|(o, _)| o)))
            .filter(|o| o.action != Action::Unchanged)
            .map(|o| o.shown.clone())
            .collect();
        let stop = ran.code != 0;
        out.push(rerun);
        if stop {
            // Later runs would read what this one failed to write.
            eprintln!(
                "error: {} exited {}; the runs after it were not rerun",
                quote::path(&rf.path),
                ran.code
            );
            break;
        }
    }
    Ok(out)
}

/// The ownership check of replays in the working tree: what each record claims.
struct Owned<'a> {
    root: &'a std::path::Path,
    claims: &'a std::collections::HashMap<&'a str, Vec<&'a str>>,
}

impl Owned<'_> {
    fn check(
        &self,
        record_path: &str,
        record: &crate::lineage::LineageRecord,
        writes: &[String],
    ) -> std::result::Result<(), String> {
        let other = |path: &str| {
            self.claims
                .get(path)
                .and_then(|c| c.iter().find(|r| **r != record_path))
                .map(|r| r.to_string())
        };
        let exists = |path: &str| {
            self.root
                .join(crate::path_bytes::path_or_text(path))
                .exists()
        };
        replay::check_owned(record_path, record, writes, &exists, &other)
    }
}

/// Where a rerun of `rf` runs: the working tree, the policy the run read, and — for a run
/// whose inputs are all fresh, rerun to restore edited or deleted outputs — its recorded
/// document time, so they come back byte for byte and its record still holds.
fn rerun_site(
    repo: &Repo,
    root: &std::path::Path,
    rf: &RecordFile,
    replay: &replay::Replay,
    own: &[&Finding],
    quiet: bool,
) -> Result<crate::ops::Site> {
    let restoring = !own.is_empty() && own.iter().all(|f| f.verdict != Verdict::Stale);
    // Backups of what a replay replaces stay under the git directory, whatever the policy
    // says: a record's policy must not aim `<file>.bak` writes at files in the work tree.
    Ok(crate::ops::Site {
        workspace: Workspace::discover(root),
        policy: replay.load_policy()?.without("lineage.backup"),
        document_time: restoring
            .then(|| super::reproduce::document_time(repo, rf))
            .flatten(),
        quiet,
        recorded: Some(rf.record.config_snapshot.clone()),
    })
}

/// Whether `rf` reads an output of the run recorded at `upstream`.
fn reads_output_of(rf: &RecordFile, records: &[RecordFile], upstream: &str) -> bool {
    records
        .iter()
        .filter(|u| u.path == upstream)
        .flat_map(|u| &u.record.outputs)
        .any(|o| {
            rf.record
                .inputs
                .iter()
                .any(|i| i.fingerprint.path == o.fingerprint.path)
        })
}

/// The hook's fix mode: reruns the runs behind `problems` (found in the index), then says what
/// it regenerated. Always stops the commit: what was regenerated must be reviewed and added.
pub(crate) fn fix(repo: &Repo, problems: &[&Finding]) -> Result<i32> {
    let records: BTreeSet<&str> = problems
        .iter()
        .filter(|f| RERUN_FIXES.contains(&f.verdict))
        .filter_map(|f| f.record.as_deref())
        .collect();
    if records.is_empty() {
        eprintln!(
            "contextcore: commit refused: {} lineage problem(s) no rerun fixes (policy lineage.mode: fix)",
            problems.len()
        );
        return Ok(EXIT_CHECK_FAILED);
    }
    let runs = match rerun_where(repo, &|rf| records.contains(rf.path.as_str()), false, true) {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("contextcore: lineage.mode fix could not rerun: {e}");
            eprintln!("contextcore: commit refused (policy lineage.mode: fix)");
            return Ok(EXIT_CHECK_FAILED);
        }
    };
    let changed: Vec<&str> = runs
        .iter()
        .flat_map(|r| &r.changed)
        .map(String::as_str)
        .collect();
    for r in &runs {
        eprintln!(
            "contextcore: reran {} ({})",
            quote::path(&r.record),
            quote::line(&r.command)
        );
    }
    if changed.is_empty() {
        eprintln!(
            "contextcore: commit refused: the working tree is already up to date; `git add` the files above and commit again"
        );
    } else {
        eprintln!(
            "contextcore: commit refused: regenerated {} file(s); review them, `git add` them and commit again:",
            changed.len()
        );
        for c in &changed {
            eprintln!("  {}", quote::path(c));
        }
    }
    Ok(EXIT_CHECK_FAILED)
}

/// A run record read in full from the working tree (validated like every record).
fn full_record(root: &std::path::Path, path: &str) -> Result<crate::lineage::LineageRecord> {
    let file = root.join(crate::path_bytes::path_or_text(path));
    let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
    crate::lineage::view::parse_record(&bytes, path)
}
