//! Oracle statement text: identifiers, literals, key ranges (Oracle has no row-value
//! comparison, so ranges are spelled out), reads `AS OF SCN`, checksums, replay and repair
//! statements, omsctl's own tables, and catalog queries. Pure: tested without a server.
//!
//! Statements carry no trailing `;` (the client library rejects it outside PL/SQL).

use crate::engine::TableSpec;
use crate::model::catalog::{TableId, ValueKind};
use crate::model::range::KeyRange;
use crate::model::value::Value;

/// The longest string literal Oracle SQL accepts; longer text is concatenated from pieces.
const MAX_LITERAL: usize = 4000;
/// RAW literals (HEXTORAW) hold at most 2000 bytes.
const MAX_RAW: usize = 2000;

/// How Oracle reads SQL text, for splitting DDL files.
pub const SCRIPT_SYNTAX: crate::engine::script::Syntax = crate::engine::script::Syntax {
    backslash_escapes: false,
    double_quoted_strings: false,
    backtick_identifiers: false,
    dollar_quotes: false,
    e_strings: false,
    q_quotes: true,
    hash_comments: false,
    dash_comment_needs_space: false,
    nested_block_comments: false,
};

pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn table(id: &TableId) -> String {
    format!("{}.{}", ident(&id.database), ident(&id.name))
}

/// A string literal; text longer than a literal may be is joined from `TO_CLOB` pieces cut
/// on character boundaries.
pub fn string(s: &str) -> String {
    if s.len() <= MAX_LITERAL {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < s.len() {
        let mut end = (start + MAX_LITERAL / 2).min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        pieces.push(format!("TO_CLOB('{}')", s[start..end].replace('\'', "''")));
        start = end;
    }
    pieces.join(" || ")
}

fn hex(b: &[u8]) -> String {
    crate::model::value::hex_bytes::encode(b).to_ascii_uppercase()
}

/// A value as an Oracle literal of a column of `kind`.
pub fn literal(v: &Value, kind: ValueKind) -> Result<String, String> {
    Ok(match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => format!("TO_BINARY_FLOAT('{}')", float_text(*f as f64)),
        Value::Double(d) => format!("TO_BINARY_DOUBLE('{}')", float_text(*d)),
        Value::Bytes(b) if kind == ValueKind::Binary => {
            if b.len() > MAX_RAW {
                return Err(format!(
                    "a {}-byte binary value is longer than an Oracle RAW literal ({MAX_RAW} bytes)",
                    b.len()
                ));
            }
            format!("HEXTORAW('{}')", hex(b))
        }
        Value::Bytes(b) if kind == ValueKind::Decimal || kind == ValueKind::Integer || kind == ValueKind::Bit => {
            let t = std::str::from_utf8(b).map_err(|_| "a number that is not text".to_string())?;
            if t.is_empty()
                || !t
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
            {
                return Err(format!("{t:?} is not a number"));
            }
            t.to_string()
        }
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => string(s),
            Err(_) => return Err("text that is not UTF-8".into()),
        },
        Value::Date(y, mo, d, h, mi, s, us) => {
            format!("TIMESTAMP '{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}'")
        }
        Value::Time(neg, days, h, m, s, us) => {
            let sign = if *neg { "-" } else { "+" };
            format!("INTERVAL '{sign}{days} {h:02}:{m:02}:{s:02}.{us:06}' DAY(9) TO SECOND(6)")
        }
    })
}

/// Oracle's spelling of a binary float: `Nan`, `Inf`, `-Inf`, or the shortest exact decimal.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Inf".into() } else { "-Inf".into() }
    } else {
        format!("{f:e}")
    }
}

fn key_literals(spec: &TableSpec, key: &[Value]) -> Result<Vec<String>, String> {
    key.iter()
        .zip(&spec.key)
        .map(|(v, &i)| literal(v, spec.kinds[i]))
        .collect()
}

/// `(k1, k2) > (v1, v2)` spelled out: Oracle compares no row values with `<` or `>`.
fn tuple_cmp(cols: &[String], vals: &[String], op: &str) -> String {
    let mut alts = Vec::new();
    for i in 0..cols.len() {
        let mut conj: Vec<String> = (0..i).map(|j| format!("{} = {}", cols[j], vals[j])).collect();
        // Strict on every column but the last, where "<=" includes the bound itself.
        let o = if op == "<=" && i + 1 < cols.len() { "<" } else { op };
        conj.push(format!("{} {o} {}", cols[i], vals[i]));
        alts.push(format!("({})", conj.join(" AND ")));
    }
    format!("({})", alts.join(" OR "))
}

fn key_cols(spec: &TableSpec) -> Vec<String> {
    spec.key.iter().map(|&i| ident(&spec.columns[i])).collect()
}

/// The WHERE condition of a range (and the table's row filter).
pub fn range_where(spec: &TableSpec, range: &KeyRange) -> Result<String, String> {
    let cols = key_cols(spec);
    let mut parts = Vec::new();
    if let Some(lo) = &range.lower {
        parts.push(tuple_cmp(&cols, &key_literals(spec, lo)?, ">"));
    }
    if let Some(hi) = &range.upper {
        parts.push(tuple_cmp(&cols, &key_literals(spec, hi)?, "<="));
    }
    if let Some(f) = &spec.filter {
        parts.push(format!("({f})"));
    }
    Ok(if parts.is_empty() {
        "1 = 1".into()
    } else {
        parts.join(" AND ")
    })
}

fn as_of(scn: Option<u64>) -> String {
    scn.map(|s| format!(" AS OF SCN {s}")).unwrap_or_default()
}

/// How a column is read: time-zone types in UTC, XML as text; `native` is the catalog's
/// lower-case `data_type`.
pub fn read_expr(col: &str, native: &str) -> String {
    let q = ident(col);
    match native {
        "timestamp with time zone" | "timestamp with local time zone" => format!("SYS_EXTRACT_UTC({q})"),
        "xmltype" => format!("XMLSERIALIZE(DOCUMENT {q} AS CLOB)"),
        "rowid" | "urowid" => format!("ROWIDTOCHAR({q})"),
        _ => q,
    }
}

/// The rows of a range in key order, as of `scn` (the copy's consistent point).
pub fn select_range(
    spec: &TableSpec,
    natives: &[String],
    range: &KeyRange,
    scn: Option<u64>,
) -> Result<String, String> {
    let cols: Vec<String> = spec.columns.iter().zip(natives).map(|(c, n)| read_expr(c, n)).collect();
    let order = if spec.key.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", key_cols(spec).join(", "))
    };
    Ok(format!(
        "SELECT {} FROM {}{} WHERE {}{order}",
        cols.join(", "),
        table(&spec.id),
        as_of(scn),
        range_where(spec, range)?
    ))
}

/// Every `chunk`-th key in key order.
pub fn boundaries(spec: &TableSpec, chunk: u64) -> String {
    let k = key_cols(spec).join(", ");
    format!(
        "SELECT {k} FROM (SELECT {k}, ROW_NUMBER() OVER (ORDER BY {k}) AS omsctl_rn FROM {}{}) \
         WHERE MOD(omsctl_rn, {chunk}) = 0 ORDER BY {k}",
        table(&spec.id),
        spec.filter
            .as_ref()
            .map(|f| format!(" WHERE ({f})"))
            .unwrap_or_default(),
    )
}

/// The fraction digits and scale a native type prints with in the MySQL family.
fn number_format(native_type: &str) -> Option<String> {
    // number(p,s) with s > 0: MySQL's decimal(p,s) prints exactly s decimals.
    let inner = native_type.strip_prefix("number(")?.strip_suffix(')')?;
    let (p, s) = inner.split_once(',')?;
    let (p, s): (usize, usize) = (p.trim().parse().ok()?, s.trim().parse().ok()?);
    if s == 0 || s >= p {
        return None;
    }
    Some(format!("FM{}0.{}", "9".repeat(p - s - 1), "0".repeat(s)))
}

/// One column's part of the row text the MySQL family hashes (see its dialect's `checksum`):
/// `length:text` or `N`. LOBs and binary values have no such text in SQL: their ranges differ
/// and are compared row by row, which is exact but slower.
fn hash_term(col: &str, kind: ValueKind, native: &str, column_type: &str) -> String {
    let q = ident(col);
    let text = match kind {
        ValueKind::Integer => format!("TO_CHAR({q})"),
        ValueKind::Decimal => match number_format(column_type) {
            Some(f) => format!("TO_CHAR({q}, '{f}')"),
            None => format!("TO_CHAR({q})"),
        },
        ValueKind::DateTime | ValueKind::Timestamp => {
            let utc = read_expr(col, native);
            let digits = column_type
                .split_once('(')
                .and_then(|(_, r)| r.split(')').next())
                .and_then(|d| d.parse::<u32>().ok())
                .unwrap_or(if native == "date" { 0 } else { 6 })
                .min(6);
            if native == "date" || digits == 0 {
                format!("TO_CHAR({utc}, 'YYYY-MM-DD HH24:MI:SS')")
            } else {
                format!("TO_CHAR({utc}, 'YYYY-MM-DD HH24:MI:SS.FF{digits}')")
            }
        }
        ValueKind::Float | ValueKind::Double => format!("TO_CHAR({q})"),
        _ => q.clone(),
    };
    format!("NVL2({q}, LENGTHB({text}) || ':' || {text}, 'N')")
}

/// Row count and the sum of the first 64 bits of each row's MD5, as the MySQL family computes
/// it. `natives` are the lower-case data types, `column_types` the full native types.
pub fn checksum(
    spec: &TableSpec,
    natives: &[String],
    column_types: &[String],
    range: &KeyRange,
    scn: Option<u64>,
) -> Result<String, String> {
    let terms: Vec<String> = spec
        .columns
        .iter()
        .zip(&spec.kinds)
        .zip(natives.iter().zip(column_types))
        .map(|((c, k), (n, t))| hash_term(c, *k, n, t))
        .collect();
    let row = terms.join(" || '|' || ");
    Ok(format!(
        "SELECT COUNT(*), TO_CHAR(NVL(SUM(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH({row}, 'MD5')), 1, 16), 'XXXXXXXXXXXXXXXX')), 0)) \
         FROM {}{} WHERE {}",
        table(&spec.id),
        as_of(scn),
        range_where(spec, range)?
    ))
}

/// How a bind placeholder converts the text a writer binds: dates travel as text in a fixed
/// format, everything else binds natively or converts implicitly.
pub fn bind_expr(n: usize, kind: ValueKind) -> String {
    match kind {
        ValueKind::Date | ValueKind::DateTime | ValueKind::Timestamp => {
            format!("TO_TIMESTAMP(:{n}, 'YYYY-MM-DD HH24:MI:SS.FF6')")
        }
        _ => format!(":{n}"),
    }
}

/// An array INSERT of one row's binds (the client sends many rows per round trip).
pub fn insert(spec: &TableSpec) -> String {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    let binds: Vec<String> = spec
        .kinds
        .iter()
        .enumerate()
        .map(|(i, k)| bind_expr(i + 1, *k))
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table(&spec.id),
        cols.join(", "),
        binds.join(", ")
    )
}

fn eq(col: &str, lit: &str) -> String {
    if lit == "NULL" {
        format!("{} IS NULL", ident(col))
    } else {
        format!("{} = {lit}", ident(col))
    }
}

/// The condition that finds a row: its key, or (a keyless table) all of its columns.
pub fn row_match(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    let cols: Vec<usize> = if spec.key.is_empty() {
        (0..spec.columns.len()).collect()
    } else {
        spec.key.clone()
    };
    let conds: Vec<String> = cols
        .iter()
        .map(|&i| literal(&row[i], spec.kinds[i]).map(|l| eq(&spec.columns[i], &l)))
        .collect::<Result<_, _>>()?;
    Ok(conds.join(" AND "))
}

/// Sets a row's non-key columns, found by `old_key` (replay of an UPDATE, and the first half
/// of an upsert). `None` when every column is in the key.
pub fn update(spec: &TableSpec, old: &[Value], new: &[Value]) -> Result<String, String> {
    let sets: Vec<String> = (0..spec.columns.len())
        .map(|i| literal(&new[i], spec.kinds[i]).map(|l| format!("{} = {l}", ident(&spec.columns[i]))))
        .collect::<Result<_, _>>()?;
    Ok(format!(
        "UPDATE {} SET {} WHERE {}",
        table(&spec.id),
        sets.join(", "),
        row_match(spec, old)?
    ))
}

pub fn insert_literal(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    let vals: Vec<String> = row
        .iter()
        .zip(&spec.kinds)
        .map(|(v, k)| literal(v, *k))
        .collect::<Result<_, _>>()?;
    Ok(format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table(&spec.id),
        cols.join(", "),
        vals.join(", ")
    ))
}

/// Deletes one row (keyless tables: one of the identical rows).
pub fn delete_one(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    let limit = if spec.key.is_empty() { " AND ROWNUM = 1" } else { "" };
    Ok(format!(
        "DELETE FROM {} WHERE {}{limit}",
        table(&spec.id),
        row_match(spec, row)?
    ))
}

/// A MERGE that makes the row equal to `row` (repair SQL; keyed tables).
pub fn merge(spec: &TableSpec, row: &[Value]) -> Result<String, String> {
    if spec.key.is_empty() {
        return insert_literal(spec, row);
    }
    let lits: Vec<String> = row
        .iter()
        .zip(&spec.kinds)
        .map(|(v, k)| literal(v, *k))
        .collect::<Result<_, _>>()?;
    let src: Vec<String> = spec
        .columns
        .iter()
        .zip(&lits)
        .map(|(c, l)| format!("{l} AS {}", ident(c)))
        .collect();
    let on: Vec<String> = spec
        .key
        .iter()
        .map(|&i| format!("t.{c} = s.{c}", c = ident(&spec.columns[i])))
        .collect();
    let non_key: Vec<usize> = (0..spec.columns.len()).filter(|i| !spec.key.contains(i)).collect();
    let update = if non_key.is_empty() {
        String::new()
    } else {
        let sets: Vec<String> = non_key
            .iter()
            .map(|&i| format!("t.{c} = s.{c}", c = ident(&spec.columns[i])))
            .collect();
        format!(" WHEN MATCHED THEN UPDATE SET {}", sets.join(", "))
    };
    let cols: Vec<String> = spec.columns.iter().map(|c| ident(c)).collect();
    let vals: Vec<String> = spec.columns.iter().map(|c| format!("s.{}", ident(c))).collect();
    Ok(format!(
        "MERGE INTO {} t USING (SELECT {} FROM dual) s ON ({}){update} WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
        table(&spec.id),
        src.join(", "),
        on.join(" AND "),
        cols.join(", "),
        vals.join(", ")
    ))
}

/// omsctl's tables on an Oracle server, one statement each (ORA-00955 = already there).
pub fn meta_tables(meta: &str) -> Vec<String> {
    let m = ident(meta);
    vec![
        format!(
            "CREATE TABLE {m}.\"full_chunks\" (\"project\" VARCHAR2(128) NOT NULL, \"tbl\" VARCHAR2(512) NOT NULL, \
             \"chunk\" NUMBER(10) NOT NULL, \"rows_copied\" NUMBER(19) NOT NULL, \"done_at\" TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL, \
             PRIMARY KEY (\"project\", \"tbl\", \"chunk\"))"
        ),
        format!(
            "CREATE TABLE {m}.\"incr_position\" (\"project\" VARCHAR2(128) PRIMARY KEY, \"position\" VARCHAR2(512) NOT NULL, \
             \"applied_at\" TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL)"
        ),
        format!(
            "CREATE TABLE {m}.\"incr_workers\" (\"project\" VARCHAR2(128) NOT NULL, \"worker\" NUMBER(5) NOT NULL, \
             \"position\" VARCHAR2(512) NOT NULL, PRIMARY KEY (\"project\", \"worker\"))"
        ),
        format!(
            "CREATE TABLE {m}.\"heartbeat\" (\"project\" VARCHAR2(128) PRIMARY KEY, \"sent_ms\" NUMBER(19) NOT NULL)"
        ),
    ]
}

/// Writes a key-value row of one of omsctl's tables (fence, checkpoint, heartbeat).
pub fn merge_meta(meta: &str, tbl: &str, keys: &[(&str, String)], values: &[(&str, String)]) -> String {
    let all: Vec<String> = keys
        .iter()
        .chain(values)
        .map(|(c, v)| format!("{v} AS {}", ident(c)))
        .collect();
    let on: Vec<String> = keys
        .iter()
        .map(|(c, _)| format!("t.{c} = s.{c}", c = ident(c)))
        .collect();
    let sets: Vec<String> = values
        .iter()
        .map(|(c, _)| format!("t.{c} = s.{c}", c = ident(c)))
        .collect();
    let cols: Vec<String> = keys.iter().chain(values).map(|(c, _)| ident(c)).collect();
    let vals: Vec<String> = keys
        .iter()
        .chain(values)
        .map(|(c, _)| format!("s.{}", ident(c)))
        .collect();
    format!(
        "MERGE INTO {}.{} t USING (SELECT {} FROM dual) s ON ({}) WHEN MATCHED THEN UPDATE SET {} \
         WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
        ident(meta),
        ident(tbl),
        all.join(", "),
        on.join(" AND "),
        sets.join(", "),
        cols.join(", "),
        vals.join(", ")
    )
}

/// Catalog queries; `:1` is the owner.
pub mod catalog {
    pub const TABLES: &str = "SELECT t.TABLE_NAME, NVL(t.NUM_ROWS, 0), NVL(t.NUM_ROWS * t.AVG_ROW_LEN, 0), c.COMMENTS \
        FROM ALL_TABLES t LEFT JOIN ALL_TAB_COMMENTS c ON c.OWNER = t.OWNER AND c.TABLE_NAME = t.TABLE_NAME \
        WHERE t.OWNER = :1 AND t.NESTED = 'NO' AND t.TEMPORARY = 'N' AND t.SECONDARY = 'N' AND t.IOT_TYPE IS NULL \
        AND t.TABLE_NAME NOT LIKE 'BIN$%' AND t.TABLE_NAME NOT LIKE 'MLOG$%' ORDER BY t.TABLE_NAME";
    pub const OWNERS: &str = "SELECT USERNAME FROM ALL_USERS WHERE ORACLE_MAINTAINED = 'N' ORDER BY USERNAME";
    pub const VIEWS: &str = "SELECT VIEW_NAME, TEXT FROM ALL_VIEWS WHERE OWNER = :1 ORDER BY VIEW_NAME";
    /// Columns of an owner's tables (`:1`), or of one table (`:2`) when `one_table`.
    pub fn columns(one_table: bool) -> String {
        format!(
            "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.DATA_LENGTH, c.DATA_PRECISION, c.DATA_SCALE, \
             c.CHAR_LENGTH, c.CHAR_USED, c.NULLABLE, c.DATA_DEFAULT, c.IDENTITY_COLUMN, c.VIRTUAL_COLUMN, m.COMMENTS \
             FROM ALL_TAB_COLS c LEFT JOIN ALL_COL_COMMENTS m \
             ON m.OWNER = c.OWNER AND m.TABLE_NAME = c.TABLE_NAME AND m.COLUMN_NAME = c.COLUMN_NAME \
             WHERE c.OWNER = :1{} AND c.HIDDEN_COLUMN = 'NO' ORDER BY c.TABLE_NAME, c.COLUMN_ID",
            if one_table { " AND c.TABLE_NAME = :2" } else { "" }
        )
    }
    /// Primary keys, unique keys, foreign keys and CHECKs with their columns in order.
    pub const CONSTRAINTS: &str = "SELECT c.TABLE_NAME, c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, c.SEARCH_CONDITION_VC, \
        r.OWNER, r.TABLE_NAME, c.DELETE_RULE, \
        (SELECT LISTAGG(cc.COLUMN_NAME, ',') WITHIN GROUP (ORDER BY cc.POSITION) FROM ALL_CONS_COLUMNS cc \
           WHERE cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME), \
        (SELECT LISTAGG(rc.COLUMN_NAME, ',') WITHIN GROUP (ORDER BY rc.POSITION) FROM ALL_CONS_COLUMNS rc \
           WHERE rc.OWNER = c.R_OWNER AND rc.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME) \
        FROM ALL_CONSTRAINTS c LEFT JOIN ALL_CONSTRAINTS r ON r.OWNER = c.R_OWNER AND r.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME \
        WHERE c.OWNER = :1 AND c.CONSTRAINT_TYPE IN ('P', 'U', 'R', 'C') AND c.STATUS = 'ENABLED' \
        ORDER BY c.TABLE_NAME, c.CONSTRAINT_NAME";
    /// Indexes not backing a constraint; function-based ones are listed as unsupported.
    pub const INDEXES: &str = "SELECT i.TABLE_NAME, i.INDEX_NAME, i.UNIQUENESS, i.INDEX_TYPE, \
        (SELECT LISTAGG(ic.COLUMN_NAME || CASE ic.DESCEND WHEN 'DESC' THEN ' DESC' END, ',') WITHIN GROUP (ORDER BY ic.COLUMN_POSITION) \
           FROM ALL_IND_COLUMNS ic WHERE ic.INDEX_OWNER = i.OWNER AND ic.INDEX_NAME = i.INDEX_NAME) \
        FROM ALL_INDEXES i WHERE i.TABLE_OWNER = :1 AND i.OWNER = :1 AND i.INDEX_TYPE <> 'LOB' \
        AND NOT EXISTS (SELECT 1 FROM ALL_CONSTRAINTS c WHERE c.OWNER = i.OWNER AND c.INDEX_NAME = i.INDEX_NAME) \
        ORDER BY i.TABLE_NAME, i.INDEX_NAME";
    pub const SEQUENCES: &str = "SELECT SEQUENCE_NAME, LAST_NUMBER FROM ALL_SEQUENCES WHERE SEQUENCE_OWNER = :1 \
        AND SEQUENCE_NAME NOT LIKE 'ISEQ$$%' ORDER BY SEQUENCE_NAME";
    pub const TRIGGERS: &str =
        "SELECT TABLE_NAME, TRIGGER_NAME FROM ALL_TRIGGERS WHERE TABLE_OWNER = :1 ORDER BY TRIGGER_NAME";
}

/// Server and capture checks.
pub mod checks {
    pub const VERSION: &str =
        "SELECT VERSION_FULL FROM PRODUCT_COMPONENT_VERSION WHERE PRODUCT LIKE 'Oracle%' AND ROWNUM = 1";
    pub const LOG_MODE: &str = "SELECT LOG_MODE, SUPPLEMENTAL_LOG_DATA_MIN, SUPPLEMENTAL_LOG_DATA_PK, SUPPLEMENTAL_LOG_DATA_ALL FROM V$DATABASE";
    pub const CURRENT_SCN: &str = "SELECT CURRENT_SCN FROM V$DATABASE";
    /// Tables with their own supplemental log groups of all columns (`:1` owner).
    pub const TABLE_LOG_GROUPS: &str =
        "SELECT TABLE_NAME FROM ALL_LOG_GROUPS WHERE OWNER = :1 AND LOG_GROUP_TYPE = 'ALL COLUMN LOGGING'";
    pub const PRIVILEGES: &str = "SELECT PRIVILEGE FROM SESSION_PRIVS UNION ALL SELECT ROLE FROM SESSION_ROLES";
    pub const NLS: &str = "SELECT PARAMETER, VALUE FROM NLS_DATABASE_PARAMETERS \
        WHERE PARAMETER IN ('NLS_CHARACTERSET', 'NLS_NCHAR_CHARACTERSET', 'NLS_LENGTH_SEMANTICS')";
    /// The SCN of the first commit at or after a unix time.
    pub fn scn_at(unix_s: u64) -> String {
        format!(
            "SELECT TIMESTAMP_TO_SCN(TIMESTAMP '1970-01-01 00:00:00 +00:00' + NUMTODSINTERVAL({unix_s}, 'SECOND')) FROM dual"
        )
    }
}

/// The session settings every connection starts with: text forms that the value parser
/// reads, UTC, and '.' as the decimal point.
pub const SESSION: [&str; 5] = [
    "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
    "ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6'",
    "ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'",
    "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
    "ALTER SESSION SET TIME_ZONE = '+00:00'",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::KeyCompare;

    fn spec(key: Vec<usize>) -> TableSpec {
        TableSpec {
            id: TableId::new("HR", "EMP"),
            columns: vec!["ID".into(), "SUB".into(), "NAME".into(), "HIRED".into()],
            kinds: vec![
                ValueKind::Integer,
                ValueKind::Integer,
                ValueKind::Text,
                ValueKind::DateTime,
            ],
            key,
            unique: vec![],
            compare: vec![KeyCompare::Exact; 4],
            filter: None,
        }
    }

    fn t(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn ranges_spell_out_row_value_comparisons() {
        let s = spec(vec![0, 1]);
        let r = KeyRange {
            lower: Some(vec![Value::Int(1), Value::Int(5)]),
            upper: Some(vec![Value::Int(9), Value::Int(2)]),
        };
        assert_eq!(
            range_where(&s, &r).unwrap(),
            "((\"ID\" > 1) OR (\"ID\" = 1 AND \"SUB\" > 5)) AND ((\"ID\" < 9) OR (\"ID\" = 9 AND \"SUB\" <= 2))"
        );
        let one = spec(vec![0]);
        let r = KeyRange {
            lower: None,
            upper: Some(vec![Value::Int(7)]),
        };
        assert_eq!(range_where(&one, &r).unwrap(), "((\"ID\" <= 7))");
        assert_eq!(
            range_where(
                &one,
                &KeyRange {
                    lower: None,
                    upper: None
                }
            )
            .unwrap(),
            "1 = 1"
        );
    }

    #[test]
    fn reads_are_as_of_the_snapshot_scn_in_key_order() {
        let s = spec(vec![0]);
        let natives: Vec<String> = ["number", "number", "varchar2", "timestamp with time zone"]
            .map(String::from)
            .to_vec();
        let q = select_range(
            &s,
            &natives,
            &KeyRange {
                lower: None,
                upper: None,
            },
            Some(42),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT \"ID\", \"SUB\", \"NAME\", SYS_EXTRACT_UTC(\"HIRED\") FROM \"HR\".\"EMP\" AS OF SCN 42 WHERE 1 = 1 ORDER BY \"ID\""
        );
        assert_eq!(
            boundaries(&s, 1000),
            "SELECT \"ID\" FROM (SELECT \"ID\", ROW_NUMBER() OVER (ORDER BY \"ID\") AS omsctl_rn FROM \"HR\".\"EMP\") \
             WHERE MOD(omsctl_rn, 1000) = 0 ORDER BY \"ID\""
        );
    }

    #[test]
    fn literals_cover_every_value_and_refuse_what_sql_cannot_hold() {
        assert_eq!(literal(&t("O'Brien"), ValueKind::Text).unwrap(), "'O''Brien'");
        assert_eq!(literal(&Value::Null, ValueKind::Text).unwrap(), "NULL");
        assert_eq!(literal(&t("-12.50"), ValueKind::Decimal).unwrap(), "-12.50");
        assert!(literal(&t("1; DROP"), ValueKind::Decimal).is_err());
        assert_eq!(
            literal(&Value::Bytes(vec![0, 255]), ValueKind::Binary).unwrap(),
            "HEXTORAW('00FF')"
        );
        assert!(literal(&Value::Bytes(vec![0; 2001]), ValueKind::Binary).is_err());
        assert_eq!(
            literal(&Value::Date(2024, 3, 31, 1, 2, 3, 450000), ValueKind::DateTime).unwrap(),
            "TIMESTAMP '2024-03-31 01:02:03.450000'"
        );
        assert_eq!(
            literal(&Value::Double(f64::NAN), ValueKind::Double).unwrap(),
            "TO_BINARY_DOUBLE('NaN')"
        );
        assert_eq!(
            literal(&Value::Double(f64::NEG_INFINITY), ValueKind::Double).unwrap(),
            "TO_BINARY_DOUBLE('-Inf')"
        );
        assert_eq!(
            literal(&Value::Double(1.5), ValueKind::Double).unwrap(),
            "TO_BINARY_DOUBLE('1.5e0')"
        );
        // Long text is joined from CLOB pieces cut on character boundaries.
        let long = "é".repeat(3000);
        let l = literal(&t(&long), ValueKind::Text).unwrap();
        assert!(l.starts_with("TO_CLOB('é") && l.contains("') || TO_CLOB('"));
        let rebuilt: String = l
            .split(" || ")
            .map(|p| p.trim_start_matches("TO_CLOB('").trim_end_matches("')"))
            .collect();
        assert_eq!(rebuilt, long);
    }

    #[test]
    fn checksums_print_values_as_the_mysql_family_does() {
        let s = spec(vec![0]);
        let natives: Vec<String> = ["number", "number", "varchar2", "date"].map(String::from).to_vec();
        let types: Vec<String> = ["number(10)", "number(8,2)", "varchar2(20 char)", "date"]
            .map(String::from)
            .to_vec();
        let mut kinds = s.kinds.clone();
        kinds[1] = ValueKind::Decimal;
        let s = TableSpec { kinds, ..s };
        let q = checksum(
            &s,
            &natives,
            &types,
            &KeyRange {
                lower: None,
                upper: None,
            },
            None,
        )
        .unwrap();
        assert!(
            q.contains("NVL2(\"ID\", LENGTHB(TO_CHAR(\"ID\")) || ':' || TO_CHAR(\"ID\"), 'N')"),
            "{q}"
        );
        assert!(q.contains("TO_CHAR(\"SUB\", 'FM999990.00')"), "{q}");
        assert!(q.contains("TO_CHAR(\"HIRED\", 'YYYY-MM-DD HH24:MI:SS')"), "{q}");
        assert!(q.contains(" || '|' || "), "{q}");
        assert!(q.starts_with("SELECT COUNT(*), TO_CHAR(NVL(SUM(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH("));
    }

    #[test]
    fn replay_statements_find_rows_by_key_or_by_every_column() {
        let s = spec(vec![0]);
        let old = vec![Value::Int(1), Value::Int(2), t("a"), Value::Null];
        let new = vec![Value::Int(3), Value::Int(2), t("b"), Value::Null];
        assert_eq!(
            update(&s, &old, &new).unwrap(),
            "UPDATE \"HR\".\"EMP\" SET \"ID\" = 3, \"SUB\" = 2, \"NAME\" = 'b', \"HIRED\" = NULL WHERE \"ID\" = 1"
        );
        let keyless = spec(vec![]);
        assert_eq!(
            delete_one(&keyless, &old).unwrap(),
            "DELETE FROM \"HR\".\"EMP\" WHERE \"ID\" = 1 AND \"SUB\" = 2 AND \"NAME\" = 'a' AND \"HIRED\" IS NULL AND ROWNUM = 1"
        );
        let m = merge(&s, &new).unwrap();
        assert_eq!(
            m,
            "MERGE INTO \"HR\".\"EMP\" t USING (SELECT 3 AS \"ID\", 2 AS \"SUB\", 'b' AS \"NAME\", NULL AS \"HIRED\" FROM dual) s \
             ON (t.\"ID\" = s.\"ID\") WHEN MATCHED THEN UPDATE SET t.\"SUB\" = s.\"SUB\", t.\"NAME\" = s.\"NAME\", t.\"HIRED\" = s.\"HIRED\" \
             WHEN NOT MATCHED THEN INSERT (\"ID\", \"SUB\", \"NAME\", \"HIRED\") VALUES (s.\"ID\", s.\"SUB\", s.\"NAME\", s.\"HIRED\")"
        );
        assert_eq!(
            insert(&s),
            "INSERT INTO \"HR\".\"EMP\" (\"ID\", \"SUB\", \"NAME\", \"HIRED\") VALUES (:1, :2, :3, TO_TIMESTAMP(:4, 'YYYY-MM-DD HH24:MI:SS.FF6'))"
        );
    }

    #[test]
    fn meta_rows_are_merged_by_key() {
        let q = merge_meta(
            "OMSCTL",
            "incr_position",
            &[("project", string("p"))],
            &[("position", string("scn:5"))],
        );
        assert_eq!(
            q,
            "MERGE INTO \"OMSCTL\".\"incr_position\" t USING (SELECT 'p' AS \"project\", 'scn:5' AS \"position\" FROM dual) s \
             ON (t.\"project\" = s.\"project\") WHEN MATCHED THEN UPDATE SET t.\"position\" = s.\"position\" \
             WHEN NOT MATCHED THEN INSERT (\"project\", \"position\") VALUES (s.\"project\", s.\"position\")"
        );
        assert!(meta_tables("OMSCTL").iter().all(|s| !s.ends_with(';')));
        assert_eq!(
            checks::scn_at(86400),
            "SELECT TIMESTAMP_TO_SCN(TIMESTAMP '1970-01-01 00:00:00 +00:00' + NUMTODSINTERVAL(86400, 'SECOND')) FROM dual"
        );
    }
}
