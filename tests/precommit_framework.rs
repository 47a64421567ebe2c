//! The pre-commit framework end to end (https://pre-commit.com, `pip install pre-commit`;
//! `.ci/run` installs it): the snippet `hook install --print-pre-commit-config` prints installs
//! all three hooks; a commit gets its note, an amend keeps it, a hand edit is refused.

mod common;

use common::{Repo, path_with_binary, stderr, stdout};

fn framework(repo: &Repo, args: &[&str]) -> std::process::Output {
    std::process::Command::new("pre-commit")
        .args(args)
        .current_dir(repo.path())
        .envs(common::git_env())
        .env("PATH", path_with_binary())
        .env("PRE_COMMIT_HOME", repo.join(".git/pre-commit-home"))
        .output()
        .expect("pre-commit is needed: `bash .ci/test` installs it into target/test-tools (or `pip install pre-commit`)")
}

fn git(repo: &Repo, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git")
        .args(args)
        .current_dir(repo.path())
        .envs(common::git_env())
        .env("PATH", path_with_binary())
        .output()
        .unwrap()
}

#[test]
fn the_framework_installs_all_three_hooks_and_they_keep_lineage() {
    let repo = Repo::new();
    let snippet = stdout(&repo.run(&["hook", "install", "--print-pre-commit-config"]));
    repo.write(".pre-commit-config.yaml", &snippet);
    let out = framework(&repo, &["install"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    for hook in ["pre-commit", "post-commit", "post-rewrite"] {
        assert!(repo.join(".git/hooks").join(hook).exists(), "{hook}");
    }

    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    assert!(git(&repo, &["add", "-A"]).status.success());
    let out = git(&repo, &["commit", "-qm", "export"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let note = repo.git(&["notes", "--ref=refs/notes/contextcore", "show", "HEAD"]);
    assert!(note.contains("out/run-provenance.json"), "{note}");

    // An amend (no notes.rewriteRef set: the framework alone) keeps the note.
    let out = git(&repo, &["commit", "-q", "--amend", "-m", "export, amended"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = repo.git(&["notes", "--ref=refs/notes/contextcore", "show", "HEAD"]);
    assert!(note.contains("out/run-provenance.json"), "{note}");

    // A hand edit of an output is refused.
    let path = "out/checkout-service-projectcontext.yaml";
    repo.write(path, &(repo.read(path) + "# hand edit\n"));
    assert!(git(&repo, &["add", "-A"]).status.success());
    let out = git(&repo, &["commit", "-qm", "hand edit"]);
    assert!(!out.status.success(), "the hand edit is refused");
    assert!(
        format!("{}{}", stdout(&out), stderr(&out)).contains("modified after run"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}
