//! Manifest validation is at least as strict as the earlier implementation's v1alpha2 model.
//! `tests/corpus/validation/` holds manifests it accepts (`valid/`), manifests it rejects
//! (`invalid/`) and manifests it accepts that we reject on purpose (`stricter/`, see
//! docs/DECISIONS.md). The earlier tool's verdict on each file was checked by hand when the
//! corpus was written, and for `invalid/diff-*` (one mistake in each manifest of the
//! differential corpus) by `tests/differential/make_invalid.py`, which keeps a variant only
//! when the earlier tool refuses it; CI runs only our binary. Each refused file says on its second line
//! where the one error is: `# expect: LINE:COL KEY`.

mod common;

use std::path::{Path, PathBuf};

use common::{Repo, stderr};

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/validation")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Copies `file` into `repo` and runs `manifest validate` on it: (name, exit code, stderr).
fn validate(repo: &Repo, file: &Path) -> (String, Option<i32>, String) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::copy(file, repo.join(&name)).unwrap();
    let out = repo.run(&["manifest", "validate", "-p", &name]);
    (name, out.status.code(), stderr(&out))
}

/// The `LINE:COL KEY` of a refused file's `# expect:` line.
fn expected(file: &Path) -> (String, String) {
    let text = std::fs::read_to_string(file).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("# expect: "))
        .unwrap_or_else(|| panic!("{}: no '# expect:' line", file.display()));
    let (at, key) = line.split_once(' ').unwrap();
    (at.to_string(), key.to_string())
}

fn refuses_each_at_its_key(kind: &str, minimum: usize) {
    let files = corpus(kind);
    assert!(files.len() >= minimum, "{kind}: {} files", files.len());
    let repo = Repo::bare_dir();
    for file in files {
        let (name, code, err) = validate(&repo, &file);
        assert_eq!(code, Some(2), "{name} must be refused with exit 2:\n{err}");
        let (at, key) = expected(&file);
        let errors: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
        let wanted = format!("{name}:{at}: error: {key}");
        assert!(
            errors.len() == 1 && errors[0].starts_with(&wanted),
            "{name}: expected one error starting {wanted:?}, got:\n{err}"
        );
    }
}

#[test]
fn manifests_the_earlier_model_accepts_are_valid() {
    let files = corpus("valid");
    assert!(files.len() >= 15);
    let repo = Repo::bare_dir();
    for file in files {
        let (name, code, err) = validate(&repo, &file);
        assert_eq!(code, Some(0), "{name} must be valid:\n{err}");
        // The one advisory warning (what `generate` will need) is not about validity.
        let warnings = err
            .lines()
            .filter(|l| l.contains("warning") && !l.contains("`generate` needs"))
            .count();
        assert_eq!(warnings, 0, "{name} warns:\n{err}");
    }
}

#[test]
fn manifests_the_earlier_model_rejects_are_refused_at_the_offending_key() {
    refuses_each_at_its_key("invalid", 110);
}

#[test]
fn deliberately_stricter_rules_refuse_at_the_offending_key() {
    refuses_each_at_its_key("stricter", 10);
}

#[test]
fn enum_errors_list_the_allowed_values() {
    let repo = Repo::bare_dir();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/validation/invalid");
    let cases = [
        (
            "risk-type-dependency.yaml",
            "'dependency' is not one of security, compliance, data-integrity, availability, financial, reputational",
        ),
        (
            "business-value-priceless.yaml",
            "'priceless' is not one of revenue-primary, revenue-secondary, cost-reduction, compliance, enabler, internal",
        ),
        (
            "tactic-status-started.yaml",
            "'started' is not one of planned, in_progress, blocked, in_review, done, cancelled",
        ),
    ];
    for (name, message) in cases {
        let (_, code, err) = validate(&repo, &dir.join(name));
        assert_eq!(code, Some(2));
        assert!(err.contains(message), "{name}:\n{err}");
    }
}

#[test]
fn export_refuses_what_validate_refuses_and_writes_nothing() {
    let repo = Repo::new();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/validation/invalid/risk-type-dependency.yaml");
    std::fs::copy(file, repo.join(".contextcore.yaml")).unwrap();
    let out = repo.run(&["manifest", "export"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".contextcore.yaml:14:13: error: spec.risks[0].type"),
        "{}",
        stderr(&out)
    );
    assert!(!repo.join("out").exists());
}
