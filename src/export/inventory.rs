//! The run record's `artifact_inventory` (record version 2.0.0): one entry per export role
//! that has data in the onboarding metadata, naming the file and JSON path that hold it and
//! the sha256 of that section, so a consumer can check a section without re-deriving it.

use std::collections::BTreeMap;
use std::io::Write;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::views::Entries;
use crate::model::reports::{Gated, OnboardingMetadata};
use crate::paths::export_names;

/// One inventory entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InventoryEntry {
    /// `export.{role}`.
    pub artifact_id: String,
    pub role: String,
    pub description: String,
    pub produced_by: String,
    pub stage: String,
    /// Relative to the output directory.
    pub source_file: String,
    /// sha256 of the section as compact JSON with sorted keys.
    pub sha256: String,
    pub produced_at: String,
    pub consumers: Vec<String>,
    pub consumption_hint: String,
    pub json_path: String,
    pub freshness: Freshness,
}

/// What the section was derived from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Freshness {
    /// sha256 of the manifest.
    pub source_checksum: String,
    /// The manifest's record path.
    pub source_file: String,
}

/// role, onboarding key, description, consumers, how to use it.
pub const ROLES: &[(&str, &str, &str, &[&str], &str)] = &[
    (
        "derivation_rules",
        "derivation_rules",
        "How each artifact property follows from a manifest field, per artifact type",
        &["artisan.design", "artisan.implement"],
        "Give generators these rules instead of having them re-derive properties from the manifest.",
    ),
    (
        "resolved_parameters",
        "resolved_artifact_parameters",
        "Concrete parameter values per artifact",
        &["artisan.design", "artisan.implement"],
        "Substitute these values directly; they are already derived from the manifest.",
    ),
    (
        "output_contracts",
        "expected_output_contracts",
        "Expected depth, size and completeness markers per artifact type",
        &["artisan.design", "artisan.implement", "artisan.test"],
        "Size generated files by expected_depth and check them against completeness_markers.",
    ),
    (
        "dependency_graph",
        "artifact_dependency_graph",
        "Which artifact must exist before another",
        &["ingestion.parse", "artisan.plan"],
        "Order generation tasks by this graph.",
    ),
    (
        "calibration_hints",
        "design_calibration_hints",
        "Expected depth and line range per artifact type and service",
        &["ingestion.calibration", "artisan.design"],
        "Prefer these depths over estimates from line counts.",
    ),
    (
        "open_questions",
        "open_questions",
        "Questions the manifest's guidance leaves open",
        &["artisan.design"],
        "Do not decide what these questions leave open.",
    ),
    (
        "parameter_sources",
        "parameter_sources",
        "Where each parameter of each artifact type comes from",
        &["artisan.design", "artisan.implement"],
        "Trace a parameter value back to its manifest field.",
    ),
    (
        "semantic_conventions",
        "semantic_conventions",
        "Metric, attribute and query naming conventions",
        &["artisan.design", "artisan.implement"],
        "Name metrics and labels in generated artifacts by these conventions.",
    ),
    (
        "example_artifacts",
        "example_artifacts",
        "An example output path and snippet per artifact type",
        &["artisan.design"],
        "Use as examples of the expected shape.",
    ),
    (
        "coverage_gaps",
        "coverage_gaps",
        "Artifacts still to generate",
        &["ingestion.parse", "artisan.plan"],
        "Generate exactly these artifacts.",
    ),
];

/// Whether an onboarding section holds data: not null or empty, and not the marker
/// (`{"_omitted": "profile=…"}`) a generation profile writes for a section it leaves out.
/// The export gates ask the same question of the sections they read.
pub fn has_data(section: &Json) -> bool {
    match section {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty() && !o.contains_key("_omitted"),
        Json::Number(_) => true,
    }
}

/// Inventory entries for every role whose section in `onboarding` holds data.
pub fn build(
    onboarding: &OnboardingMetadata,
    produced_at: &str,
    source_checksum: &str,
    source_file: &str,
) -> Vec<InventoryEntry> {
    ROLES
        .iter()
        .filter_map(|(role, key, description, consumers, hint)| {
            let data = section(onboarding, key)?;
            data.has_data().then(|| InventoryEntry {
                artifact_id: format!("export.{role}"),
                role: role.to_string(),
                description: description.to_string(),
                produced_by: "contextcore.manifest.export".into(),
                stage: "export".into(),
                source_file: export_names::ONBOARDING.into(),
                sha256: data.sha256(),
                produced_at: produced_at.to_string(),
                consumers: consumers.iter().map(|c| c.to_string()).collect(),
                consumption_hint: hint.to_string(),
                json_path: format!("$.{key}"),
                freshness: Freshness {
                    source_checksum: source_checksum.to_string(),
                    source_file: source_file.to_string(),
                },
            })
        })
        .collect()
}

/// One onboarding section, borrowed from the typed document (no JSON tree of the whole
/// document is built: at 3,000 targets it is 34 MB of text).
enum Section<'a> {
    Value(&'a Json),
    Map(&'a BTreeMap<String, Json>),
    List(&'a [String]),
    /// A section written from the artifacts, one entry at a time.
    View(&'a dyn Entries),
}

/// The section an inventory key names.
fn section<'a>(o: &'a OnboardingMetadata, key: &str) -> Option<Section<'a>> {
    Some(match key {
        "derivation_rules" => gated(o.derivation_rules.as_ref()?),
        "resolved_artifact_parameters" => Section::View(&o.resolved_artifact_parameters),
        "expected_output_contracts" => Section::Value(o.expected_output_contracts.as_ref()?),
        "artifact_dependency_graph" => gated(o.artifact_dependency_graph.as_ref()?),
        "design_calibration_hints" => Section::Value(o.design_calibration_hints.as_ref()?),
        "open_questions" => Section::Value(o.open_questions.as_ref()?),
        "parameter_sources" => Section::Map(&o.parameter_sources),
        "semantic_conventions" => Section::Value(&o.semantic_conventions),
        "example_artifacts" => Section::Map(&o.example_artifacts),
        "coverage_gaps" => Section::List(&o.coverage_gaps),
        _ => return None,
    })
}

/// A section a profile may leave out: its marker, or its entries.
fn gated<T: Entries>(section: &Gated<T>) -> Section<'_> {
    match section {
        Gated::Data(view) => Section::View(view),
        Gated::Omitted(marker) => Section::Value(marker),
    }
}

impl Section<'_> {
    fn has_data(&self) -> bool {
        match self {
            Section::Value(v) => has_data(v),
            Section::Map(m) => !m.is_empty() && !m.contains_key("_omitted"),
            Section::List(l) => !l.is_empty(),
            Section::View(v) => !v.is_empty(),
        }
    }

    /// sha256 of the section as compact JSON with sorted keys, written straight into the
    /// hash.
    fn sha256(&self) -> String {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, HashWriter(Sha256::new()));
        match self {
            Section::Value(v) => canonical(v, &mut out),
            Section::Map(m) => canonical_entries(m.iter(), &mut out),
            Section::List(l) => serde_json::to_writer(&mut out, l).map_err(std::io::Error::from),
            Section::View(v) => canonical_view(*v, &mut out),
        }
        .expect("writing into a hash cannot fail");
        let hash = out
            .into_inner()
            .unwrap_or_else(|_| unreachable!())
            .0
            .finalize();
        crate::fingerprint::hex(&hash)
    }
}

/// Bytes written go into a sha256.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Compact JSON with every object's keys sorted.
fn canonical(value: &Json, out: &mut impl Write) -> std::io::Result<()> {
    match value {
        Json::Object(o) => {
            let mut entries: Vec<(&String, &Json)> = o.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            canonical_entries(entries.into_iter(), out)
        }
        Json::Array(a) => {
            out.write_all(b"[")?;
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                canonical(v, out)?;
            }
            out.write_all(b"]")
        }
        leaf => serde_json::to_writer(out, leaf).map_err(std::io::Error::from),
    }
}

/// An object from entries already in key order.
fn canonical_entries<'a>(
    entries: impl Iterator<Item = (&'a String, &'a Json)>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    out.write_all(b"{")?;
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, k)?;
        out.write_all(b":")?;
        canonical(v, out)?;
    }
    out.write_all(b"}")
}

/// An object from a view's entries, which come in key order.
fn canonical_view(view: &dyn Entries, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"{")?;
    let mut first = true;
    view.each(&mut |key, value| {
        if !std::mem::take(&mut first) {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":")?;
        canonical(value, out)
    })?;
    out.write_all(b"}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_digest_is_of_compact_json_with_sorted_keys() {
        let value: Json =
            serde_json::from_str(r#"{"b": 1.5, "a": {"d": [1, {"z": 2, "y": "é\n"}], "c": null}}"#)
                .unwrap();
        let text = r#"{"a":{"c":null,"d":[1,{"y":"é\n","z":2}]},"b":1.5}"#;
        let expected = crate::fingerprint::Digests::of_bytes(text.as_bytes()).sha256;
        assert_eq!(Section::Value(&value).sha256(), expected);
        let map: BTreeMap<String, Json> = value.as_object().unwrap().clone().into_iter().collect();
        assert_eq!(Section::Map(&map).sha256(), expected);
        let list = ["x".to_string(), "y".to_string()];
        let expected = crate::fingerprint::Digests::of_bytes(br#"["x","y"]"#).sha256;
        assert_eq!(Section::List(&list).sha256(), expected);
    }
}
