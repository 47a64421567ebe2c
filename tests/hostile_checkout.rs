//! A pull request checked out on a developer's machine, and a remote the developer fetches
//! from, are hostile (issue #32): nothing they write — a policy, a run record, a note, a hooks
//! directory — may run a command, move a branch, replace a file no record claims, outvote an
//! honest note, or make a backup disappear. Each case runs the real binary and real git.

mod common;

use common::{Repo, stderr, stdout};

const CONTEXT: &str = "out/checkout-service-projectcontext.yaml";
const ESC: char = '\u{1b}';

fn commit_all(repo: &Repo, message: &str) -> std::process::Output {
    repo.git(&["add", "-A"]);
    repo.git_output(&["commit", "-qm", message])
}

/// An export feeding a generate, committed through the hooks.
fn chained_repo() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export"]).status.success());
    let out = repo.run(&["generate", "-c", CONTEXT]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = commit_all(&repo, "export and generate");
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

fn edit_manifest(repo: &Repo) {
    let text = repo.read(".contextcore.yaml");
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&text, "99.5"),
    );
}

/// A bare repository to push to, added to `repo` as `name`.
fn bare_remote(repo: &Repo, name: &str) -> Repo {
    let remote = Repo::bare_dir();
    remote.git(&["init", "-q", "--bare", "-b", "main"]);
    repo.git(&["remote", "add", name, remote.path().to_str().unwrap()]);
    remote
}

fn assert_no_escapes(text: &str) {
    assert!(
        !text.contains(ESC),
        "a raw escape reached the terminal: {text:?}"
    );
}

#[test]
fn a_notes_ref_that_reads_as_an_option_runs_nothing() {
    let repo = Repo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    let _origin = bare_remote(&repo, "origin");
    let marker = repo.path().parent().unwrap().join(format!(
        "pwned-{}",
        repo.path().file_name().unwrap().to_string_lossy()
    ));
    repo.write(
        ".contextcore-quality.yaml",
        &format!(
            "lineage:\n  notes_ref: \"--receive-pack=touch {} #\"\n",
            marker.display()
        ),
    );
    for args in [
        &["notes", "push", "origin"][..],
        &["notes", "fetch", "origin"],
        &["hook", "install"],
        &["hook", "run", "post-commit"],
        &["notes", "attach"],
    ] {
        let out = repo.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(".contextcore-quality.yaml:2:14: error: lineage.notes_ref"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!marker.exists(), "{args:?} ran the policy's command");
    }
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("problem  policy"), "{}", stdout(&out));
    assert!(!marker.exists());
}

#[test]
fn a_remote_argument_is_never_read_as_an_option() {
    let repo = Repo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    let marker = repo.join("pwned");
    let hostile = format!("--upload-pack=touch {}", marker.display());
    for cmd in ["fetch", "push"] {
        let out = repo.run(&["notes", cmd, "--", &hostile]);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a remote name"),
            "{}",
            stderr(&out)
        );
    }
    assert!(!marker.exists());
}

#[test]
fn a_notes_ref_naming_a_branch_is_refused_and_no_branch_moves() {
    let repo = chained_repo();
    let before = repo.git(&["rev-parse", "HEAD"]);
    repo.write(
        ".contextcore-quality.yaml",
        "lineage:\n  notes_ref: refs/heads/main\n",
    );
    // The post-commit hook runs on a commit that skips the pre-commit check.
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-q", "--no-verify", "-m", "policy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("lineage.notes_ref") && stderr(&out).contains("refs/notes/"),
        "{}",
        stderr(&out)
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), before);
    assert_eq!(repo.git(&["rev-parse", "refs/heads/main"]), head);
    assert_eq!(repo.git(&["log", "-1", "--format=%s", "main"]), "policy");
    let out = repo.run(&["hook", "install"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        repo.git(&["config", "notes.displayRef"]),
        "refs/notes/contextcore"
    );
    let fetch = repo.git_output(&["config", "--get-all", "remote.origin.fetch"]);
    assert!(!String::from_utf8_lossy(&fetch.stdout).contains("refs/heads/main"));
}

#[test]
fn doctor_quotes_what_it_prints_and_its_fixes_paste_safely() {
    let repo = chained_repo();
    let _origin = bare_remote(&repo, "origin");
    assert!(repo.run(&["hook", "install"]).status.success());
    // Config an earlier release wrote from a pull request's policy, unchecked.
    let pwn = repo.join("PWN");
    let hostile = format!("refs/heads/x;touch${{IFS}}{}", pwn.display());
    repo.git(&["config", "notes.displayRef", &hostile]);
    repo.git(&[
        "config",
        "notes.rewriteRef",
        &format!("refs/notes/{ESC}[31mred"),
    ]);
    repo.git(&[
        "config",
        "--add",
        "remote.origin.fetch",
        "+refs/heads/main*:refs/contextcore/remotes/origin/main*",
    ]);
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_no_escapes(&text);
    assert!(text.contains("problem  notes refspecs"), "{text}");
    assert!(
        text.contains("problem  git config notes.rewriteRef"),
        "{text}"
    );
    assert!(text.contains("outside refs/notes/"), "{text}");
    // Every fix line pasted into a shell runs only what it says.
    for fix in text.lines().filter_map(|l| l.trim().strip_prefix("fix: ")) {
        if !fix.starts_with("git config") {
            continue;
        }
        let fix = fix.split(", then ").next().unwrap();
        let out = std::process::Command::new("sh")
            .args(["-c", fix])
            .current_dir(repo.path())
            .envs(common::git_env())
            .output()
            .unwrap();
        assert!(out.status.success(), "{fix}: {}", stderr(&out));
    }
    assert!(!pwn.exists(), "a pasted fix ran the value's command");
    assert!(repo.run(&["hook", "install"]).status.success());
    let out = repo.run(&["doctor"]);
    assert!(
        stdout(&out).contains("ok       notes refspecs"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("ok       git config notes.displayRef"),
        "{}",
        stdout(&out)
    );
}

/// The attack of #32 point 4: a pull request's generate record points its output directory at
/// `dashboards/`, where a hand-made dashboard is tracked.
fn repo_with_a_record_aimed_at_a_hand_made_file(policy: Option<&str>) -> Repo {
    let repo = chained_repo();
    repo.write(
        "dashboards/checkout-service-dashboard.json",
        "{\"hand\": \"made\"}\n",
    );
    if let Some(p) = policy {
        repo.write(".contextcore-quality.yaml", p);
    }
    let mut record = common::json(&repo, "generated/run-provenance.json");
    record["config_snapshot"]["output_dir"]["value"] = serde_json::json!("dashboards");
    repo.write(
        "generated/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "the pull request"]);
    edit_manifest(&repo);
    repo
}

#[test]
fn rerun_never_replaces_a_tracked_file_no_record_claims() {
    let repo = repo_with_a_record_aimed_at_a_hand_made_file(None);
    let before = repo.snapshot();
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot replay 1 run(s); nothing was run:\n  generated/run-provenance.json: it names dashboards as its output directory"),
        "{err}"
    );
    assert!(
        !err.contains("\\n"),
        "a real line break, not an escape: {err}"
    );
    assert_eq!(repo.snapshot(), before, "nothing was written");
}

#[test]
fn fix_mode_from_the_pull_requests_policy_never_replaces_it_either() {
    let repo = repo_with_a_record_aimed_at_a_hand_made_file(Some("lineage:\n  mode: fix\n"));
    let out = commit_all(&repo, "edit");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("could not rerun"), "{}", stderr(&out));
    assert_eq!(
        repo.read("dashboards/checkout-service-dashboard.json"),
        "{\"hand\": \"made\"}\n"
    );
}

#[test]
fn a_record_that_leaves_out_an_output_cannot_have_it_replaced() {
    let repo = chained_repo();
    let dashboard = "generated/checkout-service-dashboard.json";
    let mut record = common::json(&repo, "generated/run-provenance.json");
    let outputs = record["outputs"].as_array_mut().unwrap();
    outputs.retain(|o| o["path"] != dashboard);
    repo.write(
        "generated/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
    repo.write(dashboard, "{\"tuned\": \"by hand\"}\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "the pull request"]);
    edit_manifest(&repo);
    let out = repo.run(&["rerun"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!(
            "the replay would replace {dashboard}, which the record does not list among its outputs"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.read(dashboard), "{\"tuned\": \"by hand\"}\n");
}

#[test]
fn reproduce_refuses_a_record_aimed_outside_its_directory() {
    let repo = repo_with_a_record_aimed_at_a_hand_made_file(None);
    let out = repo.run(&["provenance", "verify", "--reproduce", "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("it names dashboards as its output directory"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn hook_install_leaves_a_tracked_hooks_directory_alone() {
    let repo = Repo::new();
    let team_hook = "#!/bin/sh\necho team check\n";
    repo.write(".githooks/pre-commit", team_hook);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "team hooks"]);
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let out = repo.run(&["hook", "install"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(".githooks: git tracks this hooks directory"),
        "{err}"
    );
    assert!(
        err.contains("contextcore hook run pre-commit \"$@\""),
        "{err}"
    );
    assert_eq!(repo.read(".githooks/pre-commit"), team_hook);
    assert!(!repo.join(".githooks/pre-commit.pre-contextcore").exists());
    assert!(!repo.join(".githooks/post-commit").exists());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn two_reruns_in_a_row_keep_both_backups() {
    let repo = chained_repo();
    let dashboard = "generated/checkout-service-dashboard.json";
    let mut edits = Vec::new();
    for n in 1..=2 {
        let edit = format!("{{\"edit\": {n}}}\n");
        repo.write(dashboard, &edit);
        edits.push(edit);
        let out = repo.run(&["rerun"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let backup = repo.join(&format!(".git/contextcore/backups/{dashboard}"));
    let older = repo.join(&format!(".git/contextcore/backups/{dashboard}.~1~"));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), edits[1]);
    assert_eq!(std::fs::read_to_string(&older).unwrap(), edits[0]);
}

#[test]
fn policy_paths_that_leave_the_repository_are_input_errors() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.write(
        ".contextcore-quality.yaml",
        "scan_existing_default:\n  - ../../etc\n",
    );
    let before = repo.snapshot();
    let out = repo.run(&["export"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".contextcore-quality.yaml:2:5: error: scan_existing_default"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
}

/// The honest note of `rev` in `repo`, attached by `notes attach`.
fn honest_note(repo: &Repo, rev: &str) -> String {
    assert!(repo.run(&["notes", "attach", rev]).status.success());
    repo.git(&["notes", "--ref=refs/notes/contextcore", "show", rev])
}

/// A note of `honest` whose record blob id is zeroed: well formed, contradicted by its records.
fn poisoned(honest: &str) -> String {
    let at = honest.find(" @").unwrap() + 2;
    format!("{}000000000000{}\n", &honest[..at], &honest[at + 12..])
}

/// A bare origin, and a teammate's clone that pushed commit `one` (an export) and its honest
/// note there: (origin, its URL, the teammate, the honest note of `one`).
fn origin_with_a_noted_export() -> (Repo, String, Repo, String) {
    let origin = Repo::bare_dir();
    origin.git(&["init", "-q", "--bare", "-b", "main"]);
    let url = origin.path().to_str().unwrap().to_string();
    let mate = Repo::new();
    mate.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(mate.run(&["export"]).status.success());
    commit_all(&mate, "one");
    mate.git(&["remote", "add", "origin", &url]);
    let honest = honest_note(&mate, "HEAD");
    mate.git(&["push", "-q", "origin", "main"]);
    assert!(mate.run(&["notes", "push", "origin"]).status.success());
    (origin, url, mate, honest)
}

#[test]
fn an_honest_note_outlives_a_poisoned_one_from_a_second_remote() {
    // A teammate exports and pushes commit one with its note.
    let (origin, url, mate, _) = origin_with_a_noted_export();
    // The developer clones now.
    let dev = Repo::bare_dir();
    dev.git(&["clone", "-q", &url, "."]);
    assert!(dev.run(&["notes", "fetch", "origin"]).status.success());
    // The teammate pushes commit two and its honest note.
    edit_manifest(&mate);
    assert!(mate.run(&["export"]).status.success());
    commit_all(&mate, "two");
    let two = mate.git(&["rev-parse", "HEAD"]);
    let honest = honest_note(&mate, &two);
    mate.git(&["push", "-q", "origin", "main"]);
    assert!(mate.run(&["notes", "push", "origin"]).status.success());
    // An attacker's fork carries a well-formed note on two that its records contradict.
    let fork = Repo::bare_dir();
    fork.git(&["init", "-q", "--bare", "-b", "main"]);
    let attacker = Repo::bare_dir();
    attacker.git(&["clone", "-q", &url, "."]);
    assert!(attacker.run(&["notes", "fetch", "origin"]).status.success());
    attacker.set_note(&two, &poisoned(&honest));
    attacker.git(&[
        "push",
        "-q",
        fork.path().to_str().unwrap(),
        "refs/notes/contextcore",
    ]);
    // The developer fetches the fork's notes before commit two arrives: merged as text.
    dev.git(&["remote", "add", "fork", fork.path().to_str().unwrap()]);
    let out = dev.run(&["notes", "fetch", "fork"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let origin_note = || origin.git(&["notes", "--ref=refs/notes/contextcore", "show", &two]);
    // Pushing a note on a commit this clone cannot check is refused.
    let out = dev.run(&["notes", "push", "origin"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot be checked"),
        "{}",
        stderr(&out)
    );
    assert_eq!(origin_note(), honest);
    // Commit two arrives; the next exchange with origin keeps the honest note.
    dev.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    let out = dev.run(&["notes", "push", "origin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("replaced by the note its records give"),
        "{}",
        stderr(&out)
    );
    assert_eq!(origin_note(), honest);
    assert_eq!(
        dev.git(&["notes", "--ref=refs/notes/contextcore", "show", &two]),
        honest
    );
    let out = dev.run(&["provenance", "show", &two]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn notes_fetch_replaces_a_poisoned_local_note_once_its_commit_is_here() {
    let (_origin, url, mate, honest) = origin_with_a_noted_export();
    let one = mate.git(&["rev-parse", "HEAD"]);
    let dev = Repo::bare_dir();
    dev.git(&["clone", "-q", &url, "."]);
    dev.set_note(&one, &poisoned(&honest));
    let out = dev.run(&["notes", "fetch", "origin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("replaced"), "{}", stderr(&out));
    assert_eq!(
        dev.git(&["notes", "--ref=refs/notes/contextcore", "show", &one]),
        honest
    );
}
