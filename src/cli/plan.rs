//! `manifest init-from-plan`: read → infer (pure) → resolve → write → record.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::export::{to_json, to_yaml};
use crate::fingerprint::Digests;
use crate::model::manifest;
use crate::output::Outputs;
use crate::paths::{INIT_RUN_RECORD, check_safe_name, manifest_stem};
use crate::plan::infer::{self, SourceDoc, Workload};
use crate::plan::markdown;
use crate::policy::Source;
use crate::workspace::Workspace;
use crate::yaml::Pos;

use super::args::{InitFromPlanArgs, flag_pair};
use super::summary;

/// A file read as an input: its path and its record path.
type ReadFile = (PathBuf, String);

/// Workload kinds that become targets (all are target kinds of the manifest schema; an Argo
/// `Rollout` is not one, so it is not picked up).
const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"];

/// Runs init-from-plan; exit 1 (nothing written) when strict and the verdict is insufficient.
pub fn run(a: InitFromPlanArgs) -> Result<i32> {
    let site = super::Site::current(a.write.policy.as_deref())?;
    Ok(run_at(&site, a)?.code)
}

/// Runs init-from-plan with options already given, against a site (a reproduction's
/// scratch directory, or the working tree).
pub(crate) fn run_at(site: &super::Site, a: InitFromPlanArgs) -> Result<super::Ran> {
    let (workspace, policy) = (&site.workspace, &site.policy);
    if let Some(name) = &a.name {
        check_safe_name(name).map_err(|why| Error::Usage(format!("--name: {why}")))?;
    }
    let dir = match a.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let manifest_name = crate::paths::file_name_of(&a.output)?;
    let report_name = match &a.report_out {
        Some(p) => {
            if p.parent().is_some_and(|d| {
                !d.as_os_str().is_empty()
                    && crate::workspace::absolute(d) != crate::workspace::absolute(&dir)
            }) {
                return Err(Error::Usage(format!(
                    "--report-out {}: the report is written beside the manifest; give a file name",
                    p.display()
                )));
            }
            crate::paths::file_name_of(p)?
        }
        None => format!("{}.init-from-plan-report.json", manifest_stem(&a.output)),
    };

    let mut docs = vec![read_doc(&a.plan, "plan")?];
    for r in &a.requirements {
        docs.push(read_doc(r, "requirements")?);
    }
    let (workloads, scanned) = match &a.project_root {
        Some(root) => scan_workloads(workspace, root, &dir)?,
        None => (Vec::new(), Vec::new()),
    };
    for d in &mut docs {
        d.shown = workspace.record_path(Path::new(&d.shown), &dir);
    }
    let fallback = crate::plan::infer::slug_or(&manifest_stem(&a.plan), "project");
    let inferred = infer::infer(&docs, &workloads, a.name.as_deref(), &fallback);

    let strict_flag = flag_pair(a.strict_quality, a.no_strict_quality);
    let (mut recorder, resolved, strategy) = super::begin(
        "manifest init-from-plan",
        workspace,
        policy,
        &a.write,
        strict_flag,
        true,
    );
    let config = &mut recorder.config;
    config.record("force", a.force, Source::flag_or_default(a.force));
    config.record(
        "output",
        workspace.record_path(&a.output, &dir),
        Source::flag_or_default(a.output.as_path() != Path::new(".contextcore.yaml")),
    );
    if let Some(n) = &a.name {
        config.record("name", n, Source::Flag);
    }
    if let Some(root) = &a.project_root {
        // Replays need the directory itself, not only the files found in it.
        config.record(
            "project_root",
            workspace.record_path(root, &dir),
            Source::Flag,
        );
    }

    if resolved.strict && inferred.verdict == "insufficient" {
        eprintln!(
            "error: {}: not enough to infer a manifest (verdict insufficient, {} of {} core fields):",
            a.plan.display(),
            inferred.core_inferred_count,
            infer::CORE_FIELDS.len()
        );
        for r in &inferred.reasons {
            eprintln!("  {r}");
        }
        eprintln!(
            "nothing written; add the missing facts to the plan, or pass --no-strict-quality"
        );
        return Ok(super::Ran::stopped(EXIT_CHECK_FAILED));
    }
    policy.guard_manifest_overwrite(&a.output, strategy, a.force)?;
    let mut text = format!(
        "# Inferred by `contextcore manifest init-from-plan` from {}; review before use.\n# Evidence for every field: {report_name}\n",
        docs[0].shown
    );
    text.push_str(&String::from_utf8_lossy(&to_yaml(&inferred.manifest)));
    manifest::check_text(&text, &manifest_name)?;

    let mut outputs = Outputs::open(
        workspace,
        &dir,
        strategy,
        policy,
        a.dry_run,
        &[&manifest_name, &report_name, INIT_RUN_RECORD],
    )?;
    let manifest_shown = outputs.shown(&dir.join(&manifest_name));
    let report_path = dir.join(&report_name);
    let render = |generated_at: &str| {
        to_json(&infer::report(
            &docs,
            &manifest_shown,
            &inferred,
            infer::ReportContext {
                generated_at,
                dry_run: a.dry_run,
                strict_quality: resolved.strict,
                project_root: a.project_root.as_ref().map(|p| outputs.shown(p)),
                validation_warnings: Vec::new(),
            },
        ))
    };
    let report = match &site.document_time {
        Some(time) => render(time),
        None => {
            crate::timestamp::stable(&report_path, render, |bytes| {
                std::fs::read(&report_path).is_ok_and(|old| &old == bytes)
            })
            .1
        }
    };
    for (path, role) in [(&a.plan, "plan")]
        .into_iter()
        .chain(a.requirements.iter().map(|r| (r, "requirements")))
    {
        recorder.input(path, &outputs.shown(path), role)?;
    }
    for (path, shown) in &scanned {
        recorder.input(path, shown, "project_root")?;
    }
    outputs.record_policy(policy, &mut recorder)?;
    outputs.write(&manifest_name, text.as_bytes(), "manifest", &mut recorder)?;
    outputs.write(
        &report_name,
        &report,
        "init_from_plan_report",
        &mut recorder,
    )?;
    recorder.quality_summary = json!({
        "strict_quality": resolved.strict,
        "core_inferred_count": inferred.core_inferred_count,
        "core_fields_missing": inferred.core_missing,
        "verdict": inferred.verdict,
        "downstream_readiness": inferred.verdict,
        "errors": 0,
        "warnings": inferred.core_missing.len(),
    });
    site.keep_recorded_sources(&mut recorder.config);
    let run = outputs.finish(
        INIT_RUN_RECORD,
        recorder,
        resolved.emit_run_provenance,
        a.write.force_record,
    )?;
    let readiness = json!({"readiness": {
        "verdict": inferred.verdict,
        "downstream_readiness": inferred.verdict,
        "core_inferred_count": inferred.core_inferred_count,
        "core_fields_missing": inferred.core_missing,
        "reasons": inferred.reasons,
    }});
    let ran = super::Ran {
        code: 0,
        finished: Some(run),
    };
    if site.quiet {
        return Ok(ran);
    }
    if let Some(run) = &ran.finished {
        summary::print("manifest init-from-plan", run, a.json, readiness);
    }
    if a.json {
        return Ok(ran);
    }
    println!(
        "verdict: {} ({} of {} core fields inferred)",
        inferred.verdict,
        inferred.core_inferred_count,
        infer::CORE_FIELDS.len()
    );
    for r in &inferred.reasons {
        println!("  {r}");
    }
    Ok(ran)
}

fn read_doc(path: &Path, role: &'static str) -> Result<SourceDoc> {
    let shown = path.display().to_string();
    let text = crate::source::read_text(path, &shown)?;
    if text.trim().is_empty() {
        return Err(Error::at(
            &shown,
            Pos { line: 1, col: 1 },
            format!("the {role} file is empty"),
        ));
    }
    Ok(SourceDoc {
        sha256: Digests::of_bytes(text.as_bytes()).sha256,
        blocks: markdown::blocks(&text),
        shown,
        role,
    })
}

/// Kubernetes workloads in YAML files under `root` (hidden directories skipped; files over the
/// input limit or not YAML are ignored): the targets, and every file read, for the record.
fn scan_workloads(
    workspace: &Workspace,
    root: &Path,
    base: &Path,
) -> Result<(Vec<Workload>, Vec<ReadFile>)> {
    let files: Vec<PathBuf> = crate::workspace::files_under(root, "--project-root")?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    let mut workloads = Vec::new();
    let mut read = Vec::new();
    for path in files {
        let shown = workspace.record_path(&path, base);
        let Ok(text) = crate::source::read_text(&path, &shown) else {
            continue;
        };
        let mut line = 1;
        for chunk in text.split("\n---") {
            if let Ok(node) = crate::yaml::parse(chunk) {
                let kind = node
                    .get("kind")
                    .and_then(|k| k.as_scalar_string())
                    .unwrap_or_default();
                let meta = node.get("metadata");
                let name = meta
                    .and_then(|m| m.get("name"))
                    .and_then(|n| n.as_scalar_string())
                    .unwrap_or_default();
                let namespace = meta
                    .and_then(|m| m.get("namespace"))
                    .and_then(|n| n.as_scalar_string())
                    .unwrap_or_else(|| "default".into());
                if WORKLOADS.contains(&kind.as_str())
                    && check_safe_name(&name).is_ok()
                    && check_safe_name(&namespace).is_ok()
                {
                    let at = node
                        .get("kind")
                        .map_or(line, |k| line + k.pos.line as usize - 1);
                    workloads.push(Workload {
                        kind,
                        name,
                        namespace,
                        shown: shown.clone(),
                        line: at,
                    });
                }
            }
            line += chunk.matches('\n').count() + 1;
        }
        read.push((path, shown));
    }
    Ok((workloads, read))
}
