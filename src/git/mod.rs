//! The one layer that talks to git: opening a repository, the index (full, split, sparse,
//! staged ids), trees and blobs, attributes, filters and line endings, hooks' paths, status,
//! and the git binary for what libgit2 does not do (fetch, push, filters). It imports only
//! `error`, `path_bytes` and `quote`; nothing outside it uses `git2` or spawns `git`.

pub mod filters;
pub mod hooks;
pub mod index;
pub mod index_git;
pub mod mapped;
pub mod objects;
pub mod remote;
pub mod repo;
pub mod split_index;
pub mod staged_ids;
pub mod status;

impl From<git2::Error> for crate::error::Error {
    fn from(e: git2::Error) -> Self {
        crate::error::Error::Git(e.message().to_string())
    }
}

/// Bytes as lower-case hex (an object id, a digest).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
