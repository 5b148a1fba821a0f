//! Oracle types: how a column is described from ALL_TAB_COLUMNS ([`describe`]), its value
//! kind, and how an Oracle catalog is restated for a MySQL-family target
//! ([`catalog_as_mysql`]) or a PostgreSQL target ([`catalog_as_postgres`]), so that those
//! engines' DDL planners handle it exactly like one of their own sources. Every change is a
//! line of the conversion report; nothing is converted silently. `docs/oracle-types.md` holds
//! this table and the reverse direction (`ddl.rs`).
//!
//! | Oracle | MySQL family | PostgreSQL |
//! |---|---|---|
//! | NUMBER(p,0), p ≤ 2 / 4 / 9 / 18 | tinyint / smallint / int / bigint | smallint (p ≤ 4) / integer / bigint |
//! | NUMBER(p,0), p 19–38; NUMBER(*,0) | decimal(p,0); decimal(38,0) | numeric(p,0); numeric(38,0) |
//! | NUMBER(p,s), 0 < s ≤ 30 | decimal(max(p,s),s) | numeric(max(p,s),s) |
//! | NUMBER(p,s), s > 30 | decimal(…,30), lossy (decimals rounded) | numeric(max(p,s),s) |
//! | NUMBER(p,-k) | decimal(p+k,0), info (rounding to 10^k not enforced) | numeric(p+k,0), info |
//! | NUMBER | decimal(65,30), lossy (35 integer / 30 decimal digits kept) | numeric, info (exact) |
//! | FLOAT(b) | double: info for b ≤ 49 (≤ 15 digits round-trip), else lossy | numeric, info (exact) |
//! | BINARY_FLOAT / BINARY_DOUBLE | float / double, lossy (NaN, ±Inf stop the copy) | real / double precision |
//! | VARCHAR2(n BYTE) | varchar(n), info (n counts characters: wider) | character varying(n), info |
//! | VARCHAR2(n CHAR), NVARCHAR2(n) | varchar(n) (mediumtext above 16383) | character varying(n) |
//! | CHAR(n), NCHAR(n) | char(n) (varchar(n) above 255), info (MySQL strips trailing blanks) | character(n) |
//! | CLOB, NCLOB, LONG | longtext | text |
//! | BLOB, LONG RAW / RAW(n) | longblob / varbinary(n) | bytea |
//! | DATE | datetime, info (Oracle DATE holds seconds, no fraction) | timestamp(0) without time zone, info |
//! | TIMESTAMP(p) | datetime(min(p,6)), lossy when p > 6 | timestamp(min(p,6)), lossy when p > 6 |
//! | TIMESTAMP(p) WITH TIME ZONE | datetime(p) holding UTC, lossy (offset dropped) | timestamp with time zone, lossy (offset/region dropped, instant kept) |
//! | TIMESTAMP(p) WITH LOCAL TIME ZONE | datetime(p) holding UTC, info | timestamp with time zone |
//! | INTERVAL YEAR TO MONTH / DAY TO SECOND | varchar(30), Oracle's text form, lossy | interval |
//! | ROWID / UROWID(n) | varchar(18) / varchar(n), info | text, info |
//! | XMLTYPE | longtext, lossy | xml, info |
//! | JSON | json, info | jsonb, info |
//! | BOOLEAN (23ai) | tinyint(1), info | boolean |
//! | BFILE, SDO_GEOMETRY, object types, VARRAY, nested tables … | unsupported: column not created | unsupported: column not created |
//!
//! Around the types: identity columns become AUTO_INCREMENT (one per table, leading an index,
//! integer; an identity NUMBER becomes bigint) or PostgreSQL identity (bigint likewise).
//! Defaults: SYSDATE/SYSTIMESTAMP/CURRENT_TIMESTAMP become the target's current time where the
//! type is a date-time, numbers and strings are kept, `''` is NULL (Oracle's meaning), anything
//! else (`seq.NEXTVAL`, function calls) is dropped with a note. Oracle's `"C" IS NOT NULL`
//! checks are NOT NULL columns and vanish; other checks are kept when
//! [`super::condition`] can translate them, else reported and dropped. Virtual columns stay
//! generated when their expression translates, else become plain columns. Views and triggers
//! (Oracle SQL, PL/SQL) are reported. Names keep their case: the scope maps them.
//! A MySQL table is `utf8mb4` with `utf8mb4_bin`, because Oracle compares strings byte by byte
//! (NLS_COMP=BINARY): a case-insensitive collation would make distinct keys collide.

use super::condition::{self, Syntax};
use crate::engine::{Conversion, Severity};
use crate::model::catalog::{Catalog, Column, ColumnDefault, ValueKind};

/// A column's type as ALL_TAB_COLUMNS states it.
#[derive(Debug, Clone, Default)]
pub struct RawColumnType {
    /// DATA_TYPE as stored: `NUMBER`, `VARCHAR2`, `TIMESTAMP(6) WITH TIME ZONE`,
    /// `INTERVAL DAY(2) TO SECOND(6)`, `XMLTYPE` (types owned by SYS come as plain names).
    pub data_type: String,
    /// DATA_LENGTH, in bytes.
    pub data_length: u32,
    /// DATA_PRECISION: decimal digits of NUMBER, binary digits of FLOAT.
    pub precision: Option<u32>,
    /// DATA_SCALE (also the fractional-second digits of TIMESTAMP and INTERVAL DAY TO SECOND).
    pub scale: Option<i32>,
    /// CHAR_LENGTH: the declared length of character types in characters.
    pub char_length: u32,
    /// CHAR_USED: `B` (byte semantics) or `C` (character semantics).
    pub char_used: Option<char>,
}

/// `(data_type, column_type, kind)` of an Oracle column: the lower-case base name without
/// modifiers (`timestamp with time zone`), the full type as Oracle DDL writes it, lower case
/// (`varchar2(20 byte)`, `number(*,0)`, `interval day(2) to second(6)`), and the value kind.
pub fn describe(raw: &RawColumnType) -> (String, String, ValueKind) {
    let full = raw.data_type.trim().to_lowercase();
    let full = full.strip_prefix("sys.").unwrap_or(&full).trim_matches('"');
    let groups = paren_groups(full);
    let base = strip_parens(full);
    let first = groups.first().and_then(|g| g.first().copied().flatten());
    let second = groups.get(1).and_then(|g| g.first().copied().flatten());
    let fraction = first.or(raw.scale.map(i64::from)).unwrap_or(6);
    let (column_type, kind) = match base.as_str() {
        "number" => match (raw.precision, raw.scale) {
            (None, None) => ("number".to_string(), ValueKind::Decimal),
            (None, Some(s)) => (format!("number(*,{s})"), ValueKind::Decimal),
            (Some(p), None | Some(0)) => (
                format!("number({p})"),
                if p <= 18 {
                    ValueKind::Integer
                } else {
                    ValueKind::Decimal
                },
            ),
            (Some(p), Some(s)) => (format!("number({p},{s})"), ValueKind::Decimal),
        },
        "float" => (
            raw.precision.map_or("float".into(), |b| format!("float({b})")),
            ValueKind::Decimal,
        ),
        "binary_float" => (base.clone(), ValueKind::Float),
        "binary_double" => (base.clone(), ValueKind::Double),
        "varchar2" | "varchar" | "char" => {
            let (n, unit) = if raw.char_used == Some('C') {
                (raw.char_length, "char")
            } else {
                (raw.data_length, "byte")
            };
            let name = if base == "char" { "char" } else { "varchar2" };
            return (name.into(), format!("{name}({n} {unit})"), ValueKind::Text);
        }
        "nvarchar2" | "nchar" => {
            let n = if raw.char_length > 0 {
                raw.char_length
            } else {
                raw.data_length / 2
            };
            (format!("{base}({n})"), ValueKind::Text)
        }
        "date" => (base.clone(), ValueKind::DateTime),
        "timestamp" => (format!("timestamp({fraction})"), ValueKind::DateTime),
        "timestamp with time zone" => (format!("timestamp({fraction}) with time zone"), ValueKind::Timestamp),
        "timestamp with local time zone" => (
            format!("timestamp({fraction}) with local time zone"),
            ValueKind::Timestamp,
        ),
        "interval year to month" => (
            format!(
                "interval year({}) to month",
                first.or(raw.precision.map(i64::from)).unwrap_or(2)
            ),
            ValueKind::Text,
        ),
        "interval day to second" => (
            format!(
                "interval day({}) to second({})",
                first.or(raw.precision.map(i64::from)).unwrap_or(2),
                second.or(raw.scale.map(i64::from)).unwrap_or(6)
            ),
            ValueKind::Text,
        ),
        "raw" => (format!("raw({})", raw.data_length), ValueKind::Binary),
        "urowid" => (format!("urowid({})", raw.data_length), ValueKind::Text),
        "blob" | "long raw" | "bfile" => (base.clone(), ValueKind::Binary),
        "json" => (base.clone(), ValueKind::Json),
        "boolean" => (base.clone(), ValueKind::Integer),
        "sdo_geometry" => (base.clone(), ValueKind::Spatial),
        // clob, nclob, long, rowid, xmltype, and object types (reported on conversion)
        _ => (full.to_string(), ValueKind::Text),
    };
    (base, column_type, kind)
}

/// A conversion note for the report.
pub type Note = Option<(Severity, String)>;

pub(super) type Notes = Vec<(Severity, String)>;

fn info(msg: impl Into<String>) -> Notes {
    vec![(Severity::Info, msg.into())]
}

fn lossy(msg: impl Into<String>) -> Notes {
    vec![(Severity::Lossy, msg.into())]
}

fn unsupported(msg: impl Into<String>) -> Notes {
    vec![(Severity::Unsupported, msg.into())]
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::Info => 0,
        Severity::Lossy => 1,
        Severity::Unsupported => 2,
        Severity::Refused => 3,
    }
}

/// Several notes as one: the gravest severity, the messages joined.
fn merged(notes: &[(Severity, String)]) -> Note {
    let severity = notes.iter().map(|(s, _)| *s).max_by_key(|s| rank(*s))?;
    let text: Vec<&str> = notes.iter().map(|(_, m)| m.as_str()).collect();
    Some((severity, text.join("; ")))
}

/// The numbers of each parenthesised group: `number(*,0)` → [[None, Some(0)]],
/// `interval day(2) to second(6)` → [[Some(2)], [Some(6)]], `varchar2(20 byte)` → [[Some(20)]].
pub(super) fn paren_groups(full: &str) -> Vec<Vec<Option<i64>>> {
    let mut out = Vec::new();
    let mut rest = full;
    while let Some((_, r)) = rest.split_once('(') {
        let Some((inner, after)) = r.split_once(')') else { break };
        out.push(
            inner
                .split(',')
                .map(|x| x.split_whitespace().next().and_then(|n| n.parse().ok()))
                .collect(),
        );
        rest = after;
    }
    out
}

/// `timestamp(6) with time zone` → `timestamp with time zone`.
fn strip_parens(full: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in full.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What an Oracle column type declares, read back from the `column_type` [`describe`] wrote.
#[derive(Debug, Clone, Copy)]
struct Decl {
    /// Digits of NUMBER (None: `*` or absent), bits of FLOAT, length of character and RAW
    /// types, fractional digits of TIMESTAMP, leading digits of INTERVAL.
    first: Option<i64>,
    /// Scale of NUMBER, fractional digits of INTERVAL DAY TO SECOND.
    second: Option<i64>,
    /// Length in characters (`CHAR`), not bytes.
    char_unit: bool,
}

fn decl(c: &Column) -> Decl {
    let ct = c.column_type.to_lowercase();
    let groups = paren_groups(&ct);
    let g0 = groups.first().cloned().unwrap_or_default();
    let first = g0.first().copied().flatten();
    let second = if c.data_type == "interval day to second" {
        groups.get(1).and_then(|g| g.first().copied().flatten())
    } else {
        g0.get(1).copied().flatten()
    };
    let char_unit = matches!(c.data_type.as_str(), "nvarchar2" | "nchar") || ct.contains(" char)");
    Decl {
        first,
        second,
        char_unit,
    }
}

/// Where a catalog is restated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    MySql,
    Postgres,
}

impl Target {
    pub(super) fn name(self) -> &'static str {
        match self {
            Target::MySql => "MySQL",
            Target::Postgres => "PostgreSQL",
        }
    }
}

/// Types no target can hold; their columns are not created.
fn unsupported_type(c: &Column) -> Option<Notes> {
    let why = match c.data_type.as_str() {
        "bfile" => "BFILE points to a file on the Oracle server, which is not copied",
        "sdo_geometry" => "SDO_GEOMETRY (Oracle Spatial) is not converted",
        "anydata" | "anytype" | "anydataset" => "ANYDATA values carry their own type and are not converted",
        "vector" => "VECTOR (23ai) is not converted",
        "mlslabel" => "MLSLABEL is not converted",
        t if KNOWN.contains(&t) => return None,
        _ => "user-defined object, VARRAY and nested-table types are not converted",
    };
    Some(unsupported(format!(
        "{why}: the column is not created; add \"{}\" to the table's exclude_columns, or the copy stops",
        c.name
    )))
}

const KNOWN: [&str; 27] = [
    "number",
    "float",
    "binary_float",
    "binary_double",
    "varchar2",
    "nvarchar2",
    "char",
    "nchar",
    "date",
    "timestamp",
    "timestamp with time zone",
    "timestamp with local time zone",
    "interval year to month",
    "interval day to second",
    "clob",
    "nclob",
    "long",
    "blob",
    "long raw",
    "raw",
    "rowid",
    "urowid",
    "xmltype",
    "json",
    "boolean",
    "bfile",
    "sdo_geometry",
];

/// MySQL integer or decimal for NUMBER(p,s) (`p` None: `*`, 38 digits).
fn mysql_number(p: Option<i64>, s: Option<i64>, ct: &str) -> (String, Notes) {
    match (p, s) {
        (None, None) => (
            "decimal(65,30)".into(),
            lossy(
                "NUMBER without precision holds 38 significant digits at any scale, which no MySQL type does: \
                 decimal(65,30) keeps 35 integer and 30 decimal digits; larger values stop the copy, \
                 further decimals are rounded",
            ),
        ),
        (None, s) => mysql_number(Some(38), s, ct),
        (Some(p), None | Some(0)) => (
            match p {
                ..=2 => "tinyint".into(),
                3..=4 => "smallint".into(),
                5..=9 => "int".into(),
                10..=18 => "bigint".into(),
                _ => format!("decimal({p},0)"),
            },
            Vec::new(),
        ),
        (Some(p), Some(s)) if s < 0 => {
            let digits = p - s;
            if digits <= 65 {
                (
                    format!("decimal({digits},0)"),
                    info(format!(
                        "{ct} rounds to multiples of 1e{}: decimal({digits},0) keeps every value, MySQL does not round new ones",
                        -s
                    )),
                )
            } else {
                (
                    "decimal(65,0)".into(),
                    lossy(format!(
                        "{ct} becomes decimal(65,0): values above 65 digits stop the copy"
                    )),
                )
            }
        }
        (Some(p), Some(s)) => {
            let int_digits = (p - s).max(0);
            if s <= 30 {
                let prec = (int_digits + s).max(1);
                let note = if s > p {
                    info(format!("{ct} becomes decimal({prec},{s}), which holds every value"))
                } else {
                    Vec::new()
                };
                (format!("decimal({prec},{s})"), note)
            } else {
                let prec = (int_digits + 30).max(1);
                (
                    format!("decimal({prec},30)"),
                    lossy(format!(
                        "{ct} has more than 30 decimals: decimal({prec},30) rounds the digits beyond the 30th"
                    )),
                )
            }
        }
    }
}

/// The MySQL spelling of an Oracle column's type.
fn mysql_type(c: &Column) -> (String, Notes) {
    let d = decl(c);
    let ct = c.column_type.as_str();
    let n = d.first.unwrap_or(1).max(1);
    let fsp = d.first.unwrap_or(6);
    match c.data_type.as_str() {
        "number" => mysql_number(d.first, d.second, ct),
        "float" => {
            let bits = d.first.unwrap_or(126);
            if bits <= 49 {
                (
                    "double".into(),
                    info(format!(
                        "{ct} holds at most 15 significant digits, which double keeps exactly"
                    )),
                )
            } else {
                (
                    "double".into(),
                    lossy(format!(
                        "{ct} is a decimal NUMBER of up to {} digits: double keeps about 15, further digits are rounded",
                        (bits as f64 * std::f64::consts::LOG10_2).ceil() as i64
                    )),
                )
            }
        }
        "binary_float" => (
            "float".into(),
            lossy("BINARY_FLOAT becomes float: NaN and ±Infinity cannot be stored and stop the copy"),
        ),
        "binary_double" => (
            "double".into(),
            lossy("BINARY_DOUBLE becomes double: NaN and ±Infinity cannot be stored and stop the copy"),
        ),
        "varchar2" | "nvarchar2" => {
            let ty = if n <= 16_383 {
                format!("varchar({n})")
            } else {
                "mediumtext".into()
            };
            let note = if d.char_unit {
                Vec::new()
            } else {
                info(format!(
                    "{ct} counts bytes, {ty} counts characters (utf8mb4): the column is wider"
                ))
            };
            (ty, note)
        }
        "char" | "nchar" => {
            let ty = if n <= 255 {
                format!("char({n})")
            } else {
                format!("varchar({n})")
            };
            let mut note = if d.char_unit {
                String::new()
            } else {
                format!("{ct} counts bytes, {ty} counts characters (utf8mb4): the column is wider; ")
            };
            if n <= 255 {
                note.push_str("Oracle pads CHAR values with blanks, MySQL returns them without trailing blanks");
            } else {
                note.push_str("the values keep Oracle's blank padding");
            }
            (ty, info(note))
        }
        "clob" | "nclob" | "long" => ("longtext".into(), Vec::new()),
        "blob" | "long raw" => ("longblob".into(), Vec::new()),
        "raw" => (format!("varbinary({n})"), Vec::new()),
        "date" => (
            "datetime".into(),
            info("Oracle DATE holds a time of day to the second: datetime, no fraction"),
        ),
        "timestamp" if fsp > 6 => (
            "datetime(6)".into(),
            lossy(format!(
                "{ct} becomes datetime(6): digits beyond microseconds are rounded"
            )),
        ),
        "timestamp" => (format!("datetime({fsp})"), Vec::new()),
        "timestamp with time zone" => (
            format!("datetime({})", fsp.min(6)),
            lossy(format!(
                "{ct} becomes datetime({}): the zone offset is dropped, the value is stored in UTC",
                fsp.min(6)
            )),
        ),
        "timestamp with local time zone" => (
            format!("datetime({})", fsp.min(6)),
            info(format!(
                "{ct} becomes datetime({}) holding UTC (Oracle normalizes these values to the database time zone)",
                fsp.min(6)
            )),
        ),
        "interval year to month" | "interval day to second" => (
            "varchar(30)".into(),
            lossy(format!(
                "{ct} has no MySQL type: stored as Oracle's text form ({}); interval arithmetic is lost",
                if c.data_type == "interval year to month" {
                    "+02-03"
                } else {
                    "+01 02:03:04.500000"
                }
            )),
        ),
        "rowid" => (
            "varchar(18)".into(),
            info("ROWID becomes its text form; rowids point into the source database"),
        ),
        "urowid" => (
            format!("varchar({n})"),
            info("UROWID becomes its text form; rowids point into the source database"),
        ),
        "xmltype" => (
            "longtext".into(),
            lossy("XMLTYPE becomes longtext holding the document: XML validation and XML indexes are lost"),
        ),
        "json" => (
            "json".into(),
            info("JSON becomes MySQL JSON: key order and duplicate keys are normalized"),
        ),
        "boolean" => (
            "tinyint(1)".into(),
            info("BOOLEAN becomes tinyint(1): true/false are stored as 1/0"),
        ),
        other => ("longtext".into(), lossy(format!("{other} is stored as text"))),
    }
}

/// The PostgreSQL spelling of an Oracle column's type (as `format_type` writes it).
fn pg_type(c: &Column) -> (String, Notes) {
    let d = decl(c);
    let ct = c.column_type.as_str();
    let n = d.first.unwrap_or(1).max(1);
    let fsp = d.first.unwrap_or(6);
    match c.data_type.as_str() {
        "number" => match (d.first, d.second) {
            (None, None) => (
                "numeric".into(),
                info("NUMBER without precision becomes numeric without precision: every value is kept"),
            ),
            (None, Some(0)) => ("numeric(38,0)".into(), Vec::new()),
            (None, Some(s)) if s > 0 => (format!("numeric(38,{s})"), Vec::new()),
            (Some(p), None | Some(0)) => (
                match p {
                    ..=4 => "smallint".into(),
                    5..=9 => "integer".into(),
                    10..=18 => "bigint".into(),
                    _ => format!("numeric({p},0)"),
                },
                Vec::new(),
            ),
            (p, Some(s)) if s < 0 => {
                let digits = p.unwrap_or(38) - s;
                (
                    format!("numeric({digits},0)"),
                    info(format!(
                        "{ct} rounds to multiples of 1e{}: numeric({digits},0) keeps every value, PostgreSQL does not round new ones",
                        -s
                    )),
                )
            }
            (Some(p), Some(s)) if s > p => (
                format!("numeric({s},{s})"),
                info(format!("{ct} becomes numeric({s},{s}), which holds every value")),
            ),
            (Some(p), Some(s)) => (format!("numeric({p},{s})"), Vec::new()),
            (None, Some(_)) => ("numeric".into(), Vec::new()),
        },
        "float" => (
            "numeric".into(),
            info(format!(
                "{ct} is a decimal NUMBER: numeric keeps every value exactly (double precision would round)"
            )),
        ),
        "binary_float" => ("real".into(), Vec::new()),
        "binary_double" => ("double precision".into(), Vec::new()),
        "varchar2" | "nvarchar2" => {
            let ty = format!("character varying({n})");
            let note = if d.char_unit {
                Vec::new()
            } else {
                info(format!(
                    "{ct} counts bytes, {ty} counts characters: the column is wider"
                ))
            };
            (ty, note)
        }
        "char" | "nchar" => {
            let ty = format!("character({n})");
            let note = if d.char_unit {
                Vec::new()
            } else {
                info(format!(
                    "{ct} counts bytes, {ty} counts characters: the column is wider"
                ))
            };
            (ty, note)
        }
        "clob" | "nclob" | "long" => ("text".into(), Vec::new()),
        "blob" | "long raw" | "raw" => ("bytea".into(), Vec::new()),
        "date" => (
            "timestamp(0) without time zone".into(),
            info("Oracle DATE holds a time of day to the second: timestamp(0)"),
        ),
        "timestamp" if fsp > 6 => (
            "timestamp(6) without time zone".into(),
            lossy(format!(
                "{ct} becomes timestamp(6): digits beyond microseconds are rounded"
            )),
        ),
        "timestamp" => (format!("timestamp({fsp}) without time zone"), Vec::new()),
        "timestamp with time zone" => (
            format!("timestamp({}) with time zone", fsp.min(6)),
            lossy(format!(
                "{ct} becomes timestamp with time zone: the instant is kept, its offset or region is not"
            )),
        ),
        "timestamp with local time zone" => (format!("timestamp({}) with time zone", fsp.min(6)), Vec::new()),
        "interval day to second" if d.second.is_some_and(|f| f > 6) => (
            "interval".into(),
            lossy(format!("{ct} becomes interval: digits beyond microseconds are rounded")),
        ),
        "interval year to month" | "interval day to second" => ("interval".into(), Vec::new()),
        "rowid" | "urowid" => (
            "text".into(),
            info(format!(
                "{ct} becomes its text form; rowids point into the source database"
            )),
        ),
        "xmltype" => (
            "xml".into(),
            info("XMLTYPE becomes xml (PostgreSQL must be built with libxml, as packaged builds are)"),
        ),
        "json" => (
            "jsonb".into(),
            info("JSON becomes jsonb: key order and duplicate keys are normalized"),
        ),
        "boolean" => ("boolean".into(), Vec::new()),
        other => ("text".into(), lossy(format!("{other} is stored as text"))),
    }
}

/// `character varying(20)` → `character varying`, `timestamp(6) with time zone` →
/// `timestamp with time zone`, `tinyint(1)` → `tinyint`.
fn base_name(ty: &str) -> String {
    strip_parens(ty)
}

/// An Oracle default, as ALL_TAB_COLUMNS.DATA_DEFAULT states it (the reader passes the text
/// as [`ColumnDefault::Expression`]).
#[derive(Debug, PartialEq)]
enum OracleDefault {
    None,
    Null,
    Number(String),
    Text(String),
    Now,
    Other(String),
}

fn oracle_default(d: &ColumnDefault) -> OracleDefault {
    let e = match d {
        ColumnDefault::None => return OracleDefault::None,
        ColumnDefault::Null => return OracleDefault::Null,
        ColumnDefault::Literal(v) if v.is_empty() => return OracleDefault::Null,
        ColumnDefault::Literal(v) => return OracleDefault::Text(v.clone()),
        ColumnDefault::Expression(e) => e,
    };
    let mut e = e.trim();
    while let Some(inner) = e.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        e = inner.trim();
    }
    let upper = e.to_uppercase();
    if upper == "NULL" || e.is_empty() {
        return OracleDefault::Null;
    }
    if e.parse::<f64>().is_ok() && !upper.contains("INF") && !upper.contains("NAN") {
        return OracleDefault::Number(e.to_string());
    }
    let text = e.strip_prefix(['N', 'n']).filter(|r| r.starts_with('\'')).unwrap_or(e);
    if let Some(body) = text.strip_prefix('\'').and_then(|r| r.strip_suffix('\''))
        && !body.replace("''", "").contains('\'')
    {
        // '' is NULL in Oracle: the default inserts NULL.
        return if body.is_empty() {
            OracleDefault::Null
        } else {
            OracleDefault::Text(body.replace("''", "'"))
        };
    }
    let word = upper.split('(').next().unwrap_or(&upper).trim();
    if matches!(
        word,
        "SYSDATE" | "SYSTIMESTAMP" | "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "LOCALTIMESTAMP"
    ) {
        return OracleDefault::Now;
    }
    OracleDefault::Other(e.to_string())
}

fn numeric_kind(k: ValueKind) -> bool {
    matches!(
        k,
        ValueKind::Integer | ValueKind::Decimal | ValueKind::Float | ValueKind::Double
    )
}

/// The default of `out` (already restated for `target`) from Oracle's `c.default`.
fn target_default(c: &Column, out: &Column, target: Target) -> (ColumnDefault, Notes) {
    if c.auto_increment || c.generated.is_some() {
        return (ColumnDefault::None, Vec::new());
    }
    let lob_mysql = target == Target::MySql && mysql_needs_expression_default(&out.data_type);
    match oracle_default(&c.default) {
        OracleDefault::None => (ColumnDefault::None, Vec::new()),
        OracleDefault::Null => (ColumnDefault::Null, Vec::new()),
        OracleDefault::Number(n) if numeric_kind(out.kind) => (ColumnDefault::Expression(n), Vec::new()),
        OracleDefault::Number(v) | OracleDefault::Text(v) if lob_mysql => (mysql_expression_default(&v), Vec::new()),
        OracleDefault::Number(v) | OracleDefault::Text(v) => (ColumnDefault::Literal(v), Vec::new()),
        OracleDefault::Now if matches!(out.kind, ValueKind::DateTime | ValueKind::Timestamp) => {
            let fsp = paren_groups(&out.column_type)
                .first()
                .and_then(|g| g.first().copied().flatten())
                .unwrap_or(0);
            let expr = match target {
                Target::MySql if fsp > 0 => format!("CURRENT_TIMESTAMP({fsp})"),
                Target::MySql => "CURRENT_TIMESTAMP".into(),
                Target::Postgres if out.kind == ValueKind::Timestamp => "CURRENT_TIMESTAMP".into(),
                Target::Postgres => "LOCALTIMESTAMP".into(),
            };
            let note = info(format!(
                "default {} becomes {expr}, evaluated in the session's time zone instead of the Oracle host's",
                default_text(&c.default)
            ));
            (ColumnDefault::Expression(expr), note)
        }
        OracleDefault::Now => (
            ColumnDefault::None,
            lossy(format!(
                "default {} does not fit a {} column: dropped",
                default_text(&c.default),
                out.column_type
            )),
        ),
        OracleDefault::Other(e) if e.to_uppercase().contains("NEXTVAL") => (
            ColumnDefault::None,
            lossy(format!(
                "default {e} draws from an Oracle sequence, which is not migrated: dropped (an identity column or the application must supply values)"
            )),
        ),
        OracleDefault::Other(e) => (
            ColumnDefault::None,
            lossy(format!(
                "default {e} is Oracle SQL with no {} form: dropped",
                target.name()
            )),
        ),
    }
}

/// MySQL takes defaults of TEXT, BLOB and JSON columns only as expressions (8.0.13+).
pub(super) fn mysql_needs_expression_default(data_type: &str) -> bool {
    matches!(
        data_type,
        "text" | "mediumtext" | "longtext" | "blob" | "mediumblob" | "longblob" | "json"
    )
}

/// A literal default as the expression MySQL accepts on TEXT, BLOB and JSON columns.
pub(super) fn mysql_expression_default(v: &str) -> ColumnDefault {
    ColumnDefault::Expression(format!("({})", crate::engine::mysql::dialect::string_literal(v)))
}

fn default_text(d: &ColumnDefault) -> String {
    match d {
        ColumnDefault::Expression(e) | ColumnDefault::Literal(e) => e.trim().to_string(),
        ColumnDefault::Null => "NULL".into(),
        ColumnDefault::None => String::new(),
    }
}

/// A column restated for `target`, with every note; `None` when the type has no counterpart
/// (the column is not created).
pub(super) fn convert(c: &Column, target: Target, table_columns: &[String]) -> (Option<Column>, Notes) {
    if let Some(notes) = unsupported_type(c) {
        return (None, notes);
    }
    let (mut ty, mut notes) = match target {
        Target::MySql => mysql_type(c),
        Target::Postgres => pg_type(c),
    };
    let kind_of = |ty: &str| {
        let base = base_name(ty);
        match target {
            Target::MySql if ty.starts_with("tinyint(1)") => ValueKind::Integer,
            Target::MySql => crate::engine::mysql::value_kind(&base),
            Target::Postgres => crate::engine::postgres::types::kind_of(&base, "b", ""),
        }
    };
    // Identity columns must be integers on both targets.
    if c.auto_increment && kind_of(&ty) != ValueKind::Integer {
        ty = "bigint".into();
        notes = lossy(format!(
            "identity {} becomes bigint: values above 9223372036854775807 cannot be stored",
            c.column_type
        ));
    }
    let mut out = c.clone();
    out.data_type = base_name(&ty);
    out.kind = kind_of(&ty);
    out.column_type = ty;
    out.charset = None;
    out.collation = None;
    out.on_update = None;
    out.labels = Vec::new();
    out.auto_increment = c.auto_increment;
    if let Some((expr, stored)) = &c.generated {
        let syntax = match target {
            Target::MySql => Syntax::MySql,
            Target::Postgres => Syntax::Postgres,
        };
        match condition::translate(expr, Syntax::Oracle, syntax, table_columns) {
            Some(e) => out.generated = Some((e, *stored)),
            None => {
                out.generated = None;
                notes.extend(lossy(format!(
                    "virtual column ({}) is Oracle SQL with no {} form: created as a plain column, which the copy leaves empty (generated columns are not copied)",
                    expr.trim(),
                    target.name()
                )));
            }
        }
    }
    let (default, default_notes) = target_default(c, &out, target);
    out.default = default;
    notes.extend(default_notes);
    (Some(out), notes)
}

/// The column as a MySQL-family table declares it (type, kind and default in MySQL terms, no
/// character set or collation of its own); the note says what changes. A type MySQL cannot
/// hold comes back unchanged with an `Unsupported` note: [`catalog_as_mysql`] drops it.
pub fn to_mysql(c: &Column) -> (Column, Note) {
    let (out, notes) = convert(c, Target::MySql, std::slice::from_ref(&c.name));
    (out.unwrap_or_else(|| c.clone()), merged(&notes))
}

/// The PostgreSQL type of an Oracle column, with what changes.
pub fn to_postgres(c: &Column) -> (String, Note) {
    let (out, notes) = convert(c, Target::Postgres, std::slice::from_ref(&c.name));
    (
        out.map_or_else(|| c.column_type.clone(), |o| o.column_type),
        merged(&notes),
    )
}

/// An Oracle catalog in MySQL terms, ready for the MySQL DDL planner (called with a MySQL
/// source), and the conversion notes.
pub fn catalog_as_mysql(catalog: &Catalog) -> (Catalog, Vec<Conversion>) {
    super::restate::restate(catalog, Target::MySql)
}

/// An Oracle catalog in PostgreSQL terms (`column_type` as `format_type` writes it), ready
/// for the PostgreSQL DDL planner called with a PostgreSQL source, and the conversion notes.
pub fn catalog_as_postgres(catalog: &Catalog) -> (Catalog, Vec<Conversion>) {
    super::restate::restate(catalog, Target::Postgres)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(data_type: &str, len: u32, p: Option<u32>, s: Option<i32>, chars: u32, used: Option<char>) -> RawColumnType {
        RawColumnType {
            data_type: data_type.into(),
            data_length: len,
            precision: p,
            scale: s,
            char_length: chars,
            char_used: used,
        }
    }

    fn col(name: &str, r: &RawColumnType) -> Column {
        let (data_type, column_type, kind) = describe(r);
        Column {
            name: name.into(),
            data_type,
            column_type,
            kind,
            nullable: true,
            default: ColumnDefault::None,
            auto_increment: false,
            on_update: None,
            generated: None,
            charset: None,
            collation: None,
            comment: String::new(),
            labels: Vec::new(),
        }
    }

    #[test]
    fn all_tab_columns_rows_are_described_as_oracle_ddl_writes_them() {
        use ValueKind::*;
        let cases = [
            (
                raw("NUMBER", 22, Some(10), Some(2), 0, None),
                "number",
                "number(10,2)",
                Decimal,
            ),
            (
                raw("NUMBER", 22, Some(10), Some(0), 0, None),
                "number",
                "number(10)",
                Integer,
            ),
            (
                raw("NUMBER", 22, Some(19), Some(0), 0, None),
                "number",
                "number(19)",
                Decimal,
            ),
            (raw("NUMBER", 22, None, None, 0, None), "number", "number", Decimal),
            (
                raw("NUMBER", 22, None, Some(0), 0, None),
                "number",
                "number(*,0)",
                Decimal,
            ),
            (
                raw("NUMBER", 22, Some(5), Some(-2), 0, None),
                "number",
                "number(5,-2)",
                Decimal,
            ),
            (
                raw("FLOAT", 22, Some(126), None, 0, None),
                "float",
                "float(126)",
                Decimal,
            ),
            (
                raw("BINARY_FLOAT", 4, None, None, 0, None),
                "binary_float",
                "binary_float",
                Float,
            ),
            (
                raw("BINARY_DOUBLE", 8, None, None, 0, None),
                "binary_double",
                "binary_double",
                Double,
            ),
            (
                raw("VARCHAR2", 20, None, None, 20, Some('B')),
                "varchar2",
                "varchar2(20 byte)",
                Text,
            ),
            (
                raw("VARCHAR2", 80, None, None, 20, Some('C')),
                "varchar2",
                "varchar2(20 char)",
                Text,
            ),
            (
                raw("NVARCHAR2", 200, None, None, 100, Some('C')),
                "nvarchar2",
                "nvarchar2(100)",
                Text,
            ),
            (raw("CHAR", 12, None, None, 3, Some('C')), "char", "char(3 char)", Text),
            (raw("NCHAR", 2, None, None, 1, Some('C')), "nchar", "nchar(1)", Text),
            (raw("DATE", 7, None, None, 0, None), "date", "date", DateTime),
            (
                raw("TIMESTAMP(6)", 11, None, Some(6), 0, None),
                "timestamp",
                "timestamp(6)",
                DateTime,
            ),
            (
                raw("TIMESTAMP(3) WITH TIME ZONE", 13, None, Some(3), 0, None),
                "timestamp with time zone",
                "timestamp(3) with time zone",
                Timestamp,
            ),
            (
                raw("TIMESTAMP(6) WITH LOCAL TIME ZONE", 11, None, Some(6), 0, None),
                "timestamp with local time zone",
                "timestamp(6) with local time zone",
                Timestamp,
            ),
            (
                raw("INTERVAL YEAR(2) TO MONTH", 5, Some(2), Some(0), 0, None),
                "interval year to month",
                "interval year(2) to month",
                Text,
            ),
            (
                raw("INTERVAL DAY(2) TO SECOND(6)", 11, Some(2), Some(6), 0, None),
                "interval day to second",
                "interval day(2) to second(6)",
                Text,
            ),
            (raw("CLOB", 4000, None, None, 0, None), "clob", "clob", Text),
            (raw("NCLOB", 4000, None, None, 0, None), "nclob", "nclob", Text),
            (raw("LONG", 0, None, None, 0, None), "long", "long", Text),
            (raw("BLOB", 4000, None, None, 0, None), "blob", "blob", Binary),
            (raw("LONG RAW", 0, None, None, 0, None), "long raw", "long raw", Binary),
            (raw("RAW", 16, None, None, 0, None), "raw", "raw(16)", Binary),
            (raw("ROWID", 10, None, None, 0, None), "rowid", "rowid", Text),
            (raw("UROWID", 4000, None, None, 0, None), "urowid", "urowid(4000)", Text),
            (raw("XMLTYPE", 2000, None, None, 0, None), "xmltype", "xmltype", Text),
            (raw("JSON", 8200, None, None, 0, None), "json", "json", Json),
            (raw("BFILE", 530, None, None, 0, None), "bfile", "bfile", Binary),
            (
                raw("SDO_GEOMETRY", 1, None, None, 0, None),
                "sdo_geometry",
                "sdo_geometry",
                Spatial,
            ),
            (raw("ADDRESS_T", 1, None, None, 0, None), "address_t", "address_t", Text),
        ];
        for (r, dt, ct, kind) in cases {
            assert_eq!(describe(&r), (dt.to_string(), ct.to_string(), kind), "{}", r.data_type);
        }
    }

    fn mysql(r: RawColumnType) -> (String, Option<Severity>) {
        let (c, note) = to_mysql(&col("C", &r));
        (c.column_type, note.map(|(s, _)| s))
    }

    #[test]
    fn oracle_types_map_to_mysql_with_a_note_for_every_change() {
        use Severity::*;
        let n = |p: Option<u32>, s: Option<i32>| raw("NUMBER", 22, p, s, 0, None);
        let cases = [
            (n(Some(2), Some(0)), "tinyint", None),
            (n(Some(4), Some(0)), "smallint", None),
            (n(Some(9), Some(0)), "int", None),
            (n(Some(18), Some(0)), "bigint", None),
            (n(Some(19), Some(0)), "decimal(19,0)", None),
            (n(None, Some(0)), "decimal(38,0)", None),
            (n(Some(8), Some(2)), "decimal(8,2)", None),
            (n(Some(2), Some(5)), "decimal(5,5)", Some(Info)),
            (n(Some(38), Some(35)), "decimal(33,30)", Some(Lossy)),
            (n(Some(5), Some(-2)), "decimal(7,0)", Some(Info)),
            (n(None, None), "decimal(65,30)", Some(Lossy)),
            (raw("FLOAT", 22, Some(126), None, 0, None), "double", Some(Lossy)),
            (raw("FLOAT", 22, Some(49), None, 0, None), "double", Some(Info)),
            (raw("BINARY_FLOAT", 4, None, None, 0, None), "float", Some(Lossy)),
            (raw("BINARY_DOUBLE", 8, None, None, 0, None), "double", Some(Lossy)),
            (
                raw("VARCHAR2", 20, None, None, 20, Some('B')),
                "varchar(20)",
                Some(Info),
            ),
            (raw("VARCHAR2", 80, None, None, 20, Some('C')), "varchar(20)", None),
            (
                raw("VARCHAR2", 32767, None, None, 32767, Some('B')),
                "mediumtext",
                Some(Info),
            ),
            (raw("NVARCHAR2", 200, None, None, 100, Some('C')), "varchar(100)", None),
            (raw("CHAR", 3, None, None, 3, Some('C')), "char(3)", Some(Info)),
            (
                raw("CHAR", 2000, None, None, 2000, Some('B')),
                "varchar(2000)",
                Some(Info),
            ),
            (raw("NCHAR", 2, None, None, 1, Some('C')), "char(1)", Some(Info)),
            (raw("CLOB", 4000, None, None, 0, None), "longtext", None),
            (raw("NCLOB", 4000, None, None, 0, None), "longtext", None),
            (raw("LONG", 0, None, None, 0, None), "longtext", None),
            (raw("BLOB", 4000, None, None, 0, None), "longblob", None),
            (raw("LONG RAW", 0, None, None, 0, None), "longblob", None),
            (raw("RAW", 16, None, None, 0, None), "varbinary(16)", None),
            (raw("DATE", 7, None, None, 0, None), "datetime", Some(Info)),
            (raw("TIMESTAMP(6)", 11, None, Some(6), 0, None), "datetime(6)", None),
            (
                raw("TIMESTAMP(9)", 11, None, Some(9), 0, None),
                "datetime(6)",
                Some(Lossy),
            ),
            (
                raw("TIMESTAMP(3) WITH TIME ZONE", 13, None, Some(3), 0, None),
                "datetime(3)",
                Some(Lossy),
            ),
            (
                raw("TIMESTAMP(6) WITH LOCAL TIME ZONE", 11, None, Some(6), 0, None),
                "datetime(6)",
                Some(Info),
            ),
            (
                raw("INTERVAL YEAR(2) TO MONTH", 5, Some(2), Some(0), 0, None),
                "varchar(30)",
                Some(Lossy),
            ),
            (
                raw("INTERVAL DAY(2) TO SECOND(6)", 11, Some(2), Some(6), 0, None),
                "varchar(30)",
                Some(Lossy),
            ),
            (raw("ROWID", 10, None, None, 0, None), "varchar(18)", Some(Info)),
            (raw("UROWID", 4000, None, None, 0, None), "varchar(4000)", Some(Info)),
            (raw("XMLTYPE", 2000, None, None, 0, None), "longtext", Some(Lossy)),
            (raw("JSON", 8200, None, None, 0, None), "json", Some(Info)),
            (raw("BOOLEAN", 1, None, None, 0, None), "tinyint(1)", Some(Info)),
            (raw("BFILE", 530, None, None, 0, None), "bfile", Some(Unsupported)),
            (
                raw("SDO_GEOMETRY", 1, None, None, 0, None),
                "sdo_geometry",
                Some(Unsupported),
            ),
            (raw("ADDRESS_T", 1, None, None, 0, None), "address_t", Some(Unsupported)),
        ];
        for (r, want, severity) in cases {
            let name = r.data_type.clone();
            assert_eq!(mysql(r), (want.to_string(), severity), "{name}");
        }
    }

    #[test]
    fn mysql_kinds_follow_the_mysql_type() {
        let (c, _) = to_mysql(&col("C", &raw("NUMBER", 22, Some(6), Some(0), 0, None)));
        assert_eq!((c.data_type.as_str(), c.kind), ("int", ValueKind::Integer));
        let (c, _) = to_mysql(&col("C", &raw("DATE", 7, None, None, 0, None)));
        assert_eq!((c.data_type.as_str(), c.kind), ("datetime", ValueKind::DateTime));
        let (c, _) = to_mysql(&col("C", &raw("JSON", 7, None, None, 0, None)));
        assert_eq!(c.kind, ValueKind::Json);
        let (c, _) = to_mysql(&col("C", &raw("BOOLEAN", 1, None, None, 0, None)));
        assert_eq!((c.data_type.as_str(), c.kind), ("tinyint", ValueKind::Integer));
    }

    fn pg(r: RawColumnType) -> (String, Option<Severity>) {
        let (ty, note) = to_postgres(&col("C", &r));
        (ty, note.map(|(s, _)| s))
    }

    #[test]
    fn oracle_types_map_to_postgres() {
        use Severity::*;
        let n = |p: Option<u32>, s: Option<i32>| raw("NUMBER", 22, p, s, 0, None);
        let cases = [
            (n(Some(4), Some(0)), "smallint", None),
            (n(Some(9), Some(0)), "integer", None),
            (n(Some(18), Some(0)), "bigint", None),
            (n(Some(30), Some(0)), "numeric(30,0)", None),
            (n(None, Some(0)), "numeric(38,0)", None),
            (n(Some(8), Some(2)), "numeric(8,2)", None),
            (n(Some(2), Some(5)), "numeric(5,5)", Some(Info)),
            (n(Some(5), Some(-2)), "numeric(7,0)", Some(Info)),
            (n(None, None), "numeric", Some(Info)),
            (raw("FLOAT", 22, Some(126), None, 0, None), "numeric", Some(Info)),
            (raw("BINARY_FLOAT", 4, None, None, 0, None), "real", None),
            (raw("BINARY_DOUBLE", 8, None, None, 0, None), "double precision", None),
            (
                raw("VARCHAR2", 20, None, None, 20, Some('B')),
                "character varying(20)",
                Some(Info),
            ),
            (
                raw("VARCHAR2", 80, None, None, 20, Some('C')),
                "character varying(20)",
                None,
            ),
            (
                raw("NVARCHAR2", 200, None, None, 100, Some('C')),
                "character varying(100)",
                None,
            ),
            (raw("CHAR", 12, None, None, 3, Some('C')), "character(3)", None),
            (raw("CLOB", 4000, None, None, 0, None), "text", None),
            (raw("LONG", 0, None, None, 0, None), "text", None),
            (raw("BLOB", 4000, None, None, 0, None), "bytea", None),
            (raw("RAW", 16, None, None, 0, None), "bytea", None),
            (raw("LONG RAW", 0, None, None, 0, None), "bytea", None),
            (
                raw("DATE", 7, None, None, 0, None),
                "timestamp(0) without time zone",
                Some(Info),
            ),
            (
                raw("TIMESTAMP(6)", 11, None, Some(6), 0, None),
                "timestamp(6) without time zone",
                None,
            ),
            (
                raw("TIMESTAMP(9)", 11, None, Some(9), 0, None),
                "timestamp(6) without time zone",
                Some(Lossy),
            ),
            (
                raw("TIMESTAMP(3) WITH TIME ZONE", 13, None, Some(3), 0, None),
                "timestamp(3) with time zone",
                Some(Lossy),
            ),
            (
                raw("TIMESTAMP(6) WITH LOCAL TIME ZONE", 11, None, Some(6), 0, None),
                "timestamp(6) with time zone",
                None,
            ),
            (
                raw("INTERVAL YEAR(2) TO MONTH", 5, Some(2), Some(0), 0, None),
                "interval",
                None,
            ),
            (
                raw("INTERVAL DAY(2) TO SECOND(6)", 11, Some(2), Some(6), 0, None),
                "interval",
                None,
            ),
            (raw("ROWID", 10, None, None, 0, None), "text", Some(Info)),
            (raw("XMLTYPE", 2000, None, None, 0, None), "xml", Some(Info)),
            (raw("JSON", 8200, None, None, 0, None), "jsonb", Some(Info)),
            (raw("BOOLEAN", 1, None, None, 0, None), "boolean", None),
            (
                raw("SDO_GEOMETRY", 1, None, None, 0, None),
                "sdo_geometry",
                Some(Unsupported),
            ),
        ];
        for (r, want, severity) in cases {
            let name = r.data_type.clone();
            assert_eq!(pg(r), (want.to_string(), severity), "{name}");
        }
    }

    #[test]
    fn identity_columns_become_integer_auto_increment_and_identity() {
        let mut c = col("ID", &raw("NUMBER", 22, None, None, 0, None));
        c.auto_increment = true;
        c.nullable = false;
        let (m, note) = to_mysql(&c);
        assert_eq!((m.column_type.as_str(), m.auto_increment), ("bigint", true));
        assert_eq!(note.map(|n| n.0), Some(Severity::Lossy));
        assert_eq!(to_postgres(&c).0, "bigint");
        let mut c = col("ID", &raw("NUMBER", 22, Some(6), Some(0), 0, None));
        c.auto_increment = true;
        assert_eq!(to_mysql(&c).1, None);
        assert_eq!(to_postgres(&c).0, "integer");
    }

    #[test]
    fn oracle_defaults_are_read() {
        let e = |s: &str| oracle_default(&ColumnDefault::Expression(s.into()));
        assert_eq!(e("SYSDATE "), OracleDefault::Now);
        assert_eq!(e("systimestamp(3)"), OracleDefault::Now);
        assert_eq!(e("(0)"), OracleDefault::Number("0".into()));
        assert_eq!(e("-1.5"), OracleDefault::Number("-1.5".into()));
        assert_eq!(e("'it''s'"), OracleDefault::Text("it's".into()));
        assert_eq!(e("N'x'"), OracleDefault::Text("x".into()));
        assert_eq!(e("''"), OracleDefault::Null);
        assert_eq!(e("NULL\n"), OracleDefault::Null);
        assert_eq!(
            e("\"HR\".\"EMP_SEQ\".\"NEXTVAL\""),
            OracleDefault::Other("\"HR\".\"EMP_SEQ\".\"NEXTVAL\"".into())
        );
        assert_eq!(e("'a' || 'b'"), OracleDefault::Other("'a' || 'b'".into()));
    }

    #[test]
    fn defaults_follow_the_target_type() {
        let with = |r: RawColumnType, d: &str| {
            let mut c = col("C", &r);
            c.default = ColumnDefault::Expression(d.into());
            c
        };
        let ts = with(raw("TIMESTAMP(6)", 11, None, Some(6), 0, None), "SYSTIMESTAMP");
        assert_eq!(
            to_mysql(&ts).0.default,
            ColumnDefault::Expression("CURRENT_TIMESTAMP(6)".into())
        );
        let date = with(raw("DATE", 7, None, None, 0, None), "SYSDATE");
        assert_eq!(
            to_mysql(&date).0.default,
            ColumnDefault::Expression("CURRENT_TIMESTAMP".into())
        );
        let tz = with(
            raw("TIMESTAMP(6) WITH TIME ZONE", 13, None, Some(6), 0, None),
            "SYSTIMESTAMP",
        );
        let (all, _) = restate_one(&tz, Target::Postgres);
        assert_eq!(all.default, ColumnDefault::Expression("CURRENT_TIMESTAMP".into()));
        let (all, _) = restate_one(&date, Target::Postgres);
        assert_eq!(all.default, ColumnDefault::Expression("LOCALTIMESTAMP".into()));
        let text = with(raw("VARCHAR2", 10, None, None, 10, Some('B')), "SYSDATE");
        let (m, note) = to_mysql(&text);
        assert_eq!(m.default, ColumnDefault::None);
        assert_eq!(note.map(|n| n.0), Some(Severity::Lossy));
        let n = with(raw("NUMBER", 22, Some(6), Some(0), 0, None), "0");
        assert_eq!(to_mysql(&n).0.default, ColumnDefault::Expression("0".into()));
        let s = with(raw("CHAR", 1, None, None, 1, Some('C')), "'A'");
        assert_eq!(to_mysql(&s).0.default, ColumnDefault::Literal("A".into()));
        let clob = with(raw("CLOB", 4000, None, None, 0, None), "'none'");
        assert_eq!(to_mysql(&clob).0.default, ColumnDefault::Expression("('none')".into()));
        let seq = with(raw("NUMBER", 22, None, None, 0, None), "\"HR\".\"S\".\"NEXTVAL\"");
        let (m, note) = to_mysql(&seq);
        assert_eq!(m.default, ColumnDefault::None);
        assert!(note.is_some_and(|n| n.1.contains("sequence")));
    }

    fn restate_one(c: &Column, target: Target) -> (Column, Notes) {
        let (c, notes) = convert(c, target, std::slice::from_ref(&c.name));
        (c.unwrap(), notes)
    }
}
