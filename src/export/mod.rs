//! `manifest export` derivations: the project context, artifact manifest, onboarding
//! metadata, validation and quality reports, from a parsed manifest and what the command
//! read. Pure: inputs in, bytes and verdicts out; no clock unless non-deterministic output
//! was asked for, no file system.

pub mod artifacts;

use serde_json::{Value as Json, json};

use crate::fingerprint::Digests;
use crate::model::manifest::{API_VERSION, Manifest};
use crate::model::reports::{
    Artifact, ArtifactManifest, ArtifactManifestMetadata, ArtifactTypeInfo, Checksums, Coverage,
    CoverageSummary, Gates, Integrity, OnboardingMetadata, PolicyEffective, QualityReport,
    ReportDiagnostic, Resolvability, ResolvabilitySummary, UnresolvedParameter, ValidationReport,
};
use crate::paths::export_names;
use artifacts::KINDS;

/// Schema ids of the documents export writes.
pub const ONBOARDING_SCHEMA: &str = "contextcore.io/onboarding-metadata/v1";
pub const VALIDATION_SCHEMA: &str = "contextcore.io/validation-report/v1";
pub const QUALITY_SCHEMA: &str = "contextcore.io/export-quality-report/v1";
/// Version of the documents' layout.
pub const SCHEMA_VERSION: &str = "1.0.0";

/// Everything a derivation needs, already read and resolved by the command.
pub struct ExportInput<'a> {
    pub manifest: &'a Manifest,
    /// The whole manifest as JSON (for pass-through sections).
    pub document: &'a Json,
    /// The manifest's record path and sha256.
    pub manifest_path: String,
    pub manifest_sha256: String,
    pub namespace: String,
    pub json_format: bool,
    /// Set only when deterministic output is off.
    pub generated_at: Option<String>,
    /// (record path, file name) of files found by `--scan-existing`.
    pub existing: Vec<(String, String)>,
    /// The task mapping, if given: artifact id → task.
    pub task_mapping: Option<&'a serde_json::Map<String, Json>>,
    pub environment: String,
    pub min_coverage: f64,
    pub schema_pins: &'a Json,
    pub policy_file: Option<String>,
    pub strict: bool,
    pub manifest_warnings: usize,
}

/// The rendered documents and the quality verdict.
pub struct ExportDocuments {
    pub project_context: Vec<u8>,
    pub artifact_manifest: Vec<u8>,
    pub onboarding: Vec<u8>,
    pub validation: Vec<u8>,
    pub quality: Vec<u8>,
    pub artifacts: Vec<Artifact>,
    pub coverage_percent: f64,
    pub gates: Gates,
    /// One line per quality shortfall (empty when every gate passed).
    pub shortfalls: Vec<String>,
}

/// A Prometheus-safe metric name part: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn metric_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// YAML text of a document, keys in order, `\n` line endings.
pub fn to_yaml(value: &impl serde::Serialize) -> Vec<u8> {
    let mut text = serde_saphyr::to_string(value).unwrap_or_default();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.into_bytes()
}

/// Pretty JSON with a trailing newline.
pub fn to_json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

/// Whether a task-mapping key names this artifact: its id, or `{target}-{suffix}` with the
/// target's own spelling (both forms are found in the wild).
fn mapped(task_mapping: &serde_json::Map<String, Json>, a: &Artifact) -> bool {
    let suffix = artifacts::kind_of(&a.artifact_type).map_or("", |k| k.suffix);
    task_mapping.contains_key(&a.id) || task_mapping.contains_key(&format!("{}-{suffix}", a.target))
}

/// The quality gates and one line per shortfall.
fn gates(
    input: &ExportInput,
    artifacts: &[Artifact],
    coverage_percent: f64,
) -> (Gates, Vec<String>, CoverageSummary) {
    let required: Vec<&Artifact> = artifacts
        .iter()
        .filter(|a| a.priority == "required")
        .collect();
    let gaps: Vec<String> = required
        .iter()
        .filter(|a| a.status != "exists")
        .map(|a| a.id.clone())
        .collect();
    let mut shortfalls = Vec::new();
    let coverage_ok = coverage_percent >= input.min_coverage;
    if !coverage_ok {
        shortfalls.push(format!(
            "coverage {coverage_percent}% is under the {} threshold of {}% ({} of {} required artifacts missing: {})",
            input.environment, input.min_coverage, gaps.len(), required.len(), gaps.join(", ")
        ));
    }
    let unmapped: Vec<&str> = match input.task_mapping {
        Some(tm) => required
            .iter()
            .filter(|a| !mapped(tm, a))
            .map(|a| a.id.as_str())
            .collect(),
        None => Vec::new(),
    };
    for id in &unmapped {
        shortfalls.push(format!(
            "task mapping has no task for required artifact {id}"
        ));
    }
    let mut pins_ok = true;
    for (key, expected) in [
        ("manifest_api_version", API_VERSION),
        ("onboarding_schema", ONBOARDING_SCHEMA),
        ("validation_schema", VALIDATION_SCHEMA),
        ("schema_version", SCHEMA_VERSION),
    ] {
        if let Some(pinned) = input.schema_pins.get(key).and_then(Json::as_str)
            && pinned != expected
        {
            pins_ok = false;
            shortfalls.push(format!(
                "schema pin {key} is {pinned} but this export writes {expected}"
            ));
        }
    }
    let gates = Gates {
        manifest_validation_passed: true,
        required_task_mapping_complete: unmapped.is_empty(),
        schema_pins_passed: pins_ok,
        coverage_meets_minimum: coverage_ok,
    };
    let summary = CoverageSummary {
        overall_coverage_percent: coverage_percent,
        gap_count: gaps.len(),
        gaps,
        minimum_required: input.min_coverage,
        meets_minimum: coverage_ok,
    };
    (gates, shortfalls, summary)
}

/// Derives every export document.
pub fn derive(input: &ExportInput) -> ExportDocuments {
    let m = input.manifest;
    let project = m.project_name().to_string();
    let artifacts = artifacts::derive(m, &input.existing);
    let coverage = artifacts::coverage(&artifacts, &m.spec.targets);
    let coverage_percent = coverage.overall_coverage;

    let project_context = to_yaml(&json!({
        "apiVersion": "contextcore.io/v1",
        "kind": "ProjectContext",
        "metadata": {"name": project, "namespace": input.namespace},
        "spec": input.document.get("spec").cloned().unwrap_or(Json::Null),
    }));
    let manifest_doc = ArtifactManifest {
        api_version: "contextcore.io/v1".into(),
        kind: "ArtifactManifest".into(),
        metadata: ArtifactManifestMetadata {
            schema_version: SCHEMA_VERSION.into(),
            generated_at: input.generated_at.clone(),
            generated_from: input.manifest_path.clone(),
            contextcore_version: env!("CARGO_PKG_VERSION").into(),
            project_id: project.clone(),
        },
        artifacts: artifacts.clone(),
        coverage: coverage.clone(),
        crd_reference: export_names::project_context(&project),
    };
    let artifact_manifest = if input.json_format {
        to_json(&manifest_doc)
    } else {
        to_yaml(&manifest_doc)
    };
    let checksums = Checksums {
        source_checksum: input.manifest_sha256.clone(),
        artifact_manifest_checksum: Digests::of_bytes(&artifact_manifest).sha256,
        project_context_checksum: Digests::of_bytes(&project_context).sha256,
    };
    let (gates, shortfalls, coverage_summary) = gates(input, &artifacts, coverage_percent);
    let severity = if input.strict { "error" } else { "warning" };
    let mut diagnostics: Vec<ReportDiagnostic> = shortfalls
        .iter()
        .map(|s| ReportDiagnostic {
            severity: severity.into(),
            code: None,
            message: s.clone(),
        })
        .collect();
    if input.manifest_warnings > 0 {
        diagnostics.push(ReportDiagnostic {
            severity: "warning".into(),
            code: Some("MANIFEST_WARNINGS".into()),
            message: format!(
                "{} manifest warning(s); run 'contextcore manifest validate'",
                input.manifest_warnings
            ),
        });
    }
    let validation = ValidationReport {
        version: SCHEMA_VERSION.into(),
        schema_version: SCHEMA_VERSION.into(),
        schema: VALIDATION_SCHEMA.into(),
        project_id: project.clone(),
        generated_at: input.generated_at.clone(),
        checksums: checksums.clone(),
        integrity: Integrity {
            checksum_chain_complete: true,
        },
        coverage: coverage_summary.clone(),
        resolvability: resolvability(&artifacts),
        diagnostics: diagnostics.clone(),
        run_provenance: crate::paths::RUN_RECORD.into(),
    };
    let onboarding = onboarding(input, &project, &artifacts, coverage, checksums);
    let quality = QualityReport {
        version: SCHEMA_VERSION.into(),
        schema: QUALITY_SCHEMA.into(),
        generated_at: input.generated_at.clone(),
        strict_quality: input.strict,
        deterministic_output: input.generated_at.is_none(),
        policy_file: input.policy_file.clone(),
        policy_effective: PolicyEffective {
            coverage_threshold_env: input.environment.clone(),
            min_coverage: input.min_coverage,
        },
        gates: gates.clone(),
        passed: shortfalls.is_empty(),
        shortfalls: shortfalls.clone(),
        coverage: coverage_summary,
        diagnostics,
    };
    ExportDocuments {
        project_context,
        artifact_manifest,
        onboarding: to_json(&onboarding),
        validation: to_json(&validation),
        quality: to_json(&quality),
        artifacts,
        coverage_percent,
        gates,
        shortfalls,
    }
}

fn onboarding(
    input: &ExportInput,
    project: &str,
    artifacts: &[Artifact],
    coverage: Coverage,
    checksums: Checksums,
) -> OnboardingMetadata {
    let artifact_types = KINDS
        .iter()
        .map(|k| {
            let ext = k.output_path.rsplit_once('.').map_or("", |(_, e)| e);
            let info = ArtifactTypeInfo {
                output_path: k.output_path.into(),
                output_ext: format!(".{ext}"),
                schema_url: k.schema_url.into(),
                description: k.title.into(),
            };
            (k.artifact_type.to_string(), info)
        })
        .collect();
    let parameter_names = |a: &Artifact| {
        a.parameters
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    OnboardingMetadata {
        version: SCHEMA_VERSION.into(),
        schema_version: SCHEMA_VERSION.into(),
        schema: ONBOARDING_SCHEMA.into(),
        project_id: project.into(),
        generated_at: input.generated_at.clone(),
        artifact_manifest_path: export_names::artifact_manifest(project, input.json_format),
        project_context_path: export_names::project_context(project),
        crd_reference: export_names::project_context(project),
        artifact_types,
        parameter_schema: artifacts
            .iter()
            .map(|a| (a.artifact_type.clone(), parameter_names(a)))
            .collect(),
        coverage,
        artifact_dependency_graph: artifacts
            .iter()
            .filter(|a| !a.depends_on.is_empty())
            .map(|a| (a.id.clone(), a.depends_on.clone()))
            .collect(),
        resolved_artifact_parameters: artifacts
            .iter()
            .map(|a| (a.id.clone(), a.parameters.clone()))
            .collect(),
        artifact_task_mapping: input.task_mapping.cloned().map(Json::Object),
        objectives: input
            .document
            .pointer("/strategy/objectives")
            .cloned()
            .unwrap_or(json!([])),
        guidance: input.document.get("guidance").cloned().unwrap_or(json!({})),
        source_checksum: checksums.source_checksum,
        artifact_manifest_checksum: checksums.artifact_manifest_checksum,
        project_context_checksum: checksums.project_context_checksum,
        run_provenance: crate::paths::RUN_RECORD.into(),
    }
}

fn resolvability(artifacts: &[Artifact]) -> Resolvability {
    let mut total = 0;
    let mut unresolved = Vec::new();
    for a in artifacts {
        for (k, v) in a.parameters.as_object().into_iter().flatten() {
            total += 1;
            if v.is_null() {
                unresolved.push(UnresolvedParameter {
                    artifact_id: a.id.clone(),
                    parameter: k.clone(),
                    reason_code: "value_not_in_manifest".into(),
                });
            }
        }
    }
    Resolvability {
        summary: ResolvabilitySummary {
            total,
            unresolved: unresolved.len(),
            resolved: total - unresolved.len(),
        },
        unresolved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_prometheus_safe() {
        assert_eq!(metric_name("ledger-api"), "ledger_api");
        assert_eq!(metric_name("9lives"), "_9lives");
    }
}
