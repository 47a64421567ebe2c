//! `manifest init` and `manifest validate`, through the real binary in temp git repositories.

mod common;

use common::{Repo, json, stderr, stdout};

fn git_hash_object(repo: &Repo, rel: &str) -> String {
    repo.git(&["hash-object", rel])
}

fn sha256sum(repo: &Repo, rel: &str) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(repo.join(rel))
        .output()
        .unwrap();
    stdout(&out).split_whitespace().next().unwrap().to_string()
}

#[test]
fn init_writes_manifest_and_record_with_matching_digests() {
    let repo = Repo::new();
    let out = repo.run(&["manifest", "init", "--name", "demo-svc"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("init-run-provenance.json"),
        "summary names the record"
    );

    let record = json(&repo, "init-run-provenance.json");
    assert_eq!(record["schema"], "contextcore.io/run-provenance/v1");
    assert_eq!(record["workflow_or_command"], "manifest init");
    let output = &record["outputs"][0];
    assert_eq!(output["path"], ".contextcore.yaml");
    assert_eq!(output["sha256"], sha256sum(&repo, ".contextcore.yaml"));
    assert_eq!(
        output["git_blob"],
        git_hash_object(&repo, ".contextcore.yaml")
    );
    assert_eq!(output["action"], "created");
    assert!(record["completed_at"].as_str().unwrap() >= record["started_at"].as_str().unwrap());
    assert_eq!(record["config_snapshot"]["name"]["value"], "demo-svc");
    assert_eq!(
        record["config_snapshot"]["template_version"]["source"],
        "default"
    );

    let text = repo.read("init-run-provenance.json");
    let root = repo.path().canonicalize().unwrap();
    assert!(!text.contains(root.to_str().unwrap()), "no absolute path");
    assert!(!text.contains("\"/"), "no absolute path at all");
    if let Ok(user) = std::env::var("USER") {
        assert!(!text.contains(&format!("\"{user}\"")), "no user name");
    }
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    if host.trim().len() > 3 {
        assert!(!text.contains(host.trim()), "no host name");
    }
}

#[test]
fn second_init_needs_force_and_force_keeps_a_backup() {
    let repo = Repo::new();
    assert!(
        repo.run(&["manifest", "init", "--name", "demo-svc"])
            .status
            .success()
    );
    repo.write(
        ".contextcore.yaml",
        &repo
            .read(".contextcore.yaml")
            .replace("criticality: medium", "criticality: high"),
    );
    let edited = repo.read(".contextcore.yaml");

    let out = repo.run(&["manifest", "init", "--name", "demo-svc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        repo.read(".contextcore.yaml"),
        edited,
        "untouched without --force"
    );

    let out = repo.run(&["manifest", "init", "--name", "demo-svc", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        repo.read(".contextcore.yaml")
            .contains("criticality: medium")
    );
    let backup = repo.read(".git/contextcore/backups/.contextcore.yaml");
    assert_eq!(backup, edited, "the replaced content is the backup");
    let record = json(&repo, "init-run-provenance.json");
    assert_eq!(record["outputs"][0]["action"], "updated");
    assert_eq!(
        record["outputs"][0]["backup"],
        ".git/contextcore/backups/.contextcore.yaml"
    );
}

#[test]
fn init_outside_a_repository_backs_up_beside() {
    let dir = Repo::bare_dir();
    assert!(
        dir.run(&["manifest", "init", "--name", "x"])
            .status
            .success()
    );
    dir.write(".contextcore.yaml", "old\n");
    assert!(
        dir.run(&["manifest", "init", "--name", "x", "--force"])
            .status
            .success()
    );
    assert_eq!(dir.read(".contextcore.yaml.bak"), "old\n");
}

#[test]
fn init_refuses_unsafe_names_and_writes_nothing() {
    for bad in ["", "../x", "a/b", "a b"] {
        let repo = Repo::new();
        let out = repo.run(&["manifest", "init", "--name", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(repo.snapshot().is_empty(), "nothing written for {bad:?}");
    }
}

#[test]
fn validate_accepts_what_init_wrote() {
    let repo = Repo::new();
    assert!(
        repo.run(&["manifest", "init", "--name", "demo-svc"])
            .status
            .success()
    );
    let out = repo.run(&["manifest", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn validate_reports_each_problem_with_line_and_column() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "bad-indent.yaml",
            "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: x\n spec: {}\n",
            "bad-indent.yaml:5:",
        ),
        (
            "wrong-types.yaml",
            "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: x\nspec:\n  targets: 3\n  requirements:\n    availability: lots\n",
            "wrong-types.yaml:6:12: error: spec.targets: expected a list",
        ),
        (
            "duplicate.yaml",
            "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: x\n  name: y\nspec: {}\n",
            "duplicate.yaml:5:",
        ),
        ("empty.yaml", "", "empty.yaml:1:1:"),
        (
            "kind.yaml",
            "apiVersion: contextcore.io/v9\nkind: Thing\nmetadata:\n  name: x\nspec: {}\n",
            "kind.yaml:1:13: error: apiVersion",
        ),
    ];
    let repo = Repo::new();
    for (name, text, expected) in cases {
        repo.write(name, text);
        let out = repo.run(&["manifest", "validate", "-p", name]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{name}: expected {expected:?} in\n{}",
            stderr(&out)
        );
    }
    // wrong-types reports both problems, each on its own line.
    let out = repo.run(&["manifest", "validate", "-p", "wrong-types.yaml"]);
    assert!(
        stderr(&out).contains("wrong-types.yaml:8:19: error: spec.requirements.availability"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn validate_warns_on_unknown_keys_and_json_format_is_machine_readable() {
    let repo = Repo::new();
    repo.write(".contextcore.yaml", "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: x\n  colour: red\nspec:\n  project: {id: x}\n  targets: [{kind: Deployment, name: x}]\n");
    let out = repo.run(&["manifest", "validate"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains(".contextcore.yaml:5:3: warning: metadata.colour: unknown key"));
    let out = repo.run(&["manifest", "validate", "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    let out = repo.run(&["manifest", "validate", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["diagnostics"][0]["line"], 5);
}

#[test]
fn syntax_errors_are_reported_once_with_position() {
    let repo = Repo::new();
    repo.write("bad.yaml", "a: [1,\n");
    let out = repo.run(&["manifest", "validate", "-p", "bad.yaml"]);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("bad.yaml:") && !err.contains("error: error:") && !err.contains(" line "),
        "{err}"
    );
}
