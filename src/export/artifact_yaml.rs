//! The artifact manifest's artifact list as YAML, written here rather than by serde_saphyr
//! (at 3,000 targets the list is 15 MB and serde_saphyr's scalar analysis was a quarter of the
//! export). The text is serde_saphyr's: the layout is its block style (lists at their key's
//! column, `{}`/`[]` when empty), a scalar whose style is not plainly known is asked of
//! serde_saphyr (and remembered: most repeat), and an artifact holding anything whose printing
//! depends on where it stands (a multi-line or long string, a list in a list) is printed by
//! serde_saphyr whole. Tests compare the two over every artifact of the corpora.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::model::reports::Artifact;

/// The list, as serde_saphyr prints it at the document's top level.
pub fn print(artifacts: &[Artifact]) -> Vec<u8> {
    let mut printer = Printer::default();
    for a in artifacts {
        let start = printer.out.len();
        if printer.artifact(a).is_none() {
            printer.out.truncate(start);
            printer.out.push_str(&saphyr(&[a]));
        }
    }
    printer.out.into_bytes()
}

fn saphyr(value: &impl serde::Serialize) -> String {
    serde_saphyr::to_string(value).unwrap_or_default()
}

/// Longest string printed here: serde_saphyr folds longer ones into block scalars.
const MAX_INLINE: usize = 80;

#[derive(Default)]
struct Printer {
    out: String,
    /// Scalar text → how serde_saphyr prints it.
    styles: HashMap<String, String>,
}

impl Printer {
    fn artifact(&mut self, a: &Artifact) -> Option<()> {
        self.out.push_str("- ");
        self.entry(0, true, "id", |p| p.string(&a.id))?;
        self.entry(2, false, "type", |p| p.string(&a.artifact_type))?;
        self.entry(2, false, "name", |p| p.string(&a.name))?;
        self.entry(2, false, "target", |p| p.string(&a.target))?;
        self.entry(2, false, "priority", |p| p.string(&a.priority))?;
        self.entry(2, false, "status", |p| p.string(&a.status))?;
        self.key(2, false, "derivedFrom")?;
        if a.derived_from.is_empty() {
            self.out.push_str(" []\n");
        } else {
            self.out.push('\n');
            for r in a.derived_from.iter() {
                self.indent(2);
                self.out.push_str("- ");
                self.entry(0, true, "property", |p| p.string(&r.property))?;
                self.entry(4, false, "sourceField", |p| p.string(&r.source_field))?;
                self.entry(4, false, "transformation", |p| p.string(&r.transformation))?;
                self.entry(4, false, "rationale", |p| p.string(&r.rationale))?;
            }
        }
        self.key(2, false, "parameters")?;
        self.value(2, &a.parameters)?;
        self.key(2, false, "dependsOn")?;
        self.strings(2, &a.depends_on)?;
        if let Some(path) = &a.existing_path {
            self.entry(2, false, "existingPath", |p| p.string(path))?;
        }
        self.key(2, false, "validationErrors")?;
        self.strings(2, &a.validation_errors)
    }

    fn indent(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// `key:` at `indent` (none when `first`: it follows a `- ` already written).
    fn key(&mut self, indent: usize, first: bool, key: &str) -> Option<()> {
        if !first {
            self.indent(indent);
        }
        if !plain(key) {
            return None;
        }
        self.out.push_str(key);
        self.out.push(':');
        Some(())
    }

    /// `key: scalar`.
    fn entry(
        &mut self,
        indent: usize,
        first: bool,
        key: &str,
        scalar: impl FnOnce(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.key(indent, first, key)?;
        self.out.push(' ');
        scalar(self)?;
        self.out.push('\n');
        Some(())
    }

    fn strings(&mut self, indent: usize, list: &[String]) -> Option<()> {
        if list.is_empty() {
            self.out.push_str(" []\n");
            return Some(());
        }
        self.out.push('\n');
        for s in list {
            self.indent(indent);
            self.out.push_str("- ");
            self.string(s)?;
            self.out.push('\n');
        }
        Some(())
    }

    /// The value of a key written at `indent` (the key and its colon are written).
    fn value(&mut self, indent: usize, v: &Json) -> Option<()> {
        match v {
            Json::Object(m) if m.is_empty() => self.out.push_str(" {}\n"),
            Json::Array(a) if a.is_empty() => self.out.push_str(" []\n"),
            Json::Object(m) => {
                self.out.push('\n');
                for (k, v) in m {
                    self.key(indent + 2, false, k)?;
                    self.value(indent + 2, v)?;
                }
            }
            Json::Array(items) => {
                self.out.push('\n');
                for item in items {
                    self.indent(indent);
                    self.item(indent, item)?;
                }
            }
            scalar => {
                self.out.push(' ');
                self.scalar(scalar)?;
                self.out.push('\n');
            }
        }
        Some(())
    }

    /// A list item at `indent` (its indentation is written).
    fn item(&mut self, indent: usize, v: &Json) -> Option<()> {
        match v {
            Json::Object(m) if m.is_empty() => self.out.push_str("- {}\n"),
            Json::Array(a) if a.is_empty() => self.out.push_str("- []\n"),
            Json::Object(m) => {
                self.out.push_str("- ");
                for (i, (k, v)) in m.iter().enumerate() {
                    self.key(indent + 2, i == 0, k)?;
                    self.value(indent + 2, v)?;
                }
            }
            // A list in a list: serde_saphyr's own layout.
            Json::Array(_) => return None,
            scalar => {
                self.out.push_str("- ");
                self.scalar(scalar)?;
                self.out.push('\n');
            }
        }
        Some(())
    }

    fn scalar(&mut self, v: &Json) -> Option<()> {
        match v {
            Json::Null => self.out.push_str("null"),
            Json::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Json::String(s) => return self.string(s),
            Json::Number(n) if n.is_i64() || n.is_u64() => self.out.push_str(&n.to_string()),
            other => {
                let text = saphyr(other);
                self.out.push_str(text.strip_suffix('\n')?);
            }
        }
        Some(())
    }

    fn string(&mut self, s: &str) -> Option<()> {
        if plain(s) {
            self.out.push_str(s);
            return Some(());
        }
        if s.len() > MAX_INLINE || s.contains(['\n', '\r']) {
            return None;
        }
        if let Some(text) = self.styles.get(s) {
            self.out.push_str(text);
            return Some(());
        }
        let text = saphyr(&s);
        let text = text.strip_suffix('\n')?;
        // One line, or its printing depends on where it stands.
        if text.contains('\n') {
            return None;
        }
        self.out.push_str(text);
        self.styles.insert(s.to_string(), text.to_string());
        Some(())
    }
}

/// The bytes a plain scalar may hold: letters, digits, space and `_-./[]`.
const PLAIN_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b' ' | b'_' | b'-' | b'.' | b'/' | b'[' | b']');
        b += 1;
    }
    table
};

/// Whether serde_saphyr certainly prints `s` plain: a letter, then letters, digits and
/// `_-./[]` with single spaces between words, not one of YAML's words for true, false or null.
fn plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !first.is_ascii_alphabetic() || *last == b' ' || s.len() > MAX_INLINE {
        return false;
    }
    // One pass: allowed bytes only, and no two spaces in a row.
    let mut after_space = false;
    for &b in bytes {
        let space = b == b' ';
        if (space && after_space) || !PLAIN_BYTE[usize::from(b)] {
            return false;
        }
        after_space = space;
    }
    const WORDS: [&str; 9] = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    !(s.len() <= 5 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every artifact of the differential corpus (40 manifests) and of a synthetic one with
    /// odd names, printed here and by serde_saphyr.
    #[test]
    fn the_list_is_printed_as_serde_saphyr_prints_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/differential/cases"))
            .unwrap()
            .map(|e| e.unwrap().path().join(".contextcore.yaml"))
            .collect();
        cases.push(root.join("examples/checkout/.contextcore.yaml"));
        let mut printed = 0;
        for path in cases {
            let loaded = crate::model::manifest::load(&path, "m.yaml").unwrap();
            for profile in ["full", "minimal"] {
                let artifacts =
                    super::super::artifacts::derive(&loaded.manifest, &[], "0", profile);
                assert_eq!(
                    String::from_utf8(print(&artifacts)).unwrap(),
                    saphyr(&artifacts),
                    "{}",
                    path.display()
                );
                printed += artifacts.len();
            }
        }
        assert!(printed > 500, "{printed}");
    }

    #[test]
    fn words_yaml_reads_as_something_else_are_not_plain() {
        for s in [
            "yes", "No", "ON", "null", "", "1.0", "a: b", "a #b", "-x", "x ", "[a]",
        ] {
            assert!(!plain(s), "{s:?}");
        }
        for s in [
            "svc-00000 Service Dashboard",
            "spec.targets[].name",
            "P99",
            "otel",
        ] {
            assert!(plain(s), "{s:?}");
        }
    }
}
