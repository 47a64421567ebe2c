//! Gate 1 checks on what the export tells the artifact designers: design calibration hints,
//! parameter resolvability and edit-first output contracts. All three are warnings: a failure
//! degrades what comes next but does not block it.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::dir::ExportDir;
use super::gate::{Check, Evidence, Finding, first_items};
use super::json::{number, object, section, strings, text, truthy};
use crate::export::inventory::has_data;

/// Depth tiers a calibration hint may name.
const VALID_DEPTHS: [&str; 4] = [
    "brief",
    "standard",
    "comprehensive",
    "standard-comprehensive",
];

/// Calibration hints cover every artifact type, are well formed, agree with the output
/// contracts, the sizes of generated files and the declared transport protocols; `None`
/// (skipped) without hints.
pub fn design_calibration(dir: &ExportDir) -> Option<Finding> {
    let meta = &dir.metadata;
    if !meta.get("design_calibration_hints").is_some_and(has_data) {
        return None;
    }
    let hints = object(meta, "design_calibration_hints");
    let mut problems = Vec::new();
    let mut evidence = Vec::new();

    let mut types: BTreeSet<&String> = object(section(meta, "coverage"), "byType").keys().collect();
    types.extend(object(meta, "artifact_types").keys());
    for atype in types.into_iter().filter(|t| !hints.contains_key(*t)) {
        problems.push(format!("uncalibrated: {atype}"));
        evidence.push(Evidence::new(
            "missing_calibration",
            atype.clone(),
            format!("artifact type '{atype}' has no calibration hint"),
        ));
    }
    for (atype, hint) in hints {
        check_hint_shape(atype, hint, &mut problems, &mut evidence);
    }
    check_contract_sizes(meta, hints, &mut problems, &mut evidence);
    check_generated_sizes(dir, hints, &mut problems, &mut evidence);
    check_protocols(meta, hints, &mut problems, &mut evidence);

    if problems.is_empty() {
        return Some(Finding::pass(
            Check::DesignCalibration,
            format!(
                "Design calibration holds for {} artifact type(s).",
                hints.len()
            ),
            "Go on: the calibration hints are consistent.",
            vec![Evidence::new(
                "calibration_verified",
                "design_calibration_hints",
                format!("{} hint(s) checked", hints.len()),
            )],
        ));
    }
    Some(Finding::warning_failure(
        Check::DesignCalibration,
        format!("Design calibration issues: {}.", first_items(&problems, 5)),
        "Review the calibration hints and regenerate the artifacts that do not match them.",
        evidence,
    ))
}

fn check_hint_shape(
    atype: &str,
    hint: &Json,
    problems: &mut Vec<String>,
    evidence: &mut Vec<Evidence>,
) {
    if let Some(depth) = text(hint, "expected_depth").filter(|d| !VALID_DEPTHS.contains(d)) {
        problems.push(format!("invalid depth: {atype}={depth}"));
        evidence.push(Evidence::new(
            "invalid_depth",
            atype,
            format!(
                "expected_depth '{depth}' is not one of {}",
                VALID_DEPTHS.join(", ")
            ),
        ));
    }
    if !truthy(hint.get("expected_loc_range")) {
        evidence.push(Evidence::new(
            "missing_loc_range",
            atype,
            "no expected_loc_range",
        ));
    }
    if !truthy(hint.get("red_flag")) {
        evidence.push(Evidence::new("missing_red_flag", atype, "no red_flag"));
    }
}

fn check_contract_sizes(
    meta: &Json,
    hints: &serde_json::Map<String, Json>,
    problems: &mut Vec<String>,
    evidence: &mut Vec<Evidence>,
) {
    for (atype, contract) in object(meta, "expected_output_contracts") {
        let Some(hint) = hints.get(atype) else {
            continue;
        };
        let (Some(max_lines), Some(range)) = (
            number(contract, "max_lines").filter(|n| *n != 0.0),
            text(hint, "expected_loc_range"),
        ) else {
            continue;
        };
        let small_hint_big_contract = range == "<=50" && max_lines > 100.0;
        let big_hint_small_contract = range.starts_with('>') && max_lines < 100.0;
        if small_hint_big_contract || big_hint_small_contract {
            problems.push(format!("LOC mismatch: {atype}"));
            evidence.push(Evidence::new(
                "loc_mismatch",
                atype.clone(),
                format!("calibration expects '{range}' lines, the output contract allows max_lines={max_lines}"),
            ));
        }
    }
}

fn check_generated_sizes(
    dir: &ExportDir,
    hints: &serde_json::Map<String, Json>,
    problems: &mut Vec<String>,
    evidence: &mut Vec<Evidence>,
) {
    for (file, info) in object(&dir.metadata, "file_ownership") {
        let Some(bytes) = dir
            .inside(file)
            .filter(|p| {
                p.metadata()
                    .is_ok_and(|m| m.is_file() && m.len() <= crate::yaml::MAX_INPUT_BYTES)
            })
            .and_then(|p| std::fs::read(p).ok())
        else {
            continue;
        };
        let loc = line_count(&bytes);
        for artifact in strings(info, "artifact_ids") {
            for atype in strings(info, "artifact_types") {
                let Some(range) = hints
                    .get(&atype)
                    .and_then(|h| text(h, "expected_loc_range"))
                else {
                    continue;
                };
                if loc_out_of_range(loc, range) {
                    problems.push(format!("LOC violation: {artifact}"));
                    evidence.push(Evidence::new(
                        "loc_violation",
                        artifact.clone(),
                        format!("{file} has {loc} lines, expected '{range}'"),
                    ));
                }
            }
        }
    }
}

fn check_protocols(
    meta: &Json,
    hints: &serde_json::Map<String, Json>,
    problems: &mut Vec<String>,
    evidence: &mut Vec<Evidence>,
) {
    let services = object(meta, "service_metadata");
    for (key, hint) in hints {
        let Some(hinted) = text(hint, "transport_protocol") else {
            continue;
        };
        let service = ["dockerfile_", "client_"]
            .iter()
            .find_map(|p| key.strip_prefix(p));
        let declared = service
            .and_then(|s| services.get(s))
            .and_then(|e| text(e, "transport_protocol"));
        if let (Some(service), Some(declared)) = (service, declared)
            && declared != hinted
        {
            problems.push(format!("protocol mismatch: {key}"));
            evidence.push(Evidence::new(
                "protocol_calibration_mismatch",
                key.clone(),
                format!("hint '{key}' says transport_protocol '{hinted}', service_metadata['{service}'] says '{declared}'"),
            ));
        }
    }
}

/// Lines as a text reader counts them: a last line without a newline still counts.
fn line_count(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count();
    newlines + usize::from(bytes.last().is_some_and(|b| *b != b'\n'))
}

/// Whether a line count is outside a range written `<=N`, `>N` or `A-B` (anything else: inside).
fn loc_out_of_range(loc: usize, range: &str) -> bool {
    let parse = |s: &str| s.trim().parse::<usize>().ok();
    if let Some(max) = range.strip_prefix("<=") {
        return parse(max).is_some_and(|max| loc > max);
    }
    if let Some(min) = range.strip_prefix('>') {
        return parse(min).is_some_and(|min| loc <= min);
    }
    if let Some((low, high)) = range.split_once('-') {
        return match (parse(low), parse(high)) {
            (Some(low), Some(high)) => loc < low || loc > high,
            _ => false,
        };
    }
    false
}

/// Every recorded parameter source resolves to a value; `None` (skipped) without
/// `parameter_resolvability`.
pub fn parameter_resolvability(meta: &Json) -> Option<Finding> {
    if !meta.get("parameter_resolvability").is_some_and(has_data) {
        return None;
    }
    let mut total = 0;
    let mut evidence = Vec::new();
    for (artifact, params) in object(meta, "parameter_resolvability") {
        for (param, status) in params.as_object().into_iter().flatten() {
            total += 1;
            if status.get("status").and_then(Json::as_str) == Some("unresolved") {
                let source = text(status, "source_path").unwrap_or("?");
                let why = text(status, "reason").unwrap_or("unknown");
                evidence.push(Evidence::new(
                    "unresolved_parameter",
                    format!("{artifact}.{param}"),
                    format!("'{param}' of '{artifact}' comes from '{source}', which does not resolve: {why}"),
                ));
            }
        }
    }
    if evidence.is_empty() {
        return Some(Finding::pass(
            Check::ParameterResolvability,
            format!("All {total} parameter source(s) resolve to values."),
            "Go on: the parameter sources resolve.",
            vec![Evidence::new(
                "parameters_verified",
                "parameter_resolvability",
                format!("{total} parameter(s) resolve"),
            )],
        ));
    }
    let unresolved = evidence.len();
    evidence.truncate(10);
    Some(Finding::warning_failure(
        Check::ParameterResolvability,
        format!(
            "{unresolved} of {total} parameter(s) come from manifest fields that are empty or missing."
        ),
        "Fill in the referenced fields of the manifest, then re-run the export.",
        evidence,
    ))
}

/// Every output contract has an `edit_min_pct` between 0 and 100; `None` (skipped) without
/// `expected_output_contracts`.
pub fn edit_first_coverage(meta: &Json) -> Option<Finding> {
    if !meta.get("expected_output_contracts").is_some_and(has_data) {
        return None;
    }
    let contracts = object(meta, "expected_output_contracts");
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    for (atype, contract) in contracts.iter().filter(|(_, c)| c.is_object()) {
        match contract.get("edit_min_pct") {
            None | Some(Json::Null) => {
                problems.push(format!("missing edit_min_pct: {atype}"));
                evidence.push(Evidence::new(
                    "missing_edit_min_pct",
                    atype.clone(),
                    format!("the contract for '{atype}' has no edit_min_pct"),
                ));
            }
            Some(value) if !value.as_f64().is_some_and(|p| (0.0..=100.0).contains(&p)) => {
                problems.push(format!("invalid edit_min_pct: {atype}={value}"));
                evidence.push(Evidence::new(
                    "invalid_edit_min_pct",
                    atype.clone(),
                    format!("edit_min_pct={value} is not a number from 0 to 100"),
                ));
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        return Some(Finding::pass(
            Check::EditFirstCoverage,
            format!(
                "Edit-first thresholds present: all {} output contract(s) have a valid edit_min_pct.",
                contracts.len()
            ),
            "Go on: the size regression gate has a threshold for every type.",
            vec![Evidence::new(
                "edit_first_verified",
                "expected_output_contracts",
                format!("{} contract(s) checked", contracts.len()),
            )],
        ));
    }
    evidence.truncate(10);
    Some(Finding::warning_failure(
        Check::EditFirstCoverage,
        format!(
            "Edit-first thresholds missing or invalid in {} contract(s): {}.",
            problems.len(),
            first_items(&problems, 5)
        ),
        "Re-run the export so every output contract carries an edit_min_pct.",
        evidence,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ranges_read_like_the_hints_write_them() {
        assert!(loc_out_of_range(51, "<=50"));
        assert!(!loc_out_of_range(50, "<=50"));
        assert!(loc_out_of_range(100, ">100"));
        assert!(loc_out_of_range(9, "10-20"));
        assert!(!loc_out_of_range(15, "10-20"));
        assert!(!loc_out_of_range(15, "about ten"));
    }

    #[test]
    fn edit_first_thresholds_must_be_percentages() {
        let meta = serde_json::json!({"expected_output_contracts": {
            "dashboard": {"edit_min_pct": 60},
            "runbook": {},
            "slo_definition": {"edit_min_pct": 140},
            "loki_rule": {"edit_min_pct": "high"},
        }});
        let finding = edit_first_coverage(&meta).unwrap();
        assert!(!finding.blocking);
        let kinds: Vec<&str> = finding.evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "missing_edit_min_pct",
                "invalid_edit_min_pct",
                "invalid_edit_min_pct"
            ]
        );
    }

    #[test]
    fn unresolved_parameters_are_a_warning() {
        let meta = serde_json::json!({"parameter_resolvability": {"api-dashboard": {
            "datasource": {"status": "resolved"},
            "slo": {"status": "unresolved", "source_path": "spec.requirements.availability", "reason": "empty"},
        }}});
        let finding = parameter_resolvability(&meta).unwrap();
        assert!(!finding.blocking);
        assert!(finding.reason.starts_with("1 of 2"), "{}", finding.reason);
        assert_eq!(finding.evidence[0].reference, "api-dashboard.slo");
    }

    #[test]
    fn a_last_line_without_newline_counts() {
        assert_eq!(line_count(b"a\nb"), 2);
        assert_eq!(line_count(b"a\nb\n"), 2);
        assert_eq!(line_count(b""), 0);
    }
}
