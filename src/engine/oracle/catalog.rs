//! Reading an Oracle schema's catalog (ALL_* views) into the shared model. A table id's first
//! part is the owner (schema). Blocking: called inside [`super::conn::blocking`].

use super::sql::catalog as q;
use super::types::{self, RawColumnType};
use crate::model::catalog::*;
use oracle::Connection;
use std::collections::BTreeMap;

type R<T> = oracle::Result<T>;

fn s(r: &oracle::Row, i: usize) -> R<String> {
    Ok(r.get::<usize, Option<String>>(i)?.unwrap_or_default())
}

/// Owners that hold user data (Oracle-maintained schemas left out).
pub fn owners(c: &Connection) -> R<Vec<String>> {
    c.query(q::OWNERS, &[])?.map(|r| s(&r?, 0)).collect()
}

pub fn tables(c: &Connection, owner: &str) -> R<Vec<String>> {
    c.query(q::TABLES, &[&owner])?.map(|r| s(&r?, 0)).collect()
}

pub fn views(c: &Connection, owner: &str) -> R<Vec<String>> {
    c.query(q::VIEWS, &[&owner])?.map(|r| s(&r?, 0)).collect()
}

/// The columns of an owner's tables, or of one of them: (table, column, description).
pub fn columns(c: &Connection, owner: &str, table: Option<&str>) -> R<Vec<(String, Column)>> {
    let mut out = Vec::new();
    let rows = match table {
        Some(t) => c.query(&q::columns(true), &[&owner, &t])?,
        None => c.query(&q::columns(false), &[&owner])?,
    };
    for r in rows {
        let r = r?;
        let raw = RawColumnType {
            data_type: s(&r, 2)?,
            data_length: r.get::<usize, Option<u32>>(3)?.unwrap_or(0),
            precision: r.get::<usize, Option<u32>>(4)?,
            scale: r.get::<usize, Option<i32>>(5)?,
            char_length: r.get::<usize, Option<u32>>(6)?.unwrap_or(0),
            char_used: s(&r, 7)?.chars().next(),
        };
        let (data_type, column_type, kind) = types::describe(&raw);
        let default = s(&r, 9)?;
        let default = default.trim();
        let identity = s(&r, 10)? == "YES";
        let virtual_col = s(&r, 11)? == "YES";
        out.push((
            s(&r, 0)?,
            Column {
                name: s(&r, 1)?,
                data_type,
                column_type,
                kind,
                nullable: s(&r, 8)? == "Y",
                // The type mapping interprets Oracle's default text (SYSDATE, quoted literals …).
                default: if default.is_empty() || identity || virtual_col {
                    ColumnDefault::None
                } else {
                    ColumnDefault::Expression(default.to_string())
                },
                auto_increment: identity,
                on_update: None,
                generated: virtual_col.then(|| (default.to_string(), false)),
                charset: None,
                // Oracle compares text byte by byte (NLS_COMP = BINARY): keys compare exactly.
                collation: (kind == ValueKind::Text).then(|| "binary".to_string()),
                comment: s(&r, 12)?,
                labels: Vec::new(),
            },
        ));
    }
    Ok(out)
}

fn index_columns(list: &str) -> Vec<IndexColumn> {
    list.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (name, descending) = match c.strip_suffix(" DESC") {
                Some(n) => (n, true),
                None => (c, false),
            };
            IndexColumn {
                name: name.to_string(),
                sub_part: None,
                descending,
            }
        })
        .collect()
}

/// The catalog of `tables` and `views` of one owner.
pub fn read(c: &Connection, owner: &str, tables: &[String], views: &[String], cat: &mut Catalog) -> R<()> {
    let mut by_table: BTreeMap<String, Table> = BTreeMap::new();
    for r in c.query(q::TABLES, &[&owner])? {
        let r = r?;
        let name = s(&r, 0)?;
        if !tables.contains(&name) {
            continue;
        }
        by_table.insert(
            name.clone(),
            Table {
                id: TableId::new(owner, &name),
                columns: Vec::new(),
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                triggers: Vec::new(),
                comment: s(&r, 3)?,
                charset: None,
                collation: None,
                auto_increment: None,
                row_estimate: r.get::<usize, Option<u64>>(1)?.unwrap_or(0),
                data_bytes: r.get::<usize, Option<u64>>(2)?.unwrap_or(0),
            },
        );
    }
    for (t, col) in columns(c, owner, None)? {
        if let Some(tbl) = by_table.get_mut(&t) {
            tbl.columns.push(col);
        }
    }
    for r in c.query(q::CONSTRAINTS, &[&owner])? {
        let r = r?;
        let Some(t) = by_table.get_mut(&s(&r, 0)?) else {
            continue;
        };
        let (name, kind) = (s(&r, 1)?, s(&r, 2)?);
        let cols = s(&r, 7)?;
        match kind.as_str() {
            "P" | "U" => t.indexes.push(Index {
                name,
                kind: if kind == "P" {
                    IndexKind::Primary
                } else {
                    IndexKind::Unique
                },
                columns: index_columns(&cols),
                comment: String::new(),
            }),
            "R" => t.foreign_keys.push(ForeignKey {
                name,
                columns: cols.split(',').map(String::from).collect(),
                ref_table: TableId::new(s(&r, 4)?, s(&r, 5)?),
                ref_columns: s(&r, 8)?.split(',').map(String::from).collect(),
                on_update: "NO ACTION".into(),
                on_delete: match s(&r, 6)?.as_str() {
                    "" => "NO ACTION".into(),
                    rule => rule.to_string(),
                },
            }),
            _ => {
                let expression = s(&r, 3)?;
                // NOT NULL columns appear as system CHECKs `"C" IS NOT NULL`: already columns'.
                if !(name.starts_with("SYS_C") && expression.trim_end().ends_with("IS NOT NULL")) {
                    t.checks.push(CheckConstraint { name, expression });
                }
            }
        }
    }
    for r in c.query(q::INDEXES, &[&owner, &owner])? {
        let r = r?;
        let Some(t) = by_table.get_mut(&s(&r, 0)?) else {
            continue;
        };
        let (name, unique, itype) = (s(&r, 1)?, s(&r, 2)? == "UNIQUE", s(&r, 3)?);
        if itype.starts_with("FUNCTION-BASED") || itype == "DOMAIN" {
            cat.unsupported.push(Unsupported {
                object: format!("{owner}.{}.{name}", t.id.name),
                reason: format!("{itype} index: its expression is not migrated; create an equivalent on the target"),
            });
            continue;
        }
        t.indexes.push(Index {
            name,
            kind: if unique { IndexKind::Unique } else { IndexKind::Plain },
            columns: index_columns(&s(&r, 4)?),
            comment: String::new(),
        });
    }
    for r in c.query(q::TRIGGERS, &[&owner])? {
        let r = r?;
        if tables.contains(&s(&r, 0)?) {
            cat.unsupported.push(Unsupported {
                object: format!("{owner}.{}", s(&r, 1)?),
                reason: "trigger: PL/SQL bodies are not converted; rewrite it for the target".into(),
            });
        }
    }
    for r in c.query(q::SEQUENCES, &[&owner])? {
        let r = r?;
        cat.unsupported.push(Unsupported {
            object: format!("{owner}.{}", s(&r, 0)?),
            reason: format!(
                "sequence (last number {}): sequences are not created on the target; identity columns are",
                s(&r, 1)?
            ),
        });
    }
    for r in c.query(q::VIEWS, &[&owner])? {
        let r = r?;
        let name = s(&r, 0)?;
        if views.contains(&name) {
            cat.views.push(View {
                id: TableId::new(owner, &name),
                definition: s(&r, 1)?,
                check_option: "NONE".into(),
                security: "DEFINER".into(),
            });
        }
    }
    cat.tables.extend(by_table.into_values());
    Ok(())
}
