//! Gate 1 checks on coverage: mapping completeness, gap parity, `--min-coverage`, and the
//! report-level warnings about coverage and traceability.

use serde_json::Value as Json;

use super::gate::{Check, Evidence, Finding};
use super::json::{number, object, section, strings, truthy};

/// Every coverage gap has an entry in the task mapping; `None` (skipped) without a task
/// mapping or without gaps.
pub fn mapping_completeness(meta: &Json) -> Option<Finding> {
    let mapping = meta.get("artifact_task_mapping");
    if !truthy(mapping) {
        return None;
    }
    let gaps = strings(section(meta, "coverage"), "gaps");
    if gaps.is_empty() {
        return None;
    }
    let mapped = |id: &str| match mapping {
        Some(Json::Object(o)) => o.contains_key(id),
        Some(Json::Array(a)) => a.iter().any(|v| v.as_str() == Some(id)),
        _ => false,
    };
    let unmapped: Vec<String> = gaps.iter().filter(|g| !mapped(g)).cloned().collect();
    if unmapped.is_empty() {
        return Some(Finding::pass(
            Check::MappingCompleteness,
            format!(
                "Every one of the {} gap(s) is mapped to a task.",
                gaps.len()
            ),
            "Go on: every gap has a task.",
            vec![Evidence::new(
                "mapping_complete",
                "artifact_task_mapping",
                format!("{} mapping(s) checked", gaps.len()),
            )],
        ));
    }
    let evidence = unmapped
        .iter()
        .map(|id| {
            Evidence::new(
                "unmapped_artifact",
                id.clone(),
                format!("no task maps '{id}'"),
            )
        })
        .collect();
    Some(Finding::blocking_failure(
        Check::MappingCompleteness,
        format!(
            "Mapping incomplete: {} gap(s) have no task: {}.",
            unmapped.len(),
            unmapped.join(", ")
        ),
        "Add a task for each unmapped artifact id to the task mapping and re-run the export with --task-mapping.",
        evidence,
    ))
}

/// The coverage gaps and the artifact ids the files are planned for (`file_ownership`, or
/// else the per-target gaps) are the same set; `None` (skipped) when either is empty.
pub fn gap_parity(meta: &Json) -> Option<Finding> {
    let coverage = section(meta, "coverage");
    let gaps = strings(coverage, "gaps");
    if gaps.is_empty() {
        return None;
    }
    let mut features: Vec<String> = Vec::new();
    for info in object(meta, "file_ownership").values() {
        push_unique(&mut features, strings(info, "artifact_ids"));
    }
    if features.is_empty() {
        let by_target = coverage.get("byTarget").and_then(Json::as_array);
        for target in by_target.map(Vec::as_slice).unwrap_or_default() {
            push_unique(&mut features, strings(target, "gaps"));
        }
    }
    if features.is_empty() {
        return None;
    }
    let gap_set: std::collections::BTreeSet<&String> = gaps.iter().collect();
    let feature_set: std::collections::BTreeSet<&String> = features.iter().collect();
    let without_feature: Vec<&&String> = gap_set.difference(&feature_set).collect();
    let without_gap: Vec<&&String> = feature_set.difference(&gap_set).collect();
    if without_feature.is_empty() && without_gap.is_empty() {
        return Some(Finding::pass(
            Check::GapParity,
            format!(
                "Gap parity holds: {} gap(s), {} planned artifact(s), the same set.",
                gaps.len(),
                features.len()
            ),
            "Go on: no artifact is dropped or orphaned.",
            vec![Evidence::new(
                "gap_parity_verified",
                "coverage",
                format!("{} gap(s) matched", gaps.len()),
            )],
        ));
    }
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    if !without_feature.is_empty() {
        parts.push(format!(
            "{} gap(s) have no planned artifact",
            without_feature.len()
        ));
        evidence.extend(without_feature.iter().map(|id| {
            Evidence::new(
                "missing_feature",
                id.as_str(),
                format!("gap '{id}' has no planned artifact"),
            )
        }));
    }
    if !without_gap.is_empty() {
        parts.push(format!(
            "{} planned artifact(s) are not gaps",
            without_gap.len()
        ));
        evidence.extend(without_gap.iter().map(|id| {
            Evidence::new(
                "orphan_feature",
                id.as_str(),
                format!("'{id}' is planned but is not a coverage gap"),
            )
        }));
    }
    Some(Finding::blocking_failure(
        Check::GapParity,
        format!("Gap parity broken: {}.", parts.join("; ")),
        "Re-run the export so the gaps and the planned files agree (an artifact that already exists must not be planned again).",
        evidence,
    ))
}

fn push_unique(into: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

/// `coverage.overallCoverage` (a percentage) as a percentage.
fn overall_coverage(meta: &Json) -> f64 {
    number(section(meta, "coverage"), "overallCoverage").unwrap_or(0.0)
}

/// The `--min-coverage` threshold as a percentage: a value up to 1 is a fraction (as
/// documented), a larger one already a percentage.
pub fn threshold_percent(min_coverage: f64) -> f64 {
    if min_coverage <= 1.0 {
        min_coverage * 100.0
    } else {
        min_coverage
    }
}

/// The `--min-coverage` gate: blocking when coverage is under the threshold.
pub fn min_coverage(meta: &Json, min_coverage: f64) -> Finding {
    let overall = overall_coverage(meta);
    let threshold = threshold_percent(min_coverage);
    if overall < threshold {
        return Finding::blocking_failure(
            Check::MinCoverage,
            format!("Coverage {overall}% is under the required {threshold}%."),
            "Scan for existing artifacts with --scan-existing, or create the missing ones, then re-run the export.",
            vec![Evidence::new(
                "coverage_below_threshold",
                "coverage.overallCoverage",
                format!("overallCoverage={overall}, min_coverage={min_coverage}"),
            )],
        );
    }
    Finding::pass(
        Check::MinCoverage,
        format!("Coverage {overall}% meets the required {threshold}%."),
        "Go on: coverage meets the threshold.",
        Vec::new(),
    )
}

/// Report-level warnings: low coverage and no task mapping.
pub fn warnings(meta: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let coverage = section(meta, "coverage");
    let overall = overall_coverage(meta);
    if overall == 0.0 {
        let required = coverage
            .get("totalRequired")
            .map_or("?".to_string(), super::json::shown);
        out.push(format!(
            "Overall coverage is 0%: all {required} required artifacts are gaps."
        ));
    } else if overall < 50.0 {
        out.push(format!(
            "Overall coverage is {overall}%, under the recommended 50%."
        ));
    }
    if !truthy(meta.get("artifact_task_mapping")) {
        out.push(
            "No artifact_task_mapping: nothing traces the artifacts to plan tasks (export with --task-mapping)."
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::gate::Outcome;

    #[test]
    fn mapping_is_checked_only_with_a_mapping_and_gaps() {
        assert!(mapping_completeness(&json!({"coverage": {"gaps": ["a"]}})).is_none());
        let no_gaps = json!({"artifact_task_mapping": {"a": "T-1"}, "coverage": {"gaps": []}});
        assert!(mapping_completeness(&no_gaps).is_none());
        let partial =
            json!({"artifact_task_mapping": {"a": "T-1"}, "coverage": {"gaps": ["a", "b"]}});
        let finding = mapping_completeness(&partial).unwrap();
        assert_eq!(finding.result, Outcome::Fail);
        assert!(finding.blocking);
        assert_eq!(finding.evidence.len(), 1);
        assert_eq!(finding.evidence[0].reference, "b");
    }

    #[test]
    fn gap_parity_compares_gaps_with_planned_files_or_target_gaps() {
        let planned = json!({
            "coverage": {"gaps": ["a", "b"]},
            "file_ownership": {"x.yaml": {"artifact_ids": ["a"]}, "y.yaml": {"artifact_ids": ["b", "c"]}}
        });
        let finding = gap_parity(&planned).unwrap();
        assert_eq!(finding.result, Outcome::Fail);
        assert_eq!(finding.evidence[0].kind, "orphan_feature");
        let by_target = json!({"coverage": {"gaps": ["a"], "byTarget": [{"gaps": ["a"]}]}});
        assert_eq!(gap_parity(&by_target).unwrap().result, Outcome::Pass);
        assert!(gap_parity(&json!({"coverage": {"gaps": ["a"]}})).is_none());
    }

    #[test]
    fn min_coverage_reads_fractions_and_percentages() {
        assert_eq!(threshold_percent(0.5), 50.0);
        assert_eq!(threshold_percent(1.0), 100.0);
        assert_eq!(threshold_percent(80.0), 80.0);
        let meta = json!({"coverage": {"overallCoverage": 12.5}});
        assert_eq!(min_coverage(&meta, 0.5).result, Outcome::Fail);
        assert_eq!(min_coverage(&meta, 0.125).result, Outcome::Pass);
    }

    #[test]
    fn wrong_types_never_panic() {
        for meta in [
            json!({}),
            json!({"coverage": 3, "artifact_task_mapping": [1, 2]}),
            json!({"coverage": {"gaps": "ab"}}),
        ] {
            let _ = mapping_completeness(&meta);
            let _ = gap_parity(&meta);
            let _ = min_coverage(&meta, 0.5);
            let _ = warnings(&meta);
        }
    }
}
