//! `manifest export` (also `export`): read → derive → resolve → write → record.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::{Value as Json, json};

use crate::error::{EXIT_CHECK_FAILED, Error, Result};
use crate::export::{self, ExportInput};
use crate::output::Outputs;
use crate::paths::{RUN_RECORD, export_names};
use crate::policy::{ConfigSnapshot, Policy, Source};
use crate::provenance::ArtifactReferences;
use crate::workspace::Workspace;

use super::export_inputs::{
    ReadInputs, check_allowlist, existing_files, policy_scan_dirs, read_inputs,
};
use super::options::{DocFormat, ExportOptions, flag_pair};
use super::{manifest::print_warnings, summary};

/// Runs an export: read → derive → write → record (→ verify); exit 1 when strict quality
/// fails or `--verify` finds the output unhealthy.
pub fn run(a: ExportOptions) -> Result<i32> {
    let site = super::Site::current(a.write.policy.as_deref())?;
    Ok(run_at(&site, a)?.code)
}

/// Runs an export with options already given (by the command line or a replayed record)
/// against a site: the working tree, or a scratch directory for a reproduction.
pub fn run_at(site: &super::Site, mut a: ExportOptions) -> Result<super::Ran> {
    locate(site, &mut a)?;
    let input = read_inputs(&a, &site.workspace)?;
    if !site.quiet {
        print_warnings(&input.loaded.warnings);
    }
    let (mut recorder, run) = Resolved::begin(site, &a)?;
    let names = ExportNames::new(input.loaded.manifest.project_name(), run.o.json_format);
    record_inputs(&mut recorder, &site.workspace, &a, &input, &site.policy)?;
    site.keep_recorded_sources(&mut recorder.config);
    if let Some(record) = kept_record(site, &a, &run, &recorder, &names)? {
        let finished = super::noop::finished(&site.workspace, &a.output_dir, &record);
        let quality = &record.quality_summary;
        let coverage_percent = quality["coverage_percent"].as_f64().unwrap_or_default();
        let shortfalls: Vec<String> =
            serde_json::from_value(quality["shortfalls"].clone()).unwrap_or_default();
        let code = report(
            site,
            &a,
            &run,
            coverage_percent,
            &shortfalls,
            &finished,
            false,
        )?;
        return Ok(super::Ran {
            code,
            finished: Some(finished),
        });
    }
    let (_, docs) = derive_documents(site, &a, &input, &recorder, &run, &names);
    let failed = run.strict && !docs.shortfalls.is_empty();
    let written = Written {
        docs: &docs,
        names: &names,
        failed,
    };
    let finished = write_and_record(site, &a, &input, recorder, &run, &written)?;
    if !a.dry_run && site.document_time.is_none() && finished.record.is_some() {
        super::noop::remember(&site.workspace, &a.output_dir)?;
    }
    let code = report(
        site,
        &a,
        &run,
        docs.coverage_percent,
        &docs.shortfalls,
        &finished,
        failed,
    )?;
    Ok(super::Ran {
        code,
        finished: Some(finished),
    })
}

/// The manifest (`-p`, or found upward), the output directory (`-o`, or `out/` beside the
/// manifest) and the scan directories (`--scan-existing`, or the policy's).
fn locate(site: &super::Site, a: &mut ExportOptions) -> Result<()> {
    let (workspace, policy) = (&site.workspace, &site.policy);
    let located = super::locate::manifest(a.path_arg.as_deref(), workspace.repo_root.as_deref())?;
    a.output_dir = a
        .output_dir_arg
        .clone()
        .unwrap_or_else(|| located.dir.join("out"));
    a.path = located.manifest;
    a.scan_from_flag = !a.scan_existing.is_empty();
    if !a.scan_from_flag {
        a.scan_existing = policy_scan_dirs(policy, workspace);
    }
    Ok(())
}

/// Every option of a run, resolved flag > policy > default (and recorded).
struct Resolved {
    strict: bool,
    emit_run_provenance: bool,
    strategy: crate::paths::WriteStrategy,
    o: Options,
    schema_pins: Json,
    allowlist: Json,
}

impl Resolved {
    /// Starts the run's record and resolves its options.
    fn begin(site: &super::Site, a: &ExportOptions) -> Result<(crate::provenance::Recorder, Self)> {
        let (workspace, policy) = (&site.workspace, &site.policy);
        let strict_flag = flag_pair(a.strict_quality, a.no_strict_quality);
        let (mut recorder, resolved, strategy) = super::begin(
            "manifest export",
            workspace,
            policy,
            &a.write,
            strict_flag,
            false,
        );
        let o = resolve_options(a, workspace, policy, &mut recorder.config)?;
        if a.verify && !o.emit_onboarding {
            return Err(Error::Usage(
                "--verify checks the onboarding metadata, which --no-onboarding leaves out; drop one of the two".into(),
            ));
        }
        let schema_pins = policy.value(&mut recorder.config, "schema_pins");
        let allowlist = policy.value(&mut recorder.config, "scan_path_allowlist");
        check_allowlist(workspace, a, &allowlist)?;
        let resolved = Self {
            strict: resolved.strict,
            emit_run_provenance: resolved.emit_run_provenance,
            strategy,
            o,
            schema_pins,
            allowlist,
        };
        Ok((recorder, resolved))
    }
}

/// Every document, at a document time that stays the same when nothing else changed (or the
/// time a reproduction replays).
fn derive_documents(
    site: &super::Site,
    a: &ExportOptions,
    input: &ReadInputs,
    recorder: &crate::provenance::Recorder,
    run: &Resolved,
    names: &ExportNames,
) -> (String, export::ExportDocuments) {
    let (workspace, policy, o) = (&site.workspace, &site.policy, &run.o);
    let manifest_path = workspace.record_path(&a.path, &a.output_dir);
    let existing = existing_files(workspace, &a.output_dir, input);
    let cli_args = cli_args(workspace, &a.output_dir);
    let render = |generated_at: &str| {
        let legacy = (a.emit_provenance || a.embed_provenance).then(|| {
            export::legacy::provenance(&export::legacy::LegacyProvenance {
                generated_at,
                deterministic: o.deterministic,
                manifest_path: &manifest_path,
                manifest_sha256: input.manifest_fp.sha256.as_deref().unwrap_or_default(),
                git: &recorder.git,
                cli_args: &cli_args,
                options: &recorder.config,
                output_dir: &workspace.record_path(&a.output_dir, &a.output_dir),
                output_files: &names.documents(o),
                profile: &a.profile,
            })
        });
        export::derive(&ExportInput {
            manifest: &input.loaded.manifest,
            document: &input.loaded.document,
            manifest_path: manifest_path.clone(),
            manifest_sha256: input.manifest_fp.sha256.clone().unwrap_or_default(),
            namespace: a.namespace.clone(),
            json_format: o.json_format,
            generated_at: generated_at.to_string(),
            deterministic: o.deterministic,
            existing: existing.clone(),
            task_mapping: input.task_mapping.as_ref().and_then(Json::as_object),
            service_metadata: input.service_metadata.as_ref().and_then(Json::as_object),
            profile: a.profile.clone(),
            source_path_relative: source_path_relative(&a.path, &a.output_dir, &manifest_path),
            legacy_provenance: legacy,
            embed_provenance: a.embed_provenance,
            environment: o.environment.clone(),
            min_coverage: o.min_coverage,
            schema_pins: &run.schema_pins,
            scan_path_allowlist: run.allowlist.clone(),
            policy_file: policy
                .file
                .as_ref()
                .map(|f| workspace.record_path(f, &a.output_dir)),
            strict: run.strict,
            manifest_warnings: input.loaded.warnings.len(),
        })
    };
    if let Some(time) = &site.document_time {
        (time.clone(), render(time))
    } else if o.deterministic {
        crate::timestamp::stable(
            &a.output_dir.join(export_names::VALIDATION),
            render,
            |docs| unchanged_on_disk(&a.output_dir, names, docs, o),
        )
    } else {
        let now = crate::timestamp::now();
        let docs = render(&now);
        (now, docs)
    }
}

/// What a run wrote: its documents under their names; `failed` when strict
/// quality failed.
struct Written<'a> {
    docs: &'a export::ExportDocuments,
    names: &'a ExportNames,
    failed: bool,
}

/// Writes the documents and the run record (none for a failed strict run: the previous record
/// keeps claiming the previous outputs, so lineage never sees them unowned — a false "ok").
fn write_and_record(
    site: &super::Site,
    a: &ExportOptions,
    input: &ReadInputs,
    mut recorder: crate::provenance::Recorder,
    run: &Resolved,
    w: &Written,
) -> Result<crate::output::Finished> {
    let (workspace, policy) = (&site.workspace, &site.policy);
    let mut outputs = Outputs::open(
        workspace,
        &a.output_dir,
        run.strategy,
        policy,
        a.dry_run,
        &w.names.all(),
    )?;
    write_documents(
        &mut outputs,
        &mut recorder,
        w.names,
        w.docs,
        &run.o,
        a,
        w.failed,
    )?;
    record_summary(&mut recorder, w.docs, &run.o, input, run.strict, w.failed);
    recorder.artifact_references = artifact_references(&outputs);
    if run.o.emit_onboarding && !w.failed {
        recorder.artifact_inventory = w.docs.inventory.clone();
    }
    site.keep_recorded_sources(&mut recorder.config);
    outputs.finish(
        RUN_RECORD,
        recorder,
        run.emit_run_provenance && !w.failed,
        a.write.force_record,
    )
}

/// Prints the summary and shortfalls, runs `--verify`, and picks the exit code.
fn report(
    site: &super::Site,
    a: &ExportOptions,
    run: &Resolved,
    coverage_percent: f64,
    shortfalls: &[String],
    finished: &crate::output::Finished,
    failed: bool,
) -> Result<i32> {
    if site.quiet {
        return Ok(if failed { EXIT_CHECK_FAILED } else { 0 });
    }
    let quality = json!({"quality": {"strict_quality": run.strict, "coverage_percent": coverage_percent, "threshold": run.o.min_coverage, "passed": shortfalls.is_empty(), "shortfalls": shortfalls}});
    summary::print("manifest export", finished, a.json, quality);
    if !a.json {
        for s in shortfalls {
            eprintln!("{}: {s}", if failed { "error" } else { "warning" });
        }
        if site.workspace.is_outside(&a.output_dir) {
            eprintln!(
                "note: {} is outside the repository; lineage (hook, status, verify) cannot check these outputs",
                crate::quote::fs_path(&a.output_dir)
            );
        }
    }
    if failed {
        let quality_path = site
            .workspace
            .record_path(&a.output_dir.join(export_names::QUALITY), &a.output_dir);
        eprintln!(
            "strict quality failed: {} shortfall(s); see {quality_path} (the other outputs and the run record are left as they were)",
            shortfalls.len()
        );
        return Ok(EXIT_CHECK_FAILED);
    }
    if a.verify && !a.dry_run {
        return super::contract::verify_export(&a.output_dir, a.json);
    }
    Ok(0)
}

/// The file names of one export.
struct ExportNames {
    context: String,
    manifest: String,
}

impl ExportNames {
    fn new(project: &str, json_format: bool) -> Self {
        Self {
            context: export_names::project_context(project),
            manifest: export_names::artifact_manifest(project, json_format),
        }
    }

    /// Every name the run may write.
    fn all(&self) -> [&str; 7] {
        [
            &self.context,
            &self.manifest,
            export_names::ONBOARDING,
            export_names::VALIDATION,
            export_names::QUALITY,
            export_names::LEGACY_PROVENANCE,
            RUN_RECORD,
        ]
    }

    /// The documents of a successful run and their roles, in the order they are written
    /// (`provenance.json` lists them too).
    fn written(&self, o: &Options) -> Vec<(&str, &'static str)> {
        let mut out = vec![
            (self.context.as_str(), "project_context"),
            (self.manifest.as_str(), "artifact_manifest"),
        ];
        if o.emit_onboarding {
            out.push((export_names::ONBOARDING, "onboarding_metadata"));
        }
        out.push((export_names::VALIDATION, "validation_report"));
        if o.emit_quality {
            out.push((export_names::QUALITY, "quality_report"));
        }
        out
    }

    /// The documents' names.
    fn documents(&self, o: &Options) -> Vec<String> {
        self.written(o)
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect()
    }
}

/// Whether every document equals the file already in the output directory.
fn unchanged_on_disk(
    dir: &Path,
    names: &ExportNames,
    docs: &export::ExportDocuments,
    o: &Options,
) -> bool {
    let same = |name: &str, bytes: &[u8]| std::fs::read(dir.join(name)).is_ok_and(|b| b == bytes);
    same(&names.context, &docs.project_context)
        && same(&names.manifest, &docs.artifact_manifest)
        && same(export_names::VALIDATION, &docs.validation)
        && (!o.emit_quality || same(export_names::QUALITY, &docs.quality))
        && (!o.emit_onboarding || same(export_names::ONBOARDING, &docs.onboarding))
}

/// The manifest relative to the output directory's parent, where the earlier gate looks for
/// it; the manifest's record path when there is no such relative path.
fn source_path_relative(manifest: &Path, output_dir: &Path, record_path: &str) -> String {
    let out = crate::workspace::absolute(output_dir);
    let m = crate::workspace::absolute(manifest);
    match out.parent() {
        Some(parent) if m.starts_with(parent) => crate::workspace::relative_to(parent, &m),
        _ => record_path.to_string(),
    }
}

/// The command line as given, without machine details: absolute paths become record paths.
fn cli_args(workspace: &Workspace, base: &Path) -> Vec<String> {
    let clean = |value: &str| {
        if Path::new(value).is_absolute() {
            workspace.record_path(Path::new(value), base)
        } else {
            value.to_string()
        }
    };
    let word = |arg: std::ffi::OsString| {
        let arg = arg.to_string_lossy().into_owned();
        match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => format!("{flag}={}", clean(value)),
            // An attached short option value: `-o/abs/dir`.
            _ if arg.starts_with('-') && !arg.starts_with("--") => {
                match (arg.get(..2), arg.get(2..)) {
                    (Some(flag), Some(value)) if !value.is_empty() => {
                        format!("{flag}{}", clean(value))
                    }
                    _ => arg,
                }
            }
            _ => clean(&arg),
        }
    };
    std::iter::once("contextcore".to_string())
        .chain(std::env::args_os().skip(1).map(word))
        .collect()
}

/// Fingerprints every input under its role.
fn record_inputs(
    recorder: &mut crate::provenance::Recorder,
    workspace: &Workspace,
    a: &ExportOptions,
    input: &ReadInputs,
    policy: &Policy,
) -> Result<()> {
    let shown = |p: &Path| workspace.record_path(p, &a.output_dir);
    recorder.add_input(input.manifest_fp.clone(), "manifest");
    crate::output::record_policy(workspace, &a.output_dir, policy, recorder)?;
    if let Some(p) = &a.task_mapping {
        recorder.input(p, &shown(p), "task_mapping")?;
    }
    if let Some(p) = &a.service_metadata {
        recorder.input(p, &shown(p), "service_metadata")?;
    }
    for (_, path) in &input.named {
        recorder.input(path, &shown(path), "existing_artifact")?;
    }
    for (path, shown, _) in &input.scanned {
        recorder.input(path, shown, "scan_dir")?;
    }
    Ok(())
}

/// The existing run record, when it already describes this run (see `ops::noop`): then
/// nothing is derived or written.
fn kept_record(
    site: &super::Site,
    a: &ExportOptions,
    run: &Resolved,
    recorder: &crate::provenance::Recorder,
    names: &ExportNames,
) -> Result<Option<crate::provenance::RunRecord>> {
    let fast = run.o.deterministic
        && run.emit_run_provenance
        && !a.write.force_record
        && !a.dry_run
        && !a.emit_provenance
        && !a.embed_provenance
        && site.document_time.is_none();
    if !fast {
        return Ok(None);
    }
    let outputs = names.written(&run.o);
    let time_file = a.output_dir.join(export_names::VALIDATION);
    super::noop::kept(
        &site.workspace,
        run.strategy,
        recorder,
        &super::noop::Expected {
            command: "manifest export",
            dir: &a.output_dir,
            outputs: &outputs,
            fixed_time: crate::timestamp::source_date_epoch(),
            time_file: &time_file,
        },
    )
}

/// Writes the documents a run produces: all of them, or only the quality report when strict
/// quality failed.
fn write_documents(
    outputs: &mut Outputs,
    recorder: &mut crate::provenance::Recorder,
    names: &ExportNames,
    docs: &export::ExportDocuments,
    o: &Options,
    a: &ExportOptions,
    failed: bool,
) -> Result<()> {
    // A failed strict run writes only its quality report.
    let files = if failed {
        vec![(export_names::QUALITY, "quality_report")]
    } else {
        names.written(o)
    };
    let legacy = docs
        .legacy_provenance
        .as_ref()
        .filter(|_| a.emit_provenance && !failed)
        .map(export::to_json);
    let mut written: Vec<(&OsStr, &[u8], &str)> = files
        .iter()
        .map(|(name, role)| (OsStr::new(name), document_bytes(docs, role), *role))
        .collect();
    if let Some(legacy) = &legacy {
        let name = OsStr::new(export_names::LEGACY_PROVENANCE);
        written.push((name, legacy, "legacy_provenance"));
    }
    outputs.write_all(&written, recorder)
}

/// The text of the document [`ExportNames::written`] names by `role`.
fn document_bytes<'d>(docs: &'d export::ExportDocuments, role: &str) -> &'d [u8] {
    match role {
        "project_context" => &docs.project_context,
        "artifact_manifest" => &docs.artifact_manifest,
        "onboarding_metadata" => &docs.onboarding,
        "validation_report" => &docs.validation,
        _ => &docs.quality,
    }
}

/// The run's quality summary.
fn record_summary(
    recorder: &mut crate::provenance::Recorder,
    docs: &export::ExportDocuments,
    o: &Options,
    input: &ReadInputs,
    strict: bool,
    failed: bool,
) {
    recorder.quality_summary = json!({
        "strict_quality": strict,
        "coverage_meets_minimum": docs.gates.coverage_meets_minimum,
        "environment": o.environment,
        "coverage_percent": docs.coverage_percent,
        "threshold": o.min_coverage,
        "gates": docs.gates,
        "passed": docs.shortfalls.is_empty(),
        "shortfalls": docs.shortfalls,
        "errors": if failed { docs.shortfalls.len() } else { 0 },
        "warnings": input.loaded.warnings.len() + if failed { 0 } else { docs.shortfalls.len() },
    });
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
    a: &ExportOptions,
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
    let json_format = a.format == DocFormat::Json;
    record_document_options(a, workspace, config, json_format);
    let environment = resolve_environment(a, policy, config);
    let min_coverage = resolve_min_coverage(a, policy, config, &environment)?;
    record_profile_options(a, config);
    record_input_options(a, workspace, policy, config);
    Ok(Options {
        deterministic,
        emit_quality,
        emit_onboarding,
        json_format,
        environment,
        min_coverage,
    })
}

/// Records `--emit-provenance`, the format, the namespace, the manifest and the output
/// directory.
fn record_document_options(
    a: &ExportOptions,
    workspace: &Workspace,
    config: &mut ConfigSnapshot,
    json_format: bool,
) {
    config.record(
        "emit_provenance",
        a.emit_provenance,
        Source::flag_or_default(a.emit_provenance),
    );
    // Values equal to the built-in default are recorded as defaults (the command line fills them in).
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
    config.record("path", &path, Source::flag_or_default(a.path_arg.is_some()));
    let output_dir = workspace.record_path(&a.output_dir, &a.output_dir);
    config.record(
        "output_dir",
        &output_dir,
        Source::flag_or_default(a.output_dir_arg.is_some()),
    );
}

/// `--environment`, else the policy's `default_environment`, else `dev`.
fn resolve_environment(a: &ExportOptions, policy: &Policy, config: &mut ConfigSnapshot) -> String {
    match &a.environment {
        Some(e) => {
            config.record("environment", e, Source::Flag);
            e.clone()
        }
        None => policy
            .value(config, "default_environment")
            .as_str()
            .unwrap_or("dev")
            .to_string(),
    }
}

/// `--min-coverage` (0 to 100), else the environment's threshold in
/// `coverage_thresholds_by_env`.
fn resolve_min_coverage(
    a: &ExportOptions,
    policy: &Policy,
    config: &mut ConfigSnapshot,
    environment: &str,
) -> Result<f64> {
    let thresholds = policy.value(config, "coverage_thresholds_by_env");
    match a.min_coverage {
        Some(v) if (0.0..=100.0).contains(&v) => {
            config.record("min_coverage", v, Source::Flag);
            Ok(v)
        }
        Some(v) => Err(Error::Usage(format!(
            "--min-coverage {v}: must be between 0 and 100"
        ))),
        None => environment_threshold(policy, config, &thresholds, environment),
    }
}

/// The threshold `thresholds` sets for `environment`, recorded with where the table came from.
fn environment_threshold(
    policy: &Policy,
    config: &mut ConfigSnapshot,
    thresholds: &Json,
    environment: &str,
) -> Result<f64> {
    let Some(v) = thresholds.get(environment).and_then(Json::as_f64) else {
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
    Ok(v)
}

/// Records the profile, `--embed-provenance` and `--project-id`.
fn record_profile_options(a: &ExportOptions, config: &mut ConfigSnapshot) {
    config.record(
        "profile",
        &a.profile,
        Source::flag_or_default(a.profile != "full"),
    );
    config.record(
        "embed_provenance",
        a.embed_provenance,
        Source::flag_or_default(a.embed_provenance),
    );
    if let Some(id) = &a.project_id {
        // Recorded as given (it changes no document; see export_inputs::read_inputs).
        config.record("project_id", id, Source::Flag);
    }
}

/// Records the input files given: task mapping, service metadata, existing artifacts and
/// the directories scanned for them.
fn record_input_options(
    a: &ExportOptions,
    workspace: &Workspace,
    policy: &Policy,
    config: &mut ConfigSnapshot,
) {
    let recorded = |p: &Path| workspace.record_path(p, &a.output_dir);
    if let Some(p) = &a.task_mapping {
        config.record("task_mapping", recorded(p), Source::Flag);
    }
    if let Some(p) = &a.service_metadata {
        config.record("service_metadata", recorded(p), Source::Flag);
    }
    if !a.existing.is_empty() {
        let existing: Vec<String> = a
            .existing
            .iter()
            .map(|e| match e.split_once(':') {
                Some((id, path)) => format!("{id}:{}", recorded(Path::new(path))),
                None => e.clone(),
            })
            .collect();
        config.record("existing", existing, Source::Flag);
    }
    if !a.scan_existing.is_empty() {
        let source = if policy.get("scan_existing_default").is_some() && !a.scan_from_flag {
            Source::Policy
        } else {
            Source::Flag
        };
        let dirs: Vec<String> = a.scan_existing.iter().map(|d| recorded(d)).collect();
        config.record("scan_existing", dirs, source);
    }
}

/// The run's report files by the earlier keys, and the artifact manifest that lists the
/// derived artifacts (the record points at it instead of copying the list).
fn artifact_references(outputs: &Outputs) -> ArtifactReferences {
    let written = |role: &str| {
        outputs
            .outcomes
            .iter()
            .find(|o| o.role == role)
            .map(|o| o.shown.clone())
    };
    ArtifactReferences {
        validation_report_path: written("validation_report"),
        onboarding_metadata_path: written("onboarding_metadata"),
        quality_report_path: written("quality_report"),
        provenance_json_path: written("legacy_provenance"),
        generation_report_path: None,
        artifact_manifest_path: written("artifact_manifest"),
        artifacts: Vec::new(),
    }
}
