//! Gate 1, `contract a2a-check-pipeline`: runs the checks in their fixed order over an export
//! directory and assembles the report (the earlier report's keys). [`check`] is also what
//! `export --verify` calls.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::dir::ExportDir;
use super::gate::{Finding, GateResult, Outcome};
use super::{design, integrity, inventory, rules};
use crate::error::Result;

/// Options of a Gate 1 run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--min-coverage`: a fraction (0.5) or a percentage (50); adds a blocking gate.
    pub min_coverage: Option<f64>,
    /// `--task-id`: the gate id prefix instead of the project id.
    pub task_id: Option<String>,
}

/// The Gate 1 report, as `--report` and `--json` write it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PipelineReport {
    /// The directory as given on the command line.
    pub output_dir: String,
    pub project_id: String,
    /// When the check ran, RFC 3339 UTC.
    pub checked_at: String,
    pub total_gates: usize,
    pub passed: usize,
    pub failed: usize,
    /// How many failed gates are blocking.
    pub blocking_failures: usize,
    /// No blocking gate failed.
    pub is_healthy: bool,
    pub warnings: Vec<String>,
    /// Checks that did not run, each with why.
    pub skipped: Vec<String>,
    pub gates: Vec<GateResult>,
}

/// Runs every check on `dir`. Bad input (no directory, no onboarding metadata, a JSON file
/// that does not parse) is an error; everything else is a verdict in the report.
pub fn check(dir: &Path, options: &Options) -> Result<PipelineReport> {
    Ok(check_loaded(&ExportDir::load(dir)?, options))
}

/// Runs every check on a directory already loaded.
pub fn check_loaded(export: &ExportDir, options: &Options) -> PipelineReport {
    let cwd = std::env::current_dir().unwrap_or_else(|_| export.root.clone());
    let mut gates: Vec<Finding> = Vec::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let meta = &export.metadata;

    gates.push(integrity::structural_integrity(export));
    gates.push(integrity::checksum_chain(export, &cwd));
    let optional = [
        (
            integrity::provenance_consistency(export),
            skip_reason::PROVENANCE,
        ),
        (rules::mapping_completeness(meta), mapping_skip_reason(meta)),
        (rules::gap_parity(meta), skip_reason::GAP_PARITY),
        (design::design_calibration(export), skip_reason::CALIBRATION),
        (
            design::parameter_resolvability(meta),
            skip_reason::RESOLVABILITY,
        ),
        (
            inventory::artifact_inventory(export),
            skip_reason::INVENTORY,
        ),
    ];
    for (finding, why_skipped) in optional {
        match finding {
            Some(finding) => gates.push(finding),
            None => skipped.push(why_skipped.to_string()),
        }
    }
    match inventory::service_metadata(meta) {
        Some(finding) => gates.push(finding),
        None => warnings.push(skip_reason::SERVICE_METADATA.to_string()),
    }
    match design::edit_first_coverage(meta) {
        Some(finding) => gates.push(finding),
        None => skipped.push(skip_reason::EDIT_FIRST.to_string()),
    }
    if let Some(min) = options.min_coverage {
        gates.push(rules::min_coverage(meta, min));
    }
    warnings.extend(rules::warnings(meta));

    let project_id = export.project_id().unwrap_or("unknown").to_string();
    let prefix = options
        .task_id
        .clone()
        .unwrap_or_else(|| project_id.clone());
    let gates: Vec<GateResult> = gates.into_iter().map(|f| f.into_gate(&prefix)).collect();
    PipelineReport::new(export, project_id, gates, warnings, skipped)
}

/// Why each optional check was skipped (the earlier report's wording of the check ids).
mod skip_reason {
    pub const PROVENANCE: &str =
        "provenance-consistency: no provenance.json (export with --emit-provenance)";
    pub const GAP_PARITY: &str =
        "gap-parity: no coverage gaps, or no planned artifacts to compare them with";
    pub const CALIBRATION: &str = "design-calibration: no design_calibration_hints in the metadata";
    pub const RESOLVABILITY: &str =
        "parameter-resolvability: no parameter_resolvability in the metadata";
    pub const INVENTORY: &str = "artifact-inventory: no version 2 run-provenance.json";
    pub const EDIT_FIRST: &str =
        "edit-first-coverage: no expected_output_contracts in the metadata";
    pub const SERVICE_METADATA: &str = "No service_metadata: transport protocols and schema contracts are not declared (export with --service-metadata).";
}

fn mapping_skip_reason(meta: &serde_json::Value) -> &'static str {
    if super::json::truthy(meta.get("artifact_task_mapping")) {
        "mapping-completeness: no coverage gaps to map"
    } else {
        "mapping-completeness: no artifact_task_mapping (export with --task-mapping)"
    }
}

impl PipelineReport {
    fn new(
        export: &ExportDir,
        project_id: String,
        gates: Vec<GateResult>,
        warnings: Vec<String>,
        skipped: Vec<String>,
    ) -> Self {
        let passed = gates.iter().filter(|g| g.result == Outcome::Pass).count();
        let blocking_failures = gates.iter().filter(|g| g.is_blocking_failure()).count();
        Self {
            output_dir: export.shown(),
            project_id,
            checked_at: crate::fingerprint::format_time(std::time::SystemTime::now()),
            total_gates: gates.len(),
            passed,
            failed: gates.len() - passed,
            blocking_failures,
            is_healthy: blocking_failures == 0,
            warnings,
            skipped,
            gates,
        }
    }
}
