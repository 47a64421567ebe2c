//! The one validation of run records and lineage notes. Records and notes arrive in pull
//! requests and from remotes, so every reader (the hook, `provenance status|verify|show|
//! report`, `notes`, and replay) runs this before it uses a value: sizes are bounded, paths
//! are repository-relative and normalized, and run ids, roles, commands, digests and times
//! follow a known grammar. It only looks at strings already parsed: no extra parse, no hash.

use serde_json::Value as Json;

use super::LineageRecord;
use super::note_text::{self, Block};
use super::notes::{NOTE_SCHEMA, NotePayload};
use crate::fingerprint::Fingerprint;
use crate::quote;
use crate::workspace::OUTSIDE;

/// A run record larger than this is not parsed (our largest export records are ~100 KiB).
pub const MAX_RECORD_BYTES: usize = 4 << 20;
/// A lineage note larger than this is not parsed.
pub const MAX_NOTE_BYTES: usize = 4 << 20;
/// The longest path a record may name.
pub const MAX_PATH_CHARS: usize = 4096;

/// Commands whose runs can be replayed (`rerun`, `verify --reproduce`).
pub const KNOWN_COMMANDS: &[&str] = &[
    "manifest init",
    "manifest init-from-plan",
    "manifest export",
    "generate",
];

/// Why a path is refused. Each variant is a rule with a stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathProblem {
    #[error("is empty")]
    Empty,
    #[error("is longer than {MAX_PATH_CHARS} characters")]
    TooLong,
    #[error("holds a control or invisible character")]
    ControlChar,
    #[error("holds a backslash (record paths are /-separated)")]
    Backslash,
    #[error("is absolute (record paths are repository-relative)")]
    Absolute,
    #[error("walks up with '..' out of the repository")]
    ParentDir,
    #[error("is not normalized (an empty or '.' component)")]
    NotNormalized,
    #[error("names a git directory")]
    GitDir,
    #[error("is not in git's quoted form (a bad escape, stray quote or raw byte)")]
    BadQuoting,
}

impl PathProblem {
    /// The rule's name, as findings and tests name it.
    pub fn rule(self) -> &'static str {
        match self {
            PathProblem::Empty => "empty-path",
            PathProblem::TooLong => "path-too-long",
            PathProblem::ControlChar => "control-char",
            PathProblem::Backslash => "backslash",
            PathProblem::Absolute => "absolute-path",
            PathProblem::ParentDir => "parent-dir",
            PathProblem::NotNormalized => "not-normalized",
            PathProblem::GitDir => "git-dir",
            PathProblem::BadQuoting => "bad-quoting",
        }
    }
}

/// A record or note that breaks a rule; the message names the rule and the offending value
/// (quoted for a terminal).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Violation {
    #[error("[too-large] {size} bytes, over the {limit}-byte limit for a {what}; not parsed")]
    TooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("[{}] {field} {} {problem}", .problem.rule(), quote::path(.value))]
    Path {
        field: String,
        value: String,
        problem: PathProblem,
    },
    #[error("[{rule}] {field} {} is not a valid {kind} ({grammar})", quote::path(.value))]
    Grammar {
        rule: &'static str,
        kind: &'static str,
        field: String,
        value: String,
        grammar: &'static str,
    },
    #[error("[duplicate-run-id] run id {} appears in {} and {}", quote::path(.run_id), quote::path(.first), quote::path(.second))]
    DuplicateRunId {
        run_id: String,
        first: String,
        second: String,
    },
    #[error("[note-commit] the note on {actual} claims commit {}", quote::path(.claimed))]
    NoteCommit { claimed: String, actual: String },
    #[error("[note-schema] schema {} is not {NOTE_SCHEMA}", quote::path(.0))]
    NoteSchema(String),
    #[error("[malformed] {0}")]
    Malformed(String),
    #[error("[note-record] the note names record {} @{named}, but the commit holds {}", quote::path(.record), .held.as_deref().map_or("no such file".to_string(), |h| format!("@{}", &h[..12.min(h.len())])))]
    NoteRecord {
        record: String,
        named: String,
        held: Option<String>,
    },
    #[error("[note-missing-run] the note leaves out {}, a run record the commit adds or changes", quote::path(.record))]
    NoteMissingRun { record: String },
    #[error("[note-text] run {run} of the note ({}) does not say what its record says", quote::path(.record))]
    NoteRun { run: usize, record: String },
    #[error("[note-text] line {line} of the note says {}, but its records say {}", quote::path(.says), quote::path(.records))]
    NoteText {
        line: usize,
        says: String,
        records: String,
    },
    /// The record claims something its own command does not do (see [`shape`]).
    #[error("[{rule}] {detail}")]
    Shape { rule: &'static str, detail: String },
    #[error("[replay] option {} = {} cannot be replayed: {reason}", quote::path(.key), quote::path(.value))]
    Replay {
        key: String,
        value: String,
        reason: &'static str,
    },
}

impl Violation {
    /// The rule's name.
    pub fn rule(&self) -> &'static str {
        match self {
            Violation::TooLarge { .. } => "too-large",
            Violation::Path { problem, .. } => problem.rule(),
            Violation::Grammar { rule, .. } => rule,
            Violation::DuplicateRunId { .. } => "duplicate-run-id",
            Violation::NoteCommit { .. } => "note-commit",
            Violation::NoteSchema(_) => "note-schema",
            Violation::Malformed(_) => "malformed",
            Violation::NoteText { .. } | Violation::NoteRun { .. } => "note-text",
            Violation::NoteRecord { .. } => "note-record",
            Violation::NoteMissingRun { .. } => "note-missing-run",
            Violation::Replay { .. } => "replay",
            Violation::Shape { rule, .. } => rule,
        }
    }
}

impl crate::error::BrokenRule for Violation {
    fn rule(&self) -> &'static str {
        Violation::rule(self)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Violation {
    /// The violation an [`crate::error::Error::Untrusted`] carries, if it is one of ours.
    pub fn of(rule: &dyn crate::error::BrokenRule) -> Option<&Violation> {
        rule.as_any().downcast_ref::<Violation>()
    }
}

type Checked = Result<(), Violation>;

/// Where a valid record path points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoPath {
    /// A repository-relative path.
    Inside,
    /// `<outside>/name`: a file outside the repository, which lineage cannot check.
    Outside,
}

/// Checks one record path: `/`-separated, repository-relative, normalized, no `..`, no
/// absolute or drive prefix, no backslash, NUL or control character; or the `<outside>/name`
/// form the tool writes for files outside the repository. A path that is not UTF-8 is recorded
/// in git's quoted form ([`crate::path_bytes`]): it must decode strictly, and the rules apply to
/// the bytes it names.
pub fn repo_path(path: &str) -> Result<RepoPath, PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.len() > MAX_PATH_CHARS {
        return Err(PathProblem::TooLong);
    }
    let bytes = crate::path_bytes::decode(path).ok_or(PathProblem::BadQuoting)?;
    if bytes.is_empty() {
        return Err(PathProblem::Empty);
    }
    if String::from_utf8_lossy(&bytes)
        .chars()
        .any(quote::is_unprintable)
    {
        return Err(PathProblem::ControlChar);
    }
    if bytes.contains(&b'\\') {
        return Err(PathProblem::Backslash);
    }
    if bytes[0] == b'/' || (bytes.len() > 1 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic()) {
        return Err(PathProblem::Absolute);
    }
    let outside = format!("{OUTSIDE}/");
    if let Some(name) = bytes.strip_prefix(outside.as_bytes()) {
        return match name {
            b".." => Err(PathProblem::ParentDir),
            b"" | b"." => Err(PathProblem::NotNormalized),
            n if n.contains(&b'/') => Err(PathProblem::NotNormalized),
            _ => Ok(RepoPath::Outside),
        };
    }
    for part in bytes.split(|&b| b == b'/') {
        match part {
            b".." => return Err(PathProblem::ParentDir),
            b"" | b"." => return Err(PathProblem::NotNormalized),
            _ => {}
        }
    }
    Ok(RepoPath::Inside)
}

fn path_field(field: &str, value: &str) -> Result<RepoPath, Violation> {
    repo_path(value).map_err(|problem| Violation::Path {
        field: field.to_string(),
        value: value.to_string(),
        problem,
    })
}

fn grammar(kind: &'static str, grammar_text: &'static str, field: &str, value: &str) -> Violation {
    let rule = match kind {
        "run id" => "bad-run-id",
        "role" => "bad-role",
        "command" => "bad-command",
        "digest" => "bad-digest",
        "timestamp" => "bad-timestamp",
        _ => "bad-value",
    };
    Violation::Grammar {
        rule,
        kind,
        field: field.to_string(),
        value: value.to_string(),
        grammar: grammar_text,
    }
}

/// A run id: 1–128 ASCII letters, digits, `.`, `_`, `-`, starting with a letter or digit.
pub fn run_id(field: &str, id: &str) -> Checked {
    let ok = (1..=128).contains(&id.len())
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then_some(())
        .ok_or_else(|| grammar("run id", "1-128 of A-Z a-z 0-9 . _ -", field, id))
}

/// A role: 1–64 of `a-z`, `0-9`, `_`, starting with a letter.
pub fn role(field: &str, role: &str) -> Checked {
    let ok = (1..=64).contains(&role.len())
        && role.as_bytes()[0].is_ascii_lowercase()
        && role
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some(())
        .ok_or_else(|| grammar("role", "1-64 of a-z 0-9 _", field, role))
}

/// A command name: one to three lower-case words of `a-z`, `0-9`, `-` separated by one space
/// (`manifest export`). Replay further requires one of [`KNOWN_COMMANDS`].
pub fn command(field: &str, name: &str) -> Checked {
    let words: Vec<&str> = name.split(' ').collect();
    let ok = name.len() <= 64
        && words.len() <= 3
        && words.iter().all(|w| {
            w.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    ok.then_some(())
        .ok_or_else(|| grammar("command", "1-3 lower-case words of a-z 0-9 -", field, name))
}

/// A digest: `None`, or lower-case hex of 40 (sha1 blob id) or 64 characters.
pub fn digest(field: &str, value: Option<&str>) -> Checked {
    let Some(v) = value else { return Ok(()) };
    let ok = matches!(v.len(), 40 | 64)
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then_some(())
        .ok_or_else(|| grammar("digest", "40 or 64 lower-case hex digits", field, v))
}

/// A time: empty, or up to 40 of `0-9 T Z : . + -` (RFC 3339 and the earlier records' form).
pub fn timestamp(field: &str, value: &str) -> Checked {
    let ok = value.len() <= 40
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b"TZ:.+-".contains(&b));
    ok.then_some(())
        .ok_or_else(|| grammar("timestamp", "RFC 3339", field, value))
}

fn fingerprint(side: &str, i: usize, fp: &Fingerprint) -> Checked {
    let field = |name: &str| format!("{side}s[{i}].{name}");
    path_field(&field("path"), &fp.path)?;
    digest(&field("sha256"), fp.sha256.as_deref())?;
    digest(&field("git_blob"), fp.git_blob.as_deref())?;
    timestamp(&field("mtime"), fp.mtime.as_deref().unwrap_or(""))
}

/// Checks the lineage view of a run record (what every reader uses).
pub fn lineage(r: &LineageRecord) -> Checked {
    run_id("run_id", &r.run_id)?;
    command("workflow_or_command", &r.workflow_or_command)?;
    timestamp("started_at", &r.started_at)?;
    timestamp("completed_at", &r.completed_at)?;
    for (i, input) in r.inputs.iter().enumerate() {
        fingerprint("input", i, &input.fingerprint)?;
        role(&format!("inputs[{i}].role"), &input.role)?;
    }
    for (i, output) in r.outputs.iter().enumerate() {
        fingerprint("output", i, &output.fingerprint)?;
        role(&format!("outputs[{i}].role"), &output.role)?;
        if let Some(b) = &output.backup {
            path_field(&format!("outputs[{i}].backup"), b)?;
        }
    }
    super::confine::snapshot_paths(r)?;
    policy_read(r)
}

/// The policy keys a record says its run read: a repository-relative directory (or the root)
/// to look for the policy from, plain key names, values without control characters.
fn policy_read(r: &LineageRecord) -> Checked {
    let Some(p) = &r.policy_read else {
        return Ok(());
    };
    if let Some(from) = p.from.as_deref().filter(|f| !f.is_empty())
        && path_field("policy_read.from", from)? != RepoPath::Inside
    {
        return Err(Violation::Replay {
            key: "policy_read.from".into(),
            value: from.to_string(),
            reason: "it lies outside the repository",
        });
    }
    if p.keys.is_empty() {
        return Err(Violation::Replay {
            key: "policy_read.keys".into(),
            value: "{}".into(),
            reason: "a run that records its policy reads read at least one key",
        });
    }
    for (key, value) in &p.keys {
        let plain = !key.is_empty()
            && key.len() <= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let printable = super::confine::first_unprintable(value, 0).is_none();
        if !plain || !printable || key.starts_with("lineage") {
            return Err(Violation::Replay {
                key: format!("policy_read.{key}"),
                value: value.to_string(),
                reason: "not a plain policy key with a printable value",
            });
        }
    }
    Ok(())
}

/// The output roles each command writes. A record's labels are checked against its command:
/// a role is never taken from the record's word alone.
pub const WRITES: &[(&str, &[&str])] = &[
    (
        "manifest export",
        &[
            "project_context",
            "artifact_manifest",
            "onboarding_metadata",
            "validation_report",
            "quality_report",
            "legacy_provenance",
        ],
    ),
    (
        "generate",
        &[
            "service_monitor",
            "prometheus_rule",
            "prometheus_rule_file",
            "prometheus_rule_test",
            "dashboard",
            "dashboard_configmap",
            "generation_report",
        ],
    ),
    ("manifest init", &["manifest"]),
    (
        "manifest init-from-plan",
        &["manifest", "init_from_plan_report"],
    ),
];

/// Checks what a record says about itself against what its command does, so no label in it
/// can reduce what readers check (#26): the command is one contextcore runs; every output
/// has a role that command writes and lies in the record's own directory (every command
/// writes its record beside its outputs); a seed command (`manifest init`,
/// `init-from-plan`) writes exactly one manifest — the one output people edit afterwards;
/// no path is both an input and an output of the run. `record_path` is the record's
/// repository path as record text.
pub fn shape(record_path: &str, r: &LineageRecord) -> Checked {
    let command = r.workflow_or_command.as_str();
    let Some((_, roles)) = WRITES.iter().find(|(c, _)| *c == command) else {
        return Err(Violation::Shape {
            rule: "unknown-command",
            detail: format!(
                "{} is not a command contextcore runs, so nothing it claims can be checked",
                quote::path(command)
            ),
        });
    };
    let dir_of = |path: &str| {
        let bytes = crate::path_bytes::decode(path).unwrap_or_default();
        let cut = bytes.iter().rposition(|&b| b == b'/').unwrap_or(0);
        bytes[..cut].to_vec()
    };
    let own_dir = dir_of(record_path);
    for (i, o) in r.outputs.iter().enumerate() {
        let path = &o.fingerprint.path;
        if !roles.contains(&o.role.as_str()) {
            return Err(Violation::Shape {
                rule: "foreign-role",
                detail: format!(
                    "outputs[{i}] {} has role {}, which `{command}` never writes",
                    quote::path(path),
                    quote::path(&o.role)
                ),
            });
        }
        let name = crate::path_bytes::decode(path).unwrap_or_default();
        let name = name.rsplit(|&b| b == b'/').next().unwrap_or(&name);
        if std::str::from_utf8(name).is_ok_and(crate::paths::is_run_record_name) {
            return Err(Violation::Shape {
                rule: "record-as-output",
                detail: format!(
                    "outputs[{i}] {} is a run record's name; no command writes another run's record",
                    quote::path(path)
                ),
            });
        }
        if dir_of(path) != own_dir {
            return Err(Violation::Shape {
                rule: "output-elsewhere",
                detail: format!(
                    "outputs[{i}] {} is not beside the record ({} runs write their record into the directory of their outputs)",
                    quote::path(path),
                    command
                ),
            });
        }
        if r.inputs.iter().any(|i| &i.fingerprint.path == path) {
            return Err(Violation::Shape {
                rule: "input-is-output",
                detail: format!(
                    "{} is both an input and an output of the run",
                    quote::path(path)
                ),
            });
        }
    }
    let manifests = r.outputs.iter().filter(|o| o.role == "manifest").count();
    if super::SEED_COMMANDS.contains(&command) && manifests != 1 {
        return Err(Violation::Shape {
            rule: "seed-manifest",
            detail: format!("a `{command}` run writes one manifest; this record lists {manifests}"),
        });
    }
    Ok(())
}

/// Bounds, parses and checks a run record's bytes: the entry point of every reader.
pub fn record_bytes(bytes: &[u8]) -> Result<LineageRecord, Violation> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(Violation::TooLarge {
            what: "run record",
            size: bytes.len(),
            limit: MAX_RECORD_BYTES,
        });
    }
    let r: LineageRecord = serde_json::from_slice(bytes).map_err(|e| {
        Violation::Malformed(format!(
            "not a valid run record at line {} column {}: {}",
            e.line(),
            e.column(),
            quote::line(&e.to_string())
        ))
    })?;
    lineage(&r)?;
    Ok(r)
}

/// Checks a run record already parsed as JSON (as replay reads it).
pub fn record(json: &Json) -> Result<LineageRecord, Violation> {
    let r: LineageRecord = serde_json::from_value(json.clone())
        .map_err(|e| Violation::Malformed(quote::line(&format!("not a valid run record: {e}"))))?;
    lineage(&r)?;
    Ok(r)
}

/// Bounds, parses and checks a note's text for the commit it is attached to.
pub fn note_text(text: &str, commit: &str) -> Result<NotePayload, Violation> {
    if text.len() > MAX_NOTE_BYTES {
        return Err(Violation::TooLarge {
            what: "lineage note",
            size: text.len(),
            limit: MAX_NOTE_BYTES,
        });
    }
    let note: NotePayload = serde_json::from_str(text).map_err(|e| {
        Violation::Malformed(quote::line(&format!("not a valid lineage note: {e}")))
    })?;
    note_payload(&note, commit)?;
    Ok(note)
}

/// Checks a parsed note: its schema, the commit it claims, and every run and file in it.
pub fn note_payload(note: &NotePayload, commit: &str) -> Checked {
    if note.schema != NOTE_SCHEMA && note_text::Version::of_schema(&note.schema).is_none() {
        return Err(Violation::NoteSchema(note.schema.clone()));
    }
    if note.commit != commit {
        return Err(Violation::NoteCommit {
            claimed: note.commit.clone(),
            actual: commit.to_string(),
        });
    }
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (i, run) in note.runs.iter().enumerate() {
        let field = |name: &str| format!("runs[{i}].{name}");
        path_field(&field("record"), &run.record)?;
        digest(&field("record_blob"), Some(&run.record_blob))?;
        run_id(&field("run_id"), &run.run_id)?;
        command(&field("workflow_or_command"), &run.workflow_or_command)?;
        timestamp(&field("started_at"), &run.started_at)?;
        timestamp(&field("completed_at"), &run.completed_at)?;
        for (side, files) in [("inputs", &run.inputs), ("outputs", &run.outputs)] {
            for (j, f) in files.iter().enumerate() {
                let field = |name: &str| format!("runs[{i}].{side}[{j}].{name}");
                path_field(&field("path"), &f.path)?;
                role(&field("role"), &f.role)?;
                digest(&field("sha256"), f.sha256.as_deref())?;
                digest(&field("git_blob"), f.git_blob.as_deref())?;
            }
        }
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == run.run_id) {
            return Err(Violation::DuplicateRunId {
                run_id: run.run_id.clone(),
                first: first.to_string(),
                second: run.record.clone(),
            });
        }
        seen.push((&run.run_id, &run.record));
    }
    Ok(())
}

/// Checks a v2 note's lines before the records they name are read (as merging does): every
/// record path is valid, no line holds a control or invisible character, and no run is named
/// twice.
pub fn note_blocks(blocks: &[Block]) -> Checked {
    for (i, b) in blocks.iter().enumerate() {
        path_field(&format!("runs[{i}].record"), &b.run.record)?;
        let lines = std::iter::once(&b.line).chain(&b.details);
        if let Some(line) = lines
            .into_iter()
            .find(|l| l.chars().any(quote::is_unprintable))
        {
            return Err(Violation::Malformed(format!(
                "run {} holds a control or invisible character: {}",
                i + 1,
                quote::path(line)
            )));
        }
        if let Some(first) = blocks[..i].iter().find(|f| f.run.run_id == b.run.run_id) {
            return Err(Violation::DuplicateRunId {
                run_id: b.run.run_id.clone(),
                first: first.run.record.clone(),
                second: b.run.record.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_are_accepted_and_escapes_are_not() {
        assert_eq!(repo_path("out/x.yaml"), Ok(RepoPath::Inside));
        assert_eq!(repo_path(".contextcore.yaml"), Ok(RepoPath::Inside));
        assert_eq!(repo_path("<outside>/x.yaml"), Ok(RepoPath::Outside));
        assert_eq!(repo_path("../x"), Err(PathProblem::ParentDir));
        assert_eq!(repo_path("out/../../x"), Err(PathProblem::ParentDir));
        assert_eq!(repo_path("/etc/shadow"), Err(PathProblem::Absolute));
        assert_eq!(repo_path("c:/x"), Err(PathProblem::Absolute));
        assert_eq!(repo_path("out\\x"), Err(PathProblem::Backslash));
        assert_eq!(repo_path("out/\u{1b}[31m"), Err(PathProblem::ControlChar));
        assert_eq!(repo_path("a\0b"), Err(PathProblem::ControlChar));
        assert_eq!(repo_path("./x"), Err(PathProblem::NotNormalized));
        assert_eq!(repo_path("out//x"), Err(PathProblem::NotNormalized));
        assert_eq!(repo_path("<outside>/a/b"), Err(PathProblem::NotNormalized));
        assert_eq!(repo_path("<outside>/.."), Err(PathProblem::ParentDir));
        assert_eq!(repo_path(""), Err(PathProblem::Empty));
    }

    #[test]
    fn quoted_paths_are_checked_by_the_bytes_they_name() {
        assert_eq!(repo_path(r#""out/caf\351.yaml""#), Ok(RepoPath::Inside));
        assert_eq!(repo_path(r#""<outside>/\377""#), Ok(RepoPath::Outside));
        assert_eq!(repo_path(r#""\"a""#), Ok(RepoPath::Inside));
        for (bad, problem) in [
            (r#""caf\9.yaml""#, PathProblem::BadQuoting),
            (r#""a\..\x""#, PathProblem::BadQuoting),
            (r#""out/x.yaml""#, PathProblem::BadQuoting),
            (r#""\377"#, PathProblem::BadQuoting),
            (r#""""#, PathProblem::BadQuoting),
            (r#""\377/../../x""#, PathProblem::ParentDir),
            (r#""/\377""#, PathProblem::Absolute),
            (r#""\377\\x""#, PathProblem::Backslash),
            (r#""\377\033[2J""#, PathProblem::ControlChar),
            (r#""\377\000""#, PathProblem::ControlChar),
            (r#""\377//x""#, PathProblem::NotNormalized),
            (r#""<outside>/\377/x""#, PathProblem::NotNormalized),
        ] {
            assert_eq!(repo_path(bad), Err(problem), "{bad}");
        }
    }

    #[test]
    fn grammars_take_what_the_tool_writes() {
        assert!(run_id("r", "84860c84-e2ae-473d-8a70-3561656a1b0f").is_ok());
        assert!(run_id("r", "@octocat").is_err());
        assert!(role("r", "project_context").is_ok());
        assert!(role("r", "Project").is_err());
        assert!(command("c", "manifest init-from-plan").is_ok());
        assert!(command("c", "manifest  export").is_err());
        assert!(command("c", "generate;").is_err());
        assert!(digest("d", Some(&"a".repeat(40))).is_ok());
        assert!(digest("d", Some(&"A".repeat(40))).is_err());
        assert!(timestamp("t", "2026-02-16T22:33:57.990064").is_ok());
        assert!(timestamp("t", "\u{1b}[2J").is_err());
    }

    #[test]
    fn an_oversized_record_is_not_parsed() {
        let big = vec![b' '; MAX_RECORD_BYTES + 1];
        assert_eq!(record_bytes(&big).unwrap_err().rule(), "too-large");
    }

    #[test]
    fn violations_name_their_rule_and_quote_the_value() {
        let v = Violation::Path {
            field: "outputs[0].path".into(),
            value: "out/\u{1b}x".into(),
            problem: PathProblem::ControlChar,
        };
        assert_eq!(
            v.to_string(),
            "[control-char] outputs[0].path \"out/\\033x\" holds a control or invisible character"
        );
    }
}
