//! The exported `ProjectContext` (`contextcore.io/v1`) that `generate` reads offline.

use std::path::Path;

use serde::Deserialize;

use super::manifest::Spec;
use super::manifest_schema::CONTEXT_SPEC;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::paths::check_safe_name;
use crate::schema::{self, Field, Shape, opt, req};
use crate::source;

const FIELDS: &[Field] = &[
    req("apiVersion", Shape::OneOf(&["contextcore.io/v1"])),
    req("kind", Shape::OneOf(&["ProjectContext"])),
    req(
        "metadata",
        Shape::Map(&[
            req("name", Shape::Check(check_safe_name)),
            opt("namespace", Shape::Check(check_safe_name)),
            opt("labels", Shape::MapOf(&Shape::Str)),
            opt("annotations", Shape::MapOf(&Shape::Str)),
        ]),
    ),
    req("spec", CONTEXT_SPEC),
];

/// A project context as generate reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectContext {
    pub metadata: ContextMetadata,
    #[serde(default)]
    pub spec: Spec,
}

/// `metadata` of a project context.
#[derive(Debug, Clone, Deserialize)]
pub struct ContextMetadata {
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

/// Reads and checks a project context; every problem carries its position.
pub fn load(path: &Path, shown: &str) -> Result<(ProjectContext, Vec<Diagnostic>)> {
    let node = source::read_yaml(path, shown)?;
    if let Some(kind) = node.get("kind")
        && kind.as_scalar_string().as_deref() == Some(super::manifest::KIND)
    {
        return Err(Error::at(
            shown,
            kind.pos,
            format!(
                "this is a context manifest, not an exported project context: run \
                 `contextcore export -p {shown}`, then generate from \
                 out/<project>-projectcontext.yaml beside it (or run `contextcore generate` \
                 with no -c)"
            ),
        ));
    }
    let mut diagnostics = Vec::new();
    schema::check(&node, &Shape::Map(FIELDS), shown, "", &mut diagnostics);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Error::Input(diagnostics));
    }
    let context = serde_json::from_value(node.to_json())
        .map_err(|e| Error::at(shown, node.pos, format!("not a ProjectContext: {e}")))?;
    Ok((context, diagnostics))
}
