//! Git lineage through real `git` commits: hooks, notes, amend, rebase, --no-verify,
//! core.hooksPath, foreign hooks, notes shared between clones, merge commits.

mod common;

use common::{Repo, stderr, stdout};

/// A commit's note as `provenance show --json` reads it (full ids, from the records).
fn note(repo: &Repo, rev: &str) -> serde_json::Value {
    let out = repo.run(&["provenance", "show", rev, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// A repo with hooks installed and a first exported commit.
fn exported_repo() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    let out = repo.run(&["hook", "install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "export"]);
    assert!(
        out.status.success(),
        "first commit accepted: {}",
        stderr(&out)
    );
    repo
}

fn commit(repo: &Repo, message: &str) -> std::process::Output {
    repo.git(&["add", "-A"]);
    repo.git_output(&["commit", "-qm", message])
}

#[test]
fn commit_with_fresh_outputs_gets_a_note_with_every_blob_id() {
    let repo = exported_repo();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let n = note(&repo, "HEAD");
    assert_eq!(n["commit"], head);
    let run = &n["runs"][0];
    assert_eq!(run["record"], "out/run-provenance.json");
    assert_eq!(run["inputs"][0]["path"], ".contextcore.yaml");
    assert_eq!(
        run["inputs"][0]["git_blob"],
        repo.git(&["rev-parse", "HEAD:.contextcore.yaml"])
    );
    let outputs = run["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 5);
    for o in outputs {
        let path = o["path"].as_str().unwrap();
        assert_eq!(
            o["git_blob"],
            repo.git(&["rev-parse", &format!("HEAD:{path}")]),
            "{path}"
        );
    }
    assert!(
        repo.git(&["log", "-1"])
            .contains("contextcore lineage v3 · "),
        "git log shows the note"
    );
}

#[test]
fn hand_edited_output_is_refused_as_modified() {
    let repo = exported_repo();
    repo.write(
        "out/checkout-service-projectcontext.yaml",
        &(repo.read("out/checkout-service-projectcontext.yaml") + "# edited\n"),
    );
    let out = commit(&repo, "hand edit");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("out/checkout-service-projectcontext.yaml: modified after run"),
        "{err}"
    );
    assert!(
        err.contains("rerun: contextcore manifest export -p .contextcore.yaml -o out"),
        "{err}"
    );
}

#[test]
fn stale_input_blocks_commit_until_rerun() {
    let repo = exported_repo();
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    let out = commit(&repo, "edit manifest only");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(".contextcore.yaml: stale"), "{err}");
    assert!(
        err.contains("rerun: contextcore manifest export -p .contextcore.yaml -o out"),
        "{err}"
    );

    assert!(repo.run(&["export"]).status.success());
    let out = commit(&repo, "edit manifest and rerun");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        note(&repo, "HEAD")["runs"][0]["inputs"][0]["git_blob"],
        repo.git(&["rev-parse", "HEAD:.contextcore.yaml"])
    );
}

#[test]
fn commit_all_and_partial_commits_are_checked_against_their_own_index() {
    let repo = exported_repo();
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    // `git commit -a` and `git commit <path>` run the hook on a temporary index.
    let out = repo.git_output(&["commit", "-qam", "edit manifest only"]);
    assert!(!out.status.success(), "commit -a must be refused");
    assert!(
        stderr(&out).contains(".contextcore.yaml: stale"),
        "{}",
        stderr(&out)
    );
    let out = repo.git_output(&["commit", "-qm", "partial", ".contextcore.yaml"]);
    assert!(!out.status.success(), "partial commit must be refused");
    assert!(
        stderr(&out).contains(".contextcore.yaml: stale"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_manifest_init_seeded_may_be_edited() {
    let repo = Repo::new();
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(
        repo.run(&["manifest", "init", "--name", "demo"])
            .status
            .success()
    );
    assert!(repo.run(&["export"]).status.success());
    assert!(commit(&repo, "init and export").status.success());
    repo.write(
        ".contextcore.yaml",
        &repo
            .read(".contextcore.yaml")
            .replace("\"99.9\"", "\"99.5\""),
    );
    let out = commit(&repo, "edit without rerun");
    assert!(!out.status.success());
    assert!(
        !stderr(&out).contains("modified after run"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(".contextcore.yaml: stale"),
        "{}",
        stderr(&out)
    );
    assert!(repo.run(&["export"]).status.success());
    let out = commit(&repo, "edit and rerun");
    assert!(out.status.success(), "{}", stderr(&out));
    // Tuning the policy later does not ask to re-seed the manifest.
    repo.write(".contextcore-quality.yaml", "default_environment: dev\n");
    let out = commit(&repo, "policy");
    assert!(!stderr(&out).contains("manifest init"), "{}", stderr(&out));
}

#[test]
fn warn_mode_prints_and_commits() {
    let repo = exported_repo();
    repo.write(".contextcore-quality.yaml", "lineage:\n  mode: warn\n");
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    let out = commit(&repo, "warned");
    assert!(out.status.success());
    assert!(stderr(&out).contains("stale"));
}

#[test]
fn unrelated_commits_take_the_fast_path() {
    let repo = exported_repo();
    repo.write("README.md", "hello\n");
    let out = commit(&repo, "docs");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn amend_and_rebase_keep_the_note_on_the_rewritten_commit() {
    let repo = exported_repo();
    repo.git(&["commit", "-q", "--amend", "-m", "export (amended)"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(note(&repo, "HEAD")["commit"], head);

    // Rebase the export commit onto a new base commit.
    repo.git(&["checkout", "-q", "-b", "base", "HEAD~0"]);
    repo.git(&["checkout", "-q", "--orphan", "newbase"]);
    repo.git(&["rm", "-rq", "--cached", "."]);
    std::fs::remove_dir_all(repo.join("out")).unwrap();
    std::fs::remove_file(repo.join(".contextcore.yaml")).unwrap();
    repo.write("BASE", "base\n");
    repo.git(&["add", "BASE"]);
    repo.git(&["commit", "-qm", "new base"]);
    repo.git(&["checkout", "-q", "main"]);
    let out = repo.git_output(&["rebase", "-q", "newbase"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let head = repo.git(&["rev-parse", "HEAD"]);
    let n = note(&repo, "HEAD");
    assert_eq!(n["commit"], head, "note recomputed for the rebased commit");
    assert_eq!(n["runs"][0]["record"], "out/run-provenance.json");
}

#[test]
fn no_verify_commit_fails_verify_range_and_earlier_commits_pass() {
    let repo = exported_repo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.write("README.md", "docs\n");
    assert!(commit(&repo, "docs").status.success());
    repo.write("out/validation-report.json", "{}\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "sneaky"]);
    let bad = repo.git(&["rev-parse", "--short=12", "HEAD"]);

    let out = repo.run(&[
        "provenance",
        "verify",
        "--range",
        &format!("{base}~0..HEAD"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(&format!("{bad}: 1 problem(s)")), "{text}");
    assert!(
        text.contains("out/validation-report.json: modified after run"),
        "{text}"
    );
    let out = repo.run(&["provenance", "verify", "HEAD~1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = repo.run(&["provenance", "verify", &base]);
    assert_eq!(out.status.code(), Some(0));

    let out = repo.run(&[
        "provenance",
        "report",
        "--range",
        &format!("{base}~0..HEAD"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("## contextcore lineage"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("❌ 1 problem(s)"));
}

#[test]
fn hooks_path_is_honoured_and_foreign_hooks_are_chained() {
    let repo = Repo::new();
    repo.git(&["config", "core.hooksPath", "githooks"]);
    repo.write(
        "githooks/pre-commit",
        "#!/bin/sh\necho foreign-ran >> foreign.log\nexit 0\n",
    );
    std::process::Command::new("chmod")
        .args(["+x", repo.join("githooks/pre-commit").to_str().unwrap()])
        .status()
        .unwrap();
    let out = repo.run(&["hook", "install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("chains to existing hook"));
    assert!(
        repo.join("githooks/pre-commit.pre-contextcore").is_file(),
        "foreign hook kept"
    );
    assert!(repo.read("githooks/pre-commit").contains("contextcore"));
    // Installing again is idempotent and still chains.
    assert!(repo.run(&["hook", "install"]).status.success());

    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", ".contextcore.yaml", "out"]);
    assert!(repo.git_output(&["commit", "-qm", "x"]).status.success());
    assert!(repo.read("foreign.log").contains("foreign-ran"));
    assert_eq!(
        repo.git(&["config", "notes.rewriteRef"]),
        "refs/notes/contextcore"
    );
    note(&repo, "HEAD");

    // A failing foreign hook still blocks the commit.
    repo.write("githooks/pre-commit.pre-contextcore", "#!/bin/sh\nexit 3\n");
    repo.write("README.md", "x\n");
    repo.git(&["add", "README.md"]);
    assert!(
        !repo.git_output(&["commit", "-qm", "y"]).status.success(),
        "git refuses the commit"
    );
}

#[test]
fn notes_from_two_clones_merge_without_loss() {
    let origin = exported_repo();
    origin.git(&["config", "receive.denyCurrentBranch", "ignore"]);
    let a = Repo::bare_dir();
    let b = Repo::bare_dir();
    for clone in [&a, &b] {
        clone.git(&["clone", "-q", origin.path().to_str().unwrap(), "."]);
        assert!(clone.run(&["hook", "install"]).status.success());
        assert!(clone.run(&["notes", "fetch"]).status.success());
    }
    let head = origin.git(&["rev-parse", "HEAD"]);
    // Each clone makes its own commit with a new run, and notes it.
    for (clone, value) in [(&a, "99.9"), (&b, "99.5")] {
        clone.write(
            ".contextcore.yaml",
            &common::with_availability(&clone.read(".contextcore.yaml"), value),
        );
        assert!(clone.run(&["export"]).status.success());
        assert!(commit(clone, value).status.success());
    }
    // And both note the same shared commit differently (e.g. re-attached after a rewrite).
    let out = a.run(&["notes", "push"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = b.run(&["notes", "push"]);
    assert!(
        out.status.success(),
        "second push merges first: {}",
        stderr(&out)
    );
    let out = a.run(&["notes", "fetch"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a_head = a.git(&["rev-parse", "HEAD"]);
    let b_head = b.git(&["rev-parse", "HEAD"]);
    let notes_list = a.git(&["notes", "--ref=refs/notes/contextcore", "list"]);
    for commit in [&head, &a_head, &b_head] {
        assert!(
            notes_list.contains(commit.as_str()),
            "note for {commit} kept: {notes_list}"
        );
    }
}

#[test]
fn merge_commits_are_verified_and_noted() {
    let repo = exported_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    assert!(repo.run(&["export"]).status.success());
    assert!(commit(&repo, "feature export").status.success());
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "main\n");
    assert!(commit(&repo, "main docs").status.success());
    let out = repo.git_output(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.run(&["provenance", "verify", "--range", "HEAD~2..HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = repo.run(&["notes", "attach", "HEAD"]);
    assert!(out.status.success());
    assert!(note(&repo, "HEAD")["runs"][0]["inputs"][0]["git_blob"].is_string());
}

#[test]
fn status_reports_like_git_status() {
    let repo = exported_repo();
    let out = repo.run(&["provenance", "status"]);
    assert!(
        stdout(&out).contains("6 fresh, 0 stale, 0 modified, 0 missing, 0 unowned"),
        "{}",
        stdout(&out)
    );
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    std::fs::remove_file(repo.join("out/onboarding-metadata.json")).unwrap();
    repo.write(
        ".contextcore-quality.yaml",
        "lineage:\n  tracked_outputs: [\"dashboards/**\"]\n",
    );
    repo.write("dashboards/hand.json", "{}\n");
    let out = repo.run(&["provenance", "status", "--json"]);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["counts"]["stale"], 1);
    assert_eq!(s["counts"]["missing"], 1);
    assert_eq!(s["counts"]["unowned"], 1);
}

#[test]
fn new_output_records_are_seen_by_lineage() {
    let repo = exported_repo();
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    assert!(
        repo.run(&["export", "--document-write-strategy", "new_output"])
            .status
            .success()
    );
    repo.write(
        "out/checkout-service-projectcontext.1.yaml",
        "# hand edit\n",
    );
    repo.git(&["add", "out"]);
    let out = repo.git_output(&["commit", "-qm", "variant edited"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("out/checkout-service-projectcontext.1.yaml: modified after run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn print_pre_commit_config_gives_a_framework_snippet() {
    let repo = Repo::new();
    let out = repo.run(&["hook", "install", "--print-pre-commit-config"]);
    assert!(stdout(&out).contains("entry: contextcore hook run pre-commit"));
    assert!(!repo.join(".git/hooks/pre-commit").exists());
}

#[test]
fn the_printed_rerun_command_reproduces_the_run() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.write("obs/checkout-api-dashboard.json", "{}\n");
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(
        repo.run(&[
            "export",
            "--scan-existing",
            "obs",
            "-n",
            "shop",
            "--no-onboarding"
        ])
        .status
        .success()
    );
    assert!(commit(&repo, "export").status.success());
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.9"),
    );
    let out = commit(&repo, "stale");
    let err = stderr(&out);
    let rerun = err
        .lines()
        .find_map(|l| l.split("rerun: ").nth(1))
        .expect("a rerun command")
        .to_string();
    assert_eq!(
        rerun,
        "contextcore manifest export -p .contextcore.yaml -o out --scan-existing obs -n shop --no-onboarding"
    );
    let args: Vec<&str> = rerun.split_whitespace().skip(1).collect();
    assert!(repo.run(&args).status.success());
    let out = commit(&repo, "rerun as told");
    assert!(out.status.success(), "{}", stderr(&out));
}
