//! The run-record envelope (`contextcore.io/run-provenance/v1`) shared by every command:
//! timing, git state, resolved configuration, fingerprinted inputs and outputs, a
//! command-specific quality summary and artifact references. No absolute path, user or host.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::fingerprint::Fingerprint;
use crate::fsio::Action;
use crate::policy::ConfigSnapshot;
use crate::workspace::Workspace;

/// The schema id of run records.
pub const SCHEMA: &str = "contextcore.io/run-provenance/v1";
/// Record format version of a record without an artifact inventory.
pub const RECORD_VERSION: &str = "1.0.0";
/// Record format version of a record with an artifact inventory (export), as the earlier
/// consumers read `version`.
pub const RECORD_VERSION_WITH_INVENTORY: &str = "2.0.0";

/// A run record as written to `run-provenance.json` / `init-run-provenance.json`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunRecord {
    pub schema: String,
    pub run_id: String,
    pub workflow_or_command: String,
    /// The record format's version ("2.0.0" when it has an `artifact_inventory`).
    pub version: String,
    /// The contextcore version that made the record.
    #[serde(default)]
    pub contextcore_version: String,
    /// The build that made the record (a digest of its sources and locked dependencies, the
    /// same on every machine): export keeps a record as a no-op only from the same build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contextcore_build: Option<String>,
    pub started_at: String,
    pub completed_at: String,
    pub duration_ms: u64,
    /// Kept for the earlier consumers; never holds a host, user or absolute path.
    #[serde(default)]
    pub environment: Environment,
    pub git: GitState,
    pub config_snapshot: ConfigSnapshot,
    pub inputs: Vec<InputRecord>,
    pub outputs: Vec<OutputRecord>,
    #[serde(default)]
    pub quality_summary: Json,
    #[serde(default, deserialize_with = "references_object_or_list")]
    pub artifact_references: ArtifactReferences,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifact_inventory: Vec<crate::export::inventory::InventoryEntry>,
    /// The policy keys the run read, with their values (lineage compares these, not the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_read: Option<crate::policy::PolicyRead>,
}

/// The earlier record's `environment`, without machine details: host and user are never
/// recorded, and the working directory is the repository root (`.`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Environment {
    pub hostname: Option<String>,
    pub username: Option<String>,
    pub python_version: Option<String>,
    pub working_directory: String,
}

impl Default for Environment {
    fn default() -> Self {
        Self {
            hostname: None,
            username: None,
            python_version: None,
            working_directory: ".".into(),
        }
    }
}

/// `artifact_references`: the report files of the run by the earlier keys. Export points at
/// the artifact manifest, which lists its artifacts, rather than copying them (the record's
/// size does not grow with the number of artifacts); generate lists the files it generated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ArtifactReferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_report_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding_metadata_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_report_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance_json_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_report_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_manifest_path: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<ArtifactReference>,
}

/// Reads `artifact_references` in either layout: the object, or the bare list of artifacts
/// that records written before it held.
fn references_object_or_list<'de, D>(d: D) -> std::result::Result<ArtifactReferences, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Layout {
        List(Vec<ArtifactReference>),
        Object(ArtifactReferences),
    }
    Ok(match Layout::deserialize(d)? {
        Layout::List(artifacts) => ArtifactReferences {
            artifacts,
            ..ArtifactReferences::default()
        },
        Layout::Object(references) => references,
    })
}

/// Git state at the start of a run.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GitState {
    pub repository_root_relative: bool,
    pub head_commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: bool,
}

/// One input file of a run.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InputRecord {
    #[serde(flatten)]
    pub fingerprint: Fingerprint,
    pub role: String,
}

/// One output file of a run.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutputRecord {
    #[serde(flatten)]
    pub fingerprint: Fingerprint,
    pub role: String,
    pub action: Action,
    pub backup: Option<String>,
}

/// An artifact the run derived or referenced, with digests where a file exists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ArtifactReference {
    pub artifact_id: String,
    pub artifact_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub path: Option<String>,
    pub sha256: Option<String>,
    pub git_blob: Option<String>,
}

/// This binary's build id (see `build.rs`).
pub const BUILD: &str = env!("CONTEXTCORE_BUILD");

/// Collects a run's record as it goes; [`Recorder::finish`] stamps the times.
pub struct Recorder {
    started: Instant,
    started_at: chrono::DateTime<chrono::Utc>,
    pub command: String,
    pub git: GitState,
    pub config: ConfigSnapshot,
    pub inputs: Vec<InputRecord>,
    pub outputs: Vec<OutputRecord>,
    pub quality_summary: Json,
    pub artifact_references: ArtifactReferences,
    pub artifact_inventory: Vec<crate::export::inventory::InventoryEntry>,
    pub policy_read: Option<crate::policy::PolicyRead>,
}

impl Recorder {
    /// Starts the clock for a command.
    pub fn start(command: &str, workspace: &Workspace) -> Self {
        Self {
            started: Instant::now(),
            started_at: chrono::Utc::now(),
            command: command.to_string(),
            git: git_state(workspace),
            config: ConfigSnapshot::default(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            quality_summary: Json::Null,
            artifact_references: ArtifactReferences::default(),
            policy_read: None,
            artifact_inventory: Vec::new(),
        }
    }

    /// Fingerprints an input file under a role.
    pub fn input(&mut self, file: &Path, shown: &str, role: &str) -> Result<()> {
        self.add_input(Fingerprint::of_file(file, shown)?, role);
        Ok(())
    }

    /// Records an input fingerprinted already.
    pub fn add_input(&mut self, fingerprint: Fingerprint, role: &str) {
        self.inputs.push(InputRecord {
            fingerprint,
            role: role.to_string(),
        });
    }

    /// Fingerprints a written output.
    pub fn output(
        &mut self,
        fingerprint: Fingerprint,
        role: &str,
        action: Action,
        backup: Option<String>,
    ) {
        self.outputs.push(OutputRecord {
            fingerprint,
            role: role.to_string(),
            action,
            backup,
        });
    }

    /// Stamps completion time and a fresh run id. `completed_at ≥ started_at` by construction.
    pub fn finish(self) -> RunRecord {
        let elapsed = self.started.elapsed();
        let completed_at = self.started_at
            + chrono::Duration::from_std(elapsed).unwrap_or_else(|_| chrono::Duration::zero());
        let stamp = |t: chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        RunRecord {
            schema: SCHEMA.to_string(),
            run_id: new_run_id(),
            workflow_or_command: self.command,
            version: if self.artifact_inventory.is_empty() {
                RECORD_VERSION
            } else {
                RECORD_VERSION_WITH_INVENTORY
            }
            .to_string(),
            contextcore_version: env!("CARGO_PKG_VERSION").to_string(),
            contextcore_build: Some(BUILD.to_string()),
            started_at: stamp(self.started_at),
            completed_at: stamp(completed_at),
            duration_ms: (elapsed.as_micros().div_ceil(1000)) as u64,
            environment: Environment::default(),
            git: self.git,
            config_snapshot: self.config,
            inputs: self.inputs,
            outputs: self.outputs,
            quality_summary: self.quality_summary,
            artifact_references: self.artifact_references,
            artifact_inventory: self.artifact_inventory,
            policy_read: self.policy_read,
        }
    }
}

impl RunRecord {
    /// Reads a run record file.
    pub fn load(path: &Path, shown: &str) -> Result<Self> {
        let json = crate::source::read_json(path, shown)?;
        Self::from_json(json, shown)
    }

    /// Parses a run record from JSON already read.
    pub fn from_json(json: Json, shown: &str) -> Result<Self> {
        serde_json::from_value(json).map_err(|e| {
            Error::at(
                shown,
                crate::yaml::Pos { line: 1, col: 1 },
                format!("not a contextcore run record: {e}"),
            )
        })
    }

    /// Whether `other` describes the same run content: inputs, options and outputs equal
    /// (by path and sha256; times, ids and write actions ignored).
    pub fn same_content(&self, other: &RunRecord) -> bool {
        let same_files = |a: &[Fingerprint], b: &[Fingerprint]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_content(y))
        };
        let ins = |r: &RunRecord| {
            r.inputs
                .iter()
                .map(|i| i.fingerprint.clone())
                .collect::<Vec<_>>()
        };
        let outs = |r: &RunRecord| {
            r.outputs
                .iter()
                .map(|o| o.fingerprint.clone())
                .collect::<Vec<_>>()
        };
        self.workflow_or_command == other.workflow_or_command
            && self.config_snapshot == other.config_snapshot
            && same_files(&ins(self), &ins(other))
            && same_files(&outs(self), &outs(other))
            && self.quality_summary == other.quality_summary
            && self.artifact_references == other.artifact_references
            && self.artifact_inventory == other.artifact_inventory
            && self.policy_read == other.policy_read
    }

    /// The record as written: pretty JSON with a trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }
}

fn git_state(workspace: &Workspace) -> GitState {
    let mut state = GitState {
        repository_root_relative: workspace.repo_root.is_some(),
        head_commit: None,
        branch: None,
        dirty: false,
    };
    let Some(root) = &workspace.repo_root else {
        return state;
    };
    let Some(repo) = crate::git::repo::open_repository(root) else {
        return state;
    };
    state.head_commit = repo.head_id().map(|o| o.to_string());
    state.branch = repo.head_branch();
    state.dirty = crate::git::status::is_dirty(&repo, root);
    state
}

/// A random-enough unique id (UUID v4 layout) from time, process id and a counter.
fn new_run_id() -> String {
    use sha2::{Digest, Sha256};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = Sha256::new();
    h.update(nanos.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = crate::fingerprint::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}
