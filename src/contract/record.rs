//! What the run record beside the outputs adds to the checksum chain: every output it lists
//! must still be in the directory with the sha256 recorded for it. Outputs are matched by
//! file name, so records with repository-relative paths (ours: `out/x.json`), absolute or
//! redacted paths (the earlier implementation's) and copied or moved directories all work.

use serde_json::Value as Json;

use super::dir::{ExportDir, file_name, sha256_of};
use super::gate::Evidence;
use crate::paths::RUN_RECORD;

/// The outcome of comparing the directory with its run record.
#[derive(Debug, Default)]
pub struct RecordCheck {
    /// Files whose content matches the record.
    pub verified: usize,
    /// Files edited or deleted since the run, one evidence item each.
    pub problems: Vec<Evidence>,
}

/// Compares each recorded output with the file of the same name in the directory.
pub fn compare_outputs(dir: &ExportDir) -> RecordCheck {
    let mut check = RecordCheck::default();
    let Some(record) = &dir.run_record else {
        return check;
    };
    let outputs = record
        .get("outputs")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for output in outputs {
        compare_one(dir, output, &mut check);
    }
    check
}

fn compare_one(dir: &ExportDir, output: &Json, check: &mut RecordCheck) {
    let Some(recorded_path) = output.get("path").and_then(Json::as_str) else {
        return;
    };
    let Some(name) = file_name(recorded_path) else {
        return;
    };
    let Some(expected) = output.get("sha256").and_then(Json::as_str) else {
        return; // recorded as missing at run time: nothing to hold it to
    };
    if output.get("exists").and_then(Json::as_bool) == Some(false) || name == RUN_RECORD {
        return;
    }
    let Some(path) = dir.by_file_name(recorded_path) else {
        return;
    };
    match sha256_of(&path) {
        Some(actual) if actual == expected => check.verified += 1,
        Some(actual) => check.problems.push(Evidence::new(
            "output_modified",
            name,
            format!(
                "{name} was changed after the run that wrote it: run-provenance.json records sha256 {expected}, the file has {actual}"
            ),
        )),
        None => check.problems.push(Evidence::new(
            "output_missing",
            name,
            format!(
                "{name} is listed as an output in run-provenance.json but is not in the directory"
            ),
        )),
    }
}
