//! Gate 2, `contract a2a-diagnose`: the three questions, asked in order, stopping at the first
//! that fails. Question 1 (is the export contract complete?) is Gate 1 plus four checks of its
//! own; questions 2 and 3 (plan ingestion, artisan execution) read the directories given with
//! `--ingestion-dir` / `--artisan-dir` (`ingestion.rs`, `artisan.rs`) and are skipped without them.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::dir::ExportDir;
use super::gate::{GateResult, Outcome};
use super::json::{number, object, section, strings, truthy};
use super::pipeline::{self, PipelineReport};
use super::{artisan, ingestion};
use crate::error::Result;

/// Where the later layers' outputs are, when given.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--ingestion-dir`: plan ingestion output (question 2).
    pub ingestion_dir: Option<PathBuf>,
    /// `--artisan-dir`: artisan workflow output (question 3).
    pub artisan_dir: Option<PathBuf>,
}

/// Where a question ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    Pass,
    Fail,
    Skipped,
    /// An earlier question failed, so this one was not asked.
    NotReached,
}

/// One check within a question.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    pub name: String,
    pub passed: bool,
    pub detail: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
}

/// One of the three questions.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct QuestionResult {
    pub number: u8,
    pub title: String,
    pub layer: String,
    pub status: QuestionStatus,
    pub checks_passed: usize,
    pub checks_total: usize,
    pub recommendation: String,
    pub checks: Vec<CheckResult>,
}

/// The Gate 2 report, as `--report` and `--format json` write it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DiagnosticReport {
    pub export_dir: String,
    pub project_id: String,
    /// When the diagnostic ran, RFC 3339 UTC.
    pub checked_at: String,
    /// Every question asked passed (a skipped question is not a pass).
    pub all_passed: bool,
    /// Where to start fixing.
    pub start_here: String,
    pub questions: Vec<QuestionResult>,
}

const TITLES: [(&str, &str); 3] = [
    ("Is the contract complete?", "Export"),
    ("Was the contract faithfully translated?", "Plan Ingestion"),
    ("Was the translated plan faithfully executed?", "Artisan"),
];

const FIX_INGESTION: &str = "Fix the translation before the artisan workflow: correct what the checks name and re-run plan ingestion.";

const FIX_ARTISAN: &str = "Fix the execution in the artisan workflow: check that the design handoff used this export's derivation rules, and re-run from the failing phase.";

const FIX_EXPORT: &str = "Fix the export layer first: correct the manifest and re-run 'contextcore manifest export'. Do not go on to plan ingestion until question 1 passes.";

/// Asks the three questions about an export directory (and the later layers' directories).
pub fn diagnose(export_dir: &Path, options: &Options) -> Result<DiagnosticReport> {
    let export = ExportDir::load(export_dir)?;
    let gate1 = pipeline::check_loaded(&export, &pipeline::Options::default());
    let q1 = question_one(&gate1, &export.metadata);
    let mut questions = vec![q1];
    let later = [
        (
            2,
            options.ingestion_dir.as_deref(),
            "--ingestion-dir",
            "ingestion",
        ),
        (
            3,
            options.artisan_dir.as_deref(),
            "--artisan-dir",
            "artisan",
        ),
    ];
    for (number, dir, flag, stem) in later {
        let previous_failed = questions.iter().any(|q| q.status == QuestionStatus::Fail);
        questions.push(if previous_failed {
            question(number, QuestionStatus::NotReached, Vec::new(), "")
        } else {
            later_question(number, dir, flag, stem, &export)
        });
    }
    let start_here = start_here(&questions);
    let all_passed = questions
        .iter()
        .filter(|q| q.status != QuestionStatus::NotReached)
        .all(|q| q.status == QuestionStatus::Pass);
    Ok(DiagnosticReport {
        export_dir: gate1.output_dir.clone(),
        project_id: gate1.project_id.clone(),
        checked_at: gate1.checked_at.clone(),
        all_passed,
        start_here,
        questions,
    })
}

fn question(
    number: u8,
    status: QuestionStatus,
    checks: Vec<CheckResult>,
    recommendation: &str,
) -> QuestionResult {
    let (title, layer) = TITLES[usize::from(number - 1)];
    QuestionResult {
        number,
        title: title.to_string(),
        layer: layer.to_string(),
        status,
        checks_passed: checks.iter().filter(|c| c.passed).count(),
        checks_total: checks.len(),
        recommendation: recommendation.to_string(),
        checks,
    }
}

pub(super) fn check(name: &str, passed: bool, detail: String, severity: &str) -> CheckResult {
    CheckResult {
        name: name.to_string(),
        passed,
        detail,
        severity: severity.to_string(),
    }
}

/// Question 1: the Gate 1 verdicts, then whether the manifest lists artifacts, derivation
/// rules and parameter schemas are there, and whether existing artifacts were scanned for.
fn question_one(gate1: &PipelineReport, meta: &Json) -> QuestionResult {
    let mut checks: Vec<CheckResult> = gate1
        .gates
        .iter()
        .map(|g| gate_check(g, &gate1.project_id))
        .collect();
    let mut failed = gate1.gates.iter().any(GateResult::is_blocking_failure);

    let coverage = section(meta, "coverage");
    let required = number(coverage, "totalRequired").unwrap_or(0.0);
    let existing = number(coverage, "totalExisting").unwrap_or(0.0);
    let gaps = strings(coverage, "gaps").len();
    if required == 0.0 {
        failed = true;
        checks.push(check(
            "artifact-manifest-populated",
            false,
            "No required artifact in coverage: is the artifact manifest empty?".into(),
            "error",
        ));
    } else {
        checks.push(check(
            "artifact-manifest-populated",
            true,
            format!("{required} required artifact(s): {existing} existing, {gaps} gap(s)."),
            "info",
        ));
    }
    checks.extend(derivation_rules_check(meta));
    checks.extend(parameter_schema_check(meta));
    if required > 0.0 && existing == 0.0 {
        checks.push(check("existing-artifact-scan", true, "No existing artifact found (totalExisting is 0); if some exist, re-run the export with --scan-existing.".into(), "warning"));
    }
    let (status, recommendation) = if failed {
        (QuestionStatus::Fail, FIX_EXPORT)
    } else {
        (QuestionStatus::Pass, "")
    };
    question(1, status, checks, recommendation)
}

fn gate_check(gate: &GateResult, project_id: &str) -> CheckResult {
    let name = gate
        .gate_id
        .strip_prefix(&format!("{project_id}-"))
        .unwrap_or(&gate.gate_id);
    let passed = gate.result == Outcome::Pass;
    let severity = match (passed, gate.blocking) {
        (true, _) => "info",
        (false, true) => "error",
        (false, false) => "warning",
    };
    check(name, passed, gate.reason.clone(), severity)
}

fn derivation_rules_check(meta: &Json) -> Option<CheckResult> {
    let rules = object(meta, "derivation_rules");
    if rules.is_empty() {
        return truthy(meta.get("artifact_types")).then(|| {
            check(
                "derivation-rules-present",
                true,
                "No derivation_rules: artifacts will be generated from parameter_sources alone."
                    .into(),
                "warning",
            )
        });
    }
    let empty: Vec<&str> = rules
        .iter()
        .filter(|(_, v)| !truthy(Some(v)))
        .map(|(k, _)| k.as_str())
        .collect();
    Some(if empty.is_empty() {
        check(
            "derivation-rules-populated",
            true,
            format!(
                "Derivation rules given for {} artifact type(s).",
                rules.len()
            ),
            "info",
        )
    } else {
        check(
            "derivation-rules-populated",
            false,
            format!("Derivation rules empty for: {}.", empty.join(", ")),
            "warning",
        )
    })
}

fn parameter_schema_check(meta: &Json) -> Option<CheckResult> {
    let types = object(meta, "artifact_types");
    if types.is_empty() {
        return None;
    }
    let schema = object(meta, "parameter_schema");
    let without: Vec<&str> = types
        .keys()
        .filter(|t| !truthy(schema.get(*t)))
        .map(String::as_str)
        .collect();
    Some(if without.is_empty() {
        check(
            "parameter-schema-complete",
            true,
            format!(
                "Parameter schema given for all {} artifact type(s).",
                types.len()
            ),
            "info",
        )
    } else {
        check(
            "parameter-schema-complete",
            false,
            format!(
                "Artifact types without a parameter schema: {}.",
                without.join(", ")
            ),
            "warning",
        )
    })
}

/// Questions 2 and 3: skipped without a directory, failed when the directory does not
/// exist, else the layer's checks decide (an error-severity check that did not pass fails it).
fn later_question(
    number: u8,
    dir: Option<&Path>,
    flag: &str,
    stem: &str,
    export: &ExportDir,
) -> QuestionResult {
    let Some(dir) = dir else {
        let detail = format!("No {stem} directory given; pass {flag} to ask this question.");
        let advice = format!("Give the {stem} output directory with {flag}.");
        let checks = vec![check(
            &format!("{stem}-dir-provided"),
            false,
            detail,
            "info",
        )];
        return question(number, QuestionStatus::Skipped, checks, &advice);
    };
    if !dir.is_dir() {
        let detail = format!("{}: no such directory.", crate::quote::fs_path(dir));
        let advice = format!("Run the {stem} step first, then point {flag} at its output.");
        let checks = vec![check(
            &format!("{stem}-output-exists"),
            false,
            detail,
            "error",
        )];
        return question(number, QuestionStatus::Fail, checks, &advice);
    }
    let (checks, advice) = if number == 2 {
        (ingestion::checks(dir, export), FIX_INGESTION)
    } else {
        (artisan::checks(dir, export), FIX_ARTISAN)
    };
    if checks.iter().any(|c| !c.passed && c.severity == "error") {
        question(number, QuestionStatus::Fail, checks, advice)
    } else {
        question(number, QuestionStatus::Pass, checks, "")
    }
}

fn start_here(questions: &[QuestionResult]) -> String {
    if let Some(failed) = questions.iter().find(|q| q.status == QuestionStatus::Fail) {
        return format!(
            "Q{} ({} layer): {}",
            failed.number, failed.layer, failed.recommendation
        );
    }
    let skipped: Vec<&str> = questions
        .iter()
        .filter(|q| q.status == QuestionStatus::Skipped)
        .map(|q| q.layer.as_str())
        .collect();
    if skipped.is_empty() {
        "All clear: no issue found at any layer.".to_string()
    } else {
        format!(
            "Q1 passed. Not checked: {}. Give --ingestion-dir and --artisan-dir for the full diagnostic.",
            skipped.join(", ")
        )
    }
}
