//! The documents contextcore writes, as types: their serde form is the file, and their
//! `schemars` form is the published JSON Schema under `docs/schemas/` (a test keeps the two
//! in step). Field order here is the order in the files.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::export::instrumentation::Hints;
use crate::export::views::{DependencyGraph, DerivationRules, Matrix, ResolvedParameters};

/// How one artifact property follows from a manifest field.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "camelCase")]
pub struct DerivationRule {
    pub property: Cow<'static, str>,
    pub source_field: Cow<'static, str>,
    pub transformation: String,
    pub rationale: Cow<'static, str>,
}

/// A required or optional observability artifact of one target.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// `{target with '-' as '_'}-{suffix}`.
    pub id: String,
    #[serde(rename = "type")]
    pub artifact_type: Cow<'static, str>,
    pub name: String,
    pub target: String,
    /// required | recommended | optional.
    pub priority: Cow<'static, str>,
    /// needed | exists | outdated (exists, but generated from another project context).
    pub status: Cow<'static, str>,
    pub derived_from: std::sync::Arc<Vec<DerivationRule>>,
    /// Parameters a generator needs, pre-derived from the manifest.
    // Shared by the artifacts of one type when the manifest alone gives them.
    pub parameters: std::sync::Arc<Json>,
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_path: Option<String>,
    pub validation_errors: Vec<String>,
}

/// Coverage of one target's required artifacts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetCoverage {
    pub target: String,
    pub namespace: String,
    pub required_count: usize,
    pub existing_count: usize,
    pub coverage_percent: f64,
    pub gaps: Vec<String>,
}

/// Coverage of required artifacts: overall, per target, and artifact counts per type.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    pub total_required: usize,
    pub total_existing: usize,
    pub total_outdated: usize,
    pub overall_coverage: f64,
    pub by_target: Vec<TargetCoverage>,
    pub by_type: BTreeMap<String, usize>,
}

/// `metadata` of the artifact manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactManifestMetadata {
    pub schema_version: String,
    /// Stable across reruns that change nothing (see docs/DECISIONS.md).
    pub generated_at: String,
    pub generated_from: String,
    pub contextcore_version: String,
    pub project_id: String,
    /// The legacy provenance block, with `--embed-provenance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Json>,
}

/// `projectContext` of the artifact manifest: who the project is for.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ProjectSummary {
    pub name: String,
    pub owner: Option<String>,
    /// `spec.business.costCenter`, when the manifest gives one.
    #[serde(
        rename = "costCenter",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cost_center: Option<String>,
    pub value: Option<String>,
    pub links: BTreeMap<String, String>,
}

/// `{project}-artifact-manifest.yaml|json` (`contextcore.io/v1`, kind `ArtifactManifest`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactManifest<'a> {
    pub api_version: String,
    pub kind: String,
    pub metadata: ArtifactManifestMetadata,
    // Borrowed when written: export keeps the list for its other documents, and at 3,000
    // targets a copy is 21,000 artifacts.
    pub artifacts: std::borrow::Cow<'a, [Artifact]>,
    pub project_context: ProjectSummary,
    pub owners: Json,
    pub guidance: Json,
    pub objectives: Json,
    pub semantic_conventions: Json,
    pub coverage: Coverage,
    pub crd_reference: String,
}

/// The sha256 chain tying the export's documents to their source.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Checksums {
    pub source_checksum: String,
    pub artifact_manifest_checksum: String,
    pub project_context_checksum: String,
}

/// Coverage against the threshold, as the reports show it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CoverageSummary {
    pub overall_coverage_percent: f64,
    pub gap_count: usize,
    pub gaps: Vec<String>,
    /// Needed artifacts of types the earlier implementation does not derive (not in `gaps`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_gaps: Vec<String>,
    pub minimum_required: f64,
    pub meets_minimum: bool,
}

/// A diagnostic in a report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReportDiagnostic {
    /// error | warning.
    pub severity: String,
    /// A stable upper-case code (`COVERAGE_BELOW_MINIMUM`, `TASK_MAPPING_INCOMPLETE`, …).
    pub code: String,
    pub message: String,
}

/// Output conventions of one artifact type.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ArtifactTypeInfo {
    pub output_path: String,
    pub output_ext: String,
    pub schema_url: String,
    pub description: String,
}

/// Coverage as onboarding metadata states it: the manifest's coverage plus every artifact
/// still to generate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OnboardingCoverage {
    #[serde(flatten)]
    pub coverage: Coverage,
    /// Ids of artifacts needed or outdated, sorted (types the earlier implementation derives).
    pub gaps: Vec<String>,
    /// The same for the types it does not derive (`alert_template`), which its gates do not
    /// expect a task mapping to name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_gaps: Vec<String>,
}

/// Which artifacts own one conventional output file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FileOwnership<'a> {
    pub artifact_ids: Vec<&'a str>,
    pub artifact_types: Vec<&'a str>,
    /// primary (one artifact) | shared.
    pub scope: &'static str,
    pub task_ids: Vec<&'a Json>,
}

/// Whether one artifact parameter has a value, and where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ParameterStatus {
    /// resolved | unresolved.
    pub status: Cow<'static, str>,
    pub source_path: Option<Cow<'static, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<Cow<'static, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Cow<'static, str>>,
}

/// Artifact id → parameter → whether it has a value (as the schema describes
/// `parameter_resolvability`; export writes it from the artifacts, `export::views`).
pub type ResolvabilityMatrix = BTreeMap<String, BTreeMap<Cow<'static, str>, ParameterStatus>>;

/// A section a generation profile may leave out: its data, or the marker
/// (`{"_omitted": "profile=…"}`) it writes instead.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Gated<T> {
    Data(T),
    Omitted(Json),
}

/// `onboarding-metadata.json` (`contextcore.io/onboarding-metadata/v1`). Sections a
/// generation profile leaves out hold `{"_omitted": "profile=…"}`.
// The sections that grow with the number of artifacts borrow them and are written as the
// document is printed (`export::views`); `schemars(with)` describes what they print.
#[derive(Serialize, JsonSchema)]
pub struct OnboardingMetadata<'a> {
    pub version: String,
    pub schema_version: String,
    pub generation_profile: String,
    pub schema: String,
    pub project_id: String,
    pub artifact_manifest_path: String,
    pub project_context_path: String,
    pub crd_reference: String,
    pub generated_at: String,
    /// Conventions, parameters and an example for each artifact type the export derived.
    pub artifact_types: BTreeMap<String, Json>,
    /// Conventions of every artifact type.
    pub output_path_conventions: BTreeMap<String, Json>,
    /// Parameter names of every artifact type.
    pub parameter_schema: BTreeMap<String, Vec<String>>,
    pub coverage: OnboardingCoverage,
    pub semantic_conventions: Json,
    /// The legacy provenance block when `--emit-provenance`/`--embed-provenance`, else null.
    pub provenance: Option<Json>,
    pub guidance: Json,
    pub capabilities: Json,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Json>")]
    pub derivation_rules: Option<Gated<DerivationRules<'a>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Json>")]
    pub artifact_dependency_graph: Option<Gated<DependencyGraph<'a>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_output_contracts: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_calibration_hints: Option<Json>,
    pub objectives: Json,
    #[schemars(with = "BTreeMap<String, Json>")]
    pub resolved_artifact_parameters: ResolvedParameters<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Gated<ResolvabilityMatrix>>")]
    pub parameter_resolvability: Option<Gated<Matrix<'a>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_resolvability_summary: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_questions: Option<Json>,
    pub requirements_hints: Vec<Json>,
    pub service_metadata: BTreeMap<String, Json>,
    #[schemars(with = "BTreeMap<String, Json>")]
    pub instrumentation_hints: Hints<'a>,
    /// `spec.service_communication_graph`, as the manifest gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_communication_graph: Option<Json>,
    /// The data stores of `spec.security`, when it declares any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_contract: Option<Json>,
    pub artifact_manifest_checksum: String,
    pub project_context_checksum: String,
    pub source_checksum: String,
    /// The task mapping given with `--task-mapping`, keyed by artifact id.
    pub artifact_task_mapping: Option<Json>,
    pub file_ownership: BTreeMap<String, FileOwnership<'a>>,
    /// The manifest, relative to the output directory's parent (where the earlier gate looks).
    pub source_path_relative: String,
    /// Parameter origins per artifact type (also inside `artifact_types`).
    pub parameter_sources: BTreeMap<String, Json>,
    /// An example output per artifact type (also inside `artifact_types`).
    pub example_artifacts: BTreeMap<String, Json>,
    /// The same list as `coverage.gaps`, where the inventory's `coverage_gaps` role points.
    pub coverage_gaps: Vec<String>,
    /// The run record beside this file.
    pub run_provenance: String,
}

/// Whether the checksum chain is complete.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Integrity {
    pub checksum_chain_complete: bool,
}

/// Counts of artifact parameters with and without a value.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ResolvabilitySummary {
    pub total: usize,
    pub unresolved: usize,
    pub resolved: usize,
    /// `profile=…` when the generation profile leaves the resolvability matrix out of the
    /// onboarding metadata (the counts are still given).
    #[serde(rename = "_omitted", default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<String>,
}

/// A parameter the manifest gives no value for.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UnresolvedParameter {
    pub artifact_id: String,
    pub parameter: String,
    pub reason_code: String,
    pub reason: String,
}

/// Parameter resolvability.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Resolvability {
    pub summary: ResolvabilitySummary,
    pub unresolved: Vec<UnresolvedParameter>,
}

/// `validation-report.json` (`contextcore.io/validation-report/v1`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ValidationReport {
    pub version: String,
    pub schema_version: String,
    pub schema: String,
    pub project_id: String,
    pub generated_at: String,
    pub checksums: Checksums,
    pub integrity: Integrity,
    pub coverage: CoverageSummary,
    pub resolvability: Resolvability,
    pub capabilities: Json,
    pub diagnostics: Vec<ReportDiagnostic>,
    pub run_provenance: String,
}

/// The quality gates of an export.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Gates {
    pub manifest_validation_passed: bool,
    pub required_task_mapping_complete: bool,
    pub schema_pins_passed: bool,
    pub coverage_meets_minimum: bool,
}

/// The policy values that decided the gates.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PolicyEffective {
    pub coverage_threshold_env: String,
    pub min_coverage: f64,
    pub scan_path_allowlist: Json,
}

/// `export-quality-report.json` (`contextcore.io/export-quality-report/v1`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct QualityReport {
    pub version: String,
    pub schema: String,
    pub generated_at: String,
    pub strict_quality: bool,
    pub deterministic_output: bool,
    pub policy_file: Option<String>,
    pub policy_effective: PolicyEffective,
    pub gates: Gates,
    pub passed: bool,
    /// One line per shortfall.
    pub shortfalls: Vec<String>,
    pub coverage: CoverageSummary,
    pub diagnostics: Vec<ReportDiagnostic>,
}

/// The context a generation ran from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GeneratedFrom {
    pub path: String,
    pub sha256: String,
}

/// One generated artifact file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GeneratedArtifact {
    #[serde(rename = "type")]
    pub artifact_type: String,
    pub path: String,
    pub sha256: String,
    pub git_blob: String,
}

/// One strict check of `generate`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Check {
    pub check: String,
    pub passed: bool,
    pub detail: String,
}

/// `generation-report.json` (`contextcore.io/generation-report/v1`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GenerationReport {
    pub schema: String,
    pub project: String,
    pub context: GeneratedFrom,
    pub strict_quality: bool,
    pub artifacts: Vec<GeneratedArtifact>,
    pub strict_checks: Vec<Check>,
    pub passed: bool,
    pub run_provenance: String,
}

/// An input of init-from-plan.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanInput {
    pub path: String,
    pub role: String,
    pub sha256: String,
}

/// The inputs of init-from-plan: the earlier keys, and each file with its digest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanInputs {
    pub plan: String,
    pub requirements: Vec<String>,
    pub project_root: Option<String>,
    pub files: Vec<PlanInput>,
}

/// Where an inferred value came from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    pub file: String,
    pub line_start: usize,
    pub line_end: usize,
    pub text: String,
}

/// One inferred field with its evidence.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Inference {
    pub field_path: String,
    pub value: Json,
    pub source: Evidence,
    /// high | medium | low.
    pub confidence: String,
}

/// Whether a core field was inferred.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReadinessCheck {
    pub field: String,
    pub inferred: bool,
}

/// Readiness of an inferred manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Readiness {
    pub score: f64,
    /// ready | needs_review | insufficient.
    pub verdict: String,
    pub reasons: Vec<String>,
    pub checks: Vec<ReadinessCheck>,
}

/// `{manifest stem}.init-from-plan-report.json` (`contextcore.io/init-from-plan-report/v1`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InitFromPlanReport {
    pub version: String,
    pub schema: String,
    pub generated_at: String,
    /// written | dry_run.
    pub status: String,
    pub strict_quality: bool,
    /// Why the readiness verdict is what it is.
    pub warnings: Vec<String>,
    /// Warnings of the written manifest's validation.
    pub validation_warnings: Vec<String>,
    pub inputs: PlanInputs,
    pub output_manifest: String,
    pub inferences: Vec<Inference>,
    pub core_inferred_count: usize,
    pub core_fields_missing: Vec<String>,
    pub downstream_readiness: Readiness,
    pub run_provenance: String,
}
