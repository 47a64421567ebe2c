//! The script the GitHub action and the GitLab template run, against scratch repositories:
//! an honest pull request passes, one with a `--no-verify` hand edit fails, and both leave a
//! report whose first line lets the job update one sticky comment.

mod common;

use common::{Repo, path_with_binary, stderr};

fn check(repo: &Repo, base: &str) -> (Option<i32>, String) {
    check_part(repo, base, "")
}

/// The script as one part of a matrix (`CONTEXTCORE_SHARD`, with reproduction); an empty
/// shard is the whole range.
fn check_part(repo: &Repo, base: &str, shard: &str) -> (Option<i32>, String) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/lineage-check.sh");
    let _ = std::fs::remove_dir_all(repo.join("report"));
    let out = std::process::Command::new("bash")
        .arg(script)
        .args([base, "HEAD", "report"])
        .current_dir(repo.path())
        .envs(common::git_env())
        .env("PATH", path_with_binary())
        .env("CONTEXTCORE_SHARD", shard)
        .env(
            "CONTEXTCORE_REPRODUCE",
            if shard.is_empty() { "" } else { "1" },
        )
        .output()
        .unwrap();
    assert!(
        !stderr(&out).contains("command not found"),
        "{}",
        stderr(&out)
    );
    let report = std::fs::read_to_string(repo.join("report/lineage.md")).unwrap_or_default();
    (out.status.code(), report)
}

fn pull_request() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["hook", "install"]).status.success());
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "base"]);
    repo.git(&["branch", "base"]);
    repo
}

#[test]
fn an_honest_pull_request_passes_with_a_sticky_report() {
    let repo = pull_request();
    let text = common::with_availability(&repo.read(".contextcore.yaml"), "99.9");
    repo.write(".contextcore.yaml", &text);
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "tighten"]);
    let (code, report) = check(&repo, "base");
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.starts_with("<!-- contextcore-lineage -->\n"),
        "{report}"
    );
}

#[test]
fn a_no_verify_hand_edit_fails_the_job() {
    let repo = pull_request();
    let path = "out/checkout-service-projectcontext.yaml";
    repo.write(path, &(repo.read(path) + "# edited\n"));
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "sneaky", "--no-verify"]);
    let (code, report) = check(&repo, "base");
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.starts_with("<!-- contextcore-lineage -->\n"),
        "{report}"
    );
    assert!(
        report.contains("checkout-service-projectcontext.yaml"),
        "{report}"
    );
}

#[test]
fn a_matrix_fails_where_the_hand_edit_is_and_part_one_writes_the_report() {
    let repo = pull_request();
    let path = "out/checkout-service-projectcontext.yaml";
    repo.write(path, &(repo.read(path) + "# edited\n"));
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "sneaky", "--no-verify"]);
    repo.write("notes.txt", "later\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "later", "--no-verify"]);
    let (first, report) = check_part(&repo, "base", "1/2");
    assert!(
        report.starts_with("<!-- contextcore-lineage -->\n"),
        "{report}"
    );
    let (second, report) = check_part(&repo, "base", "2/2");
    assert_eq!(report, "", "only part 1 writes the report");
    // The hand-edited commit is the first of two: part 1's; the later commit carries the
    // edit on, so part 2 fails too. Together they fail as the whole range does.
    assert_eq!((first, second), (Some(1), Some(1)));
}
