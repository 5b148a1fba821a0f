//! Row changes: one mined statement, with the table's columns, as a [`RowChange`].

use super::statement::{Dml, RedoValue};
use super::value::to_value;
use crate::model::catalog::{TableId, ValueKind};
use crate::model::change::{RowChange, RowOp};
use crate::model::value::Value;
use std::sync::Arc;

/// Builds the row change of one mined statement. `columns`: the table's columns in table order
/// with their kinds; the change carries those the statement names, in that order.
/// UPDATE: before = the WHERE values overlaid with SQL_UNDO's SET (the old values of the changed
/// columns); after = before overlaid with SQL_REDO's SET.
pub fn row_change(redo: &Dml, undo: Option<&Dml>, columns: &[(String, ValueKind)]) -> Result<RowChange, String> {
    let table = redo.table();
    let fill = |pairs: &[(String, RedoValue)], slots: &mut [Option<Value>]| -> Result<(), String> {
        for (name, v) in pairs {
            let i = column_index(table, columns, name)?;
            slots[i] = Some(to_value(v, columns[i].1).map_err(|e| format!("{table}.{name}: {e}"))?);
        }
        Ok(())
    };
    enum Kind {
        Insert,
        Delete,
        Update,
    }
    let mut before = vec![None; columns.len()];
    let mut after = vec![None; columns.len()];
    let kind = match redo {
        Dml::Insert { values, .. } => {
            fill(values, &mut after)?;
            Kind::Insert
        }
        Dml::Delete { filter, .. } => {
            fill(filter, &mut before)?;
            if filter.is_empty() {
                return Err(format!(
                    "{table}: a DELETE without column values; enable supplemental logging of the key: \
                     ALTER TABLE {} ADD SUPPLEMENTAL LOG DATA (PRIMARY KEY) COLUMNS",
                    oracle_table(table)
                ));
            }
            Kind::Delete
        }
        Dml::Update { set, filter, .. } => {
            fill(filter, &mut before)?;
            match undo {
                Some(Dml::Update { table: t, set: old, .. }) if t == table => fill(old, &mut before)?,
                Some(other) => {
                    return Err(format!(
                        "{table}: the SQL_UNDO of an UPDATE is not an UPDATE of the table but {} of {}",
                        other.verb(),
                        other.table()
                    ));
                }
                None => {}
            }
            after.clone_from(&before);
            fill(set, &mut after)?;
            for (name, _) in set {
                if before[column_index(table, columns, name)?].is_none() {
                    return Err(format!(
                        "{table}: an UPDATE sets {name} but LogMiner has no old value for it; enable supplemental \
                         logging of all columns: ALTER TABLE {} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS",
                        oracle_table(table)
                    ));
                }
            }
            Kind::Update
        }
    };
    // An update's after image has exactly the columns of its before image (checked above).
    let present = if matches!(kind, Kind::Insert) { &after } else { &before };
    let keep: Vec<usize> = (0..columns.len()).filter(|&i| present[i].is_some()).collect();
    let names = keep.iter().map(|&i| columns[i].0.clone()).collect();
    let take = |slots: &mut [Option<Value>]| -> Vec<Value> {
        keep.iter().map(|&i| slots[i].take().unwrap_or(Value::Null)).collect()
    };
    let op = match kind {
        Kind::Insert => RowOp::Insert {
            after: take(&mut after),
        },
        Kind::Delete => RowOp::Delete {
            before: take(&mut before),
        },
        Kind::Update => RowOp::Update {
            before: take(&mut before),
            after: take(&mut after),
        },
    };
    Ok(RowChange {
        table: table.clone(),
        columns: Arc::new(names),
        op,
    })
}

fn oracle_table(t: &TableId) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    format!("{}.{}", q(&t.database), q(&t.name))
}

fn column_index(table: &TableId, columns: &[(String, ValueKind)], name: &str) -> Result<usize, String> {
    columns.iter().position(|(c, _)| c == name).ok_or_else(|| {
        let mismatch = name
            .strip_prefix("COL ")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let hint = if mismatch {
            "LogMiner writes COL n when the online dictionary no longer matches the redo (the table was altered \
             after this change); re-copy the table with `omsctl verify --repair` once the sync has passed the change"
        } else {
            "the table was probably altered since omsctl read its definition; restart `omsctl incr` to re-read it"
        };
        format!("{table} has no column {name:?} in omsctl's catalog, but LogMiner's SQL names it: {hint}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::oracle::logminer::parse_dml;
    use crate::engine::oracle::logminer::test_support::{bytes, emp, emp_columns};

    // ----- row changes ----------------------------------------------------------------------

    #[test]
    fn inserts_and_deletes_carry_the_named_columns_in_table_order() {
        let ins = parse_dml(
            "insert into \"SCOTT\".\"EMP\"(\"ENAME\",\"EMPNO\",\"HIREDATE\",\"SAL\",\"COMM\") values \
             ('MILLER','7934',TO_DATE('1982-01-23 00:00:00', 'YYYY-MM-DD HH24:MI:SS'),'1300',NULL);",
        )
        .unwrap();
        let ch = row_change(&ins, None, &emp_columns()).unwrap();
        assert_eq!(ch.table, emp());
        assert_eq!(*ch.columns, ["EMPNO", "ENAME", "HIREDATE", "SAL", "COMM"]);
        assert_eq!(
            ch.op,
            RowOp::Insert {
                after: vec![
                    Value::Int(7934),
                    bytes("MILLER"),
                    Value::Date(1982, 1, 23, 0, 0, 0, 0),
                    bytes("1300"),
                    Value::Null
                ]
            }
        );
        let del = parse_dml("delete from \"SCOTT\".\"EMP\" where \"EMPNO\" = '7934' and ROWID = 'AAAR3sAAEAAAACXAAN';")
            .unwrap();
        let ch = row_change(&del, None, &emp_columns()).unwrap();
        assert_eq!(*ch.columns, ["EMPNO"]);
        assert_eq!(
            ch.op,
            RowOp::Delete {
                before: vec![Value::Int(7934)]
            }
        );

        let keyless = parse_dml("delete from \"SCOTT\".\"EMP\" where ROWID = 'AAAR3sAAEAAAACXAAN';").unwrap();
        let e = row_change(&keyless, None, &emp_columns()).unwrap_err();
        assert!(
            e.contains("SCOTT.EMP: a DELETE without column values")
                && e.contains("SUPPLEMENTAL LOG DATA (PRIMARY KEY)"),
            "{e}"
        );
    }

    #[test]
    fn updates_take_old_values_from_where_and_undo_and_new_ones_from_set() {
        let redo = parse_dml(
            "update \"SCOTT\".\"EMP\" set \"SAL\" = '1500', \"JOB\" = 'ANALYST' where \"EMPNO\" = '7934' and \
             \"SAL\" = '1300' and ROWID = 'AAAR3sAAEAAAACXAAN';",
        )
        .unwrap();
        let undo = parse_dml(
            "update \"SCOTT\".\"EMP\" set \"SAL\" = '1300', \"JOB\" = 'CLERK' where \"EMPNO\" = '7934' and \
             \"SAL\" = '1500' and ROWID = 'AAAR3sAAEAAAACXAAN';",
        )
        .unwrap();
        let ch = row_change(&redo, Some(&undo), &emp_columns()).unwrap();
        assert_eq!(*ch.columns, ["EMPNO", "JOB", "SAL"]);
        assert_eq!(
            ch.op,
            RowOp::Update {
                before: vec![Value::Int(7934), bytes("CLERK"), bytes("1300")],
                after: vec![Value::Int(7934), bytes("ANALYST"), bytes("1500")],
            }
        );
        // Without SQL_UNDO, JOB's old value is unknown: supplemental logging is missing.
        let e = row_change(&redo, None, &emp_columns()).unwrap_err();
        assert!(
            e.contains("sets JOB but LogMiner has no old value") && e.contains("SUPPLEMENTAL LOG DATA (ALL) COLUMNS"),
            "{e}"
        );
        // Setting a column to NULL, and from NULL.
        let redo = parse_dml("update \"SCOTT\".\"EMP\" set \"COMM\" = NULL, \"MGR\" = '7782' where \"EMPNO\" = '7934' and \"COMM\" = '10' and \"MGR\" IS NULL").unwrap();
        let ch = row_change(&redo, None, &emp_columns()).unwrap();
        assert_eq!(
            ch.op,
            RowOp::Update {
                before: vec![Value::Int(7934), Value::Null, bytes("10")],
                after: vec![Value::Int(7934), Value::Int(7782), Value::Null],
            }
        );
        let wrong_undo = parse_dml("delete from \"SCOTT\".\"EMP\" where \"EMPNO\" = '1'").unwrap();
        let e = row_change(&redo, Some(&wrong_undo), &emp_columns()).unwrap_err();
        assert!(
            e.contains("SQL_UNDO of an UPDATE is not an UPDATE of the table but DELETE"),
            "{e}"
        );
    }

    #[test]
    fn unknown_columns_and_bad_values_name_table_and_column() {
        let dml = parse_dml("insert into \"SCOTT\".\"EMP\"(\"EMPNO\",\"BONUS\") values ('1','2')").unwrap();
        let e = row_change(&dml, None, &emp_columns()).unwrap_err();
        assert!(
            e.starts_with("SCOTT.EMP has no column \"BONUS\"") && e.contains("omsctl incr"),
            "{e}"
        );
        let dml =
            parse_dml("insert into \"SCOTT\".\"EMP\"(\"COL 1\",\"COL 2\") values (HEXTORAW('c102'),HEXTORAW('c103'))")
                .unwrap();
        let e = row_change(&dml, None, &emp_columns()).unwrap_err();
        assert!(
            e.contains("\"COL 1\"") && e.contains("dictionary no longer matches"),
            "{e}"
        );
        let dml = parse_dml("insert into \"SCOTT\".\"EMP\"(\"EMPNO\",\"HIREDATE\") values ('x',NULL)").unwrap();
        let e = row_change(&dml, None, &emp_columns()).unwrap_err();
        assert!(e.starts_with("SCOTT.EMP.EMPNO: "), "{e}");
        let mut dml =
            parse_dml("insert into \"SCOTT\".\"EMP\"(\"EMPNO\",\"NOTES\") values ('1',EMPTY_CLOB())").unwrap();
        dml.retain_columns(|c| c != "NOTES");
        assert_eq!(
            row_change(&dml, None, &emp_columns()).unwrap().op,
            RowOp::Insert {
                after: vec![Value::Int(1)]
            }
        );
    }
}
