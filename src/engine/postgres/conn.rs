//! Connections to PostgreSQL and the classification of its errors.

use crate::config::Endpoint;
use crate::error::{Kind, tag};
use anyhow::Result;
use std::time::Duration;
use tokio_postgres::{Client, NoTls};

/// Session settings that make text values canonical: UTC, ISO dates, hex bytea, every digit of
/// a float; and omsctl's own sessions write even where switchover made the database read-only.
const SESSION: &str = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; \
     SET bytea_output = 'hex'; SET extra_float_digits = 3; SET client_encoding = 'UTF8'; \
     SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; \
     SET default_transaction_read_only = off; SET standard_conforming_strings = on";

/// Opens a connection to `database` (the endpoint's database when `None`).
pub async fn connect(ep: &Endpoint, database: Option<&str>) -> Result<Client> {
    let password = ep.password()?;
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&ep.host)
        .port(ep.port)
        .user(&ep.user)
        .dbname(database.or(ep.database.as_deref()).unwrap_or("postgres"))
        .application_name("omsctl")
        .connect_timeout(Duration::from_secs(ep.connect_timeout_s));
    if !password.is_empty() {
        cfg.password(password.expose());
    }
    let connected = tokio::time::timeout(Duration::from_secs(ep.connect_timeout_s), cfg.connect(NoTls)).await;
    let (client, connection) = match connected {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(classify_connect(e, ep, database)),
        Err(_) => {
            return Err(crate::error::classified(
                Kind::Environment,
                format!("cannot connect to {ep}: no answer within {} s", ep.connect_timeout_s),
                format!(
                    "check that the {} server is running and reachable at {}:{}",
                    ep.role, ep.host, ep.port
                ),
            ));
        }
    };
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("postgres connection ended: {e}");
        }
    });
    client.batch_execute(SESSION).await.map_err(|e| classify(e, ep))?;
    Ok(client)
}

fn classify_connect(e: tokio_postgres::Error, ep: &Endpoint, database: Option<&str>) -> anyhow::Error {
    let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
    let hint = match code.as_str() {
        "28P01" | "28000" => match &ep.password_env {
            Some(var) => format!(
                "check {}.user and the password in ${var}; the server refused them (pg_hba.conf decides which are needed)",
                ep.role
            ),
            None => format!(
                "the server refused {}: set {}.password_env to the name of a variable that holds the password, or allow the user in pg_hba.conf",
                ep.user, ep.role
            ),
        },
        "3D000" => format!(
            "database {:?} does not exist on the {} server: check the database part of [[objects]] include",
            database.or(ep.database.as_deref()).unwrap_or("postgres"),
            ep.role
        ),
        "" => format!(
            "check that the {} server is running and reachable at {}:{} ({}.host / {}.port)",
            ep.role, ep.host, ep.port, ep.role, ep.role
        ),
        _ => format!("the {} server refused the connection; see its message above", ep.role),
    };
    tag(
        Kind::Environment,
        Some(hint),
        anyhow::anyhow!("{}", message(&e)).context(format!("cannot connect to {ep}")),
    )
}

/// The server's own message when there is one (tokio-postgres' Display says only "db error").
pub fn message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{}: {} (SQLSTATE {})", db.severity(), db.message(), db.code().code());
            if let Some(d) = db.detail() {
                m.push_str(&format!("; {d}"));
            }
            m
        }
        None => {
            let mut m = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                m.push_str(&format!(": {s}"));
                src = s.source();
            }
            m
        }
    }
}

/// The SQLSTATE of an error, empty when it is not a server error.
pub fn sqlstate(e: &tokio_postgres::Error) -> &str {
    e.code().map_or("", |c| c.code())
}

/// Classifies an error from an established connection.
pub fn classify(e: tokio_postgres::Error, ep: &Endpoint) -> anyhow::Error {
    let state = sqlstate(&e);
    let (kind, hint) = match state {
        "42501" => (
            Kind::Environment,
            Some(format!(
                "grant {} the privilege named above on the {} server",
                ep.user, ep.role
            )),
        ),
        // serialization failure, deadlock, admin shutdown, cannot connect now
        // and no SQLSTATE at all: the connection broke.
        "40001" | "40P01" | "57P01" | "57P03" | "55P03" | "" => (Kind::Transient, None),
        _ => (Kind::Environment, None),
    };
    tag(
        kind,
        hint,
        anyhow::anyhow!("{}", message(&e)).context(format!("on the {} server {ep}", ep.role)),
    )
}
