//! `generate`: project context → ServiceMonitor, PrometheusRule, dashboard, report, record.

use std::path::PathBuf;

use serde_json::json;

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::fingerprint::{Digests, Fingerprint};
use crate::generate::{self, Selection};
use crate::model::project_context;
use crate::model::reports::Check;
use crate::output::Outputs;
use crate::paths::{GENERATION_REPORT, RUN_RECORD};
use crate::policy::Source;
use crate::provenance::{ArtifactReference, ArtifactReferences};
use crate::workspace::Workspace;

use super::options::{GenerateOptions, flag_pair};
use super::{manifest::print_warnings, summary};

/// Runs generate; exit 1 when strict checks fail (then nothing is written).
pub fn run(a: GenerateOptions) -> Result<i32> {
    let site = super::Site::current(a.write.policy.as_deref())?;
    Ok(run_at(&site, a)?.code)
}

/// Runs generate with options already given (by the command line or a replayed record)
/// against a site: the working tree, or a scratch directory for a reproduction.
pub fn run_at(site: &super::Site, mut a: GenerateOptions) -> Result<super::Ran> {
    let (workspace, policy) = (&site.workspace, &site.policy);
    (a.context, a.output) = locate_context(&a, workspace)?;
    let shown = crate::path_bytes::text_of(&a.context);
    let (ctx, warnings) = project_context::load(&a.context, &shown)?;
    if !site.quiet {
        print_warnings(&warnings);
    }
    let strict_flag = flag_pair(a.strict_quality, a.no_strict_quality);
    let (mut recorder, resolved, strategy) =
        super::begin("generate", workspace, policy, &a.write, strict_flag, true);
    let sel = selection(&a);
    let emit_report = record_options(&a, workspace, sel, &mut recorder.config);

    let checks = generate::strict_checks(&ctx, sel);
    let failing: Vec<&Check> = checks.iter().filter(|c| !c.passed).collect();
    if resolved.strict && !failing.is_empty() {
        for c in &failing {
            eprintln!("error: {shown}: {} failed: {}", c.check, c.detail);
        }
        eprintln!(
            "strict quality failed: nothing generated (pass --no-strict-quality to generate anyway)"
        );
        return Ok(super::Ran::stopped(EXIT_CHECK_FAILED));
    }
    for c in failing.iter().filter(|_| !site.quiet) {
        eprintln!("warning: {shown}: {} failed: {}", c.check, c.detail);
    }
    for why in generate::left_out(&ctx).iter().filter(|_| !site.quiet) {
        eprintln!("warning: {shown}: {why}");
    }
    let mut artifacts = generate::generate(&ctx, sel);
    if a.write_legacy_aliases {
        artifacts.extend(legacy_aliases(&artifacts, &ctx.metadata.name));
    }
    let run = Generation {
        project: &ctx.metadata.name,
        artifacts: &artifacts,
        checks: &checks,
        emit_report,
    };
    let finished = write_and_record(site, &a, recorder, &resolved, strategy, &run)?;
    if !site.quiet {
        summary::print(
            "generate",
            &finished,
            a.json,
            json!({"strict_checks": checks}),
        );
    }
    Ok(super::Ran {
        code: 0,
        finished: Some(finished),
    })
}

/// What to generate: the flags given, or everything.
fn selection(a: &GenerateOptions) -> Selection {
    let any = a.service_monitor || a.prometheus_rule || a.dashboard;
    Selection {
        service_monitor: a.all || !any || a.service_monitor,
        prometheus_rule: a.all || !any || a.prometheus_rule,
        dashboard: a.all || !any || a.dashboard,
    }
}

/// Records generate's options; returns whether the report is written.
fn record_options(
    a: &GenerateOptions,
    workspace: &Workspace,
    sel: Selection,
    config: &mut crate::policy::ConfigSnapshot,
) -> bool {
    let any = a.service_monitor || a.prometheus_rule || a.dashboard;
    config.record("selection", json!({"service_monitor": sel.service_monitor, "prometheus_rule": sel.prometheus_rule, "dashboard": sel.dashboard}), Source::flag_or_default(any || a.all));
    let emit_report = config.switch(
        "emit_report",
        flag_pair(a.emit_report, a.no_emit_report),
        true,
    );
    config.record(
        "context",
        workspace.record_path(&a.context, &a.output),
        Source::Flag,
    );
    config.record(
        "output_dir",
        workspace.record_path(&a.output, &a.output),
        Source::flag_or_default(a.output_arg.is_some()),
    );
    if a.write_legacy_aliases {
        config.record("write_legacy_aliases", true, Source::Flag);
    }
    emit_report
}

/// The earlier implementation's names for the same content (`{name}-servicemonitor.yaml`,
/// `{name}-prometheusrule.yaml`).
fn legacy_aliases(artifacts: &[generate::Generated], project: &str) -> Vec<generate::Generated> {
    artifacts
        .iter()
        .filter_map(|g| {
            let alias = match g.artifact_type {
                "service_monitor" => "servicemonitor",
                "prometheus_rule" => "prometheusrule",
                _ => return None,
            };
            Some(generate::Generated {
                artifact_type: g.artifact_type,
                name: format!("{project}-{alias}.yaml"),
                bytes: g.bytes.clone(),
            })
        })
        .collect()
}

/// What a generation writes.
struct Generation<'a> {
    project: &'a str,
    artifacts: &'a [generate::Generated],
    checks: &'a [Check],
    emit_report: bool,
}

/// Writes the artifacts and the report, and records the run.
fn write_and_record(
    site: &super::Site,
    a: &GenerateOptions,
    mut recorder: crate::provenance::Recorder,
    resolved: &crate::policy::StrictAndProvenance,
    strategy: crate::paths::WriteStrategy,
    run: &Generation,
) -> Result<crate::output::Finished> {
    let (workspace, policy) = (&site.workspace, &site.policy);
    let context_fp = Fingerprint::of_file(&a.context, &crate::quote::fs_path(&a.context))?;
    let mut names: Vec<&str> = run.artifacts.iter().map(|g| g.name.as_str()).collect();
    names.extend([GENERATION_REPORT, RUN_RECORD]);
    let mut outputs = Outputs::open(workspace, &a.output, strategy, policy, a.dry_run, &names)?;
    recorder.input(&a.context, &outputs.shown(&a.context), "project_context")?;
    outputs.record_policy(policy, &mut recorder)?;
    let mut written = Vec::new();
    for g in run.artifacts {
        let outcome = outputs.write(&g.name, &g.bytes, g.artifact_type, &mut recorder)?;
        let d = Digests::of_bytes(&g.bytes);
        written.push((outcome.shown, g, d.sha256, d.git_blob));
    }
    if run.emit_report {
        let report = generate::report(
            run.project,
            crate::model::reports::GeneratedFrom {
                path: outputs.shown(&a.context),
                sha256: context_fp.sha256.clone().unwrap_or_default(),
            },
            &written,
            run.checks,
            resolved.strict,
        );
        outputs.write(
            GENERATION_REPORT,
            &report,
            "generation_report",
            &mut recorder,
        )?;
    }
    let failing = run.checks.iter().filter(|c| !c.passed).count();
    recorder.quality_summary = json!({
        "strict_quality": resolved.strict,
        "strict_checks": run.checks,
        "passed": failing == 0,
        "context_sha256": context_fp.sha256,
        "errors": 0,
        "warnings": failing,
    });
    recorder.artifact_references = ArtifactReferences {
        artifact_manifest_path: None,
        generation_report_path: outputs
            .outcomes
            .iter()
            .find(|o| o.role == "generation_report")
            .map(|o| o.shown.clone()),
        artifacts: written
            .iter()
            .map(|(path, g, sha256, git_blob)| ArtifactReference {
                artifact_id: format!("{}-{}", run.project, g.artifact_type),
                artifact_type: g.artifact_type.to_string(),
                target: None,
                status: Some("generated".into()),
                path: Some(path.clone()),
                sha256: Some(sha256.clone()),
                git_blob: Some(git_blob.clone()),
            })
            .collect(),
        ..ArtifactReferences::default()
    };
    site.keep_recorded_sources(&mut recorder.config);
    outputs.finish(
        RUN_RECORD,
        recorder,
        resolved.emit_run_provenance,
        a.write.force_record,
    )
}

/// The project context generate reads and the directory it writes: `-c` (outputs in
/// `generated/` here), or the context the nearest manifest's export wrote
/// (`out/{project}-projectcontext.yaml` beside it, outputs in `generated/` beside it).
fn locate_context(a: &GenerateOptions, workspace: &Workspace) -> Result<(PathBuf, PathBuf)> {
    if let Some(context) = &a.context_arg {
        let output = a.output_arg.clone().unwrap_or_else(|| "generated".into());
        return Ok((context.clone(), output));
    }
    let located = super::locate::manifest(None, workspace.repo_root.as_deref()).map_err(|_| {
        Error::Usage(
            "no -c given and no .contextcore.yaml found upward to find the exported project \
             context by; pass -c out/<project>-projectcontext.yaml"
                .into(),
        )
    })?;
    let shown = crate::path_bytes::text_of(&located.manifest);
    let project = crate::model::manifest::load(&located.manifest, &shown)?
        .manifest
        .project_name()
        .to_string();
    let context = located
        .dir
        .join("out")
        .join(crate::paths::export_names::project_context(&project));
    if !context.is_file() {
        return Err(Error::Usage(format!(
            "{}: not exported yet; run `contextcore export` first (or pass -c FILE)",
            crate::quote::fs_path(&context)
        )));
    }
    let output = a
        .output_arg
        .clone()
        .unwrap_or_else(|| located.dir.join("generated"));
    Ok((context, output))
}
