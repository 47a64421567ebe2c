//! Questions 2 and 3 of the diagnostic, when their directories are given: what the plan
//! ingestion and the artisan workflow left behind, found by file-name patterns (those tools
//! name their outputs loosely), read as JSON where it parses. Every finding is a check; only
//! a contradiction of the export (a gap not parsed, a task that failed, an impossible score) is
//! an error.

use std::path::{Path, PathBuf};

use globset::Glob;
use serde_json::Value as Json;

use super::diagnose::{CheckResult, check};
use super::dir::{ExportDir, contained};
use super::json::{object, section, strings, truthy};

/// Files directly in `dir` whose names match any of `patterns` (each pattern's matches sorted,
/// in pattern order; hidden files never match, as with a shell glob).
fn matching(dir: &Path, patterns: &[&str]) -> Vec<PathBuf> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut found = Vec::new();
    for pattern in patterns {
        let Ok(glob) = Glob::new(pattern) else {
            continue;
        };
        let matcher = glob.compile_matcher();
        found.extend(
            names
                .iter()
                .filter(|n| matcher.is_match(n))
                .map(|n| dir.join(n)),
        );
    }
    found
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

fn names(paths: &[PathBuf], limit: usize) -> String {
    paths
        .iter()
        .take(limit)
        .map(|p| name_of(p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON object from a file, or `None` when it cannot be read, parsed, or is not an object.
fn json_object(path: &Path) -> Option<Json> {
    crate::source::read_json(path, &path.display().to_string())
        .ok()
        .filter(Json::is_object)
}

/// `data[key]`, else `fallback` when the key is absent; `null` counts as absent only after the choice.
fn either<'a>(data: &'a Json, key: &str, fallback: Option<&'a Json>) -> Option<&'a Json> {
    data.get(key).or(fallback).filter(|v| !v.is_null())
}

/// Question 2's checks on a plan-ingestion output directory.
pub fn ingestion_checks(dir: &Path, export: &ExportDir) -> Vec<CheckResult> {
    let shown = dir.display().to_string();
    let mut checks = vec![check(
        "ingestion-output-exists",
        true,
        format!("Plan ingestion output found at {shown}."),
        "info",
    )];
    let results = matching(dir, &["*result*.json", "*plan*.json"]);
    if results.is_empty() {
        checks.push(check(
            "ingestion-result-files",
            false,
            "No plan ingestion result (*result*.json or *plan*.json).".into(),
            "warning",
        ));
    } else {
        checks.push(check(
            "ingestion-result-files",
            true,
            format!("{} result file(s): {}.", results.len(), names(&results, 5)),
            "info",
        ));
        if let Some(data) = results.iter().find_map(|p| json_object(p)) {
            checks.extend(parse_coverage(&data, export));
            checks.extend(assess_and_route(&data));
        }
    }
    let gaps = strings(section(&export.metadata, "coverage"), "gaps");
    let features = matching(dir, &["*feature*.json", "*feature*.yaml"]);
    if !features.is_empty() {
        checks.push(check(
            "features-extracted",
            true,
            format!(
                "{} feature file(s) for {} gap(s).",
                features.len(),
                gaps.len()
            ),
            "info",
        ));
    } else if !gaps.is_empty() {
        checks.push(check(
            "features-extracted",
            false,
            format!(
                "{} coverage gap(s) but no feature file in the ingestion output.",
                gaps.len()
            ),
            "warning",
        ));
    }
    if let Some(review) = matching(dir, &["*review*.json", "*refine*.json"]).first() {
        checks.push(check(
            "architectural-review-ran",
            true,
            format!("Architectural review output: {}.", name_of(review)),
            "info",
        ));
    }
    checks.extend(ingestion_inventory(dir, export));
    let preflight = matching(dir, &["*preflight*.json"]);
    let detail = match preflight.first() {
        Some(p) => format!("Pre-flight validation output: {}.", name_of(p)),
        None => {
            "No pre-flight validation output; consider running pre-flight checks before ingestion."
                .into()
        }
    };
    checks.push(check(
        "preflight-validation-ran",
        !preflight.is_empty(),
        detail,
        "info",
    ));
    checks
}

/// PARSE: every coverage gap became a feature.
fn parse_coverage(data: &Json, export: &ExportDir) -> Option<CheckResult> {
    let features = either(data, "features", data.get("parsed_features"))?;
    if !truthy(Some(features)) {
        return None;
    }
    let ids: Vec<&str> = features
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| either(f, "id", f.get("artifact_id")).and_then(Json::as_str))
        .collect();
    let gaps = strings(section(&export.metadata, "coverage"), "gaps");
    let mut missing: Vec<&String> = gaps.iter().filter(|g| !ids.contains(&g.as_str())).collect();
    missing.sort();
    missing.dedup();
    Some(if missing.is_empty() {
        check(
            "parse-coverage",
            true,
            format!("PARSE extracted all {} gap(s) as features.", gaps.len()),
            "info",
        )
    } else {
        let first: Vec<&str> = missing.iter().take(5).map(|s| s.as_str()).collect();
        check(
            "parse-coverage",
            false,
            format!(
                "PARSE missed {} gap(s): {}.",
                missing.len(),
                first.join(", ")
            ),
            "error",
        )
    })
}

/// ASSESS: a complexity score from 0 to 100; TRANSFORM: the route that score calls for.
fn assess_and_route(data: &Json) -> Vec<CheckResult> {
    let mut checks = Vec::new();
    let score = either(
        data,
        "complexity_score",
        data.get("assess").and_then(|a| a.get("score")),
    );
    let Some(score) = score else { return checks };
    let value = score.as_f64();
    let reasonable = value.is_some_and(|s| (0.0..=100.0).contains(&s));
    let detail = if reasonable {
        format!("Complexity score: {score}.")
    } else {
        format!("Complexity score: {score} (not a number from 0 to 100).")
    };
    checks.push(check(
        "assess-complexity-score",
        reasonable,
        detail,
        if reasonable { "info" } else { "error" },
    ));
    let route = either(
        data,
        "route",
        data.get("transform").and_then(|t| t.get("route")),
    )
    .and_then(Json::as_str)
    .filter(|r| !r.is_empty());
    if let (Some(route), Some(value)) = (route, value) {
        let expected = if value > 40.0 {
            "artisan"
        } else {
            "prime_contractor"
        };
        let matches = route.to_lowercase().replace('-', "_") == expected;
        let verdict = if matches {
            "as expected".to_string()
        } else {
            format!("expected {expected}")
        };
        checks.push(check(
            "transform-routing",
            matches,
            format!("Route '{route}' for score {score} ({verdict})."),
            if matches { "info" } else { "warning" },
        ));
    }
    checks
}

/// Ingestion-stage roles in the run record of the ingestion (or else the export) directory.
fn ingestion_inventory(dir: &Path, export: &ExportDir) -> Option<CheckResult> {
    const ROLES: [&str; 3] = ["design_calibration", "plan_document", "refine_suggestions"];
    let own = dir.join(crate::paths::RUN_RECORD);
    let record = if own.is_file() {
        json_object(&own)?
    } else {
        export.run_record.clone()?
    };
    let version = record
        .get("version")
        .and_then(Json::as_str)
        .unwrap_or("1.0.0");
    if version.starts_with("1.") {
        return None;
    }
    let inventory = record.get("artifact_inventory")?.as_array()?;
    let roles: Vec<&str> = inventory
        .iter()
        .filter_map(|e| e.get("role").and_then(Json::as_str))
        .collect();
    let missing: Vec<&str> = ROLES
        .iter()
        .copied()
        .filter(|r| !roles.contains(r))
        .collect();
    if missing.len() < ROLES.len() {
        let mut detail = format!(
            "Inventory has {}/{} ingestion roles.",
            ROLES.len() - missing.len(),
            ROLES.len()
        );
        if !missing.is_empty() {
            detail.push_str(&format!(" Missing: {}.", missing.join(", ")));
        }
        return Some(check(
            "ingestion-inventory-roles",
            missing.is_empty(),
            detail,
            if missing.is_empty() {
                "info"
            } else {
                "warning"
            },
        ));
    }
    (!inventory.is_empty()).then(|| {
        check("ingestion-inventory-roles", true, "Artifact inventory present, with no ingestion-stage role yet (expected until plan ingestion registers them).".into(), "info")
    })
}

/// Question 3's checks on an artisan workflow output directory.
pub fn artisan_checks(dir: &Path, export: &ExportDir) -> Vec<CheckResult> {
    let shown = dir.display().to_string();
    let mut checks = vec![check(
        "artisan-output-exists",
        true,
        format!("Artisan output found at {shown}."),
        "info",
    )];
    let designs = matching(dir, &["*design*handoff*.json", "*design*.json"]);
    match designs.first() {
        Some(design) => {
            checks.push(check(
                "design-handoff-exists",
                true,
                format!("Design handoff: {}.", name_of(design)),
                "info",
            ));
            if let Some(data) = json_object(design) {
                checks.extend(design_fidelity(&data, export));
            }
        }
        None => checks.push(check(
            "design-handoff-exists",
            false,
            "No design handoff file; the DESIGN phase may not have completed.".into(),
            "warning",
        )),
    }
    checks.extend(implemented_files(dir, export));
    if let Some(tests) = matching(dir, &["*test*result*.json", "*test*report*.json"]).first() {
        checks.push(check(
            "test-results-exist",
            true,
            format!("Test results: {}.", name_of(tests)),
            "info",
        ));
    }
    checks.push(finalize(dir));
    for (name, pattern, what) in [
        (
            "postexec-validation-ran",
            "*postexec*.json",
            "post-execution validation",
        ),
        ("health-check-ran", "*health*.json", "health check"),
    ] {
        let found = matching(dir, &[pattern]);
        let detail = match found.first() {
            Some(p) => format!("Output of the {what}: {}.", name_of(p)),
            None => format!("No {what} output; consider adding it to the artisan workflow."),
        };
        checks.push(check(name, !found.is_empty(), detail, "info"));
    }
    checks
}

/// DESIGN: the handoff names its schema and was seeded from this export.
fn design_fidelity(data: &Json, export: &ExportDir) -> Vec<CheckResult> {
    let mut checks = Vec::new();
    if let Some(version) =
        either(data, "schema_version", data.get("version")).filter(|v| truthy(Some(v)))
    {
        checks.push(check(
            "design-schema-version",
            true,
            format!(
                "Design handoff schema version: {}.",
                super::json::shown(version)
            ),
            "info",
        ));
    }
    let seed = either(data, "enriched_seed_path", data.get("seed_path"))
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty());
    if let Some(seed) = seed {
        let seed_name = super::dir::file_name(seed).unwrap_or(seed);
        let current = seed.contains(&export.shown()) || export.root.join(seed_name).exists();
        let detail = if current {
            format!("Design was seeded from this export: {seed}.")
        } else {
            format!("Design seed '{seed}' may not come from this export.")
        };
        checks.push(check(
            "design-uses-current-export",
            current,
            detail,
            if current { "info" } else { "warning" },
        ));
    }
    checks
}

/// IMPLEMENT: every file the export planned (`file_ownership`) exists in the artisan output.
fn implemented_files(dir: &Path, export: &ExportDir) -> Option<CheckResult> {
    let planned = object(&export.metadata, "file_ownership");
    if planned.is_empty() {
        return None;
    }
    let missing: Vec<&str> = planned
        .keys()
        .filter(|f| !contained(f).is_some_and(|rel| dir.join(rel).exists()))
        .map(String::as_str)
        .collect();
    let mut detail = format!(
        "Generated {}/{} planned file(s).",
        planned.len() - missing.len(),
        planned.len()
    );
    if !missing.is_empty() {
        detail.push_str(&format!(
            " Missing: {}",
            missing
                .iter()
                .take(5)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let all = missing.is_empty();
    Some(check(
        "implement-output-files",
        all,
        detail,
        if all { "info" } else { "warning" },
    ))
}

/// FINALIZE: the workflow report says every task succeeded.
fn finalize(dir: &Path) -> CheckResult {
    let reports = matching(
        dir,
        &[
            "*finalize*report*.json",
            "*finalize*.json",
            "*execution*report*.json",
            "workflow-execution-report.json",
        ],
    );
    let Some(report) = reports.first() else {
        return check(
            "finalize-report-exists",
            false,
            "No finalize report; the FINALIZE phase may not have completed.".into(),
            "warning",
        );
    };
    let Some(data) = json_object(report) else {
        return check(
            "finalize-report-valid",
            false,
            format!(
                "Finalize report {} does not parse as a JSON object.",
                name_of(report)
            ),
            "warning",
        );
    };
    let count = |key: &str, fallback: &str| {
        either(&data, key, data.get(fallback))
            .and_then(Json::as_f64)
            .unwrap_or(0.0)
    };
    let total = count("tasks_total", "total");
    let succeeded = count("tasks_succeeded", "succeeded");
    let failed = count("tasks_failed", "failed");
    let all = failed == 0.0 && succeeded > 0.0;
    check(
        "finalize-all-tasks-succeeded",
        all,
        format!("Finalize: {succeeded}/{total} succeeded, {failed} failed."),
        if all { "info" } else { "error" },
    )
}
