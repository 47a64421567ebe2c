//! `manifest export` (also `export`): read → derive → resolve → write → record.

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::export::{self, ExportInput};
use crate::fingerprint::Fingerprint;
use crate::model::manifest;
use crate::output::Outputs;
use crate::paths::{RUN_RECORD, check_safe_name, export_names};
use crate::policy::{ConfigSnapshot, Policy, Source};
use crate::provenance::{ArtifactReference, InputRecord};
use crate::workspace::Workspace;
use crate::yaml::Pos;

use super::args::{DocFormat, ExportArgs, flag_pair};
use super::{manifest::print_warnings, summary};

/// Runs an export; exit 1 when strict quality fails.
pub fn run(a: ExportArgs) -> Result<i32> {
    let (workspace, policy) = super::session(a.write.policy.as_deref())?;
    let shown = a.path.display().to_string();
    let mut loaded = manifest::load(&a.path, &shown)?;
    if let Some(id) = &a.project_id {
        check_safe_name(id).map_err(|why| Error::Usage(format!("--project-id: {why}")))?;
        loaded.manifest.metadata.name = id.clone();
    }
    print_warnings(&loaded.warnings);

    let strict_flag = flag_pair(a.strict_quality, a.no_strict_quality);
    let (mut recorder, resolved, strategy) = super::begin(
        "manifest export",
        &workspace,
        &policy,
        &a.write,
        strict_flag,
        false,
    );
    let o = resolve_options(&a, &workspace, &policy, &mut recorder.config)?;
    let config = &mut recorder.config;
    if let Some(id) = &a.project_id {
        config.record("project_id", id, Source::Flag);
    }
    let schema_pins = policy.value(config, "schema_pins");
    let allowlist = policy.value(config, "scan_path_allowlist");

    let task_mapping = match &a.task_mapping {
        Some(p) => Some(read_task_mapping(p)?),
        None => None,
    };
    let scanned = scan(&workspace, &a.scan_existing, &a.output_dir, &allowlist)?;

    // Fingerprinted once: the record's input and the reports' source checksum are the same bytes.
    let manifest_fp =
        Fingerprint::of_file(&a.path, &workspace.record_path(&a.path, &a.output_dir))?;
    let generated_at =
        (!o.deterministic).then(|| crate::fingerprint::format_time(std::time::SystemTime::now()));
    let project = loaded.manifest.project_name().to_string();
    let docs = export::derive(&ExportInput {
        manifest: &loaded.manifest,
        document: &loaded.document,
        manifest_path: workspace.record_path(&a.path, &a.output_dir),
        manifest_sha256: manifest_fp.sha256.clone().unwrap_or_default(),
        namespace: a.namespace.clone(),
        json_format: o.json_format,
        generated_at,
        existing: scanned
            .iter()
            .map(|(_, shown, name)| (shown.clone(), name.clone()))
            .collect(),
        task_mapping: task_mapping.as_ref().and_then(Json::as_object),
        environment: o.environment.clone(),
        min_coverage: o.min_coverage,
        schema_pins: &schema_pins,
        policy_file: policy
            .file
            .as_ref()
            .map(|f| workspace.record_path(f, &a.output_dir)),
        strict: resolved.strict,
        manifest_warnings: loaded.warnings.len(),
    });
    let failed = resolved.strict && !docs.shortfalls.is_empty();

    let context_name = export_names::project_context(&project);
    let manifest_name = export_names::artifact_manifest(&project, o.json_format);
    let names = [
        context_name.as_str(),
        manifest_name.as_str(),
        export_names::ONBOARDING,
        export_names::VALIDATION,
        export_names::QUALITY,
        export_names::LEGACY_PROVENANCE,
        RUN_RECORD,
    ];
    let mut outputs = Outputs::open(
        &workspace,
        &a.output_dir,
        strategy,
        &policy,
        a.dry_run,
        &names,
    )?;
    recorder.add_input(manifest_fp.clone(), "manifest");
    outputs.record_policy(&policy, &mut recorder)?;
    if let Some(p) = &a.task_mapping {
        recorder.input(p, &outputs.shown(p), "task_mapping")?;
    }
    for (path, shown, _) in &scanned {
        recorder.input(path, shown, "scan_dir")?;
    }
    if !failed {
        outputs.write(
            &context_name,
            &docs.project_context,
            "project_context",
            &mut recorder,
        )?;
        outputs.write(
            &manifest_name,
            &docs.artifact_manifest,
            "artifact_manifest",
            &mut recorder,
        )?;
        if o.emit_onboarding {
            outputs.write(
                export_names::ONBOARDING,
                &docs.onboarding,
                "onboarding_metadata",
                &mut recorder,
            )?;
        }
        outputs.write(
            export_names::VALIDATION,
            &docs.validation,
            "validation_report",
            &mut recorder,
        )?;
    }
    if o.emit_quality || failed {
        outputs.write(
            export_names::QUALITY,
            &docs.quality,
            "quality_report",
            &mut recorder,
        )?;
    }
    if a.emit_provenance && !failed {
        let legacy = json!({
            "sourcePath": recorder.inputs[0].fingerprint.path,
            "sourceChecksum": manifest_fp.sha256,
            "contextcoreVersion": env!("CARGO_PKG_VERSION"),
            "cliOptions": recorder.config,
            "outputFiles": outputs.outcomes.iter().map(|o| o.shown.clone()).collect::<Vec<_>>(),
        });
        outputs.write(
            export_names::LEGACY_PROVENANCE,
            &export::to_json(&legacy),
            "legacy_provenance",
            &mut recorder,
        )?;
    }
    recorder.quality_summary = json!({
        "strict_quality": resolved.strict,
        "environment": o.environment,
        "coverage_percent": docs.coverage_percent,
        "threshold": o.min_coverage,
        "gates": docs.gates,
        "passed": docs.shortfalls.is_empty(),
        "shortfalls": docs.shortfalls,
        "errors": if failed { docs.shortfalls.len() } else { 0 },
        "warnings": loaded.warnings.len() + if failed { 0 } else { docs.shortfalls.len() },
    });
    recorder.artifact_references = artifact_references(&docs.artifacts, &recorder.inputs);
    let quality_path = outputs.shown(&a.output_dir.join(export_names::QUALITY));
    let run = outputs.finish(
        RUN_RECORD,
        recorder,
        resolved.emit_run_provenance,
        a.write.force_record,
    )?;
    let quality = json!({"quality": {"strict_quality": resolved.strict, "coverage_percent": docs.coverage_percent, "threshold": o.min_coverage, "passed": docs.shortfalls.is_empty(), "shortfalls": docs.shortfalls}});
    summary::print("manifest export", &run, a.json, quality);
    if !a.json {
        for s in &docs.shortfalls {
            eprintln!("{}: {s}", if failed { "error" } else { "warning" });
        }
    }
    if failed {
        eprintln!(
            "strict quality failed: {} shortfall(s); see {quality_path}",
            docs.shortfalls.len()
        );
        return Ok(EXIT_CHECK_FAILED);
    }
    Ok(0)
}

/// Export's options, each resolved flag > policy > default and recorded in `config`.
struct Options {
    deterministic: bool,
    emit_quality: bool,
    emit_onboarding: bool,
    json_format: bool,
    environment: String,
    min_coverage: f64,
}

fn resolve_options(
    a: &ExportArgs,
    workspace: &Workspace,
    policy: &Policy,
    config: &mut ConfigSnapshot,
) -> Result<Options> {
    let deterministic = policy.resolve_bool(
        config,
        "deterministic_output",
        flag_pair(a.deterministic_output, a.no_deterministic_output),
        "deterministic_output_default",
    );
    let emit_quality = policy.resolve_bool(
        config,
        "emit_quality_report",
        flag_pair(a.emit_quality_report, a.no_emit_quality_report),
        "emit_quality_report_default",
    );
    let emit_onboarding = config.switch(
        "emit_onboarding",
        flag_pair(a.emit_onboarding, a.no_onboarding),
        true,
    );
    config.record(
        "emit_provenance",
        a.emit_provenance,
        Source::flag_or_default(a.emit_provenance),
    );
    // Values equal to the built-in default are recorded as defaults (clap fills them in).
    let json_format = a.format == DocFormat::Json;
    config.record(
        "format",
        if json_format { "json" } else { "yaml" },
        Source::flag_or_default(json_format),
    );
    config.record(
        "namespace",
        &a.namespace,
        Source::flag_or_default(a.namespace != "default"),
    );
    let path = workspace.record_path(&a.path, &a.output_dir);
    config.record(
        "path",
        &path,
        Source::flag_or_default(a.path.as_path() != Path::new(".contextcore.yaml")),
    );
    let output_dir = workspace.record_path(&a.output_dir, &a.output_dir);
    config.record(
        "output_dir",
        &output_dir,
        Source::flag_or_default(a.output_dir.as_path() != Path::new("out")),
    );
    let environment = match &a.environment {
        Some(e) => {
            config.record("environment", e, Source::Flag);
            e.clone()
        }
        None => policy
            .value(config, "default_environment")
            .as_str()
            .unwrap_or("dev")
            .to_string(),
    };
    let thresholds = policy.value(config, "coverage_thresholds_by_env");
    let min_coverage = match a.min_coverage {
        Some(v) if (0.0..=100.0).contains(&v) => {
            config.record("min_coverage", v, Source::Flag);
            v
        }
        Some(v) => {
            return Err(Error::Usage(format!(
                "--min-coverage {v}: must be between 0 and 100"
            )));
        }
        None => {
            let Some(v) = thresholds.get(&environment).and_then(Json::as_f64) else {
                let known: Vec<&str> = thresholds
                    .as_object()
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                return Err(Error::Usage(format!(
                    "environment '{environment}' has no coverage threshold; coverage_thresholds_by_env has: {}",
                    known.join(", ")
                )));
            };
            // The threshold comes from the policy file only if it sets the table.
            let source = if policy.get("coverage_thresholds_by_env").is_some() {
                Source::Policy
            } else {
                Source::Default
            };
            config.record("min_coverage", v, source);
            v
        }
    };
    if !a.scan_existing.is_empty() {
        let dirs: Vec<String> = a
            .scan_existing
            .iter()
            .map(|d| workspace.record_path(d, &a.output_dir))
            .collect();
        config.record("scan_existing", dirs, Source::Flag);
    }
    Ok(Options {
        deterministic,
        emit_quality,
        emit_onboarding,
        json_format,
        environment,
        min_coverage,
    })
}

/// A task mapping: a JSON object whose values are task names or objects.
fn read_task_mapping(path: &Path) -> Result<Json> {
    let shown = path.display().to_string();
    let text = crate::source::read_text(path, &shown)?;
    let json = crate::source::parse_json(&text, &shown)?;
    let Some(map) = json.as_object() else {
        return Err(Error::at(
            &shown,
            Pos { line: 1, col: 1 },
            "task mapping must be a JSON object of artifact id → task",
        ));
    };
    for (key, value) in map {
        if !(value.is_string() || value.is_object()) {
            return Err(Error::at(
                &shown,
                locate_key(&text, key),
                format!("task for '{key}' must be a string or an object"),
            ));
        }
    }
    Ok(json)
}

/// Position of a JSON key in its text (first occurrence), for messages.
fn locate_key(text: &str, key: &str) -> Pos {
    let needle = format!("\"{key}\"");
    let Some(offset) = text.find(&needle) else {
        return Pos { line: 1, col: 1 };
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    Pos { line, col }
}

/// Files under each scan directory, sorted: (path, record path, file name).
fn scan(
    workspace: &Workspace,
    dirs: &[PathBuf],
    base: &Path,
    allowlist: &Json,
) -> Result<Vec<(PathBuf, String, String)>> {
    let allowed: Vec<&str> = allowlist
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for dir in dirs {
        let files = crate::workspace::files_under(dir, "--scan-existing")?;
        workspace.ensure_inside(dir)?;
        let shown = workspace.record_path(dir, base);
        let under =
            |p: &&str| shown == *p || shown.starts_with(&format!("{}/", p.trim_end_matches('/')));
        if !allowed.is_empty() && !allowed.iter().any(under) {
            return Err(Error::Usage(format!(
                "--scan-existing {shown}: not under the policy's scan_path_allowlist ({})",
                allowed.join(", ")
            )));
        }
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((workspace.record_path(&path, base), name, path));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out
        .into_iter()
        .map(|(shown, name, path)| (path, shown, name))
        .collect())
}

/// Every derived artifact, with the digests of its existing file (already fingerprinted as a
/// scan input) where there is one.
fn artifact_references(
    artifacts: &[crate::model::reports::Artifact],
    inputs: &[InputRecord],
) -> Vec<ArtifactReference> {
    artifacts
        .iter()
        .map(|a| {
            let fp = a
                .existing_path
                .as_ref()
                .and_then(|p| inputs.iter().find(|i| &i.fingerprint.path == p))
                .map(|i| &i.fingerprint);
            ArtifactReference {
                artifact_id: a.id.clone(),
                artifact_type: a.artifact_type.clone(),
                target: Some(a.target.clone()),
                status: Some(a.status.clone()),
                path: a.existing_path.clone(),
                sha256: fp.and_then(|f| f.sha256.clone()),
                git_blob: fp.and_then(|f| f.git_blob.clone()),
            }
        })
        .collect()
}
