//! MySQL-family prechecks that only this engine knows how to answer: privileges from
//! SHOW GRANTS.

use crate::config::WriteMethod;
use crate::engine::{CheckItem, CheckScope, CheckStatus, Role};
use crate::model::catalog::TableId;
use std::collections::BTreeSet;

/// One `GRANT … ON scope TO …` line.
#[derive(Debug, PartialEq)]
pub struct Grant {
    pub privileges: Vec<String>,
    /// `*` for all databases.
    pub database: String,
    /// `*` for all tables.
    pub table: String,
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('`') && s.ends_with('`') {
        s[1..s.len() - 1].replace("``", "`")
    } else {
        s.to_string()
    }
}

/// Parses SHOW GRANTS output; lines it does not understand (roles, proxies) are skipped.
pub fn parse_grants(lines: &[String]) -> Vec<Grant> {
    let mut out = Vec::new();
    for line in lines {
        let Some(rest) = line.strip_prefix("GRANT ") else {
            continue;
        };
        let Some(on) = rest.find(" ON ") else { continue };
        let privs = &rest[..on];
        let after = &rest[on + 4..];
        let Some(to) = after.find(" TO ") else { continue };
        let mut scope = after[..to].trim();
        for prefix in ["TABLE ", "FUNCTION ", "PROCEDURE "] {
            scope = scope.strip_prefix(prefix).unwrap_or(scope);
        }
        let (db, table) = match scope.rsplit_once('.') {
            Some((d, t)) => (unquote(d), unquote(t)),
            None => continue,
        };
        let mut privileges = Vec::new();
        let mut depth = 0;
        let mut cur = String::new();
        for c in privs.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    privileges.push(cur.trim().to_ascii_uppercase());
                    cur.clear();
                }
                _ if depth == 0 => cur.push(c),
                _ => {}
            }
        }
        privileges.push(cur.trim().to_ascii_uppercase());
        out.push(Grant {
            privileges,
            database: db,
            table,
        });
    }
    out
}

fn db_matches(pattern: &str, db: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    // Database grants may use LIKE wildcards (`shop\_%`).
    let p = pattern.replace("\\_", "\u{1}").replace("\\%", "\u{2}");
    let p = p
        .replace('%', "*")
        .replace('_', "?")
        .replace('\u{1}', "_")
        .replace('\u{2}', "%");
    crate::config::filter_wildcard(&p, db)
}

/// Whether the grants give `privilege` on `db`.`table` (`table` = `*` asks for the database).
pub fn has(grants: &[Grant], privilege: &str, db: &str, table: &str) -> bool {
    grants.iter().any(|g| {
        (g.privileges
            .iter()
            .any(|p| p == privilege || p == "ALL PRIVILEGES" || p == "ALL"))
            && db_matches(&g.database, db)
            && (g.table == "*" || g.table == table)
    })
}

/// Privilege checks for one side.
/// `full` writes with `LOAD DATA LOCAL INFILE`: the target must allow it (`local_infile`,
/// which MySQL 8 turns off by default), or the first chunk fails with the server's error.
/// `on`: the server's setting, or why it could not be read.
pub fn local_infile_check(on: anyhow::Result<bool>, asked: WriteMethod) -> CheckItem {
    let (id, title) = ("target.local_infile", "LOAD DATA LOCAL on the target");
    let other = if asked == WriteMethod::Auto {
        "or set [full] write_method = \"insert\" (multi-row INSERTs, slower)"
    } else {
        "or set [full] write_method = \"auto\" or \"insert\""
    };
    match on {
        Ok(true) => CheckItem::new(id, title, CheckStatus::Pass, "local_infile = ON"),
        Ok(false) => CheckItem::new(
            id,
            title,
            CheckStatus::Fail,
            "local_infile = OFF: the server refuses LOAD DATA LOCAL INFILE, which full writes rows with",
        )
        .fix(format!(
            "SET PERSIST local_infile = ON; (SET GLOBAL on MariaDB) {other}"
        )),
        Err(e) => CheckItem::new(
            id,
            title,
            CheckStatus::Warn,
            format!("cannot read local_infile ({e:#}); if it is OFF, the copy fails at its first chunk"),
        )
        .fix(format!("check SELECT @@GLOBAL.local_infile on the target, {other}")),
    }
}

pub fn privilege_checks(grants: &[Grant], scope: &CheckScope<'_>, meta_db: &str) -> Vec<CheckItem> {
    let mut items = Vec::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut fixes: BTreeSet<String> = BTreeSet::new();
    let mut need = |p: &str, t: &TableId, on_db: bool| {
        let table = if on_db { "*" } else { t.name.as_str() };
        if !has(grants, p, &t.database, table) {
            let obj = if on_db {
                format!("{}.*", super::dialect::quote(&t.database))
            } else {
                super::dialect::table(t)
            };
            missing.insert(format!("{p} on {obj}"));
            fixes.insert(format!("GRANT {p} ON {obj} TO CURRENT_USER;"));
        }
    };
    match scope.role {
        Role::Source => {
            for t in scope.tables {
                need("SELECT", t, false);
            }
        }
        Role::Target => {
            let dbs: BTreeSet<&str> = scope.tables.iter().map(|t| t.database.as_str()).collect();
            let mut privs = vec!["SELECT", "INSERT", "DELETE"];
            if scope.wants_schema {
                privs.extend(["CREATE", "ALTER", "INDEX", "CREATE VIEW", "REFERENCES"]);
            }
            for db in dbs.iter().copied().chain([meta_db]) {
                let t = TableId::new(db, "*");
                for p in &privs {
                    need(p, &t, true);
                }
            }
            if scope.wants_full {
                let t = TableId::new(meta_db, "*");
                need("CREATE", &t, true);
            }
            // SET sql_log_bin: SUPER, or BINLOG ADMIN (MariaDB 10.5+), or
            // SESSION_VARIABLES_ADMIN / SYSTEM_VARIABLES_ADMIN (MySQL 8).
            if scope.skip_change_log
                && ![
                    "SUPER",
                    "BINLOG ADMIN",
                    "SESSION_VARIABLES_ADMIN",
                    "SYSTEM_VARIABLES_ADMIN",
                ]
                .iter()
                .any(|p| has(grants, p, "*", "*"))
            {
                missing.insert("BINLOG ADMIN (or SUPER) on *.*, for [full] target_binlog = false".into());
                fixes.insert(
                    "GRANT BINLOG ADMIN ON *.* TO CURRENT_USER; (MariaDB; MySQL 8: GRANT SESSION_VARIABLES_ADMIN ON *.* TO CURRENT_USER;) or set [full] target_binlog = true".into(),
                );
            }
        }
    }
    let role = match scope.role {
        Role::Source => "source",
        Role::Target => "target",
    };
    if missing.is_empty() {
        items.push(CheckItem::new(
            &format!("{role}.privileges"),
            format!("{role} privileges"),
            CheckStatus::Pass,
            "every privilege the selected stages need is granted",
        ));
    } else {
        items.push(
            CheckItem::new(
                &format!("{role}.privileges"),
                format!("{role} privileges"),
                CheckStatus::Fail,
                format!("missing: {}", missing.into_iter().collect::<Vec<_>>().join(", ")),
            )
            .fix(fixes.into_iter().collect::<Vec<_>>().join("\n")),
        );
    }
    if scope.role == Role::Source && scope.wants_full {
        if has(grants, "RELOAD", "*", "*") {
            items.push(CheckItem::new(
                "source.snapshot",
                "consistent snapshot across workers",
                CheckStatus::Pass,
                "RELOAD is granted: full copy takes one consistent snapshot for all workers",
            ));
        } else {
            items.push(
                CheckItem::new(
                    "source.snapshot",
                    "consistent snapshot across workers",
                    CheckStatus::Warn,
                    if scope.wants_incr {
                        "without RELOAD each worker reads its own snapshot and replay starts before them: keyed tables converge, but rows written during the copy to tables without a key may be duplicated"
                    } else {
                        "without RELOAD each worker reads its own snapshot; tables written during the copy may be copied at slightly different moments"
                    },
                )
                .fix("GRANT RELOAD ON *.* TO CURRENT_USER;"),
            );
        }
    }
    items
}

/// Binlog settings incremental sync needs, with the exact fix for each.
pub fn binlog_checks(
    vars: &std::collections::BTreeMap<String, String>,
    grants: &[Grant],
    estimated_rows: u64,
    meta_db: &str,
) -> Vec<CheckItem> {
    let get = |k: &str| vars.get(k).map(String::as_str).unwrap_or("");
    let mut items = Vec::new();
    let item = |id: &str, title: &str, ok: bool, detail: String, fix: &str| {
        let c = CheckItem::new(
            id,
            title,
            if ok { CheckStatus::Pass } else { CheckStatus::Fail },
            detail,
        );
        if ok { c } else { c.fix(fix) }
    };
    let on = matches!(get("log_bin"), "1" | "ON");
    items.push(item(
        "source.binlog",
        "binlog enabled",
        on,
        format!("log_bin = {}", get("log_bin")),
        "add log_bin = mysql-bin to the server's configuration and restart it",
    ));
    items.push(item(
        "source.binlog_format",
        "binlog format ROW",
        get("binlog_format").eq_ignore_ascii_case("ROW"),
        format!("binlog_format = {}", get("binlog_format")),
        "SET GLOBAL binlog_format = 'ROW'; (and binlog_format = ROW in the configuration)",
    ));
    items.push(item(
        "source.binlog_row_image",
        "full row images",
        get("binlog_row_image").eq_ignore_ascii_case("FULL"),
        format!("binlog_row_image = {}", get("binlog_row_image")),
        "SET GLOBAL binlog_row_image = 'FULL'; (and in the configuration)",
    ));
    items.push(item(
        "source.server_id",
        "server_id set",
        get("server_id") != "0" && !get("server_id").is_empty(),
        format!("server_id = {}", get("server_id")),
        "set server_id to a unique non-zero value in the configuration and restart",
    ));
    match vars.get("binlog_row_metadata").map(String::as_str) {
        Some("FULL") => items.push(CheckItem::new(
            "source.binlog_row_metadata",
            "column names in the binlog",
            CheckStatus::Pass,
            "binlog_row_metadata = FULL",
        )),
        Some(v) => items.push(
            CheckItem::new(
                "source.binlog_row_metadata",
                "column names in the binlog",
                CheckStatus::Warn,
                format!("binlog_row_metadata = {v}: changes logged before a column DDL are mapped by position"),
            )
            .fix("SET GLOBAL binlog_row_metadata = 'FULL';"),
        ),
        None => {}
    }
    // Retention: 0 means binlogs are never purged.
    let secs: u64 = vars
        .get("binlog_expire_logs_seconds")
        .and_then(|v| v.parse().ok())
        .filter(|s| *s > 0)
        .or_else(|| {
            vars.get("expire_logs_days")
                .and_then(|v| v.parse::<f64>().ok())
                .map(|d| (d * 86_400.0) as u64)
        })
        .unwrap_or(0);
    // A copy here runs at 50k rows/s or better; demand twice that time, and a day at least.
    let needed = (estimated_rows / 50_000 * 2).max(86_400);
    let detail = if secs == 0 {
        "binlogs are never purged".to_string()
    } else {
        format!(
            "binlogs kept {} h; the copy needs about {} h of them",
            secs / 3600,
            needed / 3600
        )
    };
    items.push(if secs == 0 || secs >= needed {
        CheckItem::new("source.binlog_retention", "binlog retention", CheckStatus::Pass, detail)
    } else {
        CheckItem::new("source.binlog_retention", "binlog retention", CheckStatus::Fail, detail).fix(format!(
            "SET GLOBAL binlog_expire_logs_seconds = {};",
            needed.max(259_200)
        ))
    });
    let repl = ["REPLICATION SLAVE", "REPLICATION REPLICA"]
        .iter()
        .any(|p| has(grants, p, "*", "*"));
    items.push(if repl {
        CheckItem::new(
            "source.replication_privilege",
            "binlog read privilege",
            CheckStatus::Pass,
            "REPLICATION SLAVE granted",
        )
    } else {
        CheckItem::new(
            "source.replication_privilege",
            "binlog read privilege",
            CheckStatus::Fail,
            "REPLICATION SLAVE is not granted",
        )
        .fix("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO CURRENT_USER;")
    });
    let hb = has(grants, "CREATE", meta_db, "*") && has(grants, "INSERT", meta_db, "*");
    items.push(if hb {
        CheckItem::new(
            "source.heartbeat",
            "heartbeat table",
            CheckStatus::Pass,
            format!("{meta_db}.heartbeat can be written"),
        )
    } else {
        CheckItem::new(
            "source.heartbeat",
            "heartbeat table",
            CheckStatus::Warn,
            format!("cannot write {meta_db}.heartbeat: lag is exact only while changes flow"),
        )
        .fix(format!(
            "GRANT CREATE, INSERT, DELETE ON `{meta_db}`.* TO CURRENT_USER; (or [incr] heartbeat = false)"
        ))
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(lines: &[&str]) -> Vec<Grant> {
        parse_grants(&lines.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_global_database_and_table_grants() {
        let gs = g(&[
            "GRANT USAGE ON *.* TO `u`@`%`",
            "GRANT SELECT, INSERT (a, b), UPDATE ON `shop`.* TO `u`@`%`",
            "GRANT SELECT ON `other`.`t``x` TO `u`@`%`",
        ]);
        assert_eq!(gs[1].privileges, vec!["SELECT", "INSERT", "UPDATE"]);
        assert_eq!(gs[2].table, "t`x");
        assert!(has(&gs, "SELECT", "shop", "orders"));
        assert!(!has(&gs, "SELECT", "other", "y"));
        assert!(has(&gs, "SELECT", "other", "t`x"));
        assert!(!has(&gs, "DELETE", "shop", "orders"));
    }

    #[test]
    fn binlog_checks_fail_with_fixes_and_judge_retention() {
        let vars: std::collections::BTreeMap<String, String> = [
            ("log_bin", "1"),
            ("binlog_format", "MIXED"),
            ("binlog_row_image", "FULL"),
            ("server_id", "1"),
            ("binlog_expire_logs_seconds", "3600"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let items = binlog_checks(
            &vars,
            &g(&["GRANT ALL PRIVILEGES ON *.* TO `r`@`%`"]),
            1_000_000,
            "omsctl",
        );
        let by = |id: &str| items.iter().find(|i| i.id == id).unwrap();
        assert_eq!(by("source.binlog").status, CheckStatus::Pass);
        assert_eq!(by("source.binlog_format").status, CheckStatus::Fail);
        assert!(by("source.binlog_format").fix.as_deref().unwrap().contains("ROW"));
        assert_eq!(by("source.binlog_retention").status, CheckStatus::Fail);
        assert_eq!(by("source.replication_privilege").status, CheckStatus::Pass);
    }

    #[test]
    fn all_privileges_and_like_patterns_count() {
        let gs = g(&["GRANT ALL PRIVILEGES ON `shop\\_%`.* TO `u`@`%` WITH GRANT OPTION"]);
        assert!(has(&gs, "DELETE", "shop_v2", "x"));
        assert!(!has(&gs, "DELETE", "shopv2", "x"));
    }

    #[test]
    fn load_data_local_needs_local_infile_on_the_target_and_the_fix_names_the_way_around() {
        assert_eq!(
            local_infile_check(Ok(true), WriteMethod::Auto).status,
            CheckStatus::Pass
        );
        let off = local_infile_check(Ok(false), WriteMethod::Auto);
        assert_eq!(off.status, CheckStatus::Fail);
        let fix = off.fix.unwrap();
        assert!(
            fix.contains("local_infile = ON") && fix.contains("write_method = \"insert\""),
            "{fix}"
        );
        let asked = local_infile_check(Ok(false), WriteMethod::LoadData).fix.unwrap();
        assert!(asked.contains("\"auto\" or \"insert\""), "{asked}");
        let unknown = local_infile_check(Err(anyhow::anyhow!("denied")), WriteMethod::Auto);
        assert_eq!(unknown.status, CheckStatus::Warn);
        assert!(unknown.detail.contains("denied"), "{}", unknown.detail);
    }

    #[test]
    fn skipping_the_target_binlog_needs_a_privilege_to_set_sql_log_bin() {
        let tables = [TableId::new("shop", "orders")];
        let scope = |skip| CheckScope {
            role: Role::Target,
            wants_schema: false,
            wants_full: true,
            wants_verify: false,
            wants_incr: false,
            estimated_rows: 0,
            skip_change_log: skip,
            writes: None,
            tables: &tables,
        };
        let plain = g(&["GRANT SELECT, INSERT, DELETE, CREATE ON *.* TO `u`@`%`"]);
        let status = |gs: &[Grant], skip| privilege_checks(gs, &scope(skip), "omsctl")[0].clone();
        assert_eq!(status(&plain, false).status, CheckStatus::Pass);
        let failed = status(&plain, true);
        assert_eq!(failed.status, CheckStatus::Fail);
        assert!(
            failed.fix.unwrap().contains("GRANT BINLOG ADMIN ON *.*"),
            "{}",
            failed.detail
        );
        let admin = g(&[
            "GRANT SELECT, INSERT, DELETE, CREATE ON *.* TO `u`@`%`",
            "GRANT BINLOG ADMIN ON *.* TO `u`@`%`",
        ]);
        assert_eq!(status(&admin, true).status, CheckStatus::Pass);
    }
}
