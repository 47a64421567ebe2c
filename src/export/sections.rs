//! Sections several export documents share: the declared capabilities and semantic
//! conventions, the manifest's guidance with its lists always present, and the resolvability
//! of every artifact parameter (onboarding metadata, artifact manifest, validation report).
//! Pure.

use serde_json::{Value as Json, json};

use super::{catalog, views};
use crate::model::reports::{Artifact, ResolvabilitySummary, UnresolvedParameter};

/// The schema features and optional sections this document declares.
pub fn capabilities() -> Json {
    json!({
        "schema_features": [
            "integrity_checksums", "parameter_resolvability", "output_contracts",
            "design_calibration_hints", "file_ownership", "requirements_hints",
            "edit_first_enforcement",
        ],
        "optional_sections": [
            "artifact_task_mapping", "open_questions", "objectives", "derivation_rules",
            "provenance", "requirements_hints", "service_metadata",
        ],
    })
}

/// Names of the contextcore conventions generated artifacts follow.
pub fn semantic_conventions() -> Json {
    json!({
        "attributeNamespaces": ["gen_ai.*", "agent.*", "io.contextcore.*"],
        "metrics": {
            "contextcore": [
                "contextcore_task_progress", "contextcore_task_status",
                "contextcore_install_completeness_percent",
            ],
            "beaver": [
                "startd8_active_sessions", "startd8_requests_total", "startd8_tokens_total",
                "startd8_response_time_ms", "startd8_context_usage_ratio",
                "startd8_truncations_total", "startd8_cost_total",
            ],
        },
        "queryTemplates": {
            "task_by_project": "{ span.io.contextcore.project.id = \"$project\" }",
            "agent_insights": "{ span.agent.insight.type = \"$type\" }",
            "gen_ai_operations": "{ span.gen_ai.operation.name = \"$operation\" }",
            "task_logs": "{job=\"contextcore\"} | json | project_id=\"$project\"",
            "task_metrics": "contextcore_task_progress{project=\"$project\"}",
        },
        "logFormat": "otel",
    })
}

/// The manifest's guidance with the lists consumers iterate always present.
pub fn guidance(document: &Json) -> Json {
    let mut g = document
        .get("guidance")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    for key in ["constraints", "preferences", "questions"] {
        g.entry(key).or_insert_with(|| json!([]));
    }
    if let Some(constraints) = g.get_mut("constraints").and_then(Json::as_array_mut) {
        for c in constraints.iter_mut().filter_map(Json::as_object_mut) {
            c.entry("appliesTo").or_insert_with(|| json!([]));
            // A constraint blocks unless it says otherwise (the model's default).
            c.entry("severity").or_insert_with(|| json!("blocking"));
        }
    }
    if let Some(questions) = g.get_mut("questions").and_then(Json::as_array_mut) {
        for q in questions.iter_mut().filter_map(Json::as_object_mut) {
            // The model's defaults: an open question of medium priority.
            q.entry("status").or_insert_with(|| json!("open"));
            q.entry("priority").or_insert_with(|| json!("medium"));
        }
    }
    Json::Object(g)
}

/// Each catalog parameter of each artifact, and whether the artifact gives it a value.
fn parameters(artifacts: &[Artifact]) -> impl Iterator<Item = (&Artifact, &'static str, bool)> {
    artifacts.iter().flat_map(|a| {
        let params = catalog::entry(&a.artifact_type).map_or(&[][..], |e| e.parameters);
        params
            .iter()
            .map(move |(key, _)| (a, *key, views::has_value(&a.parameters, key)))
    })
}

/// The counts of every artifact's catalog parameters with and without a value.
pub fn resolvability_summary(artifacts: &[Artifact]) -> ResolvabilitySummary {
    let (total, unresolved) = parameters(artifacts).fold((0, 0), |(total, unresolved), p| {
        (total + 1, unresolved + usize::from(!p.2))
    });
    ResolvabilitySummary {
        total,
        unresolved,
        resolved: total - unresolved,
        omitted: None,
    }
}

/// [`resolvability_summary`], and the unresolved parameters as the validation report lists
/// them (the matrix itself is [`super::views::Matrix`]).
pub fn resolvability(artifacts: &[Artifact]) -> (ResolvabilitySummary, Vec<UnresolvedParameter>) {
    let unresolved = parameters(artifacts)
        .filter(|(_, _, has_value)| !has_value)
        .map(|(a, key, _)| UnresolvedParameter {
            artifact_id: a.id.clone(),
            parameter: key.to_string(),
            reason_code: views::UNRESOLVED_CODE.into(),
            reason: views::UNRESOLVED_REASON.into(),
        })
        .collect();
    (resolvability_summary(artifacts), unresolved)
}
