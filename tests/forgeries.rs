//! Verdicts come from the commit, never from the change's word about itself (issue #26):
//! forgeries an attacker with commit rights can put in a pull request, each refused by the
//! pre-commit hook and, committed with `--no-verify`, failed by `verify --reproduce --strict`.

mod common;

use common::{Repo, stderr, stdout};
use serde_json::{Value as Json, json};

const MONITOR: &str = "generated/demo-svc-service-monitor.yaml";
const DASHBOARD: &str = "generated/demo-svc-dashboard.json";
const CONTEXT: &str = "out/demo-svc-projectcontext.yaml";

/// `manifest init`, `export`, `generate`, `hook install` and a first commit.
fn demo() -> Repo {
    let repo = Repo::new();
    for args in [
        &["manifest", "init", "--name", "demo-svc"][..],
        &["export"],
        &["generate", "-c", CONTEXT],
        &["hook", "install"],
    ] {
        let out = repo.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "first"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

fn edit_json(repo: &Repo, rel: &str, edit: impl Fn(&mut Json)) {
    let mut j = common::json(repo, rel);
    edit(&mut j);
    repo.write(rel, &serde_json::to_string_pretty(&j).unwrap());
}

/// Stages everything; the hook must refuse the commit. Then commits with `--no-verify`, and
/// `verify --reproduce --strict` must fail. Returns the hook's and verify's output.
fn refused_everywhere(repo: &Repo) -> (String, String) {
    let hook = hook_refuses(repo);
    repo.git(&["commit", "-q", "--no-verify", "-m", "forgery"]);
    let verify = repo.run(&["provenance", "verify", "--reproduce", "--strict"]);
    assert_eq!(
        verify.status.code(),
        Some(1),
        "verify accepted it: {}{}",
        stdout(&verify),
        stderr(&verify)
    );
    (hook, stdout(&verify))
}

/// Stages everything; the hook must refuse the commit. Returns what it printed.
fn hook_refuses(repo: &Repo) -> String {
    repo.git(&["add", "-A"]);
    let hook = repo.git_output(&["commit", "-qm", "forgery"]);
    assert_eq!(
        hook.status.code(),
        Some(1),
        "the hook accepted it: {}",
        stderr(&hook)
    );
    stderr(&hook)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_symlink_serving_the_recorded_text_is_not_the_output() {
    let repo = demo();
    let content = std::fs::read(repo.join(MONITOR)).unwrap();
    std::fs::remove_file(repo.join(MONITOR)).unwrap();
    // Same blob id (a link's blob is its target text), mode 120000.
    use std::os::unix::ffi::OsStrExt;
    std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&content), repo.join(MONITOR)).unwrap();
    repo.git(&["add", "-A"]);
    let staged = repo.git(&["ls-files", "-s", MONITOR]);
    assert!(staged.starts_with("120000"), "{staged}");
    let (hook, verify) = refused_everywhere(&repo);
    assert!(
        hook.contains("not-a-regular-file") || hook.contains("symbolic link"),
        "{hook}"
    );
    assert!(verify.contains(MONITOR), "{verify}");
}

#[test]
fn an_output_relabelled_as_a_manifest_is_still_checked() {
    let repo = demo();
    repo.write(DASHBOARD, "{\"forged\": true}\n");
    edit_json(&repo, "generated/run-provenance.json", |r| {
        for o in r["outputs"].as_array_mut().unwrap() {
            if o["path"] == DASHBOARD {
                o["role"] = json!("manifest");
            }
        }
    });
    let (hook, verify) = refused_everywhere(&repo);
    assert!(hook.contains("[foreign-role]"), "{hook}");
    assert!(verify.contains("[foreign-role]"), "{verify}");
}

#[test]
fn an_output_recorded_as_absent_that_is_present_is_modified() {
    let repo = demo();
    let forged = b"{\"forged\": true}\n";
    repo.write(DASHBOARD, std::str::from_utf8(forged).unwrap());
    let blob = repo.git(&["hash-object", DASHBOARD]);
    edit_json(&repo, "generated/run-provenance.json", |r| {
        for o in r["outputs"].as_array_mut().unwrap() {
            if o["path"] == DASHBOARD {
                o["exists"] = json!(false);
                o["sha256"] = json!(sha256_hex(forged));
                o["git_blob"] = json!(blob);
                o["size"] = json!(forged.len());
            }
        }
    });
    let (hook, _) = refused_everywhere(&repo);
    assert!(hook.contains(&format!("{DASHBOARD}: modified")), "{hook}");
}

/// Forgery 4's setting: the manifest edited without rerunning the export, and the export's
/// record replaced by `manifest init`'s (with `run_id`) edited by `edit`, given the export's
/// outputs.
fn seed_record_over_the_export(run_id: &str, edit: impl Fn(&mut Json, &[Json])) -> Repo {
    let repo = demo();
    let text = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &format!("{text}# edited, not exported\n"),
    );
    let export = common::json(&repo, "out/run-provenance.json");
    let mut forged = common::json(&repo, "init-run-provenance.json");
    forged["run_id"] = json!(run_id);
    edit(&mut forged, export["outputs"].as_array().unwrap());
    repo.write(
        "out/run-provenance.json",
        &serde_json::to_string_pretty(&forged).unwrap(),
    );
    repo
}

#[test]
fn outputs_passed_through_as_inputs_of_a_seed_record_are_tampered() {
    let repo = seed_record_over_the_export("forged-init-1", |forged, files| {
        let as_inputs: Vec<Json> = files
            .iter()
            .map(|o| {
                let mut i = o.clone();
                i.as_object_mut().unwrap().remove("action");
                i.as_object_mut().unwrap().remove("backup");
                i
            })
            .collect();
        forged["inputs"] = json!(as_inputs);
        forged["outputs"] = json!(files);
    });
    let (hook, verify) = refused_everywhere(&repo);
    assert!(hook.contains("tampered"), "{hook}");
    assert!(verify.contains("tampered"), "{verify}");
}

#[test]
fn a_seed_record_claiming_export_outputs_alone_is_tampered() {
    let repo = seed_record_over_the_export("forged-init-2", |forged, files| {
        forged["inputs"] = json!([]);
        forged["outputs"] = json!(files);
    });
    let (hook, _) = refused_everywhere(&repo);
    assert!(
        hook.contains("[foreign-role]") || hook.contains("[seed-manifest]"),
        "{hook}"
    );
}

#[test]
fn an_input_the_commit_lacks_is_stale_in_every_view() {
    let repo = demo();
    edit_json(&repo, "generated/run-provenance.json", |r| {
        r["inputs"][0]["path"] = json!("gone.yaml");
    });
    let hook = hook_refuses(&repo);
    assert!(hook.contains("gone.yaml: stale"), "{hook}");
    repo.git(&["commit", "-q", "--no-verify", "-m", "forgery"]);
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let out = repo.run(&["provenance", "status"]);
    assert!(
        stdout(&out).contains("gone.yaml: stale"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn removing_the_manifest_an_export_read_is_refused_by_the_hook() {
    let repo = demo();
    repo.git(&["rm", "-q", ".contextcore.yaml"]);
    let hook = repo.git_output(&["commit", "-qm", "drop the manifest"]);
    assert_eq!(hook.status.code(), Some(1), "{}", stderr(&hook));
    assert!(
        stderr(&hook).contains(".contextcore.yaml: stale"),
        "{}",
        stderr(&hook)
    );
}

#[test]
fn show_file_and_verify_agree_on_a_duplicate_key() {
    let repo = demo();
    let text = repo.read("out/run-provenance.json");
    let forged = text.replacen("{", "{\n  \"run_id\": \"shadowed\",", 1);
    repo.write("out/run-provenance.json", &forged);
    let out = repo.run(&["provenance", "show", "out/run-provenance.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("tampered"), "{}", stderr(&out));
    let out = repo.run(&["provenance", "status"]);
    assert!(stdout(&out).contains("tampered"), "{}", stdout(&out));
}

#[test]
fn reproduction_compares_both_ways_with_the_commit() {
    let repo = demo();
    // A record that leaves out an output: the hook cannot tell (nothing it claims changed),
    // the replay writes a file the record does not claim.
    edit_json(&repo, "generated/run-provenance.json", |r| {
        r["outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["path"] != DASHBOARD);
    });
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "drop a claim"]);
    let out = repo.run(&["provenance", "verify", "--reproduce", "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!(
            "{DASHBOARD}: (written by the replay, claimed by no output of the record)"
        )),
        "{}",
        stdout(&out)
    );
}

/// `ci/lineage-check.sh BASE` as the shipped CI runs it (CI=true): its exit code and report.
fn ci_check(repo: &Repo, base: &str) -> (Option<i32>, String, String) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/lineage-check.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .args([base, "HEAD", "report"])
        .current_dir(repo.path())
        .envs(common::git_env())
        .env("PATH", common::path_with_binary())
        .env("CI", "true")
        .output()
        .unwrap();
    (
        out.status.code(),
        stdout(&out) + &stderr(&out),
        repo.read("report/lineage.md"),
    )
}

#[test]
fn a_record_that_makes_itself_unverifiable_fails_ci() {
    let repo = demo();
    repo.git(&["branch", "base"]);
    repo.write(DASHBOARD, "{\"forged\": true}\n");
    let blob = repo.git(&["hash-object", DASHBOARD]);
    edit_json(&repo, "generated/run-provenance.json", |r| {
        r["config_snapshot"]["emit_provenance"] = json!({"value": true, "source": "flag"});
        for o in r["outputs"].as_array_mut().unwrap() {
            if o["path"] == DASHBOARD {
                o["sha256"] = json!(sha256_hex(b"{\"forged\": true}\n"));
                o["git_blob"] = json!(blob);
            }
        }
    });
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "unverifiable by its own say-so",
    ]);
    let (code, out, report) = ci_check(&repo, "base");
    assert_eq!(code, Some(1), "{out}\n{report}");
    assert!(!out.contains(": ok ("), "{out}");
    assert!(!report.contains('✅'), "{report}");
    assert!(
        out.contains("claims an option `generate` does not have"),
        "{out}"
    );
}

#[test]
fn a_pull_request_cannot_turn_off_its_own_reproduction() {
    let repo = demo();
    repo.git(&["branch", "base"]);
    // The pull request lowers scrutiny, reruns honestly, then forges an output and its digests.
    repo.write(
        ".contextcore-quality.yaml",
        "lineage:\n  reproduce: \"off\"\n",
    );
    for args in [&["export"][..], &["generate", "-c", CONTEXT]] {
        assert!(repo.run(args).status.success());
    }
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "policy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let forged = b"{\"forged\": true}\n";
    repo.write(DASHBOARD, std::str::from_utf8(forged).unwrap());
    let blob = repo.git(&["hash-object", DASHBOARD]);
    edit_json(&repo, "generated/run-provenance.json", |r| {
        for o in r["outputs"].as_array_mut().unwrap() {
            if o["path"] == DASHBOARD {
                o["sha256"] = json!(sha256_hex(forged));
                o["git_blob"] = json!(blob);
                o["size"] = json!(forged.len());
            }
        }
    });
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "forged"]);
    let (code, out, report) = ci_check(&repo, "base");
    assert_eq!(code, Some(1), "{out}\n{report}");
    assert!(
        out.contains("checked under the settings of the base"),
        "{out}"
    );
    assert!(out.contains(&format!("{DASHBOARD}: not what run")), "{out}");
    assert!(report.contains("changes in"), "{report}");
}

/// A branch `skipped` off `demo()` whose one commit edits the manifest without rerunning the
/// export (made with `--no-verify`), and `main` one honest commit ahead of the fork point.
fn branches() -> Repo {
    let repo = demo();
    repo.git(&["checkout", "-q", "-b", "skipped"]);
    let text = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &format!("{text}# edited, export not rerun\n"),
    );
    repo.git(&["commit", "-q", "--no-verify", "-am", "skip the hook"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("notes.txt", "unrelated\n");
    repo.git(&["add", "notes.txt"]);
    repo.git(&["commit", "-qm", "unrelated"]);
    repo
}

#[test]
fn a_merge_that_leaves_an_export_stale_is_refused() {
    let repo = branches();
    let before = repo.git(&["rev-parse", "HEAD"]);
    let out = repo.git_output(&["merge", "--no-ff", "-m", "merge", "skipped"]);
    assert!(!out.status.success(), "the merge was committed");
    assert!(
        stderr(&out).contains(".contextcore.yaml: stale"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), before);
}

#[test]
fn a_merge_commit_gets_its_note() {
    let repo = demo();
    repo.git(&["checkout", "-q", "-b", "honest"]);
    let text = repo.read(".contextcore.yaml");
    repo.write(".contextcore.yaml", &text.replace("99.9", "99.5"));
    assert!(repo.run(&["rerun"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "honest change"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("notes.txt", "unrelated\n");
    repo.git(&["add", "notes.txt"]);
    repo.git(&["commit", "-qm", "unrelated"]);
    let out = repo.git_output(&["merge", "--no-ff", "-m", "merge honest", "honest"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = repo.git_output(&["notes", "--ref=refs/notes/contextcore", "show", "HEAD"]);
    assert!(note.status.success(), "the merge commit has no note");
    assert!(
        stdout(&note).contains("manifest export run"),
        "{}",
        stdout(&note)
    );
}

#[test]
fn cherry_pick_and_rebase_say_what_they_left_stale() {
    let repo = branches();
    let skipped = repo.git(&["rev-parse", "skipped"]);
    let out = repo.git_output(&["cherry-pick", &skipped]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("lineage problem(s)"), "{err}");
    assert!(err.contains(".contextcore.yaml: stale"), "{err}");
    assert!(err.contains("contextcore rerun"), "{err}");
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.git(&["checkout", "-q", "skipped"]);
    let out = repo.git_output(&["rebase", "-q", "main"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".contextcore.yaml: stale"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn git_am_of_a_stale_patch_is_refused() {
    let repo = branches();
    let patch = repo.git(&["format-patch", "-1", "skipped", "-o", ".git/patches"]);
    let before = repo.git(&["rev-parse", "HEAD"]);
    let out = repo.git_output(&["am", &patch]);
    assert!(!out.status.success(), "the patch was committed");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), before);
    let _ = repo.git_output(&["am", "--abort"]);
}

#[test]
fn an_output_path_that_is_a_directory_stops_the_run_before_any_write() {
    let repo = demo();
    let text = repo.read(CONTEXT);
    repo.write(CONTEXT, &format!("{text}# edited\n"));
    std::fs::remove_file(repo.join("generated/generation-report.json")).unwrap();
    std::fs::create_dir(repo.join("generated/generation-report.json")).unwrap();
    let before = repo.snapshot();
    let out = repo.run(&["generate", "-c", CONTEXT]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("generated/generation-report.json: is a directory"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before, "every file as it was");
}

#[test]
fn a_symlinked_policy_in_the_change_does_not_pick_the_settings() {
    let repo = demo();
    repo.write(
        ".contextcore-quality.yaml",
        "lineage:\n  tracked_outputs: [\"gen/**\"]\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "track gen/"]);
    repo.git(&["branch", "base"]);
    repo.write("gen/x.yaml", "hand: made\n");
    std::fs::remove_file(repo.join(".contextcore-quality.yaml")).unwrap();
    repo.write("p2.yaml", "lineage:\n  reproduce: \"off\"\n");
    std::os::unix::fs::symlink("p2.yaml", repo.join(".contextcore-quality.yaml")).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "the change"]);
    let out = repo.run(&["provenance", "verify", "--range", "base..HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("gen/x.yaml: unowned"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_input_said_to_exist_without_a_blob_id_is_stale_when_absent() {
    let repo = demo();
    edit_json(&repo, "generated/run-provenance.json", |r| {
        r["inputs"][0]["path"] = json!("ctx.yaml");
        r["inputs"][0]["git_blob"] = json!(null);
        r["inputs"][0]["sha256"] = json!(null);
    });
    let hook = hook_refuses(&repo);
    assert!(hook.contains("ctx.yaml: stale"), "{hook}");
}

#[test]
fn a_record_cannot_claim_another_records_file_as_its_output() {
    let repo = demo();
    edit_json(&repo, "generated/run-provenance.json", |r| {
        r["outputs"][0]["path"] = json!("generated/generate-run-provenance.json");
    });
    let hook = hook_refuses(&repo);
    assert!(hook.contains("[record-as-output]"), "{hook}");
}

#[test]
fn a_replay_keeps_its_backups_in_the_git_directory_whatever_the_policy() {
    let repo = demo();
    repo.write(".contextcore-quality.yaml", "lineage:\n  backup: beside\n");
    for args in [&["export"][..], &["generate", "-c", CONTEXT]] {
        assert!(repo.run(args).status.success());
    }
    let record = common::json(&repo, "generated/run-provenance.json");
    assert!(
        record["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["role"] == "policy"),
        "the run read the policy: {record}"
    );
    repo.write(
        "generated/demo-svc-dashboard.json.bak",
        "tracked, not a backup\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "policy"]);
    repo.write(DASHBOARD, "{\"edited\": true}\n");
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        repo.read("generated/demo-svc-dashboard.json.bak"),
        "tracked, not a backup\n"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join(&format!(".git/contextcore/backups/{DASHBOARD}")))
            .unwrap(),
        "{\"edited\": true}\n"
    );
}
