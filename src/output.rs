//! A command's output session: the output directory checked (inside the repository, not
//! through a symlink out), locked for the run, stale temp files removed; every file then goes
//! through the resolver ([`crate::paths`]) and the writer ([`crate::fsio`]) and is recorded.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::fingerprint::Fingerprint;
use crate::fsio::{self, Action, Backups, DirLock};
use crate::paths::{self, WriteStrategy};
use crate::policy::Policy;
use crate::provenance::{Recorder, RunRecord};
use crate::workspace::Workspace;

/// One file a run wrote (or, in a dry run, would write).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub shown: String,
    /// The role the run record gives the file.
    pub role: String,
    pub action: Action,
    pub backup: Option<String>,
}

/// What a run wrote, for its summary.
pub struct Finished {
    /// The files, in the order written (the record not included).
    pub files: Vec<Outcome>,
    /// The run record's outcome and run id, if one was written or kept.
    pub record: Option<(Outcome, String)>,
    pub dry_run: bool,
}

/// Where the previous content of a file replaced in `dir` goes: under the git directory
/// (never committed by `git add -A`) for a directory inside the repository, unless the policy
/// says `lineage.backup: beside`; beside the file (`.bak`) outside a repository or outside the
/// work tree. The one place this is decided.
pub fn backups_for(workspace: &Workspace, beside: bool, dir: &Path) -> Backups {
    match (workspace.state_dir(), workspace.repo_root.clone()) {
        (Some(state_dir), Some(repo_root)) if !beside && !workspace.is_outside(dir) => {
            Backups::GitDir {
                state_dir,
                repo_root,
            }
        }
        _ => Backups::Beside,
    }
}

/// The lock of an output directory: under the git directory for a directory in the work
/// tree; in the temp directory, named by a hash of the directory, otherwise (so the lock never
/// litters the outputs, and two outside directories with the same name never share one).
fn lock_path(workspace: &Workspace, dir: &Path, shown: &str) -> PathBuf {
    match workspace.state_dir() {
        Some(state) if !workspace.is_outside(dir) => state
            .join("locks")
            .join(format!("dir-{}.lock", shown.replace('/', "%"))),
        _ => std::env::temp_dir().join(format!(
            "contextcore-{}.lock",
            &crate::fingerprint::Digests::of_bytes(
                crate::workspace::absolute(dir)
                    .as_os_str()
                    .as_encoded_bytes()
            )
            .sha256[..16]
        )),
    }
}

/// Where a run in progress on a work-tree directory says so, until it finishes: a journal
/// left behind means the run was interrupted (see [`interrupted_runs`]).
fn journal_path(workspace: &Workspace, dir: &Path, shown: &str) -> Option<PathBuf> {
    let state = workspace.state_dir()?;
    (!workspace.is_outside(dir)).then(|| {
        state
            .join("journal")
            .join(format!("dir-{}.json", shown.replace('/', "%")))
    })
}

/// Output directories whose run started and did not finish (killed, or stopped by an error
/// after it began writing), with when it started; a run still holding its lock is not listed.
pub fn interrupted_runs(workspace: &Workspace) -> Vec<(String, String)> {
    let Some(state) = workspace.state_dir() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(state.join("journal")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        if entry.path().extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(text) = std::fs::read_to_string(entry.path()).ok() else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let (Some(dir), Some(started)) = (json["output_dir"].as_str(), json["started_at"].as_str())
        else {
            continue;
        };
        let lock = state
            .join("locks")
            .join(format!("dir-{}.lock", dir.replace('/', "%")));
        let running = DirLock::acquire(&lock, dir, std::time::Duration::ZERO).is_err();
        if !running {
            out.push((dir.to_string(), started.to_string()));
        }
    }
    out.sort();
    out
}

/// Locks an existing output directory against other contextcore runs (waiting as long as
/// `CONTEXTCORE_LOCK_TIMEOUT_MS` allows).
pub fn lock_dir(workspace: &Workspace, dir: &Path) -> Result<DirLock> {
    let shown = workspace.record_path(dir, dir);
    let lock_path = lock_path(workspace, dir, &shown);
    DirLock::acquire(
        &lock_path,
        &format!("{shown} ({})", lock_display(workspace, &lock_path)),
        fsio::lock_timeout(),
    )
}

/// Records the policy file a run writing into `dir` used, if any, as an input (before the
/// directory is opened, for a run that checks its record first).
pub fn record_policy(
    workspace: &Workspace,
    dir: &Path,
    policy: &Policy,
    recorder: &mut Recorder,
) -> Result<()> {
    match &policy.file {
        Some(file) => recorder.input(file, &workspace.record_path(file, dir), "policy"),
        None => Ok(()),
    }
}

/// The output directory of one run.
pub struct Outputs<'a> {
    workspace: &'a Workspace,
    /// The run's policy: what it read of it goes into the record.
    policy: &'a Policy,
    dir: PathBuf,
    strategy: WriteStrategy,
    backups: Backups,
    dry_run: bool,
    _lock: Option<DirLock>,
    /// Everything written so far, in order.
    pub outcomes: Vec<Outcome>,
}

impl<'a> Outputs<'a> {
    /// Opens (creates, unless dry run) and locks an output directory. Every name the run will
    /// write is resolved first, so an escape (a symlinked output) stops the run before any write.
    pub fn open(
        workspace: &'a Workspace,
        dir: &Path,
        strategy: WriteStrategy,
        policy: &'a Policy,
        dry_run: bool,
        names: &[impl AsRef<OsStr>],
    ) -> Result<Self> {
        // The directory itself may be anywhere the user names (CI exports to temp and artifact
        // directories) but the git directory; names inside it never resolve out of it.
        workspace.refuse_git_dir(dir)?;
        for name in names {
            paths::resolve(dir, name, strategy)?;
        }
        let backups = backups_for(workspace, policy.backup_beside(), dir);
        let lock = if dry_run {
            None
        } else {
            fsio::create_dir(dir)?;
            let lock = lock_dir(workspace, dir)?;
            let shown = workspace.record_path(dir, dir);
            if let Some(journal) = journal_path(workspace, dir, &shown) {
                let entry =
                    serde_json::json!({"output_dir": shown, "started_at": crate::timestamp::now()});
                fsio::create_dir(journal.parent().unwrap_or(Path::new(".")))?;
                // Our own state, replaced rather than backed up.
                let _ = std::fs::remove_file(&journal);
                fsio::write_atomic(&journal, entry.to_string().as_bytes(), &Backups::Beside)?;
            }
            fsio::remove_stale_temps(dir);
            Some(lock)
        };
        Ok(Self {
            workspace,
            policy,
            dir: dir.to_path_buf(),
            strategy,
            backups,
            dry_run,
            _lock: lock,
            outcomes: Vec::new(),
        })
    }

    /// The record-path form of a file in this directory.
    pub fn shown(&self, path: &Path) -> String {
        self.workspace.record_path(path, &self.dir)
    }

    /// Records the policy file the run used, if any, as an input.
    pub fn record_policy(&self, policy: &Policy, recorder: &mut Recorder) -> Result<()> {
        record_policy(self.workspace, &self.dir, policy, recorder)
    }

    /// Resolves the canonical `name`, writes `content`, and records it in `recorder` as `role`.
    pub fn write(
        &mut self,
        name: impl AsRef<OsStr>,
        content: &[u8],
        role: &str,
        recorder: &mut Recorder,
    ) -> Result<Outcome> {
        self.write_all(&[(name.as_ref(), content, role)], recorder)?;
        Ok(self.outcomes.last().cloned().expect("one file was written"))
    }

    /// [`Outputs::write`] for several files (name, content, role), each written and
    /// fingerprinted on its own thread (an export at 3,000 targets writes 55 MB: the copies
    /// into the page cache and the digests run side by side), recorded in the order given.
    pub fn write_all(
        &mut self,
        files: &[(&OsStr, &[u8], &str)],
        recorder: &mut Recorder,
    ) -> Result<()> {
        let mut targets = Vec::with_capacity(files.len());
        for (name, _, _) in files {
            let path = paths::resolve(&self.dir, name, self.strategy)?;
            let shown = self.shown(&path);
            targets.push((path, shown));
        }
        let backups = &self.backups;
        let dry_run = self.dry_run;
        let results: Vec<Result<(Action, Option<PathBuf>, Fingerprint)>> =
            std::thread::scope(|s| {
                let running: Vec<_> = targets
                    .iter()
                    .zip(files)
                    .map(|((path, shown), (_, content, _))| {
                        s.spawn(move || written(path, shown, content, backups, dry_run))
                    })
                    .collect();
                running
                    .into_iter()
                    .map(|r| r.join().expect("a writer thread panicked"))
                    .collect()
            });
        for (((_, shown), (_, _, role)), result) in targets.into_iter().zip(files).zip(results) {
            let (action, backup, fingerprint) = result?;
            let backup = backup.as_deref().map(|b| self.shown(b));
            recorder.output(fingerprint, role, action, backup.clone());
            self.outcomes.push(Outcome {
                shown,
                role: role.to_string(),
                action,
                backup,
            });
        }
        Ok(())
    }

    /// Ends the run: writes its record (when `emit`), and returns the files written and the
    /// record's outcome with its run id.
    pub fn finish(
        self,
        record_name: &str,
        mut recorder: Recorder,
        emit: bool,
        force: bool,
    ) -> Result<Finished> {
        recorder.policy_read = self.policy.read_record();
        let files = self.outcomes.clone();
        let record = if emit {
            Some(self.write_record(record_name, recorder, force)?)
        } else {
            None
        };
        if !self.dry_run {
            let shown = self.workspace.record_path(&self.dir, &self.dir);
            if let Some(journal) = journal_path(self.workspace, &self.dir, &shown) {
                let _ = std::fs::remove_file(journal);
            }
        }
        Ok(Finished {
            files,
            record,
            dry_run: self.dry_run,
        })
    }

    /// Writes the run record unless the existing one already describes this run's content
    /// (then it is kept, so a no-op rerun leaves `git status` clean). Returns what happened
    /// and the record's run id.
    fn write_record(
        &self,
        name: &str,
        recorder: Recorder,
        force: bool,
    ) -> Result<(Outcome, String)> {
        let name = self.record_name(name, &recorder.command);
        let record = recorder.finish();
        let path = paths::resolve(&self.dir, &name, self.strategy)?;
        let shown = self.shown(&path);
        if !force
            && self.strategy == WriteStrategy::UpdateExisting
            && let Ok(existing) = RunRecord::load(&path, &shown)
            && existing.same_content(&record)
            // Its run id is printed and kept: only a record that passes validation is kept.
            && crate::lineage::validate::run_id("run_id", &existing.run_id).is_ok()
        {
            let outcome = Outcome {
                shown,
                role: "run_record".into(),
                action: Action::Unchanged,
                backup: None,
            };
            return Ok((outcome, existing.run_id));
        }
        if self.dry_run {
            let action = if path.exists() {
                Action::Updated
            } else {
                Action::Created
            };
            let outcome = Outcome {
                shown,
                role: "run_record".into(),
                action,
                backup: None,
            };
            return Ok((outcome, record.run_id));
        }
        let written = fsio::write_atomic(&path, &record.to_bytes(), &self.backups)?;
        let outcome = Outcome {
            shown,
            role: "run_record".into(),
            action: written.action,
            backup: written.backup.as_deref().map(|b| self.shown(b)),
        };
        Ok((outcome, record.run_id))
    }
}

impl Outputs<'_> {
    /// The record this run writes. Two commands never share one record: when the directory's
    /// `run-provenance.json` belongs to another command (`generate -o` into an export's
    /// directory), this run gets its own `<command>-run-provenance.json`, which lineage reads
    /// as well; a rerun finds that name again.
    fn record_name(&self, name: &str, command: &str) -> String {
        if name != paths::RUN_RECORD {
            return name.to_string();
        }
        let own = format!("{}-{}", command.replace(' ', "-"), paths::RUN_RECORD);
        if self.dir.join(&own).is_file() {
            return own;
        }
        let shared = self.dir.join(name);
        match RunRecord::load(&shared, &self.shown(&shared)) {
            Ok(existing) if existing.workflow_or_command != command => own,
            _ => name.to_string(),
        }
    }
}

/// Writes one file (or, in a dry run, says what writing it would do): its action, backup and
/// fingerprint.
fn written(
    path: &Path,
    shown: &str,
    content: &[u8],
    backups: &Backups,
    dry_run: bool,
) -> Result<(Action, Option<PathBuf>, Fingerprint)> {
    if dry_run {
        let action = match std::fs::read(path) {
            Ok(old) if old == content => Action::Unchanged,
            Ok(_) => Action::Updated,
            Err(_) => Action::Created,
        };
        // Recorded as it would be, so a dry run can tell whether the record would be kept.
        return Ok((action, None, Fingerprint::of_content(content, shown)));
    }
    let (written, fingerprint) = Fingerprint::of_written(path, content, shown, || {
        fsio::write_atomic(path, content, backups)
    })?;
    Ok((written.action, written.backup, fingerprint))
}

fn lock_display(workspace: &Workspace, lock: &Path) -> String {
    match &workspace.repo_root {
        Some(root) => workspace.record_path(lock, root),
        None => crate::quote::fs_path(lock),
    }
}
