//! Trees and blobs: looking objects up (a missing one names the fix, as in a partial clone),
//! and a tree's regular files as path → blob id.

use std::collections::HashMap;

use git2::{Oid, Repository, Tree};

use crate::error::{Error, Result};

/// Whether an index or tree mode is a regular file's (100644, 100755).
pub fn is_regular_mode(mode: u32) -> bool {
    matches!(mode, 0o100644 | 0o100755)
}

/// Path → blob id of a tree's regular files, and the paths where something else is.
#[derive(Debug, Default)]
pub struct BlobMap {
    pub blobs: HashMap<String, Oid>,
    /// Symbolic links and submodules.
    pub other: std::collections::HashSet<String>,
}

impl BlobMap {
    /// Every blob of a tree, with `/`-joined paths as record text (a name that is not UTF-8 in
    /// git's quoted form, see [`crate::path_bytes`]); the walk never stops early: a subtree that cannot be read is an error,
    /// never an omission.
    pub fn of_tree(repo: &Repository, tree: &Tree) -> Result<Self> {
        let mut map = Self::default();
        map.collect(repo, tree, b"")?;
        Ok(map)
    }

    fn collect(&mut self, repo: &Repository, tree: &Tree, prefix: &[u8]) -> Result<()> {
        for entry in tree.iter() {
            let path = [prefix, entry.name_bytes()].concat();
            match entry.kind() {
                Some(git2::ObjectType::Blob) if is_regular_mode(entry.filemode() as u32) => {
                    self.blobs
                        .insert(crate::path_bytes::encode(&path), entry.id());
                }
                Some(git2::ObjectType::Tree) => {
                    let sub = find_tree(repo, entry.id(), &crate::path_bytes::encode(&path))?;
                    self.collect(repo, &sub, &[path.as_slice(), b"/"].concat())?;
                }
                _ => {
                    self.other.insert(crate::path_bytes::encode(&path));
                }
            }
        }
        Ok(())
    }
}

/// A tree by id; a missing one (a partial or shallow clone) says what to do.
pub fn find_tree<'r>(repo: &'r Repository, id: Oid, path: &str) -> Result<Tree<'r>> {
    repo.find_tree(id).map_err(|e| missing_object(e, id, path))
}

/// A blob by id; a missing one (a partial clone) says what to do.
pub fn find_blob<'r>(repo: &'r Repository, id: Oid, path: &str) -> Result<git2::Blob<'r>> {
    repo.find_blob(id).map_err(|e| missing_object(e, id, path))
}

fn missing_object(e: git2::Error, id: Oid, path: &str) -> Error {
    if e.code() == git2::ErrorCode::NotFound {
        Error::MissingObject {
            path: if path.is_empty() {
                "/".into()
            } else {
                path.to_string()
            },
            id: id.to_string(),
        }
    } else {
        e.into()
    }
}
