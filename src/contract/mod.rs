//! The export gates: `contract a2a-check-pipeline` (Gate 1, pipeline integrity) and
//! `contract a2a-diagnose` (Gate 2, the three questions), compatible with the earlier
//! implementation's reports and stronger where a run record lets us be.
//!
//! This module only reads an export directory and judges it; it never writes. The command
//! module (`ops/contract.rs`) prints the report and writes `--report` through the one writer.

mod artisan;
mod design;
pub mod diagnose;
mod dir;
mod gate;
mod ingestion;
mod integrity;
mod inventory;
mod json;
mod layers;
pub mod pipeline;
mod record;
mod render;
mod rules;
pub mod text;

pub use dir::ExportDir;
pub use gate::{Evidence, GateResult, Outcome, Phase, Severity};
