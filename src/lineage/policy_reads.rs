//! The policy as lineage compares it (#30): a run that recorded the policy keys it read
//! ([`PolicyRead`]) is stale when one of those keys now has another value in the policy file
//! that applies to it — found in the view (index, tree or work tree) as the run found it, from
//! the directory it started in up to the root — and only then. Another key, a comment or a
//! reformatting changes nothing; a policy file created after the run that sets one of its keys
//! makes it stale (the key was `null`, the built-in default).

use std::cell::RefCell;
use std::collections::HashMap;

use super::{RecordFile, View};
use crate::policy::{POLICY_FILE, Policy};

/// Whether a repository path (record text) names a policy file, in a directory whose name is
/// not UTF-8 too (its text is quoted).
pub fn is_policy_file(path: &str) -> bool {
    is_policy_path_bytes(&crate::path_bytes::bytes_or_text(path))
}

/// [`is_policy_file`] of a path's bytes (the hook asks it of index paths as it scans them).
pub fn is_policy_path_bytes(path: &[u8]) -> bool {
    path.strip_suffix(POLICY_FILE.as_bytes())
        .is_some_and(|dir| dir.is_empty() || dir.ends_with(b"/"))
}

/// A run whose policy keys changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    /// The policy file that applies (where it would be, when there is none).
    pub path: String,
    /// Its blob id in the view, if present.
    pub blob: Option<String>,
    /// The keys whose value changed.
    pub keys: Vec<String>,
}

impl Drift {
    /// The finding's words.
    pub fn detail(&self) -> String {
        format!("policy key(s) {} changed", self.keys.join(", "))
    }
}

/// The bytes of a path in a view.
type Reader<'a> = Box<dyn Fn(&str) -> Option<Vec<u8>> + 'a>;

/// Finds drift against one view. `read` gives the bytes of a path in the view.
pub struct PolicyDrift<'a> {
    view: &'a dyn View,
    read: Reader<'a>,
    parsed: RefCell<HashMap<String, Option<Policy>>>,
}

impl<'a> PolicyDrift<'a> {
    pub fn new(view: &'a dyn View, read: impl Fn(&str) -> Option<Vec<u8>> + 'a) -> Self {
        Self {
            view,
            read: Box::new(read),
            parsed: RefCell::new(HashMap::new()),
        }
    }

    /// The drift of one run, if its record says which policy keys it read and one changed.
    /// When the policy that applies is the very file the run read (same path, same blob), or
    /// there was none and is none, nothing can have changed and the keys are not read.
    pub fn of(&self, rf: &RecordFile) -> Option<Drift> {
        let from = rf.record.policy_from()?;
        let path = self.applying(rf, from)?;
        let blob = self.view.blob(&path);
        // The policy file the run read, wherever it was (not only at the path that applies
        // now: a deleted closer file hands over to a farther one).
        let read = rf
            .record
            .inputs
            .iter()
            .find(|i| i.role == "policy" && (from.is_none() || is_policy_file(&i.fingerprint.path)))
            .map(|i| {
                (
                    i.fingerprint.path.as_str(),
                    i.fingerprint.git_blob.as_deref(),
                )
            });
        let unchanged = match read {
            Some((p, b)) => p == path && b == blob.as_deref(),
            None => blob.is_none(),
        };
        if unchanged {
            return None;
        }
        // A lean record (from the claims cache) has no keys: the finding makes the check
        // read the record in full and look again, so this never stands as a verdict.
        let Some(recorded) = rf.record.policy_keys() else {
            return Some(Drift {
                path,
                blob,
                keys: vec!["(the recorded keys are not at hand)".to_string()],
            });
        };
        let keys = match self.policy(&path, blob.is_some()) {
            Some(policy) => policy.changed_keys(recorded),
            // A policy file that does not read as one: every key is in doubt.
            None => vec!["(the file does not parse)".to_string()],
        };
        (!keys.is_empty()).then_some(Drift { path, blob, keys })
    }

    /// The policy file that applies to the run: the file a `--policy FILE` run recorded as its
    /// input; else the nearest `.contextcore-quality.yaml` in the view from where the run
    /// looked, up to the root (the root's, absent, when there is none).
    fn applying(&self, rf: &RecordFile, from: Option<&str>) -> Option<String> {
        let Some(from) = from else {
            return rf
                .record
                .inputs
                .iter()
                .find(|i| i.role == "policy")
                .map(|i| i.fingerprint.path.clone());
        };
        let mut dir = from.trim_end_matches('/').to_string();
        loop {
            let candidate = if dir.is_empty() {
                POLICY_FILE.to_string()
            } else {
                format!("{dir}/{POLICY_FILE}")
            };
            if self.view.contains(&candidate) || dir.is_empty() {
                return Some(candidate);
            }
            dir = dir
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string());
        }
    }

    /// The parsed policy at `path` (the built-in defaults when absent); `None` when it does
    /// not parse. Each file is parsed once per view.
    fn policy(&self, path: &str, present: bool) -> Option<Policy> {
        if !present {
            return Some(Policy::default());
        }
        self.parsed
            .borrow_mut()
            .entry(path.to_string())
            .or_insert_with(|| {
                let bytes = (self.read)(path)?;
                Policy::from_bytes(&bytes, path, std::path::Path::new(path)).ok()
            })
            .clone()
    }
}
