//! `manifest init` and `manifest validate`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::init::{TEMPLATE_VERSION, starter_manifest};
use crate::model::manifest;
use crate::output::Outputs;
use crate::paths::{INIT_RUN_RECORD, check_safe_name};
use crate::policy::Source;

use super::options::{InitOptions, ReportFormat, ValidateOptions, flag_pair};
use super::summary;

/// `manifest init`: a starter manifest and `init-run-provenance.json` beside it.
pub fn init(a: InitOptions) -> Result<i32> {
    let site = super::Site::current(a.write.policy.as_deref())?;
    Ok(init_at(&site, a)?.code)
}

/// `manifest init` with options already given, against a site (a reproduction's scratch
/// directory, or the working tree).
pub fn init_at(site: &super::Site, a: InitOptions) -> Result<super::Ran> {
    let (workspace, policy) = (&site.workspace, &site.policy);
    let name = project_name(&a)?;
    let file_name = crate::paths::file_name_of(&a.path)?;
    let dir = match a.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };

    let (mut recorder, resolved, strategy) =
        super::begin("manifest init", workspace, policy, &a.write, None, false);
    policy.guard_manifest_overwrite(&a.path, strategy, a.force)?;
    let config = &mut recorder.config;
    let validate = config.switch("validate", flag_pair(a.validate, a.no_validate), true);
    config.record("template_version", TEMPLATE_VERSION, Source::Default);
    config.record("name", &name, Source::flag_or_default(a.name.is_some()));
    config.record("force", a.force, Source::flag_or_default(a.force));

    let content = starter_manifest(&name);
    if validate {
        manifest::check_text(&content, &crate::path_bytes::text_of(&a.path))?;
    }

    let mut outputs = Outputs::open(
        workspace,
        &dir,
        strategy,
        policy,
        false,
        &[file_name.as_os_str(), std::ffi::OsStr::new(INIT_RUN_RECORD)],
    )?;
    outputs.record_policy(policy, &mut recorder)?;
    outputs.write(&file_name, content.as_bytes(), "manifest", &mut recorder)?;
    recorder.quality_summary = serde_json::json!({
        "strict_quality": resolved.strict,
        "validated": validate,
        "errors": 0,
        "warnings": 0,
    });
    site.keep_recorded_sources(&mut recorder.config);
    let run = outputs.finish(
        INIT_RUN_RECORD,
        recorder,
        resolved.emit_run_provenance,
        a.write.force_record,
    )?;
    if !site.quiet {
        summary::print("manifest init", &run, a.json, serde_json::Value::Null);
    }
    Ok(super::Ran {
        code: 0,
        finished: Some(run),
    })
}

/// `manifest validate`: every problem as `file:line:col: severity: message`; errors exit 2.
pub fn validate(a: ValidateOptions) -> Result<i32> {
    let workspace = crate::workspace::Workspace::current();
    let path = super::locate::manifest(a.path.as_deref(), workspace.repo_root.as_deref())?.manifest;
    let shown = crate::path_bytes::text_of(&path);
    let problems = match crate::source::read_yaml(&path, &shown) {
        Ok(node) => {
            let mut problems = manifest::validate_node(&node, &shown);
            problems.extend(generate_needs(&node, &shown));
            problems
        }
        Err(Error::Input(d)) => d,
        Err(e) => return Err(e),
    };
    let failed = problems
        .iter()
        .any(|d| d.severity == Severity::Error || a.strict);
    match if a.json { ReportFormat::Json } else { a.format } {
        ReportFormat::Json => {
            let report = serde_json::json!({
                "file": shown,
                "valid": !failed,
                "errors": problems.iter().filter(|d| d.is_error()).count(),
                "warnings": problems.iter().filter(|d| !d.is_error()).count(),
                "diagnostics": problems,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        ReportFormat::Text => {
            for d in &problems {
                eprintln!("{d}");
            }
            if !failed {
                println!("{shown}: valid ({} warning(s))", problems.len());
            }
        }
    }
    Ok(if failed {
        crate::error::EXIT_BAD_INPUT
    } else {
        0
    })
}

/// Warnings, on the manifest's own lines, for what `generate` will need from its export: alert
/// thresholds come from `spec.requirements.availability` or `latencyP99`.
fn generate_needs(node: &crate::yaml::Node, shown: &str) -> Vec<crate::diagnostic::Diagnostic> {
    let key_pos = |n: &crate::yaml::Node, key: &str| match &n.value {
        crate::yaml::Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(k, _)| k.pos),
        _ => None,
    };
    let Some(spec) = node.get("spec") else {
        return Vec::new();
    };
    let requirements = spec.get("requirements");
    let has = |key: &str| requirements.and_then(|r| r.get(key)).is_some();
    if has("availability") || has("latencyP99") {
        return Vec::new();
    }
    let Some(at) = key_pos(spec, "requirements").or_else(|| key_pos(node, "spec")) else {
        return Vec::new();
    };
    vec![crate::diagnostic::Diagnostic::warning(
        shown,
        at,
        "spec.requirements: neither availability nor latencyP99 is set; `generate` needs one \
         for alert thresholds (e.g. availability: \"99.9\")",
    )]
}

/// The project name: `--name`, else the name of the directory the manifest goes in (as
/// `cargo init` does); either must be a safe name.
fn project_name(a: &InitOptions) -> Result<String> {
    if let Some(name) = &a.name {
        check_safe_name(name).map_err(|why| Error::Usage(format!("--name: {why}")))?;
        return Ok(name.clone());
    }
    let dir = crate::workspace::absolute(a.path.parent().unwrap_or(std::path::Path::new(".")));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_safe_name(&name).map_err(|why| {
        Error::Usage(format!(
            "the directory name {name:?} is not a project name ({why}); pass --name NAME"
        ))
    })?;
    Ok(name)
}

/// Prints policy or manifest warnings to stderr.
pub fn print_warnings(warnings: &[Diagnostic]) {
    for w in warnings {
        eprintln!("{w}");
    }
}
