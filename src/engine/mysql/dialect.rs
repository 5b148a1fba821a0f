//! SQL text for the MySQL family. Identifiers are quoted here and nowhere else; values are
//! bound parameters, except in repair SQL written for people to review ([`literal`]).

use super::flavor::Flavor;
use crate::engine::TableSpec;
use crate::model::catalog::{TableId, ValueKind};
use crate::model::range::KeyRange;
use crate::model::value::Value;

/// How omsctl's sessions read SQL text (its `sql_mode` has neither `NO_BACKSLASH_ESCAPES` nor
/// `ANSI_QUOTES`), for splitting DDL files.
pub const SCRIPT_SYNTAX: crate::engine::script::Syntax = crate::engine::script::Syntax {
    backslash_escapes: true,
    double_quoted_strings: true,
    backtick_identifiers: true,
    dollar_quotes: false,
    e_strings: false,
    q_quotes: false,
    hash_comments: true,
    dash_comment_needs_space: true,
    nested_block_comments: false,
};

/// Quotes an identifier with backticks, doubling embedded backticks.
pub fn quote(ident: &str) -> String {
    let mut s = String::with_capacity(ident.len() + 2);
    s.push('`');
    for c in ident.chars() {
        if c == '`' {
            s.push('`');
        }
        s.push(c);
    }
    s.push('`');
    s
}

pub fn table(id: &TableId) -> String {
    format!("{}.{}", quote(&id.database), quote(&id.name))
}

pub fn column_list(cols: &[String]) -> String {
    cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
}

/// A string literal with MySQL escaping (for DDL comments and repair SQL).
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1a}' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `(k0 > ?) OR (k0 = ? AND k1 > ?) …` for a lower bound, `<`/`<=` for an upper bound, with
/// the parameters in order. Expanded instead of a row comparison so every version uses the
/// index range.
fn bound(cols: &[&str], vals: &[Value], lower: bool, params: &mut Vec<Value>) -> String {
    let mut ors = Vec::with_capacity(cols.len());
    for i in 0..cols.len() {
        let mut ands = Vec::with_capacity(i + 1);
        for j in 0..i {
            ands.push(format!("{} = ?", quote(cols[j])));
            params.push(vals[j].clone());
        }
        let last = i + 1 == cols.len();
        let op = match (lower, last) {
            (true, _) => ">",
            (false, true) => "<=",
            (false, false) => "<",
        };
        ands.push(format!("{} {op} ?", quote(cols[i])));
        params.push(vals[i].clone());
        ors.push(format!("({})", ands.join(" AND ")));
    }
    format!("({})", ors.join(" OR "))
}

/// The WHERE clause (without the keyword) selecting `range` and the row filter, and its
/// parameters; `1=1` when everything is selected.
pub fn range_where(spec: &TableSpec, range: &KeyRange) -> (String, Vec<Value>) {
    let cols: Vec<&str> = spec.key.iter().map(|&i| spec.columns[i].as_str()).collect();
    let mut parts = Vec::new();
    let mut params = Vec::new();
    if let Some(lo) = &range.lower {
        parts.push(bound(&cols, lo, true, &mut params));
    }
    if let Some(hi) = &range.upper {
        parts.push(bound(&cols, hi, false, &mut params));
    }
    if let Some(f) = &spec.filter {
        parts.push(format!("({f})"));
    }
    if parts.is_empty() {
        ("1=1".to_string(), params)
    } else {
        (parts.join(" AND "), params)
    }
}

fn order_by(spec: &TableSpec) -> String {
    if spec.key.is_empty() {
        String::new()
    } else {
        let cols: Vec<String> = spec.key.iter().map(|&i| quote(&spec.columns[i])).collect();
        format!(" ORDER BY {}", cols.join(", "))
    }
}

/// SELECT of the spec's columns in `range`, in key order.
pub fn select_range(spec: &TableSpec, range: &KeyRange) -> (String, Vec<Value>) {
    let (w, p) = range_where(spec, range);
    (
        format!(
            "SELECT {} FROM {} WHERE {w}{}",
            column_list(&spec.columns),
            table(&spec.id),
            order_by(spec)
        ),
        p,
    )
}

/// The key of the row `chunk_rows` rows past `lower` (a chunk boundary), if there is one.
pub fn next_boundary(spec: &TableSpec, lower: Option<&Vec<Value>>, chunk_rows: u64) -> (String, Vec<Value>) {
    let range = KeyRange {
        lower: lower.cloned(),
        upper: None,
    };
    let (w, p) = range_where(spec, &range);
    let keys: Vec<String> = spec.key.iter().map(|&i| quote(&spec.columns[i])).collect();
    (
        format!(
            "SELECT {} FROM {} WHERE {w}{} LIMIT 1 OFFSET {}",
            keys.join(", "),
            table(&spec.id),
            order_by(spec),
            chunk_rows.saturating_sub(1)
        ),
        p,
    )
}

/// The canonical text of one column inside the row hash: length-prefixed so that columns
/// cannot run together, 'N' for NULL, strings converted to utf8mb4 so that a latin1 source
/// and a utf8mb4 target hash alike.
fn hash_term(col: &str, kind: ValueKind, flavor: Flavor) -> String {
    let e = match kind {
        ValueKind::Float | ValueKind::Double => format!("CAST({} AS CHAR)", quote(col)),
        // Bytes as upper-case hex, the text PostgreSQL and Oracle hash them as: raw bytes in
        // the row text never hashed alike across engines, so every range holding binary
        // values fell back to comparing its rows.
        ValueKind::Binary => format!("HEX({})", quote(col)),
        _ => hash_value(col, kind, flavor),
    };
    format!("COALESCE(CONCAT(LENGTH({e}), ':', {e}), 'N')")
}

/// A column as both checksums hash it: text in utf8mb4 (a latin1 source and a utf8mb4 target
/// hash alike), BIT as its number.
fn hash_value(col: &str, kind: ValueKind, flavor: Flavor) -> String {
    let q = quote(col);
    match kind {
        ValueKind::Text | ValueKind::Enum | ValueKind::Set | ValueKind::Json if flavor.may_hold_non_utf8mb4_text() => {
            format!("CONVERT({q} USING utf8mb4)")
        }
        ValueKind::Bit => format!("CAST({q} AS UNSIGNED)"),
        _ => q,
    }
}

/// Row count and the sum of the first 64 bits of each row's MD5 over `range`. A sum (not an
/// XOR) so that duplicate rows in keyless tables do not cancel out.
pub fn checksum(spec: &TableSpec, range: &KeyRange, flavor: Flavor) -> (String, Vec<Value>) {
    let (w, p) = range_where(spec, range);
    let terms: Vec<String> = spec
        .columns
        .iter()
        .zip(&spec.kinds)
        .map(|(c, k)| hash_term(c, *k, flavor))
        .collect();
    let row = format!("CONCAT_WS('|', {})", terms.join(", "));
    (
        format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CAST(CONV(SUBSTRING(MD5({row}), 1, 16), 16, 10) AS UNSIGNED)), 0) AS CHAR) FROM {} WHERE {w}",
            table(&spec.id)
        ),
        p,
    )
}

/// Row count and the sum of each row's CRC32 over `range` ([`ChecksumKind::Crc32`]): the
/// columns joined by '#', then a map of which are NULL (CONCAT_WS skips NULLs), as
/// pt-table-checksum hashes rows; texts converted as in [`checksum`].
///
/// [`ChecksumKind::Crc32`]: crate::engine::ChecksumKind::Crc32
pub fn checksum_crc32(spec: &TableSpec, range: &KeyRange, flavor: Flavor) -> (String, Vec<Value>) {
    let (w, p) = range_where(spec, range);
    let mut terms: Vec<String> = Vec::with_capacity(spec.columns.len() + 1);
    let mut nulls: Vec<String> = Vec::with_capacity(spec.columns.len());
    for (c, k) in spec.columns.iter().zip(&spec.kinds) {
        terms.push(hash_value(c, *k, flavor));
        nulls.push(format!("ISNULL({})", quote(c)));
    }
    terms.push(format!("CONCAT({})", nulls.join(", ")));
    (
        format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CRC32(CONCAT_WS('#', {}))), 0) AS CHAR) FROM {} WHERE {w}",
            terms.join(", "),
            table(&spec.id)
        ),
        p,
    )
}

/// A multi-row INSERT with `rows` placeholders groups.
pub fn insert(spec: &TableSpec, rows: usize) -> String {
    let one = format!("({})", vec!["?"; spec.columns.len()].join(", "));
    let mut s = format!(
        "INSERT INTO {} ({}) VALUES ",
        table(&spec.id),
        column_list(&spec.columns)
    );
    s.reserve(rows * (one.len() + 2));
    for i in 0..rows {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&one);
    }
    s
}

/// `LOAD DATA LOCAL INFILE` of tab-separated rows (see `tsv.rs`) into the spec's columns.
pub fn load_data(spec: &TableSpec) -> String {
    format!(
        "LOAD DATA LOCAL INFILE 'omsctl.tsv' INTO TABLE {} CHARACTER SET utf8mb4 \
         FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({})",
        table(&spec.id),
        column_list(&spec.columns)
    )
}

/// `SELECT key FROM t WHERE (k…) IN ((?…), …)`: which of these keys exist.
pub fn existing_keys(spec: &TableSpec, n: usize) -> String {
    let keys: Vec<String> = spec.key.iter().map(|&i| quote(&spec.columns[i])).collect();
    let one = format!("({})", vec!["?"; keys.len()].join(", "));
    format!(
        "SELECT {} FROM {} WHERE ({}) IN ({})",
        keys.join(", "),
        table(&spec.id),
        keys.join(", "),
        vec![one; n].join(", ")
    )
}

/// REPLACE of one row (keyed tables) or INSERT (keyless) for repair.
pub fn upsert_one(spec: &TableSpec) -> String {
    let verb = if spec.key.is_empty() { "INSERT" } else { "REPLACE" };
    format!(
        "{verb} INTO {} ({}) VALUES ({})",
        table(&spec.id),
        column_list(&spec.columns),
        vec!["?"; spec.columns.len()].join(", ")
    )
}

/// DELETE of one row: by key, or one row equal in every column (NULL-safe) for keyless tables.
/// The parameters are the key values, or every column value.
pub fn delete_one(spec: &TableSpec) -> String {
    if spec.key.is_empty() {
        let conds: Vec<String> = spec.columns.iter().map(|c| format!("{} <=> ?", quote(c))).collect();
        format!("DELETE FROM {} WHERE {} LIMIT 1", table(&spec.id), conds.join(" AND "))
    } else {
        let conds: Vec<String> = spec
            .key
            .iter()
            .map(|&i| format!("{} = ?", quote(&spec.columns[i])))
            .collect();
        format!("DELETE FROM {} WHERE {}", table(&spec.id), conds.join(" AND "))
    }
}

/// INSERT … ON DUPLICATE KEY UPDATE of every column: an upsert that never deletes (REPLACE
/// would, and cascade through foreign keys).
pub fn upsert(spec: &TableSpec) -> String {
    let mut sets: Vec<String> = spec
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !spec.key.contains(i))
        .map(|(_, c)| format!("{q} = VALUES({q})", q = quote(c)))
        .collect();
    if sets.is_empty() {
        let k = quote(&spec.columns[spec.key.first().copied().unwrap_or(0)]);
        sets.push(format!("{k} = {k}"));
    }
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON DUPLICATE KEY UPDATE {}",
        table(&spec.id),
        column_list(&spec.columns),
        vec!["?"; spec.columns.len()].join(", "),
        sets.join(", ")
    )
}

/// Multi-row REPLACE: every row made to exist as given, removing rows that hold its key or
/// any of its unique values.
pub fn replace_rows(spec: &TableSpec, rows: usize) -> String {
    let group = format!("({})", vec!["?"; spec.columns.len()].join(", "));
    format!(
        "REPLACE INTO {} ({}) VALUES {}",
        table(&spec.id),
        column_list(&spec.columns),
        vec![group.as_str(); rows].join(", ")
    )
}

/// Multi-row upsert: INSERT … VALUES (…), (…) ON DUPLICATE KEY UPDATE every non-key column.
pub fn upsert_rows(spec: &TableSpec, rows: usize) -> String {
    let one = upsert(spec);
    let (head, tail) = one.split_once(" ON DUPLICATE KEY UPDATE ").unwrap_or((&one, ""));
    let group = format!(", ({})", vec!["?"; spec.columns.len()].join(", "));
    let mut s = String::with_capacity(one.len() + rows * group.len());
    s.push_str(head);
    for _ in 1..rows {
        s.push_str(&group);
    }
    s.push_str(" ON DUPLICATE KEY UPDATE ");
    s.push_str(tail);
    s
}

/// `DELETE FROM t WHERE (k…) IN ((?…), …)`.
pub fn delete_keys(spec: &TableSpec, n: usize) -> String {
    let keys: Vec<String> = spec.key.iter().map(|&i| quote(&spec.columns[i])).collect();
    let one = format!("({})", vec!["?"; keys.len()].join(", "));
    format!(
        "DELETE FROM {} WHERE ({}) IN ({})",
        table(&spec.id),
        keys.join(", "),
        vec![one; n].join(", ")
    )
}

/// A plain single-row INSERT.
pub fn insert_one(spec: &TableSpec) -> String {
    insert(spec, 1)
}

/// UPDATE of one row of a keyless table: every column set, matched on every old value.
pub fn update_keyless(spec: &TableSpec) -> String {
    let sets: Vec<String> = spec.columns.iter().map(|c| format!("{} = ?", quote(c))).collect();
    let conds: Vec<String> = spec.columns.iter().map(|c| format!("{} <=> ?", quote(c))).collect();
    format!(
        "UPDATE {} SET {} WHERE {} LIMIT 1",
        table(&spec.id),
        sets.join(", "),
        conds.join(" AND ")
    )
}

/// UPDATE of the row with the given key to new values (key included): parameters are every
/// column's new value, then the old key. Columns the spec lacks keep their value.
pub fn update_by_key(spec: &TableSpec) -> String {
    let sets: Vec<String> = spec.columns.iter().map(|c| format!("{} = ?", quote(c))).collect();
    let conds: Vec<String> = spec
        .key
        .iter()
        .map(|&i| format!("{} = ?", quote(&spec.columns[i])))
        .collect();
    format!(
        "UPDATE {} SET {} WHERE {}",
        table(&spec.id),
        sets.join(", "),
        conds.join(" AND ")
    )
}

/// A value as an SQL literal, for repair SQL that people read before applying.
pub fn literal(v: &Value, kind: ValueKind) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Double(d) => format!("{d:?}"),
        Value::Bytes(b) => {
            let textual = matches!(
                kind,
                ValueKind::Text
                    | ValueKind::Json
                    | ValueKind::Enum
                    | ValueKind::Set
                    | ValueKind::Decimal
                    | ValueKind::Date
                    | ValueKind::DateTime
                    | ValueKind::Timestamp
                    | ValueKind::Time
                    | ValueKind::Year
                    | ValueKind::Integer
            );
            match std::str::from_utf8(b) {
                Ok(s) if textual => string_literal(s),
                _ if b.is_empty() => "''".into(),
                _ => format!("X'{}'", crate::model::value::hex_bytes::encode(b)),
            }
        }
        Value::Date(..) | Value::Time(..) => string_literal(&v.display()),
    }
}

/// One statement that makes a row present (repair SQL file).
pub fn upsert_literal(spec: &TableSpec, row: &[Value]) -> String {
    let verb = if spec.key.is_empty() { "INSERT" } else { "REPLACE" };
    let vals: Vec<String> = row.iter().zip(&spec.kinds).map(|(v, k)| literal(v, *k)).collect();
    format!(
        "{verb} INTO {} ({}) VALUES ({});",
        table(&spec.id),
        column_list(&spec.columns),
        vals.join(", ")
    )
}

/// One statement that removes a row (repair SQL file); `row` holds every column.
pub fn delete_literal(spec: &TableSpec, row: &[Value]) -> String {
    if spec.key.is_empty() {
        let conds: Vec<String> = spec
            .columns
            .iter()
            .zip(row.iter().zip(&spec.kinds))
            .map(|(c, (v, k))| format!("{} <=> {}", quote(c), literal(v, *k)))
            .collect();
        format!("DELETE FROM {} WHERE {} LIMIT 1;", table(&spec.id), conds.join(" AND "))
    } else {
        let conds: Vec<String> = spec
            .key
            .iter()
            .map(|&i| format!("{} = {}", quote(&spec.columns[i]), literal(&row[i], spec.kinds[i])))
            .collect();
        format!("DELETE FROM {} WHERE {};", table(&spec.id), conds.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: Vec<usize>) -> TableSpec {
        TableSpec {
            id: TableId::new("d", "t"),
            columns: vec!["a".into(), "b".into(), "c".into()],
            kinds: vec![ValueKind::Integer, ValueKind::Text, ValueKind::Binary],
            compare: vec![crate::model::catalog::KeyCompare::Exact; 3],
            key,
            unique: Vec::new(),
            filter: None,
        }
    }

    #[test]
    fn crc32_checksums_hash_columns_and_a_null_map() {
        let (q, p) = checksum_crc32(&spec(vec![0]), &KeyRange::all(), Flavor::MariaDb);
        assert!(p.is_empty());
        assert!(
            q.starts_with(
                "SELECT COUNT(*), CAST(COALESCE(SUM(CRC32(CONCAT_WS('#', `a`, CONVERT(`b` USING utf8mb4), `c`, CONCAT(ISNULL(`a`), ISNULL(`b`), ISNULL(`c`))))), 0) AS CHAR) FROM `d`.`t` WHERE"
            ),
            "{q}"
        );
    }

    #[test]
    fn identifiers_cannot_break_out_of_quotes() {
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(quote("x`; DROP TABLE t; --"), "`x``; DROP TABLE t; --`");
        assert_eq!(quote("日本"), "`日本`");
    }

    #[test]
    fn composite_ranges_expand_to_index_friendly_predicates() {
        let s = spec(vec![0, 1]);
        let r = KeyRange {
            lower: Some(vec![Value::Int(1), Value::Bytes(b"x".to_vec())]),
            upper: Some(vec![Value::Int(5), Value::Bytes(b"y".to_vec())]),
        };
        let (w, p) = range_where(&s, &r);
        assert_eq!(
            w,
            "((`a` > ?) OR (`a` = ? AND `b` > ?)) AND ((`a` < ?) OR (`a` = ? AND `b` <= ?))"
        );
        assert_eq!(p.len(), 6);
    }

    #[test]
    fn filters_are_anded_and_an_open_range_selects_all() {
        let mut s = spec(vec![0]);
        assert_eq!(range_where(&s, &KeyRange::all()).0, "1=1");
        s.filter = Some("a > 3".into());
        assert_eq!(range_where(&s, &KeyRange::all()).0, "(a > 3)");
    }

    #[test]
    fn literals_escape_quotes_backslashes_and_binary() {
        assert_eq!(
            literal(&Value::Bytes(b"it's \\ ok".to_vec()), ValueKind::Text),
            "'it''s \\\\ ok'"
        );
        assert_eq!(literal(&Value::Bytes(vec![0, 0xff]), ValueKind::Binary), "X'00ff'");
        assert_eq!(literal(&Value::Null, ValueKind::Text), "NULL");
    }

    #[test]
    fn multi_row_upserts_and_key_deletes() {
        let s = spec(vec![0]);
        assert_eq!(
            upsert_rows(&s, 2),
            "INSERT INTO `d`.`t` (`a`, `b`, `c`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE `b` = VALUES(`b`), `c` = VALUES(`c`)"
        );
        assert_eq!(delete_keys(&s, 2), "DELETE FROM `d`.`t` WHERE (`a`) IN ((?), (?))");
        assert_eq!(
            replace_rows(&s, 2),
            "REPLACE INTO `d`.`t` (`a`, `b`, `c`) VALUES (?, ?, ?), (?, ?, ?)"
        );
    }

    #[test]
    fn keyless_deletes_remove_exactly_one_matching_row() {
        assert_eq!(
            delete_one(&spec(vec![])),
            "DELETE FROM `d`.`t` WHERE `a` <=> ? AND `b` <=> ? AND `c` <=> ? LIMIT 1"
        );
    }
}
