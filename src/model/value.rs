//! Row values as they travel between engines, and their canonical form for comparison.
//!
//! Two values are "equal" for verify when their canonical encodings are equal: the encoding
//! depends on the column's [`ValueKind`] (JSON is compared as parsed documents, so key order
//! and whitespace never count; everything else compares exactly, byte for byte).

use crate::model::catalog::ValueKind;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Null,
    Int(i64),
    UInt(u64),
    Float(f32),
    Double(f64),
    /// Strings, decimals as text, binary data.
    Bytes(#[serde(with = "hex_bytes")] Vec<u8>),
    /// year, month, day, hour, minute, second, microsecond
    Date(u16, u8, u8, u8, u8, u8, u32),
    /// negative, days, hours, minutes, seconds, microseconds
    Time(bool, u32, u8, u8, u8, u32),
}

pub type Row = Vec<Value>;

impl Value {
    /// Bytes this value occupies, roughly, for rate limits and progress.
    pub fn size(&self) -> usize {
        match self {
            Value::Null => 1,
            Value::Bytes(b) => b.len(),
            _ => 8,
        }
    }

    /// Appends the canonical encoding of this value, interpreted as a column of `kind`.
    pub fn encode_canonical(&self, kind: ValueKind, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.push(0),
            Value::Bytes(b) if kind == ValueKind::Json => {
                out.push(1);
                match serde_json::from_slice::<serde_json::Value>(b) {
                    // serde_json's Map is a BTreeMap: key order is canonical.
                    Ok(doc) => push_len_prefixed(out, doc.to_string().as_bytes()),
                    Err(_) => push_len_prefixed(out, b),
                }
            }
            // BIT compares by its numeric value: bytes from MySQL, a number from engines that
            // store it as an integer.
            Value::Bytes(b) if kind == ValueKind::Bit && b.len() <= 8 => {
                let n = b.iter().fold(0u64, |n, &x| (n << 8) | x as u64);
                out.push(2);
                out.extend_from_slice(n.to_string().as_bytes());
                out.push(0);
            }
            // Decimals compare by value: a scale that differs between engines (numeric → decimal(65,30))
            // is not a difference.
            Value::Bytes(b) if kind == ValueKind::Decimal => {
                out.push(1);
                push_len_prefixed(out, normalize_decimal(b));
            }
            Value::Bytes(b) => {
                out.push(1);
                push_len_prefixed(out, b);
            }
            Value::Int(i) => {
                out.push(2);
                out.extend_from_slice(i.to_string().as_bytes());
                out.push(0);
            }
            Value::UInt(u) => {
                out.push(2);
                out.extend_from_slice(u.to_string().as_bytes());
                out.push(0);
            }
            Value::Float(f) => {
                out.push(3);
                out.extend_from_slice(&f.to_bits().to_be_bytes());
            }
            Value::Double(d) => {
                out.push(4);
                out.extend_from_slice(&d.to_bits().to_be_bytes());
            }
            Value::Date(y, mo, d, h, mi, s, us) => {
                out.push(5);
                out.extend_from_slice(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}").as_bytes());
            }
            Value::Time(neg, days, h, m, s, us) => {
                out.push(6);
                let sign = if *neg { "-" } else { "" };
                let hours = *days as u64 * 24 + *h as u64;
                out.extend_from_slice(format!("{sign}{hours}:{m:02}:{s:02}.{us:06}").as_bytes());
            }
        }
    }

    /// Display form for reports (not SQL): text when it is UTF-8, hex otherwise.
    pub fn display(&self) -> String {
        match self {
            Value::Null => "NULL".into(),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Double(d) => d.to_string(),
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) => s.to_string(),
                Err(_) => format!("0x{}", hex_bytes::encode(b)),
            },
            Value::Date(y, mo, d, h, mi, s, us) => {
                if *us == 0 {
                    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
                } else {
                    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")
                }
            }
            Value::Time(neg, days, h, m, s, us) => {
                let sign = if *neg { "-" } else { "" };
                let hours = *days as u64 * 24 + *h as u64;
                format!("{sign}{hours:02}:{m:02}:{s:02}.{us:06}")
            }
        }
    }
}

/// Decimal text without trailing fraction zeros (`1.500` → `1.5`, `2.000` → `2`, `-0.0` → `0`);
/// anything that is not plain decimal text (NaN, exponents) is left as it is.
fn normalize_decimal(b: &[u8]) -> &[u8] {
    let digits = |s: &[u8]| s.iter().all(|c| c.is_ascii_digit() || *c == b'.');
    let body = b.strip_prefix(b"-").unwrap_or(b);
    if !b.contains(&b'.') || !digits(body) {
        return b;
    }
    let mut end = b.len();
    while end > 0 && b[end - 1] == b'0' {
        end -= 1;
    }
    if end > 0 && b[end - 1] == b'.' {
        end -= 1;
    }
    match &b[..end] {
        b"-0" | b"-" | b"" => b"0",
        t => t,
    }
}

fn push_len_prefixed(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_be_bytes());
    out.extend_from_slice(b);
}

/// The canonical encoding of a whole row.
pub fn canonical_row(row: &[Value], kinds: &[ValueKind]) -> Vec<u8> {
    let mut out = Vec::with_capacity(row.iter().map(Value::size).sum::<usize>() + row.len() * 9);
    for (v, k) in row.iter().zip(kinds) {
        v.encode_canonical(*k, &mut out);
    }
    out
}

/// Orders key values the way a binary-collation index would; used only to merge two sorted
/// streams of the same engine's output, never to decide chunk membership.
pub fn compare_keys(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = compare_value(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

fn compare_value(a: &Value, b: &Value) -> Ordering {
    use Value::*;
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Null, _) => Ordering::Less,
        (_, Null) => Ordering::Greater,
        (Int(x), Int(y)) => x.cmp(y),
        (UInt(x), UInt(y)) => x.cmp(y),
        (Int(x), UInt(y)) => (*x as i128).cmp(&(*y as i128)),
        (UInt(x), Int(y)) => (*x as i128).cmp(&(*y as i128)),
        (Float(x), Float(y)) => x.total_cmp(y),
        (Double(x), Double(y)) => x.total_cmp(y),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (Date(..), Date(..)) | (Time(..), Time(..)) => {
            let (mut ea, mut eb) = (Vec::new(), Vec::new());
            a.encode_canonical(ValueKind::DateTime, &mut ea);
            b.encode_canonical(ValueKind::DateTime, &mut eb);
            ea.cmp(&eb)
        }
        _ => format!("{a:?}").cmp(&format!("{b:?}")),
    }
}

pub mod hex_bytes {
    //! Bytes as a lower-case hex string in JSON state files.
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn encode(b: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(b.len() * 2);
        for byte in b {
            s.push(HEX[(byte >> 4) as usize] as char);
            s.push(HEX[(byte & 15) as usize] as char);
        }
        s
    }

    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }

    pub fn decode(s: &str) -> Option<Vec<u8>> {
        let b = s.as_bytes();
        if !b.len().is_multiple_of(2) {
            return None;
        }
        let mut out = Vec::with_capacity(b.len() / 2);
        for pair in b.chunks_exact(2) {
            out.push((nibble(pair[0])? << 4) | nibble(pair[1])?);
        }
        Some(out)
    }

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        decode(&s).ok_or_else(|| serde::de::Error::custom("invalid hex string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_values_compare_by_number_whatever_the_engine_stores() {
        let enc = |v: &Value| {
            let mut o = Vec::new();
            v.encode_canonical(ValueKind::Bit, &mut o);
            o
        };
        assert_eq!(enc(&Value::Bytes(vec![0, 255])), enc(&Value::Int(255)));
        assert_eq!(
            enc(&Value::Bytes(vec![0x80, 0, 0, 0, 0, 0, 0, 1])),
            enc(&Value::UInt(0x8000_0000_0000_0001))
        );
        assert_ne!(enc(&Value::Bytes(vec![1])), enc(&Value::Int(2)));
    }

    #[test]
    fn decimals_compare_by_value_whatever_the_scale() {
        let enc = |s: &str| canonical_row(&[Value::Bytes(s.as_bytes().to_vec())], &[ValueKind::Decimal]);
        assert_eq!(enc("1.5"), enc("1.500000000000000000000000000000"));
        assert_eq!(enc("2"), enc("2.000"));
        assert_eq!(enc("0"), enc("-0.00"));
        assert_eq!(enc("100"), enc("100"));
        assert_ne!(enc("100"), enc("1"));
        assert_ne!(enc("1.05"), enc("1.5"));
        assert_ne!(enc("-1.5"), enc("1.5"));
        assert_eq!(enc("NaN"), enc("NaN"));
    }

    #[test]
    fn json_compares_as_documents() {
        let a = Value::Bytes(br#"{"b": 1, "a": [1, 2]}"#.to_vec());
        let b = Value::Bytes(br#"{"a":[1,2],"b":1}"#.to_vec());
        assert_eq!(
            canonical_row(std::slice::from_ref(&a), &[ValueKind::Json]),
            canonical_row(std::slice::from_ref(&b), &[ValueKind::Json])
        );
        assert_ne!(
            canonical_row(&[a], &[ValueKind::Text]),
            canonical_row(&[b], &[ValueKind::Text])
        );
    }

    #[test]
    fn a_single_byte_changes_the_encoding() {
        let a = Value::Bytes(vec![0, 255, 1]);
        let b = Value::Bytes(vec![0, 254, 1]);
        assert_ne!(
            canonical_row(&[a], &[ValueKind::Binary]),
            canonical_row(&[b], &[ValueKind::Binary])
        );
    }

    #[test]
    fn null_differs_from_empty_and_columns_do_not_run_together() {
        let k = [ValueKind::Text, ValueKind::Text];
        let e = Value::Bytes(vec![]);
        assert_ne!(
            canonical_row(&[Value::Null, e.clone()], &k),
            canonical_row(&[e.clone(), e.clone()], &k)
        );
        let ab = [Value::Bytes(b"a".to_vec()), Value::Bytes(b"bc".to_vec())];
        let abc = [Value::Bytes(b"ab".to_vec()), Value::Bytes(b"c".to_vec())];
        assert_ne!(canonical_row(&ab, &k), canonical_row(&abc, &k));
    }

    #[test]
    fn hex_decodes_both_cases_and_refuses_garbage() {
        assert_eq!(hex_bytes::decode("00fFa1"), Some(vec![0, 255, 0xa1]));
        assert_eq!(hex_bytes::decode(""), Some(vec![]));
        assert_eq!(hex_bytes::decode("0"), None);
        assert_eq!(hex_bytes::decode("0g"), None);
        assert_eq!(hex_bytes::decode("+1"), None);
    }

    #[test]
    fn hex_round_trips() {
        let v = Value::Bytes(vec![0, 1, 0xff]);
        let j = serde_json::to_string(&v).unwrap();
        assert_eq!(j, r#"{"bytes":"0001ff"}"#);
        assert_eq!(serde_json::from_str::<Value>(&j).unwrap(), v);
    }
}
