//! Commits, trees and blobs: looking objects up (a missing one names the fix, as in a partial
//! clone), a tree's regular files as path → blob id, and what changed between two trees.

use std::collections::HashMap;

use super::id::ObjectId;
use super::repo::Repo;
use crate::error::{Error, Result};

/// Whether an index or tree mode is a regular file's (100644, 100755).
pub fn is_regular_mode(mode: u32) -> bool {
    matches!(mode, 0o100644 | 0o100755)
}

/// A commit.
pub struct Commit<'r>(pub(super) git2::Commit<'r>);

/// A tree.
pub struct Tree<'r>(pub(super) git2::Tree<'r>);

/// A blob.
pub struct Blob<'r>(git2::Blob<'r>);

/// What a tree entry is, for lineage: only regular files (mode 100644 or 100755) have content
/// a record can vouch for; a symbolic link or a submodule at a recorded path is a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tree,
    Regular,
    Other,
}

impl Kind {
    fn of(e: &git2::TreeEntry) -> Self {
        match e.kind() {
            Some(git2::ObjectType::Tree) => Kind::Tree,
            Some(git2::ObjectType::Blob) if is_regular_mode(e.filemode() as u32) => Kind::Regular,
            _ => Kind::Other,
        }
    }
}

/// One entry of a tree.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub name: Vec<u8>,
    pub id: ObjectId,
    pub mode: u32,
    pub kind: Kind,
}

impl TreeEntry {
    fn of(e: &git2::TreeEntry) -> Self {
        Self {
            name: e.name_bytes().to_vec(),
            id: ObjectId(e.id()),
            mode: e.filemode() as u32,
            kind: Kind::of(e),
        }
    }

    /// Whether the entry is a blob (a regular file or a symbolic link).
    pub fn is_blob(&self) -> bool {
        self.kind == Kind::Regular || (self.kind == Kind::Other && self.mode & 0o170000 == 0o120000)
    }
}

impl<'r> Commit<'r> {
    pub fn id(&self) -> ObjectId {
        ObjectId(self.0.id())
    }

    pub fn tree(&self) -> Result<Tree<'r>> {
        Ok(Tree(self.0.tree()?))
    }

    /// The first parent's id; `None` for a root commit.
    pub fn first_parent_id(&self) -> Option<ObjectId> {
        self.0.parent_id(0).ok().map(ObjectId)
    }

    /// The first line of the message, as bytes.
    pub fn summary_bytes(&self) -> Option<&[u8]> {
        self.0.summary_bytes()
    }

    /// The first parent; `None` for a root commit (or a parent missing from a shallow clone).
    pub fn first_parent(&self) -> Option<Commit<'r>> {
        self.0.parent(0).ok().map(Commit)
    }
}

impl<'r> Tree<'r> {
    pub fn id(&self) -> ObjectId {
        ObjectId(self.0.id())
    }

    /// The entry at a `/`-separated path in record text (see [`crate::path_bytes`]).
    pub fn get(&self, path: &str) -> Option<TreeEntry> {
        self.get_path(&crate::path_bytes::path_or_text(path))
    }

    /// The entry at a relative path.
    pub fn get_path(&self, path: &std::path::Path) -> Option<TreeEntry> {
        self.0.get_path(path).ok().map(|e| TreeEntry::of(&e))
    }

    /// Calls `found(dir, name, id)` for every blob under this tree (a regular file or a
    /// symbolic link), `dir` ending in `/` (empty at the top); subtrees that cannot be read
    /// are skipped.
    pub fn walk_blobs(&self, repo: &Repo, found: &mut dyn FnMut(&str, &[u8], ObjectId)) {
        self.walk_under(repo, "", found);
    }

    fn walk_under(&self, repo: &Repo, dir: &str, found: &mut dyn FnMut(&str, &[u8], ObjectId)) {
        for e in self.entries() {
            if e.kind == Kind::Tree {
                let sub = format!("{dir}{}/", String::from_utf8_lossy(&e.name));
                if let Ok(tree) = repo.find_tree(e.id, &sub) {
                    tree.walk_under(repo, &sub, found);
                }
            } else if e.is_blob() {
                found(dir, &e.name, e.id);
            }
        }
    }

    /// The entries directly in this tree.
    pub fn entries(&self) -> impl Iterator<Item = TreeEntry> + '_ {
        self.0.iter().map(|e| TreeEntry::of(&e))
    }
}

impl Blob<'_> {
    pub fn id(&self) -> ObjectId {
        ObjectId(self.0.id())
    }

    pub fn content(&self) -> &[u8] {
        self.0.content()
    }
}

impl Repo {
    /// A commit by id.
    pub fn find_commit(&self, id: ObjectId) -> Result<Commit<'_>> {
        Ok(Commit(self.0.find_commit(id.0)?))
    }

    /// Whether this clone has the commit.
    pub fn has_commit(&self, id: ObjectId) -> bool {
        self.0.find_commit(id.0).is_ok()
    }

    /// A tree by id; a missing one (a partial or shallow clone) says what to do.
    pub fn find_tree(&self, id: ObjectId, path: &str) -> Result<Tree<'_>> {
        self.0
            .find_tree(id.0)
            .map(Tree)
            .map_err(|e| missing_object(e, id, path))
    }

    /// A blob by id; a missing one (a partial clone) says what to do.
    pub fn find_blob(&self, id: ObjectId, path: &str) -> Result<Blob<'_>> {
        self.0
            .find_blob(id.0)
            .map(Blob)
            .map_err(|e| missing_object(e, id, path))
    }

    /// A blob by id, if this clone has it.
    pub fn blob(&self, id: ObjectId) -> Option<Blob<'_>> {
        self.0.find_blob(id.0).ok().map(Blob)
    }

    /// A blob's size from its object header, without reading it.
    pub fn blob_size(&self, id: ObjectId) -> Option<usize> {
        let (size, _) = self.0.odb().ok()?.read_header(id.0).ok()?;
        Some(size)
    }

    /// The regular files a commit added or changed against its first parent, as (path bytes,
    /// blob id), in git's diff order.
    pub fn changed_in_commit(&self, commit: ObjectId) -> Result<Vec<(Vec<u8>, ObjectId)>> {
        let commit = self.0.find_commit(commit.0)?;
        let tree = commit.tree()?;
        let parent_tree = match commit.parents().next() {
            Some(p) => Some(p.tree()?),
            None => None,
        };
        let diff = self
            .0
            .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)?;
        Ok(diff
            .deltas()
            .filter_map(|delta| {
                let file = delta.new_file();
                let path = file.path_bytes()?;
                (!file.id().is_zero()).then(|| (path.to_vec(), ObjectId(file.id())))
            })
            .collect())
    }
}

/// Path → blob id of a tree's regular files, and the paths where something else is.
#[derive(Debug, Default)]
pub struct BlobMap {
    pub blobs: HashMap<String, ObjectId>,
    /// Symbolic links and submodules.
    pub other: std::collections::HashSet<String>,
}

impl BlobMap {
    /// Every blob of a tree, with `/`-joined paths as record text (a name that is not UTF-8 in
    /// git's quoted form, see [`crate::path_bytes`]); the walk never stops early: a subtree that cannot be read is an error,
    /// never an omission.
    pub fn of_tree(repo: &Repo, tree: &Tree) -> Result<Self> {
        let mut map = Self::default();
        map.collect(repo, tree, b"")?;
        Ok(map)
    }

    fn collect(&mut self, repo: &Repo, tree: &Tree, prefix: &[u8]) -> Result<()> {
        for entry in by_name(Some(tree), prefix)? {
            let path = [prefix, entry.name_bytes()].concat();
            let id = ObjectId(entry.id());
            match Kind::of(&entry) {
                Kind::Regular => {
                    self.blobs.insert(crate::path_bytes::encode(&path), id);
                }
                Kind::Tree => {
                    let sub = repo.find_tree(id, &crate::path_bytes::encode(&path))?;
                    self.collect(repo, &sub, &[path.as_slice(), b"/"].concat())?;
                }
                Kind::Other => {
                    self.other.insert(crate::path_bytes::encode(&path));
                }
            }
        }
        Ok(())
    }
}

fn missing_object(e: git2::Error, id: ObjectId, path: &str) -> Error {
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

/// One path a diff of two trees changed: its new blob id when it is a regular file, `None`
/// when it is gone; `other` when what is there now is not a regular file.
pub struct Changed {
    pub path: String,
    pub id: Option<ObjectId>,
    pub other: bool,
}

/// The files that differ between two trees (either may be absent), in record text. Both
/// entry lists are sorted by name, so one merge pass pairs them; subtrees with
/// equal ids are skipped without being read, so a one-file change reads one path of trees.
pub fn diff_trees(
    repo: &Repo,
    old: Option<&Tree>,
    new: Option<&Tree>,
    prefix: &[u8],
    out: &mut Vec<Changed>,
) -> Result<()> {
    let (a, b) = (by_name(old, prefix)?, by_name(new, prefix)?);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let order = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.name_bytes().cmp(y.name_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (before, after) = match order {
            std::cmp::Ordering::Less => {
                i += 1;
                (a.get(i - 1), None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, b.get(j - 1))
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                (a.get(i - 1), b.get(j - 1))
            }
        };
        // The same id in another mode (a file turned into a symlink to the same text) changed.
        if let (Some(x), Some(y)) = (before, after)
            && x.id() == y.id()
            && Kind::of(x) == Kind::of(y)
        {
            continue;
        }
        let Some(entry) = before.or(after) else {
            break;
        };
        let path_bytes = [prefix, entry.name_bytes()].concat();
        // Record text: paths are compared with the paths records hold.
        let path = crate::path_bytes::encode(&path_bytes);
        let sub = |e: Option<&git2::TreeEntry>| -> Result<Option<Tree<'_>>> {
            match e {
                Some(e) if Kind::of(e) == Kind::Tree => {
                    Ok(Some(repo.find_tree(ObjectId(e.id()), &path)?))
                }
                _ => Ok(None),
            }
        };
        let (old_sub, new_sub) = (sub(before)?, sub(after)?);
        if old_sub.is_some() || new_sub.is_some() {
            diff_trees(
                repo,
                old_sub.as_ref(),
                new_sub.as_ref(),
                &[path_bytes.as_slice(), b"/"].concat(),
                out,
            )?;
        }
        match (before.map(Kind::of), after.map(|e| (Kind::of(e), e.id()))) {
            (_, Some((Kind::Regular, id))) => out.push(Changed {
                path,
                id: Some(ObjectId(id)),
                other: false,
            }),
            (_, Some((Kind::Other, _))) => out.push(Changed {
                path,
                id: None,
                other: true,
            }),
            (Some(Kind::Regular | Kind::Other), _) => out.push(Changed {
                path,
                id: None,
                other: false,
            }),
            _ => {}
        }
    }
    Ok(())
}

/// A tree's entries as libgit2 holds them (nothing copied: a 2,000-entry directory is read on
/// every commit of a range), sorted by name: any order both sides of a diff share pairs equal
/// names. A tree that names one entry twice (`git fsck`: duplicateEntries; only a hand-made
/// object can) is an error: which of the two a checkout, a lookup or a walk takes is not
/// defined, so no verdict on it would mean anything.
fn by_name<'t>(tree: Option<&'t Tree>, dir: &[u8]) -> Result<Vec<git2::TreeEntry<'t>>> {
    let mut v: Vec<_> = tree.into_iter().flat_map(|t| t.0.iter()).collect();
    v.sort_unstable_by(|a, b| a.name_bytes().cmp(b.name_bytes()));
    let refused = |name: &[u8], why: &str| {
        let path = crate::path_bytes::encode(&[dir, name].concat());
        Err(Error::Git(format!(
            "{}: {why}; such a commit cannot be verified",
            crate::quote::path(&path)
        )))
    };
    if let Some(pair) = v
        .windows(2)
        .find(|p| p[0].name_bytes() == p[1].name_bytes())
    {
        return refused(
            pair[0].name_bytes(),
            "the tree lists this name twice (git fsck: duplicateEntries)",
        );
    }
    // A name is one path component: `a/b` next to the tree `a` would stand for a file in it.
    if let Some(e) = v.iter().find(|e| {
        let name = e.name_bytes();
        name.is_empty() || name == b"." || name == b".." || name.contains(&b'/')
    }) {
        return refused(
            e.name_bytes(),
            "a tree entry name that is not one path component (git fsck: fullPathname, hasDot, hasDotdot)",
        );
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::test_git as git;

    #[test]
    fn a_tree_that_names_an_entry_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        std::fs::write(d.join("f"), "x").unwrap();
        let blob = git(d, &["hash-object", "-w", "f"]);
        let raw: Vec<u8> = (0..2)
            .flat_map(|_| {
                let mut e = b"100644 out.yaml\0".to_vec();
                e.extend((0..20).map(|i| u8::from_str_radix(&blob[2 * i..2 * i + 2], 16).unwrap()));
                e
            })
            .collect();
        std::fs::write(d.join("tree"), raw).unwrap();
        let tree = git(
            d,
            &["hash-object", "-w", "-t", "tree", "--literally", "tree"],
        );
        let repo = Repo(git2::Repository::open(d).unwrap());
        let tree = repo
            .find_tree(ObjectId::from_hex(tree.trim()).unwrap(), "")
            .unwrap();
        let err = BlobMap::of_tree(&repo, &tree).unwrap_err().to_string();
        assert!(
            err.contains("out.yaml: the tree lists this name twice"),
            "{err}"
        );
        let mut out = Vec::new();
        assert!(diff_trees(&repo, None, Some(&tree), b"", &mut out).is_err());
        // A name with a slash next to the real directory would stand for a file in it.
        for name in ["out/gen.yaml", "..", "."] {
            let mut raw = format!("100644 {name}\0").into_bytes();
            raw.extend((0..20).map(|i| u8::from_str_radix(&blob[2 * i..2 * i + 2], 16).unwrap()));
            std::fs::write(d.join("tree"), raw).unwrap();
            let tree = git(
                d,
                &["hash-object", "-w", "-t", "tree", "--literally", "tree"],
            );
            let tree = repo
                .find_tree(ObjectId::from_hex(tree.trim()).unwrap(), "")
                .unwrap();
            let err = BlobMap::of_tree(&repo, &tree).unwrap_err().to_string();
            assert!(err.contains("not one path component"), "{name}: {err}");
            assert!(diff_trees(&repo, None, Some(&tree), b"", &mut out).is_err());
        }
    }

    /// Names whose git order (a tree sorts as if its name ended with `/`) differs from their
    /// byte order, changed, added, removed and turned from file into directory between commits:
    /// the diff is git's own `diff-tree -r`.
    #[test]
    fn the_tree_diff_is_gits() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let steps: [&[(&str, Option<&str>)]; 4] = [
            &[
                ("a/x", Some("1")),
                ("a.b", Some("2")),
                ("a-b", Some("3")),
                ("a0", Some("4")),
                ("b/c/d", Some("5")),
            ],
            &[
                ("a/x", Some("changed")),
                ("a.b", None),
                ("a/y", Some("new")),
                ("b/c/d", Some("5")),
            ],
            &[
                ("a0", None),
                ("a0/z", Some("dir now")),
                ("b/c/e", Some("6")),
                ("a-b", Some("3 again")),
            ],
            &[
                ("a", None),
                ("a/x", None),
                ("a/y", None),
                ("a", Some("a file")),
                ("b/c/d", None),
            ],
        ];
        let mut commits = Vec::new();
        for step in steps {
            for (path, content) in step {
                let p = d.join(path);
                match content {
                    Some(c) => {
                        if p.is_dir() {
                            std::fs::remove_dir_all(&p).unwrap();
                        }
                        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                        std::fs::write(&p, c).unwrap();
                    }
                    None if p.is_dir() => std::fs::remove_dir_all(&p).unwrap(),
                    None => {
                        let _ = std::fs::remove_file(&p);
                    }
                }
            }
            git(d, &["add", "-A"]);
            git(d, &["commit", "-qm", "step"]);
            commits.push(git(d, &["rev-parse", "HEAD"]).trim().to_string());
        }
        let repo = Repo(git2::Repository::open(d).unwrap());
        for pair in commits.windows(2) {
            let tree = |c: &str| {
                repo.find_commit(ObjectId::from_hex(c).unwrap())
                    .unwrap()
                    .tree()
                    .unwrap()
            };
            let (old, new) = (tree(&pair[0]), tree(&pair[1]));
            let mut out = Vec::new();
            diff_trees(&repo, Some(&old), Some(&new), b"", &mut out).unwrap();
            let mut ours: Vec<String> = out
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c.path,
                        c.id.map_or("-".into(), |id| id.to_string())
                    )
                })
                .collect();
            ours.sort();
            let mut gits: Vec<String> =
                git(d, &["diff-tree", "-r", "--no-renames", &pair[0], &pair[1]])
                    .lines()
                    .map(|l| {
                        let (meta, path) = l.split_once('\t').unwrap();
                        let new_id = meta.split(' ').nth(3).unwrap();
                        let id = if new_id.bytes().all(|b| b == b'0') {
                            "-"
                        } else {
                            new_id
                        };
                        format!("{path} {id}")
                    })
                    .collect();
            gits.sort();
            assert_eq!(ours, gits);
        }
    }
}
