//! The one writer of user files: atomic replace (temp file in the same directory, fsync,
//! rename, fsync the directory), skip when byte-identical, a backup of the replaced content
//! (the last [`BACKUPS_KEPT`] kept), the replaced file's mode kept, and an exclusive lock per output directory.
//! It never knows what it writes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Temp files end with this; a run removes leftovers of crashed runs in its directory.
const TEMP_SUFFIX: &str = ".contextcore-tmp";

/// Environment variable that tests set to stop a write between two steps.
pub const FAULT_ENV: &str = "CONTEXTCORE_FAULT_INJECT";

/// What a write did to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Updated,
    Unchanged,
}

impl Action {
    /// The record's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
        }
    }
}

/// Where backups of replaced files go.
#[derive(Debug, Clone)]
pub enum Backups {
    /// Under `<state dir>/backups/<repo-relative path>`, never committed.
    GitDir {
        state_dir: PathBuf,
        repo_root: PathBuf,
    },
    /// As `<file>.bak` beside the file.
    Beside,
    /// Not kept: for caches under the state directory, which are rebuilt from git.
    Discard,
}

/// The result of one write.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub action: Action,
    pub backup: Option<PathBuf>,
}

/// Writes `content` to `target` atomically. An identical file is left untouched (mtime too);
/// an existing file is backed up first and its mode kept.
pub fn write_atomic(target: &Path, content: &[u8], backups: &Backups) -> Result<Written> {
    crate::source::forget(target);
    let old = match std::fs::read(target) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(target, e)),
    };
    if old.as_deref() == Some(content) {
        return Ok(Written {
            path: target.to_path_buf(),
            action: Action::Unchanged,
            backup: None,
        });
    }
    let mode = existing_mode(target);
    let backup = match &old {
        Some(bytes) if !matches!(backups, Backups::Discard) => {
            Some(write_backup(target, bytes, backups)?)
        }
        _ => None,
    };
    replace(target, content, mode)?;
    Ok(Written {
        path: target.to_path_buf(),
        action: if old.is_some() {
            Action::Updated
        } else {
            Action::Created
        },
        backup,
    })
}

fn write_backup(target: &Path, bytes: &[u8], backups: &Backups) -> Result<PathBuf> {
    let path = match backups {
        Backups::Beside | Backups::Discard => {
            let mut name = target.file_name().unwrap_or_default().to_os_string();
            name.push(".bak");
            target.with_file_name(name)
        }
        Backups::GitDir {
            state_dir,
            repo_root,
        } => {
            let abs = crate::workspace::absolute(target);
            let rel = abs.strip_prefix(repo_root).unwrap_or(&abs);
            let rel = rel.strip_prefix("/").unwrap_or(rel);
            state_dir.join("backups").join(rel)
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    rotate_backups(&path)?;
    replace(&path, bytes, None)?;
    Ok(path)
}

/// How many backups of one file are kept: the newest at the backup path, the older ones
/// beside it as `<backup>.~1~` (the one before) to `<backup>.~9~` (the oldest).
pub const BACKUPS_KEPT: usize = 10;

/// The `n`-th older backup beside `backup` (`n` ≥ 1).
fn numbered(backup: &Path, n: usize) -> PathBuf {
    let mut name = backup.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".~{n}~"));
    backup.with_file_name(name)
}

/// Makes room for a new backup at `backup` without losing the one there: each older backup
/// moves one number up and the oldest beyond [`BACKUPS_KEPT`] is dropped. Renames only, oldest
/// first, so an interruption can leave a gap in the numbers but never loses a newer backup.
fn rotate_backups(backup: &Path) -> Result<()> {
    if !backup.exists() {
        return Ok(());
    }
    for n in (1..BACKUPS_KEPT - 1).rev() {
        let from = numbered(backup, n);
        if from.exists() {
            let to = numbered(backup, n + 1);
            std::fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
        }
    }
    let to = numbered(backup, 1);
    std::fs::rename(backup, &to).map_err(|e| Error::io(&to, e))
}

/// The backups (newest paths) under `dir` that hold [`BACKUPS_KEPT`] versions, so the next
/// replacement of their file drops the oldest: what `doctor` reports.
pub fn files_at_backup_bound(dir: &Path) -> Vec<PathBuf> {
    let oldest = format!(".~{}~", BACKUPS_KEPT - 1);
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
                continue;
            }
            let name = entry.file_name();
            if let Some(base) = name.to_str().and_then(|n| n.strip_suffix(&oldest)) {
                out.push(d.join(base));
            }
        }
    }
    out.sort();
    out
}

/// Temp file, write, fsync, rename, fsync directory.
fn replace(target: &Path, content: &[u8], mode: Option<u32>) -> Result<()> {
    replace_with_fault(
        target,
        content,
        mode,
        std::env::var(FAULT_ENV).ok().as_deref(),
    )
}

/// [`replace`], stopping with an error at the step named by `fault` (tests only set it).
fn replace_with_fault(
    target: &Path,
    content: &[u8],
    mode: Option<u32>,
    fault: Option<&str>,
) -> Result<()> {
    let fault_point = |step: &str| -> Result<()> {
        if fault == Some(step) {
            return Err(Error::io(
                step,
                std::io::Error::other("fault injected by test"),
            ));
        }
        Ok(())
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(target.file_name().unwrap_or_default());
    temp_name.push(format!(".{}{TEMP_SUFFIX}", std::process::id()));
    let temp = dir.join(temp_name);
    let result = (|| {
        // create_new with the default mode: a new file gets the umask default, never 0600.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(&temp, e))?;
        file.write_all(content).map_err(|e| Error::io(&temp, e))?;
        set_mode(&file, mode).map_err(|e| Error::io(&temp, e))?;
        file.sync_all().map_err(|e| Error::io(&temp, e))?;
        fault_point("before-rename")?;
        std::fs::rename(&temp, target).map_err(|e| Error::io(target, e))?;
        fault_point("after-rename")?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn existing_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode())
}

#[cfg(not(unix))]
fn existing_mode(_: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(file: &File, mode: Option<u32>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match mode {
        Some(m) => file.set_permissions(std::fs::Permissions::from_mode(m)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn set_mode(_: &File, _: Option<u32>) -> std::io::Result<()> {
    Ok(())
}

/// Removes temp files that crashed runs left in `dir`.
pub fn remove_stale_temps(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().ends_with(TEMP_SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Creates a directory (and parents) for outputs.
pub fn create_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: is a file, not a directory; name another output directory",
            crate::quote::fs_path(dir)
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// An exclusive lock on an output directory, released on drop (or by the OS on a crash).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock at `lock_path`, waiting up to `timeout` for another run to finish.
    pub fn acquire(lock_path: &Path, shown: &str, timeout: Duration) -> Result<Self> {
        if let Some(parent) = lock_path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path)
            .map_err(|e| Error::io(lock_path, e))?;
        let started = Instant::now();
        let mut said = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    // Like cargo's "Blocking waiting for file lock": say why we pause.
                    if !said && started.elapsed() >= Duration::from_millis(200) {
                        eprintln!(
                            "waiting for another contextcore run on {shown} to finish (up to {} s)",
                            timeout.as_secs()
                        );
                        said = true;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Locked(PathBuf::from(shown)));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(lock_path, e)),
            }
        }
    }
}

/// How long a run waits for another run's lock: `CONTEXTCORE_LOCK_TIMEOUT_MS`, default 10 s.
pub fn lock_timeout() -> Duration {
    std::env::var("CONTEXTCORE_LOCK_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_content_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        assert_eq!(
            write_atomic(&p, b"x\n", &Backups::Beside).unwrap().action,
            Action::Created
        );
        let before = std::fs::metadata(&p).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let w = write_atomic(&p, b"x\n", &Backups::Beside).unwrap();
        assert_eq!(w.action, Action::Unchanged);
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), before);
    }

    #[test]
    fn replaced_content_is_backed_up_and_mode_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, b"old\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let w = write_atomic(&p, b"new\n", &Backups::Beside).unwrap();
        assert_eq!(w.action, Action::Updated);
        assert_eq!(std::fs::read(w.backup.unwrap()).unwrap(), b"old\n");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn every_backup_is_kept_up_to_the_bound_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        for n in 0..=BACKUPS_KEPT + 2 {
            write_atomic(&p, format!("v{n}\n").as_bytes(), &Backups::Beside).unwrap();
        }
        let backup = dir.path().join("a.txt.bak");
        let last = BACKUPS_KEPT + 2;
        assert_eq!(
            std::fs::read_to_string(&backup).unwrap(),
            format!("v{}\n", last - 1)
        );
        for n in 1..BACKUPS_KEPT {
            let older = numbered(&backup, n);
            assert_eq!(
                std::fs::read_to_string(&older).unwrap(),
                format!("v{}\n", last - 1 - n),
                "{}",
                older.display()
            );
        }
        assert!(!numbered(&backup, BACKUPS_KEPT).exists());
        assert_eq!(files_at_backup_bound(dir.path()), vec![backup]);
    }

    #[test]
    fn new_file_does_not_get_temp_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.txt");
        write_atomic(&p, b"n\n", &Backups::Beside).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode, 0o600);
        assert!(mode & 0o044 != 0, "mode {mode:o}");
    }

    #[test]
    fn failure_between_temp_write_and_rename_keeps_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, b"old\n").unwrap();
        let r = replace_with_fault(&p, b"new\n", None, Some("before-rename"));
        assert!(r.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }

    #[test]
    fn second_lock_times_out_naming_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("x.lock");
        let _held = DirLock::acquire(&lock, "out", Duration::from_millis(10)).unwrap();
        let err = DirLock::acquire(&lock, "out", Duration::from_millis(50)).unwrap_err();
        assert!(err.to_string().contains("out: locked"), "{err}");
    }
}
