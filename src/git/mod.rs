//! The one layer that talks to git: opening a repository, the index (full, split, sparse,
//! staged ids), trees and blobs, attributes, filters and line endings, hooks' paths, status,
//! and the git binary for what libgit2 does not do (fetch, push, filters). It imports only
//! `error`, `path_bytes` and `quote`; nothing outside it uses `git2` or spawns `git`.

pub mod filters;
pub mod hooks;
pub mod id;
pub mod index;
pub mod index_git;
pub mod mapped;
pub mod notes;
pub mod objects;
pub mod remote;
pub mod repo;
pub mod split_index;
pub mod staged_ids;
pub mod status;

use std::sync::atomic::{AtomicBool, Ordering};

pub use id::ObjectId;
pub use objects::{BlobMap, Commit, Tree};
pub use repo::Repo;

/// Whether the repository this process works in names objects by SHA-256
/// (`git init --object-format=sha256`): set when it is opened, read by whatever computes a
/// blob id from bytes. One process works in one repository.
static SHA256_OBJECTS: AtomicBool = AtomicBool::new(false);

/// Remembers the object format of a repository just opened.
fn note_object_format(repo: &git2::Repository) {
    let sha256 = matches!(repo.object_format(), git2::ObjectFormat::Sha256);
    SHA256_OBJECTS.store(sha256, Ordering::Relaxed);
}

/// Whether blob ids are SHA-256 here (see [`note_object_format`]).
pub fn sha256_objects() -> bool {
    SHA256_OBJECTS.load(Ordering::Relaxed)
}

/// The length in bytes of a repository's object ids.
fn hash_len(repo: &Repo) -> usize {
    match repo.0.object_format() {
        git2::ObjectFormat::Sha256 => 32,
        _ => 20,
    }
}

/// An object id from its hex form: SHA-1 (40 digits) or SHA-256 (64).
pub fn oid(hex: &str) -> Result<ObjectId, crate::error::Error> {
    ObjectId::from_hex(hex)
}

impl From<git2::Error> for crate::error::Error {
    fn from(e: git2::Error) -> Self {
        crate::error::Error::Git(e.message().to_string())
    }
}

/// Bytes as lower-case hex (an object id, a digest).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs the real `git` in `dir` for a unit test (no user or system configuration, no inherited
/// `GIT_INDEX_FILE`, a fixed identity) and returns what it printed; a failure fails the test.
#[cfg(test)]
pub(crate) fn test_git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git prints UTF-8 here")
}
