//! Exchanging lineage notes with a remote: the remote's notes ref is fetched into a side ref
//! under `refs/contextcore/incoming/`, checked, and merged run by run into the local ref
//! ([`super::notes`]); the histories are joined so the next push fast-forwards.

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::quote;

/// A usage error naming the fix when `remote` is not a configured remote. A URL or a path is
/// taken as given, as git takes it; nothing that git could read as an option is.
pub fn require_remote(repo: &Repo, remote: &str) -> Result<()> {
    if remote.starts_with('-') || remote.chars().any(quote::is_unprintable) {
        return Err(Error::Usage(format!(
            "{}: not a remote name, URL or path",
            quote::path(remote)
        )));
    }
    if remote.contains(['/', ':']) || repo.has_remote(remote) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "no remote named {}; add it with `git remote add {} URL` or name another remote",
        quote::path(remote),
        quote::shell_word(remote)
    )))
}

/// Fetches the remote's notes ref into a side ref and merges it. The remote ref is taken as
/// it is only when that loses nothing (every note valid, every local run kept); otherwise
/// its valid notes are merged note by note and the histories joined.
pub fn fetch_and_merge(repo: &Repo, remote: &str, notes_ref: &str) -> Result<super::notes::Merged> {
    let Some(incoming) = fetch_incoming(repo, remote, notes_ref, false)? else {
        return Ok(super::notes::Merged::default());
    };
    let result = merge_incoming(repo, notes_ref, &incoming);
    drop_side_ref(repo, Some(&incoming));
    result
}

/// Fetches the remote's notes ref into its side ref ([`incoming_ref`]) and names it; `None`
/// when the remote has no notes yet and `missing_ok`.
pub fn fetch_incoming(
    repo: &Repo,
    remote: &str,
    notes_ref: &str,
    missing_ok: bool,
) -> Result<Option<String>> {
    let incoming = incoming_ref(remote);
    let fetched = crate::git::remote::run(
        repo,
        &[
            "fetch",
            "--quiet",
            "--no-write-fetch-head",
            "--end-of-options",
            remote,
            &format!("+{notes_ref}:{incoming}"),
        ],
    );
    match fetched {
        Ok(()) => Ok(Some(incoming)),
        Err(Error::Git(e)) if missing_ok && e.contains("couldn't find remote ref") => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn drop_side_ref(repo: &Repo, side: Option<&str>) {
    if let Some(side) = side {
        repo.delete_ref(side);
    }
}

/// The side ref a remote's notes are fetched into: the remote's name, or a hash of a URL or
/// path given instead (which need not make a valid ref name).
fn incoming_ref(remote: &str) -> String {
    let plain = remote
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
    if plain {
        format!("refs/contextcore/incoming/{remote}")
    } else {
        let digest = crate::fingerprint::Digests::of_bytes(remote.as_bytes()).sha256;
        format!("refs/contextcore/incoming/url-{}", &digest[..16])
    }
}

/// Merges the fetched notes at `incoming` into `notes_ref`. First every local note that
/// differs from the remote's and is on a commit this clone has is checked against its
/// records: one merged as text before its commit arrived never wins over the remote's.
pub fn merge_incoming(
    repo: &Repo,
    notes_ref: &str,
    incoming: &str,
) -> Result<super::notes::Merged> {
    let replaced = super::notes::replace_invalid_local(repo, notes_ref, incoming)?;
    let mut merged = merge_checked(repo, notes_ref, incoming)?;
    merged.replaced = replaced;
    Ok(merged)
}

fn merge_checked(repo: &Repo, notes_ref: &str, incoming: &str) -> Result<super::notes::Merged> {
    let theirs = repo.ref_id(incoming)?;
    let ours = repo.ref_id(notes_ref).ok();
    if let Some(ours) = ours
        && (ours == theirs || repo.is_descendant_of(ours, theirs)?)
    {
        return Ok(super::notes::Merged::default());
    }
    let fast_forward = match ours {
        None => true,
        Some(ours) => repo.is_descendant_of(theirs, ours)?,
    };
    if fast_forward && super::notes::keeps_every_local_run(repo, notes_ref, incoming)? {
        let count = |r: &str| repo.notes(r).len();
        let brought = count(incoming).saturating_sub(count(notes_ref));
        repo.set_ref(notes_ref, theirs, "contextcore notes fetch (fast-forward)")?;
        return Ok(super::notes::Merged {
            changed: brought,
            ..super::notes::Merged::default()
        });
    }
    let merged = super::notes::merge_refs(repo, notes_ref, incoming)?;
    // Join the histories so the next push fast-forwards; the tree is ours, merged.
    repo.join_notes(notes_ref, theirs, "contextcore: merge notes by run id")?;
    Ok(merged)
}

/// Pushes the local notes ref to the remote's (checked first by the caller, see
/// [`super::notes::unpushable`]).
pub fn push(repo: &Repo, remote: &str, notes_ref: &str) -> Result<()> {
    let refspec = format!("{notes_ref}:{notes_ref}");
    crate::git::remote::run(
        repo,
        &["push", "--quiet", "--end-of-options", remote, &refspec],
    )
}
