//! PostgreSQL types: their value kinds, how they map to and from the MySQL family (the table
//! in README.md "PostgreSQL type mapping" is this file), and the text forms values take
//! between omsctl and the server.

use crate::engine::Severity;
use crate::model::catalog::{Column, ColumnDefault, ValueKind};
use crate::model::value::Value;

/// The value kind of a PostgreSQL column from `format_type` without modifier, `typtype` and
/// `typcategory` (of the base type, for domains).
pub fn kind_of(base: &str, typtype: &str, category: &str) -> ValueKind {
    if typtype == "e" {
        return ValueKind::Enum;
    }
    if category == "A" {
        return ValueKind::Text;
    }
    match base {
        "smallint" | "integer" | "bigint" | "boolean" => ValueKind::Integer,
        "numeric" | "money" => ValueKind::Decimal,
        "real" => ValueKind::Float,
        "double precision" => ValueKind::Double,
        "bytea" => ValueKind::Binary,
        "date" => ValueKind::Date,
        "timestamp without time zone" => ValueKind::DateTime,
        "timestamp with time zone" => ValueKind::Timestamp,
        "time without time zone" => ValueKind::Time,
        "json" | "jsonb" => ValueKind::Json,
        _ => ValueKind::Text,
    }
}

/// A conversion note for the report.
pub type Note = Option<(Severity, String)>;

fn lossy(msg: impl Into<String>) -> Note {
    Some((Severity::Lossy, msg.into()))
}

fn info(msg: impl Into<String>) -> Note {
    Some((Severity::Info, msg.into()))
}

/// `(p,s)` or `(n)` of a full type name such as `numeric(12,2)` or `character varying(40)`.
fn modifiers(full: &str) -> Vec<u32> {
    full.split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(m, _)| m.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default()
}

fn mysql_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// The column as a MySQL-family table declares it: data type and kind in MySQL terms; the note
/// says what changes.
pub fn to_mysql(c: &Column) -> (Column, Note) {
    let m = modifiers(&c.column_type);
    let (ty, note): (String, Note) = if c.kind == ValueKind::Enum {
        let labels: Vec<String> = c.labels.iter().map(|l| mysql_string(l)).collect();
        (
            format!("enum({})", labels.join(",")),
            info(format!("enum type {} becomes a MySQL ENUM", c.data_type)),
        )
    } else if c.column_type.ends_with("[]") {
        (
            "longtext".into(),
            lossy(format!(
                "{} array is stored as its PostgreSQL text form ({{a,b}})",
                c.column_type
            )),
        )
    } else {
        match c.data_type.as_str() {
            "smallint" => ("smallint".into(), None),
            "integer" => ("int".into(), None),
            "bigint" => ("bigint".into(), None),
            "boolean" => (
                "tinyint(1)".into(),
                info("boolean becomes tinyint(1): true/false are stored as 1/0"),
            ),
            "numeric" => match m.as_slice() {
                [p, s] if *p <= 65 && *s <= 30 => (format!("decimal({p},{s})"), None),
                [p] if *p <= 65 => (format!("decimal({p},0)"), None),
                _ => (
                    "decimal(65,30)".into(),
                    lossy(format!(
                        "{} becomes decimal(65,30): values with more than 35 integer or 30 fractional digits, and NaN, cannot be stored",
                        c.column_type
                    )),
                ),
            },
            "money" => (
                "decimal(19,2)".into(),
                info("money becomes decimal(19,2) (no currency symbol)"),
            ),
            "real" => (
                "float".into(),
                lossy("real becomes float: NaN and Infinity cannot be stored"),
            ),
            "double precision" => (
                "double".into(),
                lossy("double precision becomes double: NaN and Infinity cannot be stored"),
            ),
            "character varying" => match m.as_slice() {
                [n] if *n <= 16_383 => (format!("varchar({n})"), None),
                _ => ("longtext".into(), None),
            },
            "character" => match m.as_slice() {
                [n] if *n <= 255 => (format!("char({n})"), None),
                _ => ("longtext".into(), None),
            },
            "text" | "citext" | "name" => ("longtext".into(), None),
            "bytea" => ("longblob".into(), None),
            "date" => ("date".into(), lossy("date: BC dates and infinity cannot be stored")),
            "timestamp without time zone" => (
                format!("datetime({})", m.first().copied().unwrap_or(6).min(6)),
                lossy("timestamp: BC dates and infinity cannot be stored"),
            ),
            "timestamp with time zone" => (
                format!("datetime({})", m.first().copied().unwrap_or(6).min(6)),
                lossy("timestamp with time zone becomes datetime holding UTC (the zone is not kept)"),
            ),
            "time without time zone" => (format!("time({})", m.first().copied().unwrap_or(6).min(6)), None),
            "json" | "jsonb" => ("json".into(), info(format!("{} becomes JSON", c.data_type))),
            "uuid" => ("char(36)".into(), info("uuid becomes char(36)")),
            "inet" | "cidr" | "macaddr" | "macaddr8" => (
                "varchar(64)".into(),
                info(format!("{} becomes its text form", c.data_type)),
            ),
            "bit" | "bit varying" | "interval" | "time with time zone" | "xml" | "tsvector" | "tsquery" => (
                "longtext".into(),
                lossy(format!("{} is stored as its PostgreSQL text form", c.column_type)),
            ),
            other => (
                "longtext".into(),
                lossy(format!("{other} has no MySQL equivalent: stored as its text form")),
            ),
        }
    };
    let data_type = ty.split('(').next().unwrap_or(&ty).to_string();
    let kind = crate::engine::mysql::value_kind(&data_type);
    let mut out = c.clone();
    out.kind = if c.data_type == "boolean" {
        ValueKind::Integer
    } else {
        kind
    };
    out.data_type = data_type;
    out.column_type = ty;
    out.collation = None;
    out.default = mysql_default(&c.default, out.kind);
    // MySQL allows AUTO_INCREMENT only on an integer key column: serial and identity are.
    out.auto_increment = c.auto_increment && out.kind == ValueKind::Integer;
    out.generated = None;
    let note = match (&c.generated, note) {
        (Some((e, _)), _) => lossy(format!(
            "generated column ({e}) becomes a plain column holding the copied values"
        )),
        (None, n) => n,
    };
    (out, note)
}

/// A PostgreSQL catalog restated in MySQL terms (columns through [`to_mysql`]; views, whose
/// text is PostgreSQL SQL, listed as unsupported), with the conversion notes.
pub fn catalog_as_mysql(
    catalog: &crate::model::catalog::Catalog,
) -> (crate::model::catalog::Catalog, Vec<crate::engine::Conversion>) {
    let mut out = catalog.clone();
    let mut notes = Vec::new();
    for t in &mut out.tables {
        for c in &mut t.columns {
            let (m, note) = to_mysql(c);
            if let Some((severity, message)) = note {
                notes.push(crate::engine::Conversion {
                    object: format!("{}.{}", t.id, c.name),
                    severity,
                    message,
                });
            }
            *c = m;
        }
        // MySQL: one AUTO_INCREMENT column per table, and it must lead an index.
        let mut seen_auto = false;
        for c in &mut t.columns {
            if !c.auto_increment {
                continue;
            }
            let leads = t
                .indexes
                .iter()
                .any(|ix| ix.columns.first().is_some_and(|ic| ic.name == c.name));
            if leads && !seen_auto {
                seen_auto = true;
            } else {
                c.auto_increment = false;
                notes.push(crate::engine::Conversion {
                    object: format!("{}.{}", t.id, c.name),
                    severity: Severity::Lossy,
                    message: "identity/serial column becomes a plain integer: MySQL allows one AUTO_INCREMENT column, leading an index".into(),
                });
            }
        }
        // PostgreSQL CHECK expressions (casts, ANY(ARRAY[…])) are not MySQL SQL.
        for ch in t.checks.drain(..) {
            notes.push(crate::engine::Conversion {
                object: format!("{} check {}", t.id, ch.name),
                severity: Severity::Unsupported,
                message: format!(
                    "CHECK {} is PostgreSQL SQL: recreate it on the target if needed",
                    ch.expression
                ),
            });
        }
    }
    for v in out.views.drain(..) {
        notes.push(crate::engine::Conversion {
            object: format!("view {}", v.id),
            severity: Severity::Unsupported,
            message: "PostgreSQL view text is not MySQL SQL: create the view on the target by hand".into(),
        });
    }
    (out, notes)
}

/// PostgreSQL default expressions MySQL can hold: literals and the current time.
fn mysql_default(d: &ColumnDefault, kind: ValueKind) -> ColumnDefault {
    let ColumnDefault::Expression(e) = d else {
        return d.clone();
    };
    let e = e.trim();
    // 'text'::type → the literal
    let literal = e.strip_prefix('\'').and_then(|r| r.rsplit_once('\''));
    if let Some((v, rest)) = literal
        && (rest.is_empty() || rest.starts_with("::"))
        && !v.contains('\'')
    {
        return ColumnDefault::Literal(v.to_string());
    }
    let bare = e.split("::").next().unwrap_or(e).trim_matches(|c| c == '(' || c == ')');
    if bare.parse::<f64>().is_ok() {
        return ColumnDefault::Expression(bare.to_string());
    }
    match (bare.to_ascii_lowercase().as_str(), kind) {
        ("true", _) => ColumnDefault::Expression("1".into()),
        ("false", _) => ColumnDefault::Expression("0".into()),
        (
            "now" | "current_timestamp" | "statement_timestamp" | "transaction_timestamp",
            ValueKind::DateTime | ValueKind::Timestamp,
        ) => ColumnDefault::Expression("CURRENT_TIMESTAMP".into()),
        _ if e.eq_ignore_ascii_case("now()") && matches!(kind, ValueKind::DateTime | ValueKind::Timestamp) => {
            ColumnDefault::Expression("CURRENT_TIMESTAMP".into())
        }
        _ => ColumnDefault::None,
    }
}

/// How a PostgreSQL table declares a column of a MySQL-family source; `enum_type` is the name
/// to give an ENUM's type.
pub fn from_mysql(c: &Column, enum_type: &str) -> (String, Note) {
    let unsigned = c.column_type.contains("unsigned");
    let m = modifiers(&c.column_type);
    match c.data_type.as_str() {
        "tinyint" if c.column_type.starts_with("tinyint(1)") => (
            "boolean".into(),
            lossy("tinyint(1) becomes boolean: values other than 0 and 1 cannot be stored"),
        ),
        "tinyint" | "smallint" if !unsigned => ("smallint".into(), None),
        "tinyint" | "year" => ("smallint".into(), None),
        "smallint" | "mediumint" => ("integer".into(), None),
        "int" | "integer" if !unsigned => ("integer".into(), None),
        "int" | "integer" => ("bigint".into(), info("int unsigned becomes bigint")),
        "bigint" if !unsigned => ("bigint".into(), None),
        "bigint" => ("numeric(20,0)".into(), info("bigint unsigned becomes numeric(20,0)")),
        "decimal" | "numeric" => match m.as_slice() {
            [p, s] => (format!("numeric({p},{s})"), None),
            [p] => (format!("numeric({p},0)"), None),
            _ => ("numeric(10,0)".into(), None),
        },
        "float" => ("real".into(), None),
        "double" | "real" | "double precision" => ("double precision".into(), None),
        "bit" if m.first().is_some_and(|&n| n > 63) => (
            "numeric(20,0)".into(),
            info(format!("{} becomes numeric(20,0) (its numeric value)", c.column_type)),
        ),
        "bit" => (
            "bigint".into(),
            info(format!("{} becomes bigint (its numeric value)", c.column_type)),
        ),
        "char" => (format!("character({})", m.first().copied().unwrap_or(1).max(1)), None),
        "varchar" => (
            format!("character varying({})", m.first().copied().unwrap_or(255).max(1)),
            None,
        ),
        "tinytext" | "text" | "mediumtext" | "longtext" => ("text".into(), None),
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => ("bytea".into(), None),
        "date" => (
            "date".into(),
            lossy("zero dates (0000-00-00) cannot be stored: the copy stops at the first one"),
        ),
        "datetime" => (
            format!("timestamp({}) without time zone", m.first().copied().unwrap_or(0)),
            lossy("zero dates cannot be stored: the copy stops at the first one"),
        ),
        "timestamp" => (
            format!("timestamp({}) with time zone", m.first().copied().unwrap_or(0)),
            info("timestamp becomes timestamp with time zone (MySQL stores it in UTC)"),
        ),
        "time" => (
            "interval".into(),
            info("time becomes interval (MySQL TIME spans -838:59:59 to 838:59:59)"),
        ),
        "json" => (
            "jsonb".into(),
            info("JSON becomes jsonb: key order and whitespace are normalized"),
        ),
        "enum" => (
            format!("\"{}\"", enum_type.replace('"', "\"\"")),
            info(format!("enum becomes the type {enum_type}")),
        ),
        "set" => (
            "text".into(),
            lossy("SET becomes text holding the comma-separated members"),
        ),
        other if c.kind == ValueKind::Spatial => ("bytea".into(), lossy(format!("{other} is stored as its WKB bytes"))),
        other => ("text".into(), lossy(format!("{other} is stored as text"))),
    }
}

/// The labels of a MySQL `enum('a','b')` column type.
pub fn mysql_enum_labels(column_type: &str) -> Vec<String> {
    let inner = column_type
        .split_once('(')
        .and_then(|(_, r)| r.rsplit_once(')'))
        .map_or("", |(m, _)| m);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('\'', false) => quoted = true,
            ('\'', true) if chars.peek() == Some(&'\'') => {
                chars.next();
                cur.push('\'');
            }
            ('\'', true) => {
                quoted = false;
                out.push(std::mem::take(&mut cur));
            }
            ('\\', true) => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (c, true) => cur.push(c),
            _ => {}
        }
    }
    out
}

/// The SQL expression that reads a column as text in the canonical form [`parse`] expects.
pub fn read_expr(quoted: &str, c_kind: ValueKind, data_type: &str) -> String {
    match (c_kind, data_type) {
        (_, "boolean") => format!("({quoted})::int::text"),
        (_, "money") => format!("({quoted})::numeric::text"),
        _ => format!("({quoted})::text"),
    }
}

fn digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

/// `YYYY-MM-DD[ HH:MM:SS[.ffffff]][+00]` → Value::Date.
pub fn parse_datetime(s: &str) -> Option<Value> {
    let s = s.strip_suffix("+00").unwrap_or(s);
    let (date, time) = s.split_once(' ').unwrap_or((s, "00:00:00"));
    let mut d = date.splitn(3, '-');
    let (y, mo, da) = (digits(d.next()?)?, digits(d.next()?)?, digits(d.next()?)?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.splitn(3, ':');
    let (h, mi, se) = (digits(t.next()?)?, digits(t.next()?)?, digits(t.next()?)?);
    Some(Value::Date(y, mo, da, h, mi, se, micros(frac)?))
}

fn micros(frac: &str) -> Option<u32> {
    if frac.is_empty() {
        return Some(0);
    }
    if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits::<u32>(frac)? * 10u32.pow(6 - frac.len() as u32))
}

/// `[-]H:MM:SS[.ffffff]` (time, or an interval within MySQL's TIME range) → Value::Time.
pub fn parse_time(s: &str) -> Option<Value> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut t = hms.splitn(3, ':');
    let hours: u32 = digits(t.next()?)?;
    let (m, sec) = (digits(t.next()?)?, digits(t.next()?)?);
    Some(Value::Time(neg, hours / 24, (hours % 24) as u8, m, sec, micros(frac)?))
}

/// A value read as text (see [`read_expr`]) in the shared model.
pub fn parse(text: Option<&str>, kind: ValueKind) -> Result<Value, String> {
    let Some(s) = text else { return Ok(Value::Null) };
    let bad = || format!("cannot read {s:?} as {kind:?}");
    Ok(match kind {
        ValueKind::Integer | ValueKind::Year => match s.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::UInt(s.parse().map_err(|_| bad())?),
        },
        // BIT stored as a number (MySQL BIT into PostgreSQL); bit strings stay text.
        ValueKind::Bit if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => match s.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::UInt(s.parse().map_err(|_| bad())?),
        },
        ValueKind::Float => Value::Float(parse_float(s).ok_or_else(bad)? as f32),
        ValueKind::Double => Value::Double(parse_float(s).ok_or_else(bad)?),
        ValueKind::Date | ValueKind::DateTime | ValueKind::Timestamp => parse_datetime(s).ok_or_else(bad)?,
        ValueKind::Time => parse_time(s).ok_or_else(bad)?,
        ValueKind::Binary | ValueKind::Spatial => {
            let hex = s.strip_prefix("\\x").ok_or_else(bad)?;
            Value::Bytes(crate::model::value::hex_bytes::decode(hex).ok_or_else(bad)?)
        }
        _ => Value::Bytes(s.as_bytes().to_vec()),
    })
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// A value as PostgreSQL input text (COPY field before escaping, or a literal's content).
/// `kind` is the column's kind on the reading side.
pub fn render(v: &Value, kind: ValueKind, out: &mut String) -> Result<(), String> {
    use std::fmt::Write;
    match v {
        Value::Null => return Err("NULL has no text form".into()),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => render_float(*f as f64, &f.to_string(), out),
        Value::Double(d) => render_float(*d, &d.to_string(), out),
        Value::Bytes(b) if kind == ValueKind::Binary || kind == ValueKind::Spatial => {
            out.push_str("\\x");
            out.push_str(&crate::model::value::hex_bytes::encode(b));
        }
        Value::Bytes(b) if kind == ValueKind::Bit => {
            // MySQL BIT arrives big-endian: its numeric value.
            let n = b.iter().fold(0u64, |n, &x| (n << 8) | x as u64);
            let _ = write!(out, "{n}");
        }
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => out.push_str(s),
            Err(_) => return Err("text that is not valid UTF-8 cannot be stored in PostgreSQL".into()),
        },
        Value::Date(0, _, _, _, _, _, _) | Value::Date(_, 0, _, _, _, _, _) | Value::Date(_, _, 0, _, _, _, _) => {
            return Err(format!("{} is a zero date, which PostgreSQL cannot store", v.display()));
        }
        Value::Date(y, mo, d, h, mi, s, us) => {
            if kind == ValueKind::Date {
                let _ = write!(out, "{y:04}-{mo:02}-{d:02}");
            } else {
                let _ = write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}");
                if kind == ValueKind::Timestamp {
                    out.push_str("+00");
                }
            }
        }
        Value::Time(neg, days, h, m, s, us) => {
            let hours = *days as u64 * 24 + *h as u64;
            let _ = write!(out, "{}{hours}:{m:02}:{s:02}.{us:06}", if *neg { "-" } else { "" });
        }
    }
    Ok(())
}

fn render_float(f: f64, shortest: &str, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        out.push_str(shortest);
    }
}

/// A value as an SQL literal (repair SQL, key ranges, replay).
pub fn literal(v: &Value, kind: ValueKind) -> Result<String, String> {
    if *v == Value::Null {
        return Ok("NULL".into());
    }
    let mut s = String::new();
    render(v, kind, &mut s)?;
    Ok(match v {
        Value::Int(_) | Value::UInt(_) => s,
        _ => format!("'{}'", s.replace('\'', "''")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(data_type: &str, column_type: &str, kind: ValueKind) -> Column {
        Column {
            name: "c".into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
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
    fn postgres_types_map_to_mysql_with_notes_for_lossy_ones() {
        let cases = [
            ("integer", "integer", "int", false),
            ("numeric", "numeric(5,2)", "decimal(5,2)", false),
            ("numeric", "numeric", "decimal(65,30)", true),
            ("character varying", "character varying(45)", "varchar(45)", false),
            ("text", "text", "longtext", false),
            ("bytea", "bytea", "longblob", false),
            (
                "timestamp with time zone",
                "timestamp(6) with time zone",
                "datetime(6)",
                true,
            ),
            (
                "timestamp without time zone",
                "timestamp without time zone",
                "datetime(6)",
                true,
            ),
            ("text[]", "text[]", "longtext", true),
            ("tsvector", "tsvector", "longtext", true),
            ("real", "real", "float", true),
        ];
        for (dt, ct, want, is_lossy) in cases {
            let k = kind_of(
                dt.trim_end_matches("[]"),
                "b",
                if ct.ends_with("[]") { "A" } else { "N" },
            );
            let (m, note) = to_mysql(&col(dt, ct, k));
            assert_eq!(m.column_type, want, "{ct}");
            assert_eq!(
                note.as_ref().is_some_and(|(s, _)| *s == Severity::Lossy),
                is_lossy,
                "{ct}: {note:?}"
            );
        }
        let mut e = col("mpaa_rating", "mpaa_rating", ValueKind::Enum);
        e.labels = vec!["G".into(), "NC-17".into(), "it's".into()];
        assert_eq!(to_mysql(&e).0.column_type, "enum('G','NC-17','it''s')");
        let b = to_mysql(&col("boolean", "boolean", ValueKind::Integer)).0;
        assert_eq!((b.column_type.as_str(), b.kind), ("tinyint(1)", ValueKind::Integer));
    }

    #[test]
    fn mysql_types_map_to_postgres() {
        let cases = [
            ("int", "int(10) unsigned", "bigint"),
            ("bigint", "bigint(20) unsigned", "numeric(20,0)"),
            ("tinyint", "tinyint(1)", "boolean"),
            ("tinyint", "tinyint(3) unsigned", "smallint"),
            ("decimal", "decimal(12,2)", "numeric(12,2)"),
            ("varchar", "varchar(40)", "character varying(40)"),
            ("datetime", "datetime(6)", "timestamp(6) without time zone"),
            ("timestamp", "timestamp", "timestamp(0) with time zone"),
            ("time", "time", "interval"),
            ("json", "json", "jsonb"),
            ("longblob", "longblob", "bytea"),
            ("year", "year(4)", "smallint"),
        ];
        for (dt, ct, want) in cases {
            assert_eq!(from_mysql(&col(dt, ct, ValueKind::Text), "t_c").0, want, "{ct}");
        }
        assert_eq!(
            from_mysql(&col("enum", "enum('a','b')", ValueKind::Enum), "film_rating").0,
            "\"film_rating\""
        );
        assert_eq!(
            mysql_enum_labels("enum('G','PG-13','it''s','a,b')"),
            ["G", "PG-13", "it's", "a,b"]
        );
    }

    #[test]
    fn text_values_round_trip() {
        let cases = [
            (
                "2024-02-29 23:59:59.5",
                ValueKind::DateTime,
                Value::Date(2024, 2, 29, 23, 59, 59, 500_000),
            ),
            (
                "2024-02-29 23:59:59+00",
                ValueKind::Timestamp,
                Value::Date(2024, 2, 29, 23, 59, 59, 0),
            ),
            ("1999-12-31", ValueKind::Date, Value::Date(1999, 12, 31, 0, 0, 0, 0)),
            (
                "-838:59:59.000001",
                ValueKind::Time,
                Value::Time(true, 34, 22, 59, 59, 1),
            ),
            ("\\x00ff", ValueKind::Binary, Value::Bytes(vec![0, 255])),
            ("18446744073709551615", ValueKind::Integer, Value::UInt(u64::MAX)),
            ("-Infinity", ValueKind::Double, Value::Double(f64::NEG_INFINITY)),
        ];
        for (text, kind, want) in cases {
            let v = parse(Some(text), kind).unwrap();
            assert_eq!(v, want, "{text}");
            let mut back = String::new();
            render(&v, kind, &mut back).unwrap();
            assert_eq!(parse(Some(&back), kind).unwrap(), want, "{back}");
        }
        assert!(
            render(
                &Value::Date(0, 0, 0, 0, 0, 0, 0),
                ValueKind::DateTime,
                &mut String::new()
            )
            .is_err()
        );
        assert_eq!(
            literal(&Value::Bytes(b"it's".to_vec()), ValueKind::Text).unwrap(),
            "'it''s'"
        );
        assert_eq!(literal(&Value::Null, ValueKind::Text).unwrap(), "NULL");
    }
}
