//! `manifest init-from-plan`: read → infer (pure) → resolve → write → record.

use std::ffi::{OsStr, OsString};
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

use super::options::{InitFromPlanOptions, flag_pair};
use super::summary;

/// A file read as an input: its path and its record path.
type ReadFile = (PathBuf, String);

/// Workload kinds that become targets (all are target kinds of the manifest schema; an Argo
/// `Rollout` is not one, so it is not picked up).
const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"];

/// Runs init-from-plan; exit 1 (nothing written) when strict and the verdict is insufficient.
pub fn run(a: InitFromPlanOptions) -> Result<i32> {
    let site = super::Site::current(a.write.policy.as_deref())?;
    Ok(run_at(&site, a)?.code)
}

/// Runs init-from-plan with options already given, against a site (a reproduction's
/// scratch directory, or the working tree).
pub fn run_at(site: &super::Site, a: InitFromPlanOptions) -> Result<super::Ran> {
    let names = Names::of(&a)?;
    let (docs, workloads, scanned) = read_inputs(site, &a, &names.dir)?;
    let fallback = crate::plan::infer::slug_or(&manifest_stem(&a.plan), "project");
    let inferred = infer::infer(&docs, &workloads, a.name.as_deref(), &fallback);
    let (recorder, resolved, strategy) = begin(site, &a, &names.dir);
    if resolved.strict && inferred.verdict == "insufficient" {
        refuse_insufficient(&a, &inferred);
        return Ok(super::Ran::stopped(EXIT_CHECK_FAILED));
    }
    site.policy
        .guard_manifest_overwrite(&a.output, strategy, a.force)?;
    let text = manifest_text(&docs, &inferred, &names)?;
    let run = ToWrite {
        docs: &docs,
        scanned: &scanned,
        inferred: &inferred,
        text: &text,
    };
    let finished = write_and_record(site, &a, &names, recorder, &resolved, strategy, &run)?;
    let ran = super::Ran {
        code: 0,
        finished: Some(finished),
    };
    if !site.quiet {
        report(&a, &inferred, &ran);
    }
    Ok(ran)
}

/// Where init-from-plan writes: the manifest's directory, its file name, and the report's.
struct Names {
    dir: PathBuf,
    manifest: OsString,
    report: OsString,
}

impl Names {
    fn of(a: &InitFromPlanOptions) -> Result<Self> {
        if let Some(name) = &a.name {
            check_safe_name(name).map_err(|why| Error::Usage(format!("--name: {why}")))?;
        }
        let dir = match a.output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let manifest = crate::paths::file_name_of(&a.output)?;
        let report = match &a.report_out {
            Some(p) => {
                if p.parent().is_some_and(|d| {
                    !d.as_os_str().is_empty()
                        && crate::workspace::absolute(d) != crate::workspace::absolute(&dir)
                }) {
                    return Err(Error::Usage(format!(
                        "--report-out {}: the report is written beside the manifest; give a file name",
                        crate::quote::fs_path(p)
                    )));
                }
                crate::paths::file_name_of(p)?
            }
            None => {
                // `manifest_stem`, kept as bytes: a name that is not UTF-8 stays as given.
                let mut report = Path::new(&manifest)
                    .file_stem()
                    .unwrap_or_default()
                    .to_os_string();
                report.push(".init-from-plan-report.json");
                report
            }
        };
        Ok(Self {
            dir,
            manifest,
            report,
        })
    }
}

/// The plan and requirement documents (their record paths set) and the workloads under
/// `--project-root` with the files they came from.
fn read_inputs(
    site: &super::Site,
    a: &InitFromPlanOptions,
    dir: &Path,
) -> Result<(Vec<SourceDoc>, Vec<infer::Workload>, Vec<ReadFile>)> {
    let workspace = &site.workspace;
    let mut docs = vec![read_doc(&a.plan, "plan")?];
    for r in &a.requirements {
        docs.push(read_doc(r, "requirements")?);
    }
    let (workloads, scanned) = match &a.project_root {
        Some(root) => scan_workloads(workspace, root, dir)?,
        None => (Vec::new(), Vec::new()),
    };
    for (d, path) in docs
        .iter_mut()
        .zip(std::iter::once(&a.plan).chain(&a.requirements))
    {
        d.shown = workspace.record_path(path, dir);
    }
    Ok((docs, workloads, scanned))
}

/// Starts the run's record with the options replays need.
fn begin(
    site: &super::Site,
    a: &InitFromPlanOptions,
    dir: &Path,
) -> (
    crate::provenance::Recorder,
    crate::policy::StrictAndProvenance,
    crate::paths::WriteStrategy,
) {
    let workspace = &site.workspace;
    let strict_flag = flag_pair(a.strict_quality, a.no_strict_quality);
    let (mut recorder, resolved, strategy) = super::begin(
        "manifest init-from-plan",
        workspace,
        &site.policy,
        &a.write,
        strict_flag,
        true,
    );
    let config = &mut recorder.config;
    config.record("force", a.force, Source::flag_or_default(a.force));
    config.record(
        "output",
        workspace.record_path(&a.output, dir),
        Source::flag_or_default(a.output.as_path() != Path::new(".contextcore.yaml")),
    );
    if let Some(n) = &a.name {
        config.record("name", n, Source::Flag);
    }
    if let Some(root) = &a.project_root {
        // Replays need the directory itself, not only the files found in it.
        config.record(
            "project_root",
            workspace.record_path(root, dir),
            Source::Flag,
        );
    }
    (recorder, resolved, strategy)
}

/// Strict quality with an insufficient verdict: say why, write nothing.
fn refuse_insufficient(a: &InitFromPlanOptions, inferred: &infer::Inferred) {
    eprintln!(
        "error: {}: not enough to infer a manifest (verdict insufficient, {} of {} core fields):",
        crate::quote::fs_path(&a.plan),
        inferred.core_inferred_count,
        infer::CORE_FIELDS.len()
    );
    for r in &inferred.reasons {
        eprintln!("  {r}");
    }
    eprintln!("nothing written; add the missing facts to the plan, or pass --no-strict-quality");
}

/// The manifest as written: a header naming the plan and the report, then the inferred
/// document, checked like any manifest before anything is written.
fn manifest_text(docs: &[SourceDoc], inferred: &infer::Inferred, names: &Names) -> Result<String> {
    let mut text = format!(
        "# Inferred by `contextcore manifest init-from-plan` from {}; review before use.\n# Evidence for every field: {}\n",
        docs[0].shown,
        crate::path_bytes::text_of(Path::new(&names.report))
    );
    text.push_str(&String::from_utf8_lossy(&to_yaml(&inferred.manifest)));
    manifest::check_text(
        &text,
        &crate::path_bytes::text_of(Path::new(&names.manifest)),
    )?;
    Ok(text)
}

/// What the run inferred and will write.
struct ToWrite<'a> {
    docs: &'a [SourceDoc],
    scanned: &'a [ReadFile],
    inferred: &'a infer::Inferred,
    text: &'a str,
}

/// Writes the manifest and the report (at a stable time) and records the run.
fn write_and_record(
    site: &super::Site,
    a: &InitFromPlanOptions,
    names: &Names,
    mut recorder: crate::provenance::Recorder,
    resolved: &crate::policy::StrictAndProvenance,
    strategy: crate::paths::WriteStrategy,
    run: &ToWrite,
) -> Result<crate::output::Finished> {
    let (workspace, policy) = (&site.workspace, &site.policy);
    let mut outputs = Outputs::open(
        workspace,
        &names.dir,
        strategy,
        policy,
        a.dry_run,
        &[
            names.manifest.as_os_str(),
            &names.report,
            OsStr::new(INIT_RUN_RECORD),
        ],
    )?;
    let manifest_shown = outputs.shown(&names.dir.join(&names.manifest));
    let report_path = names.dir.join(&names.report);
    let render = |generated_at: &str| {
        to_json(&infer::report(
            run.docs,
            &manifest_shown,
            run.inferred,
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
    for (path, shown) in run.scanned {
        recorder.input(path, shown, "project_root")?;
    }
    outputs.record_policy(policy, &mut recorder)?;
    outputs.write(
        &names.manifest,
        run.text.as_bytes(),
        "manifest",
        &mut recorder,
    )?;
    outputs.write(
        &names.report,
        &report,
        "init_from_plan_report",
        &mut recorder,
    )?;
    let inferred = run.inferred;
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
    outputs.finish(
        INIT_RUN_RECORD,
        recorder,
        resolved.emit_run_provenance,
        a.write.force_record,
    )
}

/// The summary, then the readiness verdict and what it lacks.
fn report(a: &InitFromPlanOptions, inferred: &infer::Inferred, ran: &super::Ran) {
    let readiness = json!({"readiness": {
        "verdict": inferred.verdict,
        "downstream_readiness": inferred.verdict,
        "core_inferred_count": inferred.core_inferred_count,
        "core_fields_missing": inferred.core_missing,
        "reasons": inferred.reasons,
    }});
    if let Some(run) = &ran.finished {
        summary::print("manifest init-from-plan", run, a.json, readiness);
    }
    if a.json {
        return;
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
}

fn read_doc(path: &Path, role: &'static str) -> Result<SourceDoc> {
    let shown = crate::path_bytes::text_of(path);
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
