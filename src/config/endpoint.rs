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
    /// Oracle: the service to connect to (`host:port/service_name`).
    service_name: Option<String>,
    /// Oracle: a full connect descriptor or TNS alias, instead of host/port/service_name.
    connect_descriptor: Option<String>,
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
    /// Oracle: `service_name`, or a connect descriptor that replaces host/port/service.
    pub service_name: Option<String>,
    pub connect_descriptor: Option<String>,
}

impl RawEndpoint {
    pub(super) fn validate(self, role: &'static str) -> Result<Endpoint> {
        if self.engine == EngineKind::Oracle {
            match (&self.service_name, &self.connect_descriptor) {
                (None, None) => {
                    return Err(usage(
                        format!("{role} is an Oracle server but names no service"),
                        format!("set {role}.service_name = \"ORCLPDB1\" (or {role}.connect_descriptor)"),
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(usage(
                        format!("{role}.service_name and {role}.connect_descriptor are both set"),
                        "keep one: connect_descriptor replaces host, port and service_name",
                    ));
                }
                _ => {}
            }
        } else if self.service_name.is_some() || self.connect_descriptor.is_some() {
            return Err(usage(
                format!(
                    "{role}.service_name / connect_descriptor apply to Oracle, but {role}.engine = {:?}",
                    self.engine.as_str()
                ),
                format!("remove them, or set {role}.engine = \"oracle\""),
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
        // Oracle has no databases: omsctl's tables live in a schema (a user) named OMSCTL.
        let meta_database = self.meta_database.unwrap_or_else(|| {
            if self.engine == EngineKind::Oracle {
                "OMSCTL"
            } else {
                "omsctl"
            }
            .to_string()
        });
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
            service_name: self.service_name,
            connect_descriptor: self.connect_descriptor,
        })
    }
}

impl Endpoint {
    /// Oracle's connect string: the descriptor as given, else Easy Connect `host:port/service`.
    pub fn oracle_connect_string(&self) -> String {
        match (&self.connect_descriptor, &self.service_name) {
            (Some(d), _) => d.clone(),
            (None, Some(s)) => format!("{}:{}/{s}", self.host, self.port),
            (None, None) => format!("{}:{}", self.host, self.port),
        }
    }

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
        match (&self.database, &self.service_name) {
            (Some(db), _) => write!(f, "/{db}"),
            (None, Some(service)) => write!(f, "/{service}"),
            (None, None) => Ok(()),
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
