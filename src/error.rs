//! The library's error type: one variant per thing a user can act on, each mapped to an exit code.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

/// Exit code: a check failed (lineage violation, strict-quality failure).
pub const EXIT_CHECK_FAILED: i32 = 1;
/// Exit code: bad usage or bad input; nothing was written.
pub const EXIT_BAD_INPUT: i32 = 2;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in an input file, each with its position.
    #[error("{}", render(.0))]
    Input(Vec<Diagnostic>),
    /// The command line or the situation does not allow the run (e.g. an existing file without `--force`).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed. The path is shown as git shows it (quoted when it
    /// is not UTF-8 or holds control characters).
    #[error("{}: {source}", crate::quote::fs_path(.path))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another run holds the output directory's lock.
    #[error(
        "{}: locked by another contextcore run; wait for it to finish, or remove the lock file if no run is active", crate::quote::fs_path(.0)
    )]
    Locked(PathBuf),
    /// A path would resolve outside the directory it must stay in.
    #[error("{0}: refused, it resolves outside the output directory")]
    Escape(String),
    /// A git operation failed.
    #[error("git: {0}")]
    Git(String),
    /// A git object lineage must read is not in the local object store (a partial clone).
    #[error(
        "{path}: git object {id} is not present locally (a partial clone?); lineage works offline and fetches nothing: fetch it with 'git cat-file -e {id}', or every object a commit needs with 'git rev-list --objects --missing=print <commit> | sed -n s/^?//p | git cat-file --batch-check', then run the check again"
    )]
    MissingObject { path: String, id: String },
    /// A run record or note breaks a rule: it is treated as tampered. The rule is data the
    /// error carries ([`BrokenRule`]); which rules exist is lineage's business, not this type's.
    #[error("{}: {violation}", crate::quote::path(.path))]
    Untrusted {
        path: String,
        violation: Box<dyn BrokenRule>,
    },
    /// A check failed; the message lists each problem.
    #[error("{0}")]
    CheckFailed(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::CheckFailed(_) | Error::Untrusted { .. } => EXIT_CHECK_FAILED,
            _ => EXIT_BAD_INPUT,
        }
    }

    /// An input error at one position.
    pub fn at(path: &str, pos: crate::yaml::Pos, message: impl Into<String>) -> Self {
        Error::Input(vec![Diagnostic::error(path, pos, message)])
    }

    /// An I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(Diagnostic::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A rule a record or note breaks, as an error carries it: its stable name and its message.
pub trait BrokenRule: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static {
    /// The rule's name (`parent-dir`, `note-text`, …).
    fn rule(&self) -> &'static str;
    /// The rule as its own type, for the module that defines it.
    fn as_any(&self) -> &dyn std::any::Any;
}

impl Error {
    /// A record or note at `path` that breaks `rule`.
    pub fn untrusted(path: impl Into<String>, rule: impl BrokenRule) -> Self {
        Error::Untrusted {
            path: path.into(),
            violation: Box::new(rule),
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
