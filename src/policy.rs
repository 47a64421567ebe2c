//! `.contextcore-quality.yaml`: discovery (walk up to the repository root, `--policy`
//! overrides), the keys of SPEC §6 with their built-in defaults side by side, and the one
//! precedence rule — flag > policy > default — whose every answer is recorded in the run's
//! `config_snapshot` with its source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::paths::WriteStrategy;
use crate::schema::{self, Field, Shape, opt};
use crate::source;
use crate::yaml::{Node, Value};

/// The policy file's name.
pub const POLICY_FILE: &str = ".contextcore-quality.yaml";
/// Reasons a run may be unverifiable that follow from a documented choice, which a policy can
/// allow (`lineage.unverifiable_allowed`, none by default): inputs outside the repository, and
/// the earlier tool's provenance block (`--emit-provenance`/`--embed-provenance`) of an export.
/// Every other reason is one a record gives itself, and always fails.
pub const UNVERIFIABLE_CHOICES: &[&str] = &["outside_inputs", "legacy_provenance"];
/// The default notes ref.
pub const DEFAULT_NOTES_REF: &str = "refs/notes/contextcore";

const FIELDS: &[Field] = &[
    opt("strict_quality_default", Shape::Bool),
    opt("forbid_no_strict_quality_in_ci", Shape::Bool),
    opt("ci_bootstrap_env_var", Shape::Str),
    opt("coverage_thresholds_by_env", Shape::MapOf(&Shape::Number)),
    opt("default_environment", Shape::Str),
    opt("scan_path_allowlist", Shape::List(&Shape::Str)),
    opt("scan_existing_default", Shape::List(&Shape::Str)),
    opt("schema_pins", Shape::MapOf(&Shape::Str)),
    opt("emit_quality_report_default", Shape::Bool),
    opt("deterministic_output_default", Shape::Bool),
    opt("emit_run_provenance_default", Shape::Bool),
    opt(
        "document_write_strategy_default",
        Shape::OneOf(&["update_existing", "new_output"]),
    ),
    opt("allow_no_run_provenance_in_strict", Shape::Bool),
    opt("forbid_manifest_overwrite", Shape::Bool),
    opt(
        "lineage",
        Shape::Map(&[
            opt("mode", Shape::OneOf(&["strict", "warn", "fix", "off"])),
            opt("reproduce", Shape::OneOf(&["off", "ci", "hook"])),
            opt("tracked_outputs", Shape::List(&Shape::Str)),
            opt("notes_ref", Shape::Str),
            opt("backup", Shape::OneOf(&["git-dir", "beside"])),
            opt(
                "unverifiable_allowed",
                Shape::List(&Shape::OneOf(UNVERIFIABLE_CHOICES)),
            ),
        ]),
    ),
];

/// The checks of values the schema's shapes cannot express: a policy arrives in pull
/// requests, so every value that names a ref, a path or an environment variable is checked
/// before anything uses it (SPEC §6; docs/RELIABILITY.md, "a pull request checked out").
fn check_values(node: &Node, shown: &str, diagnostics: &mut Vec<Diagnostic>) {
    let mut error = |at: &Node, message: String| {
        diagnostics.push(Diagnostic::error(shown, at.pos, message));
    };
    if let Some(r) = node.get("lineage").and_then(|l| l.get("notes_ref"))
        && let Value::Str(name) = &r.value
        && let Err(why) = crate::refname::check_notes_ref(name)
    {
        error(
            r,
            format!(
                "lineage.notes_ref {} {why}; use a name like {DEFAULT_NOTES_REF}",
                crate::quote::path(name)
            ),
        );
    }
    for key in ["scan_existing_default", "scan_path_allowlist"] {
        let Some(Value::Seq(items)) = node.get(key).map(|n| &n.value) else {
            continue;
        };
        for item in items {
            if let Value::Str(dir) = &item.value
                && let Err(problem) = repo_dir(dir)
            {
                error(
                    item,
                    format!(
                        "{key}: {} is not a directory inside the repository ({problem})",
                        crate::quote::path(dir)
                    ),
                );
            }
        }
    }
    if let Some(v) = node.get("ci_bootstrap_env_var")
        && let Value::Str(name) = &v.value
        && !is_env_name(name)
    {
        error(
            v,
            format!(
                "ci_bootstrap_env_var {} is not an environment variable name (letters, digits and '_', not starting with a digit)",
                crate::quote::path(name)
            ),
        );
    }
}

/// `lineage.mode: off` and `lineage.reproduce: off` as written: a YAML 1.1 reader takes a
/// bare `off` (or `no`, `false`) for the boolean false, and the documentation names `off`
/// unquoted, so for these two keys false means `off`. Anything else stays as it is.
fn off_as_written(node: &Node) -> Node {
    let mut node = node.clone();
    if let Value::Map(entries) = &mut node.value {
        for (k, v) in entries.iter_mut() {
            if k.name != "lineage" {
                continue;
            }
            if let Value::Map(inner) = &mut v.value {
                for (ik, iv) in inner.iter_mut() {
                    if matches!(ik.name.as_str(), "mode" | "reproduce")
                        && matches!(iv.value, Value::Bool(false))
                    {
                        iv.value = Value::Str("off".into());
                    }
                }
            }
        }
    }
    node
}

/// A repository-relative directory as the policy names one (`.` is the root).
fn repo_dir(dir: &str) -> std::result::Result<(), String> {
    if dir == "." {
        return Ok(());
    }
    let trimmed = dir.trim_end_matches('/');
    match crate::lineage::validate::repo_path(trimmed) {
        Ok(crate::lineage::validate::RepoPath::Inside) => Ok(()),
        Ok(crate::lineage::validate::RepoPath::Outside) => Err("it lies outside".into()),
        Err(problem) => Err(problem.to_string()),
    }
}

fn is_env_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Where a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Flag,
    Policy,
    Default,
}

impl Source {
    /// `Flag` when the user gave the option, else `Default`.
    pub fn flag_or_default(given: bool) -> Self {
        if given { Source::Flag } else { Source::Default }
    }
}

/// One resolved setting as the record shows it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Setting {
    pub value: Json,
    pub source: String,
}

/// The resolved configuration of a run: every option and policy value with its source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ConfigSnapshot(pub BTreeMap<String, Setting>);

impl ConfigSnapshot {
    /// Records a value and where it came from.
    pub fn record(&mut self, key: &str, value: impl Serialize, source: Source) {
        let source = serde_json::to_value(source)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        self.record_with(key, value, &source);
    }

    /// Records a `--x/--no-x` switch no policy key governs; returns its value.
    pub fn switch(&mut self, key: &str, flag: Option<bool>, default: bool) -> bool {
        let value = flag.unwrap_or(default);
        self.record(key, value, Source::flag_or_default(flag.is_some()));
        value
    }

    /// Records a value with a free-form source (e.g. `policy:ci` when CI forced it).
    pub fn record_with(&mut self, key: &str, value: impl Serialize, source: &str) {
        let value = serde_json::to_value(value).unwrap_or(Json::Null);
        self.0.insert(
            key.to_string(),
            Setting {
                value,
                source: source.to_string(),
            },
        );
    }
}

/// The policy file as read: only the keys it sets.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The file it came from (as given), if any.
    pub file: Option<PathBuf>,
    values: BTreeMap<String, Json>,
    /// Unknown-key warnings, to print.
    pub warnings: Vec<Diagnostic>,
    /// Where discovery started, repository-relative (`""`: the root); `None` for a policy
    /// named with `--policy` or read outside a repository.
    from: Option<String>,
    /// Every key a run asked for, with the value it got (`null`: the built-in default): what
    /// the run's outputs can depend on, recorded so that lineage compares keys, not files.
    reads: std::cell::RefCell<BTreeMap<String, Json>>,
}

/// The policy keys a run read and their values, as its record keeps them (#30): a change to
/// any other key of the policy file — or to the file's formatting — leaves the run fresh, and
/// a policy file created later that sets one of these keys makes it stale.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PolicyRead {
    /// Where the run looked for `.contextcore-quality.yaml`, repository-relative (`""`: the
    /// root); lineage looks again from there, up to the root. Absent for a `--policy FILE`
    /// run, whose file is its recorded `policy` input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Key (`lineage.` keys are never recorded: they change no output) → value, `null` for a
    /// key the policy did not set.
    pub keys: BTreeMap<String, Json>,
}

/// Lineage enforcement mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineageMode {
    Strict,
    Warn,
    /// Like strict, but the hook first reruns the stale runs, so the commit only needs the
    /// regenerated files reviewed and added.
    Fix,
    Off,
}

impl Policy {
    /// Loads the policy: `explicit` if given (it must exist), else the nearest
    /// `.contextcore-quality.yaml` from `start` up to `stop` (the repository root).
    pub fn discover(explicit: Option<&Path>, start: &Path, stop: Option<&Path>) -> Result<Self> {
        if let Some(path) = explicit {
            if !path.is_file() {
                return Err(Error::Usage(format!(
                    "{}: policy file not found",
                    crate::quote::fs_path(path)
                )));
            }
            return Self::load(path);
        }
        let mut dir = crate::workspace::absolute(start);
        let from = stop
            .and_then(|s| dir.strip_prefix(s).ok())
            .map(crate::path_bytes::text_of);
        let found = loop {
            let candidate = dir.join(POLICY_FILE);
            if candidate.is_file() {
                break Self::load(&candidate)?;
            }
            if stop.is_some_and(|s| dir == s) || !dir.pop() || stop.is_none() {
                // Outside a repository only the starting directory is searched.
                break Self::default();
            }
        };
        Ok(Self { from, ..found })
    }

    /// What a run read of this policy, for its record: `None` when it read no key.
    pub fn read_record(&self) -> Option<PolicyRead> {
        let keys = self.reads.borrow().clone();
        (!keys.is_empty()).then(|| PolicyRead {
            from: self.from.clone(),
            keys,
        })
    }

    /// The keys of `recorded` whose value under this policy differs from the recorded one.
    pub fn changed_keys(&self, recorded: &BTreeMap<String, Json>) -> Vec<String> {
        recorded
            .iter()
            .filter(|(k, v)| {
                self.values
                    .get(*k)
                    .filter(|x| !x.is_null())
                    .unwrap_or(&Json::Null)
                    != *v
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Reads and checks a policy file.
    pub fn load(path: &Path) -> Result<Self> {
        let shown = crate::path_bytes::text_of(path);
        let node = source::read_yaml(path, &shown)?;
        Self::from_node(&node, &shown, path)
    }

    /// Checks a policy file's content read from elsewhere (a commit's blob), named `shown`.
    pub fn from_bytes(bytes: &[u8], shown: &str, path: &Path) -> Result<Self> {
        let text = source::decode(bytes, shown)?;
        let node = crate::yaml::parse(&text).map_err(|e| Error::at(shown, e.pos, e.message))?;
        Self::from_node(&node, shown, path)
    }

    fn from_node(node: &Node, shown: &str, path: &Path) -> Result<Self> {
        let node = &off_as_written(node);
        let mut diagnostics = Vec::new();
        schema::check(node, &Shape::Map(FIELDS), shown, "", &mut diagnostics);
        check_values(node, shown, &mut diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Error::Input(diagnostics));
        }
        let mut values = BTreeMap::new();
        if let Value::Map(entries) = &node.value {
            for (k, v) in entries {
                if k.name == "lineage" {
                    if let Value::Map(inner) = &v.value {
                        for (ik, iv) in inner {
                            values.insert(format!("lineage.{}", ik.name), iv.to_json());
                        }
                    }
                } else {
                    values.insert(k.name.clone(), v.to_json());
                }
            }
        }
        Ok(Self {
            file: Some(path.to_path_buf()),
            values,
            warnings: diagnostics,
            ..Self::default()
        })
    }

    /// A value without remembering it as read: for settings that shape a check, not a run's
    /// outputs.
    fn peek(&self, key: &str) -> Option<&Json> {
        self.values.get(key).filter(|v| !v.is_null())
    }

    /// The policy's own value for a key (`lineage.mode` for nested keys), if it sets one.
    /// Every key but `lineage.*` is remembered as read ([`Policy::read_record`]).
    pub fn get(&self, key: &str) -> Option<&Json> {
        let value = self.peek(key);
        if !key.starts_with("lineage.") {
            self.reads
                .borrow_mut()
                .insert(key.to_string(), value.cloned().unwrap_or(Json::Null));
        }
        value
    }

    /// Resolves a boolean: flag > policy > default, recorded in `snapshot` under `key`.
    pub fn resolve_bool(
        &self,
        snapshot: &mut ConfigSnapshot,
        key: &str,
        flag: Option<bool>,
        policy_key: &str,
    ) -> bool {
        let default = default_value(policy_key).as_bool().unwrap_or(false);
        let (value, source) = match (flag, self.get(policy_key).and_then(Json::as_bool)) {
            (Some(v), _) => (v, Source::Flag),
            (None, Some(v)) => (v, Source::Policy),
            (None, None) => (default, Source::Default),
        };
        snapshot.record(key, value, source);
        value
    }

    /// Resolves the write strategy: flag > policy > default.
    pub fn resolve_write_strategy(
        &self,
        snapshot: &mut ConfigSnapshot,
        flag: Option<WriteStrategy>,
    ) -> WriteStrategy {
        let from_policy = self
            .get("document_write_strategy_default")
            .and_then(Json::as_str)
            .map(|s| match s {
                "new_output" => WriteStrategy::NewOutput,
                _ => WriteStrategy::UpdateExisting,
            });
        let (value, source) = match (flag, from_policy) {
            (Some(v), _) => (v, Source::Flag),
            (None, Some(v)) => (v, Source::Policy),
            (None, None) => (WriteStrategy::UpdateExisting, Source::Default),
        };
        snapshot.record("document_write_strategy", value.as_str(), source);
        value
    }

    /// A policy value or its built-in default, recorded with its source.
    pub fn value(&self, snapshot: &mut ConfigSnapshot, key: &str) -> Json {
        let (value, source) = match self.get(key) {
            Some(v) => (v.clone(), Source::Policy),
            None => (default_value(key), Source::Default),
        };
        snapshot.record(key, &value, source);
        value
    }

    /// Refuses to replace an existing manifest: without `--force`, or ever when the policy sets
    /// `forbid_manifest_overwrite`. `new_output` never replaces, so it always passes.
    pub fn guard_manifest_overwrite(
        &self,
        path: &Path,
        strategy: WriteStrategy,
        force: bool,
    ) -> Result<()> {
        if path.symlink_metadata().is_err() || strategy == WriteStrategy::NewOutput {
            return Ok(());
        }
        // A guard: it refuses a run or not, and changes no output, so it is not a read.
        if self
            .peek("forbid_manifest_overwrite")
            .and_then(Json::as_bool)
            == Some(true)
        {
            return Err(Error::Usage(format!(
                "{}: already exists and the policy forbids overwriting it (forbid_manifest_overwrite)",
                crate::quote::fs_path(path)
            )));
        }
        if !force {
            return Err(Error::Usage(format!(
                "{}: already exists; pass --force to replace it (the old content is kept as a backup)",
                crate::quote::fs_path(path)
            )));
        }
        Ok(())
    }

    /// The lineage mode (not recorded: it shapes checks, not runs).
    pub fn lineage_mode(&self) -> LineageMode {
        match self.get("lineage.mode").and_then(Json::as_str) {
            Some("warn") => LineageMode::Warn,
            Some("fix") => LineageMode::Fix,
            Some("off") => LineageMode::Off,
            _ => LineageMode::Strict,
        }
    }

    /// Globs of files that some run record must own.
    pub fn tracked_outputs(&self) -> Vec<String> {
        self.strings("lineage.tracked_outputs")
    }

    /// A list-of-strings value (empty when the policy does not set it).
    fn strings(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The notes ref lineage notes live on.
    pub fn notes_ref(&self) -> String {
        self.get("lineage.notes_ref")
            .and_then(Json::as_str)
            .unwrap_or(DEFAULT_NOTES_REF)
            .to_string()
    }

    /// When lineage re-derives recorded outputs to check the records themselves
    /// (`lineage.reproduce`): `off`, `ci` (`verify` in CI) or `hook` (also the pre-commit hook).
    pub fn reproduce(&self) -> &str {
        match self.get("lineage.reproduce").and_then(Json::as_str) {
            Some("off") => "off",
            Some("hook") => "hook",
            _ => "ci",
        }
    }

    /// The unverifiable reasons this policy allows (`lineage.unverifiable_allowed`).
    pub fn unverifiable_allowed(&self) -> Vec<String> {
        self.strings("lineage.unverifiable_allowed")
    }

    /// This policy with `key` unset (its built-in default applies).
    pub fn without(mut self, key: &str) -> Self {
        self.values.remove(key);
        self
    }

    /// Whether backups go beside files rather than into the git directory.
    pub fn backup_beside(&self) -> bool {
        self.get("lineage.backup").and_then(Json::as_str) == Some("beside")
    }
}

/// Built-in defaults, side by side with the key names.
pub fn default_value(key: &str) -> Json {
    match key {
        "strict_quality_default" => json!(false),
        "forbid_no_strict_quality_in_ci" => json!(false),
        "ci_bootstrap_env_var" => json!("CONTEXTCORE_BOOTSTRAP_JOB"),
        "coverage_thresholds_by_env" => json!({"dev": 60, "staging": 80, "prod": 90}),
        "default_environment" => json!("dev"),
        "scan_path_allowlist" => json!([]),
        "scan_existing_default" => json!([]),
        "schema_pins" => json!({}),
        "emit_quality_report_default" => json!(true),
        "deterministic_output_default" => json!(true),
        "emit_run_provenance_default" => json!(true),
        "document_write_strategy_default" => json!("update_existing"),
        "allow_no_run_provenance_in_strict" => json!(false),
        "forbid_manifest_overwrite" => json!(false),
        "lineage.mode" => json!("strict"),
        "lineage.tracked_outputs" => json!([]),
        "lineage.notes_ref" => json!(DEFAULT_NOTES_REF),
        "lineage.backup" => json!("git-dir"),
        "lineage.reproduce" => json!("ci"),
        _ => Json::Null,
    }
}

/// Strict quality and run provenance, resolved together because strict forces provenance on.
#[derive(Debug, Clone, Copy)]
pub struct StrictAndProvenance {
    pub strict: bool,
    pub emit_run_provenance: bool,
}

impl Policy {
    /// Resolves `strict_quality` (flag > CI rule > policy > default) and
    /// `emit_run_provenance` (strict forces it on unless the policy grants the exception).
    pub fn resolve_strict_and_provenance(
        &self,
        snapshot: &mut ConfigSnapshot,
        strict_flag: Option<bool>,
        provenance_flag: Option<bool>,
        strict_default: bool,
    ) -> StrictAndProvenance {
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        let bootstrap_var = self
            .get("ci_bootstrap_env_var")
            .and_then(Json::as_str)
            .unwrap_or("CONTEXTCORE_BOOTSTRAP_JOB")
            .to_string();
        let bootstrap = std::env::var(&bootstrap_var).is_ok_and(|v| !v.is_empty());
        // Read whether or not this is CI, so a run's record names the same keys everywhere.
        let forbid = self
            .get("forbid_no_strict_quality_in_ci")
            .and_then(Json::as_bool)
            == Some(true);
        let ci_forces = in_ci && !bootstrap && forbid;
        let strict = if ci_forces {
            snapshot.record_with("strict_quality", true, "policy:ci");
            true
        } else {
            match (
                strict_flag,
                self.get("strict_quality_default").and_then(Json::as_bool),
            ) {
                (Some(v), _) => {
                    snapshot.record("strict_quality", v, Source::Flag);
                    v
                }
                (None, Some(v)) => {
                    snapshot.record("strict_quality", v, Source::Policy);
                    v
                }
                (None, None) => {
                    snapshot.record("strict_quality", strict_default, Source::Default);
                    strict_default
                }
            }
        };
        let wanted = self.resolve_bool(
            snapshot,
            "emit_run_provenance",
            provenance_flag,
            "emit_run_provenance_default",
        );
        let exception = self
            .get("allow_no_run_provenance_in_strict")
            .and_then(Json::as_bool)
            == Some(true);
        let emit = if strict && !wanted && !exception {
            snapshot.record_with("emit_run_provenance", true, "forced:strict_quality");
            true
        } else {
            if strict && !wanted {
                snapshot.record_with(
                    "emit_run_provenance",
                    false,
                    "policy:allow_no_run_provenance_in_strict",
                );
            }
            wanted
        };
        StrictAndProvenance {
            strict,
            emit_run_provenance: emit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        let node = crate::yaml::parse(text).unwrap();
        Policy::from_node(&node, "p.yaml", Path::new("p.yaml")).unwrap()
    }

    #[test]
    fn flag_beats_policy_beats_default() {
        let p = policy("emit_quality_report_default: false\n");
        let mut s = ConfigSnapshot::default();
        assert!(p.resolve_bool(&mut s, "a", Some(true), "emit_quality_report_default"));
        assert!(!p.resolve_bool(&mut s, "b", None, "emit_quality_report_default"));
        assert!(p.resolve_bool(&mut s, "c", None, "deterministic_output_default"));
        assert_eq!(s.0["a"].source, "flag");
        assert_eq!(s.0["b"].source, "policy");
        assert_eq!(s.0["c"].source, "default");
    }

    #[test]
    fn strict_forces_run_provenance_unless_excepted() {
        let p = policy("strict_quality_default: true\n");
        let mut s = ConfigSnapshot::default();
        let r = p.resolve_strict_and_provenance(&mut s, None, Some(false), false);
        assert!(r.strict && r.emit_run_provenance);
        assert_eq!(s.0["emit_run_provenance"].source, "forced:strict_quality");

        let p = policy("strict_quality_default: true\nallow_no_run_provenance_in_strict: true\n");
        let mut s = ConfigSnapshot::default();
        let r = p.resolve_strict_and_provenance(&mut s, None, Some(false), false);
        assert!(!r.emit_run_provenance);
        assert_eq!(
            s.0["emit_run_provenance"].source,
            "policy:allow_no_run_provenance_in_strict"
        );
    }

    #[test]
    fn values_that_name_refs_paths_or_variables_are_checked_with_position() {
        for (text, at) in [
            (
                "lineage:\n  notes_ref: \"--receive-pack=id #\"\n",
                "p.yaml:2:14: error: lineage.notes_ref",
            ),
            (
                "lineage:\n  notes_ref: refs/heads/main\n",
                "p.yaml:2:14: error: lineage.notes_ref",
            ),
            (
                "scan_existing_default: [ok, ../up]\n",
                "p.yaml:1:29: error: scan_existing_default",
            ),
            (
                "scan_path_allowlist:\n  - /etc\n",
                "p.yaml:2:5: error: scan_path_allowlist",
            ),
            (
                "ci_bootstrap_env_var: \"A B\"\n",
                "p.yaml:1:23: error: ci_bootstrap_env_var",
            ),
        ] {
            let node = crate::yaml::parse(text).unwrap();
            let err = Policy::from_node(&node, "p.yaml", Path::new("p.yaml")).unwrap_err();
            assert!(err.to_string().starts_with(at), "{text}: {err}");
        }
        let p = policy(
            "lineage:\n  notes_ref: refs/notes/lineage\nscan_existing_default: [dashboards/, .]\n",
        );
        assert_eq!(p.notes_ref(), "refs/notes/lineage");
    }

    #[test]
    fn off_unquoted_means_off() {
        let p = policy("lineage:\n  reproduce: off\n  mode: off\n");
        assert_eq!(p.reproduce(), "off");
        assert_eq!(p.lineage_mode(), LineageMode::Off);
        let node = crate::yaml::parse("lineage:\n  reproduce: on\n").unwrap();
        assert!(Policy::from_node(&node, "p.yaml", Path::new("p.yaml")).is_err());
    }

    #[test]
    fn wrong_type_is_an_error_with_position() {
        let node = crate::yaml::parse("lineage:\n  mode: sometimes\n").unwrap();
        let err = Policy::from_node(&node, "p.yaml", Path::new("p.yaml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("p.yaml:2:9: error: lineage.mode"),
            "{err}"
        );
    }
}
