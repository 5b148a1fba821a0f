//! MySQL-family prechecks that only this engine knows how to answer: privileges from
//! SHOW GRANTS.

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
pub fn privilege_checks(grants: &[Grant], scope: &CheckScope<'_>, meta_db: &str) -> Vec<CheckItem> {
    let mut items = Vec::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut fixes: BTreeSet<String> = BTreeSet::new();
    let mut need = |p: &str, t: &TableId, on_db: bool| {
        let table = if on_db { "*" } else { t.name.as_str() };
        if !has(grants, p, &t.database, table) {
            let obj = if on_db {
                format!("`{}`.*", t.database)
            } else {
                format!("`{}`.`{}`", t.database, t.name)
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
                    "without RELOAD each worker reads its own snapshot; tables written during the copy may be copied at slightly different moments",
                )
                .fix("GRANT RELOAD ON *.* TO CURRENT_USER;"),
            );
        }
    }
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
    fn all_privileges_and_like_patterns_count() {
        let gs = g(&["GRANT ALL PRIVILEGES ON `shop\\_%`.* TO `u`@`%` WITH GRANT OPTION"]);
        assert!(has(&gs, "DELETE", "shop_v2", "x"));
        assert!(!has(&gs, "DELETE", "shopv2", "x"));
    }
}
