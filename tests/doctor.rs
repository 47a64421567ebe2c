//! `contextcore doctor` in real clones: healthy after `hook install`, and each broken piece
//! named with its fix.

mod common;

use common::{Repo, stderr, stdout};

fn set_up() -> Repo {
    let repo = Repo::new();
    let out = repo.run(&["hook", "install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

#[test]
fn a_clone_set_up_by_hook_install_is_healthy() {
    let repo = set_up();
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("this clone is set up for lineage"));
    let out = repo.run(&["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], true);
}

#[test]
fn hook_install_prints_repository_relative_paths() {
    let repo = Repo::new();
    let out = repo.run(&["hook", "install"]);
    assert!(
        stdout(&out).contains("  installed    .git/hooks/pre-commit\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_deleted_hook_is_a_problem_with_its_fix() {
    let repo = set_up();
    std::fs::remove_file(repo.join(".git/hooks/post-commit")).unwrap();
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("problem  hook post-commit: .git/hooks/post-commit: missing"),
        "{text}"
    );
    assert!(text.contains("fix: contextcore hook install"), "{text}");
}

#[test]
fn a_hook_calling_a_vanished_binary_is_a_problem() {
    let repo = set_up();
    let hook = repo.join(".git/hooks/pre-commit");
    let script = std::fs::read_to_string(&hook).unwrap();
    let patched: String = script
        .lines()
        .map(|l| {
            if l.starts_with("cc=") {
                "cc='/nonexistent/contextcore'".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&hook, patched + "\n").unwrap();
    // PATH without contextcore.
    let out = repo
        .cc()
        .args(["doctor"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("calls /nonexistent/contextcore, which does not exist"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn notes_configuration_and_remote_refspecs_are_checked() {
    let repo = set_up();
    repo.git(&["config", "--unset", "notes.rewriteRef"]);
    repo.git(&["remote", "add", "origin", "https://example.invalid/x.git"]);
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("notes.rewriteRef is not set"), "{text}");
    assert!(
        text.contains("fix: git config --add remote.origin.fetch '+refs/notes/contextcore*:refs/contextcore/remotes/origin/contextcore*'"),
        "{text}"
    );
    // hook install repairs both.
    assert!(repo.run(&["hook", "install"]).status.success());
    assert_eq!(repo.run(&["doctor"]).status.code(), Some(0));
}

#[test]
fn git_fetch_still_works_after_hook_install_when_the_remote_has_no_notes() {
    let remote = Repo::bare_dir();
    remote.git(&["init", "-q", "--bare", "."]);
    let repo = Repo::new();
    repo.write("README", "x\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "x"]);
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "HEAD:main"]);
    assert!(repo.run(&["hook", "install"]).status.success());
    let out = repo.git_output(&["fetch", "origin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(repo.run(&["doctor"]).status.code(), Some(0));
}

#[test]
fn a_missing_or_forged_note_on_head_is_a_problem_with_its_fix() {
    let repo = set_up();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("ok       note on HEAD: 1 run(s), each what its record says"),
        "{}",
        stdout(&out)
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    let fix = format!("fix: contextcore notes attach {}", &head[..12]);

    repo.git(&["notes", "--ref=refs/notes/contextcore", "remove", "HEAD"]);
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("HEAD adds 1 run record(s) and has no note"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains(&fix), "{}", stdout(&out));

    assert!(repo.run(&["notes", "attach"]).status.success());
    let note = repo.git(&["notes", "--ref=refs/notes/contextcore", "show", "HEAD"]);
    repo.set_note(
        "HEAD",
        &note.replacen("manifest export run", "generate run", 1),
    );
    let out = repo.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("[note-text]"), "{}", stdout(&out));
    assert!(stdout(&out).contains(&fix), "{}", stdout(&out));
}
