//! The earlier export contract's behaviour through the real binary: stable `generated_at`,
//! outside output directories, outdated artifacts, `--existing`, `--service-metadata`,
//! `--profile` and the record's version and inventory.

mod common;

use common::{Repo, json, stderr};

/// The minimal fixture with the requirements generate needs.
fn tiny_repo() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    let text = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &text.replace(
            "  business:",
            "  requirements:\n    availability: \"99.9\"\n    latencyP99: 300ms\n  business:",
        ),
    );
    repo
}

fn ok(repo: &Repo, args: &[&str]) {
    let out = repo.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
}

#[test]
fn generated_at_is_stable_until_something_changes() {
    let repo = tiny_repo();
    ok(&repo, &["export"]);
    let first = json(&repo, "out/validation-report.json")["generated_at"].clone();
    assert!(first.as_str().is_some_and(|t| t.ends_with('Z')), "{first}");
    std::thread::sleep(std::time::Duration::from_millis(20));
    ok(&repo, &["export"]);
    assert_eq!(
        json(&repo, "out/validation-report.json")["generated_at"],
        first,
        "a rerun that changes nothing keeps the time"
    );
    let manifest = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &manifest.replace("name: Tiny", "name: Tiny service"),
    );
    ok(&repo, &["export"]);
    assert_ne!(
        json(&repo, "out/validation-report.json")["generated_at"],
        first,
        "a changed input is a new generation"
    );

    let out = repo
        .cc()
        .args(["export"])
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json(&repo, "out/onboarding-metadata.json")["generated_at"],
        "2026-01-01T00:00:00.000Z"
    );
    assert!(
        repo.read("out/tiny-artifact-manifest.yaml")
            .contains("generatedAt: \"2026-01-01T00:00:00.000Z\"")
    );
}

#[test]
fn output_directory_outside_the_repository_is_allowed() {
    let repo = tiny_repo();
    let outside = tempfile::tempdir().unwrap();
    let dir = outside.path().to_str().unwrap();
    let out = repo.run(&["export", "-o", dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("lineage (hook, status, verify) cannot check"),
        "{}",
        stderr(&out)
    );
    let record = std::fs::read_to_string(outside.path().join("run-provenance.json")).unwrap();
    assert!(!record.contains(dir), "no absolute path in the record");
    assert!(record.contains("\"<outside>/tiny-projectcontext.yaml\""));
    assert!(!repo.join("out").exists());
}

#[test]
fn run_record_is_version_2_with_an_inventory_of_every_role() {
    let repo = tiny_repo();
    ok(&repo, &["export", "--emit-provenance"]);
    let record = json(&repo, "out/run-provenance.json");
    assert_eq!(record["version"], "2.0.0");
    let roles: Vec<&str> = record["artifact_inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    for role in [
        "derivation_rules",
        "resolved_parameters",
        "output_contracts",
        "dependency_graph",
        "calibration_hints",
        "parameter_sources",
        "semantic_conventions",
        "example_artifacts",
        "coverage_gaps",
    ] {
        assert!(roles.contains(&role), "{role} in {roles:?}");
    }
    for entry in record["artifact_inventory"].as_array().unwrap() {
        assert_eq!(entry["source_file"], "onboarding-metadata.json");
    }
    let legacy = json(&repo, "out/provenance.json");
    assert_eq!(legacy["outputFiles"][0], "tiny-projectcontext.yaml");
    assert!(legacy["hostname"].is_null() && legacy["username"].is_null());

    // generate's record has no inventory: version 1.
    ok(&repo, &["generate", "-c", "out/tiny-projectcontext.yaml"]);
    assert_eq!(
        json(&repo, "generated/run-provenance.json")["version"],
        "1.0.0"
    );
}

#[test]
fn an_artifact_generated_from_another_project_context_is_outdated() {
    let repo = tiny_repo();
    ok(&repo, &["export"]);
    ok(&repo, &["generate", "-c", "out/tiny-projectcontext.yaml"]);
    ok(&repo, &["export", "--scan-existing", "generated"]);
    let manifest = json(&repo, "out/onboarding-metadata.json");
    assert_eq!(manifest["coverage"]["totalOutdated"], 0);
    assert_eq!(
        manifest["coverage"]["totalExisting"], 2,
        "dashboard, monitor"
    );

    let text = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &text.replace("criticality: low", "criticality: high"),
    );
    ok(&repo, &["export", "--scan-existing", "generated"]);
    let metadata = json(&repo, "out/onboarding-metadata.json");
    assert_eq!(
        metadata["coverage"]["totalOutdated"], 3,
        "dashboard, monitor and the rules now required"
    );
    assert_eq!(metadata["coverage"]["totalExisting"], 0);
    let gaps = metadata["coverage"]["gaps"].as_array().unwrap();
    assert!(gaps.contains(&"tiny-dashboard".into()), "{gaps:?}");
    let quality = repo.read("out/export-quality-report.json");
    assert!(quality.contains("ARTIFACT_OUTDATED"), "{quality}");
    assert!(quality.contains("tiny-dashboard"), "{quality}");
}

#[test]
fn existing_names_an_artifact_by_id() {
    let repo = tiny_repo();
    repo.write("ops/board.json", "{}\n");
    ok(&repo, &["export", "-e", "tiny-dashboard:ops/board.json"]);
    let am = repo.read("out/tiny-artifact-manifest.yaml");
    assert!(am.contains("existingPath: ops/board.json"), "{am}");
    let record = json(&repo, "out/run-provenance.json");
    assert!(
        record["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["role"] == "existing_artifact" && i["path"] == "ops/board.json")
    );

    let out = repo.run(&["export", "-e", "no-colon-here"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ARTIFACT_ID:PATH"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn service_metadata_feeds_services_and_is_an_input() {
    let repo = tiny_repo();
    repo.write(
        "services.json",
        "{\"tiny\": {\"transport_protocol\": \"grpc\", \"schema_contract\": \"proto/tiny.proto\"}}\n",
    );
    ok(&repo, &["export", "--service-metadata", "services.json"]);
    let m = json(&repo, "out/onboarding-metadata.json");
    assert_eq!(m["service_metadata"]["tiny"]["transport_protocol"], "grpc");
    assert_eq!(
        m["design_calibration_hints"]["dockerfile_tiny"]["transport_protocol"],
        "grpc"
    );
    let record = json(&repo, "out/run-provenance.json");
    assert!(
        record["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["role"] == "service_metadata")
    );

    repo.write("bad.json", "{\n  \"tiny\": {\"port\": \"eighty\"}\n}\n");
    let before = repo.snapshot();
    let out = repo.run(&["export", "--service-metadata", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.json:2:"), "{}", stderr(&out));
    assert_eq!(before, repo.snapshot(), "nothing written");
}

#[test]
fn profile_limits_types_and_marks_omitted_sections() {
    let repo = tiny_repo();
    ok(&repo, &["export", "--profile", "sponsor"]);
    let m = json(&repo, "out/onboarding-metadata.json");
    assert_eq!(m["generation_profile"], "sponsor");
    assert_eq!(m["version"], "1.1.0");
    assert_eq!(m["derivation_rules"]["_omitted"], "profile=sponsor");
    let types: Vec<&String> = m["artifact_types"].as_object().unwrap().keys().collect();
    assert_eq!(
        types,
        ["capability_index", "dashboard", "slo_definition"],
        "stakeholder types and the always-included ones"
    );
}

#[test]
fn verify_runs_the_export_gate_on_what_was_written() {
    let repo = tiny_repo();
    let out = repo.run(&["export", "--emit-provenance", "--verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        common::stdout(&out).contains("Pipeline Integrity: HEALTHY"),
        "{}",
        common::stdout(&out)
    );

    // A task mapping without a task for a gap is a blocking gate failure: exit 1.
    repo.write("tm.json", "{\"tiny-dashboard\": \"T-1\"}\n");
    let out = repo.run(&["export", "--task-mapping", "tm.json", "--verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stdout(&out));
    assert!(common::stdout(&out).contains("mapping-completeness"));
}

#[test]
fn the_recorded_command_line_holds_no_absolute_path_in_any_spelling() {
    let repo = tiny_repo();
    let outside = tempfile::tempdir().unwrap();
    let dir = outside.path().to_str().unwrap();
    for args in [
        vec![
            "export".to_string(),
            "--emit-provenance".into(),
            format!("-o{dir}"),
        ],
        vec![
            "export".to_string(),
            "--emit-provenance".into(),
            format!("--output-dir={dir}"),
        ],
    ] {
        let out = repo.cc().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let legacy = std::fs::read_to_string(outside.path().join("provenance.json")).unwrap();
        assert!(!legacy.contains(dir), "{legacy}");
    }
}

#[test]
fn a_mapping_in_the_targets_spelling_counts_the_same_for_export_and_its_gate() {
    // Found in review: strict export accepted `tiny-dashboard`-style keys, the gate only ids.
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    let mut mapping = serde_json::Map::new();
    for target in ["checkout-api", "checkout-worker"] {
        for suffix in [
            "dashboard",
            "prometheus-rules",
            "slo",
            "service-monitor",
            "loki-rules",
            "notification",
            "runbook",
            "alert-template",
        ] {
            mapping.insert(format!("{target}-{suffix}"), serde_json::json!("T-1"));
        }
    }
    mapping.insert(
        "checkout_service-capability-index".into(),
        serde_json::json!("T-2"),
    );
    repo.write("tm.json", &serde_json::Value::Object(mapping).to_string());
    let out = repo.run(&[
        "export",
        "--emit-provenance",
        "--task-mapping",
        "tm.json",
        "--min-coverage",
        "0",
        "--strict-quality",
        "--verify",
    ]);
    assert!(
        out.status.success(),
        "{}{}",
        common::stdout(&out),
        stderr(&out)
    );
    let m = json(&repo, "out/onboarding-metadata.json");
    assert_eq!(m["artifact_task_mapping"]["checkout_api-dashboard"], "T-1");
    let owner = &m["file_ownership"]["grafana/dashboards/checkout-api-dashboard.json"];
    assert_eq!(owner["task_ids"][0], "T-1");
}

#[test]
fn a_profiled_export_passes_its_own_gate() {
    // Found in review: sections a profile leaves out (`{"_omitted": …}`) counted as data.
    let repo = tiny_repo();
    for profile in ["sponsor", "monitoring", "source"] {
        let out = repo.run(&[
            "export",
            "--emit-provenance",
            "--profile",
            profile,
            "--verify",
        ]);
        assert!(
            out.status.success(),
            "{profile}: {}{}",
            common::stdout(&out),
            stderr(&out)
        );
        // parameter-resolvability may warn: the minimal manifest lacks some requirements.
        for check in [
            "artifact-inventory",
            "design-calibration",
            "edit-first-coverage",
        ] {
            assert!(
                !common::stdout(&out).contains(&format!("FAIL  tiny-{check}")),
                "{profile}: {}",
                common::stdout(&out)
            );
        }
    }
}

#[test]
fn provenance_json_lists_only_the_files_written() {
    let repo = tiny_repo();
    let out = repo.run(&[
        "export",
        "--emit-provenance",
        "--no-emit-quality-report",
        "--verify",
    ]);
    assert!(
        out.status.success(),
        "{}{}",
        common::stdout(&out),
        stderr(&out)
    );
    let legacy = json(&repo, "out/provenance.json");
    let files = legacy["outputFiles"].as_array().unwrap();
    assert!(
        !files.contains(&"export-quality-report.json".into()),
        "{files:?}"
    );
}
