//! The typed options of each command, as the command line gives them and as a replayed run
//! record rebuilds them: plain data, no argument parsing. Each field is the flag of the same
//! name (`contextcore <command> --help` says what it does); a field marked *resolved* is filled
//! by the command itself before it derives anything.

use std::path::PathBuf;

pub use crate::paths::WriteStrategy;

/// How a report is printed (`--json` is the same as `--format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
}

/// The format of the exported documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocFormat {
    #[default]
    Yaml,
    Json,
}

/// A `--flag`/`--no-flag` pair as one choice: `Some(true)`, `Some(false)`, or `None` (not given).
pub fn flag_pair(yes: bool, no: bool) -> Option<bool> {
    match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

/// How a writing command writes and records (`--document-write-strategy`, `--policy`, …).
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub document_write_strategy: Option<WriteStrategy>,
    pub emit_run_provenance: bool,
    pub no_emit_run_provenance: bool,
    pub force_record: bool,
    pub policy: Option<PathBuf>,
}

/// `manifest init`.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub path: PathBuf,
    pub name: Option<String>,
    pub force: bool,
    pub validate: bool,
    pub no_validate: bool,
    pub json: bool,
    pub write: WriteOptions,
}

/// `manifest validate`.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    pub path: Option<PathBuf>,
    pub strict: bool,
    pub format: ReportFormat,
    pub json: bool,
}

/// `manifest export`.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub path_arg: Option<PathBuf>,
    /// *Resolved*: The manifest this run reads (`-p`, or the one found upward).
    pub path: PathBuf,
    pub output_dir_arg: Option<PathBuf>,
    /// *Resolved*: The output directory this run writes (`-o`, or out/ beside the manifest).
    pub output_dir: PathBuf,
    pub namespace: String,
    pub scan_existing: Vec<PathBuf>,
    /// *Resolved*: Whether `--scan-existing` was given (else the policy's directories apply).
    pub scan_from_flag: bool,
    pub existing: Vec<String>,
    pub profile: String,
    pub service_metadata: Option<PathBuf>,
    pub embed_provenance: bool,
    pub verify: bool,
    pub format: DocFormat,
    pub strict_quality: bool,
    pub no_strict_quality: bool,
    pub min_coverage: Option<f64>,
    pub environment: Option<String>,
    pub task_mapping: Option<PathBuf>,
    pub project_id: Option<String>,
    pub deterministic_output: bool,
    pub no_deterministic_output: bool,
    pub emit_provenance: bool,
    pub emit_onboarding: bool,
    pub no_onboarding: bool,
    pub emit_quality_report: bool,
    pub no_emit_quality_report: bool,
    pub dry_run: bool,
    pub json: bool,
    pub write: WriteOptions,
}

/// `generate`.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    pub context_arg: Option<PathBuf>,
    /// *Resolved*: The project context this run reads.
    pub context: PathBuf,
    pub output_arg: Option<PathBuf>,
    /// *Resolved*: The output directory this run writes.
    pub output: PathBuf,
    pub service_monitor: bool,
    pub prometheus_rule: bool,
    pub dashboard: bool,
    pub all: bool,
    pub write_legacy_aliases: bool,
    pub strict_quality: bool,
    pub no_strict_quality: bool,
    pub emit_report: bool,
    pub no_emit_report: bool,
    pub dry_run: bool,
    pub json: bool,
    pub write: WriteOptions,
}

/// `manifest init-from-plan`.
#[derive(Debug, Clone, Default)]
pub struct InitFromPlanOptions {
    pub plan: PathBuf,
    pub requirements: Vec<PathBuf>,
    pub project_root: Option<PathBuf>,
    pub output: PathBuf,
    pub name: Option<String>,
    pub report_out: Option<PathBuf>,
    pub strict_quality: bool,
    pub no_strict_quality: bool,
    pub force: bool,
    pub dry_run: bool,
    pub json: bool,
    pub write: WriteOptions,
}

/// Where and how a contract gate reports (`--trace-id`, `--report`, `--format`, `--json`).
#[derive(Debug, Clone, Default)]
pub struct ReportOutput {
    pub trace_id: Option<String>,
    pub report: Option<PathBuf>,
    pub format: ReportFormat,
    pub json: bool,
}

impl ReportOutput {
    /// Whether the report is JSON (`--json` or `--format json`).
    pub fn json(&self) -> bool {
        self.json || self.format == ReportFormat::Json
    }
}

/// `contract a2a-check-pipeline` (Gate 1).
#[derive(Debug, Clone, Default)]
pub struct CheckPipelineOptions {
    pub output_dir: PathBuf,
    pub task_id: Option<String>,
    pub output: ReportOutput,
    pub fail_on_unhealthy: bool,
    pub min_coverage: Option<f64>,
}

/// `contract a2a-diagnose` (Gate 2).
#[derive(Debug, Clone, Default)]
pub struct DiagnoseOptions {
    pub export_dir: PathBuf,
    pub ingestion_dir: Option<PathBuf>,
    pub artisan_dir: Option<PathBuf>,
    pub output: ReportOutput,
    pub fail_on_issue: bool,
}

impl WriteOptions {
    /// `--emit-run-provenance` / `--no-emit-run-provenance`, if either was given.
    pub fn emit_run_provenance(&self) -> Option<bool> {
        flag_pair(self.emit_run_provenance, self.no_emit_run_provenance)
    }
}
