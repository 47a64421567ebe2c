//! The earlier implementation's per-export `provenance.json`, kept for its consumers: every
//! earlier key, none of its machine details. Pure: the command gathers the facts.

use serde_json::{Value as Json, json};

use crate::policy::ConfigSnapshot;
use crate::provenance::GitState;

/// What `provenance.json` (the earlier per-export provenance) says.
pub struct LegacyProvenance<'a> {
    pub generated_at: &'a str,
    pub deterministic: bool,
    pub manifest_path: &'a str,
    pub manifest_sha256: &'a str,
    pub git: &'a GitState,
    pub cli_args: &'a [String],
    pub options: &'a ConfigSnapshot,
    pub output_dir: &'a str,
    pub output_files: &'a [String],
    pub profile: &'a str,
}

/// `provenance.json`: the earlier keys, without host, user or absolute paths. Output files are
/// named relative to the output directory; `durationMs` is null in deterministic output (the
/// run record has the real duration).
pub fn provenance(p: &LegacyProvenance) -> Json {
    let mut options: serde_json::Map<String, Json> = p
        .options
        .0
        .iter()
        .map(|(k, s)| (k.clone(), s.value.clone()))
        .collect();
    options.insert("generation_profile".into(), json!(p.profile));
    options.insert("dry_run".into(), json!(false));
    // `-e` is a list, empty when not given (as the earlier tool writes it).
    options.entry("existing").or_insert(json!([]));
    for key in [
        "scan_existing",
        "embed_provenance",
        "task_mapping",
        "service_metadata",
        "min_coverage",
    ] {
        options.entry(key).or_insert(Json::Null);
    }
    options.insert(
        "run_provenance_path".into(),
        json!(format!("{}/{}", p.output_dir, crate::paths::RUN_RECORD)),
    );
    json!({
        "generatedAt": p.generated_at,
        "durationMs": if p.deterministic { Json::Null } else { json!(0) },
        "sourcePath": p.manifest_path,
        "sourceChecksum": p.manifest_sha256,
        "contextcoreVersion": env!("CARGO_PKG_VERSION"),
        "pythonVersion": Json::Null,
        "hostname": Json::Null,
        "username": Json::Null,
        "workingDirectory": ".",
        // A remote URL can carry credentials: never recorded.
        "git": {"commitSha": p.git.head_commit, "branch": p.git.branch, "isDirty": p.git.dirty, "remoteUrl": Json::Null},
        "cliArgs": p.cli_args,
        "cliOptions": options,
        "outputDirectory": p.output_dir,
        "outputFiles": p.output_files,
        "generationProfile": p.profile,
    })
}
