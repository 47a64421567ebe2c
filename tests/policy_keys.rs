//! The policy is tracked by key (#30): a run records the policy keys it read and their
//! values; only a change to one of those keys makes it stale — a key it never read (the
//! lineage settings) changes nothing, and a policy file created after the run that sets a
//! key it read (a lower coverage threshold) makes it stale, where a file comparison said fresh.

mod common;

use common::{Repo, stderr, stdout};

fn commit(repo: &Repo, message: &str) -> std::process::Output {
    repo.git(&["add", "-A"]);
    repo.git_output(&["commit", "-qm", message])
}

fn exported(policy: Option<&str>) -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    if let Some(p) = policy {
        repo.write(".contextcore-quality.yaml", p);
    }
    assert!(repo.run(&["hook", "install"]).status.success());
    let out = repo.run(&["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = commit(&repo, "export");
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

fn stale_count(repo: &Repo) -> u64 {
    let out = repo.run(&["provenance", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["counts"]["stale"].as_u64().unwrap()
}

#[test]
fn the_record_names_the_policy_keys_its_run_read() {
    let repo = exported(Some("emit_quality_report_default: true\n"));
    let record = common::json(&repo, "out/run-provenance.json");
    let keys = &record["policy_read"]["keys"];
    assert_eq!(keys["emit_quality_report_default"], true, "{record}");
    assert!(keys["coverage_thresholds_by_env"].is_null(), "{record}");
    assert_eq!(record["policy_read"]["from"], "");
    assert!(
        keys.as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("lineage")),
        "{keys}"
    );
}

#[test]
fn a_lineage_setting_added_to_the_policy_leaves_every_run_fresh() {
    let repo = exported(Some("emit_quality_report_default: true\n"));
    repo.write(
        ".contextcore-quality.yaml",
        "emit_quality_report_default: true\n# tuned\nlineage:\n  reproduce: ci\n",
    );
    let out = commit(&repo, "lineage settings");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stale_count(&repo), 0);
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_policy_created_after_the_run_that_sets_a_key_it_read_makes_it_stale() {
    let repo = exported(None);
    repo.write(
        ".contextcore-quality.yaml",
        "coverage_thresholds_by_env:\n  dev: 10\n",
    );
    let out = commit(&repo, "lower the threshold");
    assert_eq!(out.status.code(), Some(1), "the hook accepted it");
    let err = stderr(&out);
    assert!(
        err.contains(
            ".contextcore-quality.yaml: stale: policy key(s) coverage_thresholds_by_env changed"
        ),
        "{err}"
    );
    assert_eq!(stale_count(&repo), 1);
    let out = repo.run(&["rerun"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let record = common::json(&repo, "out/run-provenance.json");
    assert_eq!(
        record["policy_read"]["keys"]["coverage_thresholds_by_env"]["dev"], 10,
        "{record}"
    );
    let out = commit(&repo, "lower the threshold");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.run(&["provenance", "verify", "--reproduce"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_change_to_a_key_the_run_read_is_named_in_every_view() {
    let repo = exported(Some("emit_quality_report_default: true\n"));
    repo.write(
        ".contextcore-quality.yaml",
        "emit_quality_report_default: false\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "skip"]);
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("policy key(s) emit_quality_report_default changed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn removing_the_policy_a_run_read_makes_it_stale() {
    let repo = exported(Some("coverage_thresholds_by_env:\n  dev: 10\n"));
    repo.git(&["rm", "-q", ".contextcore-quality.yaml"]);
    let out = repo.git_output(&["commit", "-qm", "drop the policy"]);
    assert_eq!(out.status.code(), Some(1), "the hook accepted it");
    assert!(
        stderr(&out).contains("policy key(s) coverage_thresholds_by_env changed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_record_cannot_relabel_an_input_as_its_policy_to_lift_its_check() {
    let repo = exported(None);
    let mut record = common::json(&repo, "out/run-provenance.json");
    record["inputs"][0]["role"] = serde_json::json!("policy");
    record["policy_read"]["from"] = serde_json::Value::Null;
    repo.write(
        "out/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
    let text = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&text, "99.5"),
    );
    let out = commit(&repo, "forged");
    assert_eq!(out.status.code(), Some(1), "the hook accepted it");
    assert!(
        stderr(&out).contains(".contextcore.yaml: stale"),
        "{}",
        stderr(&out)
    );
}

/// A manifest in `svc/` exported from there (so the run looks for its policy from `svc`),
/// with `policy` written at `policy_path` first, committed through the hooks.
fn exported_in_svc(policy_path: &str, policy: &str) -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", "svc/.contextcore.yaml");
    repo.write(policy_path, policy);
    assert!(repo.run(&["hook", "install"]).status.success());
    let out = repo
        .cc()
        .current_dir(repo.join("svc"))
        .args(["export"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = commit(&repo, "export");
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

#[test]
fn a_closer_policy_that_shadows_the_one_a_run_read_is_compared() {
    let repo = exported_in_svc(
        ".contextcore-quality.yaml",
        "emit_quality_report_default: true\n",
    );
    assert_eq!(
        common::json(&repo, "svc/out/run-provenance.json")["policy_read"]["from"],
        "svc"
    );
    // The same value closer: nothing changed for the run.
    repo.write(
        "svc/.contextcore-quality.yaml",
        "emit_quality_report_default: true\n",
    );
    let out = commit(&repo, "same value, closer");
    assert!(out.status.success(), "{}", stderr(&out));
    // Another value closer: the run is stale, naming the closer file.
    repo.write(
        "svc/.contextcore-quality.yaml",
        "emit_quality_report_default: false\n",
    );
    let out = commit(&repo, "another value, closer");
    assert_eq!(out.status.code(), Some(1), "the hook accepted it");
    assert!(
        stderr(&out).contains(
            "svc/.contextcore-quality.yaml: stale: policy key(s) emit_quality_report_default changed"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deleting_a_closer_policy_a_run_read_makes_it_stale() {
    let repo = exported_in_svc(
        "svc/.contextcore-quality.yaml",
        "coverage_thresholds_by_env:\n  dev: 10\n",
    );
    repo.git(&["rm", "-q", "svc/.contextcore-quality.yaml"]);
    let out = repo.git_output(&["commit", "-qm", "drop it"]);
    assert_eq!(out.status.code(), Some(1), "the hook accepted it");
    assert!(
        stderr(&out).contains("policy key(s) coverage_thresholds_by_env changed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_range_sees_a_policy_created_in_it() {
    let repo = exported(None);
    repo.git(&["branch", "base"]);
    repo.write(
        ".contextcore-quality.yaml",
        "coverage_thresholds_by_env:\n  dev: 10\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "policy"]);
    repo.write("notes.txt", "unrelated\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "unrelated"]);
    let out = repo.run(&["provenance", "verify", "--range", "base..HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("policy key(s) coverage_thresholds_by_env changed"),
        "{}",
        stdout(&out)
    );
}
