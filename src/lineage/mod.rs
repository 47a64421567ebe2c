//! The lineage engine: given run records and a view of the repository (the index, a
//! commit's tree, or the working tree), classify every recorded file as fresh, stale,
//! modified or missing, and find unowned files. The pre-commit hook, `provenance status`,
//! `provenance verify` and CI all use this one engine.

pub mod check;
pub mod claims;
pub mod confine;
pub mod doctor;
pub mod exchange;
pub mod hint;
pub mod hook_run;
pub mod hooks;
pub mod note_text;
pub mod notes;
pub mod order;
pub mod policy_reads;
pub mod replay;
pub mod reproduce;
pub mod rerun;
pub mod validate;
pub mod view;

use std::collections::BTreeSet;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::policy::ConfigSnapshot;
use crate::provenance::{InputRecord, OutputRecord};
pub use view::View;

/// A run record and where it lives in the repository.
#[derive(Debug, Clone)]
pub struct RecordFile {
    pub path: String,
    pub record: LineageRecord,
}

/// The part of a run record that lineage reads. The rest of the file (quality summary,
/// artifact references) is skipped without being built: the hook parses every record.
#[derive(Debug, Clone, Deserialize)]
pub struct LineageRecord {
    pub run_id: String,
    pub workflow_or_command: String,
    /// The contextcore that made the run (a reproduction by another version says so).
    #[serde(default)]
    pub contextcore_version: String,
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub completed_at: String,
    #[serde(default)]
    pub config_snapshot: ConfigSnapshot,
    pub inputs: Vec<InputRecord>,
    pub outputs: Vec<OutputRecord>,
    /// The policy keys the run read and their values (records made before #30 have none:
    /// their policy file is compared as a file).
    #[serde(default)]
    pub policy_read: Option<crate::policy::PolicyRead>,
    /// In a lean record from the claims cache: that the run recorded its policy reads, and
    /// where it looked for its policy. The keys stay in the record blob: they are needed only
    /// when the policy that applies is not the file the run read, and then the record is
    /// read in full (the hook reads a thousand records per commit).
    #[serde(skip)]
    pub policy_cached: Option<CachedPolicyRead>,
}

/// `policy_read` of a cached record: only `from`.
#[derive(Debug, Clone)]
pub struct CachedPolicyRead {
    pub from: Option<String>,
}

impl LineageRecord {
    /// Whether the run recorded the policy keys it read.
    pub fn reads_policy(&self) -> bool {
        self.policy_read.is_some() || self.policy_cached.is_some()
    }

    /// Where the run looked for its policy (`None` inside: a `--policy FILE` run), if it
    /// recorded the keys it read.
    pub fn policy_from(&self) -> Option<Option<&str>> {
        match (&self.policy_read, &self.policy_cached) {
            (Some(p), _) => Some(p.from.as_deref()),
            (None, Some(c)) => Some(c.from.as_deref()),
            (None, None) => None,
        }
    }

    /// The policy keys the run read; `None` in a lean record (they are in its blob).
    pub fn policy_keys(&self) -> Option<&std::collections::BTreeMap<String, serde_json::Value>> {
        self.policy_read.as_ref().map(|p| &p.keys)
    }
}

/// What the engine concluded about one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Fresh,
    /// A repository input's blob differs from the recorded one.
    Stale,
    /// An output's blob differs: a hand edit or a regeneration without a record.
    Modified,
    /// A recorded output is not in the view.
    Missing,
    /// A file matching `lineage.tracked_outputs` that no record claims.
    Unowned,
    /// A record or note contradicts itself or the commit: edited by hand.
    Tampered,
    /// A recorded input outside the repository: git has no version of it to compare.
    Unchecked,
}

impl Verdict {
    /// The word printed for this verdict.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fresh => "fresh",
            Verdict::Stale => "stale",
            Verdict::Modified => "modified after run",
            Verdict::Missing => "missing",
            Verdict::Unowned => "unowned",
            Verdict::Tampered => "tampered",
            Verdict::Unchecked => "cannot be checked",
        }
    }
}

/// The rule a finding names when a recorded path holds something other than a regular file.
pub const NOT_REGULAR: &str = "not-a-regular-file";

/// One classified file.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub path: String,
    pub verdict: Verdict,
    /// `input` or `output` (or `tracked` for unowned files).
    pub side: &'static str,
    pub role: String,
    /// The record that claims the file, if any.
    pub record: Option<String>,
    pub run_id: Option<String>,
    pub recorded_blob: Option<String>,
    pub actual_blob: Option<String>,
    /// The command that fixes it.
    pub fix: String,
    /// For a tampered record or note: the rule of `validate` it broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// What changed, when a blob id does not say it (the policy keys a run read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Finding {
    /// Whether this finding is a violation.
    pub fn is_problem(&self) -> bool {
        !matches!(self.verdict, Verdict::Fresh | Verdict::Unchecked)
    }

    /// One line: file, kind, and the fix. Paths are quoted like git quotes them and any
    /// other non-printable character is escaped: the line is safe to print on a terminal.
    pub fn line(&self) -> String {
        crate::quote::line(&self.raw_line())
    }

    fn raw_line(&self) -> String {
        let run = self.run_id.as_deref().map(short).unwrap_or("");
        let mut path = crate::quote::path(&self.path);
        if self.rule == Some(NOT_REGULAR) {
            path.push_str(
                " (a symbolic link, submodule or directory, not the regular file recorded)",
            );
        }
        let record = self.record.as_deref().map(crate::quote::path);
        match self.verdict {
            Verdict::Stale => match &self.detail {
                Some(detail) => format!(
                    "{path}: stale: {} since run {run}; rerun: {}",
                    crate::quote::line(detail),
                    self.fix
                ),
                None => format!(
                    "{}: stale: input changed since run {run} (recorded {}, now {}); rerun: {}",
                    path,
                    short_opt(&self.recorded_blob),
                    short_opt(&self.actual_blob),
                    self.fix
                ),
            },
            Verdict::Modified => format!(
                "{}: modified after run {run} (recorded {}, now {}); rerun: {} or restore it: git restore --source=HEAD --staged --worktree -- {}",
                path,
                short_opt(&self.recorded_blob),
                short_opt(&self.actual_blob),
                self.fix,
                // `:(top)` so the command works from any directory of the work tree.
                hint::shell_path(&top_pathspec(&self.path))
            ),
            Verdict::Missing => format!(
                "{}: missing: recorded by run {run} in {} but not present; rerun: {}",
                path,
                record.as_deref().unwrap_or("?"),
                self.fix
            ),
            Verdict::Unowned => format!(
                "{}: unowned: matches lineage.tracked_outputs but no run record claims it; {}",
                path, self.fix
            ),
            Verdict::Tampered => format!("{path}: tampered: {}", self.fix),
            Verdict::Fresh => format!("{path}: fresh (run {run})"),
            Verdict::Unchecked => format!(
                "{}: cannot be checked: the input lies outside the repository, so git holds no version of it (recorded {})",
                path,
                short_opt(&self.recorded_blob)
            ),
        }
    }
}

/// Output roles a person is meant to edit after the run: the manifest that `manifest init` and
/// `init-from-plan` seed. Editing it is the workflow, not a lineage violation; runs that read
/// it (export) record it as their input and catch staleness there.
pub const SEED_ROLES: &[&str] = &["manifest"];

/// Commands whose runs seed a manifest. Their inputs changing later (a plan edited, the policy
/// tuned) never asks for a rerun: rerunning would overwrite the edited manifest.
pub const SEED_COMMANDS: &[&str] = &["manifest init", "manifest init-from-plan"];

/// The first 12 characters of an id.
pub fn short(id: &str) -> &str {
    id.char_indices().nth(12).map_or(id, |(i, _)| &id[..i])
}

/// `:(top)path` as record text, so a path that is not UTF-8 stays one quoted word.
fn top_pathspec(path: &str) -> String {
    let bytes = crate::path_bytes::decode(path).unwrap_or_else(|| path.as_bytes().to_vec());
    crate::path_bytes::encode(&[b":(top)".as_slice(), &bytes].concat())
}

fn short_opt(id: &Option<String>) -> &str {
    id.as_deref().map(short).unwrap_or("none")
}

/// Compiles `lineage.tracked_outputs` globs.
pub fn tracked_globs(patterns: &[String]) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob =
            Glob::new(p).map_err(|e| Error::Usage(format!("lineage.tracked_outputs: {e}")))?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| Error::Usage(format!("lineage.tracked_outputs: {e}")))
}

/// Classifies every file of every record against `view`, then finds unowned files among
/// `candidates` (paths to check against the tracked-output globs).
pub fn classify(
    records: &[RecordFile],
    view: &dyn View,
    tracked: &GlobSet,
    candidates: &[String],
    drift: &dyn Fn(&RecordFile) -> Option<policy_reads::Drift>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut claimed: BTreeSet<&str> = BTreeSet::new();
    for rf in records {
        let r = &rf.record;
        claimed.insert(rf.path.as_str());
        let seed_run = SEED_COMMANDS.contains(&r.workflow_or_command.as_str());
        // A run that recorded the policy keys it read is held to those keys, not to the
        // policy file's bytes (#30).
        let by_keys = r.reads_policy();
        if !seed_run && let Some(d) = drift(rf) {
            let detail = d.detail();
            let mut f = finding(
                rf,
                &d.path,
                "input",
                "policy",
                Verdict::Stale,
                &None,
                d.blob,
            );
            f.detail = Some(detail);
            findings.push(f);
        }
        // Only a file that is a policy by its name is compared by keys: a record's label
        // ("policy") alone never lifts the check of its file.
        let by_keys_only = |i: &InputRecord| {
            by_keys && i.role == "policy" && policy_reads::is_policy_file(&i.fingerprint.path)
        };
        for input in r.inputs.iter().filter(|i| !(seed_run || by_keys_only(i))) {
            let fp = &input.fingerprint;
            if crate::workspace::names_outside(&fp.path) {
                findings.push(finding(
                    rf,
                    &fp.path,
                    "input",
                    &input.role,
                    Verdict::Unchecked,
                    &fp.git_blob,
                    None,
                ));
                continue;
            }
            // A recorded input missing from the view is stale (deleted, or never committed):
            // the record cannot vouch for outputs made from a file the commit lacks.
            let actual = view.blob(&fp.path);
            if actual.is_none() && !fp.exists {
                continue;
            }
            let verdict = if input_holds(fp, &actual) {
                Verdict::Fresh
            } else {
                Verdict::Stale
            };
            findings.push(finding(
                rf,
                &fp.path,
                "input",
                &input.role,
                verdict,
                &fp.git_blob,
                actual,
            ));
        }
        for output in &r.outputs {
            let fp = &output.fingerprint;
            claimed.insert(fp.path.as_str());
            // Only the manifest a seed command wrote is people's to edit (`validate::shape`
            // holds every other role to its command).
            if seed_run && SEED_ROLES.contains(&output.role.as_str()) {
                continue;
            }
            let actual = view.blob(&fp.path);
            let verdict = output_verdict(fp, actual.clone());
            findings.push(finding(
                rf,
                &fp.path,
                "output",
                &output.role,
                verdict,
                &fp.git_blob,
                actual,
            ));
        }
    }
    // Only regular files are recorded; a path that reads as absent because something else is
    // there says so.
    for f in findings
        .iter_mut()
        .filter(|f| f.is_problem() && f.actual_blob.is_none())
    {
        if view.not_regular(&f.path) {
            f.rule = Some(NOT_REGULAR);
        }
    }
    // The rerun command is only built for records with a problem (the hook's common case is
    // all fresh).
    let mut commands: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for f in findings.iter_mut().filter(|f| f.is_problem()) {
        if let Some(rf) = records
            .iter()
            .find(|rf| Some(rf.path.as_str()) == f.record.as_deref())
        {
            f.fix = commands
                .entry(rf.path.as_str())
                .or_insert_with(|| hint::command(&rf.record))
                .clone();
        }
    }
    for path in candidates {
        if tracked.is_match(path) && !claimed.contains(path.as_str()) {
            findings.push(Finding {
                path: path.clone(),
                verdict: Verdict::Unowned,
                side: "tracked",
                role: String::new(),
                record: None,
                run_id: None,
                recorded_blob: None,
                actual_blob: view.blob(path),
                fix: "generate it with contextcore (so a run record owns it) or narrow lineage.tracked_outputs".into(),
                rule: None,
                detail: None,
            });
        }
    }
    findings
}

/// Whether a recorded input is what a view holds: present exactly when recorded as existing,
/// with the recorded blob id (a record that says "exists" with no blob id vouches for nothing).
pub fn input_holds(fp: &crate::fingerprint::Fingerprint, actual: &Option<String>) -> bool {
    actual.is_some() == fp.exists && *actual == fp.git_blob
}

/// An output's verdict from its recorded fingerprint and its blob in a view: an output
/// recorded as not existing that is present is `modified` (its record cannot vouch for it).
pub fn output_verdict(fp: &crate::fingerprint::Fingerprint, actual: Option<String>) -> Verdict {
    match (&actual, fp.exists) {
        (None, true) => Verdict::Missing,
        (Some(_), false) => Verdict::Modified,
        _ if actual == fp.git_blob => Verdict::Fresh,
        _ => Verdict::Modified,
    }
}

fn finding(
    rf: &RecordFile,
    path: &str,
    side: &'static str,
    role: &str,
    verdict: Verdict,
    recorded: &Option<String>,
    actual: Option<String>,
) -> Finding {
    Finding {
        path: path.to_string(),
        verdict,
        side,
        role: role.to_string(),
        record: Some(rf.path.clone()),
        run_id: Some(rf.record.run_id.clone()),
        recorded_blob: recorded.clone(),
        actual_blob: actual,
        fix: String::new(),
        rule: None,
        detail: None,
    }
}
