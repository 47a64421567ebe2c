//! File fingerprints: size, mtime, sha256 and the git blob id, from one pass over the bytes.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a run record says about one file. A missing file has `exists: false` and nulls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Fingerprint {
    /// Repository-relative (or output-dir-relative) path with `/` separators.
    pub path: String,
    pub exists: bool,
    pub size: Option<u64>,
    /// Modification time, RFC 3339 UTC with milliseconds.
    pub mtime: Option<String>,
    pub sha256: Option<String>,
    /// The id `git hash-object` gives the content.
    pub git_blob: Option<String>,
}

/// sha256 and git blob id of some bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    pub sha256: String,
    pub git_blob: String,
}

/// The hash of a git blob id: SHA-1, or SHA-256 in a repository that names objects by it.
enum BlobHasher {
    Sha1(Sha1),
    Sha256(Sha256),
}

impl BlobHasher {
    /// A hasher for a blob of `len` bytes, its `blob <len>\0` header hashed.
    fn for_blob(len: u64) -> Self {
        let header = format!("blob {len}\0");
        if crate::git::sha256_objects() {
            let mut h = Sha256::new();
            h.update(header.as_bytes());
            BlobHasher::Sha256(h)
        } else {
            let mut h = Sha1::new();
            h.update(header.as_bytes());
            BlobHasher::Sha1(h)
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            BlobHasher::Sha1(h) => h.update(bytes),
            BlobHasher::Sha256(h) => h.update(bytes),
        }
    }

    fn finish(self) -> String {
        match self {
            BlobHasher::Sha1(h) => hex(&h.finalize()),
            BlobHasher::Sha256(h) => hex(&h.finalize()),
        }
    }
}

/// The sha256 of bytes in memory, in hex (when the blob id is not wanted).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl Digests {
    /// Digests of bytes in memory.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        let mut sha256 = Sha256::new();
        let mut blob = BlobHasher::for_blob(bytes.len() as u64);
        if bytes.len() >= PARALLEL_FROM {
            // Each digest on its own core, as for a large file.
            std::thread::scope(|s| {
                s.spawn(|| sha256.update(bytes));
                blob.update(bytes);
            });
        } else {
            sha256.update(bytes);
            blob.update(bytes);
        }
        Self::finish(sha256, blob)
    }

    fn finish(sha256: Sha256, blob: BlobHasher) -> Self {
        Self {
            sha256: hex(&sha256.finalize()),
            git_blob: blob.finish(),
        }
    }
}

impl Fingerprint {
    /// Fingerprints `file`, recorded under `shown`. A missing file is not an error. An input
    /// this process parsed is fingerprinted from the bytes it parsed (read once), and the
    /// digests describe the content as git stores it (line endings normalized as
    /// `core.autocrlf` / `.gitattributes` say), so `git_blob` is what `git add` would stage.
    pub fn of_file(file: &Path, shown: &str) -> Result<Self> {
        let meta = match std::fs::metadata(file) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::missing(shown)),
            Err(e) => return Err(Error::io(shown, e)),
        };
        let mtime = meta.modified().ok().map(format_time);
        if let Some(bytes) = crate::source::parsed_bytes(file) {
            return Ok(Self::of_disk_bytes(file, &bytes, shown, mtime));
        }
        if meta.len() as usize <= CHUNK {
            let bytes = std::fs::read(file).map_err(|e| Error::io(shown, e))?;
            return Ok(Self::of_disk_bytes(file, &bytes, shown, mtime));
        }
        Self::of_large_file(file, &meta, shown, mtime)
    }

    /// Fingerprints `content` as `write` puts it in `file` (reading it back would give the
    /// same bytes), with the file's time after. A large content is digested while it is
    /// written and synced.
    pub fn of_written<T>(
        file: &Path,
        content: &[u8],
        shown: &str,
        write: impl FnOnce() -> Result<T>,
    ) -> Result<(T, Self)> {
        let (written, mut fingerprint) = if content.len() >= PARALLEL_FROM {
            std::thread::scope(|s| {
                let digesting = s.spawn(|| Self::of_disk_bytes(file, content, shown, None));
                let written = write();
                (written, digesting.join().expect("digests cannot panic"))
            })
        } else {
            (write(), Self::of_disk_bytes(file, content, shown, None))
        };
        let written = written?;
        let meta = std::fs::metadata(file).map_err(|e| Error::io(shown, e))?;
        fingerprint.mtime = meta.modified().ok().map(format_time);
        Ok((written, fingerprint))
    }

    /// The fingerprint of bytes read from `file`, normalized as git would store them.
    /// A path git runs through a clean filter, `ident` or an encoding keeps the sha256 of its
    /// working bytes and takes its blob id from git (`eol::filtered_blob_of_file`).
    fn of_disk_bytes(file: &Path, bytes: &[u8], shown: &str, mtime: Option<String>) -> Self {
        let (d, size) = match crate::git::filters::filtered_blob_of_file(file, Some(bytes)) {
            Some(id) => {
                let d = Digests::of_bytes(bytes);
                let git_blob = id.to_string();
                (Digests { git_blob, ..d }, bytes.len())
            }
            None => {
                let stored = crate::git::filters::clean_file(file, bytes);
                (Digests::of_bytes(&stored), stored.len())
            }
        };
        Self {
            path: shown.to_string(),
            exists: true,
            size: Some(size as u64),
            mtime,
            sha256: Some(d.sha256),
            git_blob: Some(d.git_blob),
        }
    }

    /// Streams a file too large to hold (never a parsed input; stored byte for byte).
    fn of_large_file(
        file: &Path,
        meta: &std::fs::Metadata,
        shown: &str,
        mtime: Option<String>,
    ) -> Result<Self> {
        let mut f = std::fs::File::open(file).map_err(|e| Error::io(shown, e))?;
        let mut sha256 = Sha256::new();
        let mut sha1 = BlobHasher::for_blob(meta.len());
        // Large chunks, and for large files the two digests on two threads: each runs at the
        // speed of its SHA extension instead of the sum of both.
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0u64;
        loop {
            let n = read_full(&mut f, &mut buf).map_err(|e| Error::io(shown, e))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            let chunk = &buf[..n];
            if n >= PARALLEL_FROM {
                std::thread::scope(|s| {
                    s.spawn(|| sha256.update(chunk));
                    sha1.update(chunk);
                });
            } else {
                sha256.update(chunk);
                sha1.update(chunk);
            }
        }
        if total != meta.len() {
            return Err(Error::io(
                shown,
                std::io::Error::other("file changed while it was read"),
            ));
        }
        let d = Digests::finish(sha256, sha1);
        // A large file is the likeliest to be in LFS: git says what it stores.
        let git_blob = crate::git::filters::filtered_blob_of_file(file, None)
            .map_or(d.git_blob, |id| id.to_string());
        Ok(Self {
            path: shown.to_string(),
            exists: true,
            size: Some(meta.len()),
            mtime,
            sha256: Some(d.sha256),
            git_blob: Some(git_blob),
        })
    }

    /// The fingerprint content would have once written (no mtime yet): for dry runs.
    pub fn of_content(content: &[u8], shown: &str) -> Self {
        let d = Digests::of_bytes(content);
        Self {
            path: shown.to_string(),
            exists: true,
            size: Some(content.len() as u64),
            mtime: None,
            sha256: Some(d.sha256),
            git_blob: Some(d.git_blob),
        }
    }

    /// The record of a file that does not exist.
    pub fn missing(shown: &str) -> Self {
        Self {
            path: shown.to_string(),
            exists: false,
            size: None,
            mtime: None,
            sha256: None,
            git_blob: None,
        }
    }

    /// Whether two fingerprints describe the same path and content (times ignored).
    pub fn same_content(&self, other: &Self) -> bool {
        self.path == other.path && self.exists == other.exists && self.sha256 == other.sha256
    }
}

/// Read size for fingerprinting.
const CHUNK: usize = 8 << 20;
/// Chunks at least this large are hashed on two threads.
const PARALLEL_FROM: usize = 1 << 20;

/// Fills `buf` as far as the file allows; returns how many bytes were read.
fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// RFC 3339 UTC with milliseconds, the one time format of our records.
pub fn format_time(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_blob_matches_git_hash_object_of_known_content() {
        // `printf 'hello\n' | git hash-object --stdin`
        let d = Digests::of_bytes(b"hello\n");
        assert_eq!(d.git_blob, "ce013625030ba8dba906f756967f9e9ca394464a");
        assert_eq!(
            d.sha256,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
    }

    #[test]
    fn file_and_bytes_agree_and_missing_is_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello\n").unwrap();
        let fp = Fingerprint::of_file(&p, "f").unwrap();
        assert_eq!(
            fp.git_blob.as_deref(),
            Some("ce013625030ba8dba906f756967f9e9ca394464a")
        );
        assert_eq!(fp.size, Some(6));
        let missing = Fingerprint::of_file(&dir.path().join("nope"), "nope").unwrap();
        assert!(!missing.exists && missing.sha256.is_none() && missing.git_blob.is_none());
    }
}
