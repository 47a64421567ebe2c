//! `onboarding-metadata.json`: what a downstream generator needs to produce the artifacts the
//! export derived — their conventions, parameters and where each comes from, derivation
//! rules, output contracts and calibration hints, services, file ownership and the checksum
//! chain. Pure: derived from the artifacts, the manifest document and the command's inputs.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use super::catalog::{self, CATALOG, TypeEntry};
use super::instrumentation::Hints;
use super::sections::{capabilities, guidance, resolvability_summary, semantic_conventions};
use super::views::{DependencyGraph, DerivationRules, Entries, Matrix, ResolvedParameters};
use super::{ExportInput, ONBOARDING_SCHEMA, SCHEMA_VERSION};
use crate::model::reports::{
    Artifact, Coverage, FileOwnership, Gated, OnboardingCoverage, OnboardingMetadata,
};
use crate::paths::export_names;

/// The artifact types the export derived, each once, in first-seen order.
fn types_present(artifacts: &[Artifact]) -> Vec<&'static TypeEntry> {
    let mut out: Vec<&'static TypeEntry> = Vec::new();
    for a in artifacts {
        if let Some(e) = catalog::entry(&a.artifact_type)
            && !out.iter().any(|o| o.artifact_type == e.artifact_type)
        {
            out.push(e);
        }
    }
    out
}

fn conventions(e: &TypeEntry) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("output_ext".into(), json!(e.output_ext));
    m.insert("output_path".into(), json!(e.output_path));
    m.insert("description".into(), json!(e.description));
    m.insert("schema_url".into(), json!(e.schema_url));
    m
}

fn parameter_sources(e: &TypeEntry) -> Json {
    Json::Object(
        e.parameters
            .iter()
            .map(|(k, s)| (k.to_string(), json!(s)))
            .collect(),
    )
}

fn example(e: &TypeEntry) -> Json {
    json!({"example_output_path": e.example_output_path, "example_snippet": e.example_snippet})
}

fn artifact_type_info(e: &TypeEntry) -> Json {
    let mut m = conventions(e);
    m.insert("parameter_keys".into(), json!(e.parameter_keys()));
    m.insert("parameter_sources".into(), parameter_sources(e));
    m.insert("example_output_path".into(), json!(e.example_output_path));
    m.insert("example_snippet".into(), json!(e.example_snippet));
    Json::Object(m)
}

fn output_contract(e: &TypeEntry) -> Json {
    let c = &e.contract;
    json!({
        "expected_depth": c.expected_depth, "max_lines": c.max_lines, "max_tokens": c.max_tokens,
        "completeness_markers": c.completeness_markers, "red_flag": c.red_flag,
        "edit_min_pct": c.edit_min_pct, "fields": e.parameter_keys(),
    })
}

/// Calibration hints per artifact type, plus a Dockerfile and a client hint per service
/// carrying its transport protocol.
fn calibration_hints(types: &[&TypeEntry], services: &BTreeMap<String, Json>) -> Json {
    let mut hints = Map::new();
    for e in types {
        hints.insert(
            e.artifact_type.into(),
            json!({"expected_depth": e.contract.expected_depth, "expected_loc_range": e.loc_range(),
                   "red_flag": e.contract.red_flag, "edit_min_pct": e.contract.edit_min_pct}),
        );
    }
    for (name, meta) in services {
        let tp = meta
            .get("transport_protocol")
            .and_then(Json::as_str)
            .unwrap_or("unknown");
        let docker_flag = match tp {
            "grpc" => "the Dockerfile health check speaks HTTP to a gRPC service",
            "http" => "the Dockerfile health check uses grpc_health_probe on an HTTP service",
            _ => "",
        };
        hints.insert(
            format!("dockerfile_{name}"),
            json!({"expected_depth": "standard", "expected_loc_range": "<=50",
                   "red_flag": docker_flag, "transport_protocol": tp}),
        );
        hints.insert(
            format!("client_{name}"),
            json!({"expected_depth": "standard", "expected_loc_range": "51-300",
                   "red_flag": format!("the client does not use the service's transport ({tp})"),
                   "transport_protocol": tp}),
        );
    }
    Json::Object(hints)
}

/// The requirements every project's pipeline meets by producing an artifact (the earlier
/// implementation's "pipeline-innate" set; consumers match on the ids and the label): id,
/// area label, priority, the artifact type (or pipeline output) that satisfies it, and the
/// manifest fields or output keys that anchor its acceptance.
const PIPELINE_INNATE: [(&str, &str, &str, &str, &[&str]); 13] = [
    (
        "REQ-CDP-OBS-001",
        "observability",
        "P1",
        "slo_definition",
        &[
            "spec.requirements.availability",
            "spec.requirements.errorBudget",
        ],
    ),
    (
        "REQ-CDP-OBS-002",
        "observability",
        "P1",
        "dashboard",
        &[
            "spec.requirements.availability",
            "spec.requirements.latencyP99",
            "spec.requirements.throughput",
        ],
    ),
    (
        "REQ-CDP-OBS-003",
        "observability",
        "P1",
        "prometheus_rule",
        &[
            "spec.requirements.availability",
            "spec.requirements.latencyP99",
            "spec.business.criticality",
        ],
    ),
    (
        "REQ-CDP-OBS-004",
        "observability",
        "P1",
        "service_monitor",
        &[
            "spec.observability.metricsInterval",
            "spec.targets[].namespace",
        ],
    ),
    (
        "REQ-CDP-OBS-005",
        "observability",
        "P1",
        "notification_policy",
        &["spec.observability.alertChannels", "metadata.owners"],
    ),
    (
        "REQ-CDP-OBS-006",
        "observability",
        "P2",
        "loki_rule",
        &["spec.targets[].name", "spec.observability.logLevel"],
    ),
    (
        "REQ-CDP-OBS-007",
        "observability",
        "P3",
        "runbook",
        &["spec.risks[]", "metadata.owners"],
    ),
    (
        "REQ-CDP-ONB-001",
        "onboarding",
        "P2",
        "capability_index",
        &["capability_id", "category", "maturity", "evidence"],
    ),
    (
        "REQ-CDP-ONB-002",
        "onboarding",
        "P2",
        "agent_card",
        &["skills", "provider"],
    ),
    (
        "REQ-CDP-ONB-003",
        "onboarding",
        "P3",
        "mcp_tools",
        &["inputSchema", "annotations"],
    ),
    (
        "REQ-CDP-ONB-004",
        "onboarding",
        "P1",
        "onboarding_metadata",
        &["strategy.*", "spec.project.*"],
    ),
    (
        "REQ-CDP-INT-001",
        "integrity",
        "P1",
        "provenance",
        &["provenance.json", "run-provenance.json", "source_checksum"],
    ),
    (
        "REQ-CDP-INT-002",
        "integrity",
        "P1",
        "ingestion-traceability",
        &["requirements_coverage_percent", "route_escalation"],
    ),
];

/// A requirement per manifest requirement a derivation rule reads (`REQ-<FIELD>`), then the
/// pipeline-innate requirements.
fn requirements_hints(rules: &DerivationRules) -> Vec<Json> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for field in rules.rules().map(|r| &*r.source_field) {
        let Some((_, tail)) = field.rsplit_once("requirements.") else {
            continue;
        };
        let id = format!("REQ-{}", tail.replace(['.', '_'], "-").to_uppercase());
        if !tail.is_empty() && !seen.contains(&id) {
            seen.push(id.clone());
            out.push(json!({"id": id, "labels": ["nfr", "contextcore-export"],
                            "priority": "medium", "acceptance_anchors": [field]}));
        }
    }
    for (id, area, priority, artifact, anchors) in PIPELINE_INNATE {
        if !seen.iter().any(|s| s == id) {
            out.push(json!({
                "id": id,
                "labels": ["pipeline-innate", "nfr", area],
                "priority": priority,
                "acceptance_anchors": anchors,
                "satisfied_by_artifact": artifact,
            }));
        }
    }
    out
}

/// Services: as `--service-metadata` gives them, else one HTTP service per artifact target.
fn services(input: &ExportInput, artifacts: &[Artifact]) -> BTreeMap<String, Json> {
    if let Some(given) = input.service_metadata {
        return given.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    }
    // Every target an artifact has, the project of the capability index included (the
    // earlier implementation derives services from the artifact manifest the same way).
    let targets: std::collections::BTreeSet<&str> =
        artifacts.iter().map(|a| a.target.as_str()).collect();
    targets
        .into_iter()
        .map(|t| {
            let meta = json!({"transport_protocol": "http", "healthcheck_type": "http_get"});
            (t.to_string(), meta)
        })
        .collect()
}

/// The metrics the semantic conventions declare, as instrumentation hints list them.
fn declared_metrics() -> Vec<Json> {
    semantic_conventions()["metrics"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(group, names)| {
            names
                .as_array()
                .into_iter()
                .flatten()
                .map(move |n| json!({"name": n, "source": format!("semantic_conventions.metrics:{group}")}))
        })
        .collect()
}

/// Which artifacts own each conventional output path.
fn file_ownership<'a>(
    artifacts: &'a [Artifact],
    task_mapping: Option<&'a Map<String, Json>>,
) -> BTreeMap<String, FileOwnership<'a>> {
    let mut out: BTreeMap<String, FileOwnership> = BTreeMap::new();
    // Additions are left out, as from `coverage.gaps`: the earlier gates hold the two equal.
    for a in artifacts
        .iter()
        .filter(|a| !catalog::is_addition(&a.artifact_type))
    {
        let Some(e) = catalog::entry(&a.artifact_type) else {
            continue;
        };
        if e.output_path.contains("{output_dir}") {
            continue;
        }
        let path = e.output_path.replace("{target}", &a.target);
        let owner = out.entry(path).or_insert_with(|| FileOwnership {
            artifact_ids: Vec::new(),
            artifact_types: Vec::new(),
            scope: "primary",
            task_ids: Vec::new(),
        });
        owner.artifact_ids.push(&a.id);
        if !owner.artifact_types.contains(&&*a.artifact_type) {
            owner.artifact_types.push(&a.artifact_type);
        }
        if let Some(task) = task_mapping.and_then(|m| m.get(&a.id))
            && !owner.task_ids.contains(&task)
        {
            owner.task_ids.push(task);
        }
        if owner.artifact_ids.len() > 1 {
            owner.scope = "shared";
        }
    }
    out
}

/// A section, or the marker that the profile leaves it out.
fn gated(profile: &str, section: &str, value: Json) -> Option<Json> {
    if !catalog::profile_has_section(profile, section) {
        return Some(json!({"_omitted": format!("profile={profile}")}));
    }
    let empty = value.as_object().is_some_and(Map::is_empty);
    (!empty).then_some(value)
}

/// [`gated`] for a section written from the artifacts: its data unless the profile leaves
/// it out or it is empty.
fn gated_data<T>(profile: &str, section: &str, data: T, empty: bool) -> Option<Gated<T>> {
    if !catalog::profile_has_section(profile, section) {
        return Some(Gated::Omitted(
            json!({"_omitted": format!("profile={profile}")}),
        ));
    }
    (!empty).then_some(Gated::Data(data))
}

/// What the onboarding metadata borrows and is not in the command's input: the services and
/// the metrics their instrumentation hints name.
pub struct Services {
    metadata: BTreeMap<String, Json>,
    declared_metrics: Vec<Json>,
}

impl Services {
    pub fn new(input: &ExportInput, artifacts: &[Artifact]) -> Self {
        Self {
            metadata: services(input, artifacts),
            declared_metrics: declared_metrics(),
        }
    }
}

/// Builds the onboarding metadata.
pub fn build<'a>(
    input: &'a ExportInput,
    project: &str,
    artifacts: &'a [Artifact],
    services: &'a Services,
    coverage: Coverage,
    task_mapping: Option<&'a Map<String, Json>>,
) -> OnboardingMetadata<'a> {
    let profile = input.profile.as_str();
    let gate = |section: &str, value: Json| gated(profile, section, value);
    let types = types_present(artifacts);
    let rules = DerivationRules::new(artifacts);
    let requirements_hints = requirements_hints(&rules);
    let summary = resolvability_summary(artifacts);
    let matrix = Matrix::new(artifacts);
    let graph = DependencyGraph::new(artifacts);
    let (no_rules, no_matrix, no_graph) = (rules.is_empty(), matrix.is_empty(), graph.is_empty());
    let guidance = guidance(input.document);
    let open_questions = open_questions(&guidance);
    let gaps = coverage_gaps(artifacts);
    let version = schema_version(profile);
    OnboardingMetadata {
        version: version.into(),
        schema_version: version.into(),
        generation_profile: profile.into(),
        schema: ONBOARDING_SCHEMA.into(),
        project_id: input.manifest.project_id().into(),
        artifact_manifest_path: export_names::artifact_manifest(project, input.json_format),
        project_context_path: export_names::project_context(project),
        crd_reference: export_names::project_context(project),
        generated_at: input.generated_at.clone(),
        artifact_types: per_type(types.iter().copied(), artifact_type_info),
        output_path_conventions: per_type(CATALOG, |e| Json::Object(conventions(e))),
        parameter_schema: parameter_schema(),
        coverage: OnboardingCoverage {
            coverage,
            gaps: gaps.clone(),
            additional_gaps: additional_gaps(artifacts),
        },
        semantic_conventions: semantic_conventions(),
        provenance: input.legacy_provenance.clone(),
        guidance,
        capabilities: capabilities(),
        derivation_rules: gated_data(profile, "derivation_rules", rules, no_rules),
        artifact_dependency_graph: gated_data(
            profile,
            "artifact_dependency_graph",
            graph,
            no_graph,
        ),
        expected_output_contracts: gate("expected_output_contracts", output_contracts(&types)),
        design_calibration_hints: gate(
            "design_calibration_hints",
            calibration_hints(&types, &services.metadata),
        ),
        objectives: objectives(input.document),
        resolved_artifact_parameters: ResolvedParameters::new(artifacts),
        parameter_resolvability: gated_data(profile, "parameter_resolvability", matrix, no_matrix),
        parameter_resolvability_summary: gate("parameter_resolvability", to_json(&summary)),
        open_questions,
        requirements_hints,
        instrumentation_hints: Hints::new(
            &services.metadata,
            input.document.pointer("/spec/service_communication_graph"),
            &services.declared_metrics,
        ),
        service_communication_graph: input
            .document
            .pointer("/spec/service_communication_graph")
            .cloned(),
        security_contract: input
            .document
            .get("spec")
            .and_then(super::instrumentation::security_contract),
        service_metadata: services.metadata.clone(),
        // The checksums are the caller's: it prints the artifact manifest while this is built.
        artifact_manifest_checksum: String::new(),
        project_context_checksum: String::new(),
        source_checksum: String::new(),
        artifact_task_mapping: task_mapping.cloned().map(Json::Object),
        file_ownership: file_ownership(artifacts, task_mapping),
        source_path_relative: input.source_path_relative.clone(),
        parameter_sources: per_type(types.iter().copied(), parameter_sources),
        example_artifacts: per_type(types.iter().copied(), example),
        coverage_gaps: gaps,
        run_provenance: crate::paths::RUN_RECORD.into(),
    }
}

/// The full profile has the current schema version; the narrower profiles keep 1.1.0.
fn schema_version(profile: &str) -> &'static str {
    if profile == "full" {
        SCHEMA_VERSION
    } else {
        "1.1.0"
    }
}

/// The guidance questions still open, if any.
fn open_questions(guidance: &Json) -> Option<Json> {
    let open: Vec<Json> = guidance["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|q| q.get("status").and_then(Json::as_str).unwrap_or("open") == "open")
        .cloned()
        .collect();
    (!open.is_empty()).then(|| json!(open))
}

/// The ids of the artifacts that do not exist yet, sorted.
pub(crate) fn coverage_gaps(artifacts: &[Artifact]) -> Vec<String> {
    needed(artifacts, false)
}

/// Needed artifacts of the types the earlier implementation does not derive, sorted.
pub(crate) fn additional_gaps(artifacts: &[Artifact]) -> Vec<String> {
    needed(artifacts, true)
}

fn needed(artifacts: &[Artifact], additions: bool) -> Vec<String> {
    let mut gaps: Vec<String> = artifacts
        .iter()
        .filter(|a| a.status != "exists" && catalog::is_addition(&a.artifact_type) == additions)
        .map(|a| a.id.clone())
        .collect();
    gaps.sort();
    gaps
}

/// `f` of each artifact type, by type name.
fn per_type<'a>(
    entries: impl IntoIterator<Item = &'a TypeEntry>,
    f: impl Fn(&TypeEntry) -> Json,
) -> BTreeMap<String, Json> {
    entries
        .into_iter()
        .map(|e| (e.artifact_type.to_string(), f(e)))
        .collect()
}

/// The parameter keys of every catalog type.
fn parameter_schema() -> BTreeMap<String, Vec<String>> {
    CATALOG
        .iter()
        .map(|e| {
            let keys = e.parameter_keys().iter().map(|k| k.to_string()).collect();
            (e.artifact_type.to_string(), keys)
        })
        .collect()
}

/// The output contract of each artifact type present.
fn output_contracts(types: &[&TypeEntry]) -> Json {
    Json::Object(
        types
            .iter()
            .map(|e| (e.artifact_type.to_string(), output_contract(e)))
            .collect(),
    )
}

/// The manifest's strategy objectives (an empty list when it has none).
fn objectives(document: &Json) -> Json {
    document
        .pointer("/strategy/objectives")
        .cloned()
        .unwrap_or(json!([]))
}

/// A value as JSON (null if it cannot be one).
fn to_json(value: &impl serde::Serialize) -> Json {
    serde_json::to_value(value).unwrap_or_default()
}
