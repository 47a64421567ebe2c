//! `manifest export` derivations: the project context, artifact manifest, onboarding
//! metadata, validation and quality reports, from a parsed manifest and what the command
//! read. Pure: inputs in, bytes and verdicts out; no clock (the command passes the generation
//! time in), no file system.

pub mod artifact_yaml;
pub mod artifacts;
pub mod catalog;
pub mod instrumentation;
pub mod inventory;
pub mod legacy;
pub mod onboarding;
pub mod sections;
pub mod views;

use serde_json::{Value as Json, json};

use crate::fingerprint::sha256_hex;
use crate::model::manifest::{API_VERSION, Manifest};
use crate::model::reports::{
    Artifact, ArtifactManifest, ArtifactManifestMetadata, Checksums, CoverageSummary, Gates,
    Integrity, PolicyEffective, ProjectSummary, QualityReport, ReportDiagnostic, Resolvability,
    ValidationReport,
};
use crate::paths::export_names;
pub use artifacts::ExistingFile;

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
    /// `generated_at`/`generatedAt` of every document (the command keeps it stable).
    pub generated_at: String,
    /// Whether that time is kept stable across reruns (`--deterministic-output`).
    pub deterministic: bool,
    /// Files that may be existing artifacts (`--scan-existing`, `--existing`).
    pub existing: Vec<ExistingFile>,
    /// The task mapping, if given: artifact id → task.
    pub task_mapping: Option<&'a serde_json::Map<String, Json>>,
    /// `--service-metadata`: service name → metadata.
    pub service_metadata: Option<&'a serde_json::Map<String, Json>>,
    /// The generation profile (`full` by default).
    pub profile: String,
    /// The manifest relative to the output directory's parent.
    pub source_path_relative: String,
    /// The legacy provenance block, embedded where `--embed-provenance`/`--emit-provenance` ask.
    pub legacy_provenance: Option<Json>,
    pub embed_provenance: bool,
    pub environment: String,
    pub min_coverage: f64,
    pub schema_pins: &'a Json,
    pub scan_path_allowlist: Json,
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
    /// The run record's inventory of the onboarding sections.
    pub inventory: Vec<inventory::InventoryEntry>,
    /// The legacy provenance block (`provenance.json`), when asked for.
    pub legacy_provenance: Option<Json>,
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
    // A grown buffer holds up to twice its text; the documents live until written.
    text.shrink_to_fit();
    text.into_bytes()
}

/// Pretty JSON with a trailing newline.
pub fn to_json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text.shrink_to_fit();
    text.into_bytes()
}

/// The task mapping keyed by artifact id: a key in the target's own spelling
/// (`checkout-api-dashboard`, which real mappings use) is renamed to the id it names
/// (`checkout_api-dashboard`); other keys stay. Every reader — the strict gate, the onboarding
/// metadata and its file ownership, and the export gates that read it — then asks one
/// question: is the id a key.
pub fn task_mapping_by_id(
    mapping: &serde_json::Map<String, Json>,
    artifacts: &[Artifact],
) -> serde_json::Map<String, Json> {
    // Each spelling → id once (a lookup per key; a scan per key was quadratic).
    let mut ids: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for a in artifacts {
        let suffix = artifacts::kind_of(&a.artifact_type).map_or("", |k| k.suffix);
        ids.entry(format!("{}-{suffix}", a.target)).or_insert(&a.id);
        ids.insert(a.id.clone(), &a.id);
    }
    mapping
        .iter()
        .map(|(key, task)| {
            let id = ids
                .get(key)
                .map_or_else(|| key.clone(), |id| id.to_string());
            (id, task.clone())
        })
        .collect()
}

/// At most [`NAMED_IDS`] ids, then how many more: a message stays readable, and the run record
/// that keeps it stays small, however many artifacts there are (the documents list them all).
fn some_ids(ids: &[&str]) -> String {
    let named = ids[..ids.len().min(NAMED_IDS)].join(", ");
    match ids.len().saturating_sub(NAMED_IDS) {
        0 => named,
        more => format!("{named} and {more} more"),
    }
}

/// How many ids a message names.
const NAMED_IDS: usize = 5;

/// A quality shortfall: its code and message.
type Shortfall = (&'static str, String);

/// The quality gates and one shortfall per failed check.
fn gates(
    input: &ExportInput,
    artifacts: &[Artifact],
    task_mapping: Option<&serde_json::Map<String, Json>>,
    coverage_percent: f64,
) -> (Gates, Vec<Shortfall>, CoverageSummary) {
    let required: Vec<&Artifact> = artifacts
        .iter()
        .filter(|a| a.priority == "required")
        .collect();
    let missing_required: Vec<&str> = required
        .iter()
        .filter(|a| a.status != "exists")
        .map(|a| a.id.as_str())
        .collect();
    // The reports list every artifact still needed, whatever its priority (as the earlier
    // implementation does); the coverage message names the required ones.
    let gaps = onboarding::coverage_gaps(artifacts);
    let mut shortfalls = Vec::new();
    let coverage_ok = coverage_percent >= input.min_coverage;
    if !coverage_ok {
        shortfalls.push(("COVERAGE_BELOW_MINIMUM", format!(
            "coverage {coverage_percent}% is under the {} threshold of {}% ({} of {} required artifacts missing: {}); \
             an artifact exists when a file under --scan-existing DIR names its target and type \
             (e.g. {}-dashboard.json), or when --existing ID:PATH names it",
            input.environment, input.min_coverage, missing_required.len(), required.len(), some_ids(&missing_required),
            required.first().map_or("api", |a| a.target.as_str())
        )));
    }
    let unmapped: Vec<&str> = match task_mapping {
        Some(tm) => required
            .iter()
            .filter(|a| !tm.contains_key(&a.id))
            .map(|a| a.id.as_str())
            .collect(),
        None => Vec::new(),
    };
    if !unmapped.is_empty() {
        shortfalls.push((
            "TASK_MAPPING_INCOMPLETE",
            format!(
                "task mapping has no task for {} required artifact(s): {}",
                unmapped.len(),
                some_ids(&unmapped)
            ),
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
            shortfalls.push((
                "SCHEMA_PIN_MISMATCH",
                format!("schema pin {key} is {pinned} but this export writes {expected}"),
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
        additional_gaps: onboarding::additional_gaps(artifacts),
        minimum_required: input.min_coverage,
        meets_minimum: coverage_ok,
    };
    (gates, shortfalls, summary)
}

/// The project context: the manifest's spec under a `ProjectContext` resource, with the
/// lists consumers iterate (`project.tasks`, `business.stakeholders`, `risks[].controls`)
/// always present.
fn project_context(input: &ExportInput, project: &str) -> Vec<u8> {
    let mut spec = input.document.get("spec").cloned().unwrap_or(json!({}));
    if let Some(spec) = spec.as_object_mut() {
        for (section, list) in [("project", "tasks"), ("business", "stakeholders")] {
            if let Some(s) = spec
                .entry(section)
                .or_insert_with(|| json!({}))
                .as_object_mut()
            {
                s.entry(list).or_insert_with(|| json!([]));
            }
        }
        // Lists of a section the manifest has are there even when it leaves them out, as the
        // earlier implementation's model writes them.
        for (section, list) in [("design", "diagrams"), ("observability", "alertChannels")] {
            if let Some(s) = spec.get_mut(section).and_then(Json::as_object_mut) {
                s.entry(list).or_insert_with(|| json!([]));
            }
        }
        spec.entry("risks").or_insert_with(|| json!([]));
        if let Some(security) = spec.get_mut("security").and_then(Json::as_object_mut) {
            security
                .entry("sensitivity")
                .or_insert_with(|| json!("medium"));
            let stores = security.entry("dataStores").or_insert_with(|| json!([]));
            for store in stores
                .as_array_mut()
                .into_iter()
                .flatten()
                .filter_map(Json::as_object_mut)
            {
                store
                    .entry("sensitivity")
                    .or_insert_with(|| json!("medium"));
                if let Some(policy) = store.get_mut("accessPolicy").and_then(Json::as_object_mut) {
                    policy
                        .entry("allowedPrincipals")
                        .or_insert_with(|| json!([]));
                    policy.entry("auditAccess").or_insert_with(|| json!(false));
                }
            }
        }
        let risks = spec.get_mut("risks").and_then(Json::as_array_mut);
        for risk in risks.into_iter().flatten().filter_map(Json::as_object_mut) {
            risk.entry("controls").or_insert_with(|| json!([]));
        }
    }
    to_yaml(&json!({
        "apiVersion": "contextcore.io/v1",
        "kind": "ProjectContext",
        "metadata": {"name": project, "namespace": input.namespace},
        "spec": spec,
    }))
}

fn artifact_manifest(
    input: &ExportInput,
    project: &str,
    artifacts: &[Artifact],
    coverage: crate::model::reports::Coverage,
) -> Vec<u8> {
    let m = input.manifest;
    let doc = input.document;
    let links = doc
        .pointer("/metadata/links")
        .and_then(Json::as_object)
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let manifest_doc = ArtifactManifest {
        api_version: "contextcore.io/v1".into(),
        kind: "ArtifactManifest".into(),
        metadata: ArtifactManifestMetadata {
            schema_version: SCHEMA_VERSION.into(),
            generated_at: input.generated_at.clone(),
            generated_from: input.manifest_path.clone(),
            contextcore_version: env!("CARGO_PKG_VERSION").into(),
            project_id: m.project_id().to_string(),
            provenance: input
                .embed_provenance
                .then(|| input.legacy_provenance.clone())
                .flatten(),
        },
        artifacts: std::borrow::Cow::Borrowed(artifacts),
        project_context: ProjectSummary {
            name: project.to_string(),
            owner: m.spec.business.owner.clone(),
            cost_center: doc
                .pointer("/spec/business/costCenter")
                .and_then(Json::as_str)
                .map(str::to_string),
            value: doc
                .pointer("/spec/business/value")
                .and_then(Json::as_str)
                .map(str::to_string),
            links,
        },
        owners: doc
            .pointer("/metadata/owners")
            .cloned()
            .unwrap_or(json!([])),
        guidance: sections::guidance(doc),
        objectives: doc
            .pointer("/strategy/objectives")
            .cloned()
            .unwrap_or(json!([])),
        semantic_conventions: sections::semantic_conventions(),
        coverage,
        crd_reference: export_names::project_context(project),
    };
    if input.json_format {
        to_json(&manifest_doc)
    } else {
        yaml_with_artifacts(manifest_doc, artifacts)
    }
}

/// The artifact manifest's YAML, its artifact list printed in parts on all cores (at 3,000
/// targets the list is 15 MB, the rest a few lines; [`artifact_yaml`] prints it). A top-level list prints the same alone
/// as under its key (items at the key's column, `- `), so the parts are spliced in where the
/// document printed without them says `artifacts: []`.
fn yaml_with_artifacts<'a>(mut doc: ArtifactManifest<'a>, artifacts: &'a [Artifact]) -> Vec<u8> {
    const EMPTY: &str = "\nartifacts: []\n";
    if artifacts.is_empty() {
        return to_yaml(&doc);
    }
    doc.artifacts = std::borrow::Cow::Borrowed(&[]);
    let frame = to_yaml(&doc);
    let Some(at) = frame
        .windows(EMPTY.len())
        .position(|w| w == EMPTY.as_bytes())
    else {
        // Not printed as expected: print the whole document in one piece.
        doc.artifacts = std::borrow::Cow::Borrowed(artifacts);
        return to_yaml(&doc);
    };
    let parts = crate::parallel::in_parts(artifacts, 1, artifact_yaml::print);
    let mut out = Vec::with_capacity(frame.len() + parts.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(&frame[..at]);
    out.extend_from_slice(b"\nartifacts:\n");
    for p in &parts {
        out.extend_from_slice(p);
    }
    out.extend_from_slice(&frame[at + EMPTY.len()..]);
    out
}

/// Derives every export document. The large ones are printed on all cores: the artifact
/// manifest and its digest while the onboarding metadata and the gates are made (neither reads
/// the other; the metadata gets the manifest's digest after), then the onboarding text while
/// the section digests are taken and the reports made and printed.
pub fn derive(input: &ExportInput) -> ExportDocuments {
    let m = input.manifest;
    let project = m.project_name().to_string();
    let project_context = project_context(input, &project);
    let context_sha256 = sha256_hex(&project_context);
    let artifacts = artifacts::derive(m, &input.existing, &context_sha256, &input.profile);
    let coverage = artifacts::coverage(&artifacts, &m.spec.targets);
    let coverage_percent = coverage.overall_coverage;
    let task_mapping = input
        .task_mapping
        .map(|m| task_mapping_by_id(m, &artifacts));
    let services = onboarding::Services::new(input, &artifacts);
    let (
        (artifact_manifest, manifest_sha256),
        mut onboarding,
        (gates, shortfalls, coverage_summary),
        diagnostics,
    ) = std::thread::scope(|s| {
        let printing = s.spawn(|| {
            let text = artifact_manifest(input, &project, &artifacts, coverage.clone());
            let sha256 = sha256_hex(&text);
            (text, sha256)
        });
        let onboarding = onboarding::build(
            input,
            &project,
            &artifacts,
            &services,
            coverage.clone(),
            task_mapping.as_ref(),
        );
        let gates = gates(input, &artifacts, task_mapping.as_ref(), coverage_percent);
        let diagnostics = diagnostics(input, &gates.1, &artifacts);
        (
            printing.join().expect("printing cannot panic"),
            onboarding,
            gates,
            diagnostics,
        )
    });
    let checksums = Checksums {
        source_checksum: input.manifest_sha256.clone(),
        artifact_manifest_checksum: manifest_sha256,
        project_context_checksum: context_sha256,
    };
    onboarding.artifact_manifest_checksum = checksums.artifact_manifest_checksum.clone();
    onboarding.project_context_checksum = checksums.project_context_checksum.clone();
    onboarding.source_checksum = checksums.source_checksum.clone();
    let shortfalls: Vec<String> = shortfalls.into_iter().map(|(_, s)| s).collect();
    let (onboarding_text, inventory, validation, quality) = std::thread::scope(|s| {
        let printing = s.spawn(|| to_json(&onboarding));
        let inventory = inventory::build(
            &onboarding,
            &input.generated_at,
            &input.manifest_sha256,
            &input.manifest_path,
        );
        let validation = validation_report(
            input,
            &artifacts,
            checksums,
            &coverage_summary,
            &diagnostics,
        );
        let quality = QualityReport {
            version: SCHEMA_VERSION.into(),
            schema: QUALITY_SCHEMA.into(),
            generated_at: input.generated_at.clone(),
            strict_quality: input.strict,
            deterministic_output: input.deterministic,
            policy_file: input.policy_file.clone(),
            policy_effective: PolicyEffective {
                coverage_threshold_env: input.environment.clone(),
                min_coverage: input.min_coverage,
                scan_path_allowlist: input.scan_path_allowlist.clone(),
            },
            gates: gates.clone(),
            passed: shortfalls.is_empty(),
            shortfalls: shortfalls.clone(),
            coverage: coverage_summary.clone(),
            diagnostics: diagnostics.clone(),
        };
        // Printed while the onboarding text is.
        let (validation_text, quality) = (to_json(&validation), to_json(&quality));
        let text = printing.join().expect("printing cannot panic");
        (text, inventory, (validation, validation_text), quality)
    });
    let (validation, validation_text) = validation;
    let legacy_provenance = onboarding.provenance.take().filter(|p| !p.is_null());
    drop(onboarding);
    // At 3,000 targets the artifacts and the reports' lists take 50 ms to free, which the
    // writing need not wait for.
    free_later((artifacts, validation, services, task_mapping));
    ExportDocuments {
        project_context,
        artifact_manifest,
        onboarding: onboarding_text,
        inventory,
        legacy_provenance,
        validation: validation_text,
        quality,
        coverage_percent,
        gates,
        shortfalls,
    }
}

/// Frees `value` on a thread of its own.
fn free_later<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// The validation report: checksums, coverage, the resolvability counts and every unresolved
/// parameter, and the diagnostics.
fn validation_report(
    input: &ExportInput,
    artifacts: &[Artifact],
    checksums: Checksums,
    coverage: &CoverageSummary,
    diagnostics: &[ReportDiagnostic],
) -> ValidationReport {
    let (mut summary, unresolved) = sections::resolvability(artifacts);
    if !catalog::profile_has_section(&input.profile, "parameter_resolvability") {
        summary.omitted = Some(format!("profile={}", input.profile));
    }
    ValidationReport {
        version: SCHEMA_VERSION.into(),
        schema_version: SCHEMA_VERSION.into(),
        schema: VALIDATION_SCHEMA.into(),
        project_id: input.manifest.project_id().to_string(),
        generated_at: input.generated_at.clone(),
        checksums,
        integrity: Integrity {
            checksum_chain_complete: true,
        },
        coverage: coverage.clone(),
        resolvability: Resolvability {
            summary,
            unresolved,
        },
        capabilities: sections::capabilities(),
        diagnostics: diagnostics.to_vec(),
        run_provenance: crate::paths::RUN_RECORD.into(),
    }
}

/// The reports' diagnostics: each shortfall (an error in strict mode), manifest warnings, and
/// each outdated artifact.
fn diagnostics(
    input: &ExportInput,
    shortfalls: &[Shortfall],
    artifacts: &[Artifact],
) -> Vec<ReportDiagnostic> {
    let severity = if input.strict { "error" } else { "warning" };
    let mut out: Vec<ReportDiagnostic> = shortfalls
        .iter()
        .map(|(code, message)| ReportDiagnostic {
            severity: severity.into(),
            code: code.to_string(),
            message: message.clone(),
        })
        .collect();
    if input.manifest_warnings > 0 {
        out.push(ReportDiagnostic {
            severity: "warning".into(),
            code: "MANIFEST_WARNINGS".into(),
            message: format!(
                "{} manifest warning(s); run 'contextcore manifest validate'",
                input.manifest_warnings
            ),
        });
    }
    for a in artifacts.iter().filter(|a| a.status == "outdated") {
        out.push(ReportDiagnostic {
            severity: "warning".into(),
            code: "ARTIFACT_OUTDATED".into(),
            message: format!(
                "{} ({}) was generated from another project context; regenerate it",
                a.id,
                a.existing_path.as_deref().unwrap_or("?")
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_artifact_list_printed_in_parts_is_the_document_printed_whole() {
        let golden =
            include_str!("../../tests/golden/out__checkout-service-artifact-manifest.yaml");
        let mut doc: ArtifactManifest = serde_saphyr::from_str(golden).unwrap();
        let mut artifacts = doc.artifacts.to_vec();
        // Scalars that print in other styles: quoted, multi-line, long, empty, YAML words.
        let odd = [
            "two\nlines",
            "a: b # c",
            "yes",
            "",
            "- dash",
            &"long words ".repeat(20),
        ];
        for (i, a) in artifacts.iter_mut().enumerate() {
            a.name = odd[i % odd.len()].to_string();
        }
        for n in [1, 2, 3, artifacts.len()] {
            doc.artifacts = std::borrow::Cow::Owned(artifacts[..n].to_vec());
            let whole = to_yaml(&doc);
            assert_eq!(
                String::from_utf8(yaml_with_artifacts(doc.clone(), &artifacts[..n])).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }

    #[test]
    fn metric_names_are_prometheus_safe() {
        assert_eq!(metric_name("ledger-api"), "ledger_api");
        assert_eq!(metric_name("9lives"), "_9lives");
    }
}
