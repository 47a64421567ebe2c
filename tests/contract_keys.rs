//! The export contract: every key path of every document the earlier implementation wrote
//! exists in ours, for the inputs of each reference directory. `tests/contract/*.keys` list
//! the earlier documents' key paths (keys only, no values), with map keys that are data —
//! artifact ids, service names, file paths, parameter names — written as `*`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value as Json;

use common::{Repo, stderr};

/// Parents whose keys are data, not contract (same list as the one that wrote the .keys).
const WILD: &[&str] = &[
    "file_ownership",
    "design_calibration_hints",
    "parameter_resolvability",
    "parameter_resolvability.*",
    "resolved_artifact_parameters",
    "resolved_artifact_parameters.*",
    "artifact_dependency_graph",
    "artifact_task_mapping",
    "service_metadata",
    "instrumentation_hints",
    "coverage.byType",
    "derivation_rules",
    "expected_output_contracts",
    "artifact_types",
    "artifact_types.*.parameter_sources",
    "parameter_sources",
    "parameter_sources.*",
    "example_artifacts",
    "output_path_conventions",
    "parameter_schema",
    "projectContext.links",
    "artifacts[].parameters",
    "semantic_conventions.metrics",
    "semanticConventions.metrics",
    "semantic_conventions.queryTemplates",
    "semanticConventions.queryTemplates",
];

fn key_paths(value: &Json, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                let k = if WILD.contains(&prefix) { "*" } else { k };
                let path = if prefix.is_empty() {
                    k.to_string()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(path.clone());
                key_paths(v, &path, out);
            }
        }
        Json::Array(items) => {
            for v in items {
                key_paths(v, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn document(repo: &Repo, rel: &str) -> Json {
    let text = repo.read(rel);
    if rel.ends_with(".json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    }
}

/// Asserts that every key path listed in `keys_file` exists in our document `rel`.
fn assert_superset(repo: &Repo, rel: &str, keys_file: &str) {
    let mut ours = BTreeSet::new();
    key_paths(&document(repo, rel), "", &mut ours);
    let listed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/contract")
            .join(keys_file),
    )
    .unwrap();
    let missing: Vec<&str> = listed
        .lines()
        .filter(|k| !k.is_empty() && !ours.contains(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "{rel} lacks keys of the earlier {keys_file}: {missing:#?}"
    );
}

fn fixture(repo: &Repo, name: &str, to: &str) {
    repo.copy_fixture(&format!("contract/{name}"), to);
}

fn export(repo: &Repo, args: &[&str]) {
    let out = repo.run(&[&["export", "--emit-provenance"], args].concat());
    assert!(out.status.success(), "{}", stderr(&out));
}

const EXPORT_DOCUMENTS: &[(&str, &str)] = &[
    ("artifact-manifest.yaml", "-artifact-manifest.yaml"),
    ("projectcontext.yaml", "-projectcontext.yaml"),
    ("export-quality-report.json", "export-quality-report.json"),
    ("onboarding-metadata.json", "onboarding-metadata.json"),
    ("provenance.json", "provenance.json"),
    ("run-provenance.json", "run-provenance.json"),
    ("validation-report.json", "validation-report.json"),
];

fn assert_export_superset(repo: &Repo, project: &str, reference: &str) {
    for (keys, file) in EXPORT_DOCUMENTS {
        let rel = if file.starts_with('-') {
            format!("out/{project}{file}")
        } else {
            format!("out/{file}")
        };
        assert_superset(repo, &rel, &format!("{reference}__{keys}.keys"));
    }
}

#[test]
fn checkout_export_keeps_every_key_of_the_earlier_export() {
    let repo = common::checkout_contract_export();
    assert_export_superset(&repo, "checkout-service", "checkout");
}

#[test]
fn rich_manifest_export_keeps_every_key_of_the_earlier_export() {
    let repo = Repo::new();
    fixture(&repo, "rich.contextcore.yaml", ".contextcore.yaml");
    export(&repo, &[]);
    assert_export_superset(&repo, "registry-sync", "export");
}

#[test]
fn init_from_plan_keeps_every_key_of_the_earlier_record_and_report() {
    let repo = Repo::new();
    repo.copy_fixture("plans/search-plan.md", "PLAN.md");
    repo.copy_fixture("plans/search-requirements.md", "REQUIREMENTS.md");
    let out = repo.run(&[
        "manifest",
        "init-from-plan",
        "--plan",
        "PLAN.md",
        "--requirements",
        "REQUIREMENTS.md",
        "--no-strict-quality",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for keys in [
        "init-from-plan-search__init-run-provenance.json.keys",
        "export__init-run-provenance.json.keys",
    ] {
        assert_superset(&repo, "init-run-provenance.json", keys);
    }
    assert_superset(
        &repo,
        ".contextcore.init-from-plan-report.json",
        "init-from-plan-report.json.keys",
    );
}
