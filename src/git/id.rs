//! Object ids as git names blobs, trees and commits: 20 bytes (SHA-1) or 32 (SHA-256).

use std::fmt;

use crate::error::{Error, Result};

/// A git object id. Ordered by its bytes, shown as lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub(super) git2::Oid);

impl ObjectId {
    /// An id from its hex form: SHA-1 (40 digits) or SHA-256 (64).
    pub fn from_hex(hex: &str) -> Result<Self> {
        let parsed = if hex.len() == 64 {
            git2::Oid::from_str_ext(hex, git2::ObjectFormat::Sha256)
        } else {
            git2::Oid::from_str(hex)
        };
        parsed
            .map(Self)
            .map_err(|_| Error::Git(format!("not an object id: {}", crate::quote::line(hex))))
    }

    /// An id from its raw bytes (20 or 32).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        git2::Oid::from_bytes(bytes).ok().map(Self)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether every byte is zero (git's id for "no object").
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
