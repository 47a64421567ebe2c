//! A rerun of `export` that changes nothing is recognised from the run record before anything
//! is derived (issue #29), and everything that can change a byte still leads to a full run:
//! an edited output, a forged record, another document time, another option, another input.

mod common;

use common::{Repo, json, stderr, stdout};

fn exported() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo.write("observability/checkout-api-dashboard.json", "{}\n");
    let out = repo.run(&["export", "--scan-existing", "observability"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

fn export(repo: &Repo) -> String {
    let out = repo.run(&["export", "--scan-existing", "observability"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn run_id(repo: &Repo) -> String {
    json(repo, "out/run-provenance.json")["run_id"]
        .as_str()
        .unwrap()
        .to_string()
}

const MANIFEST: &str = "out/checkout-service-artifact-manifest.yaml";

#[test]
fn nothing_changed_keeps_every_file_and_the_record() {
    let repo = exported();
    let before = repo.snapshot();
    let id = run_id(&repo);
    let text = export(&repo);
    assert!(
        text.contains(&format!("unchanged, record {id} still holds")),
        "{text}"
    );
    assert_eq!(text.matches("unchanged ").count(), 5, "{text}");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_hand_edited_output_is_derived_again() {
    let repo = exported();
    let good = repo.read(MANIFEST);
    repo.write(MANIFEST, &format!("{good}# hand edit\n"));
    let text = export(&repo);
    assert!(text.contains("updated"), "{text}");
    assert!(
        !repo.read(MANIFEST).contains("# hand edit"),
        "derived again"
    );
}

#[test]
fn a_record_forged_to_match_an_edited_output_is_not_trusted() {
    // As a pull request could bring: the output edited and the record's digests made to match.
    let repo = exported();
    common::forge(&repo, "out/run-provenance.json", MANIFEST, |text| {
        format!("{text}# hand edit\n")
    });
    export(&repo);
    assert!(
        !repo.read(MANIFEST).contains("# hand edit"),
        "derived again, not kept"
    );
}

#[test]
fn another_document_time_is_a_change() {
    let repo = exported();
    let out = repo
        .cc()
        .args(["export", "--scan-existing", "observability"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.read(MANIFEST).contains("2023-11-14T22:13:20.000Z"));
    // The same time again is a no-op; dropping it keeps the documents' time (deterministic).
    let id = run_id(&repo);
    let text = export(&repo);
    assert!(text.contains(&format!("record {id} still holds")), "{text}");
}

#[test]
fn another_option_or_input_is_a_change() {
    let repo = exported();
    let id = run_id(&repo);
    let out = repo.run(&[
        "export",
        "--scan-existing",
        "observability",
        "--min-coverage",
        "10",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(run_id(&repo), id, "a new option, a new record");
    let id = run_id(&repo);
    repo.write(
        "observability/checkout-api-servicemonitor.yaml",
        "kind: ServiceMonitor\n",
    );
    let out = repo.run(&[
        "export",
        "--scan-existing",
        "observability",
        "--min-coverage",
        "10",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(run_id(&repo), id, "a new scanned file, a new record");
    assert!(
        repo.read(MANIFEST)
            .contains("observability/checkout-api-servicemonitor.yaml")
    );
}

#[test]
fn a_checked_out_record_gets_one_full_run_then_the_shortcut() {
    // A clone has the committed record but not this machine's memory of deriving it.
    let repo = exported();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    std::fs::remove_dir_all(repo.join(".git/contextcore/derived")).unwrap();
    let id = run_id(&repo);
    let text = export(&repo);
    assert!(text.contains(&format!("record {id} still holds")), "{text}");
    assert!(repo.join(".git/contextcore/derived").is_dir());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}
