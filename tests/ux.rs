//! The first ten minutes, typed the way a user types them: commands work from any directory
//! of the repository, and every dead end names the next command.

mod common;

use common::{Repo, stderr, stdout};

fn run_in(repo: &Repo, dir: &str, args: &[&str]) -> std::process::Output {
    repo.cc()
        .current_dir(repo.join(dir))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn commands_find_the_manifest_upward_from_a_subdirectory() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    std::fs::create_dir_all(repo.join("sub/deep")).unwrap();

    let out = run_in(&repo, "sub/deep", &["manifest", "validate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("../../.contextcore.yaml: valid"));

    let out = run_in(&repo, "sub/deep", &["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        repo.join("out/checkout-service-projectcontext.yaml")
            .exists()
    );
    assert!(!repo.join("sub/deep/out").exists(), "no second tree");

    // An explicit path up the tree writes beside the manifest too.
    let out = run_in(
        &repo,
        "sub/deep",
        &["export", "-p", "../../.contextcore.yaml"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.join("sub/deep/out").exists(), "no second tree");

    // generate defaults to the context that export wrote.
    let out = run_in(&repo, "sub/deep", &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        repo.join("generated/checkout-service-dashboard.json")
            .exists()
    );
    assert!(!repo.join("sub/deep/generated").exists());
}

#[test]
fn a_missing_manifest_says_how_to_create_one() {
    let repo = Repo::new();
    for args in [
        &["manifest", "validate"][..],
        &["export"],
        &["validate", "-p", "nope.yaml"],
    ] {
        let out = repo.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("contextcore manifest init"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = repo.run(&["generate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("-c out/<project>-projectcontext.yaml"));
}

#[test]
fn short_forms_of_the_common_commands_work() {
    let repo = Repo::new();
    let out = repo.run(&["init", "--name", "demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.run(&["validate"]).status.success());
    assert!(repo.run(&["status"]).status.success());
    let out = repo.run(&["verify", "--staged"]);
    assert!(
        out.status.code().is_some_and(|c| c != 2),
        "{}",
        stderr(&out)
    );
}

#[test]
fn generate_given_the_manifest_says_to_export_first() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    let out = repo.run(&["generate", "-c", ".contextcore.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("run `contextcore export -p .contextcore.yaml`"),
        "{}",
        stderr(&out)
    );
    let out = repo.run(&["generate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not exported yet; run `contextcore export` first"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn coverage_warning_says_how_an_artifact_counts_as_existing() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    let out = repo.run(&["export"]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("--scan-existing DIR"), "{err}");
    assert!(err.contains("tiny-dashboard.json"), "{err}");
}

#[test]
fn validate_warns_at_the_manifest_about_what_generate_needs() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    let out = repo.run(&["validate"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains(".contextcore.yaml:5:1: warning: spec.requirements"),
        "{}",
        stderr(&out)
    );
    let out = repo.run(&["validate", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["warnings"], 1);
}

#[test]
fn init_takes_the_project_name_from_the_directory() {
    let repo = Repo::new();
    std::fs::create_dir_all(repo.join("payments-api")).unwrap();
    let out = run_in(&repo, "payments-api", &["manifest", "init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        repo.read("payments-api/.contextcore.yaml")
            .contains("name: payments-api")
    );

    std::fs::create_dir_all(repo.join("has space")).unwrap();
    let out = run_in(&repo, "has space", &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pass --name NAME"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn backups_are_named_once_and_quiet_prints_no_summary() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    let text = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &text.replace("name: Tiny", "name: Tiny 2"),
    );
    let out = repo.run(&["export"]);
    let printed = stdout(&out);
    assert!(!printed.contains("(backup:"), "{printed}");
    assert!(
        printed.contains("backup(s) under .git/contextcore/backups/"),
        "{printed}"
    );

    repo.write(".contextcore.yaml", &text);
    let out = repo.run(&["export", "-q"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "", "quiet");
}

#[test]
fn init_from_plan_dry_run_tells_the_truth_about_the_record() {
    let repo = Repo::new();
    repo.copy_fixture("plans/search-plan.md", "plan.md");
    let out = repo.run(&[
        "manifest",
        "init-from-plan",
        "--plan",
        "plan.md",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("run record: init-run-provenance.json (would create"),
        "{}",
        stdout(&out)
    );
    assert!(!repo.join("init-run-provenance.json").exists());
    assert!(!repo.join(".contextcore.yaml").exists());
}

#[test]
fn messages_name_the_operation_and_the_fix() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    repo.write("afile", "x\n");
    let out = repo.run(&["export", "-o", "afile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("afile: is a file, not a directory"),
        "{}",
        stderr(&out)
    );
    let out = repo.run(&["notes", "push"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no remote named origin; add it with `git remote add origin URL`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_policy_can_name_the_scan_directory_once() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    repo.write("dashboards/tiny-dashboard.json", "{}\n");
    repo.write(
        ".contextcore-quality.yaml",
        "scan_existing_default: [dashboards]\n",
    );
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    let out = run_in(&repo, "sub", &["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record = common::json(&repo, "out/run-provenance.json");
    assert_eq!(
        record["config_snapshot"]["scan_existing"]["source"],
        "policy"
    );
    assert!(
        repo.read("out/tiny-artifact-manifest.yaml")
            .contains("existingPath: dashboards/tiny-dashboard.json")
    );
}

#[test]
fn the_sample_plan_infers_every_core_fact_but_targets() {
    let repo = Repo::new();
    let plan =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plan/payments-plan.md");
    repo.write("plan.md", &std::fs::read_to_string(plan).unwrap());
    let out = repo.run(&["manifest", "init-from-plan", "--plan", "plan.md"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = repo.read(".contextcore.yaml");
    for fact in [
        "name: payments-api",
        "owner: payments-core",
        "criticality: critical",
        "availability: \"99.95\"",
        "latencyP99: 300ms",
        "throughput: 2500rps",
        "Acquirer timeouts",
        "idempotency keys",
    ] {
        assert!(manifest.contains(fact), "{fact}:\n{manifest}");
    }
    assert!(!manifest.contains("40rps"), "the appendix is not a target");
}

#[test]
fn a_modified_output_names_the_command_that_restores_it() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    let path = "out/tiny-projectcontext.yaml";
    repo.write(path, &(repo.read(path) + "# edit\n"));
    let out = repo.run(&["status"]);
    let restore = format!("git restore --source=HEAD --staged --worktree -- ':(top){path}'");
    assert!(stdout(&out).contains(&restore), "{}", stdout(&out));
    let done = std::process::Command::new("sh")
        .args(["-c", &restore])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(done.status.success());
    assert!(stdout(&repo.run(&["status"])).contains("0 modified"));
}

/// The names in a directory, as bytes.
#[cfg(unix)]
fn names_in(dir: &std::path::Path) -> Vec<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let mut names: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_written_as_given() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    let out = repo
        .cc()
        .args(["manifest", "init", "--name", "x", "-p"])
        .arg(name)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        names_in(repo.path()).contains(&b"caf\xe9.yaml".to_vec()),
        "{:?}",
        names_in(repo.path())
    );
    assert!(
        !names_in(repo.path())
            .iter()
            .any(|n| n.ends_with("\u{fffd}.yaml".as_bytes()))
    );
    // Shown quoted the way git quotes it, never lossily.
    assert!(
        stdout(&out).contains("created      \"caf\\351.yaml\""),
        "{}",
        stdout(&out)
    );
    // The record names it in git's quoted form: what `git ls-files` prints.
    let record = common::json(&repo, "init-run-provenance.json");
    let listed = repo.git(&["-c", "core.quotePath=true", "ls-files", "-o", "--", "caf*"]);
    assert_eq!(listed, r#""caf\351.yaml""#);
    assert_eq!(record["outputs"][0]["path"], listed);

    let out = repo
        .cc()
        .args(["manifest", "validate", "-p"])
        .arg(name)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(r#""caf\351.yaml": valid"#),
        "{}",
        stdout(&out)
    );

    let out = repo
        .cc()
        .args(["manifest", "export", "-o", "out", "-p"])
        .arg(name)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let record = common::json(&repo, "out/run-provenance.json");
    let input = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "manifest")
        .unwrap();
    assert_eq!(input["path"], r#""caf\351.yaml""#);
}

#[cfg(unix)]
#[test]
fn the_export_gate_finds_outputs_in_a_directory_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    let dir = std::ffi::OsStr::from_bytes(b"out\xff");
    let out = repo.cc().args(["export", "-o"]).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo
        .cc()
        .args(["contract", "a2a-check-pipeline"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        !stdout(&out).contains("output_missing"),
        "the recorded outputs are found: {}",
        stdout(&out)
    );
    // An I/O error names the directory as git would, not with a replacement character.
    let out = repo
        .cc()
        .args(["export", "-o"])
        .arg(std::ffi::OsStr::from_bytes(b".contextcore.yaml/\xfe"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\u{fffd}'), "{}", stderr(&out));
    // A missing manifest: named as git names it, and the hint is a word a shell reads back.
    let out = repo
        .cc()
        .args(["export", "-p"])
        .arg(std::ffi::OsStr::from_bytes(b"missing\xfe.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(r#""missing\376.yaml": no such manifest"#)
            && stderr(&out).contains(r#"manifest init -p $'missing\376.yaml'"#),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn diagnostics_name_a_file_that_is_not_utf8_quoted_like_git() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    std::fs::write(repo.path().join(name), "apiVersion: [\n").unwrap();
    let out = repo
        .cc()
        .args(["manifest", "validate", "-p"])
        .arg(name)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(r#""caf\351.yaml":"#),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains('\u{fffd}'), "{}", stderr(&out));
}

#[test]
fn an_interrupted_run_is_named_as_such_and_rerun_finishes_it() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    // The run stops half-way: an I/O error after its first file was replaced (a directory
    // at an output path no longer does: it is found before the first write).
    let text = repo
        .read(".contextcore.yaml")
        .replace("name: Tiny", "name: Tiny 2");
    repo.write(".contextcore.yaml", &text);
    let out = repo
        .cc()
        .arg("export")
        .env("CONTEXTCORE_FAULT_INJECT", "after-rename")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let status = stdout(&repo.run(&["status"]));
    assert!(
        status.contains("interrupted the run writing out (started"),
        "{status}"
    );
    assert!(
        status.contains("`contextcore rerun` finishes it"),
        "{status}"
    );

    let out = repo.run(&["rerun"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let status = stdout(&repo.run(&["status"]));
    assert!(!status.contains("interrupted"), "{status}");
    assert!(
        status.contains("0 stale, 0 modified, 0 missing"),
        "{status}"
    );
}

#[test]
fn notes_fetch_counts_the_notes_it_brings() {
    let origin = Repo::new();
    origin.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    assert!(origin.run(&["hook", "install"]).status.success());
    assert!(origin.run(&["export"]).status.success());
    origin.git(&["add", "-A"]);
    origin.git(&["commit", "-qm", "export"]);
    let clone = Repo::bare_dir();
    clone.git(&["clone", "-q", origin.path().to_str().unwrap(), "."]);
    let out = clone.run(&["notes", "fetch"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 note(s) new or merged"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn checking_or_reproducing_a_range_shows_progress_only_on_a_terminal() {
    let repo = Repo::new();
    repo.copy_fixture("minimal.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    for name in ["a", "b"] {
        repo.write(name, "x\n");
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-qm", name]);
    }
    let out = repo.run(&[
        "provenance",
        "verify",
        "--reproduce",
        "--range",
        "HEAD~2..HEAD",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("reproducing commit"),
        "silent off a terminal"
    );

    // On a terminal (util-linux `script` gives the command one), one line that updates.
    let bin = assert_cmd::cargo::cargo_bin("contextcore");
    let on_a_terminal = |args: &str| {
        std::process::Command::new("script")
            .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
            .current_dir(repo.path())
            .envs(common::git_env())
            .output()
            .ok()
            .map(|o| stdout(&o))
    };
    let Some(shown) = on_a_terminal("provenance verify --reproduce --range HEAD~2..HEAD") else {
        return; // no `script` here: the terminal half cannot run
    };
    assert!(shown.contains("reproducing commit 1/2"), "{shown}");
    assert!(
        shown.contains("checking commit 1/2"),
        "checking shows it too: {shown}"
    );
    // A plain check of a range and the report too; never under --json.
    for args in [
        "provenance verify --range HEAD~2..HEAD",
        "provenance report --range HEAD~2..HEAD",
    ] {
        let shown = on_a_terminal(args).unwrap();
        assert!(shown.contains("checking commit 1/2"), "{args}: {shown}");
    }
    let shown = on_a_terminal("provenance verify --range HEAD~2..HEAD --json").unwrap();
    assert!(!shown.contains("checking commit"), "{shown}");
}
