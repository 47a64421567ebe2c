//! `manifest init-from-plan`: Markdown plans and requirement documents, read structurally,
//! turned into a manifest with evidence for every inferred field.

pub mod document;
pub mod identity;
pub mod infer;
pub mod markdown;
pub mod quantities;
pub mod report;
pub mod risks;
pub mod scope;
