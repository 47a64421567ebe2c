//! Interoperability: in-toto/SLSA statements, shell completions, the man page.

mod common;

use common::{Repo, stderr, stdout};

fn sha256sum(repo: &Repo, rel: &str) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(repo.join(rel))
        .output()
        .unwrap();
    stdout(&out).split_whitespace().next().unwrap().to_string()
}

fn check_subjects(repo: &Repo, statement: &serde_json::Value) {
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    let subjects = statement["subject"].as_array().unwrap();
    assert!(!subjects.is_empty());
    for s in subjects {
        let name = s["name"].as_str().unwrap();
        assert_eq!(s["digest"]["sha256"], sha256sum(repo, name), "{name}");
        assert_eq!(
            s["digest"]["gitBlob"],
            repo.git(&["hash-object", name]),
            "{name}"
        );
    }
}

#[test]
fn in_toto_statement_of_a_real_export_has_correct_digests() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    let out = repo.run(&[
        "provenance",
        "export",
        "--format",
        "in-toto",
        "out/run-provenance.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let statement: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    check_subjects(&repo, &statement);
    assert_eq!(statement["subject"].as_array().unwrap().len(), 5);
    let p = &statement["predicate"];
    assert_eq!(
        p["buildDefinition"]["externalParameters"]["command"],
        "manifest export"
    );
    let deps = p["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    assert_eq!(deps[0]["name"], ".contextcore.yaml");
    assert_eq!(
        deps[0]["digest"]["sha256"],
        sha256sum(&repo, ".contextcore.yaml")
    );
    let record: serde_json::Value =
        serde_json::from_str(&repo.read("out/run-provenance.json")).unwrap();
    assert_eq!(
        p["runDetails"]["metadata"]["invocationId"],
        record["run_id"]
    );
    assert_eq!(
        p["runDetails"]["metadata"]["startedOn"],
        record["started_at"]
    );

    // From a commit: one statement per record, one per line.
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    assert!(
        repo.run(&["generate", "-c", "out/checkout-service-projectcontext.yaml"])
            .status
            .success()
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "generate"]);
    let out = repo.run(&["provenance", "export", "--format", "in-toto", "HEAD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "generated/ and out/ records");
    for statement in &lines {
        check_subjects(&repo, statement);
    }
}

#[test]
fn completions_are_printed_for_each_shell() {
    let repo = Repo::bare_dir();
    for (shell, marker) in [
        ("bash", "_contextcore()"),
        ("zsh", "#compdef contextcore"),
        ("fish", "complete -c contextcore"),
    ] {
        let out = repo.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(stdout(&out).contains(marker), "{shell}");
    }
}

#[test]
fn the_man_page_renders() {
    let repo = Repo::bare_dir();
    let out = repo.run(&["man"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).starts_with(".ie") || stdout(&out).contains(".TH contextcore"),
        "roff output"
    );
    repo.write("contextcore.1", &stdout(&out));
    let rendered = std::process::Command::new("man")
        .args(["-l", "contextcore.1"])
        .current_dir(repo.path())
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .expect("man is needed: `sudo apt-get install man-db` (`bash .ci/test` run as root installs it)");
    assert!(rendered.status.success(), "{}", stderr(&rendered));
    assert!(
        stdout(&rendered).contains("contextcore - Derive files"),
        "{}",
        stdout(&rendered)
    );
}

#[test]
fn every_subcommand_has_a_man_page_and_git_help_opens_ours() {
    let repo = Repo::new();
    let out = repo.run(&["man", "--out-dir", "man/man1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A second run replaces the pages; their backups never land in the work tree.
    assert!(repo.run(&["man", "--out-dir", "man/man1"]).status.success());
    assert!(
        std::fs::read_dir(repo.join("man/man1")).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".bak"))
    );
    for page in [
        "contextcore.1",
        "contextcore-manifest.1",
        "contextcore-manifest-export.1",
        "contextcore-provenance-verify.1",
        "contextcore-contract-a2a-check-pipeline.1",
        "git-contextcore.1",
    ] {
        let text = repo.read(&format!("man/man1/{page}"));
        assert!(text.contains("EXIT STATUS"), "{page}");
    }
    let help = std::process::Command::new("git")
        .args(["contextcore", "--help"])
        .current_dir(repo.path())
        .env("PATH", common::path_with_binary())
        .env("MANPATH", repo.join("man"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    assert!(help.status.success(), "{}", stderr(&help));
    assert!(
        stdout(&help).contains("git-contextcore"),
        "{}",
        stdout(&help)
    );
}
