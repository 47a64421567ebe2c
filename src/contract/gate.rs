//! One gate's verdict, in the earlier report's shape (`gates[]` entries), and the check ids.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether a gate passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
}

/// How much a gate's result matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// The pipeline phase a gate guards (the earlier report's `phase` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Phase {
    ExportContract,
    ContractIntegrity,
    IngestParseAssess,
    ArtisanDesign,
}

/// One fact behind a verdict: what kind, about what, and what was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub description: String,
}

impl Evidence {
    /// Evidence of a kind about a reference.
    pub fn new(kind: &str, reference: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            kind: kind.to_string(),
            reference: reference.into(),
            description: description.into(),
        }
    }
}

/// One gate of the report: `gate_id` is `{project}-{check}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateResult {
    pub gate_id: String,
    pub phase: Phase,
    pub result: Outcome,
    pub severity: Severity,
    pub reason: String,
    pub next_action: String,
    /// A failing blocking gate makes the directory unhealthy.
    pub blocking: bool,
    pub evidence: Vec<Evidence>,
}

impl GateResult {
    /// Whether this gate failed and blocks the pipeline.
    pub fn is_blocking_failure(&self) -> bool {
        self.blocking && self.result == Outcome::Fail
    }
}

/// The checks of Gate 1, in the order they run; `id()` is the suffix of their gate id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    StructuralIntegrity,
    ChecksumChain,
    ProvenanceConsistency,
    MappingCompleteness,
    GapParity,
    DesignCalibration,
    ParameterResolvability,
    ArtifactInventory,
    ServiceMetadata,
    EditFirstCoverage,
    MinCoverage,
}

impl Check {
    /// The check's id, the suffix of its gate id.
    pub fn id(self) -> &'static str {
        match self {
            Check::StructuralIntegrity => "structural-integrity",
            Check::ChecksumChain => "checksum-chain",
            Check::ProvenanceConsistency => "provenance-consistency",
            Check::MappingCompleteness => "mapping-completeness",
            Check::GapParity => "gap-parity",
            Check::DesignCalibration => "design-calibration",
            Check::ParameterResolvability => "parameter-resolvability",
            Check::ArtifactInventory => "artifact-inventory",
            Check::ServiceMetadata => "service-metadata",
            Check::EditFirstCoverage => "edit-first-coverage",
            Check::MinCoverage => "min-coverage",
        }
    }

    fn phase(self) -> Phase {
        match self {
            Check::ChecksumChain | Check::ProvenanceConsistency | Check::MappingCompleteness => {
                Phase::ContractIntegrity
            }
            Check::GapParity => Phase::IngestParseAssess,
            Check::DesignCalibration | Check::EditFirstCoverage => Phase::ArtisanDesign,
            _ => Phase::ExportContract,
        }
    }
}

/// A check's verdict before it is named for a project.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: Check,
    pub result: Outcome,
    pub severity: Severity,
    pub blocking: bool,
    pub reason: String,
    pub next_action: String,
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// A clean pass.
    pub fn pass(check: Check, reason: String, next_action: &str, evidence: Vec<Evidence>) -> Self {
        Self {
            check,
            result: Outcome::Pass,
            severity: Severity::Info,
            blocking: false,
            reason,
            next_action: next_action.to_string(),
            evidence,
        }
    }

    /// A pass that carries advisory evidence.
    pub fn pass_with_warnings(
        check: Check,
        reason: String,
        next_action: &str,
        evidence: Vec<Evidence>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::pass(check, reason, next_action, evidence)
        }
    }

    /// A failure that blocks the pipeline.
    pub fn blocking_failure(
        check: Check,
        reason: String,
        next_action: &str,
        evidence: Vec<Evidence>,
    ) -> Self {
        Self {
            check,
            result: Outcome::Fail,
            severity: Severity::Error,
            blocking: true,
            reason,
            next_action: next_action.to_string(),
            evidence,
        }
    }

    /// A failure reported as a warning: the pipeline may go on.
    pub fn warning_failure(
        check: Check,
        reason: String,
        next_action: &str,
        evidence: Vec<Evidence>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            blocking: false,
            ..Self::blocking_failure(check, reason, next_action, evidence)
        }
    }

    /// The gate this finding becomes for a project (or `--task-id`).
    pub fn into_gate(self, prefix: &str) -> GateResult {
        GateResult {
            gate_id: format!("{prefix}-{}", self.check.id()),
            phase: self.check.phase(),
            result: self.result,
            severity: self.severity,
            reason: self.reason,
            next_action: self.next_action,
            blocking: self.blocking,
            evidence: self.evidence,
        }
    }
}

/// Joins up to `limit` items with `; `, marking any left out with `...`.
pub fn first_items(items: &[String], limit: usize) -> String {
    let shown = items.iter().take(limit).cloned().collect::<Vec<_>>();
    let more = if items.len() > limit { "..." } else { "" };
    format!("{}{more}", shown.join("; "))
}
