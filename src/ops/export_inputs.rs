//! What `export` reads before it derives anything: the manifest (the bytes parsed are the
//! bytes fingerprinted), the task mapping and service metadata (JSON objects, errors at their
//! key's position), scanned and named existing artifacts with the project context their run
//! records say they came from, and the policy's scan directories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::export::ExistingFile;
use crate::fingerprint::Fingerprint;
use crate::model::manifest;
use crate::paths::check_safe_name;
use crate::policy::Policy;
use crate::workspace::Workspace;
use crate::yaml::Pos;

use super::options::ExportOptions;

/// What export read: the manifest and every optional input, each read once.
pub struct ReadInputs {
    pub loaded: manifest::LoadedManifest,
    pub manifest_fp: Fingerprint,
    pub task_mapping: Option<Json>,
    pub service_metadata: Option<Json>,
    /// (path, record path, file name) of scanned files.
    pub scanned: Vec<(PathBuf, String, String)>,
    /// (artifact id, path) from `--existing`.
    pub named: Vec<(String, PathBuf)>,
}

/// `scan_existing_default` from the policy: directories relative to the repository root (or
/// the working directory outside one), scanned when no `--scan-existing` is given.
pub fn policy_scan_dirs(policy: &Policy, workspace: &Workspace) -> Vec<PathBuf> {
    let root = workspace
        .repo_root
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    policy
        .get("scan_existing_default")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(|d| root.join(d))
        .collect()
}

/// Reads the manifest (the bytes parsed are the bytes fingerprinted) and every optional input.
pub fn read_inputs(a: &ExportOptions, workspace: &Workspace) -> Result<ReadInputs> {
    let shown = crate::path_bytes::text_of(&a.path);
    let loaded = manifest::load(&a.path, &shown)?;
    if let Some(id) = &a.project_id {
        check_safe_name(id).map_err(|why| Error::Usage(format!("--project-id: {why}")))?;
        // Checked and recorded only: as in the earlier implementation, where it named the
        // project of the task spans of `--emit-tasks`, it changes no document (their ids follow
        // spec.project.id, their file names metadata.name).
    }
    let manifest_fp =
        Fingerprint::of_file(&a.path, &workspace.record_path(&a.path, &a.output_dir))?;
    let task_mapping = a
        .task_mapping
        .as_deref()
        .map(read_task_mapping)
        .transpose()?;
    let service_metadata = a
        .service_metadata
        .as_deref()
        .map(read_service_metadata)
        .transpose()?;
    let scanned = scan(workspace, &a.scan_existing, &a.output_dir)?;
    let named = a
        .existing
        .iter()
        .map(|e| parse_existing(e))
        .collect::<Result<Vec<_>>>()?;
    Ok(ReadInputs {
        loaded,
        manifest_fp,
        task_mapping,
        service_metadata,
        scanned,
        named,
    })
}

/// `--existing ID:PATH`.
fn parse_existing(value: &str) -> Result<(String, PathBuf)> {
    match value.split_once(':') {
        Some((id, path)) if !id.is_empty() && !path.is_empty() => {
            Ok((id.to_string(), PathBuf::from(path)))
        }
        _ => Err(Error::Usage(format!(
            "--existing {value:?}: expected ARTIFACT_ID:PATH, e.g. checkout_api-dashboard:grafana/checkout-api.json"
        ))),
    }
}

/// Scanned and named files as existing-artifact candidates, each with the project context
/// a run record in the scanned directories says it was generated from.
pub fn existing_files(workspace: &Workspace, base: &Path, input: &ReadInputs) -> Vec<ExistingFile> {
    let generated_from = generated_from(&input.scanned);
    let mut out: Vec<ExistingFile> = input
        .named
        .iter()
        .map(|(id, path)| {
            let shown = workspace.record_path(path, base);
            ExistingFile {
                generated_from: generated_from.get(&shown).cloned(),
                name: file_name(path),
                artifact_id: Some(id.clone()),
                path: shown,
            }
        })
        .collect();
    out.extend(input.scanned.iter().map(|(_, shown, name)| ExistingFile {
        path: shown.clone(),
        name: name.clone(),
        artifact_id: None,
        generated_from: generated_from.get(shown).cloned(),
    }));
    out
}

/// Output record path → sha256 of the project context its run read, from the run records
/// among the scanned files. A record that does not parse or fails `lineage::validate` tells
/// nothing (lineage reports it as tampered).
fn generated_from(scanned: &[(PathBuf, String, String)]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, shown, name) in scanned {
        if !crate::paths::is_run_record_name(name) {
            continue;
        }
        let Ok(json) = crate::source::read_json(path, shown) else {
            continue;
        };
        let Ok(record) = crate::lineage::validate::record(&json) else {
            continue;
        };
        let Some(context) = record
            .inputs
            .iter()
            .find(|i| i.role == "project_context")
            .and_then(|i| i.fingerprint.sha256.clone())
        else {
            continue;
        };
        for o in &record.outputs {
            out.insert(o.fingerprint.path.clone(), context.clone());
        }
    }
    out
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A JSON object file (task mapping, service metadata): its text, for positions, and its
/// entries; anything else is an input error at 1:1 saying what `what` must be.
fn read_json_object(path: &Path, what: &str) -> Result<(String, String, Json)> {
    let shown = crate::path_bytes::text_of(path);
    let text = crate::source::read_text(path, &shown)?;
    let json = crate::source::parse_json(&text, &shown)?;
    if !json.is_object() {
        return Err(Error::at(&shown, Pos { line: 1, col: 1 }, what));
    }
    Ok((shown, text, json))
}

/// A task mapping: a JSON object whose values are task names or objects.
fn read_task_mapping(path: &Path) -> Result<Json> {
    let (shown, text, json) = read_json_object(
        path,
        "task mapping must be a JSON object of artifact id → task",
    )?;
    for (key, value) in json.as_object().into_iter().flatten() {
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

/// Refuses a scan directory outside the policy's `scan_path_allowlist` (when it lists any).
pub fn check_allowlist(workspace: &Workspace, a: &ExportOptions, allowlist: &Json) -> Result<()> {
    let allowed: Vec<&str> = allowlist
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    if allowed.is_empty() {
        return Ok(());
    }
    for dir in &a.scan_existing {
        let shown = workspace.record_path(dir, &a.output_dir);
        let under = |p: &&str| crate::path_bytes::is_at_or_under(&shown, p);
        if !allowed.iter().any(under) {
            return Err(Error::Usage(format!(
                "--scan-existing {shown}: not under the policy's scan_path_allowlist ({})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

/// Files under each scan directory, sorted: (path, record path, file name).
fn scan(
    workspace: &Workspace,
    dirs: &[PathBuf],
    base: &Path,
) -> Result<Vec<(PathBuf, String, String)>> {
    let mut out = Vec::new();
    for dir in dirs {
        workspace.ensure_inside(dir)?;
        let files = crate::workspace::files_under(dir, "--scan-existing")?;
        for path in files {
            out.push((workspace.record_path(&path, base), file_name(&path), path));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out
        .into_iter()
        .map(|(shown, name, path)| (path, shown, name))
        .collect())
}

/// A service-metadata file: a JSON object of service name → object; `transport_protocol`,
/// `schema_contract`, `base_image` and `healthcheck_type` are strings and `port` a number
/// when present.
fn read_service_metadata(path: &Path) -> Result<Json> {
    let (shown, text, json) = read_json_object(
        path,
        "service metadata must be a JSON object of service name → metadata",
    )?;
    for (service, meta) in json.as_object().into_iter().flatten() {
        let Some(meta) = meta.as_object() else {
            return Err(Error::at(
                &shown,
                locate_key(&text, service),
                format!("metadata of service '{service}' must be an object"),
            ));
        };
        for (key, value) in meta {
            let ok = match key.as_str() {
                "transport_protocol" | "schema_contract" | "base_image" | "healthcheck_type" => {
                    value.is_string()
                }
                "port" => value.is_u64(),
                _ => true,
            };
            if !ok {
                return Err(Error::at(
                    &shown,
                    locate_key(&text, key),
                    format!("'{key}' of service '{service}' has the wrong type"),
                ));
            }
        }
    }
    Ok(json)
}
