//! omsctl: online migration between MySQL-family databases (MySQL, MariaDB, OceanBase MySQL
//! mode, TiDB), in OMS-style stages. See ARCHITECTURE.md for the module map and data flow.

pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod model;
pub mod output;
pub mod stage;
pub mod state;
