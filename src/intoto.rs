//! A run record as an in-toto Statement v1 whose predicate is SLSA Provenance v1, so supply-
//! chain tools can read contextcore runs. Pure: record in, statement out.

use serde_json::{Map, Value as Json, json};

use crate::provenance::RunRecord;

/// The `buildType` URI of a contextcore run.
pub const BUILD_TYPE: &str = "https://contextcore.io/provenance/run/v1";

fn digest(sha256: &Option<String>, git_blob: &Option<String>) -> Json {
    let mut d = Map::new();
    if let Some(s) = sha256 {
        d.insert("sha256".into(), json!(s));
    }
    if let Some(b) = git_blob {
        d.insert("gitBlob".into(), json!(b));
    }
    Json::Object(d)
}

/// The statement: subjects are the run's outputs; dependencies its inputs and the commit.
pub fn statement(record: &RunRecord) -> Json {
    let subjects: Vec<Json> = record
        .outputs
        .iter()
        .filter(|o| o.fingerprint.exists)
        .map(|o| json!({"name": o.fingerprint.path, "digest": digest(&o.fingerprint.sha256, &o.fingerprint.git_blob)}))
        .collect();
    let mut external = Map::new();
    let mut internal = Map::new();
    for (key, setting) in &record.config_snapshot.0 {
        let target = if setting.source == "flag" {
            &mut external
        } else {
            &mut internal
        };
        target.insert(
            key.clone(),
            json!({"value": setting.value, "source": setting.source}),
        );
    }
    let mut dependencies: Vec<Json> = record
        .inputs
        .iter()
        .filter(|i| i.fingerprint.exists)
        .map(|i| json!({"name": i.fingerprint.path, "digest": digest(&i.fingerprint.sha256, &i.fingerprint.git_blob), "annotations": {"role": i.role}}))
        .collect();
    if let Some(commit) = &record.git.head_commit {
        dependencies.push(json!({"name": "git HEAD", "digest": {"gitCommit": commit}, "annotations": {"dirty": record.git.dirty, "branch": record.git.branch}}));
    }
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subjects,
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {"command": record.workflow_or_command, "options": external},
                "internalParameters": {"resolved": internal},
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {"id": format!("https://contextcore.io/builder/contextcore@{}", record.contextcore_version)},
                "metadata": {"invocationId": record.run_id, "startedOn": record.started_at, "finishedOn": record.completed_at},
            },
        },
    })
}
