//! The one resolver of output paths: canonical file names per command, the write strategy
//! (`update_existing` rewrites canonical files; `new_output` picks `name.N.ext`), safe names,
//! and containment (nothing resolves outside its directory through `..` or symlinks).
//! Nothing else in the crate computes an output path.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a command treats an existing output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteStrategy {
    /// Rewrite the canonical file in place.
    UpdateExisting,
    /// Never touch an existing file; write `name.N.ext` with the next free N.
    NewOutput,
}

impl WriteStrategy {
    /// The policy/record spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteStrategy::UpdateExisting => "update_existing",
            WriteStrategy::NewOutput => "new_output",
        }
    }

    /// Every strategy, in the order `--help` lists them.
    pub const ALL: [WriteStrategy; 2] = [WriteStrategy::UpdateExisting, WriteStrategy::NewOutput];

    /// The strategy of a policy/record spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

/// The file name of a path a command will write. On unix any name is written as given (its
/// bytes; records name it in git's quoted form, see [`crate::path_bytes`]); elsewhere a name that
/// is not Unicode has no bytes of its own and is refused rather than written under another name.
pub fn file_name_of(path: &Path) -> Result<OsString> {
    let Some(name) = path.file_name() else {
        return Err(Error::Usage(format!(
            "{}: not a file path",
            crate::quote::fs_path(path)
        )));
    };
    if cfg!(not(unix)) && name.to_str().is_none() {
        return Err(Error::Usage(format!(
            "{:?}: the file name is not valid Unicode; name the file in UTF-8",
            path.as_os_str()
        )));
    }
    Ok(name.to_os_string())
}

/// Checks that a name is safe as (part of) a file name: non-empty, at most 128 characters of
/// letters, digits, `.`, `_` and `-`, not starting with `.` or `-`.
pub fn check_safe_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty (it names the output files)".into());
    }
    if name.len() > 128 {
        let head: String = name.chars().take(32).collect();
        return Err(format!(
            "'{}…' is longer than 128 characters",
            head.escape_debug()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "'{}' contains {:?}; use letters, digits, '.', '_' and '-' only",
            name.escape_debug(),
            bad
        ));
    }
    if name.starts_with('.') || name.starts_with('-') {
        return Err(format!("'{name}' must not start with '.' or '-'"));
    }
    Ok(())
}

/// Canonical output file names of `manifest export`.
pub mod export_names {
    pub const ONBOARDING: &str = "onboarding-metadata.json";
    pub const VALIDATION: &str = "validation-report.json";
    pub const QUALITY: &str = "export-quality-report.json";
    pub const LEGACY_PROVENANCE: &str = "provenance.json";

    pub fn project_context(project: &str) -> String {
        format!("{project}-projectcontext.yaml")
    }

    pub fn artifact_manifest(project: &str, json: bool) -> String {
        format!(
            "{project}-artifact-manifest.{}",
            if json { "json" } else { "yaml" }
        )
    }
}

/// The run record beside the outputs of export and generate.
pub const RUN_RECORD: &str = "run-provenance.json";
/// The report `generate` writes beside its artifacts.
pub const GENERATION_REPORT: &str = "generation-report.json";
/// The run record beside a manifest written by init and init-from-plan.
pub const INIT_RUN_RECORD: &str = "init-run-provenance.json";

/// Whether a file name is a run record the lineage engine reads: `run-provenance.json`,
/// `init-run-provenance.json`, `*-run-provenance.json`, and the numbered variants that
/// `new_output` writes (`run-provenance.2.json`).
pub fn is_run_record_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    let stem = match stem.rsplit_once('.') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => stem,
    };
    stem == "run-provenance" || stem.ends_with("-run-provenance")
}

/// Resolves `name` inside `dir` under a write strategy, refusing names with separators or
/// `..`, and existing outputs that are symlinks (we never write through a link).
pub fn resolve(dir: &Path, name: impl AsRef<OsStr>, strategy: WriteStrategy) -> Result<PathBuf> {
    let name = name.as_ref();
    let bytes = crate::path_bytes::bytes_of(Path::new(name));
    if bytes.is_empty()
        || *bytes == *b"."
        || *bytes == *b".."
        || bytes.iter().any(|b| matches!(b, b'/' | b'\\' | b'\0'))
        || String::from_utf8_lossy(&bytes)
            .chars()
            .any(char::is_control)
    {
        return Err(Error::Escape(format!(
            "{}/{}",
            crate::quote::fs_path(dir),
            crate::quote::path(&crate::path_bytes::encode(&bytes))
        )));
    }
    let canonical = dir.join(name);
    refuse_non_file(&canonical)?;
    match strategy {
        WriteStrategy::UpdateExisting => Ok(canonical),
        WriteStrategy::NewOutput => {
            if !canonical.exists() {
                return Ok(canonical);
            }
            let (stem, ext) = split_extension(&bytes);
            (1..)
                .map(|n| {
                    let numbered = [stem, format!(".{n}").as_bytes(), ext].concat();
                    crate::path_bytes::path_of_bytes(numbered).map(|p| dir.join(p))
                })
                .find(|p| p.as_ref().is_none_or(|p| p.symlink_metadata().is_err()))
                .flatten()
                .ok_or_else(|| Error::Usage("no free output name".into()))
        }
    }
}

/// Refuses an output path where something other than a regular file is: a symbolic link
/// (never written through), a directory or a device. Every name a run writes is resolved
/// before the first write, so this stops the run with nothing written.
fn refuse_non_file(path: &Path) -> Result<()> {
    match path.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::Escape(format!(
            "{} is a symbolic link; remove it so the output can be written in place",
            crate::quote::fs_path(path)
        ))),
        Ok(meta) if !meta.is_file() => Err(Error::Usage(format!(
            "{}: is a directory or another non-file where an output goes; move it aside (nothing was written)",
            crate::quote::fs_path(path)
        ))),
        _ => Ok(()),
    }
}

/// Splits `a.b.yaml` into (`a.b`, `.yaml`); a leading dot is part of the stem.
fn split_extension(name: &[u8]) -> (&[u8], &[u8]) {
    match name.iter().rposition(|&b| b == b'.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, b""),
    }
}

/// The stem of a manifest file name for derived names: `.contextcore.yaml` → `.contextcore`.
pub fn manifest_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, _) = split_extension(name.as_bytes());
    String::from_utf8_lossy(stem).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_refused() {
        for bad in ["", "..", "../x", "a/b", "a\0b", "a\nb", ".hidden", "-x"] {
            assert!(check_safe_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_safe_name("checkout-service_2.v1").is_ok());
    }

    #[test]
    fn new_output_picks_next_free_number() {
        let dir = tempfile::tempdir().unwrap();
        let first = resolve(dir.path(), "r.json", WriteStrategy::NewOutput).unwrap();
        assert_eq!(first, dir.path().join("r.json"));
        std::fs::File::create(&first).unwrap();
        std::fs::File::create(dir.path().join("r.1.json")).unwrap();
        let next = resolve(dir.path(), "r.json", WriteStrategy::NewOutput).unwrap();
        assert_eq!(next, dir.path().join("r.2.json"));
        let same = resolve(dir.path(), "r.json", WriteStrategy::UpdateExisting).unwrap();
        assert_eq!(same, first);
    }

    #[test]
    fn names_with_separators_or_dotdot_never_resolve() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "a/b", "..", "x\0"] {
            assert!(resolve(dir.path(), bad, WriteStrategy::UpdateExisting).is_err());
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("x.json")).unwrap();
        assert!(resolve(dir.path(), "x.json", WriteStrategy::UpdateExisting).is_err());
    }

    #[test]
    fn run_record_names_include_numbered_variants() {
        for name in [
            "run-provenance.json",
            "init-run-provenance.json",
            "x-run-provenance.json",
            "run-provenance.3.json",
        ] {
            assert!(is_run_record_name(name), "{name}");
        }
        for name in [
            "provenance.json",
            "run-provenance.yaml",
            "run-provenance.x.json",
            "run-provenance.json.bak",
        ] {
            assert!(!is_run_record_name(name), "{name}");
        }
    }

    #[test]
    fn manifest_stem_keeps_leading_dot() {
        assert_eq!(
            manifest_stem(Path::new("a/.contextcore.yaml")),
            ".contextcore"
        );
    }
}
