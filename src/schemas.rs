//! JSON Schemas (draft 2020-12) of every document contextcore writes, generated from the Rust
//! types so they cannot drift; `docs/schemas/` holds them and a test keeps them current.

use schemars::{JsonSchema, Schema, generate::SchemaSettings};

use crate::contract::diagnose::DiagnosticReport;
use crate::contract::pipeline::PipelineReport;
use crate::lineage::notes::NotePayload;
use crate::model::reports::{
    ArtifactManifest, GenerationReport, InitFromPlanReport, OnboardingMetadata, QualityReport,
    ValidationReport,
};
use crate::provenance::RunRecord;

fn schema_of<T: JsonSchema>(id: &str) -> Schema {
    let mut schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    schema.insert(
        "$id".into(),
        format!("https://contextcore.io/schemas/{id}").into(),
    );
    schema
}

/// Every published schema: (file name under `docs/schemas/`, schema).
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "run-provenance.schema.json",
            schema_of::<RunRecord>("run-provenance/v1"),
        ),
        (
            "artifact-manifest.schema.json",
            schema_of::<ArtifactManifest<'static>>("artifact-manifest/v1"),
        ),
        (
            "onboarding-metadata.schema.json",
            schema_of::<OnboardingMetadata>("onboarding-metadata/v1"),
        ),
        (
            "validation-report.schema.json",
            schema_of::<ValidationReport>("validation-report/v1"),
        ),
        (
            "export-quality-report.schema.json",
            schema_of::<QualityReport>("export-quality-report/v1"),
        ),
        (
            "generation-report.schema.json",
            schema_of::<GenerationReport>("generation-report/v1"),
        ),
        (
            "init-from-plan-report.schema.json",
            schema_of::<InitFromPlanReport>("init-from-plan-report/v1"),
        ),
        (
            "lineage-note.schema.json",
            schema_of::<NotePayload>("lineage-note/v3"),
        ),
        (
            "pipeline-check-report.schema.json",
            schema_of::<PipelineReport>("pipeline-check-report/v1"),
        ),
        (
            "diagnostic-report.schema.json",
            schema_of::<DiagnosticReport>("diagnostic-report/v1"),
        ),
    ]
}
