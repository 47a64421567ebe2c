//! `contract a2a-check-pipeline` and `contract a2a-diagnose`: run the gates, print the report
//! (text or JSON), write `--report` through the one writer, pick the exit code.

use std::path::Path;

use serde::Serialize;

use crate::contract::{diagnose, pipeline};
use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::fsio::{self, Backups};
use crate::workspace::Workspace;

use super::options::{CheckPipelineOptions, DiagnoseOptions};

/// `contract a2a-check-pipeline`: Gate 1 on an export directory.
pub fn check_pipeline(a: CheckPipelineOptions) -> Result<i32> {
    if let Some(min) = a.min_coverage
        && !(min.is_finite() && (0.0..=100.0).contains(&min))
    {
        return Err(Error::Usage(format!(
            "--min-coverage {min}: expected a fraction from 0 to 1 (0.5) or a percentage up to 100 (50)"
        )));
    }
    let options = pipeline::Options {
        min_coverage: a.min_coverage,
        task_id: a.task_id,
    };
    let report = pipeline::check(&a.output_dir, &options)?;
    emit(&report, a.output.report.as_deref(), a.output.json(), || {
        report.to_text()
    })?;
    Ok(if a.fail_on_unhealthy && !report.is_healthy {
        EXIT_CHECK_FAILED
    } else {
        0
    })
}

/// `export --verify`: Gate 1 on the directory an export just wrote; exit 1 when a blocking
/// check fails. The report goes to stdout, or with `--json` (whose stdout is the export's
/// summary) as one line to stderr.
pub fn verify_export(dir: &Path, json: bool) -> Result<i32> {
    let report = pipeline::check(dir, &pipeline::Options::default())?;
    if json {
        eprintln!(
            "verify: {} ({} of {} checks passed)",
            if report.is_healthy {
                "healthy"
            } else {
                "UNHEALTHY"
            },
            report.passed,
            report.total_gates
        );
    } else {
        print!("{}", report.to_text());
    }
    Ok(if report.is_healthy {
        0
    } else {
        EXIT_CHECK_FAILED
    })
}

/// `contract a2a-diagnose`: Gate 2 on an export (and later stages').
pub fn diagnose(a: DiagnoseOptions) -> Result<i32> {
    let options = diagnose::Options {
        ingestion_dir: a.ingestion_dir,
        artisan_dir: a.artisan_dir,
    };
    let report = diagnose::diagnose(&a.export_dir, &options)?;
    emit(&report, a.output.report.as_deref(), a.output.json(), || {
        report.to_text()
    })?;
    Ok(if a.fail_on_issue && !report.all_passed {
        EXIT_CHECK_FAILED
    } else {
        0
    })
}

/// Writes the report file if asked, then prints the report. With JSON on stdout the
/// "written" note goes to stderr so stdout stays one JSON document.
fn emit<T: Serialize>(
    report: &T,
    file: Option<&Path>,
    json: bool,
    text: impl FnOnce() -> String,
) -> Result<()> {
    let rendered = serde_json::to_string_pretty(report)
        .map_err(|e| Error::Usage(format!("report: {e}")))?
        + "\n";
    if let Some(file) = file {
        write_report(file, rendered.as_bytes())?;
        let note = format!("Report written to {}", crate::quote::fs_path(file));
        if json {
            eprintln!("{note}");
        } else {
            println!("{note}");
        }
    }
    if json {
        print!("{rendered}");
    } else {
        println!();
        println!("{}", text());
    }
    Ok(())
}

fn write_report(file: &Path, content: &[u8]) -> Result<()> {
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        fsio::create_dir(parent)?;
    }
    fsio::write_atomic(file, content, &report_backups(file)).map(|_| ())
}

/// Backups of a replaced report follow the repository's policy, like every other output.
fn report_backups(file: &Path) -> Backups {
    let workspace = Workspace::current();
    let beside =
        crate::policy::Policy::discover(None, Path::new("."), workspace.repo_root.as_deref())
            .is_ok_and(|p| p.backup_beside());
    let dir = file.parent().unwrap_or(Path::new("."));
    crate::output::backups_for(&workspace, beside, dir)
}
