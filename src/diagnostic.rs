//! A problem found in an input file, printed as `file:line:col: severity: message`.

use std::fmt;

use serde::Serialize;

use crate::yaml::Pos;

/// How bad a problem is: errors stop the run, warnings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem at one place in one file.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    /// An error at a position.
    pub fn error(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(file, pos, Severity::Error, message)
    }

    /// A warning at a position.
    pub fn warning(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(file, pos, Severity::Warning, message)
    }

    fn new(file: &str, pos: Pos, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line: pos.line.max(1),
            column: pos.col.max(1),
            severity,
            message: message.into(),
        }
    }

    /// Whether this problem stops the run.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, severity, self.message
        )
    }
}
