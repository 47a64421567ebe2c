//! The `init-from-plan` report: inputs, every inference with its evidence, and readiness.

use super::infer::{CORE_FIELDS, Inferred, SourceDoc};
use crate::model::reports::{InitFromPlanReport, PlanInput, PlanInputs, Readiness, ReadinessCheck};

/// How a report came about: its time, the run's mode, and what else it should say.
pub struct ReportContext<'a> {
    pub generated_at: &'a str,
    pub dry_run: bool,
    pub strict_quality: bool,
    pub project_root: Option<String>,
    pub validation_warnings: Vec<String>,
}

/// The `init-from-plan` report.
pub fn report(
    docs: &[SourceDoc],
    output_manifest: &str,
    inferred: &Inferred,
    context: ReportContext,
) -> InitFromPlanReport {
    let shown = |role: &str| -> Vec<String> {
        docs.iter()
            .filter(|d| d.role == role)
            .map(|d| d.shown.clone())
            .collect()
    };
    InitFromPlanReport {
        version: "1.1.0".into(),
        schema: "contextcore.io/init-from-plan-report/v1".into(),
        generated_at: context.generated_at.to_string(),
        status: if context.dry_run {
            "dry_run"
        } else {
            "written"
        }
        .into(),
        strict_quality: context.strict_quality,
        warnings: inferred.reasons.clone(),
        validation_warnings: context.validation_warnings,
        inputs: PlanInputs {
            plan: shown("plan").into_iter().next().unwrap_or_default(),
            requirements: shown("requirements"),
            project_root: context.project_root,
            files: docs
                .iter()
                .map(|d| PlanInput {
                    path: d.shown.clone(),
                    role: d.role.into(),
                    sha256: d.sha256.clone(),
                })
                .collect(),
        },
        output_manifest: output_manifest.into(),
        inferences: inferred.inferences.clone(),
        core_inferred_count: inferred.core_inferred_count,
        core_fields_missing: inferred
            .core_missing
            .iter()
            .map(|f| f.to_string())
            .collect(),
        downstream_readiness: Readiness {
            score: crate::export::artifacts::percent(
                inferred.core_inferred_count,
                CORE_FIELDS.len(),
            ),
            verdict: inferred.verdict.into(),
            reasons: inferred.reasons.clone(),
            checks: CORE_FIELDS
                .iter()
                .map(|f| ReadinessCheck {
                    field: f.to_string(),
                    inferred: !inferred.core_missing.contains(f),
                })
                .collect(),
        },
        run_provenance: crate::paths::INIT_RUN_RECORD.into(),
    }
}
