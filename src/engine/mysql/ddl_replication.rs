//! DDL seen in the binlog: which statements are replicated, and their table names rewritten
//! for the target (database renames). Replicated: ADD/DROP/MODIFY/CHANGE/RENAME COLUMN,
//! ADD/DROP INDEX, CREATE/DROP/TRUNCATE/RENAME TABLE. Anything else that touches a database
//! in scope stops incremental sync until the operator skips it.

use super::dialect::quote;
use crate::engine::DdlAction;
use crate::model::catalog::TableId;

/// A table reference found in a statement: its byte range and names.
#[derive(Debug, PartialEq)]
struct NameRef {
    start: usize,
    end: usize,
    db: Option<String>,
    name: String,
}

struct Lexer<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Lexer<'a> {
    fn skip_ws(&mut self) {
        let b = self.s.as_bytes();
        loop {
            while self.i < b.len() && b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
            if self.s[self.i..].starts_with("/*") {
                match self.s[self.i..].find("*/") {
                    Some(e) => self.i += e + 2,
                    None => self.i = b.len(),
                }
            } else {
                return;
            }
        }
    }

    /// The next unquoted word as written, or None at punctuation / end.
    fn bare(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let rest = &self.s[self.i..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(rest.len());
        if len == 0 {
            return None;
        }
        self.i += len;
        Some(&rest[..len])
    }

    /// The next bare word, upper-cased, or None at punctuation / end.
    fn word(&mut self) -> Option<String> {
        self.bare().map(str::to_ascii_uppercase)
    }

    fn peek_word(&mut self) -> Option<String> {
        let save = self.i;
        let w = self.word();
        self.i = save;
        w
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let rest = &self.s[self.i..];
        if let Some(r) = rest.strip_prefix('`') {
            let mut out = String::new();
            let mut chars = r.char_indices().peekable();
            while let Some((j, c)) = chars.next() {
                if c == '`' {
                    if chars.peek().map(|(_, c)| *c) == Some('`') {
                        out.push('`');
                        chars.next();
                    } else {
                        self.i += 1 + j + 1;
                        return Some(out);
                    }
                } else {
                    out.push(c);
                }
            }
            None
        } else {
            self.bare().map(String::from)
        }
    }

    /// `db.t`, `` `db`.`t` `` or `t`.
    fn table_ref(&mut self) -> Option<NameRef> {
        self.skip_ws();
        let start = self.i;
        let first = self.ident()?;
        if self.s[self.i..].starts_with('.') {
            self.i += 1;
            let name = self.ident()?;
            Some(NameRef {
                start,
                end: self.i,
                db: Some(first),
                name,
            })
        } else {
            Some(NameRef {
                start,
                end: self.i,
                db: None,
                name: first,
            })
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.s[self.i..].starts_with(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }
}

/// Splits at top-level commas (outside parentheses and quotes).
fn top_level_clauses(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote_ch, mut start) = (0i32, None::<char>, 0usize);
    for (i, c) in s.char_indices() {
        match (quote_ch, c) {
            (Some(q), c) if c == q => quote_ch = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote_ch = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

const ALTER_CLAUSES: [&str; 7] = [
    "ADD",
    "DROP",
    "MODIFY",
    "CHANGE",
    "RENAME COLUMN",
    "RENAME INDEX",
    "RENAME KEY",
];

fn alter_clause_ok(clause: &str) -> bool {
    let up = clause.to_ascii_uppercase();
    let up = up.trim_start();
    if up.starts_with("ALTER COLUMN") || up.starts_with("ALTER ") && !up.starts_with("ALTER INDEX") {
        return true;
    }
    if up.starts_with("ADD PARTITION")
        || up.starts_with("DROP PARTITION")
        || up.starts_with("ADD CONSTRAINT") && up.contains("FOREIGN KEY")
    {
        return false;
    }
    ALTER_CLAUSES.iter().any(|p| up.starts_with(p))
}

/// Decides what to do with one DDL statement. `target_of` maps a source table to its target
/// table (None: not in scope); `in_scope_db` says whether a database holds tables in scope.
pub fn decide(
    default_db: &str,
    statement: &str,
    target_of: &dyn Fn(&TableId) -> Option<TableId>,
    in_scope_db: &dyn Fn(&str) -> bool,
) -> DdlAction {
    let mut lx = Lexer { s: statement, i: 0 };
    let full = |r: &NameRef| TableId::new(r.db.clone().unwrap_or_else(|| default_db.to_string()), r.name.clone());
    let mut refs: Vec<NameRef> = Vec::new();
    let first = lx.word().unwrap_or_default();
    let second = lx.peek_word().unwrap_or_default();
    let touches_scope = || in_scope_db(default_db) || statement.contains('`') && statement.split('`').any(in_scope_db);
    let unsupported = |what: &str| {
        if touches_scope() {
            DdlAction::Unsupported {
                reason: format!("{what} is not replicated"),
            }
        } else {
            DdlAction::Ignore
        }
    };
    match (first.as_str(), second.as_str()) {
        ("ALTER", "TABLE") => {
            lx.word();
            let Some(r) = lx.table_ref() else {
                return unsupported("this ALTER TABLE");
            };
            let rest = &statement[r.end..];
            if target_of(&full(&r)).is_none() {
                return DdlAction::Ignore;
            }
            if let Some(bad) = top_level_clauses(rest).into_iter().find(|c| !alter_clause_ok(c)) {
                return DdlAction::Unsupported {
                    reason: format!("ALTER TABLE clause {bad:?} is not replicated"),
                };
            }
            refs.push(r);
        }
        ("CREATE", "TABLE") => {
            lx.word();
            if lx.peek_word().as_deref() == Some("IF") {
                lx.word();
                lx.word();
                lx.word();
            }
            let Some(r) = lx.table_ref() else {
                return unsupported("this CREATE TABLE");
            };
            let rest = statement[r.end..].trim_start().to_ascii_uppercase();
            if rest.starts_with("LIKE") || rest.starts_with("SELECT") || rest.starts_with("AS ") {
                return if target_of(&full(&r)).is_some() {
                    DdlAction::Unsupported {
                        reason: "CREATE TABLE … LIKE / AS SELECT is not replicated".into(),
                    }
                } else {
                    DdlAction::Ignore
                };
            }
            refs.push(r);
        }
        ("DROP", "TABLE") | ("TRUNCATE", _) => {
            if first == "DROP" || second == "TABLE" {
                lx.word();
            }
            if lx.peek_word().as_deref() == Some("IF") {
                lx.word();
                lx.word();
            }
            while let Some(r) = lx.table_ref() {
                refs.push(r);
                if !lx.eat(',') {
                    break;
                }
            }
        }
        ("RENAME", "TABLE") => {
            lx.word();
            loop {
                let (Some(a), _, Some(b)) = (lx.table_ref(), lx.word(), lx.table_ref()) else {
                    return unsupported("this RENAME TABLE");
                };
                refs.push(a);
                refs.push(b);
                if !lx.eat(',') {
                    break;
                }
            }
        }
        ("CREATE", "INDEX" | "UNIQUE" | "FULLTEXT" | "SPATIAL") | ("DROP", "INDEX") => {
            while let Some(w) = lx.word() {
                if w == "ON" {
                    break;
                }
            }
            let Some(r) = lx.table_ref() else {
                return unsupported("this index statement");
            };
            refs.push(r);
        }
        ("ANALYZE" | "OPTIMIZE" | "REPAIR" | "FLUSH" | "GRANT" | "REVOKE" | "SET", _)
        | ("CREATE" | "DROP" | "ALTER", "USER" | "ROLE") => return DdlAction::Ignore,
        _ => {
            let what = if statement.to_ascii_uppercase().contains(" VIEW ") {
                format!("{first} VIEW")
            } else {
                format!("{first} {second}")
            };
            return unsupported(what.trim());
        }
    }
    // Rewrite every table name to its target; tables out of scope are dropped from DROP lists
    // but make anything else unsupported (it would mix scopes).
    let mut tables = Vec::new();
    let mut out = String::with_capacity(statement.len() + 32);
    let mut last = 0usize;
    let mut any_in = false;
    for r in &refs {
        let src = full(r);
        let tgt = match target_of(&src) {
            Some(t) => {
                any_in = true;
                t
            }
            // RENAME/CREATE into a name outside the rules keeps the database mapping.
            None => match refs.iter().find_map(|o| target_of(&full(o))) {
                Some(sibling) if first != "DROP" && first != "TRUNCATE" => {
                    TableId::new(sibling.database, src.name.clone())
                }
                _ => continue,
            },
        };
        out.push_str(&statement[last..r.start]);
        out.push_str(&format!("{}.{}", quote(&tgt.database), quote(&tgt.name)));
        last = r.end;
        tables.push(src);
    }
    if !any_in {
        return DdlAction::Ignore;
    }
    out.push_str(&statement[last..]);
    if first == "DROP" && tables.len() < refs.len() {
        // Rebuild the DROP with only the in-scope tables.
        let names: Vec<String> = tables
            .iter()
            .filter_map(|t| target_of(t).map(|x| format!("{}.{}", quote(&x.database), quote(&x.name))))
            .collect();
        out = format!("DROP TABLE IF EXISTS {}", names.join(", "));
    }
    let database = target_of(&TableId::new(default_db, "")).map(|t| t.database);
    DdlAction::Apply {
        database,
        statement: out,
        tables,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(t: &TableId) -> Option<TableId> {
        (t.database == "shop").then(|| TableId::new("shop_v2", t.name.clone()))
    }
    fn scope_db(d: &str) -> bool {
        d == "shop"
    }
    fn decide_(db: &str, s: &str) -> DdlAction {
        decide(db, s, &map, &scope_db)
    }

    #[test]
    fn column_changes_are_rewritten_for_the_target_database() {
        assert_eq!(
            decide_("shop", "ALTER TABLE orders ADD COLUMN note VARCHAR(10), DROP COLUMN x"),
            DdlAction::Apply {
                database: Some("shop_v2".into()),
                statement: "ALTER TABLE `shop_v2`.`orders` ADD COLUMN note VARCHAR(10), DROP COLUMN x".into(),
                tables: vec![TableId::new("shop", "orders")],
            }
        );
        let DdlAction::Apply { statement, .. } = decide_("other", "alter table `shop`.`o``x` modify a int") else {
            panic!()
        };
        assert_eq!(statement, "alter table `shop_v2`.`o``x` modify a int");
    }

    #[test]
    fn out_of_scope_ddl_is_ignored_and_unknown_ddl_in_scope_stops() {
        assert_eq!(decide_("other", "ALTER TABLE t ADD c INT"), DdlAction::Ignore);
        assert!(matches!(
            decide_("shop", "CREATE PROCEDURE p() BEGIN END"),
            DdlAction::Unsupported { .. }
        ));
        assert!(matches!(
            decide_("shop", "ALTER TABLE orders ENGINE=Aria"),
            DdlAction::Unsupported { .. }
        ));
        assert!(matches!(
            decide_("shop", "ALTER TABLE orders PARTITION BY HASH(id)"),
            DdlAction::Unsupported { .. }
        ));
        assert_eq!(decide_("other", "CREATE PROCEDURE p() BEGIN END"), DdlAction::Ignore);
        assert_eq!(decide_("shop", "ANALYZE TABLE orders"), DdlAction::Ignore);
    }

    #[test]
    fn table_statements_are_replicated() {
        let DdlAction::Apply { statement, tables, .. } = decide_("shop", "RENAME TABLE a TO b, c TO d") else {
            panic!()
        };
        assert_eq!(
            statement,
            "RENAME TABLE `shop_v2`.`a` TO `shop_v2`.`b`, `shop_v2`.`c` TO `shop_v2`.`d`"
        );
        assert_eq!(tables.len(), 4);
        let DdlAction::Apply { statement, .. } =
            decide_("x", "DROP TABLE IF EXISTS shop.a, other.b /* generated by server */")
        else {
            panic!()
        };
        assert_eq!(statement, "DROP TABLE IF EXISTS `shop_v2`.`a`");
        let DdlAction::Apply { statement, .. } = decide_("shop", "TRUNCATE TABLE t1") else {
            panic!()
        };
        assert_eq!(statement, "TRUNCATE TABLE `shop_v2`.`t1`");
        let DdlAction::Apply { statement, .. } = decide_("shop", "CREATE TABLE IF NOT EXISTS n (id INT PRIMARY KEY)")
        else {
            panic!()
        };
        assert_eq!(
            statement,
            "CREATE TABLE IF NOT EXISTS `shop_v2`.`n` (id INT PRIMARY KEY)"
        );
        let DdlAction::Apply { statement, .. } = decide_("shop", "CREATE UNIQUE INDEX ix ON t (a)") else {
            panic!()
        };
        assert_eq!(statement, "CREATE UNIQUE INDEX ix ON `shop_v2`.`t` (a)");
    }
}
