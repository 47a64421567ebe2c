//! An export directory as the gates read it: the onboarding metadata (required), the legacy
//! `provenance.json` and the run record (each optional), and containment of every path a
//! file inside names (those files are untrusted: a path must not lead outside the directory).

use std::path::{Component, Path, PathBuf};

use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::paths::RUN_RECORD;

/// The onboarding metadata file every gate starts from, and the legacy per-export provenance.
pub use crate::paths::export_names::{LEGACY_PROVENANCE, ONBOARDING};

/// A loaded export directory.
#[derive(Debug)]
pub struct ExportDir {
    /// The directory as given.
    pub root: PathBuf,
    /// The onboarding metadata (an empty object if the file holds something else).
    pub metadata: Json,
    /// `provenance.json`, when present.
    pub provenance: Option<Json>,
    /// `run-provenance.json`, when present.
    pub run_record: Option<Json>,
}

impl ExportDir {
    /// Reads the directory; a missing directory or onboarding metadata, or a JSON file that
    /// does not parse, is bad input (the error names the file, and line:col for JSON).
    pub fn load(root: &Path) -> Result<Self> {
        let shown_root = crate::quote::fs_path(root);
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(Error::Usage(format!("{shown_root}: not a directory"))),
            Err(e) => return Err(Error::Usage(format!("{shown_root}: {e}"))),
        }
        let onboarding = root.join(ONBOARDING);
        if !onboarding.is_file() {
            return Err(Error::Usage(format!(
                "{}: not found; run 'contextcore manifest export -o {shown_root}' first (it writes the onboarding metadata)",
                crate::quote::fs_path(&onboarding)
            )));
        }
        let metadata = read(&onboarding)?;
        let metadata = if metadata.is_object() {
            metadata
        } else {
            Json::Object(Default::default())
        };
        Ok(Self {
            root: root.to_path_buf(),
            metadata,
            provenance: read_optional(&root.join(LEGACY_PROVENANCE))?,
            run_record: read_optional(&root.join(RUN_RECORD))?,
        })
    }

    /// The directory as shown in reports and messages.
    pub fn shown(&self) -> String {
        crate::quote::fs_path(&self.root)
    }

    /// The project id the metadata names, if any.
    pub fn project_id(&self) -> Option<&str> {
        self.metadata.get("project_id").and_then(Json::as_str)
    }

    /// A path named inside a file of the directory, resolved in the directory; `None` when it
    /// is absolute or climbs out with `..`.
    pub fn inside(&self, relative: &str) -> Option<PathBuf> {
        contained(relative).and_then(|rel| self.unlinked(&rel))
    }

    /// `root/rel` when no component of `rel` is a symbolic link (a link could lead out of
    /// the directory: a committed `x.json -> /dev/zero` or `-> ~/.ssh/id_ed25519`).
    fn unlinked(&self, rel: &Path) -> Option<PathBuf> {
        let mut path = self.root.clone();
        for part in rel.components() {
            path.push(part);
            if path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                return None;
            }
        }
        Some(path)
    }

    /// The file of this directory with the same file name as a recorded path (records of a
    /// copied or moved directory, or with absolute paths, still point here).
    pub fn by_file_name(&self, recorded: &str) -> Option<PathBuf> {
        // A name that is not UTF-8 is recorded in git's quoted form: decode it first.
        if recorded.starts_with('"') {
            let path = crate::path_bytes::path_of(recorded)?;
            return self.unlinked(Path::new(path.file_name()?));
        }
        self.unlinked(Path::new(file_name(recorded)?))
    }
}

/// The last component of a recorded path, `/` or `\` separated; `None` for `..` or empty.
pub fn file_name(recorded: &str) -> Option<&str> {
    let name = recorded.rsplit(['/', '\\']).next()?;
    (!name.is_empty() && name != "." && name != "..").then_some(name)
}

/// A relative path made of plain components only; `None` if absolute or climbing out.
pub fn contained(relative: &str) -> Option<PathBuf> {
    let path = Path::new(relative);
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// The sha256 of a file, streamed (outputs may be large); `None` when it cannot be read.
pub fn sha256_of(path: &Path) -> Option<String> {
    crate::fingerprint::Fingerprint::of_file(path, &crate::quote::fs_path(path))
        .ok()
        .and_then(|f| f.sha256)
}

fn read(path: &Path) -> Result<Json> {
    crate::source::read_json(path, &crate::quote::fs_path(path))
}

fn read_optional(path: &Path) -> Result<Option<Json>> {
    if path.is_file() {
        read(path).map(Some)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_are_not_resolved() {
        assert_eq!(contained("../x"), None);
        assert_eq!(contained("/etc/passwd"), None);
        assert_eq!(contained("a/../../b"), None);
        assert_eq!(contained("./a/b.json"), Some(PathBuf::from("a/b.json")));
    }

    #[test]
    fn recorded_paths_match_by_file_name() {
        assert_eq!(file_name("out/x.json"), Some("x.json"));
        assert_eq!(file_name("<repo>/out/x.json"), Some("x.json"));
        assert_eq!(file_name("C:\\work\\out\\x.json"), Some("x.json"));
        assert_eq!(file_name("out/.."), None);
    }
}
