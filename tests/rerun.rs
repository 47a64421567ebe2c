//! `contextcore rerun` and `lineage.mode: fix` in real repositories: stale runs are replayed
//! with their recorded options, in dependency order, through the normal writer.

mod common;

use common::{Repo, stderr, stdout};

const CONTEXT: &str = "out/checkout-service-projectcontext.yaml";

/// A repository with an export feeding a generate, committed through the hooks.
fn chained_repo(policy: Option<&str>) -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    if let Some(p) = policy {
        repo.write(".contextcore-quality.yaml", p);
    }
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export"]).status.success());
    let out = repo.run(&["generate", "-c", CONTEXT]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = commit(&repo, "export and generate");
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

fn commit(repo: &Repo, message: &str) -> std::process::Output {
    repo.git(&["add", "-A"]);
    repo.git_output(&["commit", "-qm", message])
}

fn edit_manifest(repo: &Repo) {
    let text = repo.read(".contextcore.yaml");
    assert!(text.contains("99.9"));
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&text, "99.5"),
    );
}

fn status_counts(repo: &Repo) -> serde_json::Value {
    let out = repo.run(&["provenance", "status", "--json"]);
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["counts"].clone()
}

#[test]
fn rerun_after_a_manifest_edit_runs_export_then_generate_and_the_commit_passes() {
    let repo = chained_repo(None);
    edit_manifest(&repo);
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let export_at = text.find("rerun out/run-provenance.json").expect(&text);
    let generate_at = text
        .find("rerun generated/run-provenance.json")
        .expect(&text);
    assert!(export_at < generate_at, "export first: {text}");
    assert!(
        text.contains("updated      out/checkout-service-projectcontext.yaml"),
        "{text}"
    );
    assert!(text.contains("every run is fresh"), "{text}");
    let counts = status_counts(&repo);
    assert_eq!(counts["stale"], 0);
    assert_eq!(counts["modified"], 0);
    assert!(repo.read(CONTEXT).contains("99.5"));
    let out = commit(&repo, "tighten availability");
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing left to do: a second rerun changes nothing.
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("nothing to rerun"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn rerun_restores_a_hand_edited_output() {
    let repo = chained_repo(None);
    repo.write(
        "generated/checkout-service-dashboard.json",
        &(repo.read("generated/checkout-service-dashboard.json") + " "),
    );
    let out = repo.run(&["rerun", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["fresh"], true);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "only generate reruns: {report}");
    assert_eq!(runs[0]["command"], "generate");
    assert_eq!(
        runs[0]["changed"],
        serde_json::json!(["generated/checkout-service-dashboard.json"])
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn two_independent_services_rerun_only_the_stale_one() {
    let repo = Repo::new();
    for s in ["a", "b"] {
        repo.copy_fixture(
            "checkout.contextcore.yaml",
            &format!("services/{s}/.contextcore.yaml"),
        );
        let manifest = format!("services/{s}/.contextcore.yaml");
        assert!(repo.run(&["export", "-p", &manifest]).status.success());
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "two services"]);
    let text = repo.read("services/a/.contextcore.yaml");
    repo.write(
        "services/a/.contextcore.yaml",
        &common::with_availability(&text, "99.5"),
    );
    // Scoped to the fresh service: nothing to do.
    let out = repo.run(&["rerun", "services/b"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("nothing to rerun"),
        "{}",
        stdout(&out)
    );
    let out = repo.run(&["rerun", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{report}");
    assert_eq!(runs[0]["record"], "services/a/out/run-provenance.json");
    let changed = repo.git(&["status", "--porcelain"]);
    assert!(!changed.contains("services/b"), "{changed}");
    assert!(changed.contains("services/a/out/"), "{changed}");
}

#[test]
fn dry_run_lists_the_plan_in_order_and_writes_nothing() {
    let repo = chained_repo(None);
    edit_manifest(&repo);
    let before = repo.snapshot();
    let out = repo.run(&["rerun", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "1. out/run-provenance.json (stale: .contextcore.yaml): contextcore manifest export -p .contextcore.yaml -o out"
        ),
        "{text}"
    );
    assert!(
        text.contains("2. generated/run-provenance.json (after out/run-provenance.json)"),
        "{text}"
    );
    assert_eq!(repo.snapshot(), before, "a dry run writes nothing");
}

#[test]
fn runs_reading_each_others_outputs_are_refused_as_a_cycle_before_anything_runs() {
    let repo = chained_repo(None);
    // The export now claims to read one of generate's outputs: export → generate → export.
    let mut record = common::json(&repo, "out/run-provenance.json");
    let extra = serde_json::json!({
        "path": "generated/checkout-service-dashboard.json", "exists": true, "size": 1,
        "mtime": null, "sha256": null, "git_blob": null, "role": "scan_dir"
    });
    record["inputs"].as_array_mut().unwrap().push(extra);
    repo.write(
        "out/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
    edit_manifest(&repo);
    let before = repo.snapshot();
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("a cycle"), "{err}");
    assert!(
        err.contains("out/run-provenance.json (manifest export)"),
        "{err}"
    );
    assert!(
        err.contains("generated/run-provenance.json (generate)"),
        "{err}"
    );
    assert_eq!(repo.snapshot(), before, "nothing runs");
}

#[test]
fn a_run_whose_options_lead_outside_the_repository_is_refused_before_anything_runs() {
    let repo = chained_repo(None);
    let mut record = common::json(&repo, "generated/run-provenance.json");
    record["config_snapshot"]["output_dir"]["value"] = serde_json::json!("../escaped");
    repo.write(
        "generated/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
    edit_manifest(&repo);
    let before = repo.snapshot();
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("nothing rerun: generated/run-provenance.json: tampered"),
        "{err}"
    );
    assert!(err.contains("../escaped"), "{err}");
    assert_eq!(repo.snapshot(), before, "nothing runs");
    assert!(!repo.path().parent().unwrap().join("escaped").exists());
}

#[test]
fn strict_refusal_names_rerun_as_the_fix() {
    let repo = chained_repo(None);
    edit_manifest(&repo);
    let out = commit(&repo, "edit");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("run `contextcore rerun`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fix_mode_regenerates_stops_the_commit_and_the_next_commit_passes() {
    let repo = chained_repo(Some("lineage:\n  mode: fix\n"));
    edit_manifest(&repo);
    let out = commit(&repo, "tighten availability");
    assert_eq!(out.status.code(), Some(1), "the first commit is stopped");
    let err = stderr(&out);
    assert!(err.contains("regenerated"), "{err}");
    assert!(err.contains(CONTEXT), "{err}");
    assert!(
        err.contains("generated/checkout-service-prometheus-rules.yaml"),
        "{err}"
    );
    assert!(err.contains("review them, `git add` them"), "{err}");
    assert!(
        repo.read(CONTEXT).contains("99.5"),
        "regenerated in the working tree"
    );
    let out = commit(&repo, "tighten availability");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn rerun_restores_a_hand_edited_export_byte_for_byte_and_keeps_its_record() {
    let repo = chained_repo(None);
    repo.write(CONTEXT, &(repo.read(CONTEXT) + "# hand edit\n"));
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("still holds"), "the record is kept: {text}");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "every output is back as committed: {text}"
    );
}

#[test]
fn rerun_replays_whole_records_when_the_claims_cache_is_warm() {
    // Found when merging the claims cache: cached records hold only what lineage checks, so a
    // downstream run pulled in without problems of its own could not be replayed.
    let repo = chained_repo(None);
    assert!(repo.run(&["provenance", "status"]).status.success()); // warms the cache
    assert!(repo.join(".git/contextcore/claims").exists());
    edit_manifest(&repo);
    let out = repo.run(&["rerun"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(status_counts(&repo)["stale"], 0);
}
