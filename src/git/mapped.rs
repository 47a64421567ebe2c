//! The bytes of a file git replaces but never rewrites in place (the index), mapped read-only
//! instead of copied: at 100,000 entries the copy and the page faults on a fresh buffer were
//! a third of the pre-commit hook's time. Git maps its index the same way.

use std::ops::Deref;
use std::path::Path;

/// A file's bytes: mapped where the platform allows, read otherwise.
pub enum FileBytes {
    #[cfg(unix)]
    Mapped {
        ptr: *const u8,
        len: usize,
    },
    Read(Vec<u8>),
}

// Safety: the mapping is read-only and private, and lives until `drop`: sharing or moving it
// between threads is sharing or moving a `&[u8]`.
#[cfg(unix)]
unsafe impl Send for FileBytes {}
#[cfg(unix)]
unsafe impl Sync for FileBytes {}

impl FileBytes {
    /// Maps (or reads) the file at `path`.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let file = std::fs::File::open(path)?;
            let len = file.metadata()?.len() as usize;
            if len == 0 {
                return Ok(Self::Read(Vec::new()));
            }
            // Safety: a private read-only mapping of an open file, checked for failure. Git
            // writes the index to a lock file and renames it over the old one, so the mapped
            // file is never truncated under us (which is what would make reading it fault).
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr != libc::MAP_FAILED {
                return Ok(Self::Mapped {
                    ptr: ptr as *const u8,
                    len,
                });
            }
        }
        std::fs::read(path).map(Self::Read)
    }
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(unix)]
            // Safety: `ptr` maps `len` readable bytes until `drop` unmaps them.
            Self::Mapped { ptr, len } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
            Self::Read(bytes) => bytes,
        }
    }
}

impl Drop for FileBytes {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Self::Mapped { ptr, len } = self {
            // Safety: unmaps exactly the mapping `open` made; no slice of it outlives `self`.
            unsafe {
                libc::munmap(*ptr as *mut libc::c_void, *len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_bytes_are_the_file_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        std::fs::write(&path, b"DIRC and more").unwrap();
        assert_eq!(&*FileBytes::open(&path).unwrap(), b"DIRC and more");
        std::fs::write(&path, b"").unwrap();
        assert!(FileBytes::open(&path).unwrap().is_empty());
        assert!(FileBytes::open(&dir.path().join("missing")).is_err());
    }
}
