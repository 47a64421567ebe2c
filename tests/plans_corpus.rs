//! `manifest init-from-plan` scored against plans written the way engineers write them.
//!
//! Each directory of `tests/plans-corpus/` holds `plan.md`, optionally `requirements.md`, and
//! `truth.json`: the facts a careful reader takes from the documents (name, owner,
//! criticality, availability, p99 latency, throughput, risks). The real binary runs on each;
//! every fact is one point, every risk inferred that the truth does not list costs one. The
//! test prints the score and every miss, and fails below 95%. Whatever the score, a table
//! header is never a risk and every inferred field has evidence.

mod common;

use std::path::{Path, PathBuf};

use common::{Repo, json, stderr};
use serde_json::Value;

const PASS_PERCENT: f64 = 95.0;
const REPORT: &str = ".contextcore.init-from-plan-report.json";

/// The scalar facts: truth key and where the manifest keeps it.
const FACTS: &[(&str, &[&str])] = &[
    ("name", &["metadata", "name"]),
    ("owner", &["spec", "business", "owner"]),
    ("criticality", &["spec", "business", "criticality"]),
    ("availability", &["spec", "requirements", "availability"]),
    ("latencyP99", &["spec", "requirements", "latencyP99"]),
    ("throughput", &["spec", "requirements", "throughput"]),
];

#[derive(Default)]
struct Score {
    hits: usize,
    total: usize,
    misses: Vec<String>,
}

impl Score {
    fn fact(&mut self, ok: bool, miss: impl FnOnce() -> String) {
        self.total += 1;
        if ok {
            self.hits += 1;
        } else {
            self.misses.push(miss());
        }
    }
    fn percent(&self) -> f64 {
        100.0 * self.hits as f64 / self.total.max(1) as f64
    }
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans-corpus");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn at<'a>(doc: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(doc, |v, k| &v[*k])
}

fn normal(text: &str) -> String {
    text.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Header cells of every table in the case's documents (the line above a `|---|` line).
fn header_cells(case: &Path) -> Vec<String> {
    let mut cells = Vec::new();
    for name in ["plan.md", "requirements.md"] {
        let text = std::fs::read_to_string(case.join(name)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            let separator = pair[1].contains("---")
                && pair[1].chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
            if separator {
                cells.extend(pair[0].split('|').map(normal).filter(|c| !c.is_empty()));
            }
        }
    }
    cells
}

/// Runs init-from-plan on one case; returns the manifest and the report.
fn infer(case: &Path) -> (Value, Value) {
    let repo = Repo::new();
    let mut args = vec!["manifest", "init-from-plan", "--plan", "plan.md"];
    args.push("--no-strict-quality");
    for name in ["plan.md", "requirements.md"] {
        if let Ok(text) = std::fs::read_to_string(case.join(name)) {
            repo.write(name, &text);
            if name == "requirements.md" {
                args.extend(["--requirements", "requirements.md"]);
            }
        }
    }
    let out = repo.run(&args);
    assert!(out.status.success(), "{}: {}", case.display(), stderr(&out));
    let manifest: Value = serde_saphyr::from_str(&repo.read(".contextcore.yaml")).unwrap();
    (manifest, json(&repo, REPORT))
}

/// Scores one case into `score`, naming the case in each miss.
fn score_case(case: &str, truth: &Value, manifest: &Value, report: &Value, score: &mut Score) {
    for (key, path) in FACTS {
        let want = &truth[*key];
        let got = at(manifest, path);
        let got = if got.is_null() && *key == "name" {
            at(manifest, &["spec", "project", "id"])
        } else {
            got
        };
        score.fact(want == got, || {
            format!("{case}: {key}: want {want}, got {got}")
        });
    }
    let inferred: Vec<&Value> = manifest["spec"]["risks"]
        .as_array()
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let mut matched = vec![false; inferred.len()];
    for risk in truth["risks"].as_array().unwrap() {
        let want = normal(risk["description"].as_str().unwrap());
        let found = inferred
            .iter()
            .position(|r| normal(r["description"].as_str().unwrap_or("")).contains(&want));
        score.fact(found.is_some(), || {
            format!("{case}: risk not found: {want}")
        });
        let Some(i) = found else { continue };
        matched[i] = true;
        if let Some(m) = risk["mitigation"].as_str() {
            let got = inferred[i]["mitigation"].as_str().unwrap_or("");
            score.fact(normal(got).contains(&normal(m)), || {
                format!("{case}: risk '{want}': mitigation want '{m}', got '{got}'")
            });
        }
    }
    for (r, _) in inferred.iter().zip(&matched).filter(|(_, m)| !**m) {
        score.fact(false, || {
            format!("{case}: spurious risk: {}", r["description"])
        });
    }
    for i in report["inferences"].as_array().unwrap() {
        let s = &i["source"];
        assert!(
            s["file"].as_str().is_some_and(|f| !f.is_empty())
                && s["line_start"].as_u64().is_some_and(|l| l > 0)
                && s["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{case}: {} has no evidence: {i}",
            i["field_path"]
        );
    }
}

#[test]
fn inference_gets_at_least_95_percent_of_the_corpus_facts_right() {
    let cases = corpus();
    assert!(cases.len() >= 20, "the corpus has {} plans", cases.len());
    let mut score = Score::default();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("truth.json")).unwrap())
                .unwrap();
        let (manifest, report) = infer(case);
        let headers = header_cells(case);
        for risk in manifest["spec"]["risks"].as_array().into_iter().flatten() {
            let description = normal(risk["description"].as_str().unwrap_or(""));
            assert!(
                !headers.contains(&description),
                "{name}: a table header became a risk: {risk}"
            );
        }
        score_case(&name, &truth, &manifest, &report, &mut score);
    }
    println!(
        "plans corpus: {} of {} facts ({:.1}%) over {} plans",
        score.hits,
        score.total,
        score.percent(),
        cases.len()
    );
    for miss in &score.misses {
        println!("  miss: {miss}");
    }
    assert!(
        score.percent() >= PASS_PERCENT,
        "score {:.1}% is below {PASS_PERCENT}%; misses:\n{}",
        score.percent(),
        score.misses.join("\n")
    );
}
