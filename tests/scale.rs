//! At 3,000 targets (21,000 artifacts) an honest export is an ordinary commit (issue #29): its
//! run record stays small (it pointed at 21,000 artifacts and was 5.9 MB, over the 4 MiB a
//! reader accepts, so lineage called it tampered), the hook lets it through with a note, and
//! `verify` says ok. Times are not asserted here; `bench/run` measures them.

mod common;

use common::{Repo, stderr, stdout};

/// The manifest `bench/synth.py manifest N` writes.
fn manifest(targets: usize) -> String {
    let mut text = format!(
        "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: big-{targets}\n\
         spec:\n  project:\n    id: big-{targets}\n    name: Big {targets}\n  business:\n    criticality: high\n\
         \x20 requirements:\n    availability: \"99.9\"\n    latencyP99: \"300ms\"\n  targets:\n"
    );
    for i in 0..targets {
        text.push_str(&format!(
            "    - kind: Deployment\n      name: svc-{i:05}\n      namespace: default\n"
        ));
    }
    text
}

#[test]
fn an_honest_export_of_3000_targets_commits_through_the_hook() {
    let repo = Repo::new();
    assert!(repo.run(&["hook", "install"]).status.success());
    repo.write(".contextcore.yaml", &manifest(3000));
    let out = repo.run(&["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let warning = stderr(&out);
    assert!(
        warning.contains("12000 of 12000 required artifacts missing")
            && warning.contains("and 11995 more"),
        "a message names a few ids and a count: {}",
        &warning[..warning.len().min(600)]
    );
    let record = std::fs::metadata(repo.join("out/run-provenance.json"))
        .unwrap()
        .len();
    assert!(record <= 256 * 1024, "run record is {record} bytes");
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "export 3000 targets"]);
    assert!(
        out.status.success(),
        "the hook refused an honest export: {}",
        stderr(&out)
    );
    let note = repo.git(&["notes", "--ref=contextcore", "show", "HEAD"]);
    assert!(
        note.contains("onboarding-metadata.json"),
        "{}",
        &note[..note.len().min(400)]
    );
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains(": ok ("), "{}", stdout(&out));
    // A rerun with nothing changed is recognised from the record and changes nothing.
    let out = repo.run(&["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("still holds"), "{}", stdout(&out));
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}
