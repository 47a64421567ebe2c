//! `manifest init-from-plan`: Markdown plans and requirement documents, read structurally,
//! turned into a manifest with evidence for every inferred field.

pub mod infer;
pub mod markdown;
