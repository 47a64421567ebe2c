//! Lineage notes on `refs/notes/contextcore`: for a commit, the run records it added or
//! changed (against its first parent), with every input and output blob id. Notes are written
//! in the text form of [`note_text`] (v2: a few lines a person reads in `git log`); the JSON
//! notes of v1 are still read. Attaching is idempotent (recomputed from the tree, replacing
//! any note); merging two notes is a union of runs, so notes from two clones combine without
//! loss, even for commits whose objects this clone does not have yet.

use crate::git::{ObjectId, Repo};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::paths::is_run_record_name;
use crate::quote;

use super::note_text::{self, Block};
use super::validate::{self, Violation};
use super::view::parse_record;

/// The schema id of the JSON notes of v1.
pub const NOTE_SCHEMA: &str = "contextcore.io/lineage-note/v1";

/// A commit's lineage note as its readers see it, with full ids: what `provenance show
/// --json` prints, and the JSON stored in a v1 note. A text note's payload has the schema of
/// its version, `contextcore.io/lineage-note/v3` (or `…/v2` for notes written before v3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NotePayload {
    pub schema: String,
    pub commit: String,
    pub runs: Vec<NoteRun>,
}

/// One run record as a note carries it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NoteRun {
    pub record: String,
    pub record_blob: String,
    pub run_id: String,
    pub workflow_or_command: String,
    pub started_at: String,
    pub completed_at: String,
    pub inputs: Vec<NoteFile>,
    pub outputs: Vec<NoteFile>,
}

/// A file of a run, by blob id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NoteFile {
    pub path: String,
    pub role: String,
    pub sha256: Option<String>,
    pub git_blob: Option<String>,
}

/// The note a commit should carry: runs recorded by files it added or changed. `None` when
/// the commit touches no run record.
pub fn note_for_commit(repo: &Repo, commit_id: ObjectId) -> Result<Option<NotePayload>> {
    let mut runs = Vec::new();
    for (path, id) in changed_records(repo, commit_id)? {
        // The note must pass the validation its readers apply: the record's own path too.
        validate::repo_path(&path).map_err(|problem| {
            Error::untrusted(
                path.clone(),
                Violation::Path {
                    field: "record".into(),
                    value: path.clone(),
                    problem,
                },
            )
        })?;
        runs.push(run_of_record(&path, &repo.find_blob(id, &path)?)?);
    }
    Ok((!runs.is_empty()).then(|| NotePayload {
        schema: note_text::SCHEMA.into(),
        commit: commit_id.to_string(),
        runs,
    }))
}

/// The run records a commit added or changed against its first parent, as (record text of
/// the path, blob id), sorted by path: the runs its note must carry.
pub fn changed_records(repo: &Repo, commit_id: ObjectId) -> Result<Vec<(String, ObjectId)>> {
    let mut records = Vec::new();
    for (path, id) in repo.changed_in_commit(commit_id)? {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(&path);
        if std::str::from_utf8(name).is_ok_and(is_run_record_name) {
            records.push((crate::path_bytes::encode(&path), id));
        }
    }
    records.sort();
    Ok(records)
}

/// A run as a note carries it, from its record's blob.
fn run_of_record(path: &str, blob: &crate::git::objects::Blob) -> Result<NoteRun> {
    let record = parse_record(blob.content(), path)?;
    let files = |list: Vec<(&str, &str, &Option<String>, &Option<String>)>| {
        list.into_iter()
            .map(|(path, role, sha256, git_blob)| NoteFile {
                path: path.to_string(),
                role: role.to_string(),
                sha256: sha256.clone(),
                git_blob: git_blob.clone(),
            })
            .collect()
    };
    Ok(NoteRun {
        record: path.to_string(),
        record_blob: blob.id().to_string(),
        inputs: files(
            record
                .inputs
                .iter()
                .map(|i| {
                    (
                        &*i.fingerprint.path,
                        &*i.role,
                        &i.fingerprint.sha256,
                        &i.fingerprint.git_blob,
                    )
                })
                .collect(),
        ),
        outputs: files(
            record
                .outputs
                .iter()
                .map(|o| {
                    (
                        &*o.fingerprint.path,
                        &*o.role,
                        &o.fingerprint.sha256,
                        &o.fingerprint.git_blob,
                    )
                })
                .collect(),
        ),
        run_id: record.run_id,
        workflow_or_command: record.workflow_or_command,
        started_at: record.started_at,
        completed_at: record.completed_at,
    })
}

/// A commit's note as read from a notes ref: absent, valid, or breaking a rule of
/// `validate` (too large, not in either form, unsafe paths, claiming another commit, lines
/// that do not say what the records say…).
#[derive(Debug, Clone, PartialEq)]
pub enum NoteRead {
    Absent,
    Valid(NotePayload),
    Invalid(Violation),
}

/// Reads and validates a commit's note against the commit and the records it names: each
/// run's record must be the commit's file at that path, read from the object store (an error
/// when it is missing there, as in a partial clone); a v2 note must be exactly the rendering
/// of those records, and every run of a v1 (JSON) note exactly what its record says.
pub fn load_note(repo: &Repo, notes_ref: &str, commit: ObjectId) -> Result<NoteRead> {
    match note_bytes(repo, notes_ref, commit) {
        Some(bytes) => check_bytes(repo, commit, &bytes),
        None => Ok(NoteRead::Absent),
    }
}

/// [`load_note`] of a note's bytes.
fn check_bytes(repo: &Repo, commit: ObjectId, bytes: &[u8]) -> Result<NoteRead> {
    let text = match note_str(bytes) {
        Ok(text) => text,
        Err(v) => return Ok(NoteRead::Invalid(v)),
    };
    let read = if is_json(text) {
        check_json(repo, commit, text)?
    } else {
        match frame(bytes, commit) {
            Ok(blocks) => resolve(repo, commit, &blocks, text)?,
            Err(v) => NoteRead::Invalid(v),
        }
    };
    let NoteRead::Valid(note) = read else {
        return Ok(read);
    };
    // A note that leaves out a run the commit adds hides it from reviewers of `git log`.
    let missing = changed_records(repo, commit)?
        .into_iter()
        .find(|(path, id)| {
            !note
                .runs
                .iter()
                .any(|r| &r.record == path && r.record_blob == id.to_string())
        });
    Ok(match missing {
        Some((record, _)) => NoteRead::Invalid(Violation::NoteMissingRun { record }),
        None => NoteRead::Valid(note),
    })
}

/// A v1 note: valid JSON of schema v1 whose every run is what its record says.
fn check_json(repo: &Repo, commit: ObjectId, text: &str) -> Result<NoteRead> {
    let note = match validate::note_text(text, &commit.to_string()) {
        Ok(note) if note.schema == NOTE_SCHEMA => note,
        Ok(note) => return Ok(NoteRead::Invalid(Violation::NoteSchema(note.schema))),
        Err(v) => return Ok(NoteRead::Invalid(v)),
    };
    let named = note
        .runs
        .iter()
        .map(|r| (r.record.as_str(), r.record_blob.as_str()));
    let runs = match runs_of_records(repo, commit, named)? {
        Ok(runs) => runs,
        Err(v) => return Ok(NoteRead::Invalid(v)),
    };
    if let Some(i) = note.runs.iter().zip(&runs).position(|(a, b)| a != b) {
        return Ok(NoteRead::Invalid(Violation::NoteRun {
            run: i + 1,
            record: note.runs[i].record.clone(),
        }));
    }
    Ok(NoteRead::Valid(note))
}

/// Reads a commit's note, if it has one that passes validation.
pub fn read_note(repo: &Repo, notes_ref: &str, commit: ObjectId) -> Option<NotePayload> {
    match load_note(repo, notes_ref, commit) {
        Ok(NoteRead::Valid(p)) => Some(p),
        _ => None,
    }
}

fn note_bytes(repo: &Repo, notes_ref: &str, commit: ObjectId) -> Option<Vec<u8>> {
    repo.note_bytes(notes_ref, commit)
}

fn note_str(bytes: &[u8]) -> Result<&str, Violation> {
    if bytes.len() > validate::MAX_NOTE_BYTES {
        return Err(Violation::TooLarge {
            what: "lineage note",
            size: bytes.len(),
            limit: validate::MAX_NOTE_BYTES,
        });
    }
    std::str::from_utf8(bytes).map_err(|_| Violation::Malformed("the note is not UTF-8".into()))
}

fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// A note's runs as lines, checked without reading the records they name: its size, form,
/// the commit it claims, and the paths and lines it holds. This is what merging needs, so
/// notes of commits this clone has not fetched yet are merged too. A v1 JSON note is fully
/// validated and given in v2 lines.
fn frame(bytes: &[u8], commit: ObjectId) -> Result<Vec<Block>, Violation> {
    let text = note_str(bytes)?;
    if is_json(text) {
        let payload = validate::note_text(text, &commit.to_string())?;
        return Ok(payload.runs.iter().map(note_text::block).collect());
    }
    let (claimed, blocks) =
        note_text::parse(text).map_err(|e| Violation::Malformed(quote::line(&e)))?;
    if claimed != commit.to_string() {
        return Err(Violation::NoteCommit {
            claimed,
            actual: commit.to_string(),
        });
    }
    validate::note_blocks(&blocks)?;
    Ok(blocks)
}

/// The payload of a framed v2 note, from the records its run lines name; the note must be
/// their rendering, byte for byte.
fn resolve(repo: &Repo, commit: ObjectId, blocks: &[Block], text: &str) -> Result<NoteRead> {
    let named = blocks
        .iter()
        .map(|b| (b.run.record.as_str(), b.run.blob_prefix.as_str()));
    let runs = match runs_of_records(repo, commit, named)? {
        Ok(runs) => runs,
        Err(v) => return Ok(NoteRead::Invalid(v)),
    };
    // Each note is held to the rendering of its own version (a v2 note stays valid).
    let version = blocks.first().map_or(note_text::CURRENT, |b| b.version);
    let payload = NotePayload {
        schema: version.schema().into(),
        commit: commit.to_string(),
        runs,
    };
    if let Err(v) = validate::note_payload(&payload, &commit.to_string()) {
        return Ok(NoteRead::Invalid(v));
    }
    let expected = note_text::render(&payload);
    if let Some((n, (says, records))) = text
        .lines()
        .zip(expected.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        return Ok(NoteRead::Invalid(Violation::NoteText {
            line: n + 1,
            says: says.to_string(),
            records: records.to_string(),
        }));
    }
    if text != expected {
        return Ok(NoteRead::Invalid(Violation::Malformed(
            "the note has lines its records do not account for".into(),
        )));
    }
    Ok(NoteRead::Valid(payload))
}

/// The runs of the records a note names, as (record path, blob id or prefix): each must be
/// the commit's file at that path (a note cannot vouch for a record the commit does not
/// hold), within the size limit, and a valid run record.
fn runs_of_records<'a>(
    repo: &Repo,
    commit: ObjectId,
    named: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<Result<Vec<NoteRun>, Violation>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let mut runs = Vec::new();
    for (record, id) in named {
        let held = tree.get(record).filter(|e| e.is_blob()).map(|e| e.id);
        let Some(blob_id) = held.filter(|h| h.to_string().starts_with(id)) else {
            return Ok(Err(Violation::NoteRecord {
                record: record.to_string(),
                named: id.to_string(),
                held: held.map(|h| h.to_string()),
            }));
        };
        if let Some(size) = repo.blob_size(blob_id)
            && size > validate::MAX_RECORD_BYTES
        {
            return Ok(Err(Violation::TooLarge {
                what: "run record",
                size,
                limit: validate::MAX_RECORD_BYTES,
            }));
        }
        let blob = repo.find_blob(blob_id, record)?;
        match run_of_record(record, &blob) {
            Ok(run) => runs.push(run),
            Err(Error::Untrusted { violation, .. }) => {
                let ours = Violation::of(violation.as_ref()).cloned();
                return Ok(Err(
                    ours.unwrap_or_else(|| Violation::Malformed(violation.to_string()))
                ));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Ok(runs))
}

/// Writes (replacing) a commit's note text.
fn write_text(repo: &Repo, notes_ref: &str, commit: ObjectId, text: &str) -> Result<()> {
    repo.set_note(notes_ref, commit, text)
}

/// Computes and attaches the note of `commit`; returns it, or `None` if the commit has no runs.
/// An existing identical note is left alone (a v1 note is rewritten in the v2 form). The note
/// is recomputed, never merged with what is there: a note git copied from a rewritten commit
/// (amend, rebase) that no longer holds the run is replaced, or removed when the commit holds
/// no run.
pub fn attach(repo: &Repo, notes_ref: &str, commit: ObjectId) -> Result<Option<NotePayload>> {
    let Some(payload) = note_for_commit(repo, commit)? else {
        repo.remove_note(notes_ref, commit)?;
        return Ok(None);
    };
    let text = note_text::render(&payload);
    if note_bytes(repo, notes_ref, commit).as_deref() != Some(text.as_bytes()) {
        write_text(repo, notes_ref, commit, &text)?;
    }
    Ok(Some(payload))
}

/// The union of two notes' runs: every run of ours, then each of theirs that names another
/// record and another run id (ours wins, so a local run is never rewritten or shadowed).
fn union(mut ours: Vec<Block>, theirs: Vec<Block>) -> Vec<Block> {
    for b in theirs {
        let known = ours
            .iter()
            .any(|o| o.run == b.run || o.run.run_id == b.run.run_id);
        if !known {
            ours.push(b);
        }
    }
    ours.sort_by(|a, b| a.run.cmp(&b.run));
    ours
}

/// What merging a fetched notes ref did.
#[derive(Debug, Default)]
pub struct Merged {
    /// Notes written on the local ref.
    pub changed: usize,
    /// Incoming notes refused (and local notes left alone because they are invalid).
    pub rejected: Vec<(ObjectId, Violation)>,
    /// Local notes that failed validation once their commit was here (merged as text from
    /// another remote earlier), replaced by the note the commit's records give.
    pub replaced: Vec<(ObjectId, Violation)>,
}

/// Each commit's note blob on `notes_ref` (none when the ref does not exist).
fn note_ids(repo: &Repo, notes_ref: &str) -> std::collections::HashMap<ObjectId, ObjectId> {
    repo.notes(notes_ref)
}

/// The commits whose note on `ours` is not the same blob as on `theirs` (or `theirs` has
/// none): what `ours` would add to `theirs`.
fn differing(repo: &Repo, ours: &str, theirs: Option<&str>) -> Vec<ObjectId> {
    let theirs = theirs.map(|t| note_ids(repo, t)).unwrap_or_default();
    let mut out: Vec<ObjectId> = note_ids(repo, ours)
        .into_iter()
        .filter(|(commit, note)| theirs.get(commit) != Some(note))
        .map(|(commit, _)| commit)
        .collect();
    out.sort();
    out
}

/// Checks, for every commit whose note differs between `into_ref` and `from_ref` and that this
/// clone has, the local note against the commit's records; one that fails (a note merged as
/// text before its commit arrived) is replaced by the note those records give — never kept
/// over an incoming note that holds. Returns what was replaced.
pub fn replace_invalid_local(
    repo: &Repo,
    into_ref: &str,
    from_ref: &str,
) -> Result<Vec<(ObjectId, Violation)>> {
    let mut replaced = Vec::new();
    for commit in differing(repo, into_ref, Some(from_ref)) {
        if !repo.has_commit(commit) {
            continue;
        }
        if let NoteRead::Invalid(v) = load_note(repo, into_ref, commit)? {
            match attach(repo, into_ref, commit) {
                Ok(_) => replaced.push((commit, v)),
                // A commit whose own record is tampered gets no note from us; the bad note
                // goes, so no reader takes it for the commit's word.
                Err(Error::Untrusted { .. }) => {
                    repo.remove_note(into_ref, commit)?;
                    replaced.push((commit, v));
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(replaced)
}

/// The notes on `notes_ref` that must not be pushed to a remote whose notes are `remote_ref`
/// (`None`: it has none): among the notes that differ from the remote's, each one that fails
/// validation against its commit's records, and each one on a commit this clone does not
/// have (it cannot be checked here, and the remote would hand it to every clone).
pub fn unpushable(
    repo: &Repo,
    notes_ref: &str,
    remote_ref: Option<&str>,
) -> Result<Vec<(ObjectId, String)>> {
    let mut out = Vec::new();
    for commit in differing(repo, notes_ref, remote_ref) {
        if !repo.has_commit(commit) {
            out.push((
                commit,
                "its commit is not in this clone, so the note cannot be checked; fetch the commit, or drop the note with `git notes --ref=<ref> remove <commit>`".to_string(),
            ));
            continue;
        }
        match load_note(repo, notes_ref, commit) {
            Ok(NoteRead::Invalid(v)) => out.push((commit, v.to_string())),
            Ok(_) => {}
            Err(e @ Error::MissingObject { .. }) => out.push((commit, e.to_string())),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Merges every note of `from_ref` into `into_ref`, run by run. An incoming note that fails
/// validation is refused and reported; a local run is never removed or rewritten (the union
/// keeps ours); an invalid local note is left as it is. Notes are checked as text
/// ([`frame`]), so the commits they annotate need not be here yet; readers check them
/// against the records when they read them.
pub fn merge_refs(repo: &Repo, into_ref: &str, from_ref: &str) -> Result<Merged> {
    let mut out = Merged::default();
    for commit in noted_commits(repo, from_ref) {
        let Some(incoming) = note_bytes(repo, from_ref, commit) else {
            continue;
        };
        let theirs = match incoming_blocks(repo, commit, &incoming)? {
            Ok(blocks) => blocks,
            Err(v) => {
                out.rejected.push((commit, v));
                continue;
            }
        };
        let local = note_bytes(repo, into_ref, commit);
        let merged = match local.as_deref().map(|t| frame(t, commit)) {
            None => theirs,
            // Notes of two versions cannot share a text: the commit's records give the note
            // when the commit is here; otherwise ours stays until it is.
            Some(Ok(ours))
                if ours.first().map(|b| b.version) != theirs.first().map(|b| b.version) =>
            {
                if repo.has_commit(commit) && attach(repo, into_ref, commit).is_ok() {
                    out.changed += usize::from(note_bytes(repo, into_ref, commit) != local);
                }
                continue;
            }
            Some(Ok(ours)) => union(ours, theirs),
            Some(Err(v)) => {
                out.rejected.push((commit, v));
                continue;
            }
        };
        let text = note_text::assemble(&commit.to_string(), &merged);
        if local.as_deref() != Some(text.as_bytes()) {
            write_text(repo, into_ref, commit, &text)?;
            out.changed += 1;
        }
    }
    Ok(out)
}

/// The commits that carry a note on `notes_ref` (none when the ref does not exist).
pub fn noted_commits(repo: &Repo, notes_ref: &str) -> Vec<ObjectId> {
    repo.noted_commits(notes_ref)
}

/// An incoming note's runs as lines, if it may be merged: well formed ([`frame`]) and, when
/// this clone has the commit and its records, exactly what those records say (so one bad run
/// from a remote never makes a local note invalid). A note on a commit not fetched yet is
/// merged as text; readers check it when they read it.
fn incoming_blocks(
    repo: &Repo,
    commit: ObjectId,
    bytes: &[u8],
) -> Result<Result<Vec<Block>, Violation>> {
    let blocks = match frame(bytes, commit) {
        Ok(blocks) => blocks,
        Err(v) => return Ok(Err(v)),
    };
    if repo.has_commit(commit) {
        match check_bytes(repo, commit, bytes) {
            Ok(NoteRead::Invalid(v)) => return Ok(Err(v)),
            Ok(_) | Err(Error::MissingObject { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Ok(blocks))
}

/// Whether `from_ref` may simply replace `into_ref` (a fast-forward): every note on it may be
/// merged ([`incoming_blocks`]), and every local run is still there, line for line.
pub fn keeps_every_local_run(repo: &Repo, into_ref: &str, from_ref: &str) -> Result<bool> {
    let mut theirs_of = std::collections::HashMap::new();
    for c in noted_commits(repo, from_ref) {
        let Some(bytes) = note_bytes(repo, from_ref, c) else {
            continue;
        };
        match incoming_blocks(repo, c, &bytes)? {
            Ok(blocks) => theirs_of.insert(c, blocks),
            Err(_) => return Ok(false),
        };
    }
    Ok(noted_commits(repo, into_ref).into_iter().all(|c| {
        let Some(Ok(ours)) = note_bytes(repo, into_ref, c).map(|b| frame(&b, c)) else {
            return true;
        };
        let theirs = theirs_of.get(&c).map_or(&[][..], Vec::as_slice);
        ours.iter().all(|run| theirs.contains(run))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(record: &str, id: &str) -> NoteRun {
        NoteRun {
            record: record.into(),
            record_blob: format!("{id}{}", "b".repeat(39)),
            run_id: id.into(),
            workflow_or_command: "manifest export".into(),
            started_at: String::new(),
            completed_at: String::new(),
            inputs: vec![],
            outputs: vec![],
        }
    }

    fn blocks(runs: &[NoteRun]) -> Vec<Block> {
        runs.iter().map(note_text::block).collect()
    }

    #[test]
    fn union_keeps_every_run_once_and_ours_first() {
        let ours = blocks(&[
            run("a/run-provenance.json", "1"),
            run("b/run-provenance.json", "2"),
        ]);
        let mut forged = run("c/run-provenance.json", "2");
        forged.workflow_or_command = "generate".into();
        let theirs = blocks(&[forged, run("d/run-provenance.json", "3")]);
        let merged = union(ours, theirs);
        let ids: Vec<(&str, &str)> = merged
            .iter()
            .map(|b| (b.run.record.as_str(), b.run.run_id.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("a/run-provenance.json", "1"),
                ("b/run-provenance.json", "2"),
                ("d/run-provenance.json", "3")
            ]
        );
    }
}
