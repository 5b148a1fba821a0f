//! Reading a PostgreSQL database's catalog (pg_catalog) into the shared model. A table id's
//! first part is the schema: the database is the connection's.

use super::types;
use crate::model::catalog::*;
use anyhow::Result;
use tokio_postgres::Client;

/// Tables (ordinary and partitioned parents, not partitions) or views, as (schema, name).
pub async fn relations(c: &Client, views: bool) -> Result<Vec<(String, String)>, tokio_postgres::Error> {
    let kinds = if views { "'v'" } else { "'r','p'" };
    let rows = c
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ({kinds}) AND NOT c.relispartition \
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
                 ORDER BY 1, 2"
            ),
            &[],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

const COLUMNS: &str = "
SELECT a.attname::text,
       format_type(COALESCE(NULLIF(t.typbasetype, 0), t.oid), NULL),
       format_type(COALESCE(NULLIF(t.typbasetype, 0), t.oid), CASE WHEN t.typbasetype <> 0 THEN t.typtypmod ELSE a.atttypmod END),
       COALESCE(bt.typtype, t.typtype)::text,
       a.attnotnull OR (t.typnotnull),
       pg_get_expr(d.adbin, d.adrelid),
       a.attidentity::text,
       a.attgenerated::text,
       COALESCE(col_description(c.oid, a.attnum), ''),
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = COALESCE(NULLIF(t.typbasetype, 0), t.oid) ORDER BY e.enumsortorder),
       coll.collname::text,
       COALESCE(bt.typcategory, t.typcategory)::text
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON bt.oid = NULLIF(t.typbasetype, 0)
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation coll ON coll.oid = a.attcollation AND a.attcollation <> 100
WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum";

const INDEXES: &str = "
SELECT i.relname::text, ix.indisprimary, ix.indisunique, am.amname::text,
       ARRAY(SELECT COALESCE(a.attname::text, '') FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum ORDER BY k.ord),
       ix.indpred IS NOT NULL OR ix.indexprs IS NOT NULL
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_am am ON am.oid = i.relam
JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2
ORDER BY NOT ix.indisprimary, i.relname";

const CONSTRAINTS: &str = "
SELECT con.conname::text, con.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
       rn.nspname::text, rc.relname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
       con.confupdtype::text, con.confdeltype::text,
       pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND con.contype IN ('f', 'c') AND con.conislocal
ORDER BY con.conname";

const TABLE: &str = "
SELECT COALESCE(obj_description(c.oid, 'pg_class'), ''), GREATEST(c.reltuples, 0)::int8,
       pg_total_relation_size(c.oid)::int8,
       ARRAY(SELECT t.tgname::text FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal ORDER BY 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2";

/// Views with their definitions, and the functions of other schemas they call (omsctl does not
/// migrate functions, so such a view cannot be created on a target).
const VIEWS: &str = "
SELECT pg_get_viewdef(c.oid, true),
       ARRAY(SELECT DISTINCT p.proname::text FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid
             JOIN pg_proc p ON p.oid = d.refobjid JOIN pg_namespace pn ON pn.oid = p.pronamespace
             WHERE r.ev_class = c.oid AND pn.nspname NOT IN ('pg_catalog', 'information_schema'))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2";

fn fk_action(code: &str) -> String {
    match code {
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        "r" => "RESTRICT",
        _ => "NO ACTION",
    }
    .to_string()
}

pub async fn read(c: &Client, tables: &[TableId], views: &[TableId]) -> Result<Catalog, tokio_postgres::Error> {
    let mut catalog = Catalog::default();
    for id in tables {
        let (s, n) = (&id.database, &id.name);
        let mut t = Table {
            id: id.clone(),
            columns: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            triggers: Vec::new(),
            comment: String::new(),
            charset: None,
            collation: None,
            auto_increment: None,
            row_estimate: 0,
            data_bytes: 0,
        };
        for r in c.query(COLUMNS, &[s, n]).await? {
            let base: String = r.get(1);
            let full: String = r.get(2);
            let typtype: String = r.get(3);
            let default: Option<String> = r.get(5);
            let identity: String = r.get(6);
            let generated: String = r.get(7);
            let category: String = r.get(11);
            let serial = default.as_deref().is_some_and(|d| d.starts_with("nextval("));
            let kind = types::kind_of(&base, &typtype, &category);
            t.columns.push(Column {
                name: r.get(0),
                data_type: base,
                column_type: full,
                kind,
                nullable: !r.get::<_, bool>(4),
                default: match (&default, serial || !identity.is_empty(), generated.as_str()) {
                    (_, true, _) | (_, _, "s") | (None, _, _) => ColumnDefault::None,
                    (Some(d), _, _) if d.eq_ignore_ascii_case("NULL") => ColumnDefault::Null,
                    (Some(d), _, _) => ColumnDefault::Expression(d.clone()),
                },
                auto_increment: serial || !identity.is_empty(),
                on_update: None,
                generated: (generated == "s").then(|| (default.clone().unwrap_or_default(), true)),
                charset: None,
                collation: r.get(10),
                comment: r.get(8),
                labels: r.get(9),
            });
        }
        for r in c.query(INDEXES, &[s, n]).await? {
            let primary: bool = r.get(1);
            let unique: bool = r.get(2);
            let method: String = r.get(3);
            let cols: Vec<String> = r.get(4);
            let partial: bool = r.get(5);
            let name: String = r.get(0);
            if partial || cols.iter().any(String::is_empty) || method != "btree" {
                catalog.unsupported.push(Unsupported {
                    object: format!("{id} index {name}"),
                    reason: format!(
                        "a {method} index{} is not migrated",
                        if partial {
                            " on an expression or with a WHERE clause"
                        } else {
                            ""
                        }
                    ),
                });
                continue;
            }
            t.indexes.push(Index {
                name,
                kind: if primary {
                    IndexKind::Primary
                } else if unique {
                    IndexKind::Unique
                } else {
                    IndexKind::Plain
                },
                columns: cols
                    .into_iter()
                    .map(|name| IndexColumn {
                        name,
                        sub_part: None,
                        descending: false,
                    })
                    .collect(),
                comment: String::new(),
            });
        }
        for r in c.query(CONSTRAINTS, &[s, n]).await? {
            let kind: String = r.get(1);
            let name: String = r.get(0);
            if kind == "f" {
                let (rs, rn): (Option<String>, Option<String>) = (r.get(3), r.get(4));
                t.foreign_keys.push(ForeignKey {
                    name,
                    columns: r.get(2),
                    ref_table: TableId::new(rs.unwrap_or_default(), rn.unwrap_or_default()),
                    ref_columns: r.get(5),
                    on_update: fk_action(&r.get::<_, String>(6)),
                    on_delete: fk_action(&r.get::<_, String>(7)),
                });
            } else {
                let def: String = r.get(8);
                // "CHECK ((expr))" → "(expr)"; NOT VALID checks are still created.
                let expr = def
                    .strip_prefix("CHECK ")
                    .unwrap_or(&def)
                    .trim_end_matches(" NOT VALID")
                    .to_string();
                t.checks.push(CheckConstraint { name, expression: expr });
            }
        }
        if let Some(r) = c.query_opt(TABLE, &[s, n]).await? {
            t.comment = r.get(0);
            t.row_estimate = r.get::<_, i64>(1).max(0) as u64;
            t.data_bytes = r.get::<_, i64>(2).max(0) as u64;
            for trigger in r.get::<_, Vec<String>>(3) {
                catalog.unsupported.push(Unsupported {
                    object: format!("{id} trigger {trigger}"),
                    reason:
                        "PostgreSQL triggers call functions, which omsctl does not migrate: recreate it on the target"
                            .into(),
                });
            }
        }
        catalog.tables.push(t);
    }
    for id in views {
        let Some(r) = c.query_opt(VIEWS, &[&id.database, &id.name]).await? else {
            continue;
        };
        let funcs: Vec<String> = r.get(1);
        if !funcs.is_empty() {
            catalog.unsupported.push(Unsupported {
                object: format!("view {id}"),
                reason: format!(
                    "calls function(s) {} of the database, which omsctl does not migrate: create them and the view on the target",
                    funcs.join(", ")
                ),
            });
            continue;
        }
        let def: String = r.get(0);
        catalog.views.push(View {
            id: id.clone(),
            definition: def.trim().trim_end_matches(';').to_string(),
            check_option: "NONE".into(),
            security: "DEFINER".into(),
        });
    }
    Ok(catalog)
}
