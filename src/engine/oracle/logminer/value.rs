//! Values: a mined [`RedoValue`] as omsctl's [`Value`] for a column's kind.

use super::NLS_HINT;
use super::statement::{RedoValue, clip};
use crate::model::catalog::ValueKind;
use crate::model::value::{Value, hex_bytes};

/// A short rendering of a value for error messages.
fn show(v: &RedoValue) -> String {
    match v {
        RedoValue::Null => "NULL".into(),
        RedoValue::Str(s) => clip(&format!("'{s}'")),
        RedoValue::Number(n) => n.clone(),
        RedoValue::Func { name, args } => {
            let args: Vec<String> = args.iter().map(show).collect();
            clip(&format!("{name}({})", args.join(", ")))
        }
        RedoValue::Unsupported => "Unsupported Type".into(),
    }
}

fn expected(what: &str, v: &RedoValue) -> String {
    format!("expected {what}, found {}", show(v))
}

/// Converts a mined value into omsctl's [`Value`] for a column of `kind`.
pub fn to_value(v: &RedoValue, kind: ValueKind) -> Result<Value, String> {
    use ValueKind as K;
    match v {
        RedoValue::Null => return Ok(Value::Null),
        RedoValue::Unsupported => {
            return Err(
                "LogMiner shows `Unsupported Type`: it cannot mine this column's type; exclude the column \
                        ([tables.\"OWNER.TABLE\"] exclude_columns) or change its type"
                    .into(),
            );
        }
        RedoValue::Func { name, .. } if name == "EMPTY_CLOB" || name == "EMPTY_BLOB" => {
            return Err(format!(
                "{name}() is a LOB placeholder: LogMiner does not carry LOB contents in SQL_REDO; exclude the \
                 column ([tables.\"OWNER.TABLE\"] exclude_columns), or re-copy the table with `omsctl verify --repair`"
            ));
        }
        _ => {}
    }
    match kind {
        K::Integer | K::Year | K::Bit => integer(&number_text(v)?),
        K::Decimal => Ok(Value::Bytes(normalize_decimal(&number_text(v)?)?.into_bytes())),
        K::Float => {
            let t = float_text(v)?;
            t.parse::<f32>()
                .map(Value::Float)
                .map_err(|_| format!("{:?} is not a floating-point number", clip(&t)))
        }
        K::Double => {
            let t = float_text(v)?;
            t.parse::<f64>()
                .map(Value::Double)
                .map_err(|_| format!("{:?} is not a floating-point number", clip(&t)))
        }
        K::Text | K::Enum | K::Set | K::Json => text(v).map(|s| Value::Bytes(s.into_bytes())),
        K::Binary => binary(v).map(Value::Bytes),
        K::Date | K::DateTime | K::Timestamp => datetime(v),
        K::Time | K::Spatial => Err(format!("no Oracle column maps to the {kind:?} kind; found {}", show(v))),
    }
}

fn is_number_func(name: &str) -> bool {
    matches!(name, "TO_NUMBER" | "TO_BINARY_FLOAT" | "TO_BINARY_DOUBLE")
}

fn number_text(v: &RedoValue) -> Result<String, String> {
    match v {
        RedoValue::Str(s) | RedoValue::Number(s) => Ok(s.trim().to_string()),
        RedoValue::Func { name, args } if is_number_func(name) => match args.as_slice() {
            [x] => number_text(x),
            _ => Err(expected("a number", v)),
        },
        _ => Err(expected("a number", v)),
    }
}

fn float_text(v: &RedoValue) -> Result<String, String> {
    match v {
        RedoValue::Str(s) | RedoValue::Number(s) => Ok(float_word(s.trim())),
        RedoValue::Func { name, args } => match (name.as_str(), args.as_slice()) {
            (_, []) => Ok(float_word(name)),
            ("-", [x]) => Ok(format!("-{}", float_text(x)?)),
            (n, [x]) if is_number_func(n) => float_text(x),
            _ => Err(expected("a floating-point number", v)),
        },
        _ => Err(expected("a floating-point number", v)),
    }
}

/// Oracle's spellings of special floats (`Nan`, `Inf`, `-Inf`, `BINARY_FLOAT_INFINITY`) in the
/// forms Rust parses.
fn float_word(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let (sign, body) = match lower.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", lower.strip_prefix('+').unwrap_or(&lower)),
    };
    let body = body
        .strip_prefix("binary_float_")
        .or_else(|| body.strip_prefix("binary_double_"))
        .unwrap_or(body);
    format!("{sign}{body}")
}

/// Decimal text in plain notation: `.5` → `0.5`, `-.5` → `-0.5`, `1E+3` → `1000`, `+7` → `7`;
/// trailing fraction zeros are kept.
fn normalize_decimal(t: &str) -> Result<String, String> {
    let bad = || format!("{} is not a number", clip(t));
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if (int.is_empty() && frac.is_empty()) || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (int, frac) = match exp {
        None => (int.to_string(), frac.to_string()),
        Some(e) => {
            let e: i64 = e.parse().map_err(|_| bad())?;
            if e.abs() > 400 {
                return Err(format!("{} is out of Oracle NUMBER's range", clip(t)));
            }
            let digits = format!("{int}{frac}");
            let point = int.len() as i64 + e;
            if point <= 0 {
                (
                    "0".to_string(),
                    format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
                )
            } else if point as usize >= digits.len() {
                (
                    format!("{digits}{}", "0".repeat(point as usize - digits.len())),
                    String::new(),
                )
            } else {
                (
                    digits[..point as usize].to_string(),
                    digits[point as usize..].to_string(),
                )
            }
        }
    };
    let int = int.trim_start_matches('0');
    let mut out = String::with_capacity(int.len() + frac.len() + 3);
    if neg {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    Ok(out)
}

fn integer(t: &str) -> Result<Value, String> {
    let d = normalize_decimal(t)?;
    let (int, frac) = d.split_once('.').unwrap_or((&d, ""));
    if frac.bytes().any(|b| b != b'0') {
        return Err(format!("{} is not an integer", clip(t)));
    }
    if let Ok(i) = int.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    int.parse::<u64>()
        .map(Value::UInt)
        .map_err(|_| format!("{} does not fit a 64-bit integer", clip(t)))
}

fn text(v: &RedoValue) -> Result<String, String> {
    match v {
        RedoValue::Str(s) | RedoValue::Number(s) => Ok(s.clone()),
        // Intervals travel as their literal text.
        RedoValue::Func { name, args } if name == "TO_YMINTERVAL" || name == "TO_DSINTERVAL" => match args.as_slice() {
            [RedoValue::Str(s)] => Ok(s.clone()),
            _ => Err(expected("an interval literal", v)),
        },
        _ => Err(expected("a string", v)),
    }
}

fn binary(v: &RedoValue) -> Result<Vec<u8>, String> {
    let hex = match v {
        RedoValue::Str(s) => s,
        RedoValue::Func { name, args } if name == "HEXTORAW" => match args.as_slice() {
            [RedoValue::Str(s)] => s,
            _ => return Err(expected("HEXTORAW('…')", v)),
        },
        _ => return Err(expected("HEXTORAW('…') or a hex string", v)),
    };
    hex_bytes::decode(hex.trim()).ok_or_else(|| format!("{} is not hexadecimal bytes", clip(hex)))
}

fn datetime(v: &RedoValue) -> Result<Value, String> {
    let (text, zone) = match v {
        RedoValue::Str(s) => (s.as_str(), Zone::Optional),
        RedoValue::Func { name, args } if matches!(name.as_str(), "TO_DATE" | "TO_TIMESTAMP" | "TO_TIMESTAMP_TZ") => {
            let text = match args.as_slice() {
                [RedoValue::Str(s)] => s,
                [RedoValue::Str(s), RedoValue::Str(fmt)] => {
                    check_format(name, fmt)?;
                    s
                }
                _ => return Err(expected(&format!("{name}('…'[, '…'])"), v)),
            };
            let zone = if name == "TO_TIMESTAMP_TZ" {
                Zone::Required
            } else {
                Zone::Forbidden
            };
            (text.as_str(), zone)
        }
        _ => return Err(expected("TO_DATE, TO_TIMESTAMP or TO_TIMESTAMP_TZ", v)),
    };
    parse_datetime(text, zone).map_err(|e| format!("{}: {e}; the LogMiner session needs {NLS_HINT}", show(v)))
}

/// Accepts the format arguments the session's NLS settings produce (and their FFn variants).
fn check_format(func: &str, fmt: &str) -> Result<(), String> {
    let bad = || format!("{func} format {fmt:?} is not one omsctl reads; the LogMiner session needs {NLS_HINT}");
    let f = fmt
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    let Some(mut rest) = f.strip_prefix("YYYY-MM-DD") else {
        return Err(bad());
    };
    if let Some(r) = rest.strip_prefix(" HH24:MI:SS") {
        rest = r;
        if func != "TO_DATE"
            && let Some(r) = rest.strip_prefix(".FF")
        {
            rest = r.strip_prefix(|c: char| ('1'..='9').contains(&c)).unwrap_or(r);
        }
    }
    if func == "TO_TIMESTAMP_TZ" {
        rest = rest
            .strip_prefix(" TZH:TZM")
            .or_else(|| rest.strip_prefix(" TZR"))
            .unwrap_or(rest);
    }
    if rest.is_empty() { Ok(()) } else { Err(bad()) }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Forbidden,
    Optional,
    Required,
}

/// `YYYY-MM-DD[ HH24:MI:SS[.F…]][ ±TZH:TZM]`, converted to UTC when a zone is given.
fn parse_datetime(text: &str, zone: Zone) -> Result<Value, String> {
    let mut parts = text.split_whitespace();
    let date = parts.next().ok_or("empty date")?;
    let mut f = date.splitn(3, '-');
    let num = |s: Option<&str>, lo: u32, hi: u32, what: &str| -> Result<u32, String> {
        s.filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|n| (lo..=hi).contains(n))
            .ok_or_else(|| format!("bad {what} in {text:?}"))
    };
    let y = num(f.next(), 1, 9999, "year")?;
    let mo = num(f.next(), 1, 12, "month")?;
    let d = num(f.next(), 1, days_in_month(y as i64, mo), "day")?;
    let (mut h, mut mi, mut s, mut us) = (0, 0, 0, 0);
    if let Some(time) = parts.next() {
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let mut t = hms.splitn(3, ':');
        h = num(t.next(), 0, 23, "hour")?;
        mi = num(t.next(), 0, 59, "minute")?;
        s = num(t.next(), 0, 59, "second")?;
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("bad fraction of a second in {text:?}"));
        }
        // Microseconds, the precision of omsctl's values: further digits are cut.
        us = format!("{:0<6}", &frac[..frac.len().min(6)])
            .parse::<u32>()
            .map_err(|e| e.to_string())?;
    }
    let offset_min = match (parts.next(), zone) {
        (None, Zone::Required) => return Err(format!("no time zone in {text:?}")),
        (None, _) => 0,
        (Some(_), Zone::Forbidden) => return Err(format!("unexpected time zone in {text:?}")),
        (Some(z), _) => parse_offset(z)?,
    };
    if parts.next().is_some() {
        return Err(format!("unexpected text after the time in {text:?}"));
    }
    let secs = days_from_civil(y as i64, mo, d) * 86_400 + (h * 3600 + mi * 60 + s) as i64 - offset_min * 60;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    if !(1..=9999).contains(&y) {
        return Err(format!("{text:?} falls outside years 1 to 9999 in UTC"));
    }
    let tod = secs.rem_euclid(86_400);
    Ok(Value::Date(
        y as u16,
        mo as u8,
        d as u8,
        (tod / 3600) as u8,
        (tod / 60 % 60) as u8,
        (tod % 60) as u8,
        us,
    ))
}

/// `+02:00`, `-5:30`, `Z`, `UTC`, `GMT` as minutes east of UTC. Region names would need a zone
/// database: TZH:TZM in NLS_TIMESTAMP_TZ_FORMAT makes Oracle print offsets.
fn parse_offset(z: &str) -> Result<i64, String> {
    if matches!(z.to_ascii_uppercase().as_str(), "Z" | "UTC" | "GMT") {
        return Ok(0);
    }
    let sign = match z.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(format!("time zone {z:?} is not an offset such as +02:00")),
    };
    let (hh, mm) = z[1..]
        .split_once(':')
        .ok_or_else(|| format!("time zone {z:?} is not an offset such as +02:00"))?;
    let ok = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    match (ok(hh).then(|| hh.parse::<i64>()), ok(mm).then(|| mm.parse::<i64>())) {
        (Some(Ok(h)), Some(Ok(m))) if h <= 14 && m < 60 => Ok(sign * (h * 60 + m)),
        _ => Err(format!("time zone {z:?} is not an offset such as +02:00")),
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::oracle::logminer::test_support::{bytes, literal};

    fn value(lit: &str, kind: ValueKind) -> Result<Value, String> {
        to_value(&literal(lit), kind)
    }

    // ----- values ---------------------------------------------------------------------------

    #[test]
    fn integers_take_the_widest_signed_type_and_refuse_fractions() {
        use ValueKind::Integer;
        assert_eq!(value("'7934'", Integer), Ok(Value::Int(7934)));
        assert_eq!(value("-42", Integer), Ok(Value::Int(-42)));
        assert_eq!(value("'1E+3'", Integer), Ok(Value::Int(1000)));
        assert_eq!(value("'5.00'", Integer), Ok(Value::Int(5)));
        assert_eq!(value("'18446744073709551615'", Integer), Ok(Value::UInt(u64::MAX)));
        assert!(value("'18446744073709551616'", Integer).unwrap_err().contains("64-bit"));
        assert!(value("'1.5'", Integer).unwrap_err().contains("not an integer"));
        assert!(value("'abc'", Integer).unwrap_err().contains("not a number"));
        assert!(
            value("TO_DATE('2003-09-19 12:00:00')", Integer)
                .unwrap_err()
                .contains("expected a number")
        );
        assert_eq!(value("NULL", Integer), Ok(Value::Null));
    }

    #[test]
    fn decimals_are_normalized_text() {
        let cases = [
            ("'.5'", "0.5"),
            ("'-.5'", "-0.5"),
            ("'1.50'", "1.50"),
            ("'+7'", "7"),
            ("'007.10'", "7.10"),
            ("'1E+10'", "10000000000"),
            ("'1.5e-3'", "0.0015"),
            ("'-1.23E+1'", "-12.3"),
            ("'12.5E+1'", "125"),
            ("'5.'", "5"),
            (
                "123456789012345678901234567890.123",
                "123456789012345678901234567890.123",
            ),
        ];
        for (lit, expected) in cases {
            assert_eq!(value(lit, ValueKind::Decimal), Ok(bytes(expected)), "{lit}");
        }
        for bad in ["'1,5'", "'.'", "'1e'", "'1E+9999'", "'--1'", "''"] {
            assert!(value(bad, ValueKind::Decimal).is_err(), "{bad}");
        }
    }

    #[test]
    fn floats_accept_oracle_spellings_of_special_values() {
        use ValueKind::{Double, Float};
        assert_eq!(value("TO_BINARY_FLOAT('1.5E+000')", Float), Ok(Value::Float(1.5)));
        assert_eq!(value("'3.25'", Double), Ok(Value::Double(3.25)));
        assert_eq!(value("'-Inf'", Float), Ok(Value::Float(f32::NEG_INFINITY)));
        assert_eq!(value("'Inf'", Double), Ok(Value::Double(f64::INFINITY)));
        assert_eq!(
            value("BINARY_DOUBLE_INFINITY", Double),
            Ok(Value::Double(f64::INFINITY))
        );
        assert_eq!(
            value("-BINARY_FLOAT_INFINITY", Float),
            Ok(Value::Float(f32::NEG_INFINITY))
        );
        for nan in ["'Nan'", "'NaN'", "BINARY_FLOAT_NAN", "TO_BINARY_DOUBLE('Nan')"] {
            assert!(
                matches!(value(nan, Double), Ok(Value::Double(d)) if d.is_nan()),
                "{nan}"
            );
            assert!(matches!(value(nan, Float), Ok(Value::Float(d)) if d.is_nan()), "{nan}");
        }
        // Parsed straight to f32: no double rounding through f64.
        assert_eq!(value("'1.10000002E+000'", Float), Ok(Value::Float(1.1)));
        assert!(value("'abc'", Float).is_err());
        assert!(value("HEXTORAW('00')", Double).unwrap_err().contains("floating-point"));
    }

    #[test]
    fn text_binary_and_intervals_convert() {
        use ValueKind::{Binary, Enum, Json, Text};
        assert_eq!(value("'it''s'", Text), Ok(bytes("it's")));
        assert_eq!(value("UNISTR('\\00e9')", Text), Ok(bytes("é")));
        assert_eq!(value("'{\"a\": 1}'", Json), Ok(bytes("{\"a\": 1}")));
        assert_eq!(value("'red'", Enum), Ok(bytes("red")));
        assert_eq!(
            value("TO_DSINTERVAL('+01 02:03:04.000000')", Text),
            Ok(bytes("+01 02:03:04.000000"))
        );
        assert_eq!(value("TO_YMINTERVAL('-01-02')", Text), Ok(bytes("-01-02")));
        assert_eq!(value("HEXTORAW('00FF10')", Binary), Ok(Value::Bytes(vec![0, 255, 16])));
        assert_eq!(value("'0aff'", Binary), Ok(Value::Bytes(vec![10, 255])));
        assert!(value("HEXTORAW('0g')", Binary).unwrap_err().contains("not hexadecimal"));
        assert!(value("HEXTORAW('abc')", Binary).is_err());
        assert!(
            value("TO_DATE('2003-09-19 12:00:00')", Text)
                .unwrap_err()
                .contains("expected a string")
        );
        let lob = value("EMPTY_CLOB()", Text).unwrap_err();
        assert!(
            lob.contains("EMPTY_CLOB() is a LOB placeholder") && lob.contains("exclude_columns"),
            "{lob}"
        );
        assert!(value("EMPTY_BLOB()", Binary).unwrap_err().contains("LOB"));
        let unsupported = value("Unsupported Type", Text).unwrap_err();
        assert!(unsupported.contains("cannot mine this column's type"), "{unsupported}");
        assert!(value("'x'", ValueKind::Time).unwrap_err().contains("no Oracle column"));
    }

    #[test]
    fn dates_and_timestamps_read_the_session_formats() {
        use ValueKind::{Date, DateTime, Timestamp};
        assert_eq!(
            value("TO_DATE('2003-09-19 12:00:00', 'YYYY-MM-DD HH24:MI:SS')", Date),
            Ok(Value::Date(2003, 9, 19, 12, 0, 0, 0))
        );
        assert_eq!(
            value("TO_DATE('2003-09-19')", Date),
            Ok(Value::Date(2003, 9, 19, 0, 0, 0, 0))
        );
        assert_eq!(
            value("TO_TIMESTAMP('2003-09-19 12:00:00.123456')", DateTime),
            Ok(Value::Date(2003, 9, 19, 12, 0, 0, 123_456))
        );
        assert_eq!(
            value(
                "TO_TIMESTAMP('2003-09-19 12:00:00.1', 'yyyy-mm-dd  hh24:mi:ss.ff')",
                DateTime
            ),
            Ok(Value::Date(2003, 9, 19, 12, 0, 0, 100_000))
        );
        // Nanoseconds are cut to microseconds; an empty fraction is zero.
        assert_eq!(
            value(
                "TO_TIMESTAMP('2003-09-19 12:00:00.123456789', 'YYYY-MM-DD HH24:MI:SS.FF9')",
                DateTime
            ),
            Ok(Value::Date(2003, 9, 19, 12, 0, 0, 123_456))
        );
        assert_eq!(
            value("TO_TIMESTAMP('2020-02-01 00:00:00.')", DateTime),
            Ok(Value::Date(2020, 2, 1, 0, 0, 0, 0))
        );
        // TIMESTAMP WITH TIME ZONE becomes UTC, across day, month and year boundaries.
        assert_eq!(
            value("TO_TIMESTAMP_TZ('2003-09-19 12:00:00.123456 +02:00')", Timestamp),
            Ok(Value::Date(2003, 9, 19, 10, 0, 0, 123_456))
        );
        assert_eq!(
            value(
                "TO_TIMESTAMP_TZ('2024-03-01 01:30:00.000000 +05:30', 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM')",
                Timestamp
            ),
            Ok(Value::Date(2024, 2, 29, 20, 0, 0, 0))
        );
        assert_eq!(
            value("TO_TIMESTAMP_TZ('2023-12-31 23:00:00.5 -01:00')", Timestamp),
            Ok(Value::Date(2024, 1, 1, 0, 0, 0, 500_000))
        );
        assert_eq!(
            value("TO_TIMESTAMP_TZ('2023-06-01 08:00:00 UTC')", Timestamp),
            Ok(Value::Date(2023, 6, 1, 8, 0, 0, 0))
        );
        assert_eq!(
            value("'2003-09-19 12:00:00'", Date),
            Ok(Value::Date(2003, 9, 19, 12, 0, 0, 0))
        );

        let bad_format = value("TO_DATE('19-SEP-03', 'DD-MON-RR')", Date).unwrap_err();
        assert!(
            bad_format.contains("\"DD-MON-RR\" is not one omsctl reads") && bad_format.contains("NLS_DATE_FORMAT"),
            "{bad_format}"
        );
        assert!(
            value(
                "TO_TIMESTAMP('2003-09-19 12:00:00', 'YYYY-MM-DD HH24:MI:SS TZH:TZM')",
                DateTime
            )
            .is_err()
        );
        assert!(
            value("TO_DATE('2003-02-29 00:00:00')", Date)
                .unwrap_err()
                .contains("bad day")
        );
        assert!(
            value("TO_DATE('2003-09-19 24:00:00')", Date)
                .unwrap_err()
                .contains("bad hour")
        );
        assert!(
            value("TO_DATE('2003-09-19 12:00:00 +01:00')", Date)
                .unwrap_err()
                .contains("unexpected time zone")
        );
        assert!(
            value("TO_TIMESTAMP_TZ('2003-09-19 12:00:00')", Timestamp)
                .unwrap_err()
                .contains("no time zone")
        );
        let region = value("TO_TIMESTAMP_TZ('2003-09-19 12:00:00 Europe/Paris')", Timestamp).unwrap_err();
        assert!(
            region.contains("not an offset") && region.contains("TZH:TZM"),
            "{region}"
        );
        assert!(
            value("TO_TIMESTAMP_TZ('0001-01-01 00:30:00 +01:00')", Timestamp)
                .unwrap_err()
                .contains("outside years")
        );
        assert!(value("'123'", Date).is_err());
    }

    #[test]
    fn civil_day_arithmetic_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in [-719_162, -1, 0, 59, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
