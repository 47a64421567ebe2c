//! One replay of a recorded run, shared by `rerun`, the hook's fix mode and `provenance verify
//! --reproduce`. A run record becomes the command's options — its config snapshot and inputs,
//! with every path placed under a root: the working tree (rerun, fix) or a scratch directory
//! holding the inputs as a commit records them (reproduce) — and the command's own `run_at`
//! derives and writes, in-process. Nothing here parses the printed rerun hint or spawns the
//! binary; what a replay may read or write never leaves its root.
//!
//! Options the user gave as flags come back as flags; options that came from the policy or a
//! default come back by themselves, from the policy file the run recorded as its input.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::error::Result;
use crate::lineage::LineageRecord;
use crate::policy::{Policy, Setting};

use crate::ops::options::{
    DocFormat, ExportOptions, GenerateOptions, InitFromPlanOptions, InitOptions, WriteOptions,
};
use crate::ops::{Ran, Site};

/// What a replay is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bring the run up to date: recorded flags, and the policy as it is now.
    Rerun,
    /// Check the record: every recorded value, whatever its source.
    Reproduce,
}

/// The commands a record can be replayed as.
#[derive(Debug)]
pub enum Invocation {
    Export(Box<ExportOptions>),
    Generate(Box<GenerateOptions>),
    Init(Box<InitOptions>),
    InitFromPlan(Box<InitFromPlanOptions>),
}

/// A record turned back into a run: the command with its options, and the policy it ran under.
#[derive(Debug)]
pub struct Replay {
    pub invocation: Invocation,
    /// The policy file the run read (under the root), if it read one.
    pub policy: Option<PathBuf>,
    /// Where the run looked for its policy, and the root it stopped at: a replay looks again
    /// from there (a policy created since is found), as lineage does ([`PolicyRead`]).
    ///
    /// [`PolicyRead`]: crate::policy::PolicyRead
    pub policy_from: Option<(PathBuf, PathBuf)>,
}

/// Checks one path a record names before a replay uses it: repository-relative, `/`-separated,
/// no `..`, not absolute, not inside `.git`, not a file recorded as outside the repository.
/// Why not, if not. (The one place this is decided for replays, so it can give way to the
/// shared check of record content.)
/// The path it names is decoded from record text ([`crate::path_bytes`]).
pub fn checked_path(path: &str) -> std::result::Result<PathBuf, String> {
    use crate::lineage::validate::{RepoPath, repo_path};
    let shown = crate::quote::path(path);
    let decoded = match repo_path(path) {
        Ok(RepoPath::Outside) => {
            return Err(format!(
                "{shown} lies outside the repository; git holds no version of it"
            ));
        }
        Err(problem) => {
            return Err(format!(
                "{shown} is not a repository-relative path ({problem})"
            ));
        }
        Ok(RepoPath::Inside) => crate::path_bytes::decode(path).unwrap_or_default(),
    };
    if decoded.split(|&b| b == b'/').any(|part| part == b".git") {
        return Err(format!("{shown} is inside the git directory"));
    }
    crate::path_bytes::path_of_bytes(decoded)
        .ok_or_else(|| format!("{shown} names bytes this platform cannot use in a path"))
}

/// A record's options and inputs, read with paths placed under `root`.
struct Recorded<'a> {
    record: &'a LineageRecord,
    root: &'a Path,
    mode: Mode,
}

impl Recorded<'_> {
    fn setting(&self, key: &str) -> Option<&Setting> {
        self.record.config_snapshot.0.get(key)
    }

    /// A value the user gave as a flag (any recorded value, in a reproduction).
    fn flag(&self, key: &str) -> Option<&Json> {
        self.setting(key)
            .filter(|s| self.mode == Mode::Reproduce || s.source == "flag")
            .map(|s| &s.value)
    }

    /// A recorded text value, whatever its source.
    fn text(&self, key: &str) -> Option<String> {
        self.setting(key)
            .and_then(|s| s.value.as_str())
            .map(String::from)
    }

    /// A boolean given as a flag, as the `(--x, --no-x)` pair.
    fn pair(&self, key: &str) -> (bool, bool) {
        match self.flag(key).and_then(Json::as_bool) {
            Some(true) => (true, false),
            Some(false) => (false, true),
            None => (false, false),
        }
    }

    /// A recorded boolean, whatever its source.
    fn on(&self, key: &str) -> bool {
        self.setting(key).and_then(|s| s.value.as_bool()) == Some(true)
    }

    /// The record path of the first input with `role`.
    fn input(&self, role: &str) -> Option<&str> {
        self.record
            .inputs
            .iter()
            .find(|i| i.role == role && i.fingerprint.exists)
            .map(|i| i.fingerprint.path.as_str())
    }

    /// A record path under the root, refused when it could lead out of it (also through a
    /// symlink already in the root).
    fn path(&self, recorded: &str) -> std::result::Result<PathBuf, String> {
        let path = self.root.join(checked_path(recorded)?);
        let mut existing = path.as_path();
        while !existing.exists() {
            match existing.parent() {
                Some(p) => existing = p,
                None => break,
            }
        }
        let root = self.root.canonicalize().unwrap_or(self.root.to_path_buf());
        match existing.canonicalize() {
            Ok(real) if !real.starts_with(&root) => Err(format!(
                "{} resolves outside the repository (through a symlink)",
                crate::quote::path(recorded)
            )),
            _ => Ok(path),
        }
    }

    fn required(&self, what: &str, value: Option<String>) -> std::result::Result<PathBuf, String> {
        let value = value.ok_or_else(|| format!("the record does not say its {what}"))?;
        self.path(&value)
    }

    fn write_args(&self) -> std::result::Result<WriteOptions, String> {
        let strategy = match self.flag("document_write_strategy").and_then(Json::as_str) {
            Some(s) => Some(
                crate::paths::WriteStrategy::parse(s)
                    .ok_or_else(|| format!("unknown document_write_strategy {s:?}"))?,
            ),
            None => None,
        };
        let (emit, no_emit) = self.pair("emit_run_provenance");
        Ok(WriteOptions {
            document_write_strategy: strategy,
            emit_run_provenance: emit,
            no_emit_run_provenance: no_emit,
            force_record: false,
            policy: None,
        })
    }
}

/// Turns a record into a run of its command with paths under `root`, or says why it cannot.
pub fn from_record(
    record: &LineageRecord,
    root: &Path,
    mode: Mode,
) -> std::result::Result<Replay, String> {
    // The one confinement of replayed options (lineage::replay), before any is read.
    crate::lineage::confine::options(record).map_err(|v| v.to_string())?;
    let r = Recorded { record, root, mode };
    let invocation = match record.workflow_or_command.as_str() {
        "manifest export" => Invocation::Export(Box::new(export_args(&r)?)),
        "generate" => Invocation::Generate(Box::new(generate_args(&r)?)),
        "manifest init" => Invocation::Init(Box::new(init_args(&r)?)),
        "manifest init-from-plan" => Invocation::InitFromPlan(Box::new(init_from_plan_args(&r)?)),
        other => return Err(format!("`{other}` runs cannot be replayed")),
    };
    let policy = r.input("policy").map(|p| r.path(p)).transpose()?;
    let policy_from = match record.policy_from().flatten() {
        Some("") => Some((root.to_path_buf(), root.to_path_buf())),
        Some(dir) => {
            // Lineage looks for the policy in git's view of `dir`; a replay must find the same
            // file, so no component of `dir` may be a symbolic link.
            let path = r.path(dir)?;
            let real = path.canonicalize().unwrap_or_else(|_| path.clone());
            let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
            if path.exists() && real != root_real.join(checked_path(dir)?) {
                return Err(format!(
                    "policy_read.from {} passes through a symbolic link",
                    crate::quote::path(dir)
                ));
            }
            Some((path, root.to_path_buf()))
        }
        None => None,
    };
    Ok(Replay {
        invocation,
        policy,
        policy_from,
    })
}

fn export_args(r: &Recorded) -> std::result::Result<ExportOptions, String> {
    let manifest = r
        .text("path")
        .or_else(|| r.input("manifest").map(String::from));
    let list = |key: &str| -> Vec<String> {
        r.setting(key)
            .and_then(|s| s.value.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let existing = list("existing")
        .iter()
        .map(|e| match e.split_once(':') {
            Some((id, p)) => Ok(format!("{id}:{}", r.path(p)?.display())),
            None => Err(format!("--existing {e:?} is not ID:PATH")),
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    let scan_existing = list("scan_existing")
        .iter()
        .map(|d| r.path(d))
        .collect::<std::result::Result<Vec<_>, String>>()?;
    let optional = |role: &str| r.input(role).map(|p| r.path(p)).transpose();
    let (strict_quality, no_strict_quality) = r.pair("strict_quality");
    let (deterministic_output, no_deterministic_output) = r.pair("deterministic_output");
    let (emit_onboarding, no_onboarding) = r.pair("emit_onboarding");
    let (emit_quality_report, no_emit_quality_report) = r.pair("emit_quality_report");
    Ok(ExportOptions {
        path_arg: Some(r.required("manifest", manifest)?),
        path: PathBuf::new(),
        output_dir_arg: Some(r.required("output directory", r.text("output_dir"))?),
        output_dir: PathBuf::new(),
        namespace: r.text("namespace").unwrap_or_else(|| "default".into()),
        scan_existing,
        scan_from_flag: false,
        existing,
        profile: r.text("profile").unwrap_or_else(|| "full".into()),
        service_metadata: optional("service_metadata")?,
        embed_provenance: r.on("embed_provenance"),
        verify: false,
        format: if r.text("format").as_deref() == Some("json") {
            DocFormat::Json
        } else {
            DocFormat::Yaml
        },
        strict_quality,
        no_strict_quality,
        min_coverage: r.flag("min_coverage").and_then(Json::as_f64),
        environment: r
            .flag("environment")
            .and_then(Json::as_str)
            .map(String::from),
        task_mapping: optional("task_mapping")?,
        project_id: r
            .flag("project_id")
            .and_then(Json::as_str)
            .map(String::from),
        deterministic_output,
        no_deterministic_output,
        emit_provenance: r.on("emit_provenance"),
        emit_onboarding,
        no_onboarding,
        emit_quality_report,
        no_emit_quality_report,
        dry_run: false,
        json: false,
        write: r.write_args()?,
    })
}

fn generate_args(r: &Recorded) -> std::result::Result<GenerateOptions, String> {
    let context = r.input("project_context").map(String::from);
    let selected = |key: &str| {
        r.flag("selection")
            .and_then(|s| s.get(key))
            .and_then(Json::as_bool)
            == Some(true)
    };
    let (strict_quality, no_strict_quality) = r.pair("strict_quality");
    let (emit_report, no_emit_report) = r.pair("emit_report");
    Ok(GenerateOptions {
        context_arg: Some(r.required("project context", context)?),
        context: PathBuf::new(),
        output_arg: Some(r.required("output directory", r.text("output_dir"))?),
        output: PathBuf::new(),
        service_monitor: selected("service_monitor"),
        prometheus_rule: selected("prometheus_rule"),
        dashboard: selected("dashboard"),
        all: false,
        write_legacy_aliases: r.on("write_legacy_aliases"),
        strict_quality,
        no_strict_quality,
        emit_report,
        no_emit_report,
        dry_run: false,
        json: false,
        write: r.write_args()?,
    })
}

fn output_with_role(r: &Recorded, role: &str) -> Option<String> {
    r.record
        .outputs
        .iter()
        .find(|o| o.role == role)
        .map(|o| o.fingerprint.path.clone())
}

fn init_args(r: &Recorded) -> std::result::Result<InitOptions, String> {
    let (validate, no_validate) = r.pair("validate");
    Ok(InitOptions {
        path: r.required("manifest", output_with_role(r, "manifest"))?,
        // Always the recorded name: the default (the directory's name) differs under a scratch root.
        name: Some(
            r.text("name")
                .ok_or("the record does not say the project name")?,
        ),
        force: true,
        validate,
        no_validate,
        json: false,
        write: r.write_args()?,
    })
}

fn init_from_plan_args(r: &Recorded) -> std::result::Result<InitFromPlanOptions, String> {
    let requirements = r
        .record
        .inputs
        .iter()
        .filter(|i| i.role == "requirements")
        .map(|i| r.path(&i.fingerprint.path))
        .collect::<std::result::Result<Vec<_>, String>>()?;
    let project_root = match r.text("project_root") {
        Some(dir) => Some(r.path(&dir)?),
        None if r.input("project_root").is_some() => {
            return Err(
                "the record lists files of a --project-root but not the directory (recorded by an earlier contextcore)"
                    .into(),
            );
        }
        None => None,
    };
    let report_out = match output_with_role(r, "init_from_plan_report") {
        Some(p) => r.path(&p)?.file_name().map(PathBuf::from),
        None => None,
    };
    let (strict_quality, no_strict_quality) = r.pair("strict_quality");
    Ok(InitFromPlanOptions {
        plan: r.required("plan", r.input("plan").map(String::from))?,
        requirements,
        project_root,
        output: r.required("manifest", r.text("output"))?,
        name: r.flag("name").and_then(Json::as_str).map(String::from),
        report_out,
        strict_quality,
        no_strict_quality,
        force: true,
        dry_run: false,
        json: false,
        write: r.write_args()?,
    })
}

impl Replay {
    /// The record paths this replay would write — its files and its own record — found by
    /// running it as a dry run under `site`: nothing is written. A replay that stops early
    /// (a failed check) plans nothing.
    pub fn planned_writes(&self, site: &Site) -> Result<Vec<String>> {
        let invocation = match &self.invocation {
            Invocation::Export(a) => Invocation::Export(Box::new(ExportOptions {
                dry_run: true,
                ..(**a).clone()
            })),
            Invocation::Generate(a) => Invocation::Generate(Box::new(GenerateOptions {
                dry_run: true,
                ..(**a).clone()
            })),
            Invocation::InitFromPlan(a) => {
                Invocation::InitFromPlan(Box::new(InitFromPlanOptions {
                    dry_run: true,
                    ..(**a).clone()
                }))
            }
            // `manifest init` writes its manifest and the record beside it, nothing else.
            Invocation::Init(a) => {
                let dir = a.path.parent().unwrap_or(Path::new(""));
                let record = dir.join(crate::paths::INIT_RUN_RECORD);
                return Ok([&a.path, &record]
                    .iter()
                    .map(|p| site.workspace.record_path(p, dir))
                    .collect());
            }
        };
        let quiet = Site {
            quiet: true,
            ..site.clone()
        };
        let dry = Replay {
            invocation,
            policy: None,
            policy_from: None,
        };
        let ran = dry.run(&quiet)?;
        Ok(ran
            .finished
            .map(|f| {
                f.files
                    .into_iter()
                    .chain(f.record.map(|(o, _)| o))
                    .map(|o| o.shown)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The policy the run read, as it is now under the root; the built-in defaults when the
    /// run read none.
    pub fn load_policy(&self) -> Result<Policy> {
        if let Some((from, root)) = &self.policy_from {
            return Policy::discover(None, from, Some(root));
        }
        match &self.policy {
            Some(p) if p.is_file() => Policy::load(p),
            _ => Ok(Policy::default()),
        }
    }

    /// Runs the command's derivation and writes through the normal writer, under `site`.
    pub fn run(self, site: &Site) -> Result<Ran> {
        match self.invocation {
            Invocation::Export(a) => crate::ops::export::run_at(site, *a),
            Invocation::Generate(a) => crate::ops::generate::run_at(site, *a),
            Invocation::Init(a) => crate::ops::manifest::init_at(site, *a),
            Invocation::InitFromPlan(a) => crate::ops::init_from_plan::run_at(site, *a),
        }
    }
}

/// Refuses a replay of the record at `record_path` that would write what the record does not
/// own, before anything is written (rerun, the hook's fix mode and `--reproduce` alike): an
/// export or generate record lives in the directory it writes to, and every file the replay
/// would write (`planned`, record paths) is the record itself, one of its recorded outputs, or
/// a file that did not exist before the replay (`existed`); no file another record claims
/// (`other_claimant`) is written at all. A record cannot point a replay at a tracked file
/// nobody claims, nor at one of its own inputs.
pub fn check_owned(
    record_path: &str,
    record: &LineageRecord,
    planned: &[String],
    existed: &dyn Fn(&str) -> bool,
    other_claimant: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<(), String> {
    let shown = crate::quote::path;
    if matches!(
        record.workflow_or_command.as_str(),
        "manifest export" | "generate"
    ) {
        // Compared as the bytes the record texts name (a path that is not UTF-8 is quoted).
        let bytes = |text: &str| crate::path_bytes::decode(text).unwrap_or_default();
        let record_bytes = bytes(record_path);
        let dir = record_bytes
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(&[][..], |i| &record_bytes[..i]);
        let output_dir = record
            .config_snapshot
            .0
            .get("output_dir")
            .and_then(|s| s.value.as_str());
        let named = output_dir.map(|d| {
            let mut d = bytes(d);
            while d.last() == Some(&b'/') {
                d.pop();
            }
            if d == b"." { Vec::new() } else { d }
        });
        if named.as_deref() != Some(dir) {
            let dir_text = crate::path_bytes::encode(dir);
            return Err(format!(
                "it names {} as its output directory, but a {} run writes its record into its output directory and this record is in {}",
                shown(output_dir.unwrap_or("(none)")),
                record.workflow_or_command,
                shown(if dir.is_empty() { "." } else { &dir_text })
            ));
        }
    }
    for path in planned {
        if let Some(other) = other_claimant(path) {
            return Err(format!(
                "the replay would write {}, which {} claims as its output",
                shown(path),
                shown(&other)
            ));
        }
        let own = path == record_path || record.outputs.iter().any(|o| &o.fingerprint.path == path);
        if !own && existed(path) {
            return Err(format!(
                "the replay would replace {}, which the record does not list among its outputs",
                shown(path)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::checked_path;

    #[test]
    fn only_repository_relative_paths_are_replayed() {
        assert!(checked_path("out/x.yaml").is_ok());
        assert!(checked_path(".contextcore.yaml").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "out/../../x",
            "./x",
            ".git/config",
            "a\\b",
            "<outside>/x.json",
            "a\nb",
        ] {
            assert!(checked_path(bad).is_err(), "{bad:?}");
        }
    }
}
