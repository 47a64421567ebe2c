//! `provenance verify --range … --reproduce --shard K/N` (issue #29): the N parts together
//! report every commit of the range and replay every distinct run exactly once, and a forgery
//! fails exactly the part that replays it.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Repo, stderr};
use serde_json::Value;

fn commit(repo: &Repo, message: &str) {
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", message, "--no-verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn export(repo: &Repo, dir: &str) {
    let out = repo
        .cc()
        .current_dir(repo.join(dir))
        .arg("export")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Eight commits over two services: exports, re-exports after a change, unrelated commits
/// that carry the same runs on.
fn history() -> Repo {
    let repo = Repo::new();
    repo.write("README.md", "base\n");
    commit(&repo, "base");
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap();
    for (i, (dir, availability)) in [
        ("a", "99.95"),
        ("b", "99.9"),
        ("a", "99.9"),
        ("b", "99.5"),
        ("a", "99.5"),
    ]
    .into_iter()
    .enumerate()
    {
        repo.write(
            &format!("{dir}/.contextcore.yaml"),
            &common::with_availability(&manifest, availability),
        );
        export(&repo, dir);
        commit(&repo, &format!("export {dir} {availability}"));
        if i % 2 == 0 {
            repo.write("notes.txt", &format!("unrelated {i}\n"));
            commit(&repo, "unrelated");
        }
    }
    repo
}

fn base(repo: &Repo) -> String {
    repo.git(&["rev-list", "--max-parents=0", "HEAD"])
}

fn verify(repo: &Repo, shard: Option<&str>) -> (i32, Value) {
    let range = format!("{}..HEAD", base(repo));
    let mut args = vec![
        "provenance",
        "verify",
        "--range",
        &range,
        "--reproduce",
        "--json",
    ];
    if let Some(s) = shard {
        args.extend(["--shard", s]);
    }
    let out = repo.run(&args);
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code().unwrap(), json)
}

/// A run as the test tells runs apart: record path, run id and outcome (a forged record keeps
/// its run id; what tells it apart is its blob, and here its outcome).
type RunId = (String, String, String);

fn run_id(check: &Value) -> RunId {
    let s = |k: &str| check[k].as_str().unwrap().to_string();
    (s("record"), s("run_id"), s("outcome"))
}

/// The distinct runs of an unsharded verify.
fn distinct_runs(report: &Value) -> BTreeSet<RunId> {
    report["checked"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["reproduce"].as_array().unwrap().iter())
        .map(run_id)
        .collect()
}

fn assert_parts_cover(repo: &Repo, n: usize) {
    let (code, whole) = verify(repo, None);
    let commits: Vec<&str> = whole["checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["at"].as_str().unwrap())
        .collect();
    let runs = distinct_runs(&whole);
    let mut seen_commits: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen_runs: BTreeMap<RunId, usize> = BTreeMap::new();
    let mut codes = Vec::new();
    for k in 1..=n {
        let (part_code, part) = verify(repo, Some(&format!("{k}/{n}")));
        codes.push(part_code);
        assert_eq!(part["shard"], format!("{k}/{n}"));
        for c in part["checked"].as_array().unwrap() {
            *seen_commits
                .entry(c["at"].as_str().unwrap().into())
                .or_default() += 1;
            assert_eq!(
                c["reproduce"],
                serde_json::json!([]),
                "runs are reported once, by their part"
            );
        }
        for r in part["runs"].as_array().unwrap() {
            *seen_runs.entry(run_id(&r["reproduce"])).or_default() += 1;
        }
    }
    assert_eq!(
        seen_commits
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        commits.iter().copied().collect::<BTreeSet<_>>(),
        "every commit is reported by some part"
    );
    assert!(
        seen_commits.values().all(|&c| c == 1),
        "and by one only: {seen_commits:?}"
    );
    assert_eq!(
        seen_runs.keys().cloned().collect::<BTreeSet<_>>(),
        runs,
        "every run is replayed"
    );
    assert!(seen_runs.values().all(|&c| c == 1), "once: {seen_runs:?}");
    let failing_parts = codes.iter().filter(|&&c| c != 0).count();
    assert_eq!(
        code != 0,
        failing_parts > 0,
        "the parts fail together as the whole does"
    );
}

#[test]
fn the_parts_cover_a_range_exactly_once() {
    let repo = history();
    for n in [1, 2, 3, 5, 12] {
        assert_parts_cover(&repo, n);
    }
    let (code, _) = verify(&repo, None);
    assert_eq!(code, 0);
}

#[test]
fn a_forgery_fails_the_one_part_that_replays_it() {
    let repo = history();
    // An output edited and its record's digests rewritten to match: plain lineage passes.
    common::forge(
        &repo,
        "b/out/run-provenance.json",
        "b/out/checkout-service-artifact-manifest.yaml",
        |text| format!("{text}# forged\n"),
    );
    commit(&repo, "forged");
    let (code, _) = verify(&repo, None);
    assert_eq!(code, 1);
    let failing: Vec<usize> = (1..=3)
        .filter(|k| verify(&repo, Some(&format!("{k}/3"))).0 != 0)
        .collect();
    assert_eq!(
        failing.len(),
        1,
        "exactly one part replays the forged run: {failing:?}"
    );
    assert_parts_cover(&repo, 3);
}

#[test]
fn a_malformed_shard_is_a_usage_error() {
    let repo = history();
    for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/1001"] {
        let out = repo.run(&["provenance", "verify", "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains("--shard"), "{bad}: {}", stderr(&out));
    }
}
