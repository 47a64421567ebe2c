//! Question 3 of the diagnostic, when `--artisan-dir` is given: did the artisan workflow
//! execute the translated plan faithfully? Only a failed task is an error; the rest is advice.

use std::path::Path;

use serde_json::Value as Json;

use super::diagnose::{CheckResult, check};
use super::dir::{ExportDir, contained};
use super::json::{object, truthy};
use super::layers::{either, json_object, matching, name_of};

/// Question 3's checks on an artisan workflow output directory.
pub fn checks(dir: &Path, export: &ExportDir) -> Vec<CheckResult> {
    let shown = crate::quote::fs_path(dir);
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
