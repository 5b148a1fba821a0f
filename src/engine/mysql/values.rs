//! Conversion between mysql_async values and the engine-neutral [`Value`]; both have the same
//! shape, so this only moves buffers.

use crate::model::value::Value;
use mysql_async::Value as My;

pub fn from_mysql(v: My) -> Value {
    match v {
        My::NULL => Value::Null,
        My::Bytes(b) => Value::Bytes(b),
        My::Int(i) => Value::Int(i),
        My::UInt(u) => Value::UInt(u),
        My::Float(f) => Value::Float(f),
        My::Double(d) => Value::Double(d),
        My::Date(y, m, d, h, i, s, us) => Value::Date(y, m, d, h, i, s, us),
        My::Time(n, d, h, m, s, us) => Value::Time(n, d, h, m, s, us),
    }
}

/// The zero date as text. A zero DATE/DATETIME sent as a binary-protocol parameter is a
/// zero-length value, which OceanBase stores as 1970-01-01; as a string every server stores
/// '0000-00-00' (found by verify against seekdb).
const ZERO_DATE: &[u8] = b"0000-00-00 00:00:00";

pub fn to_mysql(v: &Value) -> My {
    match v {
        Value::Date(0, 0, 0, 0, 0, 0, 0) => My::Bytes(ZERO_DATE.to_vec()),
        Value::Null => My::NULL,
        Value::Bytes(b) => My::Bytes(b.clone()),
        Value::Int(i) => My::Int(*i),
        Value::UInt(u) => My::UInt(*u),
        Value::Float(f) => My::Float(*f),
        Value::Double(d) => My::Double(*d),
        Value::Date(y, m, d, h, i, s, us) => My::Date(*y, *m, *d, *h, *i, *s, *us),
        Value::Time(n, d, h, m, s, us) => My::Time(*n, *d, *h, *m, *s, *us),
    }
}

pub fn into_mysql(v: Value) -> My {
    match v {
        Value::Bytes(b) => My::Bytes(b),
        other => to_mysql(&other),
    }
}

/// A row from the server as neutral values.
pub fn row(r: mysql_async::Row) -> Vec<Value> {
    r.unwrap().into_iter().map(from_mysql).collect()
}

/// Why a row cannot be stored by a MySQL-family server, if it cannot: NaN and ±Infinity
/// (which PostgreSQL has) have no MySQL form, and LOAD DATA LOCAL would turn them into 0 with
/// only a warning.
pub fn unrepresentable(spec: &crate::engine::TableSpec, row: &[Value]) -> Option<String> {
    use crate::model::catalog::ValueKind;
    row.iter().zip(&spec.kinds).zip(&spec.columns).find_map(|((v, k), c)| {
        let bad = match (v, k) {
            (Value::Double(d), _) => !d.is_finite(),
            (Value::Float(f), _) => !f.is_finite(),
            (Value::Bytes(b), ValueKind::Decimal) => {
                matches!(b.as_slice(), b"NaN" | b"Infinity" | b"-Infinity")
            }
            _ => false,
        };
        bad.then(|| {
            format!(
                "column {c} of the row with key {:?} holds {}, which MySQL cannot store",
                spec.key_of(row).iter().map(Value::display).collect::<Vec<_>>(),
                v.display()
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_dates_are_sent_as_text() {
        assert_eq!(
            to_mysql(&Value::Date(0, 0, 0, 0, 0, 0, 0)),
            My::Bytes(b"0000-00-00 00:00:00".to_vec())
        );
        assert_eq!(
            to_mysql(&Value::Date(2024, 2, 29, 1, 2, 3, 4)),
            My::Date(2024, 2, 29, 1, 2, 3, 4)
        );
        assert_eq!(
            into_mysql(Value::Date(0, 0, 0, 0, 0, 0, 0)),
            My::Bytes(b"0000-00-00 00:00:00".to_vec())
        );
    }
}
