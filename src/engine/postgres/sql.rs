//! PostgreSQL statement text: identifiers, key ranges, reads, checksums, repairs. Values go in
//! as literals (untyped string literals take the column's type), so no statement needs typed
//! parameters.

use super::types;
use crate::engine::TableSpec;
use crate::model::catalog::{TableId, ValueKind};
use crate::model::range::KeyRange;
use crate::model::value::Value;

/// How PostgreSQL reads SQL text with `standard_conforming_strings = on` (omsctl's sessions
/// set it), for splitting DDL files.
pub const SCRIPT_SYNTAX: crate::engine::script::Syntax = crate::engine::script::Syntax {
    backslash_escapes: false,
    double_quoted_strings: false,
    backtick_identifiers: false,
    dollar_quotes: true,
    e_strings: true,
    q_quotes: false,
    hash_comments: false,
    dash_comment_needs_space: false,
    nested_block_comments: true,
};

pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn table(id: &TableId) -> String {
    format!("{}.{}", ident(&id.database), ident(&id.name))
}

pub fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn key_cols(spec: &TableSpec) -> Vec<String> {
    spec.key.iter().map(|&i| ident(&spec.columns[i])).collect()
}

fn key_literals(spec: &TableSpec, key: &[Value]) -> Result<Vec<String>, String> {
    key.iter()
        .zip(&spec.key)
        .map(|(v, &i)| types::literal(v, spec.kinds[i]))
        .collect()
}

/// The WHERE condition of a range (and the table's row filter).
pub fn range_where(spec: &TableSpec, range: &KeyRange) -> Result<String, String> {
    let cols = format!("({})", key_cols(spec).join(", "));
    let mut parts = Vec::new();
    if let Some(lo) = &range.lower {
        parts.push(format!("{cols} > ({})", key_literals(spec, lo)?.join(", ")));
    }
    if let Some(hi) = &range.upper {
        parts.push(format!("{cols} <= ({})", key_literals(spec, hi)?.join(", ")));
    }
    if let Some(f) = &spec.filter {
        parts.push(format!("({f})"));
    }
    Ok(if parts.is_empty() {
        "true".into()
    } else {
        parts.join(" AND ")
    })
}

/// `ORDER BY` the key columns, qualified with the table: a bare name would resolve to the
/// select list's text output column of the same name and sort by text (10 before 9), with a
/// sort step the primary key's index would otherwise make unnecessary.
fn order_by(spec: &TableSpec) -> String {
    if spec.key.is_empty() {
        return String::new();
    }
    let t = table(&spec.id);
    let cols: Vec<String> = key_cols(spec).iter().map(|c| format!("{t}.{c}")).collect();
    format!(" ORDER BY {}", cols.join(", "))
}

/// `SELECT exprs FROM table WHERE range ORDER BY key`.
fn select(spec: &TableSpec, exprs: &[String], range: &KeyRange) -> Result<String, String> {
    Ok(format!(
        "SELECT {} FROM {} WHERE {}{}",
        exprs.join(", "),
        table(&spec.id),
        range_where(spec, range)?,
        order_by(spec)
    ))
}

/// SELECT of every column as canonical text in `range`, in key order.
pub fn select_range(spec: &TableSpec, native: &[String], range: &KeyRange) -> Result<String, String> {
    let cols: Vec<String> = spec
        .columns
        .iter()
        .zip(&spec.kinds)
        .zip(native)
        .map(|((c, k), t)| types::read_expr(&ident(c), *k, t))
        .collect();
    select(spec, &cols, range)
}

/// Every `chunk`-th key in key order, as `exprs` (read expressions over the key columns).
pub fn boundaries(spec: &TableSpec, chunk: u64, exprs: &[String]) -> String {
    let k = key_cols(spec).join(", ");
    // Qualified: a bare name in the outer ORDER BY would sort by the text output column.
    let sk: Vec<String> = key_cols(spec).iter().map(|c| format!("s.{c}")).collect();
    format!(
        "SELECT {} FROM (SELECT {k}, row_number() OVER (ORDER BY {k}) AS omsctl_rn FROM {}{}) s \
         WHERE omsctl_rn % {chunk} = 0 ORDER BY {}",
        exprs.join(", "),
        table(&spec.id),
        spec.filter
            .as_ref()
            .map(|f| format!(" WHERE ({f})"))
            .unwrap_or_default(),
        sk.join(", ")
    )
}

/// One column's part of the row text that the MySQL family hashes too (see the MySQL
/// dialect's `checksum`): `length:text` or `N`, texts as MySQL would print them.
fn hash_term(col: &str, kind: ValueKind, native: &str) -> String {
    let q = ident(col);
    let text = match (kind, native) {
        (_, "boolean") => format!("({q})::int::text"),
        (ValueKind::DateTime | ValueKind::Timestamp, _) => {
            format!("to_char({q}, 'YYYY-MM-DD HH24:MI:SS') || rtrim(rtrim(to_char({q}, '.US'), '0'), '.')")
        }
        // Upper-case hex, as the MySQL family (HEX) and Oracle (RAW as text) hash bytes.
        (ValueKind::Binary, _) => format!("upper(encode({q}, 'hex'))"),
        _ => format!("({q})::text"),
    };
    format!("COALESCE(octet_length({text})::text || ':' || {text}, 'N')")
}

/// Row count and the sum of the first 64 bits (unsigned) of each row's MD5, as the MySQL
/// family computes it.
pub fn checksum(spec: &TableSpec, native: &[String], range: &KeyRange) -> Result<String, String> {
    let terms: Vec<String> = spec
        .columns
        .iter()
        .zip(&spec.kinds)
        .zip(native)
        .map(|((c, k), t)| hash_term(c, *k, t))
        .collect();
    let h = format!(
        "('x' || substr(md5(concat_ws('|', {})), 1, 16))::bit(64)::bigint",
        terms.join(", ")
    );
    // The hash is computed once per row in the subquery (OFFSET 0 keeps the planner from
    // pulling it up and substituting the expression back): written twice in the sum, the
    // MD5 of every row (megabytes for a LOB row) was computed twice.
    Ok(format!(
        "SELECT count(*)::int8, COALESCE(sum(h::numeric + CASE WHEN h < 0 THEN 18446744073709551616 ELSE 0 END), 0)::text \
         FROM (SELECT {h} AS h FROM {} WHERE {} OFFSET 0) omsctl_rows",
        table(&spec.id),
        range_where(spec, range)?
    ))
}

/// `COPY table (cols) FROM STDIN` in text format.
pub fn copy_in(spec: &TableSpec, binary: bool) -> String {
    copy_into(&table(&spec.id), spec, binary)
}

fn copy_into(target: &str, spec: &TableSpec, binary: bool) -> String {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    let format = if binary { " (FORMAT binary)" } else { "" };
    format!("COPY {target} ({}) FROM STDIN{format}", cols.join(", "))
}

/// The rows of `range` in key order as a binary COPY stream (the columns as stored: the
/// pass-through needs no text forms).
pub fn copy_out_binary(spec: &TableSpec, range: &KeyRange) -> Result<String, String> {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    Ok(format!(
        "COPY ({}) TO STDOUT (FORMAT binary)",
        select(spec, &cols, range)?
    ))
}

/// The staging table of a chunk that must not overwrite rows (on_nonempty_target = "ignore"):
/// the target's columns, no constraints, dropped at commit.
pub const STAGE: &str = "omsctl_stage";

pub fn create_stage(spec: &TableSpec) -> String {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    format!(
        "CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
        cols.join(", "),
        table(&spec.id)
    )
}

pub fn copy_into_stage(spec: &TableSpec, binary: bool) -> String {
    copy_into(STAGE, spec, binary)
}

/// Moves the staged rows into the table, keeping rows already there (any unique key), and
/// returns the keys, as text, of the staged rows that were not inserted (their conflicts).
/// Keyless tables append (rows that would break a unique index are skipped).
pub fn insert_from_stage(spec: &TableSpec) -> String {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    let list = cols.join(", ");
    if spec.key.is_empty() {
        return format!(
            "INSERT INTO {} ({list}) SELECT {list} FROM {STAGE} ON CONFLICT DO NOTHING",
            table(&spec.id)
        );
    }
    let keys = key_cols(spec);
    let k = keys.join(", ");
    let sk: Vec<String> = keys.iter().map(|c| format!("s.{c}")).collect();
    let ik: Vec<String> = keys.iter().map(|c| format!("i.{c}")).collect();
    let texts: Vec<String> = sk.iter().map(|c| format!("{c}::text")).collect();
    format!(
        "WITH i AS (INSERT INTO {} ({list}) SELECT {list} FROM {STAGE} ON CONFLICT DO NOTHING RETURNING {k}) \
         SELECT {} FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM i WHERE ({}) = ({}))",
        table(&spec.id),
        texts.join(", "),
        ik.join(", "),
        sk.join(", ")
    )
}

pub fn row_literals(spec: &TableSpec, row: &[Value]) -> Result<Vec<String>, String> {
    row.iter()
        .zip(&spec.kinds)
        .map(|(v, k)| types::literal(v, *k))
        .collect()
}

/// `(c1, c2) = (v1, v2)` over the columns at `cols` of a row.
fn columns_match(spec: &TableSpec, cols: &[usize], row: &[Value]) -> Result<String, String> {
    let names: Vec<String> = cols.iter().map(|&i| ident(&spec.columns[i])).collect();
    let vals: Vec<String> = cols
        .iter()
        .map(|&i| types::literal(&row[i], spec.kinds[i]))
        .collect::<Result<_, _>>()?;
    Ok(format!("({}) = ({})", names.join(", "), vals.join(", ")))
}

/// Every column equal to the row's (NULL-safe): the condition for a table without a key.
fn all_columns_match(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    let conds: Vec<String> = spec
        .columns
        .iter()
        .zip(row_literals(spec, row)?)
        .map(|(c, v)| format!("{} IS NOT DISTINCT FROM {v}", ident(c)))
        .collect();
    Ok(conds.join(" AND "))
}

fn set_all(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    let sets: Vec<String> = spec
        .columns
        .iter()
        .zip(row_literals(spec, row)?)
        .map(|(c, v)| format!("{} = {v}", ident(c)))
        .collect();
    Ok(sets.join(", "))
}

/// `(key columns) = (key values)` of a row.
pub fn key_match(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    columns_match(spec, &spec.key, row)
}

/// INSERT … ON CONFLICT (key) DO UPDATE of the columns the row carries, or a plain INSERT for
/// a table without a key. `returning`: the statement returns `xmax = 0`, true when the row is
/// new.
pub fn upsert(spec: &TableSpec, row: &[Value], returning: bool) -> Result<String, String> {
    upsert_many(spec, &[row], returning)
}

/// One INSERT … ON CONFLICT for several rows of distinct keys; with `returning`, it answers
/// `(xmax = 0)` per row in the order of `rows` (true: the row was new).
pub fn upsert_many(spec: &TableSpec, rows: &[&[Value]], returning: bool) -> Result<String, String> {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    let values: Vec<String> = rows
        .iter()
        .map(|r| row_literals(spec, r).map(|l| format!("({})", l.join(", "))))
        .collect::<Result<_, _>>()?;
    let mut s = format!(
        "INSERT INTO {} ({}) VALUES {}",
        table(&spec.id),
        cols.join(", "),
        values.join(", ")
    );
    if !spec.key.is_empty() {
        let keys = key_cols(spec);
        let sets: Vec<String> = spec
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !spec.key.contains(i))
            .map(|(_, c)| format!("{q} = EXCLUDED.{q}", q = ident(c)))
            .collect();
        // A no-op update when every column is in the key (it keeps RETURNING answering).
        let set = if sets.is_empty() {
            format!("{k} = EXCLUDED.{k}", k = keys[0])
        } else {
            sets.join(", ")
        };
        s.push_str(&format!(" ON CONFLICT ({}) DO UPDATE SET {set}", keys.join(", ")));
        if returning {
            s.push_str(" RETURNING (xmax = 0)");
        }
    }
    Ok(s)
}

/// DELETE by key, or of exactly one row equal in every column for a table without a key.
pub fn delete_one(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    let t = table(&spec.id);
    if spec.key.is_empty() {
        Ok(format!(
            "DELETE FROM {t} WHERE ctid = (SELECT ctid FROM {t} WHERE {} LIMIT 1)",
            all_columns_match(spec, row)?
        ))
    } else {
        Ok(format!("DELETE FROM {t} WHERE {}", key_match(spec, row)?))
    }
}

/// UPDATE of exactly one row equal to `before` in every column (a table without a key).
pub fn update_keyless(spec: &TableSpec, before: &[Value], after: &[Value]) -> Result<String, String> {
    let t = table(&spec.id);
    Ok(format!(
        "UPDATE {t} SET {} WHERE ctid = (SELECT ctid FROM {t} WHERE {} LIMIT 1)",
        set_all(spec, after)?,
        all_columns_match(spec, before)?
    ))
}

/// A key change: first the DELETE of a stale row at the new key (only while the old row is
/// still there), then the UPDATE that moves the old row, so that columns the change does not
/// carry keep their value.
pub fn move_row(spec: &TableSpec, before: &[Value], after: &[Value]) -> Result<[String; 2], String> {
    let t = table(&spec.id);
    let (old_key, new_key) = (key_match(spec, before)?, key_match(spec, after)?);
    Ok([
        format!("DELETE FROM {t} WHERE {new_key} AND EXISTS (SELECT 1 FROM {t} WHERE {old_key})"),
        format!("UPDATE {t} SET {} WHERE {old_key}", set_all(spec, after)?),
    ])
}

/// DELETEs of rows other than this one that hold one of its unique values (what MySQL's
/// REPLACE removes).
pub fn delete_unique_holders(spec: &TableSpec, row: &[Value]) -> Result<Vec<String>, String> {
    let key = key_match(spec, row)?;
    spec.unique
        .iter()
        .filter(|u| !u.is_empty() && u.iter().all(|&i| row[i] != Value::Null))
        .map(|u| {
            Ok(format!(
                "DELETE FROM {} WHERE {} AND NOT {key}",
                table(&spec.id),
                columns_match(spec, u, row)?
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::KeyCompare;

    fn spec(key: Vec<usize>) -> TableSpec {
        TableSpec {
            id: TableId::new("public", "t\"x"),
            columns: vec!["id".into(), "v".into()],
            kinds: vec![ValueKind::Integer, ValueKind::Text],
            key,
            unique: Vec::new(),
            compare: vec![KeyCompare::Exact; 2],
            filter: None,
        }
    }

    #[test]
    fn statements_quote_identifiers_and_values() {
        let s = spec(vec![0]);
        let r = KeyRange {
            lower: Some(vec![Value::Int(10)]),
            upper: Some(vec![Value::Int(20)]),
        };
        assert_eq!(range_where(&s, &r).unwrap(), "(\"id\") > (10) AND (\"id\") <= (20)");
        let row = vec![Value::Int(1), Value::Bytes(b"it's".to_vec())];
        assert_eq!(
            upsert(&s, &row, true).unwrap(),
            "INSERT INTO \"public\".\"t\"\"x\" (\"id\", \"v\") VALUES (1, 'it''s') ON CONFLICT (\"id\") DO UPDATE SET \"v\" = EXCLUDED.\"v\" RETURNING (xmax = 0)"
        );
        assert_eq!(
            delete_one(&spec(vec![]), &row).unwrap(),
            "DELETE FROM \"public\".\"t\"\"x\" WHERE ctid = (SELECT ctid FROM \"public\".\"t\"\"x\" WHERE \"id\" IS NOT DISTINCT FROM 1 AND \"v\" IS NOT DISTINCT FROM 'it''s' LIMIT 1)"
        );
        assert_eq!(
            copy_in(&s, false),
            "COPY \"public\".\"t\"\"x\" (\"id\", \"v\") FROM STDIN"
        );
        assert_eq!(
            copy_in(&s, true),
            "COPY \"public\".\"t\"\"x\" (\"id\", \"v\") FROM STDIN (FORMAT binary)"
        );
        assert_eq!(
            copy_out_binary(&s, &r).unwrap(),
            "COPY (SELECT \"id\", \"v\" FROM \"public\".\"t\"\"x\" WHERE (\"id\") > (10) AND (\"id\") <= (20) \
             ORDER BY \"public\".\"t\"\"x\".\"id\") TO STDOUT (FORMAT binary)"
        );
        // Boundaries sort by the key, not by its text form.
        assert!(boundaries(&s, 10, &["(\"id\")::text".into()]).ends_with("ORDER BY s.\"id\""));
    }

    #[test]
    fn unique_holders_render_each_value_with_its_own_column_kind() {
        // The key is the second column: its value must not take the first column's kind.
        let s = TableSpec {
            id: TableId::new("public", "t"),
            columns: vec!["b".into(), "v".into()],
            kinds: vec![ValueKind::Binary, ValueKind::Text],
            key: vec![1],
            unique: vec![vec![0]],
            compare: vec![KeyCompare::Exact; 2],
            filter: None,
        };
        let row = vec![Value::Bytes(vec![0, 255]), Value::Bytes(b"k".to_vec())];
        assert_eq!(
            delete_unique_holders(&s, &row).unwrap(),
            ["DELETE FROM \"public\".\"t\" WHERE (\"b\") = ('\\x00ff') AND NOT (\"v\") = ('k')"]
        );
    }
}
