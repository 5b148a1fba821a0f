//! `[source]` and `[target]`: where a server is and how to log in. The password is read from
//! the environment at run time and never stored, logged or printed (see [`Secret`]).

use crate::error::usage;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The engines a project file may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    Mysql,
    Mariadb,
    Oceanbase,
    Tidb,
    Postgres,
    Oracle,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Mysql => "mysql",
            EngineKind::Mariadb => "mariadb",
            EngineKind::Oceanbase => "oceanbase",
            EngineKind::Tidb => "tidb",
            EngineKind::Postgres => "postgres",
            EngineKind::Oracle => "oracle",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            EngineKind::Mysql | EngineKind::Mariadb => 3306,
            EngineKind::Oceanbase => 2881,
            EngineKind::Tidb => 4000,
            EngineKind::Postgres => 5432,
            EngineKind::Oracle => 1521,
        }
    }
}

/// A password that cannot be printed by accident: Debug and Display are redacted.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEndpoint {
    engine: EngineKind,
    host: String,
    port: Option<u16>,
    user: String,
    password_env: Option<String>,
    #[serde(default = "default_connect_timeout")]
    connect_timeout_s: u64,
    /// The database that holds omsctl's own tables on this server (progress fences and the
    /// incremental checkpoint on a target, the heartbeat on a source).
    meta_database: Option<String>,
}

fn default_connect_timeout() -> u64 {
    10
}

/// A validated endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub role: &'static str,
    pub engine: EngineKind,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password_env: Option<String>,
    pub connect_timeout_s: u64,
    /// omsctl's database (MySQL family) or schema (PostgreSQL) for its own tables.
    pub meta_database: String,
    /// PostgreSQL: the database to connect to (from the `[[objects]]` rules).
    pub database: Option<String>,
}

impl RawEndpoint {
    pub(super) fn validate(self, role: &'static str) -> Result<Endpoint> {
        if self.engine == EngineKind::Oracle {
            return Err(usage(
                format!("{role}.engine = {:?} is not supported yet", self.engine.as_str()),
                "this release migrates between mysql, mariadb, oceanbase, tidb and postgres",
            ));
        }
        if self.host.trim().is_empty() {
            return Err(usage(format!("{role}.host is empty"), format!("set {role}.host")));
        }
        if self.user.trim().is_empty() {
            return Err(usage(format!("{role}.user is empty"), format!("set {role}.user")));
        }
        if let Some(env) = &self.password_env
            && (env.is_empty() || env.contains('='))
        {
            return Err(usage(
                format!("{role}.password_env = {env:?} is not an environment variable name"),
                "name the variable that holds the password, e.g. password_env = \"SRC_PASSWORD\"",
            ));
        }
        let meta_database = self.meta_database.unwrap_or_else(|| "omsctl".to_string());
        Ok(Endpoint {
            role,
            engine: self.engine,
            port: self.port.unwrap_or(self.engine.default_port()),
            host: self.host,
            user: self.user,
            password_env: self.password_env,
            connect_timeout_s: self.connect_timeout_s.max(1),
            meta_database,
            database: None,
        })
    }
}

impl Endpoint {
    /// The password from `password_env`; empty when no variable is configured.
    pub fn password(&self) -> Result<Secret> {
        match &self.password_env {
            None => Ok(Secret::default()),
            Some(var) => match std::env::var(var) {
                Ok(v) => Ok(Secret(v)),
                Err(_) => Err(crate::error::classified(
                    crate::error::Kind::Environment,
                    format!(
                        "{}.password_env names {var}, but that environment variable is not set",
                        self.role
                    ),
                    format!("export {var}=... before running omsctl"),
                )),
            },
        }
    }
}

/// Redacted: engine, user, host and port; never the password.
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}@{}:{}",
            self.engine.as_str(),
            self.user,
            self.host,
            self.port
        )?;
        match &self.database {
            Some(db) => write!(f, "/{db}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_in_debug() {
        let s = Secret("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
