//! Connection pools and the classification of MySQL-protocol errors.

use super::flavor::Flavor;
use crate::config::Endpoint;
use crate::error::{Kind, tag};
use anyhow::Result;
use mysql_async::{Conn, OptsBuilder, Pool, PoolConstraints, PoolOpts};
use std::time::Duration;

/// Builds a pool for an endpoint. Connections are opened lazily.
pub fn pool(ep: &Endpoint, flavor: Flavor) -> Result<Pool> {
    let password = ep.password()?;
    let constraints = PoolConstraints::new(0, 80).unwrap_or_default();
    let opts = OptsBuilder::default()
        .ip_or_hostname(ep.host.clone())
        .tcp_port(ep.port)
        .user(Some(ep.user.clone()))
        .pass(if password.is_empty() {
            None
        } else {
            Some(password.expose().to_string())
        })
        .prefer_socket(false)
        .stmt_cache_size(64)
        .setup(flavor.session_setup())
        .pool_opts(
            PoolOpts::default()
                .with_constraints(constraints)
                .with_reset_connection(false),
        );
    Ok(Pool::new(opts))
}

/// Gets a connection, classifying failures as environment errors with a fix.
pub async fn get(pool: &Pool, ep: &Endpoint) -> Result<Conn> {
    match tokio::time::timeout(Duration::from_secs(ep.connect_timeout_s), pool.get_conn()).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(classify_connect(e, ep)),
        Err(_) => Err(crate::error::classified(
            Kind::Environment,
            format!("cannot connect to {ep}: no answer within {} s", ep.connect_timeout_s),
            format!(
                "check that the {} server is running and reachable at {}:{}",
                ep.role, ep.host, ep.port
            ),
        )),
    }
}

fn classify_connect(e: mysql_async::Error, ep: &Endpoint) -> anyhow::Error {
    let hint = match &e {
        mysql_async::Error::Server(s) if s.code == 1045 => match &ep.password_env {
            Some(var) => format!(
                "check {}.user and the password in ${var}; the server refused them",
                ep.role
            ),
            None => format!(
                "the server wants a password: set {}.password_env to the name of a variable that holds it",
                ep.role
            ),
        },
        mysql_async::Error::Server(_) => {
            format!("the {} server refused the connection; see its message above", ep.role)
        }
        _ => format!(
            "check that the {} server is running and reachable at {}:{} ({}.host / {}.port)",
            ep.role, ep.host, ep.port, ep.role, ep.role
        ),
    };
    tag(
        Kind::Environment,
        Some(hint),
        anyhow::anyhow!("{e}").context(format!("cannot connect to {ep}")),
    )
}

/// Server error codes that mean "you lack a privilege".
const PRIVILEGE_CODES: [u16; 6] = [1044, 1142, 1143, 1227, 1370, 1045];
/// Server error codes that may pass by themselves (deadlock, lock wait, lost connection,
/// OceanBase timeouts and leader changes).
const TRANSIENT_CODES: [u16; 8] = [1205, 1213, 2006, 2013, 1317, 4012, 4038, 6002];

/// Classifies an error from an established connection.
pub fn classify(e: mysql_async::Error, ep: &Endpoint) -> anyhow::Error {
    let (kind, hint) = match &e {
        mysql_async::Error::Server(s) if PRIVILEGE_CODES.contains(&s.code) => (
            Kind::Environment,
            Some(format!(
                "grant {} the privilege named above on the {} server",
                ep.user, ep.role
            )),
        ),
        mysql_async::Error::Server(s) if TRANSIENT_CODES.contains(&s.code) => (Kind::Transient, None),
        mysql_async::Error::Server(_) => (Kind::Environment, None),
        mysql_async::Error::Io(_) => (Kind::Transient, None),
        mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed) => (Kind::Transient, None),
        _ => (Kind::Internal, None),
    };
    // The driver error repeats its source in its own message: keep one copy of the text.
    tag(
        kind,
        hint,
        anyhow::anyhow!("{e}").context(format!("on the {} server {ep}", ep.role)),
    )
}
