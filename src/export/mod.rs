//! `manifest export` derivations: the project context, artifact manifest, onboarding
//! metadata, validation and quality reports, from a parsed manifest and what the command
//! read. Pure: inputs in, bytes and verdicts out; no clock unless non-deterministic output
//! was asked for, no file system.

pub mod artifacts;

use serde_json::{Value as Json, json};

use crate::fingerprint::Digests;
use crate::model::manifest::{API_VERSION, Manifest};
use crate::paths::export_names;
use artifacts::{Artifact, KINDS};

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
    pub gates: Json,
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

/// YAML text of a JSON value, keys in order, `\n` line endings.
pub fn to_yaml(value: &Json) -> Vec<u8> {
    let mut text = serde_saphyr::to_string(value).unwrap_or_default();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.into_bytes()
}

/// Pretty JSON with a trailing newline.
pub fn to_json(value: &Json) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

/// Whether a task-mapping key names this artifact: its id, or `{target}-{suffix}` with the
/// target's own spelling (both forms are found in the wild).
fn mapped(task_mapping: &serde_json::Map<String, Json>, a: &Artifact) -> bool {
    task_mapping.contains_key(&a.id)
        || task_mapping.contains_key(&format!("{}-{}", a.target, a.suffix))
}

/// Derives every export document.
pub fn derive(input: &ExportInput) -> ExportDocuments {
    let m = input.manifest;
    let project = m.project_name().to_string();
    let artifacts = artifacts::derive(m, &input.existing);
    let coverage = artifacts::coverage(&artifacts, &m.spec.targets);
    let coverage_percent = coverage["overallCoverage"].as_f64().unwrap_or(0.0);

    let project_context = to_yaml(&json!({
        "apiVersion": "contextcore.io/v1",
        "kind": "ProjectContext",
        "metadata": {"name": project, "namespace": input.namespace},
        "spec": input.document.get("spec").cloned().unwrap_or(Json::Null),
    }));
    let mut metadata = json!({
        "schemaVersion": SCHEMA_VERSION,
        "generatedFrom": input.manifest_path,
        "contextcoreVersion": env!("CARGO_PKG_VERSION"),
        "projectId": project,
    });
    if let Some(t) = &input.generated_at {
        metadata["generatedAt"] = json!(t);
    }
    let manifest_doc = json!({
        "apiVersion": "contextcore.io/v1",
        "kind": "ArtifactManifest",
        "metadata": metadata,
        "artifacts": artifacts,
        "coverage": coverage,
        "crdReference": export_names::project_context(&project),
    });
    let artifact_manifest = if input.json_format {
        to_json(&manifest_doc)
    } else {
        to_yaml(&manifest_doc)
    };
    let checksums = json!({
        "source_checksum": input.manifest_sha256,
        "artifact_manifest_checksum": Digests::of_bytes(&artifact_manifest).sha256,
        "project_context_checksum": Digests::of_bytes(&project_context).sha256,
    });

    // Quality gates.
    let required: Vec<&Artifact> = artifacts
        .iter()
        .filter(|a| a.priority == "required")
        .collect();
    let gaps: Vec<&str> = required
        .iter()
        .filter(|a| a.status != "exists")
        .map(|a| a.id.as_str())
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
    let mut pin_failures = Vec::new();
    for (key, expected) in [
        ("manifest_api_version", API_VERSION),
        ("onboarding_schema", ONBOARDING_SCHEMA),
        ("validation_schema", VALIDATION_SCHEMA),
        ("schema_version", SCHEMA_VERSION),
    ] {
        if let Some(pinned) = input.schema_pins.get(key).and_then(Json::as_str)
            && pinned != expected
        {
            pin_failures.push(format!(
                "schema pin {key} is {pinned} but this export writes {expected}"
            ));
        }
    }
    shortfalls.extend(pin_failures.iter().cloned());
    let gates = json!({
        "manifest_validation_passed": true,
        "required_task_mapping_complete": unmapped.is_empty(),
        "schema_pins_passed": pin_failures.is_empty(),
        "coverage_meets_minimum": coverage_ok,
    });
    let coverage_summary = json!({
        "overall_coverage_percent": coverage_percent,
        "gap_count": gaps.len(),
        "gaps": gaps,
        "minimum_required": input.min_coverage,
        "meets_minimum": coverage_ok,
    });
    let mut diagnostics: Vec<Json> = shortfalls
        .iter()
        .map(|s| json!({"severity": if input.strict { "error" } else { "warning" }, "message": s}))
        .collect();
    if input.manifest_warnings > 0 {
        diagnostics.push(json!({"severity": "warning", "code": "MANIFEST_WARNINGS", "message": format!("{} manifest warning(s); run 'contextcore manifest validate'", input.manifest_warnings)}));
    }
    let unresolved = unresolved_parameters(&artifacts);
    let resolvability = json!({
        "summary": {"total": parameter_count(&artifacts), "unresolved": unresolved.len(), "resolved": parameter_count(&artifacts) - unresolved.len()},
        "unresolved": unresolved,
    });

    let mut validation = json!({
        "version": SCHEMA_VERSION,
        "schema_version": SCHEMA_VERSION,
        "schema": VALIDATION_SCHEMA,
        "project_id": project,
        "checksums": checksums,
        "integrity": {"checksum_chain_complete": true},
        "coverage": coverage_summary,
        "resolvability": resolvability,
        "diagnostics": diagnostics,
        "run_provenance": crate::paths::RUN_RECORD,
    });
    let mut onboarding = json!({
        "version": SCHEMA_VERSION,
        "schema_version": SCHEMA_VERSION,
        "schema": ONBOARDING_SCHEMA,
        "project_id": project,
        "artifact_manifest_path": export_names::artifact_manifest(&project, input.json_format),
        "project_context_path": export_names::project_context(&project),
        "crd_reference": export_names::project_context(&project),
        "artifact_types": artifact_types(),
        "parameter_schema": artifacts.iter().filter(|a| a.target == artifacts[0].target).map(|a| (a.artifact_type.clone(), json!(a.parameters.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()))).collect::<serde_json::Map<_, _>>(),
        "coverage": coverage,
        "artifact_dependency_graph": artifacts.iter().filter(|a| !a.depends_on.is_empty()).map(|a| (a.id.clone(), json!(a.depends_on))).collect::<serde_json::Map<_, _>>(),
        "resolved_artifact_parameters": artifacts.iter().map(|a| (a.id.clone(), a.parameters.clone())).collect::<serde_json::Map<_, _>>(),
        "artifact_task_mapping": input.task_mapping.cloned().map(Json::Object).unwrap_or(Json::Null),
        "objectives": input.document.pointer("/strategy/objectives").cloned().unwrap_or(json!([])),
        "guidance": input.document.get("guidance").cloned().unwrap_or(json!({})),
        "source_checksum": checksums["source_checksum"],
        "artifact_manifest_checksum": checksums["artifact_manifest_checksum"],
        "project_context_checksum": checksums["project_context_checksum"],
        "run_provenance": crate::paths::RUN_RECORD,
    });
    let mut quality = json!({
        "version": SCHEMA_VERSION,
        "schema": QUALITY_SCHEMA,
        "strict_quality": input.strict,
        "deterministic_output": input.generated_at.is_none(),
        "policy_file": input.policy_file,
        "policy_effective": {"coverage_threshold_env": input.environment, "min_coverage": input.min_coverage},
        "gates": gates,
        "passed": shortfalls.is_empty(),
        "shortfalls": shortfalls,
        "coverage": coverage_summary,
        "diagnostics": diagnostics,
    });
    if let Some(t) = &input.generated_at {
        for doc in [&mut validation, &mut onboarding, &mut quality] {
            doc["generated_at"] = json!(t);
        }
    }
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

fn artifact_types() -> Json {
    Json::Object(
        KINDS
            .iter()
            .map(|k| {
                let ext = k.output_path.rsplit_once('.').map_or("", |(_, e)| e);
                (k.artifact_type.to_string(), json!({"output_path": k.output_path, "output_ext": format!(".{ext}"), "schema_url": k.schema_url, "description": k.title}))
            })
            .collect(),
    )
}

fn parameter_count(artifacts: &[Artifact]) -> usize {
    artifacts
        .iter()
        .map(|a| a.parameters.as_object().map_or(0, |o| o.len()))
        .sum()
}

fn unresolved_parameters(artifacts: &[Artifact]) -> Vec<Json> {
    let mut out = Vec::new();
    for a in artifacts {
        if let Some(params) = a.parameters.as_object() {
            for (k, v) in params {
                if v.is_null() {
                    out.push(json!({"artifact_id": a.id, "parameter": k, "reason_code": "value_not_in_manifest"}));
                }
            }
        }
    }
    out
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
