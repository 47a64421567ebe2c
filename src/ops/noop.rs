//! A no-op export recognised before anything is derived, the way `dvc status` trusts its lock
//! file: when the run record already in the output directory was made by this same build
//! (`contextcore_build`), with the same resolved options and the same inputs (by sha256, the
//! scanned files and the run records read among them included), and every output it lists is
//! on disk with its recorded digests and is exactly the set this run writes, the run would
//! rewrite the same bytes. The record is kept and nothing is derived or written.
//!
//! A record is evidence, not authority: one that arrives in a pull request could describe
//! hand-edited outputs consistently. So the shortcut also needs this machine's own word: after
//! a full run, the sha256 of the record it wrote or kept is remembered under the git directory
//! (`.git/contextcore/derived/`, never committed), and only a record with that digest is
//! trusted. A checked-out or edited record gets one full run first; outside a repository there
//! is no shortcut.
//!
//! What else could change a byte is left to the full run: `--no-deterministic-output` (a new
//! time), a `SOURCE_DATE_EPOCH` other than the documents' time, `--emit-provenance` and
//! `--embed-provenance` (their block carries the git state and the command line), a write
//! strategy other than `update_existing`, `--force-record`, `--dry-run`, and every replay at a
//! recorded time (`verify --reproduce` always derives).

use std::path::Path;

use crate::fingerprint::{Digests, Fingerprint};
use crate::fsio::Action;
use crate::output::{Finished, Outcome};
use crate::paths::{RUN_RECORD, WriteStrategy};
use crate::provenance::{BUILD, Recorder, RunRecord};
use crate::workspace::Workspace;

/// What a no-op run must match besides its record: where it writes and what.
pub struct Expected<'a> {
    pub command: &'a str,
    pub dir: &'a Path,
    /// The file names and roles the run writes, in order.
    pub outputs: &'a [(&'a str, &'a str)],
    /// The document time the run would render with, when it is fixed (`SOURCE_DATE_EPOCH`);
    /// it must equal the time already in `time_file`.
    pub fixed_time: Option<String>,
    pub time_file: &'a Path,
}

/// The kept record, when the existing one already describes this run (see the module). The
/// directory is locked while it is checked, as a writing run would lock it.
pub fn kept(
    workspace: &Workspace,
    strategy: WriteStrategy,
    recorder: &Recorder,
    expected: &Expected,
) -> crate::error::Result<Option<RunRecord>> {
    if strategy != WriteStrategy::UpdateExisting || stamp_path(workspace, expected.dir).is_none() {
        return Ok(None);
    }
    if !expected.dir.join(RUN_RECORD).is_file() {
        return Ok(None);
    }
    let _lock = crate::output::lock_dir(workspace, expected.dir)?;
    Ok(check(workspace, recorder, expected))
}

fn check(workspace: &Workspace, recorder: &Recorder, expected: &Expected) -> Option<RunRecord> {
    let path = expected.dir.join(RUN_RECORD);
    let shown = workspace.record_path(&path, expected.dir);
    let bytes = read_small(&path)?;
    let remembered = std::fs::read(stamp_path(workspace, expected.dir)?).ok()?;
    if remembered != Digests::of_bytes(&bytes).sha256.as_bytes() {
        return None;
    }
    let json = serde_json::from_slice(&bytes).ok()?;
    let record = RunRecord::from_json(json, &shown).ok()?;
    let same_run = record.contextcore_build.as_deref() == Some(BUILD)
        && record.workflow_or_command == expected.command
        && crate::lineage::validate::run_id("run_id", &record.run_id).is_ok()
        && record.config_snapshot == recorder.config
        && record.inputs.len() == recorder.inputs.len()
        && record
            .inputs
            .iter()
            .zip(&recorder.inputs)
            .all(|(r, now)| r.role == now.role && r.fingerprint.same_content(&now.fingerprint));
    if !same_run || !same_outputs(workspace, &record, expected) {
        return None;
    }
    match &expected.fixed_time {
        Some(time) => (crate::timestamp::previous_time(expected.time_file).as_ref() == Some(time))
            .then_some(record),
        None => Some(record),
    }
}

/// Whether the record lists exactly the files the run writes, each on disk with its recorded
/// digests (hashed as the run would record them).
fn same_outputs(workspace: &Workspace, record: &RunRecord, expected: &Expected) -> bool {
    record.outputs.len() == expected.outputs.len()
        && record
            .outputs
            .iter()
            .zip(expected.outputs)
            .all(|(r, (name, role))| {
                let path = expected.dir.join(name);
                let shown = workspace.record_path(&path, expected.dir);
                r.role == *role
                    && r.fingerprint.path == shown
                    && r.fingerprint.exists
                    && Fingerprint::of_file(&path, &shown).is_ok_and(|now| {
                        now.exists
                            && now.sha256 == r.fingerprint.sha256
                            && now.git_blob == r.fingerprint.git_blob
                    })
            })
}

/// What a kept no-op run reports: every file and the record unchanged.
pub fn finished(workspace: &Workspace, dir: &Path, record: &RunRecord) -> Finished {
    let unchanged = |shown: String, role: &str| Outcome {
        shown,
        role: role.to_string(),
        action: Action::Unchanged,
        backup: None,
    };
    let record_shown = workspace.record_path(&dir.join(RUN_RECORD), dir);
    Finished {
        files: record
            .outputs
            .iter()
            .map(|o| unchanged(o.fingerprint.path.clone(), &o.role))
            .collect(),
        record: Some((unchanged(record_shown, "run_record"), record.run_id.clone())),
        dry_run: false,
    }
}

/// Remembers the record a full run in `dir` wrote or kept (see the module).
pub fn remember(workspace: &Workspace, dir: &Path) -> crate::error::Result<()> {
    let (Some(stamp), Some(bytes)) = (
        stamp_path(workspace, dir),
        read_small(&dir.join(RUN_RECORD)),
    ) else {
        return Ok(());
    };
    crate::fsio::create_dir(stamp.parent().unwrap_or(Path::new(".")))?;
    // Our own state, replaced rather than backed up.
    let _ = std::fs::remove_file(&stamp);
    crate::fsio::write_atomic(
        &stamp,
        Digests::of_bytes(&bytes).sha256.as_bytes(),
        &crate::fsio::Backups::Beside,
    )?;
    Ok(())
}

/// Where the digest of `dir`'s last derived record is kept: under the git directory, for an
/// output directory inside the repository.
fn stamp_path(workspace: &Workspace, dir: &Path) -> Option<std::path::PathBuf> {
    if workspace.is_outside(dir) {
        return None;
    }
    let shown = workspace.record_path(dir, dir);
    Some(
        workspace
            .state_dir()?
            .join("derived")
            .join(format!("dir-{}", shown.replace('/', "%"))),
    )
}

/// A record file's bytes, if it is no larger than a record may be.
fn read_small(path: &Path) -> Option<Vec<u8>> {
    let len = std::fs::metadata(path).ok()?.len();
    (len <= crate::lineage::validate::MAX_RECORD_BYTES as u64).then(|| std::fs::read(path).ok())?
}
