//! The exact command that reproduces a run, rebuilt from its record: the command, its paths,
//! and every option the user gave as a flag (options that came from policy or defaults come
//! back by themselves). Paths are repository-relative: run it from the repository root.

use serde_json::Value as Json;

use super::LineageRecord;

/// Recorded keys that take a value on the command line, with their flag.
const VALUE_FLAGS: &[(&str, &str)] = &[
    ("namespace", "-n"),
    ("format", "-f"),
    ("environment", "--environment"),
    ("min_coverage", "--min-coverage"),
    ("document_write_strategy", "--document-write-strategy"),
    ("project_id", "--project-id"),
    ("profile", "--profile"),
];

/// Recorded booleans with their on and off flags.
const BOOL_FLAGS: &[(&str, &str, &str)] = &[
    ("strict_quality", "--strict-quality", "--no-strict-quality"),
    (
        "deterministic_output",
        "--deterministic-output",
        "--no-deterministic-output",
    ),
    ("emit_onboarding", "--emit-onboarding", "--no-onboarding"),
    (
        "emit_quality_report",
        "--emit-quality-report",
        "--no-emit-quality-report",
    ),
    ("emit_provenance", "--emit-provenance", ""),
    ("embed_provenance", "--embed-provenance", ""),
    ("emit_report", "--emit-report", "--no-emit-report"),
    (
        "emit_run_provenance",
        "--emit-run-provenance",
        "--no-emit-run-provenance",
    ),
    ("write_legacy_aliases", "--write-legacy-aliases", ""),
];

/// A recorded value as one shell word.
fn scalar(v: &Json) -> String {
    shell_word(
        &v.as_str()
            .map(String::from)
            .unwrap_or_else(|| v.to_string()),
    )
}

/// `s` as one POSIX shell word: as it is when it needs no quoting, else single-quoted (a `'`
/// inside becomes `'\''`), so a hint can be pasted into a shell as printed.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A record path as one shell word naming its bytes: a path in git's quoted form (a name that
/// is not UTF-8, see [`crate::path_bytes`]) becomes a `$'…'` word with octal escapes (bash,
/// zsh, ksh and POSIX.1-2024 sh); any other path is [`shell_word`].
pub fn shell_path(text: &str) -> String {
    let bytes = match crate::path_bytes::decode(text) {
        Some(bytes) if text.starts_with('"') => bytes,
        _ => return shell_word(text),
    };
    let mut word = String::from("$'");
    for b in bytes {
        match b {
            b'\'' => word.push_str("\\'"),
            b'\\' => word.push_str("\\\\"),
            0x20..=0x7e => word.push(char::from(b)),
            _ => word.push_str(&format!("\\{b:03o}")),
        }
    }
    word.push('\'');
    word
}

/// The command line that reruns `r`.
pub fn command(r: &LineageRecord) -> String {
    let config = &r.config_snapshot.0;
    let get = |k: &str| config.get(k).map(|s| scalar(&s.value));
    let get_path = |k: &str| {
        config.get(k).map(|s| {
            s.value
                .as_str()
                .map_or_else(|| scalar(&s.value), shell_path)
        })
    };
    let input = |role: &str| {
        r.inputs
            .iter()
            .find(|i| i.role == role)
            .map(|i| shell_path(&i.fingerprint.path))
    };
    let mut cmd = match r.workflow_or_command.as_str() {
        "manifest export" => {
            let mut cmd = format!(
                "contextcore manifest export -p {} -o {}",
                get_path("path")
                    .or_else(|| input("manifest"))
                    .unwrap_or_else(|| ".contextcore.yaml".into()),
                get_path("output_dir").unwrap_or_else(|| "out".into())
            );
            if let Some(tm) = input("task_mapping") {
                cmd.push_str(&format!(" --task-mapping {tm}"));
            }
            if let Some(sm) = input("service_metadata") {
                cmd.push_str(&format!(" --service-metadata {sm}"));
            }
            for e in config
                .get("existing")
                .and_then(|s| s.value.as_array())
                .into_iter()
                .flatten()
            {
                cmd.push_str(&format!(" --existing {}", scalar(e)));
            }
            for dir in config
                .get("scan_existing")
                .and_then(|s| s.value.as_array())
                .into_iter()
                .flatten()
            {
                let dir = dir.as_str().map_or_else(|| scalar(dir), shell_path);
                cmd.push_str(&format!(" --scan-existing {dir}"));
            }
            cmd
        }
        "generate" => {
            let mut cmd = format!(
                "contextcore generate -c {} -o {}",
                input("project_context").unwrap_or_default(),
                get_path("output_dir").unwrap_or_else(|| "generated".into())
            );
            if let Some(sel) = config.get("selection").filter(|s| s.source == "flag") {
                for (key, flag) in [
                    ("service_monitor", "--service-monitor"),
                    ("prometheus_rule", "--prometheus-rule"),
                    ("dashboard", "--dashboard"),
                ] {
                    if sel.value.get(key).and_then(Json::as_bool) == Some(true) {
                        cmd.push_str(&format!(" {flag}"));
                    }
                }
            }
            cmd
        }
        "manifest init-from-plan" => {
            let mut cmd = format!(
                "contextcore manifest init-from-plan --plan {} -o {} --force",
                input("plan").unwrap_or_default(),
                get_path("output").unwrap_or_else(|| ".contextcore.yaml".into())
            );
            for req in r.inputs.iter().filter(|i| i.role == "requirements") {
                cmd.push_str(&format!(
                    " --requirements {}",
                    shell_path(&req.fingerprint.path)
                ));
            }
            if let Some(name) = get("name") {
                cmd.push_str(&format!(" --name {name}"));
            }
            cmd
        }
        "manifest init" => format!(
            "contextcore manifest init -p {} --name {} --force",
            r.outputs
                .first()
                .map(|o| shell_path(&o.fingerprint.path))
                .unwrap_or_default(),
            get("name").unwrap_or_default()
        ),
        other => format!("contextcore {other}"),
    };
    for (key, flag) in VALUE_FLAGS {
        if let Some(s) = config.get(*key).filter(|s| s.source == "flag") {
            cmd.push_str(&format!(" {flag} {}", scalar(&s.value)));
        }
    }
    for (key, on, off) in BOOL_FLAGS {
        if let Some(s) = config.get(*key).filter(|s| s.source == "flag") {
            let flag = if s.value.as_bool() == Some(true) {
                on
            } else {
                off
            };
            if !flag.is_empty() {
                cmd.push_str(&format!(" {flag}"));
            }
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::{shell_path, shell_word};

    #[test]
    fn words_that_need_it_are_single_quoted() {
        assert_eq!(shell_word("out/x.yaml"), "out/x.yaml");
        assert_eq!(shell_word("my out"), "'my out'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(
            shell_path(r#""caf\351 'x'.yaml""#),
            r"$'caf\351 \'x\'.yaml'"
        );
        assert_eq!(shell_path("out/x.yaml"), "out/x.yaml");
    }
}
