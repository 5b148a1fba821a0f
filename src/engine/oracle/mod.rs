//! Oracle, as a source (LogMiner) and as a target (reverse sync; OceanBase Oracle mode).
//!
//! The pure parts (type mapping, DDL, SQL text, LogMiner redo parsing) always compile and are
//! tested in every build. The engine itself needs the `oracle` crate and is compiled only with
//! `--features oracle`; a build without it answers `engine = "oracle"` with a usage error.

mod condition;
pub mod ddl;
pub mod errors;
#[cfg(test)]
mod golden;
pub mod logminer;
mod restate;
pub mod sql;
pub mod types;

#[cfg(feature = "oracle")]
mod apply;
#[cfg(feature = "oracle")]
mod catalog;
#[cfg(feature = "oracle")]
mod changes;
#[cfg(feature = "oracle")]
mod conn;
#[cfg(feature = "oracle")]
mod engine;
#[cfg(feature = "oracle")]
mod rows;

#[cfg(feature = "oracle")]
pub use engine::OracleEngine;
