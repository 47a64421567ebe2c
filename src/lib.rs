//! contextcore: derive files from a service's context manifest, in place and atomically,
//! and record the lineage of every run for git.

pub mod cli;
pub mod contract;
pub mod diagnostic;
pub mod eol;
pub mod error;
pub mod export;
pub mod fingerprint;
pub mod fsio;
pub mod generate;
pub mod init;
pub mod intoto;
pub mod lineage;
pub mod model;
pub mod output;
pub mod path_bytes;
pub mod paths;
pub mod plan;
pub mod policy;
pub mod provenance;
pub mod quote;
pub mod refname;
pub mod schema;
pub mod schemas;
pub mod source;
pub mod timestamp;
pub mod workspace;
pub mod yaml;
