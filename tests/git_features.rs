//! Lineage in every repository layout git supports (#21): each test sets up one git feature
//! with the real `git`, checks contextcore's verdict, and where it can, that bare git agrees.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{Repo, git_env, path_with_binary, stderr, stdout};

const PROJECT_CONTEXT: &str = "out/checkout-service-projectcontext.yaml";
const ARTIFACT_MANIFEST: &str = "out/checkout-service-artifact-manifest.yaml";

/// A repo with hooks installed and a first exported commit.
fn exported_repo() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export"]).status.success());
    let out = commit(&repo, "export");
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

fn commit(repo: &Repo, message: &str) -> Output {
    repo.git(&["add", "-A"]);
    repo.git_output(&["commit", "-qm", message])
}

fn hand_edit(repo: &Repo, rel: &str) {
    repo.write(rel, &(repo.read(rel) + "# edited by hand\n"));
}

/// Runs a program in `dir` with the tests' git environment and extra variables.
fn run_in(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let program = if program == "contextcore" {
        assert_cmd::cargo::cargo_bin("contextcore")
    } else {
        program.into()
    };
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(git_env())
        .env("PATH", path_with_binary())
        .env_remove("CI")
        .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
        .output()
        .unwrap()
}

fn set_mtime(file: &Path, t: std::time::SystemTime) {
    let f = std::fs::File::options().write(true).open(file).unwrap();
    f.set_modified(t).unwrap();
}

fn status_counts(repo: &Repo) -> serde_json::Value {
    let out = repo.run(&["provenance", "status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["counts"].clone()
}

#[test]
fn non_utf8_directory_names_do_not_stop_verify_range() {
    use std::os::unix::ffi::OsStrExt;
    let repo = exported_repo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    // Sorts before `out/`: a walk that stops there never reaches the outputs.
    let odd = repo.path().join(std::ffi::OsStr::from_bytes(b"a\xff"));
    std::fs::create_dir(&odd).unwrap();
    std::fs::write(odd.join("f.txt"), "x\n").unwrap();
    hand_edit(&repo, PROJECT_CONTEXT);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "sneaky"]);
    let out = repo.run(&["provenance", "verify", "--range", &format!("{base}..HEAD")]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("{PROJECT_CONTEXT}: modified after run")),
        "{}",
        stdout(&out)
    );
    // git agrees the output differs from what the record's commit held.
    assert!(!repo.git(&["diff", "--name-only", &base, "HEAD"]).is_empty());
}

/// A repo with hooks installed, a manifest named `caf\xe9.yaml` and its export in `out\xff`,
/// both committed through the hook.
#[cfg(unix)]
fn non_utf8_repo() -> Repo {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    assert!(repo.run(&["hook", "install"]).status.success());
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    let out = repo
        .cc()
        .args(["manifest", "init", "--name", "x", "-p"])
        .arg(name)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo
        .cc()
        .args(["manifest", "export", "-p"])
        .arg(name)
        .arg("-o")
        .arg(std::ffi::OsStr::from_bytes(b"out\xff"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = commit(&repo, "non-UTF-8 names");
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

#[cfg(unix)]
fn append_to(repo: &Repo, bytes: &[u8]) {
    use std::os::unix::ffi::OsStrExt;
    let file = repo.path().join(std::ffi::OsStr::from_bytes(bytes));
    let mut content = std::fs::read(&file).unwrap();
    content.extend_from_slice(b"# edited by hand\n");
    std::fs::write(&file, content).unwrap();
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_recorded_as_git_quotes_them_and_check_fresh() {
    let repo = non_utf8_repo();
    // Every path the records hold is one git lists, in git's quoted form.
    let listed = repo.git(&["-c", "core.quotePath=true", "ls-files"]);
    let listed: Vec<&str> = listed.lines().collect();
    let record = {
        use std::os::unix::ffi::OsStrExt;
        let file = std::ffi::OsStr::from_bytes(b"out\xff/run-provenance.json");
        let bytes = std::fs::read(repo.path().join(file)).unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
    };
    let recorded: Vec<&str> = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(record["outputs"].as_array().unwrap())
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(recorded.contains(&r#""caf\351.yaml""#), "{recorded:?}");
    assert!(
        recorded.contains(&r#""out\377/x-projectcontext.yaml""#),
        "{recorded:?}"
    );
    for path in &recorded {
        assert!(listed.contains(path), "{path} not in {listed:?}");
    }
    let counts = status_counts(&repo);
    assert!(counts["fresh"].as_u64().unwrap() >= 6, "{counts}");
    for verdict in ["stale", "modified", "missing", "unowned", "tampered"] {
        assert_eq!(counts[verdict], 0, "{verdict}: {counts}");
    }
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains(": ok ("), "{}", stdout(&out));
    // Replay reads the input and writes the outputs under their exact names.
    let out = repo.run(&["provenance", "verify", "--reproduce"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(r#"reproduced: "out\377/run-provenance.json" (manifest export"#),
        "{}",
        stdout(&out)
    );
}

#[cfg(unix)]
#[test]
fn hand_edits_of_non_utf8_named_files_are_caught_by_the_hook() {
    let repo = non_utf8_repo();
    append_to(&repo, b"out\xff/x-projectcontext.yaml");
    let out = commit(&repo, "hand edit of an output");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(r#""out\377/x-projectcontext.yaml": modified after run"#),
        "{}",
        stderr(&out)
    );
    // The restore hint names the bytes: pasted into a shell, it restores the file.
    assert!(
        stderr(&out).contains(r"-- $':(top)out\377/x-projectcontext.yaml'"),
        "{}",
        stderr(&out)
    );
    repo.git(&[
        "restore",
        "--source=HEAD",
        "--staged",
        "--worktree",
        "--",
        ".",
    ]);
    append_to(&repo, b"caf\xe9.yaml");
    let out = commit(&repo, "hand edit of the input");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(r#""caf\351.yaml": stale"#),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(r"contextcore manifest export -p $'caf\351.yaml' -o $'out\377'"),
        "{}",
        stderr(&out)
    );
    // `rerun` regenerates from the edited input; the commit then passes.
    let out = repo.run(&["rerun"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = commit(&repo, "input edited, outputs regenerated");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn verify_range_checks_outputs_with_non_utf8_names() {
    let repo = non_utf8_repo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    append_to(&repo, b"out\xff/x-projectcontext.yaml");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "sneaky"]);
    let out = repo.run(&["provenance", "verify", "--range", &format!("{base}..HEAD")]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(r#""out\377/x-projectcontext.yaml": modified after run"#),
        "{}",
        stdout(&out)
    );
    // git agrees, and names the file the same way.
    assert_eq!(
        repo.git(&[
            "-c",
            "core.quotePath=true",
            "diff",
            "--name-only",
            &base,
            "HEAD"
        ]),
        r#""out\377/x-projectcontext.yaml""#
    );
}

#[test]
fn a_commit_without_run_records_says_nothing_was_checked() {
    let repo = Repo::new();
    repo.write("README.md", "hi\n");
    assert!(commit(&repo, "docs").status.success());
    let out = repo.run(&["provenance", "verify", "HEAD"]);
    assert!(
        stdout(&out).contains("nothing checked (no run record)"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("ok ("), "{}", stdout(&out));
}

#[test]
fn split_index_commits_are_checked_not_refused() {
    let repo = exported_repo();
    repo.git(&["update-index", "--split-index"]);
    repo.write("README.md", "hello\n");
    let out = commit(&repo, "docs");
    assert!(out.status.success(), "{}", stderr(&out));
    hand_edit(&repo, PROJECT_CONTEXT);
    let out = commit(&repo, "hand edit");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{PROJECT_CONTEXT}: modified after run")),
        "{}",
        stderr(&out)
    );
    let out = repo.run(&["provenance", "verify", "--staged"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(status_counts(&repo)["modified"], 1);
    // git still reads the index and sees the staged edit.
    assert!(repo.git(&["ls-files", "-s"]).contains(PROJECT_CONTEXT));
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        PROJECT_CONTEXT
    );
    // `commit -a` checks a temporary index, split as well.
    repo.git(&["reset", "-q"]);
    let out = repo.git_output(&["commit", "-qam", "hand edit, -a"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("modified after run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sparse_index_commits_are_checked_not_refused() {
    let repo = exported_repo();
    repo.write("docs/guide.md", "guide\n");
    assert!(commit(&repo, "docs").status.success());
    repo.git(&["sparse-checkout", "set", "--cone", "--sparse-index", "out"]);
    assert!(
        !repo.join("docs/guide.md").exists(),
        "docs/ left the checkout"
    );
    repo.write("README.md", "hello\n");
    let out = commit(&repo, "readme");
    assert!(out.status.success(), "{}", stderr(&out));
    hand_edit(&repo, PROJECT_CONTEXT);
    let out = commit(&repo, "hand edit");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("modified after run"),
        "{}",
        stderr(&out)
    );
    let c = status_counts(&repo);
    assert_eq!(c["modified"], 1, "{c}");
    assert_eq!(c["missing"], 0, "{c}");
}

#[test]
fn autocrlf_inputs_are_fresh_and_touch_changes_nothing() {
    let repo = Repo::new();
    repo.git(&["config", "core.autocrlf", "true"]);
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap();
    repo.write(".contextcore.yaml", &manifest.replace('\n', "\r\n"));
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export"]).status.success());
    let out = commit(&repo, "export with CRLF manifest");
    assert!(out.status.success(), "{}", stderr(&out));
    let record = common::json(&repo, "out/run-provenance.json");
    assert_eq!(
        record["inputs"][0]["git_blob"],
        repo.git(&["rev-parse", "HEAD:.contextcore.yaml"]),
        "the recorded blob is the one git stored (normalized)"
    );
    // A touch: stat data changes, content does not.
    set_mtime(
        &repo.join(".contextcore.yaml"),
        std::time::SystemTime::now() + std::time::Duration::from_secs(5),
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let c = status_counts(&repo);
    assert_eq!(
        (c["stale"].as_u64(), c["modified"].as_u64()),
        (Some(0), Some(0)),
        "{c}"
    );
    assert!(
        repo.run(&["provenance", "verify", "--staged"])
            .status
            .success()
    );
}

#[test]
fn gitattributes_text_eol_inputs_are_fresh() {
    let repo = Repo::new();
    repo.write(".gitattributes", "*.yaml text eol=lf\n");
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap();
    repo.write(".contextcore.yaml", &manifest.replace('\n', "\r\n"));
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export"]).status.success());
    let out = commit(&repo, "export");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        common::json(&repo, "out/run-provenance.json")["inputs"][0]["git_blob"],
        repo.git(&["rev-parse", ":.contextcore.yaml"])
    );
}

#[test]
fn linked_worktree_hooks_go_where_git_runs_them() {
    let repo = exported_repo();
    let outer = tempfile::tempdir().unwrap();
    let wt = outer.path().join("linked");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap()]);
    let out = run_in(&wt, "contextcore", &["hook", "install", "--force"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hooks = run_in(
        &wt,
        "git",
        &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
        &[],
    );
    let hooks = stdout(&hooks).trim().to_string();
    assert!(
        std::fs::read_to_string(Path::new(&hooks).join("pre-commit"))
            .unwrap()
            .contains("contextcore"),
        "hook in {hooks}"
    );
    assert!(stdout(&out).contains(&hooks), "{}", stdout(&out));
    let rel = wt.join(PROJECT_CONTEXT);
    std::fs::write(&rel, std::fs::read_to_string(&rel).unwrap() + "# edit\n").unwrap();
    run_in(&wt, "git", &["add", "-A"], &[]);
    let out = run_in(&wt, "git", &["commit", "-qm", "edit in worktree"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("modified after run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn git_dir_and_git_work_tree_decide_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, store) = (tmp.path().join("work"), tmp.path().join("store.git"));
    std::fs::create_dir(&work).unwrap();
    assert!(
        run_in(&work, "git", &["init", "-q", "-b", "main"], &[])
            .status
            .success()
    );
    std::fs::rename(work.join(".git"), &store).unwrap();
    let env = [
        ("GIT_DIR", store.as_path()),
        ("GIT_WORK_TREE", work.as_path()),
    ];
    std::fs::copy(
        common::fixture("checkout.contextcore.yaml"),
        work.join(".contextcore.yaml"),
    )
    .unwrap();
    let cc = |args: &[&str]| run_in(&work, "contextcore", args, &env);
    let git = |args: &[&str]| run_in(&work, "git", args, &env);
    assert!(cc(&["hook", "install"]).status.success());
    assert!(store.join("hooks/pre-commit").is_file());
    assert!(cc(&["export"]).status.success());
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("out/run-provenance.json")).unwrap())
            .unwrap();
    assert_eq!(record["inputs"][0]["path"], ".contextcore.yaml");
    assert_eq!(record["outputs"][0]["path"], PROJECT_CONTEXT);
    git(&["add", "-A"]);
    let out = git(&["commit", "-qm", "export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = work.join(PROJECT_CONTEXT);
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap() + "# edit\n").unwrap();
    git(&["add", "-A"]);
    let out = git(&["commit", "-qm", "edit"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("modified after run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn git_common_dir_decides_where_hooks_go() {
    let repo = exported_repo();
    let outer = tempfile::tempdir().unwrap();
    let wt = outer.path().join("linked");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap()]);
    let common = repo.join(".git");
    let git_dir = common.join("worktrees/linked");
    let env = [
        ("GIT_DIR", git_dir.as_path()),
        ("GIT_COMMON_DIR", common.as_path()),
        ("GIT_WORK_TREE", wt.as_path()),
    ];
    let out = run_in(&wt, "contextcore", &["hook", "install", "--force"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let hooks = run_in(&wt, "git", &["rev-parse", "--git-path", "hooks"], &env);
    let hooks = std::fs::canonicalize(stdout(&hooks).trim()).unwrap();
    assert_eq!(hooks, std::fs::canonicalize(common.join("hooks")).unwrap());
    assert!(
        stdout(&out).contains(&hooks.join("pre-commit").display().to_string()),
        "{}",
        stdout(&out)
    );
    assert!(!git_dir.join("hooks/pre-commit").exists());
}

#[test]
fn amend_that_drops_a_run_drops_the_copied_note() {
    let repo = exported_repo();
    let old = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["rm", "-rq", "out"]);
    repo.git(&["commit", "-q", "--amend", "-m", "no export after all"]);
    let notes = ["notes", "--ref=refs/notes/contextcore", "show", "HEAD"];
    assert!(
        !repo.git_output(&notes).status.success(),
        "post-rewrite removed the copy"
    );
    let out = repo.run(&["provenance", "verify", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A note copied by hand (as git does without our hooks) is replaced by `notes attach`.
    repo.git(&[
        "notes",
        "--ref=refs/notes/contextcore",
        "copy",
        "-f",
        &old,
        "HEAD",
    ]);
    assert_eq!(
        repo.run(&["provenance", "verify", "HEAD"]).status.code(),
        Some(1)
    );
    assert!(repo.run(&["notes", "attach"]).status.success());
    assert!(!repo.git_output(&notes).status.success());
    assert_eq!(
        repo.run(&["provenance", "verify", "HEAD"]).status.code(),
        Some(0)
    );
}

#[test]
fn an_input_is_fingerprinted_from_the_bytes_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.yaml");
    std::fs::write(&file, "a: 1\n").unwrap();
    let text = contextcore::source::read_text(&file, "input.yaml").unwrap();
    // Changed between the parse and the fingerprint.
    std::fs::write(&file, "a: 2\n").unwrap();
    let fp = contextcore::fingerprint::Fingerprint::of_file(&file, "input.yaml").unwrap();
    let parsed = contextcore::fingerprint::Digests::of_bytes(text.as_bytes());
    assert_eq!(fp.git_blob.as_deref(), Some(parsed.git_blob.as_str()));
}

#[test]
fn generate_into_the_export_directory_keeps_both_run_records() {
    let repo = exported_repo();
    let out = repo.run(&["generate", "-c", PROJECT_CONTEXT, "-o", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        common::json(&repo, "out/run-provenance.json")["workflow_or_command"],
        "manifest export"
    );
    assert_eq!(
        common::json(&repo, "out/generate-run-provenance.json")["workflow_or_command"],
        "generate"
    );
    assert!(commit(&repo, "generate").status.success());
    // A rerun finds its own record again: nothing changes.
    assert!(
        repo.run(&["generate", "-c", PROJECT_CONTEXT, "-o", "out"])
            .status
            .success()
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    hand_edit(&repo, ARTIFACT_MANIFEST);
    let out = commit(&repo, "hand edit");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{ARTIFACT_MANIFEST}: modified after run")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn intent_to_add_entries_are_not_staged_content() {
    let repo = exported_repo();
    repo.write(
        ".contextcore-quality.yaml",
        "lineage:\n  tracked_outputs: [\"out/**\"]\n",
    );
    assert!(commit(&repo, "policy").status.success());
    repo.write("out/extra.yaml", "x: 1\n");
    repo.write("gen/run-provenance.json", "{}\n");
    repo.git(&["add", "-N", "out/extra.yaml", "gen/run-provenance.json"]);
    repo.write("README.md", "hello\n");
    repo.git(&["add", "README.md"]);
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "README.md");
    let out = repo.git_output(&["commit", "-qm", "docs"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn sparse_checkout_outputs_are_not_stale_or_missing() {
    let repo = exported_repo();
    repo.write("keep/readme.md", "keep\n");
    assert!(commit(&repo, "keep").status.success());
    repo.git(&["sparse-checkout", "set", "--cone", "keep"]);
    assert!(
        !repo.join(PROJECT_CONTEXT).exists(),
        "out/ left the checkout"
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let c = status_counts(&repo);
    assert_eq!(c["missing"], 0, "{c}");
    assert_eq!(c["stale"], 0, "{c}");
    assert!(c["fresh"].as_u64().unwrap() > 0, "{c}");
}

#[test]
fn same_size_edit_with_restored_mtime_is_modified_like_git_status() {
    let repo = exported_repo();
    let file = repo.join(PROJECT_CONTEXT);
    // An mtime well before the index's, refreshed into the index: the entry is not racy, so
    // its stat data alone would call the file unchanged.
    let mtime = std::time::SystemTime::now() - std::time::Duration::from_secs(100);
    set_mtime(&file, mtime);
    repo.git(&["update-index", "--refresh"]);
    // git compares whole seconds of ctime: let the edit's ctime fall in a later one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let text = repo.read(PROJECT_CONTEXT);
    let edited = text.replacen("checkout", "checkouT", 1);
    assert_eq!(edited.len(), text.len());
    std::fs::write(&file, edited).unwrap();
    set_mtime(&file, mtime);
    assert!(
        repo.git(&["status", "--porcelain"])
            .contains(PROJECT_CONTEXT)
    );
    let c = status_counts(&repo);
    assert_eq!(c["modified"], 1, "{c}");
}

#[test]
fn an_input_outside_the_repository_cannot_be_checked_rather_than_stale() {
    let repo = Repo::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = elsewhere.path().join("service.contextcore.yaml");
    std::fs::copy(common::fixture("checkout.contextcore.yaml"), &manifest).unwrap();
    let out = repo.run(&["export", "-p", manifest.to_str().unwrap(), "-o", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo.git(&["add", "-A"]);
    let c = status_counts(&repo);
    assert_eq!(c["stale"], 0, "{c}");
    assert_eq!(c["unchecked"], 1, "{c}");
    let text = stdout(&repo.run(&["provenance", "status"]));
    assert!(text.contains("cannot be checked"), "{text}");
}

#[test]
fn output_directories_inside_the_git_directory_are_refused() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    let out = repo.run(&["export", "-o", ".git/refs/tags"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("git directory"), "{}", stderr(&out));
    assert!(
        std::fs::read_dir(repo.join(".git/refs/tags"))
            .unwrap()
            .next()
            .is_none()
    );
    assert!(repo.git_output(&["fsck", "--no-progress"]).status.success());
}

#[test]
fn partial_clone_missing_objects_say_what_to_do() {
    let origin = exported_repo();
    origin.git(&["config", "uploadpack.allowFilter", "true"]);
    let base = origin.git(&["rev-parse", "HEAD"]);
    origin.write(
        ".contextcore.yaml",
        &common::with_availability(&origin.read(".contextcore.yaml"), "99.9"),
    );
    assert!(origin.run(&["export"]).status.success());
    assert!(commit(&origin, "rerun").status.success());
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let clone = tmp.path().join("clone");
    let out = run_in(
        tmp.path(),
        "git",
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            &url,
            clone.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The first commit's record blob was never fetched.
    let out = run_in(&clone, "contextcore", &["provenance", "verify", &base], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not present locally"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("git "), "{}", stderr(&out));
}

#[test]
fn rerun_hints_are_shell_quoted() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export", "-o", "my out"]).status.success());
    assert!(commit(&repo, "export").status.success());
    hand_edit(&repo, "my out/checkout-service-projectcontext.yaml");
    let out = commit(&repo, "edit");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("-o 'my out'"), "{}", stderr(&out));
}

/// A clean filter driver on the outputs (as LFS is): git stores what the filter makes of a
/// file, so the record's blob ids come from git; the hook lets the export through, catches a
/// hand edit, and verify and --reproduce agree; a record whose sha256 no longer describes
/// what the blob checks out as is still tampered.
#[test]
fn outputs_under_a_clean_filter_are_recorded_as_git_stores_them() {
    let repo = Repo::new();
    // A filter git can undo (as LFS or git-crypt): each line reversed on the way in and out.
    repo.git(&["config", "filter.rev.clean", "rev"]);
    repo.git(&["config", "filter.rev.smudge", "rev"]);
    repo.write(".gitattributes", "out/*.yaml filter=rev\n");
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "export"]);
    assert!(out.status.success(), "the export commits: {}", stderr(&out));
    let record = common::json(&repo, "out/run-provenance.json");
    let context = record["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["path"] == "out/checkout-service-projectcontext.yaml")
        .unwrap();
    assert_eq!(
        context["git_blob"],
        repo.git(&["rev-parse", "HEAD:out/checkout-service-projectcontext.yaml"]),
        "the blob id is the filtered content's"
    );
    let out = repo.run(&["provenance", "verify", "--reproduce", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = repo.run(&["provenance", "status"]);
    assert!(stdout(&out).contains(" 0 modified"), "{}", stdout(&out));

    let path = "out/checkout-service-projectcontext.yaml";
    repo.write(path, &(repo.read(path) + "# hand edit\n"));
    let out = repo.run(&["provenance", "status"]);
    assert!(stdout(&out).contains("1 modified"), "{}", stdout(&out));
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "hand edit"]);
    assert!(!out.status.success(), "the hand edit is refused");
    assert!(
        stderr(&out).contains("modified after run"),
        "{}",
        stderr(&out)
    );
}

/// `git.dirty` in a record is never a clean tree the run did not see: with a split index
/// (which libgit2 cannot read) a changed tracked file still makes it true.
#[test]
fn a_record_says_dirty_under_a_split_index() {
    let repo = Repo::new();
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.write("notes.txt", "a\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "base"]);
    repo.git(&["update-index", "--split-index"]);
    assert!(repo.run(&["export"]).status.success());
    assert_eq!(
        common::json(&repo, "out/run-provenance.json")["git"]["dirty"],
        false,
        "nothing tracked changed"
    );
    repo.write("notes.txt", "a\nb\n");
    assert!(repo.run(&["export", "--force-record"]).status.success());
    assert_eq!(
        common::json(&repo, "out/run-provenance.json")["git"]["dirty"],
        true
    );
}

/// The tree check holds a record's sha256 to what the blob checks out as. An attributes file
/// (committed or not) naming `ident` or an encoding for the path cannot silence it: a hand edit
/// whose record got the new blob id but kept the old sha256 stays tampered.
#[test]
fn an_attributes_file_does_not_silence_the_digest_check() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    let path = "out/checkout-service-projectcontext.yaml";
    repo.write(path, &(repo.read(path) + "# hand edit\n"));
    let edited = repo.git(&["hash-object", path]);
    let mut record = common::json(&repo, "out/run-provenance.json");
    for o in record["outputs"].as_array_mut().unwrap() {
        if o["path"] == path {
            o["git_blob"] = edited.clone().into();
        }
    }
    repo.write(
        "out/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "forged"]);
    let tampered = |repo: &Repo| {
        let out = repo.run(&["provenance", "verify", "HEAD"]);
        out.status.code() == Some(1) && stdout(&out).contains("tampered")
    };
    assert!(tampered(&repo), "the forged record is caught");
    for attributes in [
        "out/*.yaml ident\n",
        "out/*.yaml working-tree-encoding=UTF-16\n",
    ] {
        repo.write(".gitattributes", attributes);
        assert!(tampered(&repo), "{attributes}: still caught");
    }
}

/// A filter declared in the repository's `info/attributes` applies in a linked worktree too
/// (they share the common directory): an export there commits through the hook.
#[test]
fn a_filter_in_info_attributes_applies_in_a_linked_worktree() {
    let repo = Repo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "root"]);
    repo.git(&["config", "filter.rev.clean", "rev"]);
    repo.git(&["config", "filter.rev.smudge", "rev"]);
    std::fs::create_dir_all(repo.join(".git/info")).unwrap();
    std::fs::write(repo.join(".git/info/attributes"), "out/*.yaml filter=rev\n").unwrap();
    let outer = tempfile::tempdir().unwrap();
    let wt = outer.path().join("linked");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap()]);
    std::fs::copy(
        common::fixture("checkout.contextcore.yaml"),
        wt.join(".contextcore.yaml"),
    )
    .unwrap();
    let out = run_in(&wt, "contextcore", &["hook", "install", "--force"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(&wt, "contextcore", &["export"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    run_in(&wt, "git", &["add", "-A"], &[]);
    let out = run_in(&wt, "git", &["commit", "-qm", "export in worktree"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// An output replaced by text shaped like a git-lfs pointer naming the recorded sha256 is
/// still tampered: a pointer counts only for a path git-lfs tracks, and only when exact.
#[test]
fn a_blob_shaped_like_an_lfs_pointer_does_not_pass_for_the_content() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    let path = "out/checkout-service-projectcontext.yaml";
    let mut record = common::json(&repo, "out/run-provenance.json");
    let output = record["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o["path"] == path)
        .unwrap();
    let sha256 = record["outputs"][output]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let size = record["outputs"][output]["size"].as_u64().unwrap();
    for pointer in [
        format!("version https://git-lfs.github.com/spec/v1\nEVIL\noid sha256:{sha256}\nsize 1\n"),
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n"),
    ] {
        repo.write(path, &pointer);
        record["outputs"][output]["git_blob"] = repo.git(&["hash-object", path]).into();
        repo.write(
            "out/run-provenance.json",
            &serde_json::to_string_pretty(&record).unwrap(),
        );
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "--no-verify", "-m", "pointer"]);
        let out = repo.run(&["provenance", "verify", "HEAD"]);
        assert_eq!(out.status.code(), Some(1), "{pointer}: {}", stdout(&out));
        assert!(stdout(&out).contains("tampered"), "{}", stdout(&out));
    }
}
