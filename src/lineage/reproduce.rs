//! `provenance verify --reproduce`: checks that run records are true. Each run is replayed
//! ([`super::replay`], every recorded value) in a scratch directory holding its inputs as the
//! commit (or the index) has them — read from the object store, never the working tree — and
//! every recorded output is compared byte for byte with the content the record names.
//! Run records themselves are not compared (ids and times differ by design).

use std::collections::HashMap;
use std::path::Path;

use crate::git::{ObjectId, Repo};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::git::BlobMap;
use crate::git::index::IndexFile;
use crate::lineage::view::{is_record_path, load_records};
use crate::lineage::{RecordFile, short};
use crate::workspace::Workspace;

use super::replay::{self, Mode, checked_path};

/// What reproducing one run concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every recorded output came out byte for byte.
    Reproduced,
    /// At least one output came out different (or not at all).
    Differs,
    /// The run cannot be replayed from what the commit holds; `reason` says why.
    Unverifiable,
}

/// One output that did not reproduce.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub path: String,
    /// The first differing line (1-based), when the recorded content is at hand.
    pub line: Option<usize>,
    pub recorded: Option<String>,
    pub reproduced: Option<String>,
}

/// The verdict on one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunCheck {
    pub record: String,
    pub run_id: String,
    pub command: String,
    pub outcome: Outcome,
    pub reason: Option<String>,
    /// The contextcore that made the run.
    pub recorded_by: String,
    /// Outputs compared.
    pub compared: usize,
    pub differences: Vec<Difference>,
    /// For an unverifiable run, the documented choice behind it
    /// ([`crate::policy::UNVERIFIABLE_CHOICES`]), which a policy may allow; `None` when the
    /// reason is one the record gives itself, which nothing allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<&'static str>,
}

impl RunCheck {
    /// Whether this verdict fails the check: a run that differs; an unverifiable run under
    /// `--strict`, for a reason the record gives itself, or for a documented choice that
    /// `allowed` (the policy's `lineage.unverifiable_allowed`) does not list.
    pub fn fails(&self, strict: bool, allowed: &[String]) -> bool {
        match self.outcome {
            Outcome::Reproduced => false,
            Outcome::Differs => true,
            Outcome::Unverifiable => {
                strict || self.choice.is_none_or(|c| !allowed.iter().any(|a| a == c))
            }
        }
    }

    /// Lines for the human report.
    pub fn lines(&self) -> Vec<String> {
        let run = format!(
            "{} ({}, run {})",
            self.record,
            self.command,
            short(&self.run_id)
        );
        let version = self.version_note();
        match self.outcome {
            Outcome::Reproduced => vec![format!(
                "reproduced: {run}: {} output(s) byte for byte{version}",
                self.compared
            )],
            Outcome::Unverifiable => vec![format!(
                "unverifiable: {run}: {}",
                self.reason.as_deref().unwrap_or("")
            )],
            Outcome::Differs => {
                let mut out = vec![format!(
                    "differs: {run}: {}{version}",
                    self.reason
                        .as_deref()
                        .unwrap_or("the recorded inputs and options produce other bytes")
                )];
                for d in &self.differences {
                    out.push(match (d.line, &d.recorded, &d.reproduced) {
                        (Some(line), recorded, reproduced) => format!(
                            "  {}: not what run {} produces; first difference at line {line}: recorded {:?}, reproduced {:?}",
                            d.path,
                            short(&self.run_id),
                            recorded.as_deref().unwrap_or("(end of file)"),
                            reproduced.as_deref().unwrap_or("(end of file)")
                        ),
                        (None, _, None) => format!(
                            "  {}: recorded as an output of run {}, but the reproduction does not write it",
                            d.path,
                            short(&self.run_id)
                        ),
                        (None, Some(note), _) => format!("  {}: {note}", d.path),
                        (None, None, Some(note)) if !note.is_empty() => {
                            format!("  {}: {note}", d.path)
                        }
                        (None, None, _) => format!(
                            "  {}: not what run {} produces (the commit's blob differs)",
                            d.path,
                            short(&self.run_id)
                        ),
                    });
                }
                out
            }
        }
    }

    fn version_note(&self) -> String {
        let ours = env!("CARGO_PKG_VERSION");
        if self.recorded_by.is_empty() || self.recorded_by == ours {
            String::new()
        } else {
            format!(
                " (recorded by contextcore {}, reproduced by {ours})",
                self.recorded_by
            )
        }
    }
}

/// Reproduces runs against one snapshot (a commit's tree or the index), remembering verdicts
/// across snapshots: a run whose record and inputs are the same blobs reproduces the same.
#[derive(Default)]
pub struct Reproducer {
    seen: HashMap<String, RunCheck>,
}

impl Reproducer {
    /// Reproduces every record of a snapshot (`blobs`: path → blob id).
    pub fn check(
        &mut self,
        repo: &Repo,
        blobs: &HashMap<String, ObjectId>,
        records: &[RecordFile],
    ) -> Result<Vec<RunCheck>> {
        records
            .iter()
            .map(|rf| self.check_run(repo, blobs, rf))
            .collect()
    }

    /// Reproduces one run of a snapshot, or gives the verdict already reached for it.
    pub fn check_run(
        &mut self,
        repo: &Repo,
        blobs: &HashMap<String, ObjectId>,
        rf: &RecordFile,
    ) -> Result<RunCheck> {
        let key = run_key(blobs, rf);
        if let Some(done) = self.seen.get(&key) {
            return Ok(done.clone());
        }
        let check = reproduce(repo, blobs, rf)?;
        self.seen.insert(key, check.clone());
        Ok(check)
    }
}

/// What makes two runs of two snapshots the same run to replay: the record's blob and the
/// blob of every input it names.
pub fn run_key(blobs: &HashMap<String, ObjectId>, rf: &RecordFile) -> String {
    let blob = |path: &str| blobs.get(path).map(ObjectId::to_string).unwrap_or_default();
    let mut key = blob(&rf.path);
    for i in &rf.record.inputs {
        key.push_str(&format!(
            " {}={}",
            i.fingerprint.path,
            blob(&i.fingerprint.path)
        ));
    }
    key
}

fn verdict(rf: &RecordFile, outcome: Outcome, reason: Option<String>) -> RunCheck {
    RunCheck {
        record: rf.path.clone(),
        run_id: rf.record.run_id.clone(),
        command: rf.record.workflow_or_command.clone(),
        outcome,
        reason,
        recorded_by: rf.record.contextcore_version.clone(),
        compared: 0,
        differences: Vec::new(),
        choice: None,
    }
}

/// Why a run cannot be reproduced from a snapshot, if it cannot, with the documented choice
/// behind it (`None`: a reason the record gives itself).
fn unverifiable(
    blobs: &HashMap<String, ObjectId>,
    rf: &RecordFile,
) -> Option<(Option<&'static str>, String)> {
    let r = &rf.record;
    let by_record = |why: String| Some((None, why));
    for i in r.inputs.iter().filter(|i| i.fingerprint.exists) {
        let path = &i.fingerprint.path;
        if let Err(why) = checked_path(path) {
            let choice = crate::workspace::names_outside(path).then_some("outside_inputs");
            return Some((choice, format!("input {why}")));
        }
        if !blobs.contains_key(path) {
            return by_record(format!(
                "input {path} ({}) is not in the commit, so there is no version of it to replay from",
                i.role
            ));
        }
    }
    for o in &r.outputs {
        if let Err(why) = checked_path(&o.fingerprint.path) {
            return by_record(format!("output {why}"));
        }
    }
    let on = |key: &str| r.config_snapshot.0.get(key).and_then(|s| s.value.as_bool()) == Some(true);
    if on("emit_provenance") || on("embed_provenance") {
        let why = "the legacy provenance block (--emit-provenance/--embed-provenance) holds the original command line and git state, which no replay has";
        // Only an export has these options: on any other record they are the record's word.
        return if r.workflow_or_command == "manifest export" {
            Some((Some("legacy_provenance"), why.into()))
        } else {
            by_record(format!(
                "it claims an option `{}` does not have ({why})",
                r.workflow_or_command
            ))
        };
    }
    None
}

/// The document time the run rendered with, read from the committed output that carries it
/// (the blob the record names, from the object store).
pub(crate) fn document_time(repo: &Repo, rf: &RecordFile) -> Option<String> {
    const CARRIERS: &[&str] = &[
        "validation_report",
        "quality_report",
        "onboarding_metadata",
        "init_from_plan_report",
    ];
    CARRIERS.iter().find_map(|role| {
        let o = rf.record.outputs.iter().find(|o| o.role == *role)?;
        let id = crate::git::oid(o.fingerprint.git_blob.as_deref()?).ok()?;
        let blob = repo.blob(id)?;
        let json: serde_json::Value = serde_json::from_slice(blob.content()).ok()?;
        json.get("generated_at")?.as_str().map(String::from)
    })
}

fn reproduce(repo: &Repo, blobs: &HashMap<String, ObjectId>, rf: &RecordFile) -> Result<RunCheck> {
    if let Some((choice, why)) = unverifiable(blobs, rf) {
        let mut check = verdict(rf, Outcome::Unverifiable, Some(why));
        check.choice = choice;
        return Ok(check);
    }
    let scratch = tempfile::Builder::new()
        .prefix("contextcore-reproduce-")
        .tempdir()
        .map_err(|e| Error::io("a scratch directory", e))?;
    let root = scratch
        .path()
        .canonicalize()
        .map_err(|e| Error::io("a scratch directory", e))?;
    for i in rf.record.inputs.iter().filter(|i| i.fingerprint.exists) {
        let path = &i.fingerprint.path;
        let blob = repo.find_blob(blobs[path], path)?;
        let file = root.join(crate::path_bytes::path_or_text(path));
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(path, e))?;
        }
        std::fs::write(&file, blob.content()).map_err(|e| Error::io(path, e))?;
    }
    let replay = match replay::from_record(&rf.record, &root, Mode::Reproduce) {
        Ok(r) => r,
        Err(why) => return Ok(verdict(rf, Outcome::Unverifiable, Some(why))),
    };
    let policy = match replay.load_policy() {
        Ok(p) => p,
        Err(e) => {
            return Ok(verdict(
                rf,
                Outcome::Differs,
                Some(format!("the policy the run recorded does not load: {e}")),
            ));
        }
    };
    let site = crate::ops::Site {
        workspace: Workspace {
            repo_root: Some(root.clone()),
            git_dir: None,
            common_dir: None,
        },
        policy,
        document_time: document_time(repo, rf),
        quiet: true,
        recorded: Some(rf.record.config_snapshot.clone()),
    };
    let ran = match replay.run(&site) {
        Ok(ran) => ran,
        Err(e) => {
            return Ok(verdict(
                rf,
                Outcome::Differs,
                Some(format!("the replay failed: {e}")),
            ));
        }
    };
    // What the replay wrote must be the record's own: not an input copied in, not a file
    // the record does not claim (a scratch directory holds only the inputs).
    let written: Vec<String> = ran
        .finished
        .iter()
        .flat_map(|f| f.files.iter())
        .map(|o| o.shown.clone())
        .collect();
    let record_written = ran
        .finished
        .iter()
        .filter_map(|f| f.record.as_ref())
        .map(|(o, _)| o.shown.clone());
    let all: Vec<String> = written.iter().cloned().chain(record_written).collect();
    let was_input = |path: &str| {
        rf.record
            .inputs
            .iter()
            .any(|i| i.fingerprint.exists && i.fingerprint.path == path)
    };
    if let Err(why) = replay::check_owned(&rf.path, &rf.record, &all, &was_input, &|_| None) {
        return Ok(verdict(rf, Outcome::Differs, Some(why)));
    }
    let mut check = verdict(rf, Outcome::Reproduced, None);
    if ran.code != 0 {
        check.reason = Some(format!("the replay exited {}", ran.code));
    }
    let seed = crate::lineage::SEED_COMMANDS.contains(&rf.record.workflow_or_command.as_str());
    for o in &rf.record.outputs {
        let path = &o.fingerprint.path;
        let wrote = written.contains(path);
        // The manifest a seed command wrote is people's to edit: it is checked to be the
        // manifest that command writes, not compared.
        let edited_seed = seed && crate::lineage::SEED_ROLES.contains(&o.role.as_str());
        if edited_seed || !o.fingerprint.exists {
            if wrote != o.fingerprint.exists {
                check.differences.push(not_written(path, wrote));
            }
            continue;
        }
        check.compared += 1;
        if let Some(d) = compare(repo, &root, blobs, path)? {
            check.differences.push(d);
        }
    }
    // Both ways: a file the replay writes that the record does not claim differs too.
    for path in &written {
        if !rf
            .record
            .outputs
            .iter()
            .any(|o| &o.fingerprint.path == path)
        {
            check.differences.push(Difference {
                path: path.clone(),
                line: None,
                recorded: None,
                reproduced: Some(
                    "(written by the replay, claimed by no output of the record)".into(),
                ),
            });
        }
    }
    if !check.differences.is_empty() || ran.code != 0 {
        check.outcome = Outcome::Differs;
    }
    Ok(check)
}

/// A claimed output the replay did not write (or, recorded as absent, did write).
fn not_written(path: &str, wrote: bool) -> Difference {
    Difference {
        path: path.to_string(),
        line: None,
        recorded: None,
        reproduced: wrote.then(|| "(written, though the record says it does not exist)".into()),
    }
}

/// Compares one recorded output as the replay wrote it with the **commit's** blob at that
/// path (never with what the record says the blob is): the record vouches for nothing.
fn compare(
    repo: &Repo,
    root: &Path,
    blobs: &HashMap<String, ObjectId>,
    path: &str,
) -> Result<Option<Difference>> {
    let Ok(reproduced) = std::fs::read(root.join(crate::path_bytes::path_or_text(path))) else {
        return Ok(Some(not_written(path, false)));
    };
    let Some(&at_commit) = blobs.get(path) else {
        return Ok(Some(Difference {
            path: path.to_string(),
            line: None,
            recorded: Some("(not in the commit as a regular file)".into()),
            reproduced: Some(String::new()),
        }));
    };
    // What the replay wrote is working-tree content; where git stores a path through a
    // clean filter (LFS, ident, an encoding), git says which blob that content becomes.
    if crate::git::filters::filtered(repo, path) {
        let stored = crate::git::filters::git_blob_of(repo, path, Some(&reproduced));
        return Ok((stored != Some(at_commit)).then(|| Difference {
            path: path.to_string(),
            line: None,
            recorded: None,
            reproduced: Some(String::new()),
        }));
    }
    let blob = repo.find_blob(at_commit, path)?;
    if blob.content() == reproduced.as_slice() {
        Ok(None)
    } else {
        Ok(Some(first_difference(path, blob.content(), &reproduced)))
    }
}

/// The first line where two contents differ.
fn first_difference(path: &str, recorded: &[u8], reproduced: &[u8]) -> Difference {
    let a: Vec<&[u8]> = recorded.split(|&b| b == b'\n').collect();
    let b: Vec<&[u8]> = reproduced.split(|&b| b == b'\n').collect();
    let at = (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(0);
    let show = |l: Option<&&[u8]>| {
        l.map(|l| {
            let text = String::from_utf8_lossy(l);
            text.chars().take(120).collect::<String>()
        })
    };
    Difference {
        path: path.to_string(),
        line: Some(at + 1),
        recorded: show(a.get(at)),
        reproduced: show(b.get(at)),
    }
}

/// A commit's blobs and run records, for a reproduction.
pub fn commit_snapshot(
    repo: &Repo,
    commit: ObjectId,
) -> Result<(HashMap<String, ObjectId>, Vec<RecordFile>)> {
    let tree = repo.find_commit(commit)?.tree()?;
    let map = BlobMap::of_tree(repo, &tree)?;
    let (records, _) = load_records(
        repo,
        map.blobs
            .iter()
            .filter(|(p, _)| is_record_path(p))
            .map(|(p, id)| (p.as_str(), *id)),
    )?;
    Ok((map.blobs, records))
}

/// The index's blobs and run records, for a reproduction.
pub fn index_snapshot(repo: &Repo) -> Result<(HashMap<String, ObjectId>, Vec<RecordFile>)> {
    let index = IndexFile::read(repo)?;
    let blobs: HashMap<String, ObjectId> = index
        .entries
        .iter()
        .map(|e| (e.path.clone(), e.id))
        .collect();
    let (records, _) = load_records(
        repo,
        blobs
            .iter()
            .filter(|(p, _)| is_record_path(p))
            .map(|(p, id)| (p.as_str(), *id)),
    )?;
    Ok((blobs, records))
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn first_difference_names_the_line_and_both_texts() {
        let d = first_difference("x", b"a\nb\nc\n", b"a\nB\nc\n");
        assert_eq!(d.line, Some(2));
        assert_eq!(d.recorded.as_deref(), Some("b"));
        assert_eq!(d.reproduced.as_deref(), Some("B"));
        let d = first_difference("x", b"a\n", b"a\nextra\n");
        assert_eq!(d.line, Some(2));
        assert_eq!(d.recorded.as_deref(), Some(""));
    }
}
