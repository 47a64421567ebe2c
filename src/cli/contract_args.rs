//! Arguments of the `contract` command group (the export gates); kept beside `args.rs` so the
//! group is one self-contained addition. No logic here.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ContractCommand {
    /// Gate 1: check an export directory's integrity before anything consumes it.
    #[command(name = "a2a-check-pipeline")]
    CheckPipeline(CheckPipelineArgs),
    /// Gate 2: the three questions (export, plan ingestion, artisan), asked in order.
    #[command(name = "a2a-diagnose")]
    Diagnose(DiagnoseArgs),
}

use crate::ops::options::{self, ReportFormat};

/// How both gates report: the options their earlier versions took.
#[derive(Debug, Args)]
pub struct ReportOutput {
    /// Trace id of the calling pipeline (accepted for compatibility; not recorded).
    #[arg(long)]
    pub trace_id: Option<String>,
    /// Also write the JSON report to this file.
    #[arg(short, long)]
    pub report: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Machine-readable output (same as --format json).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckPipelineArgs {
    /// Export output directory (holds onboarding-metadata.json).
    pub output_dir: PathBuf,
    /// Gate id prefix instead of the project id.
    #[arg(long)]
    pub task_id: Option<String>,
    #[command(flatten)]
    pub output: ReportOutput,
    /// Exit 1 when a blocking gate fails.
    #[arg(long)]
    pub fail_on_unhealthy: bool,
    /// Minimum coverage, as a fraction (0.5) or a percentage (50); adds a blocking gate.
    #[arg(long)]
    pub min_coverage: Option<f64>,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Export output directory (holds onboarding-metadata.json).
    pub export_dir: PathBuf,
    /// Plan ingestion output (question 2).
    #[arg(long)]
    pub ingestion_dir: Option<PathBuf>,
    /// Artisan workflow output (question 3).
    #[arg(long)]
    pub artisan_dir: Option<PathBuf>,
    #[command(flatten)]
    pub output: ReportOutput,
    /// Exit 1 when a question does not pass.
    #[arg(long)]
    pub fail_on_issue: bool,
}

impl From<ReportOutput> for options::ReportOutput {
    fn from(a: ReportOutput) -> Self {
        Self {
            trace_id: a.trace_id,
            report: a.report,
            format: a.format,
            json: a.json,
        }
    }
}

impl From<CheckPipelineArgs> for options::CheckPipelineOptions {
    fn from(a: CheckPipelineArgs) -> Self {
        Self {
            output_dir: a.output_dir,
            task_id: a.task_id,
            output: a.output.into(),
            fail_on_unhealthy: a.fail_on_unhealthy,
            min_coverage: a.min_coverage,
        }
    }
}

impl From<DiagnoseArgs> for options::DiagnoseOptions {
    fn from(a: DiagnoseArgs) -> Self {
        Self {
            export_dir: a.export_dir,
            ingestion_dir: a.ingestion_dir,
            artisan_dir: a.artisan_dir,
            output: a.output.into(),
            fail_on_issue: a.fail_on_issue,
        }
    }
}
