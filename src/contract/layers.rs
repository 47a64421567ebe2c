//! Reading the later layers' output directories for questions 2 and 3 of the diagnostic
//! (`ingestion.rs`, `artisan.rs`): files found by name patterns (those tools name their
//! outputs loosely), read as JSON where they parse.

use std::path::{Path, PathBuf};

use globset::Glob;
use serde_json::Value as Json;

/// Files directly in `dir` whose names match any of `patterns` (each pattern's matches sorted,
/// in pattern order; hidden files never match, as with a shell glob).
pub(super) fn matching(dir: &Path, patterns: &[&str]) -> Vec<PathBuf> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut found = Vec::new();
    for pattern in patterns {
        let Ok(glob) = Glob::new(pattern) else {
            continue;
        };
        let matcher = glob.compile_matcher();
        found.extend(
            names
                .iter()
                .filter(|n| matcher.is_match(n))
                .map(|n| dir.join(n)),
        );
    }
    found
}

pub(super) fn name_of(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

pub(super) fn names(paths: &[PathBuf], limit: usize) -> String {
    paths
        .iter()
        .take(limit)
        .map(|p| name_of(p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON object from a file, or `None` when it cannot be read, parsed, or is not an object.
pub(super) fn json_object(path: &Path) -> Option<Json> {
    crate::source::read_json(path, &crate::quote::fs_path(path))
        .ok()
        .filter(Json::is_object)
}

/// `data[key]`, else `fallback` when the key is absent; `null` counts as absent only after the choice.
pub(super) fn either<'a>(
    data: &'a Json,
    key: &str,
    fallback: Option<&'a Json>,
) -> Option<&'a Json> {
    data.get(key).or(fallback).filter(|v| !v.is_null())
}
