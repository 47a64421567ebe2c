//! Golden outputs: exporting and generating the checkout fixture gives exactly the committed
//! files under tests/golden/ (deterministic output), whose structure keeps the earlier
//! implementation's keys. Regenerate after an intended change with
//! `CONTEXTCORE_UPDATE_GOLDEN=1 cargo test --test golden` and review the diff.

mod common;

use std::path::Path;

use common::{Repo, stderr};

const GOLDEN: &[&str] = &[
    "out/checkout-service-projectcontext.yaml",
    "out/checkout-service-artifact-manifest.yaml",
    "out/onboarding-metadata.json",
    "out/validation-report.json",
    "out/export-quality-report.json",
    "generated/checkout-service-service-monitor.yaml",
    "generated/checkout-service-prometheus-rules.yaml",
    "generated/checkout-service-dashboard.json",
    "generated/generation-report.json",
];

fn golden_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn exported() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.copy_fixture("checkout-task-mapping.json", "task-mapping.json");
    // SOURCE_DATE_EPOCH pins the earlier contract's `generated_at` (2026-01-01T00:00:00Z).
    let run = |args: &[&str]| {
        repo.cc()
            .args(args)
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .output()
            .unwrap()
    };
    let out = run(&["export", "--task-mapping", "task-mapping.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["generate", "-c", "out/checkout-service-projectcontext.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

#[test]
fn outputs_match_the_golden_files() {
    let repo = exported();
    let update = std::env::var("CONTEXTCORE_UPDATE_GOLDEN").is_ok();
    for rel in GOLDEN {
        let golden = golden_dir().join(rel.replace('/', "__"));
        let actual = repo.read(rel);
        if update {
            std::fs::create_dir_all(golden_dir()).unwrap();
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        assert!(
            expected == actual,
            "{rel} differs from tests/golden; if intended, regenerate with CONTEXTCORE_UPDATE_GOLDEN=1 cargo test --test golden"
        );
    }
}

fn keys(v: &serde_json::Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn has_all(v: &serde_json::Value, wanted: &[&str], what: &str) {
    let have = keys(v);
    for k in wanted {
        assert!(
            have.contains(k),
            "{what} lacks the earlier implementation's key {k}: {have:?}"
        );
    }
}

#[test]
fn structure_keeps_the_earlier_implementations_keys() {
    let repo = exported();
    let manifest: serde_json::Value = serde_saphyr::from_str(&repo.read(GOLDEN[1])).unwrap();
    has_all(
        &manifest,
        &[
            "apiVersion",
            "kind",
            "metadata",
            "artifacts",
            "coverage",
            "crdReference",
        ],
        "artifact manifest",
    );
    has_all(
        &manifest["metadata"],
        &[
            "schemaVersion",
            "generatedFrom",
            "contextcoreVersion",
            "projectId",
        ],
        "artifact manifest metadata",
    );
    has_all(
        &manifest["artifacts"][0],
        &[
            "id",
            "type",
            "name",
            "target",
            "priority",
            "status",
            "derivedFrom",
            "parameters",
            "dependsOn",
            "validationErrors",
        ],
        "artifact",
    );
    has_all(
        &manifest["artifacts"][0]["derivedFrom"][0],
        &["property", "sourceField", "transformation"],
        "derivation",
    );
    has_all(
        &manifest["coverage"],
        &[
            "totalRequired",
            "totalExisting",
            "totalOutdated",
            "overallCoverage",
            "byTarget",
            "byType",
        ],
        "coverage",
    );
    has_all(
        &manifest["coverage"]["byTarget"][0],
        &[
            "target",
            "namespace",
            "requiredCount",
            "existingCount",
            "coveragePercent",
            "gaps",
        ],
        "target coverage",
    );
    let context: serde_json::Value = serde_saphyr::from_str(&repo.read(GOLDEN[0])).unwrap();
    has_all(
        &context,
        &["apiVersion", "kind", "metadata", "spec"],
        "project context",
    );
    has_all(
        &context["spec"],
        &[
            "project",
            "business",
            "requirements",
            "risks",
            "targets",
            "observability",
        ],
        "project context spec",
    );
    let json = |rel: &str| -> serde_json::Value { serde_json::from_str(&repo.read(rel)).unwrap() };
    has_all(
        &json(GOLDEN[2]),
        &[
            "version",
            "schema_version",
            "schema",
            "project_id",
            "artifact_manifest_path",
            "project_context_path",
            "crd_reference",
            "artifact_types",
            "parameter_schema",
            "coverage",
            "artifact_dependency_graph",
            "resolved_artifact_parameters",
            "source_checksum",
            "artifact_manifest_checksum",
            "project_context_checksum",
        ],
        "onboarding metadata",
    );
    has_all(
        &json(GOLDEN[3]),
        &[
            "version",
            "schema_version",
            "schema",
            "project_id",
            "checksums",
            "integrity",
            "coverage",
            "resolvability",
            "diagnostics",
        ],
        "validation report",
    );
    has_all(
        &json(GOLDEN[4]),
        &[
            "version",
            "schema",
            "strict_quality",
            "deterministic_output",
            "policy_file",
            "policy_effective",
            "gates",
            "coverage",
            "diagnostics",
        ],
        "quality report",
    );
    has_all(
        &json(GOLDEN[4])["gates"],
        &[
            "manifest_validation_passed",
            "required_task_mapping_complete",
            "schema_pins_passed",
            "coverage_meets_minimum",
        ],
        "gates",
    );
}
