//! Confinement of options read back from a run record. `rerun` and `provenance verify
//! --reproduce` turn a record's `config_snapshot` and inputs into a command line; a record is
//! untrusted, so before anything runs every path it names must stay inside the repository
//! (no `..`, absolute, `<outside>` or git-directory path) and every other value must be a
//! plain token that cannot be read as an option. The hints `hint::command` prints use the
//! same checks through [`snapshot_paths`].

use serde_json::Value as Json;

use super::LineageRecord;
use super::validate::{self, KNOWN_COMMANDS, PathProblem, RepoPath, Violation};

/// Options whose value is one path.
pub const PATH_OPTIONS: &[&str] = &[
    "path",
    "output_dir",
    "output",
    "context",
    "task_mapping",
    "service_metadata",
];
/// Options whose value is a list of paths.
pub const PATH_LIST_OPTIONS: &[&str] = &["scan_existing"];
/// Options whose value is a list of `ID:PATH`.
pub const ID_PATH_LIST_OPTIONS: &[&str] = &["existing"];
/// Options replayed as `--flag VALUE`.
pub const VALUE_OPTIONS: &[&str] = &[
    "namespace",
    "format",
    "environment",
    "min_coverage",
    "document_write_strategy",
    "project_id",
    "profile",
    "name",
];

type Checked = Result<(), Violation>;

/// Every path a record names in its options, in order, with the option's key.
fn option_paths(r: &LineageRecord) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for (key, setting) in &r.config_snapshot.0 {
        let key = key.as_str();
        let v = &setting.value;
        if PATH_OPTIONS.contains(&key) {
            out.extend(v.as_str().map(|p| (key, p)));
        } else if PATH_LIST_OPTIONS.contains(&key) {
            out.extend(strings(v).map(|p| (key, p)));
        } else if ID_PATH_LIST_OPTIONS.contains(&key) {
            out.extend(strings(v).map(|e| (key, e.split_once(':').map_or(e, |(_, p)| p))));
        }
    }
    out
}

fn strings(v: &Json) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Json::as_str)
}

/// A directory option may be the repository root itself.
fn option_path(key: &str, value: &str) -> Result<RepoPath, Violation> {
    if value == "." {
        return Ok(RepoPath::Inside);
    }
    validate::repo_path(value).map_err(|problem| Violation::Path {
        field: format!("config_snapshot.{key}"),
        value: value.to_string(),
        problem,
    })
}

/// The record-level check of options: keys are plain names, path options are record paths,
/// and no string anywhere in the snapshot holds a control character.
pub fn snapshot_paths(r: &LineageRecord) -> Checked {
    for (key, setting) in &r.config_snapshot.0 {
        let plain_key = !key.is_empty()
            && key.len() <= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let plain_source = setting.source.len() <= 64
            && setting
                .source
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b"_:".contains(&b));
        if !plain_key || !plain_source {
            return Err(bad_value(
                key,
                &setting.source,
                "not a plain option name or source",
            ));
        }
        if let Some(s) = first_unprintable(&setting.value, 0) {
            return Err(Violation::Path {
                field: format!("config_snapshot.{key}"),
                value: s.to_string(),
                problem: PathProblem::ControlChar,
            });
        }
    }
    for (key, path) in option_paths(r) {
        option_path(key, path)?;
    }
    Ok(())
}

/// The first string in `v` holding a non-printable character; nesting deeper than 16
/// levels counts as one (a snapshot is flat).
pub(super) fn first_unprintable(v: &Json, depth: usize) -> Option<&str> {
    match v {
        Json::String(s) if s.chars().any(crate::quote::is_unprintable) => Some(s),
        _ if depth > 16 => Some("(nested too deeply)"),
        Json::Array(items) => items.iter().find_map(|i| first_unprintable(i, depth + 1)),
        Json::Object(map) => map.values().find_map(|i| first_unprintable(i, depth + 1)),
        _ => None,
    }
}

fn bad_value(key: &str, value: &str, reason: &'static str) -> Violation {
    Violation::Replay {
        key: key.to_string(),
        value: value.to_string(),
        reason,
    }
}

/// Checks that a validated record can be replayed inside the repository: a known command,
/// every option path and every input inside the repository and outside any git directory,
/// every value option a plain token that does not start with `-`. Call it, after
/// [`validate::record`], before building or running any command from the record.
pub fn options(r: &LineageRecord) -> Checked {
    validate::lineage(r)?;
    if !KNOWN_COMMANDS.contains(&r.workflow_or_command.as_str()) {
        return Err(bad_value(
            "workflow_or_command",
            &r.workflow_or_command,
            "not a command contextcore can replay",
        ));
    }
    let inputs = r
        .inputs
        .iter()
        .map(|i| ("inputs", i.fingerprint.path.as_str()));
    for (key, path) in option_paths(r).into_iter().chain(inputs) {
        if option_path(key, path)? == RepoPath::Outside {
            return Err(bad_value(key, path, "it lies outside the repository"));
        }
        let bytes = crate::path_bytes::decode(path).unwrap_or_default();
        if bytes
            .split(|&b| b == b'/')
            .any(|c| c.eq_ignore_ascii_case(b".git"))
        {
            return Err(bad_value(key, path, "it names a git directory"));
        }
    }
    for key in VALUE_OPTIONS {
        if let Some(setting) = r.config_snapshot.0.get(*key) {
            value_token(key, &setting.value)?;
        }
    }
    Ok(())
}

/// A replayed `--flag VALUE`: a number, a boolean, or 1–128 of letters, digits, `.`, `_`,
/// `-`, `:`, `/` not starting with `-` (so it can never be read as another option).
fn value_token(key: &str, v: &Json) -> Checked {
    let ok = match v {
        Json::Number(_) | Json::Bool(_) => true,
        Json::String(s) => {
            (1..=128).contains(&s.len())
                && !s.starts_with('-')
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-:/".contains(&b))
        }
        _ => false,
    };
    ok.then_some(()).ok_or_else(|| {
        bad_value(
            key,
            &v.to_string(),
            "not a plain value (letters, digits, . _ - : /, not starting with -)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(config: Json, input: &str) -> LineageRecord {
        serde_json::from_value(json!({
            "run_id": "r-1",
            "workflow_or_command": "manifest export",
            "config_snapshot": config,
            "inputs": [{"path": input, "exists": true, "size": 1, "mtime": null,
                        "sha256": null, "git_blob": null, "role": "manifest"}],
            "outputs": []
        }))
        .unwrap()
    }

    #[test]
    fn a_plain_record_can_be_replayed() {
        let r = record(
            json!({"output_dir": {"value": ".", "source": "flag"},
                   "namespace": {"value": "prod", "source": "flag"},
                   "min_coverage": {"value": 80.0, "source": "flag"}}),
            ".contextcore.yaml",
        );
        assert_eq!(options(&r), Ok(()));
    }

    #[test]
    fn nothing_a_record_says_leads_outside_the_repository() {
        let out = |dir: &str| {
            record(
                json!({"output_dir": {"value": dir, "source": "flag"}}),
                "m.yaml",
            )
        };
        assert_eq!(
            options(&out("../../somewhere")).unwrap_err().rule(),
            "parent-dir"
        );
        assert_eq!(options(&out("/tmp/x")).unwrap_err().rule(), "absolute-path");
        assert_eq!(options(&out("<outside>/x")).unwrap_err().rule(), "replay");
        assert_eq!(options(&out(".git/hooks")).unwrap_err().rule(), "replay");
        let outside_input = record(json!({}), "<outside>/m.yaml");
        assert_eq!(options(&outside_input).unwrap_err().rule(), "replay");
        let existing = record(
            json!({"existing": {"value": ["a:../x"], "source": "flag"}}),
            "m.yaml",
        );
        assert_eq!(options(&existing).unwrap_err().rule(), "parent-dir");
    }

    #[test]
    fn a_value_that_reads_as_an_option_is_refused() {
        let r = record(
            json!({"namespace": {"value": "--force", "source": "flag"}}),
            "m.yaml",
        );
        assert_eq!(options(&r).unwrap_err().rule(), "replay");
        let r = record(
            json!({"profile": {"value": "a b", "source": "flag"}}),
            "m.yaml",
        );
        assert_eq!(options(&r).unwrap_err().rule(), "replay");
    }
}
