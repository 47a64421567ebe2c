//! `provenance status|verify|show|report`.

use std::path::Path;
use std::rc::Rc;

use serde_json::json;

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::lineage::check::checking_policy;
use crate::lineage::check::{
    check_index, check_range, check_worktree, commits_in_range, open_repo, repo_policy,
    resolve_commit,
};
use crate::lineage::notes::{self, NotePayload, NoteRead};
use crate::lineage::reproduce::{Outcome, Reproducer, RunCheck, commit_snapshot, index_snapshot};
use crate::lineage::{Finding, Verdict, hint, short, tracked_globs};
use crate::quote;

use super::args::{ShowArgs, VerifyArgs};
use super::progress::Progress;

/// `provenance status`: the working tree, like `git status`.
pub fn status(json: bool) -> Result<i32> {
    let repo = open_repo()?;
    let tracked = tracked_globs(&repo_policy(&repo)?.tracked_outputs())?;
    let findings = check_worktree(&repo, &tracked)?;
    let interrupted = crate::output::interrupted_runs(&crate::workspace::Workspace::current());
    if json {
        let interrupted: Vec<_> = interrupted
            .iter()
            .map(|(dir, started)| json!({"output_dir": dir, "started_at": started}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "findings": findings,
                "counts": counts(&findings),
                "interrupted_runs": interrupted,
            }))
            .unwrap_or_default()
        );
        return Ok(0);
    }
    for (dir, started) in &interrupted {
        println!(
            "  interrupted the run writing {} (started {started}) did not finish; `contextcore rerun` finishes it",
            quote::path(dir)
        );
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

/// `provenance verify`: the index, one commit, or a range; exit 1 on any violation. With
/// `--reproduce` (or in CI when the policy's `lineage.reproduce` is `ci` or `hook`), every run
/// is also re-derived and its outputs compared byte for byte. For a range, the settings come
/// from the policy in the base commit's tree ([`checking_policy`]).
pub fn verify(a: VerifyArgs) -> Result<i32> {
    let repo = open_repo()?;
    let (policy, policy_change) = checking_policy(&repo, a.range.as_deref())?;
    let tracked = tracked_globs(&policy.tracked_outputs())?;
    let notes_ref = policy.notes_ref();
    let allowed = policy.unverifiable_allowed();
    let reproduce = a.reproduce || (in_ci() && policy.reproduce() != "off");
    let mut reproducer = Reproducer::default();
    let mut results: Vec<Checked> = Vec::new();
    let shard = a.shard.as_deref().map(Shard::parse).transpose()?;
    let mut replayed: Vec<Replayed> = Vec::new();
    if let Some(change) = &policy_change
        && !a.json
    {
        eprintln!("note: {}", quote::line(change));
    }
    if a.staged {
        let findings = check_index(&repo, &tracked, false)?.unwrap_or_default();
        let runs = if reproduce {
            let (blobs, records) = index_snapshot(&repo)?;
            reproducer.check(&repo, &blobs, &records)?
        } else {
            Vec::new()
        };
        results.push(("index".into(), Rc::new(findings), runs));
    } else {
        let all = match &a.range {
            Some(range) => commits_in_range(&repo, range)?,
            None => vec![resolve_commit(&repo, a.rev.as_deref().unwrap_or("HEAD"))?],
        };
        let commits = shard.map_or(&all[..], |s| s.commits(&all));
        let checking = Progress::new(!a.json, "checking commit", commits.len());
        let checked = check_range(&repo, commits, &tracked, &notes_ref, &mut |n, c| {
            checking.show(n, short(&c.to_string()))
        })?;
        checking.done();
        if let Some(shard) = shard {
            if reproduce {
                replayed = shard_runs(&repo, &all, shard, !a.json)?;
            }
            results.extend(
                checked
                    .into_iter()
                    .map(|(c, findings)| (c.to_string(), findings, Vec::new())),
            );
            return report_verify(
                &a,
                reproduce,
                &allowed,
                policy_change,
                Some(shard),
                &results,
                &replayed,
            );
        }
        let progress = Progress::new(reproduce && !a.json, "reproducing commit", checked.len());
        for (n, (c, findings)) in checked.into_iter().enumerate() {
            let runs = if reproduce {
                progress.show(n, short(&c.to_string()));
                let (blobs, records) = commit_snapshot(&repo, c)?;
                reproducer.check(&repo, &blobs, &records)?
            } else {
                Vec::new()
            };
            results.push((c.to_string(), findings, runs));
        }
        progress.done();
    }
    report_verify(
        &a,
        reproduce,
        &allowed,
        policy_change,
        None,
        &results,
        &replayed,
    )
}

/// What was checked (a commit id, or "index"), its findings and its reproduced runs.
type Checked = (String, Rc<Vec<Finding>>, Vec<RunCheck>);

/// Prints a verify's verdicts (per commit, then the runs a shard replayed) and picks the exit
/// code.
fn report_verify(
    a: &VerifyArgs,
    reproduce: bool,
    allowed: &[String],
    policy_change: Option<String>,
    shard: Option<Shard>,
    results: &[Checked],
    replayed: &[Replayed],
) -> Result<i32> {
    let fails = |f: &[Finding], runs: &[RunCheck]| {
        f.iter().any(Finding::is_problem) || runs.iter().any(|r| r.fails(a.strict, allowed))
    };
    let failed = results.iter().any(|(_, f, runs)| fails(f, runs))
        || replayed.iter().any(|r| r.check.fails(a.strict, allowed));
    // Under a shard, a commit's runs are replayed by the part that owns each run.
    let elsewhere = if shard.is_some() && reproduce {
        "; its runs are replayed by the shards that own them"
    } else {
        ""
    };
    if a.json {
        let out: Vec<_> = results
            .iter()
            .map(|(at, f, runs)| {
                let mut entry = json!({"at": at, "ok": !fails(f, runs), "problems": f.iter().filter(|x| x.is_problem()).collect::<Vec<_>>()});
                if reproduce {
                    entry["reproduce"] = json!(runs);
                }
                entry
            })
            .collect();
        let mut report = json!({
            "ok": !failed,
            "reproduce": reproduce,
            "policy_change": policy_change,
            "checked": out
        });
        if let Some(shard) = shard {
            report["shard"] = json!(shard.to_string());
            report["runs"] = json!(
                replayed
                    .iter()
                    .map(|r| json!({"first_at": r.first_at, "commits": r.commits, "ok": !r.check.fails(a.strict, allowed), "reproduce": r.check}))
                    .collect::<Vec<_>>()
            );
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        for (at, findings, runs) in results {
            let label = if at == "index" {
                "index".to_string()
            } else {
                short(at).to_string()
            };
            println!("{label}: {}{elsewhere}", commit_verdict(findings, runs));
            for p in findings.iter().filter(|f| f.is_problem()) {
                println!("  {}", p.line());
            }
            for run in runs {
                for line in run.lines() {
                    println!("  {line}");
                }
                warn_allowed(&label, run, a.strict, allowed);
            }
        }
        if let Some(shard) = shard.filter(|_| reproduce) {
            println!(
                "shard {shard}: {} distinct run(s) of the range replayed here",
                replayed.len()
            );
            for r in replayed {
                let label = short(&r.first_at).to_string();
                println!(
                    "{label} (and {} later commit(s) holding the same run):",
                    r.commits - 1
                );
                for line in r.check.lines() {
                    println!("  {line}");
                }
                warn_allowed(&label, &r.check, a.strict, allowed);
            }
        }
    }
    Ok(if failed { EXIT_CHECK_FAILED } else { 0 })
}

/// Warns of a run that cannot be reproduced for a reason the policy allows.
fn warn_allowed(label: &str, run: &RunCheck, strict: bool, allowed: &[String]) {
    if run.outcome == Outcome::Unverifiable && !run.fails(strict, allowed) {
        eprintln!(
            "warning: {label}: {} cannot be reproduced: {} (allowed by lineage.unverifiable_allowed; --strict makes this fail)",
            run.record,
            run.reason.as_deref().unwrap_or("")
        );
    }
}

/// One part of a sharded verify: `K/N`.
#[derive(Clone, Copy)]
struct Shard {
    k: usize,
    n: usize,
}

impl Shard {
    fn parse(text: &str) -> Result<Self> {
        let parsed = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((k, n)) if (1..=n).contains(&k) && n <= 1000 => Ok(Self { k, n }),
            _ => Err(Error::Usage(format!(
                "--shard {}: expected K/N with 1 <= K <= N <= 1000 (e.g. 2/4)",
                quote::line(text)
            ))),
        }
    }

    /// This part's commits: the K-th of N consecutive parts (consecutive commits share most
    /// of their trees, which the check reads incrementally).
    fn commits<T>(self, all: &[T]) -> &[T] {
        let at = |i: usize| all.len() * i / self.n;
        &all[at(self.k - 1)..at(self.k)]
    }

    /// Whether the i-th distinct run (in order of first appearance) is this part's.
    fn owns_run(self, i: usize) -> bool {
        i % self.n == self.k - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// A distinct run of the range a shard replayed: where it first appears, in how many commits,
/// and its verdict (the same in each: same record and input blobs).
struct Replayed {
    first_at: String,
    commits: usize,
    check: RunCheck,
}

/// Replays the distinct runs of the whole range that `shard` owns: every part walks the same
/// commits in the same order, so all agree on which run is whose without talking.
fn shard_runs(
    repo: &crate::git::Repo,
    all: &[crate::git::ObjectId],
    shard: Shard,
    show: bool,
) -> Result<Vec<Replayed>> {
    let mut order: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<Replayed> = Vec::new();
    let mut mine: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut reproducer = Reproducer::default();
    let progress = Progress::new(show, "reading runs of commit", all.len());
    for (n, &c) in all.iter().enumerate() {
        progress.show(n, short(&c.to_string()));
        let (blobs, records) = commit_snapshot(repo, c)?;
        for rf in &records {
            let key = crate::lineage::reproduce::run_key(&blobs, rf);
            let next = order.len();
            let i = *order.entry(key).or_insert(next);
            if !shard.owns_run(i) {
                continue;
            }
            match mine.get(&i) {
                Some(&at) => out[at].commits += 1,
                None => {
                    mine.insert(i, out.len());
                    out.push(Replayed {
                        first_at: c.to_string(),
                        commits: 1,
                        check: reproducer.check_run(repo, &blobs, rf)?,
                    });
                }
            }
        }
    }
    progress.done();
    Ok(out)
}

/// A commit's verdict in one phrase. Never a bare "ok": not when nothing was there to check,
/// and not while a run could not be reproduced, whether or not the policy allows it.
fn commit_verdict(findings: &[Finding], runs: &[RunCheck]) -> String {
    let problems = findings.iter().filter(|f| f.is_problem()).count();
    let fresh = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fresh)
        .count();
    let unverifiable = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Unverifiable)
        .count();
    let differs = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Differs)
        .count();
    if problems > 0 {
        format!("{problems} problem(s)")
    } else if differs > 0 {
        format!("{differs} run(s) do not reproduce")
    } else if unverifiable > 0 {
        format!("unverified ({fresh} file(s) fresh; {unverifiable} run(s) cannot be reproduced)")
    } else if findings.is_empty() {
        "nothing checked (no run record)".to_string()
    } else {
        format!("ok ({fresh} file(s) fresh)")
    }
}

/// Whether this runs in CI (`CI` set to anything but `false`/`0`/empty).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `provenance show [REV|FILE]`.
pub fn show(a: ShowArgs) -> Result<i32> {
    let target = a.target.as_deref().unwrap_or("HEAD");
    if Path::new(target).is_file() {
        let record = load_checked_record(target)?;
        if a.json {
            println!("{}", String::from_utf8_lossy(&record.to_bytes()).trim_end());
        } else {
            println!(
                "{}: run {} ({}), {} → {}",
                quote::path(target),
                record.run_id,
                record.workflow_or_command,
                record.started_at,
                record.completed_at
            );
            for i in &record.inputs {
                println!(
                    "  input  {:<18} {} {}",
                    i.role,
                    short_blob(&i.fingerprint.git_blob),
                    quote::path(&i.fingerprint.path)
                );
            }
            for o in &record.outputs {
                println!(
                    "  output {:<18} {} {} ({})",
                    o.role,
                    short_blob(&o.fingerprint.git_blob),
                    quote::path(&o.fingerprint.path),
                    o.action.as_str()
                );
            }
        }
        return Ok(0);
    }
    let repo = open_repo()?;
    let notes_ref = repo_policy(&repo)?.notes_ref();
    let commit = resolve_commit(&repo, target)?;
    let note = match notes::load_note(&repo, &notes_ref, commit)? {
        NoteRead::Valid(note) => note,
        NoteRead::Absent => {
            return Err(Error::Usage(format!(
                "{}: no lineage note on {notes_ref}; run 'contextcore notes attach {}' or fetch notes",
                quote::path(target),
                hint::shell_word(target)
            )));
        }
        NoteRead::Invalid(violation) => {
            return Err(Error::untrusted(
                format!("{notes_ref}:{}", short(&commit.to_string())),
                violation,
            ));
        }
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

/// A run record file. One that is not JSON or not a run record is bad input (exit 2), as
/// for every input file; one that parses but breaks a rule of `validate` (an unsafe path, a
/// forged id, over the size limit) is tampered (exit 1).
fn load_checked_record(target: &str) -> Result<crate::provenance::RunRecord> {
    let json = crate::source::read_json(Path::new(target), target)?;
    let record = crate::provenance::RunRecord::from_json(json, target)?;
    // The one reader of records decides, from the bytes (a duplicate key is malformed there,
    // where a JSON value would keep the last one), and from the record's place in the
    // repository.
    let bytes = std::fs::read(target).map_err(|e| Error::io(target, e))?;
    let workspace = crate::workspace::Workspace::current();
    let path = workspace.record_path(Path::new(target), Path::new("."));
    crate::lineage::view::parse_record(&bytes, &path).map_err(|e| match e {
        Error::Untrusted { violation, .. } => Error::Untrusted {
            path: target.to_string(),
            violation,
        },
        other => other,
    })?;
    Ok(record)
}

/// A validated note; paths are still quoted (a valid path may hold `"` or non-ASCII).
fn print_note(note: &NotePayload) {
    println!("commit {}", note.commit);
    for run in &note.runs {
        println!(
            "  {} run {} ({})",
            quote::path(&run.record),
            short(&run.run_id),
            run.workflow_or_command
        );
        for f in &run.inputs {
            println!(
                "    input  {} {}",
                short_blob(&f.git_blob),
                quote::path(&f.path)
            );
        }
        for f in &run.outputs {
            println!(
                "    output {} {}",
                short_blob(&f.git_blob),
                quote::path(&f.path)
            );
        }
    }
}

/// `provenance report --range A..B`: Markdown for a pull-request comment. Everything that
/// comes from a commit, a record or a note (subjects, paths, run ids, commands, messages) is
/// inside a code span built to hold it ([`quote::code`]), so no link, image, HTML, table
/// break or mention can form from it when CI posts the comment.
pub fn report(range: &str) -> Result<i32> {
    let repo = open_repo()?;
    let (policy, policy_change) = checking_policy(&repo, Some(range))?;
    let tracked = tracked_globs(&policy.tracked_outputs())?;
    let commits = commits_in_range(&repo, range)?;
    let notes_ref = policy.notes_ref();
    let allowed = policy.unverifiable_allowed();
    let reproduce = in_ci() && policy.reproduce() != "off";
    let mut reproducer = Reproducer::default();
    let mut md = format!("## contextcore lineage for {}\n\n", quote::code(range));
    if let Some(change) = &policy_change {
        md.push_str(&format!("> ⚠️ {}\n\n", quote::code(change)));
    }
    md.push_str("| commit | runs | verdict |\n| --- | --- | --- |\n");
    let mut details = String::new();
    let mut failed = false;
    let checking = Progress::new(true, "checking commit", commits.len());
    let checked = check_range(&repo, &commits, &tracked, &notes_ref, &mut |n, c| {
        checking.show(n, short(&c.to_string()))
    })?;
    checking.done();
    for (c, findings) in &checked {
        let commit = repo.find_commit(*c)?;
        let problems: Vec<&Finding> = findings.iter().filter(|f| f.is_problem()).collect();
        let checks = if reproduce {
            let (blobs, records) = commit_snapshot(&repo, *c)?;
            reproducer.check(&repo, &blobs, &records)?
        } else {
            Vec::new()
        };
        let run_fails = checks.iter().any(|r| r.fails(false, &allowed));
        failed |= !problems.is_empty() || run_fails;
        // An invalid note is a finding already; the runs shown then come from the tree.
        let note = notes::read_note(&repo, &notes_ref, *c)
            .or_else(|| notes::note_for_commit(&repo, *c).ok().flatten());
        let runs = note.as_ref().map_or(0, |n| n.runs.len());
        let unverified = checks.iter().any(|r| r.outcome == Outcome::Unverifiable);
        let verdict = if !problems.is_empty() || run_fails {
            format!("❌ {}", commit_verdict(findings, &checks))
        } else if unverified {
            format!("⚠️ {}", commit_verdict(findings, &checks))
        } else {
            "✅ fresh".to_string()
        };
        let subject = String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default());
        let id = short(&c.to_string()).to_string();
        md.push_str(&format!(
            "| `{id}` {} | {runs} | {verdict} |\n",
            quote::table_code(&subject)
        ));
        if let Some(note) = note {
            details.push_str(&format!("\n### `{id}` {}\n\n", quote::code(&subject)));
            for run in &note.runs {
                details.push_str(&report_run(run));
            }
        }
        for p in problems {
            details.push_str(&format!("- ❌ {}\n", quote::code(&p.line())));
        }
        for line in checks
            .iter()
            .filter(|r| r.outcome != Outcome::Reproduced)
            .flat_map(RunCheck::lines)
        {
            details.push_str(&format!("- ⚠️ {}\n", quote::code(&line)));
        }
    }
    print!("{md}{details}");
    Ok(if failed { EXIT_CHECK_FAILED } else { 0 })
}

/// One run of a note as a Markdown list item.
fn report_run(run: &notes::NoteRun) -> String {
    let files = |list: &[notes::NoteFile]| {
        list.iter()
            .map(|f| {
                // The blob id in its own span: a bare `@abc1234` could mention a user.
                format!(
                    "{} (`{}`)",
                    quote::code(&f.path),
                    short_blob(&f.git_blob).get(..7).unwrap_or("-")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "- {} run {} ({}): {} → {}\n",
        quote::code(&run.workflow_or_command),
        quote::code(short(&run.run_id)),
        quote::code(&run.record),
        files(&run.inputs),
        files(&run.outputs)
    )
}

/// `provenance export --format in-toto [RECORD|REV]`.
pub fn export_statement(target: Option<&str>) -> Result<i32> {
    let target = target.unwrap_or("HEAD");
    if Path::new(target).is_file() {
        let record = load_checked_record(target)?;
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
        let blob = repo.find_blob(map.blobs[path], path)?;
        crate::lineage::view::parse_record(blob.content(), path)?;
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
