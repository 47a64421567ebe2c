//! The claims cache (`.git/contextcore/claims`) in real repositories with several exported
//! services: the hook refuses what it refused without the cache, whether the cache is warm,
//! deleted, corrupted, lying under a bad checksum, or from another version, and a changed
//! record is parsed again under its new blob id.

mod common;

use common::{Repo, stderr, stdout};
use sha2::{Digest, Sha256};

const SERVICES: usize = 4;
const CACHE: &str = ".git/contextcore/claims";

/// Services `svc-0`… each exported into its own `out/`, hooks installed, committed: the
/// commit's hook run leaves a warm cache.
fn monorepo() -> Repo {
    let repo = Repo::new();
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap();
    assert!(repo.run(&["hook", "install"]).status.success());
    for i in 0..SERVICES {
        let dir = format!("svc-{i}");
        repo.write(
            &format!("{dir}/.contextcore.yaml"),
            &manifest.replacen("checkout-service", &dir, 1),
        );
        let out = repo
            .cc()
            .current_dir(repo.join(&dir))
            .arg("export")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    repo.write("README.md", "monorepo\n");
    let out = commit(&repo, "export every service");
    assert!(out.status.success(), "{}", stderr(&out));
    // A second commit touching nothing lineage knows: the cache is what the fast path read.
    repo.write("README.md", "monorepo, twice\n");
    let out = commit(&repo, "unrelated");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.join(CACHE).exists(), "the hook wrote the cache");
    repo
}

fn commit(repo: &Repo, message: &str) -> std::process::Output {
    repo.git(&["add", "-A"]);
    repo.git_output(&["commit", "-qm", message])
}

fn hand_edit(repo: &Repo) {
    let path = "svc-2/out/svc-2-projectcontext.yaml";
    repo.write(path, &(repo.read(path) + "# edited\n"));
}

fn assert_hand_edit_refused(repo: &Repo) {
    hand_edit(repo);
    let out = commit(repo, "hand edit");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("svc-2/out/svc-2-projectcontext.yaml: modified after run"),
        "{err}"
    );
    // The record with the problem was parsed in full: its rerun command is exact.
    assert!(
        err.contains("rerun: contextcore manifest export -p svc-2/.contextcore.yaml -o svc-2/out"),
        "{err}"
    );
    assert_eq!(err.matches("modified after run").count(), 1, "{err}");
}

fn cache_text(repo: &Repo) -> String {
    std::fs::read_to_string(repo.join(CACHE)).unwrap()
}

/// Rewrites the cache body with `edit` and seals it with a correct checksum.
fn forge(repo: &Repo, edit: impl Fn(&str) -> String) {
    let text = cache_text(repo);
    let body = edit(&text[..text.rfind("sha256\t").unwrap()]);
    let digest: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(repo.join(CACHE), format!("{body}sha256\t{digest}\n")).unwrap();
}

#[test]
fn warm_cache_holds_every_record_by_blob_id() {
    let repo = monorepo();
    let text = cache_text(&repo);
    for i in 0..SERVICES {
        let id = repo.git(&[
            "rev-parse",
            &format!("HEAD:svc-{i}/out/run-provenance.json"),
        ]);
        assert!(text.contains(&format!("r\t{id}\t")), "svc-{i} cached");
    }
}

#[test]
fn hand_edited_output_is_refused_with_a_warm_cache() {
    assert_hand_edit_refused(&monorepo());
}

#[test]
fn stale_input_is_refused_with_a_warm_cache() {
    let repo = monorepo();
    let path = "svc-1/.contextcore.yaml";
    repo.write(path, &common::with_availability(&repo.read(path), "99.9"));
    let out = commit(&repo, "edit one manifest only");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("svc-1/.contextcore.yaml: stale"), "{err}");
    assert!(
        err.contains("rerun: contextcore manifest export -p svc-1/.contextcore.yaml -o svc-1/out"),
        "{err}"
    );
}

#[test]
fn unowned_tracked_output_is_refused_with_a_warm_cache() {
    let repo = monorepo();
    repo.write(
        ".contextcore-quality.yaml",
        "lineage:\n  tracked_outputs: [\"*/out/**\"]\n",
    );
    let out = commit(&repo, "track outputs");
    assert!(
        out.status.success(),
        "claimed outputs are owned: {}",
        stderr(&out)
    );
    repo.write("svc-3/out/hand-made.yaml", "kind: Dashboard\n");
    let out = commit(&repo, "a hand-made output");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("svc-3/out/hand-made.yaml: unowned"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deleted_cache_is_rebuilt() {
    let repo = monorepo();
    std::fs::remove_file(repo.join(CACHE)).unwrap();
    assert_hand_edit_refused(&repo);
    assert!(
        cache_text(&repo).starts_with("contextcore-claims 5 "),
        "rebuilt"
    );
}

#[test]
fn cache_of_garbage_bytes_is_rebuilt_not_trusted() {
    let repo = monorepo();
    std::fs::write(
        repo.join(CACHE),
        [0xde, 0xad, 0xbe, 0xef, 0x00, b'\n', 0xff],
    )
    .unwrap();
    assert_hand_edit_refused(&repo);
    assert!(
        cache_text(&repo).starts_with("contextcore-claims 5 "),
        "rebuilt"
    );
}

#[test]
fn cache_that_lies_under_a_wrong_checksum_is_not_trusted() {
    let repo = monorepo();
    hand_edit(&repo);
    repo.git(&["add", "-A"]);
    let old = repo.git(&["rev-parse", "HEAD:svc-2/out/svc-2-projectcontext.yaml"]);
    let new = repo.git(&["rev-parse", ":svc-2/out/svc-2-projectcontext.yaml"]);
    // The cache now claims the edited blob is the recorded one, but its checksum is stale.
    let text = cache_text(&repo).replace(&old, &new);
    std::fs::write(repo.join(CACHE), text).unwrap();
    let out = repo.git_output(&["commit", "-qm", "hand edit"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("modified after run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cache_from_another_version_is_not_trusted() {
    let repo = monorepo();
    hand_edit(&repo);
    repo.git(&["add", "-A"]);
    let old = repo.git(&["rev-parse", "HEAD:svc-2/out/svc-2-projectcontext.yaml"]);
    let new = repo.git(&["rev-parse", ":svc-2/out/svc-2-projectcontext.yaml"]);
    // Well sealed, but written by another version (whose parser may read records otherwise).
    forge(&repo, |body| {
        let (header, rest) = body.split_once('\n').unwrap();
        let other = header.rsplit_once(' ').unwrap().0.to_string() + " 0.0.0-other";
        format!("{other}\n{}", rest.replace(&old, &new))
    });
    let out = repo.git_output(&["commit", "-qm", "hand edit"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        cache_text(&repo).contains(env!("CARGO_PKG_VERSION")),
        "rewritten"
    );
}

#[test]
fn changed_record_is_read_under_its_new_blob_id() {
    let repo = monorepo();
    let before = repo.git(&["rev-parse", "HEAD:svc-0/out/run-provenance.json"]);
    let path = "svc-0/.contextcore.yaml";
    repo.write(path, &common::with_availability(&repo.read(path), "99.9"));
    let out = repo
        .cc()
        .current_dir(repo.join("svc-0"))
        .arg("export")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = commit(&repo, "edit and rerun svc-0");
    assert!(
        out.status.success(),
        "regenerated outputs pass: {}",
        stderr(&out)
    );
    let after = repo.git(&["rev-parse", "HEAD:svc-0/out/run-provenance.json"]);
    assert_ne!(before, after);
    assert!(cache_text(&repo).contains(&format!("r\t{after}\t")));
    // The new claims are the ones checked: an edit of the regenerated output is refused.
    let out_path = "svc-0/out/svc-0-projectcontext.yaml";
    repo.write(out_path, &(repo.read(out_path) + "# edited\n"));
    let out = commit(&repo, "hand edit of the new output");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn broken_record_is_tampered_every_time_and_never_cached() {
    let repo = monorepo();
    repo.write("svc-1/out/run-provenance.json", "{ not json");
    for _ in 0..2 {
        let out = repo.run(&["provenance", "status", "--json"]);
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(s["counts"]["tampered"], 1, "{}", stdout(&out));
    }
    for _ in 0..2 {
        let out = commit(&repo, "broken record");
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("svc-1/out/run-provenance.json: tampered"));
    }
}

#[test]
fn status_with_a_warm_cache_reports_worktree_edits() {
    let repo = monorepo();
    let out = repo.run(&["provenance", "status", "--json"]);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        s["counts"]["fresh"],
        6 * SERVICES as u64,
        "{}",
        stdout(&out)
    );
    hand_edit(&repo);
    std::fs::remove_file(repo.join(CACHE)).unwrap();
    let out = repo.run(&["provenance", "status"]);
    assert!(
        stdout(&out).contains("svc-2/out/svc-2-projectcontext.yaml: modified after run"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("-p svc-2/.contextcore.yaml -o svc-2/out"),
        "full parse for the rerun command: {}",
        stdout(&out)
    );
}

#[test]
fn verify_range_with_a_warm_cache_catches_a_no_verify_commit() {
    let repo = monorepo();
    hand_edit(&repo);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "sneaked in", "--no-verify"]);
    let out = repo.run(&["provenance", "verify", "--range", "HEAD~2..HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("svc-2/out/svc-2-projectcontext.yaml: modified after run"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_fast_path_reads_the_sealed_cache_not_the_records() {
    // Why the seal and the version matter: with both right, the cache's word is taken (this
    // forged cache hides a hand edit), so anything less than an exact read-back is discarded.
    let repo = monorepo();
    hand_edit(&repo);
    repo.git(&["add", "-A"]);
    let old = repo.git(&["rev-parse", "HEAD:svc-2/out/svc-2-projectcontext.yaml"]);
    let new = repo.git(&["rev-parse", ":svc-2/out/svc-2-projectcontext.yaml"]);
    forge(&repo, |body| body.replace(&old, &new));
    let out = repo.git_output(&["commit", "-qm", "hidden by a forged cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
