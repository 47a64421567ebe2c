//! The published JSON Schemas match the Rust types, and real outputs of every command
//! validate against them.

mod common;

use std::path::Path;

use common::{Repo, stderr};

fn schema_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas")
}

#[test]
fn committed_schemas_match_the_types() {
    let update = std::env::var("CONTEXTCORE_UPDATE_SCHEMAS").is_ok();
    for (name, schema) in contextcore::schemas::all() {
        let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        let path = schema_dir().join(name);
        if update {
            std::fs::create_dir_all(schema_dir()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "docs/schemas/{name} is out of date with the Rust types; regenerate with: CONTEXTCORE_UPDATE_SCHEMAS=1 cargo test --test schemas"
        );
    }
}

fn validate(repo: &Repo, schema: &str, file: &str) {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_dir().join(schema)).unwrap()).unwrap();
    let text = repo.read(file);
    let instance: serde_json::Value = if file.ends_with(".json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    };
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{file} does not match {schema}:\n{}",
        errors.join("\n"),
        schema = schema["$id"]
    );
}

#[test]
fn outputs_of_every_command_validate_against_their_schemas() {
    let repo = Repo::new();
    assert!(
        repo.run(&[
            "manifest",
            "init",
            "--name",
            "demo",
            "-p",
            "init/.contextcore.yaml"
        ])
        .status
        .success()
    );
    validate(
        &repo,
        "run-provenance.schema.json",
        "init/init-run-provenance.json",
    );

    repo.copy_fixture("plans/search-plan.md", "plan/plan.md");
    let out = repo.run(&[
        "manifest",
        "init-from-plan",
        "--plan",
        "plan/plan.md",
        "-o",
        "plan/.contextcore.yaml",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    validate(
        &repo,
        "init-from-plan-report.schema.json",
        "plan/.contextcore.init-from-plan-report.json",
    );
    validate(
        &repo,
        "run-provenance.schema.json",
        "plan/init-run-provenance.json",
    );

    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.copy_fixture("checkout-task-mapping.json", "tasks.json");
    assert!(
        repo.run(&[
            "export",
            "--task-mapping",
            "tasks.json",
            "--emit-provenance"
        ])
        .status
        .success()
    );
    validate(
        &repo,
        "artifact-manifest.schema.json",
        "out/checkout-service-artifact-manifest.yaml",
    );
    validate(
        &repo,
        "onboarding-metadata.schema.json",
        "out/onboarding-metadata.json",
    );
    validate(
        &repo,
        "validation-report.schema.json",
        "out/validation-report.json",
    );
    validate(
        &repo,
        "export-quality-report.schema.json",
        "out/export-quality-report.json",
    );
    validate(
        &repo,
        "run-provenance.schema.json",
        "out/run-provenance.json",
    );
    assert!(
        repo.run(&[
            "export",
            "-f",
            "json",
            "-o",
            "out-json",
            "--no-deterministic-output"
        ])
        .status
        .success()
    );
    validate(
        &repo,
        "artifact-manifest.schema.json",
        "out-json/checkout-service-artifact-manifest.json",
    );
    validate(
        &repo,
        "onboarding-metadata.schema.json",
        "out-json/onboarding-metadata.json",
    );

    assert!(
        repo.run(&["generate", "-c", "out/checkout-service-projectcontext.yaml"])
            .status
            .success()
    );
    validate(
        &repo,
        "generation-report.schema.json",
        "generated/generation-report.json",
    );
    validate(
        &repo,
        "run-provenance.schema.json",
        "generated/run-provenance.json",
    );

    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "all"]);
    assert!(repo.run(&["notes", "attach"]).status.success());
    let shown = repo.run(&["provenance", "show", "HEAD", "--json"]);
    assert!(shown.status.success(), "{}", common::stderr(&shown));
    repo.write("note.json", &common::stdout(&shown));
    validate(&repo, "lineage-note.schema.json", "note.json");
}
