//! Connections to Oracle through the `oracle` crate (ODPI-C, which loads Oracle's client
//! library at the first call). Its API blocks, so every call runs on tokio's blocking pool.

use super::{errors, sql};
use crate::config::Endpoint;
use crate::error::tag;
use anyhow::{Result, anyhow};
use oracle::{Connection, Connector};
use std::sync::Arc;

pub type Conn = Arc<Connection>;

/// Runs a blocking Oracle call off the async threads; errors are classified for `ep`.
pub async fn blocking<T: Send + 'static>(
    ep: &Endpoint,
    f: impl FnOnce() -> oracle::Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify(&e, ep)),
        Err(j) => Err(anyhow!("an Oracle call's thread failed: {j}")),
    }
}

/// Opens a session with the canonical NLS settings of [`sql::SESSION`].
pub async fn connect(ep: &Endpoint) -> Result<Conn> {
    let password = ep.password()?;
    let (user, pw, target) = (
        ep.user.clone(),
        password.expose().to_string(),
        ep.oracle_connect_string(),
    );
    blocking(ep, move || {
        let mut connector = Connector::new(user, pw, target);
        connector.driver_name("omsctl");
        let c = connector.connect()?;
        for s in sql::SESSION {
            c.execute(s, &[])?;
        }
        Ok(Arc::new(c))
    })
    .await
    .map_err(|e| e.context(format!("cannot connect to {ep}")))
}

pub fn classify(e: &oracle::Error, ep: &Endpoint) -> anyhow::Error {
    let message = e.to_string();
    let (kind, hint) = errors::diagnose(&message, ep);
    tag(
        kind,
        hint,
        anyhow!("{message}").context(format!("on the {} server {ep}", ep.role)),
    )
}

/// The ORA code of a server error.
pub fn ora(e: &oracle::Error) -> Option<i32> {
    e.db_error().map(|d| d.code())
}

#[cfg(test)]
mod tests {
    use crate::error::{Kind, kind_of};

    /// On a machine without Oracle's client library (this one, and CI) the first call fails
    /// with DPI-1047, which must become an environment error (exit 3) that says how to install
    /// Instant Client. Where a client is installed, nothing listens on port 1: still exit 3.
    #[tokio::test]
    async fn connecting_without_the_client_library_says_how_to_install_it() {
        let p = crate::config::parse(
            r#"
            [project]
            name = "o"
            types = ["schema", "full"]
            [source]
            engine = "oracle"
            host = "127.0.0.1"
            port = 1
            user = "hr"
            service_name = "ORCLPDB1"
            [target]
            engine = "mariadb"
            host = "127.0.0.1"
            user = "root"
            [[objects]]
            include = "HR.*"
            "#,
            std::path::Path::new("o.toml"),
        )
        .unwrap();
        let err = match super::connect(&p.source).await {
            Ok(_) => panic!("connected to port 1"),
            Err(e) => e,
        };
        let (kind, hint) = kind_of(&err);
        assert_eq!(kind, Kind::Environment, "{err:#}");
        let text = format!("{err:#} {}", hint.clone().unwrap_or_default());
        assert!(
            text.contains("DPI-1047") && text.contains("Instant Client") && text.contains("LD_LIBRARY_PATH")
                || text.contains("ORA-125"),
            "{text}"
        );
        assert!(text.contains("oracle://hr@127.0.0.1:1/ORCLPDB1"), "{text}");
    }
}
