//! Rows as `LOAD DATA` text: tab-separated, newline-terminated, backslash escapes, `\N` for
//! NULL. Every value round-trips exactly: floats in shortest round-trip exponent form, dates
//! with microseconds, bytes escaped (not transcoded).

use crate::model::value::Value;
use std::io::Write;

/// Appends one row.
pub fn encode_row(row: &[Value], out: &mut Vec<u8>) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        encode_value(v, out);
    }
    out.push(b'\n');
}

fn encode_value(v: &Value, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail.
    let _ = match v {
        Value::Null => out.write_all(b"\\N"),
        Value::Int(i) => write!(out, "{i}"),
        Value::UInt(u) => write!(out, "{u}"),
        Value::Float(f) => write!(out, "{f:e}"),
        Value::Double(d) => write!(out, "{d:e}"),
        Value::Bytes(b) => {
            escape(b, out);
            Ok(())
        }
        Value::Date(y, mo, d, 0, 0, 0, 0) => write!(out, "{y:04}-{mo:02}-{d:02}"),
        Value::Date(y, mo, d, h, mi, s, us) => write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"),
        Value::Time(neg, days, h, m, s, us) => {
            let sign = if *neg { "-" } else { "" };
            write!(out, "{sign}{}:{m:02}:{s:02}.{us:06}", *days as u64 * 24 + *h as u64)
        }
    };
}

fn escape(b: &[u8], out: &mut Vec<u8>) {
    out.reserve(b.len() + 8);
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0 => b"\\0",
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(row: &[Value]) -> String {
        let mut out = Vec::new();
        encode_row(row, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn escapes_separators_backslashes_and_nul() {
        let v = Value::Bytes(b"a\tb\nc\\d\0e\\N".to_vec());
        assert_eq!(enc(&[v, Value::Null]), "a\\tb\\nc\\\\d\\0e\\\\N\t\\N\n");
    }

    #[test]
    fn numbers_and_dates_round_trip() {
        let row = [
            Value::Double(-1.7976931348623157e308),
            Value::Float(2.5e-7),
            Value::Date(2024, 2, 29, 0, 0, 0, 0),
            Value::Date(2024, 2, 29, 23, 59, 59, 999_999),
            Value::Time(true, 34, 22, 59, 59, 1),
            Value::UInt(u64::MAX),
        ];
        assert_eq!(
            enc(&row),
            "-1.7976931348623157e308\t2.5e-7\t2024-02-29\t2024-02-29 23:59:59.999999\t-838:59:59.000001\t18446744073709551615\n"
        );
        let f: f32 = "2.5e-7".parse().unwrap();
        assert_eq!(f, 2.5e-7f32);
    }
}
