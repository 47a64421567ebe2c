//! Repositories that name objects by SHA-256 (`git init --object-format=sha256`, #30): every
//! command works, records hold git's own 64-hex ids, notes are readable by git, and nothing
//! lands in the work tree that git would commit.

mod common;

use common::{Repo, stderr, stdout};

const CONTEXT: &str = "out/demo-svc-projectcontext.yaml";

fn sha256_repo() -> Repo {
    let repo = Repo::bare_dir();
    repo.git(&["init", "-q", "--object-format=sha256", "-b", "main"]);
    for args in [
        &["manifest", "init", "--name", "demo-svc"][..],
        &["hook", "install"],
        &["export"],
        &["generate", "-c", CONTEXT],
    ] {
        let out = repo.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    repo
}

#[test]
fn every_command_works_and_records_hold_gits_ids() {
    let repo = sha256_repo();
    let record = common::json(&repo, "out/run-provenance.json");
    let manifest = &record["inputs"][0];
    assert_eq!(
        manifest["git_blob"],
        repo.git(&["hash-object", ".contextcore.yaml"]).as_str(),
        "{manifest}"
    );
    assert_eq!(manifest["git_blob"].as_str().unwrap().len(), 64);
    for o in record["outputs"].as_array().unwrap() {
        let path = o["path"].as_str().unwrap();
        assert_eq!(
            o["git_blob"],
            repo.git(&["hash-object", path]).as_str(),
            "{path}"
        );
    }
    // An honest commit passes the hook and gets a note git reads.
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "first"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(head.len(), 64);
    let note = repo.git(&["notes", "--ref=refs/notes/contextcore", "show", "HEAD"]);
    assert!(
        note.starts_with(&format!("contextcore lineage v3 · {head} · 3 runs")),
        "{note}"
    );
    for args in [
        &["provenance", "verify"][..],
        &["provenance", "verify", "--reproduce", "--strict"],
        &["provenance", "show", "HEAD"],
        &["doctor"],
    ] {
        let out = repo.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    let out = repo.run(&["provenance", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["counts"]["fresh"], 14, "{status}");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "nothing left to commit"
    );
}

#[test]
fn a_hand_edit_is_refused_and_rerun_fixes_it() {
    let repo = sha256_repo();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "first"]);
    repo.write(CONTEXT, &(repo.read(CONTEXT) + "# edited\n"));
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "hand edit"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{CONTEXT}: modified after run")),
        "{}",
        stderr(&out)
    );
    let out = repo.run(&["rerun"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    // Restored byte for byte; the backup went under the git directory, not the work tree.
    repo.git(&["add", "-A"]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert!(
        repo.join(&format!(".git/contextcore/backups/{CONTEXT}"))
            .is_file(),
        "the edit is kept as a backup"
    );
    let out = repo.run(&["provenance", "verify", "--staged"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
