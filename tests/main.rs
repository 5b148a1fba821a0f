#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One integration-test binary (one link step); modules by subject.

mod support;

mod cli;
mod copy;
mod crash;
mod errors;
mod hostile;
mod incr;
mod oceanbase;
mod postgres;
mod schema;
