//! Test helpers shared by the LogMiner submodules' tests.

use super::{Dml, RedoValue, parse_dml};
use crate::model::catalog::{TableId, ValueKind};
use crate::model::value::Value;

pub(super) fn s(v: &str) -> RedoValue {
    RedoValue::Str(v.into())
}

pub(super) fn emp() -> TableId {
    TableId::new("SCOTT", "EMP")
}

pub(super) fn emp_columns() -> Vec<(String, ValueKind)> {
    use ValueKind::*;
    [
        ("EMPNO", Integer),
        ("ENAME", Text),
        ("JOB", Text),
        ("MGR", Integer),
        ("HIREDATE", Date),
        ("SAL", Decimal),
        ("COMM", Decimal),
        ("DEPTNO", Integer),
    ]
    .iter()
    .map(|(c, k)| (c.to_string(), *k))
    .collect()
}

pub(super) fn bytes(s: &str) -> Value {
    Value::Bytes(s.as_bytes().to_vec())
}

/// The single value of `insert into "S"."T"("C") values (<literal>)`.
pub(super) fn literal(lit: &str) -> RedoValue {
    match parse_dml(&format!("insert into \"S\".\"T\"(\"C\") values ({lit});")) {
        Ok(Dml::Insert { mut values, .. }) if values.len() == 1 => values.remove(0).1,
        other => panic!("{lit}: {other:?}"),
    }
}
