//! Input and output document types.

pub mod manifest;
