//! PostgreSQL statement text: identifiers, key ranges, reads, checksums, repairs. Values go in
//! as literals (untyped string literals take the column's type), so no statement needs typed
//! parameters.

use super::types;
use crate::engine::TableSpec;
use crate::model::catalog::{TableId, ValueKind};
use crate::model::range::KeyRange;
use crate::model::value::Value;

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

fn order_by(spec: &TableSpec) -> String {
    if spec.key.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", key_cols(spec).join(", "))
    }
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
    Ok(format!(
        "SELECT {} FROM {} WHERE {}{}",
        cols.join(", "),
        table(&spec.id),
        range_where(spec, range)?,
        order_by(spec)
    ))
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
        (ValueKind::Binary, _) => format!("encode({q}, 'escape')"),
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
    Ok(format!(
        "SELECT count(*)::int8, COALESCE(sum(({h})::numeric + CASE WHEN {h} < 0 THEN 18446744073709551616 ELSE 0 END), 0)::text \
         FROM {} WHERE {}",
        table(&spec.id),
        range_where(spec, range)?
    ))
}

/// `COPY table (cols) FROM STDIN` in text format.
pub fn copy_in(spec: &TableSpec) -> String {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    format!("COPY {} ({}) FROM STDIN", table(&spec.id), cols.join(", "))
}

fn row_literals(spec: &TableSpec, row: &[Value]) -> Result<Vec<String>, String> {
    row.iter()
        .zip(&spec.kinds)
        .map(|(v, k)| types::literal(v, *k))
        .collect()
}

/// INSERT … ON CONFLICT (key) DO UPDATE, or a plain INSERT for a table without a key.
pub fn upsert(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    let mut s = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table(&spec.id),
        cols.join(", "),
        row_literals(spec, row)?.join(", ")
    );
    if !spec.key.is_empty() {
        let sets: Vec<String> = spec
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !spec.key.contains(i))
            .map(|(_, c)| format!("{q} = EXCLUDED.{q}", q = ident(c)))
            .collect();
        s.push_str(&format!(" ON CONFLICT ({}) DO ", key_cols(spec).join(", ")));
        s.push_str(&if sets.is_empty() {
            "NOTHING".to_string()
        } else {
            format!("UPDATE SET {}", sets.join(", "))
        });
    }
    Ok(s)
}

/// DELETE by key, or of exactly one row equal in every column for a table without a key.
pub fn delete_one(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    if spec.key.is_empty() {
        let conds: Vec<String> = spec
            .columns
            .iter()
            .zip(row_literals(spec, row)?)
            .map(|(c, v)| format!("{} IS NOT DISTINCT FROM {v}", ident(c)))
            .collect();
        Ok(format!(
            "DELETE FROM {t} WHERE ctid = (SELECT ctid FROM {t} WHERE {} LIMIT 1)",
            conds.join(" AND "),
            t = table(&spec.id)
        ))
    } else {
        let key = spec.key_of(row);
        Ok(format!(
            "DELETE FROM {} WHERE ({}) = ({})",
            table(&spec.id),
            key_cols(spec).join(", "),
            key_literals(spec, &key)?.join(", ")
        ))
    }
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
            upsert(&s, &row).unwrap(),
            "INSERT INTO \"public\".\"t\"\"x\" (\"id\", \"v\") VALUES (1, 'it''s') ON CONFLICT (\"id\") DO UPDATE SET \"v\" = EXCLUDED.\"v\""
        );
        assert_eq!(
            delete_one(&spec(vec![]), &row).unwrap(),
            "DELETE FROM \"public\".\"t\"\"x\" WHERE ctid = (SELECT ctid FROM \"public\".\"t\"\"x\" WHERE \"id\" IS NOT DISTINCT FROM 1 AND \"v\" IS NOT DISTINCT FROM 'it''s' LIMIT 1)"
        );
        assert_eq!(copy_in(&s), "COPY \"public\".\"t\"\"x\" (\"id\", \"v\") FROM STDIN");
        // Boundaries sort by the key, not by its text form.
        assert!(boundaries(&s, 10, &["(\"id\")::text".into()]).ends_with("ORDER BY s.\"id\""));
    }
}
