//! The malformed-input corpus: every file makes every command that reads it exit 2, name the
//! file, write nothing, and finish quickly — never panic.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Repo, stderr};

/// A hang guard, not a benchmark: debug builds on a loaded 2-core machine are slow; release
/// figures are in docs/RELIABILITY.md.
const LIMIT: Duration = Duration::from_secs(30);

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Runs `args` (with `{}` replaced by the input's name) and checks the promise.
fn refuses(repo: &Repo, name: &str, args: &[&str]) {
    let before = repo.snapshot();
    let args: Vec<String> = args.iter().map(|a| a.replace("{}", name)).collect();
    let started = Instant::now();
    let out = repo.cc().args(&args).output().unwrap();
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: exit {:?}\n{err}",
        out.status.code()
    );
    assert!(
        err.contains(name),
        "{args:?}: message must name {name}:\n{err}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    assert!(took < LIMIT, "{args:?} took {took:?}");
    assert_eq!(before, repo.snapshot(), "{args:?} wrote something");
}

fn with_input(file: &Path) -> (Repo, String) {
    let repo = Repo::new();
    let name = format!("input-{}", file.file_name().unwrap().to_string_lossy());
    std::fs::write(repo.join(&name), std::fs::read(file).unwrap()).unwrap();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.copy_fixture("plans/search-plan.md", "search.md");
    (repo, name)
}

#[test]
fn every_broken_manifest_is_refused_by_validate_and_export() {
    let files = corpus("manifest");
    assert!(files.len() >= 35);
    for file in files {
        let (repo, name) = with_input(&file);
        refuses(&repo, &name, &["manifest", "validate", "-p", "{}"]);
        refuses(&repo, &name, &["manifest", "export", "-p", "{}"]);
    }
}

#[test]
fn every_broken_policy_is_refused() {
    for file in corpus("policy") {
        let (repo, name) = with_input(&file);
        refuses(&repo, &name, &["export", "--policy", "{}"]);
        refuses(
            &repo,
            &name,
            &[
                "manifest", "init", "--name", "x", "-p", "new.yaml", "--policy", "{}",
            ],
        );
    }
}

#[test]
fn every_broken_task_mapping_is_refused() {
    for file in corpus("task-mapping") {
        let (repo, name) = with_input(&file);
        refuses(&repo, &name, &["export", "--task-mapping", "{}"]);
    }
}

#[test]
fn every_broken_project_context_is_refused() {
    for file in corpus("context") {
        let (repo, name) = with_input(&file);
        refuses(&repo, &name, &["generate", "-c", "{}"]);
    }
}

#[test]
fn every_broken_plan_is_refused() {
    for file in corpus("plan") {
        let (repo, name) = with_input(&file);
        refuses(
            &repo,
            &name,
            &[
                "manifest",
                "init-from-plan",
                "--plan",
                "{}",
                "-o",
                "new.yaml",
            ],
        );
        refuses(
            &repo,
            &name,
            &[
                "manifest",
                "init-from-plan",
                "--plan",
                "search.md",
                "--requirements",
                "{}",
                "-o",
                "new.yaml",
            ],
        );
    }
}

#[test]
fn every_broken_run_record_is_refused() {
    for file in corpus("record") {
        let (repo, name) = with_input(&file);
        refuses(&repo, &name, &["provenance", "show", "{}"]);
    }
}

#[test]
fn a_broken_committed_record_is_a_lineage_violation_naming_it() {
    for file in corpus("record") {
        let repo = Repo::new();
        std::fs::create_dir_all(repo.join("out")).unwrap();
        std::fs::write(
            repo.join("out/run-provenance.json"),
            std::fs::read(&file).unwrap(),
        )
        .unwrap();
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-qm", "broken record"]);
        let out = repo.run(&["provenance", "verify"]);
        assert_eq!(out.status.code(), Some(1), "{file:?}");
        let text = common::stdout(&out);
        assert!(
            text.contains("out/run-provenance.json: tampered: out/run-provenance.json:"),
            "{file:?}: {text}"
        );
        // Staging one is refused by the hook in strict mode, and only warned about in warn mode.
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.push(b' ');
        std::fs::write(repo.join("out/run-provenance.json"), bytes).unwrap();
        repo.git(&["add", "-A"]);
        let out = repo.run(&["hook", "run", "pre-commit"]);
        assert_eq!(out.status.code(), Some(1), "{file:?}: {}", stderr(&out));
        repo.write(".contextcore-quality.yaml", "lineage:\n  mode: warn\n");
        let out = repo.run(&["hook", "run", "pre-commit"]);
        assert_eq!(out.status.code(), Some(0), "{file:?}: {}", stderr(&out));
    }
}

#[test]
fn huge_inputs_alias_bombs_and_deep_nesting_are_refused_quickly() {
    let repo = Repo::new();
    // 50 MiB: refused by size before it is read.
    let big = std::fs::File::create(repo.join("big.yaml")).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();
    // Billion laughs.
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", ")));
    }
    repo.write("bomb.yaml", &bomb);
    // 10,000 levels of nesting.
    repo.write(
        "deep.yaml",
        &format!("{}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    );
    repo.write(
        "deep-map.yaml",
        &(0..2000)
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect::<String>(),
    );
    for name in ["big.yaml", "bomb.yaml", "deep.yaml", "deep-map.yaml"] {
        refuses(&repo, name, &["manifest", "validate", "-p", "{}"]);
        refuses(&repo, name, &["export", "-p", "{}"]);
        refuses(
            &repo,
            name,
            &[
                "export",
                "--policy",
                "{}",
                "-p",
                "missing-manifest-is-not-reached.yaml",
            ],
        );
    }
}
