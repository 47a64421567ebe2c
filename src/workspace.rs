//! Where a run happens: the repository root (or, outside git, a base directory), the git
//! directory for private state (backups, locks), and the one way to turn a path into the
//! repository-relative, `/`-separated form that records carry.

pub use crate::path_bytes::{absolute, relative_to};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// How records name a file outside the repository (and outside the working directory).
pub const OUTSIDE: &str = "<outside>";

/// Whether a record path is the `<outside>/name` form (of any name, quoted or not).
pub fn names_outside(record_path: &str) -> bool {
    let outside = |b: &[u8]| {
        b.strip_prefix(OUTSIDE.as_bytes())
            .is_some_and(|r| r.starts_with(b"/"))
    };
    // Only a quoted text needs decoding (and a copy); the hook asks this of every input.
    if record_path.starts_with('"') {
        crate::path_bytes::decode(record_path).is_some_and(|b| outside(&b))
    } else {
        outside(record_path.as_bytes())
    }
}

/// The place a command runs in.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Repository work-tree root, canonical; `None` outside a repository.
    pub repo_root: Option<PathBuf>,
    /// The repository's git directory (`.git`), canonical; `None` outside a repository.
    pub git_dir: Option<PathBuf>,
    /// The common git directory (of the main worktree, for a linked one), canonical.
    pub common_dir: Option<PathBuf>,
}

impl Workspace {
    /// Finds the repository containing `dir` (walking up), if any; `GIT_DIR`,
    /// `GIT_WORK_TREE` and `GIT_COMMON_DIR` decide it as they decide it for git.
    pub fn discover(dir: &Path) -> Self {
        let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        match crate::git::repo::open_repository(&start) {
            Some(repo) if repo.workdir().is_some() => Self {
                repo_root: repo.workdir().and_then(|p| p.canonicalize().ok()),
                git_dir: repo.path().canonicalize().ok(),
                common_dir: repo.commondir().canonicalize().ok(),
            },
            _ => Self {
                repo_root: None,
                git_dir: None,
                common_dir: None,
            },
        }
    }

    /// Finds the repository containing the current directory.
    pub fn current() -> Self {
        Self::discover(&std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
    }

    /// Private state directory (`.git/contextcore`) inside a repository.
    pub fn state_dir(&self) -> Option<PathBuf> {
        self.git_dir.as_ref().map(|g| g.join("contextcore"))
    }

    /// The path as records show it, with `/` separators: relative to the repository root;
    /// outside a repository, relative to `fallback_base` (the output directory) or else to the
    /// working directory. A path outside all of these is `<outside>/<file name>`: records never
    /// walk up with `..`, which could spell a home directory and so a user name.
    pub fn record_path(&self, path: &Path, fallback_base: &Path) -> String {
        let abs = absolute(path);
        let bases = match &self.repo_root {
            Some(root) => vec![root.clone()],
            None => vec![absolute(fallback_base), absolute(Path::new("."))],
        };
        for base in bases {
            if abs.starts_with(&base) {
                return relative_to(&base, &abs);
            }
        }
        let mut outside = format!("{OUTSIDE}/").into_bytes();
        if let Some(name) = abs.file_name() {
            outside.extend_from_slice(&crate::path_bytes::bytes_of(Path::new(name)));
        }
        crate::path_bytes::encode(&outside)
    }

    /// Whether a path lies outside the repository (never, outside a repository).
    pub fn is_outside(&self, path: &Path) -> bool {
        self.repo_root
            .as_ref()
            .is_some_and(|root| !absolute(path).starts_with(root))
    }

    /// Refuses a directory that resolves (through `..` or symlinks) outside the repository.
    pub fn ensure_inside(&self, dir: &Path) -> Result<()> {
        let Some(root) = &self.repo_root else {
            return Ok(());
        };
        let abs = absolute(dir);
        if !abs.starts_with(root) {
            return Err(Error::Usage(format!(
                "{}: outside the repository; name a directory in the work tree (records name files by their repository path)",
                crate::quote::fs_path(dir)
            )));
        }
        self.refuse_git_dir(dir)
    }

    /// Refuses a directory inside the repository's git directory: writing there corrupts refs
    /// and objects.
    pub fn refuse_git_dir(&self, dir: &Path) -> Result<()> {
        let git_dirs: Vec<&Path> = [&self.git_dir, &self.common_dir]
            .into_iter()
            .flatten()
            .map(PathBuf::as_path)
            .collect();
        if inside_git_dir(dir, &git_dirs) {
            return Err(Error::Usage(format!(
                "{}: refused, it is inside the repository's git directory (writing there corrupts refs and objects); choose an output directory in the work tree",
                crate::quote::fs_path(dir)
            )));
        }
        Ok(())
    }
}

/// Whether `dir` lies inside a repository's git directory (its own or the common one, or
/// any directory named `.git`): writing there corrupts refs and objects.
pub fn inside_git_dir(dir: &Path, git_dirs: &[&Path]) -> bool {
    let abs = absolute(dir);
    git_dirs.iter().any(|g| abs.starts_with(g)) || abs.components().any(|c| c.as_os_str() == ".git")
}

/// Regular files under `dir`, sorted; hidden entries, symbolic links (never followed out of the
/// tree) and build directories (`target`, `node_modules`) are skipped. `what` names the
/// option in errors.
pub fn files_under(dir: &Path, what: &str) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{what} {}: not a directory",
            crate::quote::fs_path(dir)
        )));
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)
            .map_err(|e| Error::io(&d, e))?
            .flatten()
        {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if name.starts_with('.')
                || kind.is_symlink()
                || name == "target"
                || name == "node_modules"
            {
                continue;
            }
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes_and_dotdot() {
        assert_eq!(
            relative_to(Path::new("/r"), Path::new("/r/out/x.json")),
            "out/x.json"
        );
        assert_eq!(
            relative_to(Path::new("/r/out"), Path::new("/r/m.yaml")),
            "../m.yaml"
        );
    }

    #[cfg(unix)]
    #[test]
    fn relative_paths_of_names_that_are_not_utf8_are_quoted_like_git() {
        use std::os::unix::ffi::OsStrExt;
        let file = Path::new("/r/out").join(std::ffi::OsStr::from_bytes(b"caf\xe9.yaml"));
        assert_eq!(relative_to(Path::new("/r"), &file), r#""out/caf\351.yaml""#);
    }

    #[test]
    fn absolute_removes_dotdot_of_missing_parts() {
        let tmp = tempfile::tempdir().unwrap();
        let p = absolute(&tmp.path().join("a/../b"));
        assert_eq!(p, tmp.path().canonicalize().unwrap().join("b"));
    }
}
