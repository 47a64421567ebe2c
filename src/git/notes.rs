//! Notes refs: reading, writing and listing the notes on a ref, and joining two notes
//! histories. What a note says is lineage's business (`lineage::notes`); this is storage.

use std::collections::HashMap;

use super::id::ObjectId;
use super::repo::Repo;
use crate::error::Result;

impl Repo {
    /// The bytes of a commit's note on `notes_ref`.
    pub fn note_bytes(&self, notes_ref: &str, commit: ObjectId) -> Option<Vec<u8>> {
        let note = self.0.find_note(Some(notes_ref), commit.0).ok()?;
        Some(note.message_bytes().to_vec())
    }

    /// Whether the commit has a note on `notes_ref`.
    pub fn has_note(&self, notes_ref: &str, commit: ObjectId) -> bool {
        self.0.find_note(Some(notes_ref), commit.0).is_ok()
    }

    /// Writes (replacing) a commit's note.
    pub fn set_note(&self, notes_ref: &str, commit: ObjectId, text: &str) -> Result<()> {
        let sig = self.signature()?;
        self.0
            .note(&sig, &sig, Some(notes_ref), commit.0, text, true)?;
        Ok(())
    }

    /// Removes a commit's note, if it has one.
    pub fn remove_note(&self, notes_ref: &str, commit: ObjectId) -> Result<()> {
        if self.has_note(notes_ref, commit) {
            let sig = self.signature()?;
            self.0.note_delete(commit.0, Some(notes_ref), &sig, &sig)?;
        }
        Ok(())
    }

    /// Each noted commit on `notes_ref` with its note's blob id (none when the ref does not
    /// exist).
    pub fn notes(&self, notes_ref: &str) -> HashMap<ObjectId, ObjectId> {
        match self.0.notes(Some(notes_ref)) {
            Ok(iter) => iter
                .filter_map(|n| n.ok())
                .map(|(note, commit)| (ObjectId(commit), ObjectId(note)))
                .collect(),
            Err(_) => Default::default(),
        }
    }

    /// The commits that carry a note on `notes_ref`, in the notes tree's order.
    pub fn noted_commits(&self, notes_ref: &str) -> Vec<ObjectId> {
        match self.0.notes(Some(notes_ref)) {
            Ok(iter) => iter
                .filter_map(|n| n.ok())
                .map(|(_, commit)| ObjectId(commit))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Joins two notes histories on `notes_ref`: a merge commit of its tip and `theirs`
    /// with the tip's tree (already holding the merged notes).
    pub fn join_notes(&self, notes_ref: &str, theirs: ObjectId, message: &str) -> Result<()> {
        let Ok(ours) = self.0.refname_to_id(notes_ref) else {
            return Ok(());
        };
        let ours = self.0.find_commit(ours)?;
        let theirs = self.0.find_commit(theirs.0)?;
        let sig = self.signature()?;
        self.0.commit(
            Some(notes_ref),
            &sig,
            &sig,
            message,
            &ours.tree()?,
            &[&ours, &theirs],
        )?;
        Ok(())
    }

    /// The repository's identity for notes commits, or a neutral one when git has none.
    fn signature(&self) -> Result<git2::Signature<'static>> {
        match self.0.signature() {
            Ok(sig) => Ok(sig.to_owned()),
            Err(_) => Ok(git2::Signature::now(
                "contextcore",
                "contextcore@localhost",
            )?),
        }
    }
}
