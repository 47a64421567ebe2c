//! Gate 1 checks 1–3: structural integrity of the onboarding metadata, the checksum chain
//! (the earlier three checksums, plus every output of the run record), and the legacy
//! `provenance.json` cross-check.

use std::path::Path;

use serde_json::Value as Json;

use super::dir::{ExportDir, contained, sha256_of};
use super::gate::{Check, Evidence, Finding};
use super::json::{object, text, truthy};
use super::record;

/// Top-level keys every onboarding metadata file must have.
const REQUIRED_FIELDS: [&str; 8] = [
    "version",
    "schema",
    "project_id",
    "generated_at",
    "coverage",
    "artifact_manifest_checksum",
    "project_context_checksum",
    "source_checksum",
];

/// Keys a non-empty `coverage` section must have.
const REQUIRED_COVERAGE_FIELDS: [&str; 2] = ["totalRequired", "gaps"];

/// Required keys present; a foreign `schema` is noted but does not fail.
pub fn structural_integrity(dir: &ExportDir) -> Finding {
    let meta = &dir.metadata;
    let mut missing: Vec<String> = REQUIRED_FIELDS
        .iter()
        .filter(|f| meta.get(**f).is_none())
        .map(|f| f.to_string())
        .collect();
    if truthy(meta.get("coverage")) {
        let coverage = object(meta, "coverage");
        missing.extend(
            REQUIRED_COVERAGE_FIELDS
                .iter()
                .filter(|f| !coverage.contains_key(**f))
                .map(|f| format!("coverage.{f}")),
        );
    }
    let mut evidence: Vec<Evidence> = missing
        .iter()
        .map(|f| {
            Evidence::new(
                "missing_field",
                f.clone(),
                format!("onboarding-metadata.json has no '{f}'"),
            )
        })
        .collect();
    if let Some(schema) = text(meta, "schema").filter(|s| !s.starts_with("contextcore.io/")) {
        evidence.push(Evidence::new(
            "unexpected_schema",
            "schema",
            format!("schema '{schema}' is not a contextcore.io/ schema"),
        ));
    }
    if missing.is_empty() {
        return Finding::pass(
            Check::StructuralIntegrity,
            format!(
                "Structure intact: the {} required fields are present.",
                REQUIRED_FIELDS.len()
            ),
            "Go on to the checksum chain.",
            vec![Evidence::new(
                "structure_verified",
                "onboarding-metadata.json",
                format!("{} required fields present", REQUIRED_FIELDS.len()),
            )],
        );
    }
    Finding::blocking_failure(
        Check::StructuralIntegrity,
        format!(
            "Structure broken: {} required field(s) missing: {}.",
            missing.len(),
            missing.join(", ")
        ),
        "Re-run the export so that every required field is written.",
        evidence,
    )
}

/// A stored checksum and the one recomputed from the file it names, when both are known.
struct Pair {
    key: &'static str,
    stored: String,
    actual: String,
}

/// The earlier chain (source manifest, artifact manifest, project context checksums in the
/// metadata) plus every output of the run record, each recomputed from the files.
pub fn checksum_chain(dir: &ExportDir, cwd: &Path) -> Finding {
    let pairs = metadata_pairs(dir, cwd);
    let outputs = record::compare_outputs(dir);
    let mut evidence = Vec::new();
    let mut mismatched = Vec::new();
    for pair in &pairs {
        if pair.stored != pair.actual {
            mismatched.push(pair.key.to_string());
            evidence.push(Evidence::new(
                "checksum_mismatch",
                pair.key,
                format!(
                    "{}: stored {}, recomputed {}",
                    pair.key, pair.stored, pair.actual
                ),
            ));
        }
    }
    let (changed, missing): (Vec<_>, Vec<_>) = outputs
        .problems
        .iter()
        .partition(|e| e.kind == "output_modified");
    if !evidence.is_empty() || !outputs.problems.is_empty() {
        let mut parts = Vec::new();
        if !mismatched.is_empty() {
            parts.push(format!("mismatched: {}", mismatched.join(", ")));
        }
        if !changed.is_empty() {
            parts.push(format!("modified after the run: {}", names(&changed)));
        }
        if !missing.is_empty() {
            parts.push(format!("missing outputs: {}", names(&missing)));
        }
        evidence.extend(outputs.problems.iter().cloned());
        return Finding::blocking_failure(
            Check::ChecksumChain,
            format!("Checksum chain broken: {}.", parts.join("; ")),
            "Do not use these files: re-run the export that wrote them (or restore them from version control) so content and recorded checksums agree again.",
            evidence,
        );
    }
    if pairs.is_empty() && outputs.verified == 0 {
        return Finding::pass_with_warnings(
            Check::ChecksumChain,
            "No checksum could be recomputed (the files they name were not found); the stored checksums were accepted as they are.".to_string(),
            "Keep the source manifest and outputs reachable, and emit run provenance, for a full check.",
            vec![Evidence::new(
                "checksum_skip",
                "all",
                "no referenced file found; nothing recomputed",
            )],
        );
    }
    Finding::pass(
        Check::ChecksumChain,
        format!(
            "Checksum chain holds: {} metadata checksum(s) and {} recorded output(s) match their files.",
            pairs.len(),
            outputs.verified
        ),
        "Go on to the provenance cross-check.",
        vec![Evidence::new(
            "checksum_verified",
            "all",
            format!("{} checksum(s) recomputed", pairs.len() + outputs.verified),
        )],
    )
}

fn names(items: &[&Evidence]) -> String {
    items
        .iter()
        .map(|e| e.reference.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn metadata_pairs(dir: &ExportDir, cwd: &Path) -> Vec<Pair> {
    let meta = &dir.metadata;
    let mut actual: Vec<(&'static str, String)> = Vec::new();
    if let Some(rel) = text(meta, "source_path_relative") {
        let parent = dir.root.parent().unwrap_or(Path::new("."));
        let found = [parent, cwd]
            .iter()
            .filter_map(|base| contained_in(base, rel))
            .find(|p| p.is_file());
        if let Some(digest) = found.and_then(|p| sha256_of(&p)) {
            actual.push(("source_checksum", digest));
        }
    }
    for (key, path_key) in [
        ("artifact_manifest_checksum", "artifact_manifest_path"),
        ("project_context_checksum", "project_context_path"),
    ] {
        let digest = text(meta, path_key)
            .and_then(|rel| dir.inside(rel))
            .and_then(|p| sha256_of(&p));
        if let Some(digest) = digest {
            actual.push((key, digest));
        }
    }
    actual
        .into_iter()
        .filter_map(|(key, actual)| {
            let stored = text(meta, key)?.to_string();
            Some(Pair {
                key,
                stored,
                actual,
            })
        })
        .collect()
}

fn contained_in(base: &Path, rel: &str) -> Option<std::path::PathBuf> {
    contained(rel).map(|r| base.join(r))
}

/// `provenance.json` agrees with the metadata and its output files are present; `None`
/// (skipped) when there is no `provenance.json`.
pub fn provenance_consistency(dir: &ExportDir) -> Option<Finding> {
    let provenance = dir.provenance.as_ref()?;
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let meta_source = text(&dir.metadata, "source_checksum");
    let prov_source = text(provenance, "sourceChecksum");
    if let (Some(meta), Some(prov)) = (meta_source, prov_source)
        && meta != prov
    {
        problems.push("source_checksum mismatch".to_string());
        evidence.push(Evidence::new(
            "provenance_mismatch",
            "source_checksum",
            format!("onboarding metadata says {meta}, provenance.json says {prov}"),
        ));
    }
    let files = provenance
        .get("outputFiles")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for name in files.iter().filter_map(Json::as_str) {
        // Relative to the directory, as the earlier gate read them; else by file name, so
        // repository-relative names and moved directories still resolve here.
        let present = [dir.inside(name), dir.by_file_name(name)]
            .into_iter()
            .flatten()
            .any(|p| p.exists());
        if !present {
            problems.push(format!("missing output file: {name}"));
            evidence.push(Evidence::new(
                "missing_output_file",
                name,
                format!("provenance.json lists '{name}' but it is not in the directory"),
            ));
        }
    }
    if problems.is_empty() {
        return Some(Finding::pass(
            Check::ProvenanceConsistency,
            "Provenance consistent: provenance.json agrees with the onboarding metadata and its outputs are present.".to_string(),
            "Go on: the provenance chain holds.",
            vec![Evidence::new(
                "provenance_verified",
                "provenance.json",
                "source checksum and output files cross-checked",
            )],
        ));
    }
    Some(Finding::blocking_failure(
        Check::ProvenanceConsistency,
        format!("Provenance inconsistent: {}.", problems.join("; ")),
        "Re-run the export so provenance.json and the metadata are written together.",
        evidence,
    ))
}
