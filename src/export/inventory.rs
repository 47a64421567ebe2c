//! The run record's `artifact_inventory` (record version 2.0.0): one entry per export role
//! that has data in the onboarding metadata, naming the file and JSON path that hold it and
//! the sha256 of that section, so a consumer can check a section without re-deriving it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::fingerprint::Digests;
use crate::paths::export_names;

/// One inventory entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InventoryEntry {
    /// `export.{role}`.
    pub artifact_id: String,
    pub role: String,
    pub description: String,
    pub produced_by: String,
    pub stage: String,
    /// Relative to the output directory.
    pub source_file: String,
    /// sha256 of the section as compact JSON with sorted keys.
    pub sha256: String,
    pub produced_at: String,
    pub consumers: Vec<String>,
    pub consumption_hint: String,
    pub json_path: String,
    pub freshness: Freshness,
}

/// What the section was derived from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Freshness {
    /// sha256 of the manifest.
    pub source_checksum: String,
    /// The manifest's record path.
    pub source_file: String,
}

/// role, onboarding key, description, consumers, how to use it.
pub const ROLES: &[(&str, &str, &str, &[&str], &str)] = &[
    (
        "derivation_rules",
        "derivation_rules",
        "How each artifact property follows from a manifest field, per artifact type",
        &["artisan.design", "artisan.implement"],
        "Give generators these rules instead of having them re-derive properties from the manifest.",
    ),
    (
        "resolved_parameters",
        "resolved_artifact_parameters",
        "Concrete parameter values per artifact",
        &["artisan.design", "artisan.implement"],
        "Substitute these values directly; they are already derived from the manifest.",
    ),
    (
        "output_contracts",
        "expected_output_contracts",
        "Expected depth, size and completeness markers per artifact type",
        &["artisan.design", "artisan.implement", "artisan.test"],
        "Size generated files by expected_depth and check them against completeness_markers.",
    ),
    (
        "dependency_graph",
        "artifact_dependency_graph",
        "Which artifact must exist before another",
        &["ingestion.parse", "artisan.plan"],
        "Order generation tasks by this graph.",
    ),
    (
        "calibration_hints",
        "design_calibration_hints",
        "Expected depth and line range per artifact type and service",
        &["ingestion.calibration", "artisan.design"],
        "Prefer these depths over estimates from line counts.",
    ),
    (
        "open_questions",
        "open_questions",
        "Questions the manifest's guidance leaves open",
        &["artisan.design"],
        "Do not decide what these questions leave open.",
    ),
    (
        "parameter_sources",
        "parameter_sources",
        "Where each parameter of each artifact type comes from",
        &["artisan.design", "artisan.implement"],
        "Trace a parameter value back to its manifest field.",
    ),
    (
        "semantic_conventions",
        "semantic_conventions",
        "Metric, attribute and query naming conventions",
        &["artisan.design", "artisan.implement"],
        "Name metrics and labels in generated artifacts by these conventions.",
    ),
    (
        "example_artifacts",
        "example_artifacts",
        "An example output path and snippet per artifact type",
        &["artisan.design"],
        "Use as examples of the expected shape.",
    ),
    (
        "coverage_gaps",
        "coverage_gaps",
        "Artifacts still to generate",
        &["ingestion.parse", "artisan.plan"],
        "Generate exactly these artifacts.",
    ),
];

/// Whether an onboarding section holds data: not null or empty, and not the marker
/// (`{"_omitted": "profile=…"}`) a generation profile writes for a section it leaves out.
/// The export gates ask the same question of the sections they read.
pub fn has_data(section: &Json) -> bool {
    match section {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty() && !o.contains_key("_omitted"),
        Json::Number(_) => true,
    }
}

/// Inventory entries for every role whose section in `onboarding` holds data.
pub fn build(
    onboarding: &Json,
    produced_at: &str,
    source_checksum: &str,
    source_file: &str,
) -> Vec<InventoryEntry> {
    ROLES
        .iter()
        .filter_map(|(role, key, description, consumers, hint)| {
            let data = onboarding.get(*key)?;
            has_data(data).then(|| InventoryEntry {
                artifact_id: format!("export.{role}"),
                role: role.to_string(),
                description: description.to_string(),
                produced_by: "contextcore.manifest.export".into(),
                stage: "export".into(),
                source_file: export_names::ONBOARDING.into(),
                sha256: Digests::of_bytes(&sorted(data).to_string().into_bytes()).sha256,
                produced_at: produced_at.to_string(),
                consumers: consumers.iter().map(|c| c.to_string()).collect(),
                consumption_hint: hint.to_string(),
                json_path: format!("$.{key}"),
                freshness: Freshness {
                    source_checksum: source_checksum.to_string(),
                    source_file: source_file.to_string(),
                },
            })
        })
        .collect()
}

/// The same value with every object's keys sorted.
fn sorted(value: &Json) -> Json {
    match value {
        Json::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            Json::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&o[k])))
                    .collect::<Map<String, Json>>(),
            )
        }
        Json::Array(a) => Json::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
