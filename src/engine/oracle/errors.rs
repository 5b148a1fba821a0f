//! What an Oracle error means for the operator: its kind (exit code) and the fix. Pure (works
//! on the message text), so it is tested in every build, with or without the client library.

use crate::config::Endpoint;
use crate::error::Kind;

/// ORA codes that mean "the object is already there" (DDL re-run after a crash): name in use,
/// columns already indexed, table already has a primary key, constraint already there.
pub const ALREADY_EXISTS: [i32; 5] = [955, 1408, 2260, 2261, 2275];
/// ORA-00942: table or view does not exist (omsctl's own tables before first use).
pub const NO_TABLE: i32 = 942;

/// The ORA-nnnnn (or DPI-nnnn) code in a message.
pub fn code(message: &str, prefix: &str) -> Option<i32> {
    let at = message.find(prefix)? + prefix.len();
    let digits: String = message[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Kind and hint of an error message from the Oracle client.
pub fn diagnose(message: &str, ep: &Endpoint) -> (Kind, Option<String>) {
    if let Some(1047) = code(message, "DPI-") {
        return (
            Kind::Environment,
            Some(
                "omsctl talks to Oracle through Oracle's client library, which is not installed here: \
                 download Oracle Instant Client (Basic or Basic Light, 64-bit) from \
                 https://www.oracle.com/database/technologies/instant-client/downloads.html, unzip it \
                 (e.g. to /opt/oracle/instantclient_23_5), install libaio (apt-get install libaio1), \
                 then export LD_LIBRARY_PATH=/opt/oracle/instantclient_23_5 (or add the directory to \
                 /etc/ld.so.conf.d/oracle.conf and run ldconfig)"
                    .into(),
            ),
        );
    }
    let hint = |s: String| Some(s);
    match code(message, "ORA-") {
        Some(1017) => (
            Kind::Environment,
            hint(match &ep.password_env {
                Some(var) => format!("check {}.user and the password in ${var}", ep.role),
                None => format!(
                    "the server refused {}: set {}.password_env to the name of a variable that holds the password",
                    ep.user, ep.role
                ),
            }),
        ),
        Some(12514) | Some(12505) => (
            Kind::Environment,
            hint(format!(
                "the listener at {}:{} does not know this service: check {}.service_name (lsnrctl services lists them)",
                ep.host, ep.port, ep.role
            )),
        ),
        Some(12541) | Some(12170) | Some(12543) | Some(12545) => (
            Kind::Environment,
            hint(format!(
                "check that the {} server's listener is running and reachable at {}:{} ({}.host / {}.port)",
                ep.role, ep.host, ep.port, ep.role, ep.role
            )),
        ),
        Some(1031) | Some(1039) | Some(1749) => (
            Kind::Environment,
            hint(format!(
                "grant {} the privilege the statement above needs on the {} server",
                ep.user, ep.role
            )),
        ),
        Some(1291) | Some(1292) | Some(1284) => (
            Kind::PositionLost,
            hint(
                "the redo logs holding the needed SCN range are gone (archived logs deleted): \
                  start again with `omsctl reset full --yes` (or keep archived logs longer with RMAN)"
                    .into(),
            ),
        ),
        // Deadlock, snapshot too old, lost connection, resource busy: worth a retry.
        Some(60) | Some(1555) | Some(3113) | Some(3114) | Some(3135) | Some(54) | Some(12537) | Some(25408) => {
            (Kind::Transient, None)
        }
        _ => (Kind::Environment, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep() -> Endpoint {
        let raw = crate::config::parse(
            r#"
            [project]
            name = "o"
            types = ["schema", "full"]
            [source]
            engine = "oracle"
            host = "db1"
            user = "hr"
            service_name = "ORCLPDB1"
            password_env = "ORA_PW"
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
        raw.source
    }

    #[test]
    fn a_missing_client_library_says_how_to_install_it() {
        // The exact text the oracle crate returns without libclntsh (CRATE-NOTES §5).
        let m = "DPI Error: DPI-1047: Cannot locate a 64-bit Oracle Client library: \"libclntsh.so: cannot open shared object file: No such file or directory\". See https://oracle.github.io/odpi/doc/installation.html#linux for help";
        let (kind, hint) = diagnose(m, &ep());
        assert_eq!(kind, Kind::Environment);
        assert_eq!(kind.exit_code(), 3);
        let hint = hint.unwrap();
        assert!(
            hint.contains("Instant Client") && hint.contains("LD_LIBRARY_PATH"),
            "{hint}"
        );
    }

    #[test]
    fn server_errors_get_kinds_and_fixes() {
        let e = ep();
        assert_eq!(e.oracle_connect_string(), "db1:1521/ORCLPDB1");
        let (k, h) = diagnose("ORA-01017: invalid username/password; logon denied", &e);
        assert_eq!(k, Kind::Environment);
        assert!(h.unwrap().contains("$ORA_PW"));
        let (k, h) = diagnose("ORA-12514: TNS:listener does not currently know of service", &e);
        assert_eq!(k, Kind::Environment);
        assert!(h.unwrap().contains("service_name"));
        assert_eq!(diagnose("ORA-00060: deadlock detected", &e).0, Kind::Transient);
        assert_eq!(diagnose("ORA-01291: missing logfile", &e).0, Kind::PositionLost);
        assert_eq!(code("ORA-00955: name is already used", "ORA-"), Some(955));
        assert_eq!(code("no code", "ORA-"), None);
    }
}
