//! Reading input files: bounded size, UTF-8 with its first bad byte located, BOM dropped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::yaml::{self, MAX_INPUT_BYTES, Node, Pos};

/// Reads a text input, refusing files over [`MAX_INPUT_BYTES`] and invalid UTF-8.
/// `shown` is the name used in messages (repository-relative where possible).
pub fn read_text(path: &Path, shown: &str) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Usage(format!("{shown}: {e}")))?;
    if !meta.is_file() {
        return Err(Error::Usage(format!("{shown}: not a regular file")));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(Error::at(
            shown,
            Pos { line: 1, col: 1 },
            format!(
                "file is {} bytes; inputs are limited to {} bytes",
                meta.len(),
                MAX_INPUT_BYTES
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(shown, e))?;
    let text = decode(&bytes, shown)?;
    remember(path, bytes);
    Ok(text)
}

/// The bytes each input was parsed from in this process, by absolute path: a run's
/// fingerprint of an input is taken from these, so the bytes parsed are the bytes recorded
/// even if the file changes between the parse and the fingerprint.
static PARSED: Mutex<Option<HashMap<PathBuf, Arc<[u8]>>>> = Mutex::new(None);

fn key(path: &Path) -> PathBuf {
    crate::workspace::absolute(path)
}

fn remember(path: &Path, bytes: Vec<u8>) {
    if let Ok(mut parsed) = PARSED.lock() {
        parsed
            .get_or_insert_with(HashMap::new)
            .insert(key(path), bytes.into());
    }
}

/// The bytes `path` was parsed from, if this process read it as an input.
pub fn parsed_bytes(path: &Path) -> Option<Arc<[u8]>> {
    let parsed = PARSED.lock().ok()?;
    parsed.as_ref()?.get(&key(path)).cloned()
}

/// Forgets what was parsed from `path`: the writer calls this when it replaces the file.
pub fn forget(path: &Path) {
    if let Ok(mut parsed) = PARSED.lock()
        && let Some(map) = parsed.as_mut()
    {
        map.remove(&key(path));
    }
}

/// Decodes UTF-8, dropping a leading byte-order mark; an invalid byte is reported at its line:col.
pub fn decode(bytes: &[u8], shown: &str) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&good[line_start..]).chars().count() as u64 + 1;
            Err(Error::at(
                shown,
                Pos { line, col },
                "invalid UTF-8; inputs must be UTF-8 text",
            ))
        }
    }
}

/// Reads and parses a YAML file into a positioned tree.
pub fn read_yaml(path: &Path, shown: &str) -> Result<Node> {
    let text = read_text(path, shown)?;
    yaml::parse(&text).map_err(|e| Error::at(shown, e.pos, e.message))
}

/// Reads and parses a JSON file; syntax errors carry line:col.
pub fn read_json(path: &Path, shown: &str) -> Result<serde_json::Value> {
    parse_json(&read_text(path, shown)?, shown)
}

/// Parses JSON text; errors carry line:col.
pub fn parse_json(text: &str, shown: &str) -> Result<serde_json::Value> {
    if text.trim().is_empty() {
        return Err(Error::at(
            shown,
            Pos { line: 1, col: 1 },
            "file is empty; expected JSON",
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        Error::at(
            shown,
            Pos {
                line: e.line() as u64,
                col: e.column() as u64,
            },
            format!("invalid JSON: {}", strip_position(&e.to_string())),
        )
    })
}

fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}
