//! The differential corpus (`tests/differential/`): forty manifests as teams write them, each
//! exported by our binary and checked against what the earlier implementation wrote for the
//! same inputs (`expected/<case>.json`, data made by `compare.py --expect` with the earlier
//! tool installed; the earlier tool itself is not needed here):
//!
//! - every key path of every earlier document exists in ours;
//! - every value that differs after normalising the fixed set of `compare.py` (times, run ids,
//!   digests, the case's absolute path) is at a key path `docs/CONTRACT.md` lists, and every
//!   row of that table is still a difference somewhere in the corpus;
//! - every Gate 1 / Gate 2 check the earlier gates passed on the earlier output passes on ours,
//!   judged by our own gates (`contract a2a-*`), also with a task mapping covering every
//!   artifact the earlier export derives.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::Repo;
use regex::Regex;
use serde_json::{Value as Json, json};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

/// Parents whose keys are data (ids, names, paths), not contract: shown as `*` (as in
/// compare.py).
const WILD: &[&str] = &[
    "file_ownership",
    "design_calibration_hints",
    "parameter_resolvability",
    "parameter_resolvability.*",
    "resolved_artifact_parameters",
    "resolved_artifact_parameters.*",
    "artifact_dependency_graph",
    "artifact_task_mapping",
    "service_metadata",
    "instrumentation_hints",
    "coverage.byType",
    "coverage.byTarget",
    "derivation_rules",
    "expected_output_contracts",
    "artifact_types",
    "artifact_types.*.parameter_sources",
    "parameter_sources",
    "parameter_sources.*",
    "example_artifacts",
    "output_path_conventions",
    "parameter_schema",
    "projectContext.links",
    "artifacts[].parameters",
    "semantic_conventions.metrics",
    "semanticConventions.metrics",
    "semantic_conventions.queryTemplates",
    "semanticConventions.queryTemplates",
    "instrumentation_hints.*.metrics",
    "checksums",
    "source_checksums",
    "metadata.links",
    "spec.metadata.links",
    "requirements_hints",
    "task_mapping",
];

/// Fields that name a list item, in the order they are tried.
const IDENTITY: &[&str] = &[
    "id",
    "gate_id",
    "artifact_id",
    "code",
    "name",
    "target",
    "type",
    "path",
];

/// Files that record the run rather than derive from the manifest: key paths only.
const RUN_FILES: &[&str] = &["run-provenance.json", "provenance.json"];

/// One flattened node: its generic path and, for a leaf (or an empty container, or a list of
/// plain values compared as a set), its value.
type Flat = BTreeMap<String, (String, Option<Json>)>;

fn generic(path: &str, key: Option<&str>) -> String {
    match key {
        None => format!("{path}[]"),
        Some(k) => {
            let k = if WILD.contains(&path) { "*" } else { k };
            if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            }
        }
    }
}

fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64() != Some(0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

fn item_key(v: &Json, i: usize) -> String {
    if let Some(o) = v.as_object() {
        for k in IDENTITY {
            if let Some(id) = o.get(*k).and_then(Json::as_str) {
                let extra = [o.get("parameter"), o.get("source")]
                    .into_iter()
                    .flatten()
                    .find(|v| truthy(v))
                    .and_then(Json::as_str)
                    .unwrap_or("");
                return if extra.is_empty() {
                    format!("{k}={id}")
                } else {
                    format!("{k}={id},{extra}")
                };
            }
        }
    }
    i.to_string()
}

/// The text Python's `str()` gives a plain value (the sort key of a set-like list).
fn plain_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

fn walk(value: &Json, gpath: &str, lpath: &str, out: &mut Flat) {
    let child = |k: &str| {
        if lpath.is_empty() {
            k.to_string()
        } else {
            format!("{lpath}.{k}")
        }
    };
    match value {
        Json::Object(o) => {
            let empty = o.is_empty().then(|| json!("{}"));
            out.insert(lpath.into(), (gpath.into(), empty));
            for (k, v) in o {
                walk(v, &generic(gpath, Some(k)), &child(k), out);
            }
        }
        Json::Array(a) => {
            let empty = a.is_empty().then(|| json!("[]"));
            out.insert(lpath.into(), (gpath.into(), empty));
            let item = generic(gpath, None);
            if !a.is_empty()
                && a.iter()
                    .all(|v| v.is_string() || v.is_number() || v.is_boolean())
            {
                let mut set = a.clone();
                set.sort_by_key(plain_text);
                out.insert(lpath.into(), (gpath.into(), Some(Json::Array(set))));
                out.insert(format!("{lpath}[]"), (item, None));
                return;
            }
            for (i, v) in a.iter().enumerate() {
                walk(v, &item, &format!("{lpath}[{}]", item_key(v, i)), out);
            }
        }
        leaf => {
            out.insert(lpath.into(), (gpath.into(), Some(leaf.clone())));
        }
    }
}

struct Normaliser {
    case_dir: String,
    uuid: Regex,
    time: Regex,
    hex: Regex,
}

impl Normaliser {
    fn new(case_dir: &Path) -> Self {
        Self {
            case_dir: case_dir.to_string_lossy().into_owned(),
            uuid: Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                .unwrap(),
            time: Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
                .unwrap(),
            hex: Regex::new(r"\b(sha256:)?[0-9a-f]{40}([0-9a-f]{24})?\b").unwrap(),
        }
    }

    fn norm(&self, v: &Json) -> Json {
        match v {
            Json::Array(a) => Json::Array(a.iter().map(|v| self.norm(v)).collect()),
            Json::String(s) => {
                let s = s.replace(&self.case_dir, "<case>");
                let s = self.uuid.replace_all(&s, "<uuid>");
                let s = self.time.replace_all(&s, "<time>");
                Json::String(self.hex.replace_all(&s, "<hex>").into_owned())
            }
            other => other.clone(),
        }
    }
}

/// Equal as the comparison script sees it: numbers by value (`100 == 100.0`).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

fn load(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    }
}

/// A document's name without the project's name: `*-artifact-manifest.yaml`.
fn file_kind(file: &str) -> String {
    for suffix in [
        "-artifact-manifest.yaml",
        "-artifact-manifest.json",
        "-projectcontext.yaml",
    ] {
        if file.ends_with(suffix) {
            return format!("*{suffix}");
        }
    }
    file.to_string()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn export(dir: &Repo, out: &str, args: &[String]) -> std::process::Output {
    dir.cc()
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .args(["manifest", "export", "-p", ".contextcore.yaml", "-o", out])
        .args(args)
        .output()
        .unwrap()
}

/// Our gates' verdicts on an export, keyed as compare.py keys the earlier gates' verdicts.
fn gates(dir: &Repo, out: &str) -> BTreeMap<String, bool> {
    let mut verdicts = BTreeMap::new();
    let run = |gate: &str| {
        let o = dir.run(&["contract", gate, out, "--format", "json"]).stdout;
        serde_json::from_slice::<Json>(&o).unwrap_or(Json::Null)
    };
    let g1 = run("a2a-check-pipeline");
    let pid = g1["project_id"].as_str().unwrap_or("").to_string();
    for g in g1["gates"].as_array().into_iter().flatten() {
        let id = g["gate_id"].as_str().unwrap_or("");
        let id = id
            .strip_prefix(&format!("{pid}-"))
            .filter(|_| !pid.is_empty())
            .unwrap_or(id);
        verdicts.insert(format!("gate1/{id}"), g["result"] != "fail");
    }
    let g2 = run("a2a-diagnose");
    for q in g2["questions"].as_array().into_iter().flatten() {
        let n = &q["number"];
        for (i, c) in q["checks"].as_array().into_iter().flatten().enumerate() {
            verdicts.insert(format!("gate2/Q{n}/{i}"), c["passed"] == true);
        }
        verdicts.insert(format!("gate2/Q{n}"), q["status"] != "fail");
    }
    verdicts
}

/// Every check the earlier gates passed on the earlier output that our gates fail on ours.
fn regressions(earlier: &Json, ours: &BTreeMap<String, bool>, label: &str) -> Vec<String> {
    earlier
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, passed)| **passed == true && !ours.get(*k).copied().unwrap_or(false))
        .map(|(k, _)| format!("{label}{k}"))
        .collect()
}

/// What one case shows: key paths missing from ours, differing values as (file kind, generic
/// path, example), gate regressions.
#[derive(Default)]
struct Findings {
    missing: Vec<String>,
    differs: Vec<(String, String, String)>,
    regressions: Vec<String>,
}

fn check_case(name: &str) -> Findings {
    let expected = load(&corpus().join("expected").join(format!("{name}.json")));
    let dir = Repo::bare_dir();
    copy_tree(&corpus().join("cases").join(name), dir.path());
    let args: Vec<String> = dir
        .read("args")
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let mut f = Findings::default();
    let o = export(&dir, "out-ours", &args);
    let earlier_ok = expected["earlier_exit"] == 0;
    if o.status.success() != earlier_ok {
        f.regressions.push(format!(
            "exit: earlier {}, ours {:?}: {}",
            expected["earlier_exit"],
            o.status.code(),
            common::stderr(&o)
        ));
        return f;
    }
    let n = Normaliser::new(dir.path());
    for (file, paths) in expected["paths"].as_object().unwrap() {
        let ours_path = dir.join("out-ours").join(file);
        if !ours_path.exists() {
            f.missing.push(format!("{file}: (file)"));
            continue;
        }
        let mut ours = Flat::new();
        walk(&load(&ours_path), "", "", &mut ours);
        let our_generic: BTreeSet<&str> = ours.values().map(|(g, _)| g.as_str()).collect();
        let our_empty: BTreeSet<&str> = ours
            .values()
            .filter(|(_, v)| v.as_ref() == Some(&json!("[]")))
            .map(|(g, _)| g.as_str())
            .collect();
        for g in paths.as_array().unwrap().iter().filter_map(Json::as_str) {
            // A path under a list that ours has empty is a value difference, not a missing key.
            let under_empty = g
                .match_indices("[]")
                .any(|(i, _)| our_empty.contains(&g[..i]));
            if !our_generic.contains(g) && !under_empty {
                f.missing.push(format!("{file}: {g}"));
            }
        }
        if RUN_FILES.contains(&file.as_str()) {
            continue;
        }
        let values = expected["values"][file].as_object();
        for (lp, earlier) in values.into_iter().flatten() {
            let Some((g, ours_v)) = ours.get(lp) else {
                continue;
            };
            // A list or map with items where the earlier value is a leaf (or empty) differs.
            let ours_v = ours_v.as_ref().map_or(Json::Null, |v| n.norm(v));
            if !same(&ours_v, earlier) {
                f.differs.push((
                    file_kind(file),
                    g.clone(),
                    format!("{name} {lp}: earlier {earlier}, ours {ours_v}"),
                ));
            }
        }
    }
    f.regressions.extend(regressions(
        &expected["gates"],
        &gates(&dir, "out-ours"),
        "",
    ));
    if let Some(ids) = expected["full_mapping_ids"]
        .as_array()
        .filter(|a| !a.is_empty())
    {
        let mapping: serde_json::Map<String, Json> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    id.as_str().unwrap().to_string(),
                    json!(format!("TASK-{}", i + 1)),
                )
            })
            .collect();
        dir.write("full-mapping.json", &Json::Object(mapping).to_string());
        let mut full_args = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a == "--task-mapping" {
                it.next();
            } else {
                full_args.push(a.clone());
            }
        }
        full_args.extend(["--task-mapping".into(), "full-mapping.json".into()]);
        assert!(export(&dir, "full-ours", &full_args).status.success());
        f.regressions.extend(regressions(
            &expected["gates_full_mapping"],
            &gates(&dir, "full-ours"),
            "(full task mapping) ",
        ));
    }
    f
}

/// The (file, key path) rows of docs/CONTRACT.md's table of differing values: the first two
/// cells of each row, in backticks; the file cell is a glob (`*-artifact-manifest.*`).
fn contract_rows() -> Vec<(globset::GlobMatcher, String, String)> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/CONTRACT.md"))
            .unwrap();
    let cell = Regex::new(r"^\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|").unwrap();
    let section = doc
        .split("\n## Values that differ from the earlier output")
        .nth(1)
        .expect("docs/CONTRACT.md has its table of differing values");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|l| cell.captures(l))
        .map(|c| {
            let glob = globset::Glob::new(&c[1]).unwrap().compile_matcher();
            (glob, c[1].to_string(), c[2].to_string())
        })
        .collect()
}

#[test]
fn the_export_is_a_drop_in_on_the_differential_corpus() {
    let mut cases: Vec<String> = std::fs::read_dir(corpus().join("cases"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let rows = contract_rows();
    let mut used = vec![false; rows.len()];
    let mut problems = Vec::new();
    let mut unlisted: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
    let mut differing = 0;
    for case in &cases {
        let f = check_case(case);
        problems.extend(
            f.missing
                .iter()
                .map(|m| format!("{case}: missing key path {m}")),
        );
        problems.extend(
            f.regressions
                .iter()
                .map(|r| format!("{case}: gate regression {r}")),
        );
        for (kind, path, example) in f.differs {
            differing += 1;
            match rows
                .iter()
                .position(|(glob, _, p)| *p == path && glob.is_match(&kind))
            {
                Some(i) => used[i] = true,
                None => {
                    let e = unlisted.entry((kind, path)).or_insert((0, example));
                    e.0 += 1;
                }
            }
        }
    }
    for ((kind, path), (count, example)) in &unlisted {
        problems.push(format!(
            "{count} values differ at `{kind}` `{path}`, which docs/CONTRACT.md does not list \
             (e.g. {example})"
        ));
    }
    for ((_, file, path), used) in rows.iter().zip(&used) {
        if !used {
            problems.push(format!(
                "docs/CONTRACT.md lists `{file}` `{path}`, which no longer differs in the corpus"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} cases, {differing} differing values:\n{}",
        cases.len(),
        problems.join("\n")
    );
}
