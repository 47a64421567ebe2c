//! Question 2 of the diagnostic, when `--ingestion-dir` is given: did plan ingestion
//! translate the export faithfully? Only a contradiction of the export (a gap not parsed, an
//! impossible complexity score) is an error; the rest is advice.

use std::path::Path;

use serde_json::Value as Json;

use super::diagnose::{CheckResult, check};
use super::dir::ExportDir;
use super::json::{section, strings, truthy};
use super::layers::{either, json_object, matching, name_of, names};

/// Question 2's checks on a plan-ingestion output directory.
pub fn checks(dir: &Path, export: &ExportDir) -> Vec<CheckResult> {
    let shown = crate::quote::fs_path(dir);
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
