//! `manifest init-from-plan` over realistic plans of different shapes.

mod common;

use common::{Repo, json, stderr, stdout};

fn plans_repo() -> Repo {
    let repo = Repo::new();
    for f in [
        "search-plan.md",
        "search-requirements.md",
        "payments-plan.md",
        "ledger-plan.md",
        "prose-only.md",
        "payments-k8s/deploy.yaml",
    ] {
        repo.copy_fixture(&format!("plans/{f}"), f);
    }
    repo
}

const REPORT: &str = ".contextcore.init-from-plan-report.json";

fn inferences<'a>(report: &'a serde_json::Value, field: &str) -> Vec<&'a serde_json::Value> {
    report["inferences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["field_path"] == field)
        .collect()
}

#[test]
fn a_risks_table_gives_one_risk_per_data_row_and_none_from_the_header() {
    let repo = plans_repo();
    let out = repo.run(&[
        "manifest",
        "init-from-plan",
        "--plan",
        "payments-plan.md",
        "--project-root",
        "payments-k8s",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&repo, REPORT);
    let risks = inferences(&report, "spec.risks");
    assert_eq!(risks.len(), 3, "{risks:#?}");
    assert_eq!(
        risks[0]["value"]["description"],
        "Card network outage blocks all authorisations"
    );
    assert_eq!(risks[0]["value"]["priority"], "P1");
    assert_eq!(
        risks[0]["value"]["mitigation"],
        "Fail over to the secondary acquirer"
    );
    assert_eq!(risks[0]["source"]["file"], "payments-plan.md");
    assert_eq!(risks[0]["source"]["line_start"], 17);
    let manifest = repo.read(".contextcore.yaml");
    assert!(
        !manifest.contains("description: Risk\n") && !manifest.contains("---|"),
        "header and separator are never risks"
    );
    assert_eq!(
        report["downstream_readiness"]["verdict"], "ready",
        "{report:#}"
    );
    assert_eq!(report["core_inferred_count"], 9);
    assert!(repo.run(&["manifest", "validate"]).status.success());
}

#[test]
fn prose_bullets_give_requirements_with_file_and_line() {
    let repo = plans_repo();
    assert!(
        repo.run(&["manifest", "init-from-plan", "--plan", "payments-plan.md"])
            .status
            .success()
    );
    let report = json(&repo, REPORT);
    let availability = inferences(&report, "spec.requirements.availability");
    assert_eq!(availability[0]["value"], "99.99");
    assert_eq!(availability[0]["source"]["line_start"], 8);
    assert_eq!(
        availability[0]["source"]["text"],
        "Availability of 99.99% over a rolling 30 days."
    );
    assert_eq!(
        inferences(&report, "spec.requirements.latencyP99")[0]["value"],
        "150ms"
    );
    assert_eq!(
        inferences(&report, "spec.requirements.throughput")[0]["value"],
        "1200rps"
    );
    assert_eq!(
        inferences(&report, "spec.business.criticality")[0]["value"],
        "critical"
    );
    assert_eq!(
        inferences(&report, "spec.business.owner")[0]["value"],
        "payments-core"
    );
    let manifest = repo.read(".contextcore.yaml");
    assert!(manifest.contains("name: payments-gateway"), "{manifest}");
    assert!(manifest.contains("\"#payments-oncall\""));
    assert_eq!(
        inferences(&report, "strategy.tactics").len(),
        3,
        "top-level milestones only"
    );
}

#[test]
fn search_plan_with_requirements_doc_and_code_block_ignored() {
    let repo = plans_repo();
    let out = repo.run(&[
        "manifest",
        "init-from-plan",
        "--plan",
        "search-plan.md",
        "--requirements",
        "search-requirements.md",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&repo, REPORT);
    assert_eq!(
        inferences(&report, "spec.project.id")[0]["value"],
        "product-search"
    );
    assert_eq!(
        inferences(&report, "spec.requirements.availability")[0]["value"],
        "99.9",
        "not the 12.5 of the code block"
    );
    let ids: Vec<&str> = inferences(&report, "requirementIds")
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["REQ-S1", "REQ-S2", "REQ-S3"]);
    assert_eq!(report["downstream_readiness"]["verdict"], "needs_review");
    assert!(stdout(&out).contains("spec.targets not found"));
    let record = json(&repo, "init-run-provenance.json");
    assert_eq!(record["workflow_or_command"], "manifest init-from-plan");
    let roles: Vec<&str> = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["plan", "requirements"]);
    assert_eq!(record["quality_summary"]["core_inferred_count"], 8);
    let args = [
        "manifest",
        "init-from-plan",
        "--plan",
        "search-plan.md",
        "--requirements",
        "search-requirements.md",
        "--force",
        "--json",
    ];
    assert!(repo.run(&args).status.success());
    let out = repo.run(&args);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["readiness"]["verdict"], "needs_review");
    assert_eq!(summary["run_record"]["action"], "unchanged");
}

#[test]
fn setext_headings_lists_and_level_tables_are_understood() {
    let repo = plans_repo();
    let out = repo.run(&["manifest", "init-from-plan", "--plan", "ledger-plan.md"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&repo, REPORT);
    assert_eq!(inferences(&report, "spec.project.id")[0]["value"], "ledger");
    assert_eq!(
        inferences(&report, "spec.risks").len(),
        2,
        "nested bullet is not a risk of its own"
    );
    assert_eq!(
        inferences(&report, "spec.requirements.availability")[0]["value"],
        "99.95"
    );
    assert_eq!(
        inferences(&report, "spec.requirements.latencyP99")[0]["value"],
        "400ms"
    );
    assert_eq!(
        inferences(&report, "spec.business.criticality")[0]["value"],
        "medium"
    );
}

#[test]
fn reruns_are_byte_identical_and_plan_edits_change_the_fingerprint() {
    let repo = plans_repo();
    let args = [
        "manifest",
        "init-from-plan",
        "--plan",
        "search-plan.md",
        "--force",
    ];
    assert!(repo.run(&args).status.success());
    let first = (
        repo.read(".contextcore.yaml"),
        repo.read(REPORT),
        json(&repo, "init-run-provenance.json"),
    );
    assert!(repo.run(&args).status.success());
    assert_eq!(first.0, repo.read(".contextcore.yaml"));
    assert_eq!(first.1, repo.read(REPORT));
    assert_eq!(
        first.2["run_id"],
        json(&repo, "init-run-provenance.json")["run_id"],
        "record still holds"
    );
    repo.write(
        "search-plan.md",
        &repo
            .read("search-plan.md")
            .replace("2,500 queries", "4,000 queries"),
    );
    assert!(repo.run(&args).status.success());
    let second = json(&repo, "init-run-provenance.json");
    assert_ne!(
        first.2["inputs"][0]["sha256"],
        second["inputs"][0]["sha256"]
    );
    assert_eq!(
        second["inputs"][0]["git_blob"],
        repo.git(&["hash-object", "search-plan.md"])
    );
    assert!(
        repo.read(".contextcore.yaml")
            .contains("throughput: 4000rps")
    );
}

#[test]
fn an_existing_manifest_needs_force() {
    let repo = plans_repo();
    repo.write(".contextcore.yaml", "keep me\n");
    let out = repo.run(&["manifest", "init-from-plan", "--plan", "search-plan.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"));
    assert_eq!(repo.read(".contextcore.yaml"), "keep me\n");
}

#[test]
fn empty_non_utf8_and_unrecognisable_plans_write_nothing() {
    let repo = plans_repo();
    repo.write("empty.md", "  \n");
    std::fs::write(repo.join("latin1.md"), b"# Caf\xe9 plan\n").unwrap();
    for (plan, code, expected) in [
        ("empty.md", 2, "empty.md:1:1: error: the plan file is empty"),
        ("latin1.md", 2, "latin1.md:1:6: error: invalid UTF-8"),
        ("prose-only.md", 1, "verdict insufficient"),
    ] {
        let before = repo.snapshot();
        let out = repo.run(&["manifest", "init-from-plan", "--plan", plan]);
        assert_eq!(out.status.code(), Some(code), "{plan}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{plan}: {}", stderr(&out));
        assert_eq!(before, repo.snapshot(), "{plan}: nothing written");
    }
    let out = repo.run(&[
        "manifest",
        "init-from-plan",
        "--plan",
        "prose-only.md",
        "--no-strict-quality",
    ]);
    assert!(out.status.success());
    assert_eq!(
        json(&repo, REPORT)["downstream_readiness"]["verdict"],
        "insufficient"
    );
    assert!(repo.run(&["manifest", "validate"]).status.success());
}
