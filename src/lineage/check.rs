//! The engine applied to the three views: the index (pre-commit, `verify --staged`), a
//! commit's tree (`verify REV|--range`), the working tree (`status`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::rc::Rc;

use crate::git::objects::{Changed, diff_trees};
use std::path::Path;

use super::short;
use crate::git::{Commit, ObjectId, Repo, Tree};
use crate::quote;
use globset::GlobSet;

use super::claims::{ClaimsCache, record_holds};
use super::policy_reads::PolicyDrift;
use super::view::{
    BlobMap, View, WorktreeView, is_record_path, is_record_path_bytes, parse_record,
};
use super::{Finding, RecordFile, Verdict, classify};
use crate::error::{Error, Result};
use crate::git::index::IndexFile;
pub use crate::git::repo::{commits_in_range, open_repo, resolve_commit};
use crate::git::staged_ids::StagedIds;
use crate::policy::Policy;

/// The policy of a repository: nearest policy file from the current directory to the root.
pub fn repo_policy(repo: &Repo) -> Result<Policy> {
    let root = repo.workdir().and_then(|p| p.canonicalize().ok());
    Policy::discover(None, std::path::Path::new("."), root.as_deref())
}

/// Every path a set of records names: the records themselves, their inputs and outputs.
fn recorded_paths<'a>(records: impl IntoIterator<Item = &'a RecordFile>) -> HashSet<&'a str> {
    let mut paths: HashSet<&str> = HashSet::new();
    for rf in records {
        paths.insert(rf.path.as_str());
        paths.extend(rf.record.inputs.iter().map(|i| i.fingerprint.path.as_str()));
        paths.extend(
            rf.record
                .outputs
                .iter()
                .map(|o| o.fingerprint.path.as_str()),
        );
    }
    paths
}

fn owned(paths: HashSet<&str>) -> HashSet<String> {
    paths.into_iter().map(str::to_string).collect()
}

/// The paths a set of records claims as theirs: the records and their outputs (not inputs).
fn claimed_paths(records: &[RecordFile]) -> HashSet<&str> {
    let outputs = records.iter().flat_map(|rf| rf.record.outputs.iter());
    let mut paths: HashSet<&str> = records.iter().map(|r| r.path.as_str()).collect();
    paths.extend(outputs.map(|o| o.fingerprint.path.as_str()));
    paths
}

/// Checks the index against HEAD. With `fast`, returns `None` when the commit would add no
/// problem: every record whose claims all match the index is fresh whatever is staged, so
/// only the records with a mismatch, broken records and unclaimed paths matching a
/// tracked-output glob are compared with HEAD. Records come from the claims cache (parsed
/// only when new); nothing is hashed.
pub fn check_index(repo: &Repo, tracked: &GlobSet, fast: bool) -> Result<Option<Vec<Finding>>> {
    // The claims cache is decoded while the index is read: at 100,000 files and 1,000
    // records each is a third of the hook, and neither needs the other.
    let claims = ClaimsCache::file_of(repo);
    let (index, cache) = std::thread::scope(|s| {
        let cache = s.spawn(|| ClaimsCache::open_file(claims));
        let index = StagedIds::read(repo, &|p| {
            is_record_path_bytes(p) || super::policy_reads::is_policy_path_bytes(p)
        });
        (index, cache.join())
    });
    let index = index?;
    let mut cache = cache.unwrap_or_else(|e| std::panic::resume_unwind(e));
    let record_entries: Vec<(Cow<str>, ObjectId)> = index
        .marked()
        .filter(|(bytes, _, _)| is_record_path_bytes(bytes))
        .map(|(_, text, id)| (text, id))
        .collect();
    if fast && record_entries.is_empty() && tracked.is_empty() {
        return Ok(None);
    }
    let head = repo.head_tree();
    // A mode change with the same blob id (a file turned into a symlink to its text) is staged.
    let staged = |path: &str| index.entry(path) != head_entry(head.as_ref(), path);
    let (mut records, broken) =
        cache.load_records(repo, record_entries.iter().map(|(p, id)| (p.as_ref(), *id)))?;
    let tracked_staged: Vec<String> = if tracked.is_empty() {
        Vec::new()
    } else {
        let claimed = claimed_paths(&records);
        index
            .paths()
            .filter(|p| tracked.is_match(p.as_ref()) && !claimed.contains(p.as_ref()))
            .filter(|p| staged(p))
            .map(Cow::into_owned)
            .collect()
    };
    let broken_staged = broken.iter().any(|f| staged(&f.path));
    // A policy file staged where there was none may set keys runs read: no fast path then.
    // (A changed or deleted one is a recorded input of the runs that read it, so those runs
    // are suspects already, and the full check compares their keys.)
    let policy_staged = index
        .marked()
        .any(|(bytes, text, _)| super::policy_reads::is_policy_path_bytes(bytes) && staged(&text));
    if fast && tracked_staged.is_empty() && !broken_staged && !policy_staged {
        let suspects = crate::parallel::in_parts(&records, 128, |part| {
            part.iter()
                .filter(|rf| !record_holds(rf, &index))
                .collect::<Vec<_>>()
        });
        if !recorded_paths(suspects.into_iter().flatten())
            .into_iter()
            .any(staged)
        {
            cache.save();
            discard(index, cache, records);
            return Ok(None);
        }
    }
    let mut findings = {
        let drift = PolicyDrift::new(&index, |path: &str| blob_bytes(repo, index.get(path)?));
        let drift = |rf: &RecordFile| drift.of(rf);
        let mut findings = classify(&records, &index, tracked, &tracked_staged, &drift);
        if cache.complete(repo, &mut records, &findings)? {
            findings = classify(&records, &index, tracked, &tracked_staged, &drift);
        }
        findings
    };
    cache.save();
    findings.extend(broken);
    discard(index, cache, records);
    Ok(Some(findings))
}

/// The hook's process ends right after the check: freeing a thousand records' strings one by
/// one, and unmapping the index, is left to the exit.
fn discard(index: StagedIds, cache: ClaimsCache, records: Vec<RecordFile>) {
    std::mem::forget(index);
    std::mem::forget(cache);
    std::mem::forget(records);
}

/// HEAD's entry at `path`: its id and whether it is a regular file.
fn head_entry(head: Option<&Tree>, path: &str) -> Option<(ObjectId, bool)> {
    head?
        .get(path)
        .map(|e| (e.id, super::view::is_regular_mode(e.mode)))
}

/// What the range check keeps between a commit and its child.
struct TreeState {
    commit: ObjectId,
    tree: ObjectId,
    map: BlobMap,
    records: Vec<RecordFile>,
    /// Every path the records name, kept until the records change (not rebuilt per commit).
    relevant: HashSet<String>,
    broken: Vec<Finding>,
    /// Shared by every commit with the same verdict: at 1,000 records, copying them for each
    /// of 1,000 commits was most of the range check.
    findings: Rc<Vec<Finding>>,
}

/// Checks each commit (oldest first). A commit whose first parent was the previous one is
/// checked incrementally: its diff against the parent updates the blob map, and the verdict is
/// only recomputed when the diff touches a record, a recorded file or a tracked glob.
/// `started(n, commit)` is called as each commit's check starts (for progress).
pub fn check_range(
    repo: &Repo,
    commits: &[ObjectId],
    tracked: &GlobSet,
    notes_ref: &str,
    started: &mut dyn FnMut(usize, ObjectId),
) -> Result<Vec<(ObjectId, Rc<Vec<Finding>>)>> {
    let mut out = Vec::with_capacity(commits.len());
    let mut state: Option<TreeState> = None;
    let mut cache = ClaimsCache::open(repo);
    for (n, &id) in commits.iter().enumerate() {
        started(n, id);
        let commit = repo.find_commit(id)?;
        let tree = commit.tree()?;
        let next = match state.take() {
            Some(prev) if commit.first_parent_id() == Some(prev.commit) => {
                advance(repo, &mut cache, prev, id, &tree, tracked)?
            }
            _ => {
                let map = BlobMap::of_tree(repo, &tree)?;
                let (mut records, broken) = tree_records(repo, &mut cache, &map)?;
                let findings =
                    classify_tree(repo, &mut cache, &map, &mut records, &broken, tracked)?;
                TreeState {
                    commit: id,
                    tree: tree.id(),
                    map,
                    relevant: owned(recorded_paths(&records)),
                    records,
                    broken,
                    findings: Rc::new(findings),
                }
            }
        };
        let note_findings = check_note(repo, notes_ref, id)?;
        let findings = if note_findings.is_empty() {
            Rc::clone(&next.findings)
        } else {
            let mut findings = (*next.findings).clone();
            findings.extend(note_findings);
            Rc::new(findings)
        };
        out.push((id, findings));
        state = Some(next);
    }
    cache.save();
    Ok(out)
}

/// The run records of a tree, and findings for those that do not parse.
fn tree_records(
    repo: &Repo,
    cache: &mut ClaimsCache,
    map: &BlobMap,
) -> Result<(Vec<RecordFile>, Vec<Finding>)> {
    cache.load_records(
        repo,
        map.blobs
            .iter()
            .filter(|(p, _)| is_record_path(p))
            .map(|(p, id)| (p.as_str(), *id)),
    )
}

fn advance(
    repo: &Repo,
    cache: &mut ClaimsCache,
    mut prev: TreeState,
    commit: ObjectId,
    tree: &Tree,
    tracked: &GlobSet,
) -> Result<TreeState> {
    let old = repo.find_tree(prev.tree, "")?;
    let mut changes = Vec::new();
    diff_trees(repo, Some(&old), Some(tree), b"", &mut changes)?;
    let mut touched = false;
    let mut records_changed = false;
    for Changed { path, id, other } in changes {
        records_changed |= is_record_path(&path);
        touched |= prev.relevant.contains(path.as_str())
            || tracked.is_match(&path)
            || is_record_path(&path)
            // A policy file created, changed or removed anywhere may change keys runs read.
            || super::policy_reads::is_policy_file(&path);
        if other {
            prev.map.other.insert(path.clone());
        } else {
            prev.map.other.remove(&path);
        }
        match id {
            Some(id) => prev.map.blobs.insert(path, id),
            None => prev.map.blobs.remove(&path),
        };
    }
    if records_changed {
        (prev.records, prev.broken) = tree_records(repo, cache, &prev.map)?;
        prev.relevant = owned(recorded_paths(&prev.records));
    }
    if touched {
        prev.findings = Rc::new(classify_tree(
            repo,
            cache,
            &prev.map,
            &mut prev.records,
            &prev.broken,
            tracked,
        )?);
    }
    prev.tree = tree.id();
    prev.commit = commit;
    Ok(prev)
}

/// A note must pass validation: among its rules, it describes the records the commit holds,
/// and every one the commit added or changed.
fn check_note(repo: &Repo, notes_ref: &str, commit: ObjectId) -> Result<Vec<Finding>> {
    let short_commit = commit.to_string()[..12].to_string();
    Ok(match super::notes::load_note(repo, notes_ref, commit)? {
        super::notes::NoteRead::Invalid(violation) => {
            vec![invalid_note(notes_ref, &short_commit, &violation)]
        }
        _ => Vec::new(),
    })
}

/// The finding for a note that breaks a rule of `validate`.
fn invalid_note(
    notes_ref: &str,
    short_commit: &str,
    violation: &super::validate::Violation,
) -> Finding {
    Finding {
        path: format!("{notes_ref}:{short_commit}"),
        verdict: Verdict::Tampered,
        side: "note",
        role: "note".into(),
        record: None,
        run_id: None,
        recorded_blob: None,
        actual_blob: None,
        fix: format!(
            "the note on {short_commit} ({notes_ref}) is not trusted: {violation}; recompute it: contextcore notes attach {short_commit}"
        ),
        rule: Some(violation.rule()),
        detail: None,
    }
}

/// Fresh files whose recorded sha256 does not match the content of their recorded blob: the
/// record was edited, since both digests were taken from the same bytes (except for paths git
/// filters, whose sha256 is of the working bytes).
fn inconsistent_digests(
    repo: &Repo,
    records: &[RecordFile],
    findings: &[Finding],
) -> Result<Vec<Finding>> {
    use sha2::{Digest, Sha256};
    // (path, record) of every fresh finding: one lookup per fingerprint, not a scan (#29).
    let fresh: std::collections::HashSet<(&str, &str)> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fresh)
        .filter_map(|f| Some((f.path.as_str(), f.record.as_deref()?)))
        .collect();
    let mut out = Vec::new();
    for rf in records {
        let files = rf
            .record
            .inputs
            .iter()
            .map(|i| (&i.fingerprint, &i.role, "input"))
            .chain(
                rf.record
                    .outputs
                    .iter()
                    .map(|o| (&o.fingerprint, &o.role, "output")),
            );
        for (fp, role, side) in files {
            let (Some(sha256), Some(blob)) = (&fp.sha256, &fp.git_blob) else {
                continue;
            };
            let Ok(id) = crate::git::oid(blob) else {
                continue;
            };
            if !fresh.contains(&(fp.path.as_str(), rf.path.as_str())) {
                continue;
            }
            // A blob the check needs and cannot read stops it with what to do (a partial clone);
            // skipping it would be a silent "ok".
            let content = repo.find_blob(id, &fp.path)?;
            let actual = crate::fingerprint::hex(&Sha256::digest(content.content()));
            // A path git stores through a clean filter (LFS, ident, an encoding) is recorded
            // with the sha256 of its working bytes: it is held to what git checks the blob out
            // as (asked only on a mismatch). Never skipped on the word of an attributes file: a
            // hostile `.gitattributes` must not be able to silence this check.
            if &actual != sha256
                && !crate::git::filters::checks_out_as(repo, &fp.path, &content, sha256, fp.size)
            {
                out.push(Finding {
                    path: fp.path.clone(),
                    verdict: Verdict::Tampered,
                    side,
                    role: role.clone(),
                    record: Some(rf.path.clone()),
                    run_id: Some(rf.record.run_id.clone()),
                    recorded_blob: Some(blob.clone()),
                    actual_blob: Some(blob.clone()),
                    fix: format!(
                        "{} records sha256 {} but git blob {} hashes to {}; the record was edited — rerun: {}",
                        rf.path, super::short(sha256), super::short(blob), super::short(&actual), super::hint::command(&rf.record)
                    ),
                    rule: Some("digest-mismatch"),
                    detail: None,
                });
            }
        }
    }
    Ok(out)
}

fn classify_tree(
    repo: &Repo,
    cache: &mut ClaimsCache,
    map: &BlobMap,
    records: &mut [RecordFile],
    broken: &[Finding],
    tracked: &GlobSet,
) -> Result<Vec<Finding>> {
    loop {
        let mut findings = classify_paths(repo, map, records, tracked);
        let tampered = inconsistent_digests(repo, records, &findings)?;
        findings.extend(tampered);
        // Records with a problem are parsed in full for their rerun command, then classified
        // again; the second pass finds every lean record with a problem already complete.
        if cache.complete(repo, records, &findings)? {
            continue;
        }
        findings.extend(broken.iter().cloned());
        return Ok(findings);
    }
}

fn classify_paths(
    repo: &Repo,
    map: &BlobMap,
    records: &[RecordFile],
    tracked: &GlobSet,
) -> Vec<Finding> {
    let candidates: Vec<String> = if tracked.is_empty() {
        Vec::new()
    } else {
        let mut c: Vec<String> = map
            .blobs
            .keys()
            .filter(|p| tracked.is_match(p))
            .cloned()
            .collect();
        c.sort();
        c
    };
    let drift = PolicyDrift::new(map, |path: &str| blob_bytes(repo, *map.blobs.get(path)?));
    classify(records, map, tracked, &candidates, &|rf| drift.of(rf))
}

/// A blob's bytes (a small file lineage reads: a policy).
fn blob_bytes(repo: &Repo, id: ObjectId) -> Option<Vec<u8>> {
    Some(repo.blob(id)?.content().to_vec())
}

/// Checks the working tree: records tracked or lying untracked on disk.
pub fn check_worktree(repo: &Repo, tracked: &GlobSet) -> Result<Vec<Finding>> {
    Ok(check_worktree_records(repo, tracked)?.1)
}

/// The working tree's run records, and its findings (what `rerun` replays from).
pub fn check_worktree_records(
    repo: &Repo,
    tracked: &GlobSet,
) -> Result<(Vec<RecordFile>, Vec<Finding>)> {
    let root = repo
        .workdir()
        .ok_or_else(|| Error::Usage("a bare repository has no working tree".into()))?
        .to_path_buf();
    let index = IndexFile::read(repo)?;
    let view = WorktreeView::new(repo, &root, &index);
    let untracked = crate::git::status::untracked_files(repo, &root)?;
    let mut record_paths: Vec<&str> = index
        .entries
        .iter()
        .map(|e| e.path.as_str())
        .chain(untracked.iter().map(String::as_str))
        .filter(|p| is_record_path(p))
        .collect();
    record_paths.sort();
    record_paths.dedup();
    let mut records = super::view::Records::default();
    let mut cache = ClaimsCache::open(repo);
    for path in record_paths {
        let file = root.join(crate::path_bytes::path_or_text(path));
        // A record as the index holds it (unchanged on disk, or outside the sparse checkout)
        // is the index's blob: its claims come from the cache.
        let indexed = index.get(path).map(|e| e.id);
        let on_disk = match index.get(path) {
            Some(e) if e.skip_worktree => Some(e.id),
            _ => view.blob(path).and_then(|b| crate::git::oid(&b).ok()),
        };
        if let Some(id) = indexed.filter(|id| on_disk == Some(*id)) {
            match cache.load(repo, path, id)? {
                Ok(record) => records.add_file(record),
                Err(finding) => records.broken.push(finding),
            }
            continue;
        }
        let bytes = match index.get(path) {
            // Outside the sparse checkout the record is not on disk: read it from the index.
            Some(e) if e.skip_worktree => repo.find_blob(e.id, path)?.content().to_vec(),
            _ if !file.exists() => continue,
            _ => read_bounded(&file, path)?,
        };
        records.add(path, parse_record(&bytes, path));
    }
    let (mut records, broken) = (records.valid, records.broken);
    let mut candidates: Vec<String> = index
        .entries
        .iter()
        .map(|e| e.path.clone())
        .chain(untracked)
        .filter(|p| tracked.is_match(p))
        .collect();
    candidates.sort();
    let drift = PolicyDrift::new(&view, |path: &str| {
        std::fs::read(root.join(crate::path_bytes::path_or_text(path))).ok()
    });
    let drift = |rf: &RecordFile| drift.of(rf);
    let mut findings = classify(&records, &view, tracked, &candidates, &drift);
    if cache.complete(repo, &mut records, &findings)? {
        findings = classify(&records, &view, tracked, &candidates, &drift);
    }
    cache.save();
    findings.extend(broken);
    Ok((records, findings))
}

/// A record file from disk; one over the size limit is read only up to the limit plus one
/// byte, which `validate` then refuses without parsing.
fn read_bounded(file: &std::path::Path, path: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| {
            f.take(super::validate::MAX_RECORD_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// The policy that decides how strictly commits are checked, and a sentence when the range
/// changes it. For a range `A..B` it is the policy in commit `A`'s tree (the base), at the
/// path the work tree's policy has (the default name when there is none), with the built-in
/// defaults when `A` has none: a change under review never sets its own scrutiny (#26 point
/// 5). Otherwise (one commit, the index) it is the work tree's, as for the hook.
pub fn checking_policy(
    repo: &Repo,
    range: Option<&str>,
) -> Result<(crate::policy::Policy, Option<String>)> {
    use crate::policy::{POLICY_FILE, Policy};
    let local = repo_policy(repo)?;
    let Some(range) = range.filter(|r| r.contains("..")) else {
        return Ok((local, None));
    };
    let Some((base, tip)) = repo.range_ends(range)? else {
        return Ok((local, None));
    };
    let (base, tip) = (repo.find_commit(base)?, repo.find_commit(tip)?);
    // The policy is discovered in A's tree as it would be in a work tree checked out at A:
    // from the current directory up to the root, regular files only. Nothing from the work
    // tree (which holds the change under review) picks the file, not even a symlink's target.
    let root = repo.workdir().and_then(|w| w.canonicalize().ok());
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    let mut dir = match (&root, &cwd) {
        (Some(r), Some(c)) => c.strip_prefix(r).map(Path::to_path_buf).unwrap_or_default(),
        _ => Default::default(),
    };
    let find = |c: &Commit, rel: &Path| -> Option<(Vec<u8>, u32)> {
        let entry = c.tree().ok()?.get_path(rel)?;
        let blob = repo.blob(entry.id)?;
        Some((blob.content().to_vec(), entry.mode))
    };
    let rel = loop {
        let candidate = dir.join(POLICY_FILE);
        if find(&base, &candidate).is_some() {
            break candidate;
        }
        if !dir.pop() {
            break Path::new(POLICY_FILE).to_path_buf();
        }
    };
    let read = |c: &Commit| -> Option<Vec<u8>> {
        match find(c, &rel) {
            Some((bytes, mode)) if crate::git::objects::is_regular_mode(mode) => Some(bytes),
            Some(_) => Some(b"(not a regular file)".to_vec()),
            None => None,
        }
    };
    let base_id = short(&base.id().to_string()).to_string();
    let shown = format!("{base_id}:{}", crate::path_bytes::text_of(&rel));
    let at_base = read(&base);
    let policy = match (&at_base, find(&base, &rel)) {
        (Some(bytes), Some((_, mode))) if crate::git::objects::is_regular_mode(mode) => {
            Policy::from_bytes(bytes, &shown, &rel)?
        }
        (Some(_), _) => {
            return Err(Error::Usage(format!(
                "{shown}: the base's policy is not a regular file; lineage settings cannot be read from it"
            )));
        }
        (None, _) => Policy::default(),
    };
    let change = (read(&tip) != at_base).then(|| {
        format!(
            "{} changes in {range}; every commit is checked under the settings of the base, {base_id}",
            quote::path(&crate::path_bytes::text_of(&rel))
        )
    });
    Ok((policy, change))
}
