//! `manifest export` through the real binary: canonical files, no-op reruns, write
//! strategies, unsafe names, strict quality, task mappings and dry runs.

mod common;

use std::time::Duration;

use common::{Repo, json, stderr, stdout};

const OUTPUTS: &[&str] = &[
    "out/checkout-service-projectcontext.yaml",
    "out/checkout-service-artifact-manifest.yaml",
    "out/onboarding-metadata.json",
    "out/validation-report.json",
    "out/export-quality-report.json",
    "out/run-provenance.json",
];

fn checkout_repo() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.copy_fixture("checkout-task-mapping.json", "task-mapping.json");
    repo
}

fn mtime(repo: &Repo, rel: &str) -> std::time::SystemTime {
    std::fs::metadata(repo.join(rel))
        .unwrap()
        .modified()
        .unwrap()
}

#[test]
fn export_writes_every_canonical_file_of_a_multi_target_manifest() {
    let repo = checkout_repo();
    let out = repo.run(&["manifest", "export", "--task-mapping", "task-mapping.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in OUTPUTS {
        assert!(repo.join(f).is_file(), "{f} missing");
    }
    assert!(stdout(&out).contains("run record: out/run-provenance.json"));

    let manifest = repo.read("out/checkout-service-artifact-manifest.yaml");
    assert!(manifest.starts_with("apiVersion: contextcore.io/v1\nkind: ArtifactManifest\n"));
    for id in [
        "checkout_api-dashboard",
        "checkout_worker-prometheus-rules",
        "checkout_api-service-monitor",
    ] {
        assert!(manifest.contains(&format!("id: {id}")), "{id}");
    }
    assert!(
        manifest.contains("generatedAt: "),
        "the earlier contract's time is present"
    );
    let context = repo.read("out/checkout-service-projectcontext.yaml");
    assert!(context.starts_with("apiVersion: contextcore.io/v1\nkind: ProjectContext\n"));

    let record = json(&repo, "out/run-provenance.json");
    let roles: Vec<&str> = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["manifest", "task_mapping"]);
    assert_eq!(record["outputs"].as_array().unwrap().len(), 5);
    assert_eq!(record["quality_summary"]["coverage_percent"], 0.0);
    assert_eq!(record["quality_summary"]["threshold"], 60.0);
    assert_eq!(
        record["artifact_references"]["artifact_manifest_path"],
        "out/checkout-service-artifact-manifest.yaml",
        "the record points at the document listing the artifacts"
    );
    assert!(
        record["artifact_references"].get("artifacts").is_none(),
        "and does not copy the list: the record's size does not grow with the artifacts"
    );
    assert_eq!(
        record["artifact_references"]["validation_report_path"],
        "out/validation-report.json"
    );
    assert_eq!(record["version"], "2.0.0", "a record with an inventory");
    assert_eq!(record["contextcore_version"], env!("CARGO_PKG_VERSION"));
    for o in record["outputs"].as_array().unwrap() {
        let path = o["path"].as_str().unwrap();
        assert_eq!(o["git_blob"], repo.git(&["hash-object", path]), "{path}");
    }
}

#[test]
fn rerun_with_same_inputs_leaves_outputs_untouched() {
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    let before: Vec<_> = OUTPUTS
        .iter()
        .map(|f| (repo.read(f), mtime(&repo, f)))
        .collect();
    std::thread::sleep(Duration::from_millis(30));

    let out = repo.run(&["export"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("unchanged, record"),
        "{}",
        stdout(&out)
    );
    let after: Vec<_> = OUTPUTS
        .iter()
        .map(|f| (repo.read(f), mtime(&repo, f)))
        .collect();
    assert_eq!(before, after, "bytes and mtimes unchanged, record included");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "git status stays clean"
    );
}

#[test]
fn editing_the_manifest_changes_its_digests_in_the_new_record() {
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    let first = json(&repo, "out/run-provenance.json");
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    assert!(repo.run(&["export"]).status.success());
    let second = json(&repo, "out/run-provenance.json");
    assert_ne!(first["run_id"], second["run_id"]);
    assert_ne!(first["inputs"][0]["sha256"], second["inputs"][0]["sha256"]);
    assert_eq!(
        second["inputs"][0]["git_blob"],
        repo.git(&["hash-object", ".contextcore.yaml"])
    );
    assert_eq!(first["config_snapshot"], second["config_snapshot"]);
    let updated: Vec<&str> = second["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["action"] == "updated")
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert!(
        updated.contains(&"out/checkout-service-projectcontext.yaml"),
        "{updated:?}"
    );
    assert!(
        repo.join(".git/contextcore/backups/out/checkout-service-projectcontext.yaml")
            .is_file()
    );
}

#[test]
fn new_output_never_modifies_an_existing_file() {
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    let before = repo.snapshot();
    let out = repo.run(&["export", "--document-write-strategy", "new_output"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = repo.snapshot();
    for (path, bytes) in &before {
        let now = after.iter().find(|(p, _)| p == path).expect("still there");
        assert_eq!(&now.1, bytes, "{path} untouched");
    }
    assert!(
        repo.join("out/checkout-service-projectcontext.1.yaml")
            .is_file()
    );
    assert!(repo.join("out/run-provenance.1.json").is_file());
}

#[test]
fn update_existing_never_creates_a_variant_name() {
    let repo = checkout_repo();
    for availability in ["99.95", "99.9", "99.5"] {
        repo.write(
            ".contextcore.yaml",
            &common::with_availability(&repo.read(".contextcore.yaml"), availability),
        );
        assert!(repo.run(&["export"]).status.success());
    }
    let names: Vec<String> = std::fs::read_dir(repo.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
}

#[test]
fn empty_or_unsafe_project_names_write_nothing() {
    for name in ["\"\"", "../x", "a/b"] {
        let repo = Repo::new();
        repo.write(".contextcore.yaml", &format!("apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: {name}\nspec:\n  targets:\n    - kind: Deployment\n      name: api\n"));
        let out = repo.run(&["export"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(
            stderr(&out).contains(".contextcore.yaml:4:9: error: metadata.name"),
            "{name}: {}",
            stderr(&out)
        );
        assert!(!repo.join("out").exists(), "nothing written for {name}");
    }
}

#[test]
fn strict_quality_with_zero_coverage_fails_with_reasons() {
    let repo = checkout_repo();
    let out = repo.run(&[
        "export",
        "--strict-quality",
        "--task-mapping",
        "task-mapping.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("coverage 0% is under the dev threshold of 60%"),
        "{err}"
    );
    assert!(
        err.contains(
            "task mapping has no task for 4 required artifact(s): checkout_api-notification"
        ),
        "{err}"
    );
    let report = json(&repo, "out/export-quality-report.json");
    assert_eq!(report["passed"], false);
    assert_eq!(report["gates"]["coverage_meets_minimum"], false);
    assert_eq!(report["gates"]["required_task_mapping_complete"], false);
    assert!(
        !repo
            .join("out/checkout-service-projectcontext.yaml")
            .exists()
    );
    assert!(
        !repo.join("out/run-provenance.json").exists(),
        "a failed strict run records nothing"
    );
}

#[test]
fn a_failed_strict_export_never_unclaims_the_previous_outputs() {
    // Found in review: the failed run's record used to replace the previous one and claim
    // only the quality report, so the previous (now stale) outputs were owned by no record
    // and `verify --staged` said ok.
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    let before = repo.read("out/run-provenance.json");
    let text = common::with_availability(&repo.read(".contextcore.yaml"), "99.9");
    repo.write(".contextcore.yaml", &text);
    let out = repo.run(&["export", "--strict-quality"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(repo.read("out/run-provenance.json"), before);
    repo.git(&["add", "-A"]);
    let out = repo.run(&["provenance", "verify", "--staged"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn scanned_artifacts_raise_coverage() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    repo.write("observability/tiny-dashboard.json", "{}\n");
    repo.write(
        "observability/tiny-servicemonitor.yaml",
        "kind: ServiceMonitor\n",
    );
    let out = repo.run(&[
        "export",
        "--scan-existing",
        "observability",
        "--strict-quality",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record = json(&repo, "out/run-provenance.json");
    assert_eq!(record["quality_summary"]["coverage_percent"], 100.0);
    let scan: Vec<&str> = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == "scan_dir")
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        scan,
        [
            "observability/tiny-dashboard.json",
            "observability/tiny-servicemonitor.yaml"
        ]
    );
    let dash = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == "observability/tiny-dashboard.json")
        .unwrap();
    assert_eq!(
        dash["git_blob"],
        repo.git(&["hash-object", "observability/tiny-dashboard.json"])
    );
    let manifest = repo.read("out/tiny-artifact-manifest.yaml");
    let entry = manifest
        .split("\n- ")
        .find(|a| a.contains("id: tiny-dashboard\n"))
        .expect("the artifact manifest lists the dashboard");
    assert!(entry.contains("status: exists"), "{entry}");
    assert!(
        entry.contains("existingPath: observability/tiny-dashboard.json"),
        "{entry}"
    );
}

#[test]
fn broken_task_mapping_is_an_input_error_with_position() {
    let repo = checkout_repo();
    repo.write("bad.json", "{\n  \"a\": \"T-1\",\n  \"b\": 3\n}\n");
    let out = repo.run(&["export", "--task-mapping", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.json:3:3: error: task for 'b'"),
        "{}",
        stderr(&out)
    );
    repo.write("bad.json", "{\n  \"a\": \n");
    let out = repo.run(&["export", "--task-mapping", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.json:3:"), "{}", stderr(&out));
    assert!(!repo.join("out").exists());
}

#[test]
fn dry_run_shows_actions_and_writes_nothing() {
    let repo = checkout_repo();
    let out = repo.run(&["export", "--dry-run"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("would create out/onboarding-metadata.json"),
        "{}",
        stdout(&out)
    );
    assert!(!repo.join("out").exists());
    let out = repo.run(&["export", "--json", "--dry-run"]);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["outputs"][0]["action"], "created");
    // After a real run, a dry run knows the record would be kept.
    assert!(repo.run(&["export"]).status.success());
    let before = repo.snapshot();
    let out = repo.run(&["export", "--dry-run"]);
    assert!(
        stdout(&out).contains("unchanged, record"),
        "{}",
        stdout(&out)
    );
    assert_eq!(before, repo.snapshot());
}

#[test]
fn policy_sets_defaults_and_flags_override_it() {
    let repo = checkout_repo();
    repo.write(".contextcore-quality.yaml", "strict_quality_default: true\ncoverage_thresholds_by_env:\n  dev: 0\nemit_run_provenance_default: false\n");
    let out = repo.run(&["export", "--no-emit-run-provenance"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record = json(&repo, "out/run-provenance.json");
    let c = &record["config_snapshot"];
    assert_eq!(c["strict_quality"]["source"], "policy");
    assert_eq!(c["emit_run_provenance"]["source"], "forced:strict_quality");
    assert_eq!(c["min_coverage"]["value"], 0.0);
    assert_eq!(record["inputs"][1]["role"], "policy");
    assert_eq!(record["inputs"][1]["path"], ".contextcore-quality.yaml");
}

#[test]
fn export_is_also_a_git_subcommand() {
    let repo = checkout_repo();
    let out = std::process::Command::new("git")
        .args(["contextcore", "export"])
        .current_dir(repo.path())
        .env("PATH", common::path_with_binary())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.join("out/run-provenance.json").is_file());
}

#[test]
fn project_id_is_recorded_and_changes_no_document() {
    let repo = checkout_repo();
    assert!(
        repo.run(&["export", "--project-id", "shop"])
            .status
            .success()
    );
    assert!(
        repo.join("out/checkout-service-projectcontext.yaml")
            .is_file()
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("out/validation-report.json")).unwrap())
            .unwrap();
    assert_eq!(report["project_id"], "checkout-service");
    let out = repo.run(&["export", "--project-id", "../x", "-o", "other"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!repo.join("other").exists());
}

#[test]
fn an_unknown_environment_is_refused_not_silently_zero() {
    let repo = checkout_repo();
    let out = repo.run(&["export", "--strict-quality", "--environment", "prdo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("environment 'prdo' has no coverage threshold; coverage_thresholds_by_env has: dev, staging, prod"), "{}", stderr(&out));
    assert!(!repo.join("out").exists());
}
