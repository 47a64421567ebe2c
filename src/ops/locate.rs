//! Where a command finds its manifest when `-p` is not given, like git and cargo do:
//! `.contextcore.yaml` in the working directory, else in the nearest parent up to the
//! repository root. Default outputs go beside the manifest (`out/`, `generated/`), so running
//! from a subdirectory never grows a second tree there.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The manifest's default file name.
pub const MANIFEST: &str = ".contextcore.yaml";

/// A manifest found or given, and the directory default outputs go in.
pub struct Located {
    pub manifest: PathBuf,
    /// The manifest's directory (`.` when it is the working directory).
    pub dir: PathBuf,
}

/// The manifest a command reads: the one given, or the nearest `.contextcore.yaml` upward.
/// A missing manifest is a usage error that says how to create one.
pub fn manifest(given: Option<&Path>, repo_root: Option<&Path>) -> Result<Located> {
    let manifest = match given {
        Some(p) => p.to_path_buf(),
        None => find_upward(repo_root).ok_or_else(|| {
            Error::Usage(format!(
                "no {MANIFEST} in this directory or any parent up to the repository root; \
                 create one with `contextcore manifest init` (or pass -p FILE)"
            ))
        })?,
    };
    if !manifest.is_file() {
        return Err(Error::Usage(format!(
            "{}: no such manifest; create it with `contextcore manifest init -p {}`",
            crate::quote::fs_path(&manifest),
            crate::lineage::hint::shell_path(&crate::path_bytes::text_of(&manifest))
        )));
    }
    let dir = match manifest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(Located { manifest, dir })
}

/// `.contextcore.yaml` in the working directory or the nearest parent, not above the
/// repository root (or the working directory, outside a repository). Returned relative to
/// the working directory (`../../.contextcore.yaml`), as the user would type it.
fn find_upward(repo_root: Option<&Path>) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let mut dir = cwd.as_path();
    let mut up = PathBuf::new();
    loop {
        if dir.join(MANIFEST).is_file() {
            return Some(up.join(MANIFEST));
        }
        let at_root = match repo_root {
            Some(root) => crate::workspace::absolute(dir) == crate::workspace::absolute(root),
            None => true,
        };
        if at_root {
            return None;
        }
        dir = dir.parent()?;
        up.push("..");
    }
}
