//! Reads the catalog from information_schema (never from SHOW CREATE TABLE), one query per
//! object family per database.

use super::flavor::Flavor;
use crate::config::ObjectRule;
use crate::model::catalog::*;
use anyhow::Result;
use mysql_async::Conn;
use mysql_async::prelude::*;
use std::collections::BTreeMap;

type Raw = Vec<Option<String>>;

fn text(v: mysql_async::Value) -> Option<String> {
    match v {
        mysql_async::Value::NULL => None,
        mysql_async::Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        mysql_async::Value::Int(i) => Some(i.to_string()),
        mysql_async::Value::UInt(u) => Some(u.to_string()),
        other => Some(other.as_sql(true)),
    }
}

async fn rows(conn: &mut Conn, sql: &str, db: &str) -> Result<Vec<Raw>> {
    // Text protocol: information_schema values come back as strings in every flavor.
    let sql = sql.replace('?', &super::dialect::string_literal(db));
    let rs: Vec<mysql_async::Row> = conn.query(sql).await?;
    Ok(rs
        .into_iter()
        .map(|r| r.unwrap().into_iter().map(text).collect())
        .collect())
}

fn get(r: &Raw, i: usize) -> String {
    r.get(i).cloned().flatten().unwrap_or_default()
}

fn opt(r: &Raw, i: usize) -> Option<String> {
    r.get(i).cloned().flatten()
}

/// Databases on the server matching any rule's database pattern.
pub async fn databases(conn: &mut Conn, rules: &[ObjectRule]) -> Result<Vec<String>> {
    let all: Vec<String> = conn.query(include_str!("sql/databases.sql")).await?;
    Ok(all
        .into_iter()
        .filter(|d| {
            rules
                .iter()
                .any(|r| crate::config::filter_wildcard(r.database_pattern(), d))
        })
        .collect())
}

/// (name, is_view) of every table and view in `db`.
pub async fn relations(conn: &mut Conn, db: &str) -> Result<Vec<(String, bool)>> {
    Ok(rows(conn, include_str!("sql/tables.sql"), db)
        .await?
        .into_iter()
        .map(|r| (get(&r, 0), get(&r, 1) == "VIEW"))
        .collect())
}

pub fn value_kind(data_type: &str) -> ValueKind {
    match data_type {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => ValueKind::Integer,
        "decimal" | "numeric" => ValueKind::Decimal,
        "float" => ValueKind::Float,
        "double" | "real" | "double precision" => ValueKind::Double,
        "bit" => ValueKind::Bit,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => ValueKind::Binary,
        "date" => ValueKind::Date,
        "datetime" => ValueKind::DateTime,
        "timestamp" => ValueKind::Timestamp,
        "time" => ValueKind::Time,
        "year" => ValueKind::Year,
        "json" => ValueKind::Json,
        "enum" => ValueKind::Enum,
        "set" => ValueKind::Set,
        "geometry" | "point" | "linestring" | "polygon" | "multipoint" | "multilinestring" | "multipolygon"
        | "geometrycollection" | "geomcollection" => ValueKind::Spatial,
        _ => ValueKind::Text,
    }
}

fn column_default(flavor: Flavor, raw: Option<String>, extra: &str, nullable: bool) -> ColumnDefault {
    match (flavor, raw) {
        // MariaDB reports defaults as SQL text: quoted literals, NULL, expressions.
        (Flavor::MariaDb, None) => ColumnDefault::None,
        (Flavor::MariaDb, Some(s)) if s == "NULL" => ColumnDefault::Null,
        (Flavor::MariaDb, Some(s)) => ColumnDefault::Expression(s),
        (_, None) if nullable => ColumnDefault::Null,
        (_, None) => ColumnDefault::None,
        (_, Some(s)) => {
            let upper = s.to_ascii_uppercase();
            if extra.contains("DEFAULT_GENERATED") || upper.starts_with("CURRENT_TIMESTAMP") {
                ColumnDefault::Expression(s)
            } else {
                ColumnDefault::Literal(s)
            }
        }
    }
}

/// Reads tables and views of one database. `wanted` filters table names; views are returned
/// when `want_view` accepts them.
pub async fn read_database(
    conn: &mut Conn,
    flavor: Flavor,
    db: &str,
    wanted: &(dyn Fn(&str) -> bool + Sync),
    want_view: &(dyn Fn(&str) -> bool + Sync),
    out: &mut Catalog,
) -> Result<()> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in rows(conn, include_str!("sql/tables.sql"), db).await? {
        let name = get(&r, 0);
        if get(&r, 1) == "VIEW" || !wanted(&name) {
            continue;
        }
        let collation = opt(&r, 5);
        tables.insert(
            name.clone(),
            Table {
                id: TableId::new(db, &name),
                columns: vec![],
                indexes: vec![],
                foreign_keys: vec![],
                checks: vec![],
                triggers: vec![],
                comment: get(&r, 6),
                charset: collation.as_deref().and_then(|c| c.split('_').next()).map(String::from),
                collation,
                auto_increment: opt(&r, 4).and_then(|s| s.parse().ok()),
                row_estimate: opt(&r, 2).and_then(|s| s.parse().ok()).unwrap_or(0),
                data_bytes: opt(&r, 3).and_then(|s| s.parse().ok()).unwrap_or(0),
            },
        );
    }
    for r in rows(conn, include_str!("sql/columns.sql"), db).await? {
        let Some(t) = tables.get_mut(&get(&r, 0)) else { continue };
        let data_type = get(&r, 4).to_ascii_lowercase();
        let extra = get(&r, 8);
        let extra_lc = extra.to_ascii_lowercase();
        let nullable = get(&r, 3) == "YES";
        let generated = opt(&r, 10)
            .filter(|e| !e.is_empty())
            .map(|e| (e, extra_lc.contains("stored") || extra_lc.contains("persistent")));
        let on_update = extra_lc
            .find("on update ")
            .map(|i| extra[i + "on update ".len()..].trim().to_string());
        t.columns.push(Column {
            name: get(&r, 1),
            kind: value_kind(&data_type),
            column_type: get(&r, 5),
            data_type,
            nullable,
            default: if generated.is_some() {
                ColumnDefault::None
            } else {
                column_default(flavor, opt(&r, 2), &extra, nullable)
            },
            auto_increment: extra_lc.contains("auto_increment"),
            on_update,
            generated,
            charset: opt(&r, 6),
            collation: opt(&r, 7),
            comment: get(&r, 9),
            labels: Vec::new(),
        });
    }
    for r in rows(conn, include_str!("sql/indexes.sql"), db).await? {
        let Some(t) = tables.get_mut(&get(&r, 0)) else { continue };
        let name = get(&r, 1);
        let column = IndexColumn {
            name: get(&r, 3),
            sub_part: opt(&r, 4).and_then(|s| s.parse().ok()),
            descending: get(&r, 6) == "D",
        };
        if let Some(ix) = t.indexes.iter_mut().find(|i| i.name == name) {
            ix.columns.push(column);
            continue;
        }
        let itype = get(&r, 5).to_ascii_uppercase();
        let kind = if name == "PRIMARY" {
            IndexKind::Primary
        } else if itype == "FULLTEXT" {
            IndexKind::Fulltext
        } else if itype == "SPATIAL" {
            IndexKind::Spatial
        } else if get(&r, 2) == "0" {
            IndexKind::Unique
        } else {
            IndexKind::Plain
        };
        t.indexes.push(Index {
            name,
            kind,
            columns: vec![column],
            comment: get(&r, 7),
        });
    }
    for r in rows(conn, include_str!("sql/foreign_keys.sql"), db).await? {
        let Some(t) = tables.get_mut(&get(&r, 0)) else { continue };
        let name = get(&r, 1);
        let ref_table = TableId::new(get(&r, 3), get(&r, 4));
        if let Some(fk) = t.foreign_keys.iter_mut().find(|f| f.name == name) {
            fk.columns.push(get(&r, 2));
            fk.ref_columns.push(get(&r, 5));
            continue;
        }
        t.foreign_keys.push(ForeignKey {
            name,
            columns: vec![get(&r, 2)],
            ref_table,
            ref_columns: vec![get(&r, 5)],
            on_update: get(&r, 6),
            on_delete: get(&r, 7),
        });
    }
    let check_sql = if flavor == Flavor::MariaDb {
        include_str!("sql/checks_mariadb.sql")
    } else {
        include_str!("sql/checks_mysql.sql")
    };
    for r in rows(conn, check_sql, db).await? {
        let Some(t) = tables.get_mut(&get(&r, 0)) else { continue };
        let (name, expr) = (get(&r, 1), get(&r, 2));
        // MariaDB's JSON is LONGTEXT plus CHECK (json_valid(`col`)): fold it back into a JSON column.
        let json_col = t
            .columns
            .iter_mut()
            .find(|c| expr.eq_ignore_ascii_case(&format!("json_valid({})", super::dialect::quote(&c.name))));
        if let Some(c) = json_col {
            c.kind = ValueKind::Json;
            c.data_type = "json".into();
            c.column_type = "json".into();
            continue;
        }
        t.checks.push(CheckConstraint { name, expression: expr });
    }
    for r in rows(conn, include_str!("sql/triggers.sql"), db).await? {
        let Some(t) = tables.get_mut(&get(&r, 0)) else { continue };
        t.triggers.push(Trigger {
            name: get(&r, 1),
            timing: get(&r, 2),
            event: get(&r, 3),
            statement: get(&r, 4),
        });
    }
    for r in rows(conn, include_str!("sql/views.sql"), db).await? {
        let name = get(&r, 0);
        if want_view(&name) {
            out.views.push(View {
                id: TableId::new(db, &name),
                definition: get(&r, 1),
                check_option: get(&r, 2),
                security: get(&r, 3),
            });
        }
    }
    let any_table = !tables.is_empty();
    for r in rows(conn, include_str!("sql/routines.sql"), db).await? {
        if any_table {
            out.unsupported.push(Unsupported {
                object: format!("{} {}.{}", get(&r, 0).to_lowercase(), db, get(&r, 1)),
                reason: "stored routines are not migrated; recreate them on the target by hand".into(),
            });
        }
    }
    out.tables.extend(tables.into_values());
    Ok(())
}
