//! Lineage notes on `refs/notes/contextcore`: for a commit, the run records it added or
//! changed (against its first parent), with every input and output blob id. Attaching is
//! idempotent (recomputed from the tree, replacing any note); merging two notes is a union of
//! runs keyed by run id, so notes from two clones combine without loss.

use git2::{Oid, Repository, Signature};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::paths::is_run_record_name;

use super::validate::{self, Violation};
use super::view::parse_record;

/// The schema id of note payloads.
pub const NOTE_SCHEMA: &str = "contextcore.io/lineage-note/v1";

/// The JSON stored in a note.
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
pub fn note_for_commit(repo: &Repository, commit_id: Oid) -> Result<Option<NotePayload>> {
    let commit = repo.find_commit(commit_id)?;
    let tree = commit.tree()?;
    let parent_tree = match commit.parents().next() {
        Some(p) => Some(p.tree()?),
        None => None,
    };
    let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)?;
    let mut runs = Vec::new();
    for delta in diff.deltas() {
        let Some(path) = delta.new_file().path_bytes() else {
            continue;
        };
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        if !std::str::from_utf8(name).is_ok_and(is_run_record_name)
            || delta.new_file().id().is_zero()
        {
            continue;
        }
        let path = crate::path_bytes::encode(path);
        let blob = repo.find_blob(delta.new_file().id())?;
        // The note must pass the validation its readers apply: the record's own path too.
        validate::repo_path(&path).map_err(|problem| Error::Untrusted {
            path: path.clone(),
            violation: Violation::Path {
                field: "record".into(),
                value: path.clone(),
                problem,
            },
        })?;
        let record = parse_record(blob.content(), &path)?;
        let files = |list: Vec<(String, String, Option<String>, Option<String>)>| {
            list.into_iter()
                .map(|(path, role, sha256, git_blob)| NoteFile {
                    path,
                    role,
                    sha256,
                    git_blob,
                })
                .collect()
        };
        runs.push(NoteRun {
            record: path.clone(),
            record_blob: blob.id().to_string(),
            run_id: record.run_id.clone(),
            workflow_or_command: record.workflow_or_command.clone(),
            started_at: record.started_at.clone(),
            completed_at: record.completed_at.clone(),
            inputs: files(
                record
                    .inputs
                    .iter()
                    .map(|i| {
                        (
                            i.fingerprint.path.clone(),
                            i.role.clone(),
                            i.fingerprint.sha256.clone(),
                            i.fingerprint.git_blob.clone(),
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
                            o.fingerprint.path.clone(),
                            o.role.clone(),
                            o.fingerprint.sha256.clone(),
                            o.fingerprint.git_blob.clone(),
                        )
                    })
                    .collect(),
            ),
        });
    }
    runs.sort_by(|a, b| a.record.cmp(&b.record));
    Ok((!runs.is_empty()).then(|| NotePayload {
        schema: NOTE_SCHEMA.into(),
        commit: commit_id.to_string(),
        runs,
    }))
}

/// A commit's note as read from a notes ref: absent, valid, or breaking a rule of
/// `validate` (too large, not JSON, unsafe paths, claiming another commit…).
#[derive(Debug, Clone, PartialEq)]
pub enum NoteRead {
    Absent,
    Valid(NotePayload),
    Invalid(Violation),
}

/// Reads and validates a commit's note.
pub fn load_note(repo: &Repository, notes_ref: &str, commit: Oid) -> NoteRead {
    let Ok(note) = repo.find_note(Some(notes_ref), commit) else {
        return NoteRead::Absent;
    };
    let Ok(text) = std::str::from_utf8(note.message_bytes()) else {
        return NoteRead::Invalid(Violation::Malformed("the note is not UTF-8".into()));
    };
    match validate::note_text(text, &commit.to_string()) {
        Ok(payload) => NoteRead::Valid(payload),
        Err(v) => NoteRead::Invalid(v),
    }
}

/// Reads a commit's note, if it has one that passes validation.
pub fn read_note(repo: &Repository, notes_ref: &str, commit: Oid) -> Option<NotePayload> {
    match load_note(repo, notes_ref, commit) {
        NoteRead::Valid(p) => Some(p),
        _ => None,
    }
}

/// Writes (replacing) a commit's note.
pub fn write_note(
    repo: &Repository,
    notes_ref: &str,
    commit: Oid,
    payload: &NotePayload,
) -> Result<()> {
    let sig = signature(repo)?;
    let mut text = serde_json::to_string_pretty(payload).map_err(|e| Error::Git(e.to_string()))?;
    text.push('\n');
    repo.note(&sig, &sig, Some(notes_ref), commit, &text, true)?;
    Ok(())
}

/// Computes and attaches the note of `commit`; returns it, or `None` if the commit has no runs.
/// An existing identical note is left alone. The note is recomputed, never merged with what
/// is there: a note git copied from a rewritten commit (amend, rebase) that no longer holds
/// the run is replaced, or removed when the commit holds no run.
pub fn attach(repo: &Repository, notes_ref: &str, commit: Oid) -> Result<Option<NotePayload>> {
    let Some(payload) = note_for_commit(repo, commit)? else {
        if repo.find_note(Some(notes_ref), commit).is_ok() {
            let sig = signature(repo)?;
            repo.note_delete(commit, Some(notes_ref), &sig, &sig)?;
        }
        return Ok(None);
    };
    if read_note(repo, notes_ref, commit).as_ref() != Some(&payload) {
        write_note(repo, notes_ref, commit, &payload)?;
    }
    Ok(Some(payload))
}

/// The union of two notes of the same commit: every run of either, keyed by run id.
pub fn union(local: &NotePayload, other: &NotePayload) -> NotePayload {
    let mut runs = local.runs.clone();
    for run in &other.runs {
        if !runs.iter().any(|r| r.run_id == run.run_id) {
            runs.push(run.clone());
        }
    }
    runs.sort_by(|a, b| (&a.record, &a.run_id).cmp(&(&b.record, &b.run_id)));
    NotePayload {
        schema: local.schema.clone(),
        commit: local.commit.clone(),
        runs,
    }
}

/// What merging a fetched notes ref did.
#[derive(Debug, Default)]
pub struct Merged {
    /// Notes written on the local ref.
    pub changed: usize,
    /// Incoming notes refused (and local notes left alone because they are invalid).
    pub rejected: Vec<(Oid, Violation)>,
}

/// Merges every valid note of `from_ref` into `into_ref` by run id. An incoming note that
/// fails validation is refused and reported; a local run is never removed or rewritten (the
/// union keeps ours when a run id is on both sides); an invalid local note is left as it is.
pub fn merge_refs(repo: &Repository, into_ref: &str, from_ref: &str) -> Result<Merged> {
    let mut out = Merged::default();
    for commit in noted_commits(repo, from_ref) {
        let theirs = match load_note(repo, from_ref, commit) {
            NoteRead::Valid(p) => p,
            NoteRead::Invalid(v) => {
                out.rejected.push((commit, v));
                continue;
            }
            NoteRead::Absent => continue,
        };
        let ours = load_note(repo, into_ref, commit);
        let merged = match &ours {
            NoteRead::Valid(ours) => union(ours, &theirs),
            NoteRead::Absent => theirs,
            NoteRead::Invalid(v) => {
                out.rejected.push((commit, v.clone()));
                continue;
            }
        };
        if ours != NoteRead::Valid(merged.clone()) {
            write_note(repo, into_ref, commit, &merged)?;
            out.changed += 1;
        }
    }
    Ok(out)
}

/// The commits that carry a note on `notes_ref` (none when the ref does not exist).
pub fn noted_commits(repo: &Repository, notes_ref: &str) -> Vec<Oid> {
    match repo.notes(Some(notes_ref)) {
        Ok(iter) => iter
            .filter_map(|n| n.ok())
            .map(|(_, commit)| commit)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Whether `from_ref` may simply replace `into_ref` (a fast-forward): every note on it is
/// valid, and every local run is still there, unchanged.
pub fn keeps_every_local_run(repo: &Repository, into_ref: &str, from_ref: &str) -> bool {
    let all_valid = noted_commits(repo, from_ref)
        .into_iter()
        .all(|c| matches!(load_note(repo, from_ref, c), NoteRead::Valid(_)));
    all_valid
        && noted_commits(repo, into_ref).into_iter().all(|c| {
            let Some(ours) = read_note(repo, into_ref, c) else {
                return true;
            };
            let theirs = read_note(repo, from_ref, c);
            ours.runs
                .iter()
                .all(|run| theirs.as_ref().is_some_and(|t| t.runs.contains(run)))
        })
}

/// The repository's identity for notes commits, or a neutral one when git has none.
pub fn signature(repo: &Repository) -> Result<Signature<'static>> {
    match repo.signature() {
        Ok(sig) => Ok(sig.to_owned()),
        Err(_) => Ok(Signature::now("contextcore", "contextcore@localhost")?),
    }
}
