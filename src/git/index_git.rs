//! The last-resort index reader: `git ls-files --stage --debug -z`, for an index neither our
//! reader nor libgit2 understands (a mandatory extension newer than both). Slower (a process),
//! but git reads every index git writes. `--debug` gives the stat data and the in-memory
//! flags, which carry intent-to-add and skip-worktree.

use std::path::Path;
use std::process::Command;

use super::Repo;

use super::index::IndexEntry;
use crate::error::{Error, Result};

/// In-memory `ce_flags` bits as `ls-files --debug` prints them.
const CE_INTENT_TO_ADD: u32 = 1 << 29;
const CE_SKIP_WORKTREE: u32 = 1 << 30;

/// Every entry of the index at `index`, as git reads it.
pub fn entries(repo: &Repo, index: &Path) -> Result<Vec<IndexEntry>> {
    let dir = repo.workdir().unwrap_or_else(|| repo.path());
    let out = Command::new("git")
        .args(["ls-files", "--stage", "--debug", "-z", "--full-name"])
        .current_dir(dir)
        .env("GIT_DIR", repo.path())
        .env("GIT_INDEX_FILE", index)
        .output()
        .map_err(|e| Error::Git(format!("running git ls-files: {e}")))?;
    if !out.status.success() {
        return Err(Error::Git(format!(
            "{}: git cannot read this index either: {}",
            crate::quote::fs_path(index),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse(&out.stdout).ok_or_else(|| {
        Error::Git(format!(
            "{}: unexpected 'git ls-files --debug' output",
            crate::quote::fs_path(index)
        ))
    })
}

/// Parses records of `<mode> <id> <stage>\t<path>\0` each followed by indented debug lines.
fn parse(mut b: &[u8]) -> Option<Vec<IndexEntry>> {
    let mut entries = Vec::new();
    while !b.is_empty() {
        let tab = b.iter().position(|&c| c == b'\t')?;
        let nul = tab + b[tab..].iter().position(|&c| c == 0)?;
        let header = std::str::from_utf8(&b[..tab]).ok()?;
        let path = crate::path_bytes::encode(&b[tab + 1..nul]);
        b = &b[nul + 1..];
        let mut debug = String::new();
        while b.first() == Some(&b' ') {
            let end = b
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |i| i + 1);
            debug.push_str(&String::from_utf8_lossy(&b[..end]));
            b = &b[end..];
        }
        entries.push(entry(header, path, &debug)?);
    }
    Some(entries)
}

fn entry(header: &str, path: String, debug: &str) -> Option<IndexEntry> {
    let mut fields = header.split(' ');
    let mode = u32::from_str_radix(fields.next()?, 8).ok()?;
    let id = super::oid(fields.next()?).ok()?;
    let stage = fields.next()?.parse().ok()?;
    let field = |name: &str| -> Option<&str> {
        let start = debug.find(&format!("{name}: "))? + name.len() + 2;
        debug[start..].split(['\t', '\n']).next()
    };
    let pair = |name: &str| -> Option<(u32, u32)> {
        let (s, ns) = field(name)?.split_once(':')?;
        Some((s.parse().ok()?, ns.parse().ok()?))
    };
    let flags = u32::from_str_radix(field("flags")?, 16).ok()?;
    Some(IndexEntry {
        path,
        id,
        ctime: pair("ctime")?,
        mtime: pair("mtime")?,
        ino: field("ino")?.parse().ok()?,
        size: field("size")?.parse().ok()?,
        skip_worktree: flags & CE_SKIP_WORKTREE != 0,
        mode,
        stage,
        intent_to_add: flags & CE_INTENT_TO_ADD != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_files_debug_records_parse_with_flags() {
        let out = b"100644 7898192261 3b2afb6025042ff6bd878ac1994e85 0\ta\0";
        assert!(parse(out).is_none(), "a malformed id is refused");
        let id = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
        let text = format!(
            "100644 {id} 0\tnew file\0  ctime: 1:2\n  mtime: 3:4\n  dev: 0\tino: 5\n  uid: 0\tgid: 0\n  size: 6\tflags: 20004000\n100644 {id} 0\tz\0  ctime: 0:0\n  mtime: 0:0\n  dev: 0\tino: 0\n  uid: 0\tgid: 0\n  size: 0\tflags: 40000000\n"
        );
        let entries = parse(text.as_bytes()).unwrap();
        assert_eq!(entries.len(), 2);
        let e = &entries[0];
        assert_eq!(
            (e.path.as_str(), e.ctime, e.mtime, e.ino, e.size),
            ("new file", (1, 2), (3, 4), 5, 6)
        );
        assert!(e.intent_to_add && !e.skip_worktree);
        assert!(entries[1].skip_worktree && !entries[1].intent_to_add);
    }
}
