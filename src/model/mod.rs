//! Input and output document types.

pub mod manifest;
pub mod manifest_formats;
pub mod manifest_schema;
pub mod project_context;
pub mod reports;
