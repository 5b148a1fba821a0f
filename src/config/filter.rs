//! `[[objects]]` matching rules (OMS style `database.table` with `*` and `?`) and per-table
//! settings (`[tables."db.table"]`).

use crate::error::usage;
use anyhow::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawObjectRule {
    include: String,
    #[serde(default)]
    exclude: Vec<String>,
    target_database: Option<String>,
    /// PostgreSQL target: the schema tables land in (default `public`).
    target_schema: Option<String>,
}

/// One validated matching rule.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectRule {
    /// `database.table` (for a PostgreSQL source `schema.table`: the database part of the
    /// project file's `database.schema.table` becomes the source endpoint's database).
    pub include: String,
    pub exclude: Vec<String>,
    /// The first part of the target table id: a MySQL-family database, or the schema in a
    /// PostgreSQL target (`target_schema`).
    pub target_database: Option<String>,
}

/// What the engines on both sides mean for the object rules.
pub(super) struct RuleContext {
    pub source_pg: bool,
    pub target_pg: bool,
}

/// The rules, plus the PostgreSQL databases they name on the source and the target.
pub(super) struct Rules {
    pub rules: Vec<ObjectRule>,
    pub source_database: Option<String>,
    pub target_database: Option<String>,
}

pub(super) fn validate_rules(raw: Vec<RawObjectRule>, cx: &RuleContext) -> Result<Rules> {
    let mut out = Rules {
        rules: Vec::new(),
        source_database: None,
        target_database: None,
    };
    for (i, r) in raw.into_iter().enumerate() {
        let key = format!("objects[{i}]");
        let mut r = r;
        if cx.source_pg {
            // database.schema.table: one database per project (one connection target).
            let (db, rest) = match r.include.split_once('.') {
                Some((db, rest)) if rest.contains('.') && !db.is_empty() => (db.to_string(), rest.to_string()),
                _ => {
                    return Err(usage(
                        format!(
                            "{key}.include = {:?} is not of the form \"database.schema.table\"",
                            r.include
                        ),
                        "a PostgreSQL source names the database too, e.g. \"pagila.public.*\"",
                    ));
                }
            };
            if db.contains(['*', '?']) {
                return Err(usage(
                    format!(
                        "{key}.include = {:?}: the database part cannot have wildcards",
                        r.include
                    ),
                    "name one PostgreSQL database, e.g. \"pagila.public.*\"",
                ));
            }
            match &out.source_database {
                Some(d) if *d != db => {
                    return Err(usage(
                        format!("{key}.include names database {db:?}, another rule names {d:?}"),
                        "a project reads one PostgreSQL database; use one project per database",
                    ));
                }
                _ => out.source_database = Some(db.clone()),
            }
            r.include = rest;
            r.exclude = r
                .exclude
                .into_iter()
                .map(|e| match e.split_once('.') {
                    Some((d, rest)) if d == db && rest.contains('.') => rest.to_string(),
                    _ => e,
                })
                .collect();
        } else if r.target_schema.is_some() && !cx.target_pg {
            return Err(usage(
                format!("{key}.target_schema is set, but the target is not PostgreSQL"),
                "remove target_schema, or use target_database",
            ));
        }
        if cx.target_pg {
            let db = match (&r.target_database, cx.source_pg) {
                (Some(d), _) => d.clone(),
                (None, true) => out.source_database.clone().unwrap_or_default(),
                (None, false) => match r.include.split_once('.') {
                    Some((d, _)) if !d.contains(['*', '?']) => d.to_string(),
                    _ => {
                        return Err(usage(
                            format!(
                                "{key}.target_database is not set and {:?} names no single database",
                                r.include
                            ),
                            "set target_database = \"...\" (the PostgreSQL database to create the tables in)",
                        ));
                    }
                },
            };
            match &out.target_database {
                Some(d) if *d != db => {
                    return Err(usage(
                        format!("{key} targets PostgreSQL database {db:?}, another rule targets {d:?}"),
                        "a project writes one PostgreSQL database: give every rule the same target_database",
                    ));
                }
                _ => out.target_database = Some(db),
            }
            r.target_database = Some(r.target_schema.take().unwrap_or_else(|| "public".into()));
        }
        out.rules.push(r.validate(i)?);
    }
    Ok(out)
}

impl RawObjectRule {
    fn validate(self, i: usize) -> Result<ObjectRule> {
        let key = format!("objects[{i}]");
        split_pattern(&self.include, &format!("{key}.include"))?;
        for (j, e) in self.exclude.iter().enumerate() {
            split_pattern(e, &format!("{key}.exclude[{j}]"))?;
        }
        if let Some(db) = &self.target_database
            && (db.is_empty() || db.contains(['*', '?']))
        {
            return Err(usage(
                format!("{key}.target_database = {db:?} is not a database name"),
                "give one plain database name, without wildcards",
            ));
        }
        Ok(ObjectRule {
            include: self.include,
            exclude: self.exclude,
            target_database: self.target_database,
        })
    }
}

fn split_pattern<'a>(p: &'a str, key: &str) -> Result<(&'a str, &'a str)> {
    match p.split_once('.') {
        Some((db, t)) if !db.is_empty() && !t.is_empty() => Ok((db, t)),
        _ => Err(usage(
            format!("{key} = {p:?} is not of the form \"database.table\""),
            "write database.table, with * and ? as wildcards, e.g. \"shop.*\" or \"shop.order_?\"",
        )),
    }
}

impl ObjectRule {
    /// The target database for `db.table` when this rule selects it, `None` otherwise.
    pub fn select(&self, db: &str, table: &str) -> Option<String> {
        let (pd, pt) = self.include.split_once('.')?;
        if !wildcard(pd, db) || !wildcard(pt, table) {
            return None;
        }
        for e in &self.exclude {
            if let Some((ed, et)) = e.split_once('.')
                && wildcard(ed, db)
                && wildcard(et, table)
            {
                return None;
            }
        }
        Some(self.target_database.clone().unwrap_or_else(|| db.to_string()))
    }

    /// The database part of the include pattern, for listing candidate databases.
    pub fn database_pattern(&self) -> &str {
        self.include.split_once('.').map_or("*", |(d, _)| d)
    }
}

/// `*` matches any run of characters, `?` one character; everything else matches itself.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `[tables."db.table"]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableSettings {
    /// Row filter, an SQL boolean expression over the source columns (full and verify).
    #[serde(rename = "where")]
    pub filter: Option<String>,
    #[serde(default)]
    pub exclude_columns: Vec<String>,
    /// New table name on the target.
    pub rename: Option<String>,
}

impl TableSettings {
    pub(super) fn validate(&self, key: &str) -> Result<()> {
        if let Some(w) = &self.filter
            && (w.trim().is_empty() || w.contains(';'))
        {
            return Err(usage(
                format!("tables.\"{key}\".where = {w:?} is not a single boolean expression"),
                "write one SQL condition without ';', e.g. where = \"created_at >= '2024-01-01'\"",
            ));
        }
        if let Some(r) = &self.rename
            && (r.is_empty() || r.contains('.'))
        {
            return Err(usage(
                format!("tables.\"{key}\".rename = {r:?} is not a table name"),
                "give the new table name only; use [[objects]] target_database to move databases",
            ));
        }
        Ok(())
    }
}

/// A `[tables]` key names one table exactly: `database.table`, with a `.` or `\` inside a
/// name written `\.` or `\\` (`*` and `?` are plain characters here, not patterns).
pub(super) fn validate_table_key(key: &str) -> Result<()> {
    match crate::model::catalog::TableId::from_key(key) {
        Some(t) if !t.database.is_empty() && !t.name.is_empty() => Ok(()),
        _ => Err(usage(
            format!(
                "tables.\"{}\" does not name one table",
                crate::model::printable::Printable(key)
            ),
            "write [tables.\"database.table\"] (a PostgreSQL source: \"schema.table\"); a '.' or '\\' inside a name is written '\\.' or '\\\\'",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(include: &str, exclude: &[&str], db: Option<&str>) -> ObjectRule {
        ObjectRule {
            include: include.into(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            target_database: db.map(String::from),
        }
    }

    #[test]
    fn wildcards_match_like_oms() {
        assert!(wildcard("*", ""));
        assert!(wildcard("tmp_*", "tmp_"));
        assert!(wildcard("order_?", "order_1"));
        assert!(!wildcard("order_?", "order_12"));
        assert!(wildcard("a*b*c", "aXXbYYc"));
        assert!(!wildcard("a*b*c", "aXXbYY"));
        assert!(wildcard("日本*", "日本語"));
    }

    #[test]
    fn exclude_and_rename_apply() {
        let r = rule("shop.*", &["shop.tmp_*"], Some("shop_v2"));
        assert_eq!(r.select("shop", "orders").as_deref(), Some("shop_v2"));
        assert_eq!(r.select("shop", "tmp_x"), None);
        assert_eq!(r.select("other", "orders"), None);
        assert_eq!(rule("shop.*", &[], None).select("shop", "a").as_deref(), Some("shop"));
    }
}
