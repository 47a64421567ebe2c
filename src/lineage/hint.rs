//! The exact command that reproduces a run, rebuilt from its record: the command, its paths,
//! and every option the user gave as a flag (options that came from policy or defaults come
//! back by themselves). Paths are repository-relative: run it from the repository root.

use serde_json::Value as Json;

use super::LineageRecord;
use crate::policy::Setting;

/// Recorded keys that take a value on the command line, with their flag.
const VALUE_FLAGS: &[(&str, &str)] = &[
    ("namespace", "-n"),
    ("format", "-f"),
    ("environment", "--environment"),
    ("min_coverage", "--min-coverage"),
    ("document_write_strategy", "--document-write-strategy"),
    ("project_id", "--project-id"),
    ("profile", "--profile"),
];

/// Recorded booleans with their on and off flags.
const BOOL_FLAGS: &[(&str, &str, &str)] = &[
    ("strict_quality", "--strict-quality", "--no-strict-quality"),
    (
        "deterministic_output",
        "--deterministic-output",
        "--no-deterministic-output",
    ),
    ("emit_onboarding", "--emit-onboarding", "--no-onboarding"),
    (
        "emit_quality_report",
        "--emit-quality-report",
        "--no-emit-quality-report",
    ),
    ("emit_provenance", "--emit-provenance", ""),
    ("embed_provenance", "--embed-provenance", ""),
    ("emit_report", "--emit-report", "--no-emit-report"),
    (
        "emit_run_provenance",
        "--emit-run-provenance",
        "--no-emit-run-provenance",
    ),
    ("write_legacy_aliases", "--write-legacy-aliases", ""),
];

/// A recorded value as one shell word.
fn scalar(v: &Json) -> String {
    shell_word(
        &v.as_str()
            .map(String::from)
            .unwrap_or_else(|| v.to_string()),
    )
}

pub use crate::quote::{shell_path, shell_word};

/// The command line that reruns `r`.
pub fn command(r: &LineageRecord) -> String {
    let run = Recorded(r);
    let mut cmd = match r.workflow_or_command.as_str() {
        "manifest export" => export_command(&run),
        "generate" => generate_command(&run),
        "manifest init-from-plan" => init_from_plan_command(&run),
        "manifest init" => init_command(&run),
        other => format!("contextcore {other}"),
    };
    push_flagged_options(&mut cmd, &run);
    cmd
}

/// A run record read for its command line: recorded options and inputs as shell words.
struct Recorded<'a>(&'a LineageRecord);

impl Recorded<'_> {
    fn setting(&self, key: &str) -> Option<&Setting> {
        self.0.config_snapshot.0.get(key)
    }

    /// A recorded option given as a flag (not from policy or a default).
    fn flagged(&self, key: &str) -> Option<&Setting> {
        self.setting(key).filter(|s| s.source == "flag")
    }

    /// A recorded option as one shell word.
    fn value(&self, key: &str) -> Option<String> {
        self.setting(key).map(|s| scalar(&s.value))
    }

    /// A recorded path option as one shell word naming its bytes.
    fn path(&self, key: &str) -> Option<String> {
        self.setting(key).map(|s| path_word(&s.value))
    }

    /// The items of a recorded list option.
    fn list(&self, key: &str) -> impl Iterator<Item = &Json> {
        self.setting(key)
            .and_then(|s| s.value.as_array())
            .into_iter()
            .flatten()
    }

    /// The path of the first input in `role`, as one shell word.
    fn input(&self, role: &str) -> Option<String> {
        self.inputs(role).next()
    }

    /// The paths of every input in `role`, as shell words.
    fn inputs(&self, role: &str) -> impl Iterator<Item = String> {
        self.0
            .inputs
            .iter()
            .filter(move |i| i.role == role)
            .map(|i| shell_path(&i.fingerprint.path))
    }
}

/// A recorded path as one shell word: a string names its bytes, anything else is a scalar.
fn path_word(v: &Json) -> String {
    v.as_str().map_or_else(|| scalar(v), shell_path)
}

/// `manifest export` with its manifest, output directory, input files and existing artifacts.
fn export_command(run: &Recorded) -> String {
    let mut cmd = format!(
        "contextcore manifest export -p {} -o {}",
        run.path("path")
            .or_else(|| run.input("manifest"))
            .unwrap_or_else(|| ".contextcore.yaml".into()),
        run.path("output_dir").unwrap_or_else(|| "out".into())
    );
    if let Some(tm) = run.input("task_mapping") {
        cmd.push_str(&format!(" --task-mapping {tm}"));
    }
    if let Some(sm) = run.input("service_metadata") {
        cmd.push_str(&format!(" --service-metadata {sm}"));
    }
    for e in run.list("existing") {
        cmd.push_str(&format!(" --existing {}", scalar(e)));
    }
    for dir in run.list("scan_existing") {
        cmd.push_str(&format!(" --scan-existing {}", path_word(dir)));
    }
    cmd
}

/// `generate` with its project context, output directory and the artifacts selected by flag.
fn generate_command(run: &Recorded) -> String {
    let mut cmd = format!(
        "contextcore generate -c {} -o {}",
        run.input("project_context").unwrap_or_default(),
        run.path("output_dir").unwrap_or_else(|| "generated".into())
    );
    if let Some(selection) = run.flagged("selection") {
        for (key, flag) in [
            ("service_monitor", "--service-monitor"),
            ("prometheus_rule", "--prometheus-rule"),
            ("dashboard", "--dashboard"),
        ] {
            if selection.value.get(key).and_then(Json::as_bool) == Some(true) {
                cmd.push_str(&format!(" {flag}"));
            }
        }
    }
    cmd
}

/// `manifest init-from-plan` with its plan, output, requirements files and name.
fn init_from_plan_command(run: &Recorded) -> String {
    let mut cmd = format!(
        "contextcore manifest init-from-plan --plan {} -o {} --force",
        run.input("plan").unwrap_or_default(),
        run.path("output")
            .unwrap_or_else(|| ".contextcore.yaml".into())
    );
    for requirements in run.inputs("requirements") {
        cmd.push_str(&format!(" --requirements {requirements}"));
    }
    if let Some(name) = run.value("name") {
        cmd.push_str(&format!(" --name {name}"));
    }
    cmd
}

/// `manifest init` with the manifest it wrote and its name.
fn init_command(run: &Recorded) -> String {
    format!(
        "contextcore manifest init -p {} --name {} --force",
        run.0
            .outputs
            .first()
            .map(|o| shell_path(&o.fingerprint.path))
            .unwrap_or_default(),
        run.value("name").unwrap_or_default()
    )
}

/// Appends every value and boolean option the user gave as a flag.
fn push_flagged_options(cmd: &mut String, run: &Recorded) {
    for (key, flag) in VALUE_FLAGS {
        if let Some(s) = run.flagged(key) {
            cmd.push_str(&format!(" {flag} {}", scalar(&s.value)));
        }
    }
    for (key, on, off) in BOOL_FLAGS {
        if let Some(s) = run.flagged(key) {
            let flag = if s.value.as_bool() == Some(true) {
                on
            } else {
                off
            };
            if !flag.is_empty() {
                cmd.push_str(&format!(" {flag}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{shell_path, shell_word};

    #[test]
    fn words_that_need_it_are_single_quoted() {
        assert_eq!(shell_word("out/x.yaml"), "out/x.yaml");
        assert_eq!(shell_word("my out"), "'my out'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(
            shell_path(r#""caf\351 'x'.yaml""#),
            r"$'caf\351 \'x\'.yaml'"
        );
        assert_eq!(shell_path("out/x.yaml"), "out/x.yaml");
    }
}
