//! PostgreSQL: source (logical decoding with pgoutput) and target.

pub mod pgoutput;
