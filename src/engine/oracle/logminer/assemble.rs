//! Rows and their assembly into transactions: V$LOGMNR_CONTENTS rows ([`ContentRow`]) in,
//! whole transactions and DDL ([`Assembled`]) out.

use super::sql_string;
use super::statement::{Dml, Tok, lex, near, parse};
use crate::model::catalog::TableId;
use std::collections::{HashMap, HashSet};

/// One row of V$LOGMNR_CONTENTS, columns as [`contents_query`] selects them (NULL numbers as 0).
///
/// [`contents_query`]: super::contents_query
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContentRow {
    pub scn: u64,
    /// The transaction's commit SCN (COMMITTED_DATA_ONLY fills it on every row).
    pub commit_scn: u64,
    /// RAWTOHEX(XID).
    pub xid: String,
    pub operation_code: u32,
    pub seg_owner: Option<String>,
    pub table_name: Option<String>,
    pub sql_redo: Option<String>,
    pub sql_undo: Option<String>,
    /// SQL_REDO / SQL_UNDO continue in the next row.
    pub csf: bool,
    /// The row undoes an earlier change of its transaction (a failed statement, or a rollback
    /// to a savepoint, in a transaction that still committed).
    pub rollback: bool,
    pub timestamp_unix: u32,
    pub info: Option<String>,
    /// ROW_ID: pairs a rollback row with the change it undoes.
    pub row_id: Option<String>,
}

/// V$LOGMNR_CONTENTS.OPERATION_CODE values.
mod op {
    pub const INTERNAL: u32 = 0;
    pub const INSERT: u32 = 1;
    pub const DELETE: u32 = 2;
    pub const UPDATE: u32 = 3;
    pub const DDL: u32 = 5;
    pub const START: u32 = 6;
    pub const COMMIT: u32 = 7;
    pub const SELECT_LOB_LOCATOR: u32 = 9;
    pub const LOB_WRITE: u32 = 10;
    pub const LOB_TRIM: u32 = 11;
    pub const SELECT_FOR_UPDATE: u32 = 25;
    /// The reference lists LOB_ERASE as 28; Debezium sees 29 from real servers. Both are taken.
    pub const LOB_ERASE_DOC: u32 = 28;
    pub const LOB_ERASE: u32 = 29;
    pub const MISSING_SCN: u32 = 34;
    pub const ROLLBACK: u32 = 36;
    pub const XML_DOC_BEGIN: u32 = 68;
    pub const XML_DOC_WRITE: u32 = 70;
    pub const XML_DOC_END: u32 = 71;
    pub const UNSUPPORTED: u32 = 255;
}

/// One mined change of a transaction: its SCN, SQL_REDO and, for updates, SQL_UNDO.
#[derive(Debug, Clone, PartialEq)]
pub struct MinedDml {
    pub scn: u64,
    pub redo: Dml,
    pub undo: Option<Dml>,
}

/// What the [`Assembler`] yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Assembled {
    /// A committed transaction, changes in redo order; `dml` is empty for transactions that
    /// touched none of the selected tables (their commit still advances the position).
    Txn {
        xid: String,
        commit_scn: u64,
        ts: u32,
        dml: Vec<MinedDml>,
    },
    /// A DDL statement as issued; `owner` is the schema of the object, `scn` its commit SCN.
    Ddl {
        owner: String,
        statement: String,
        scn: u64,
        ts: u32,
    },
}

#[derive(Debug, Default)]
struct OpenTxn {
    /// Changes with their ROW_ID.
    dml: Vec<(Option<String>, MinedDml)>,
    /// The LOB column the transaction's last SELECT_LOB_LOCATOR named, when it is excluded.
    excluded_lob: Option<TableId>,
}

/// Turns V$LOGMNR_CONTENTS rows, pushed in [`contents_query`]'s order, into transactions and
/// DDL. Rows of different transactions may interleave; CSF continuations must be adjacent.
///
/// [`contents_query`]: super::contents_query
#[derive(Debug, Default)]
pub struct Assembler {
    /// A row whose SQL continues in the next row, joined so far.
    partial: Option<ContentRow>,
    open: HashMap<String, OpenTxn>,
    /// The highest commit SCN delivered (or the resume SCN) and the transactions delivered at it.
    last_scn: u64,
    at_last: HashSet<String>,
    /// Columns not replicated: LOB operations on them are skipped instead of failing.
    excluded: HashSet<(TableId, String)>,
}

impl Assembler {
    /// `resume_scn`: the commit SCN of the last transaction the target holds. Transactions and
    /// DDL that committed before it are dropped; those at exactly it are delivered again (others
    /// may share the SCN); later ones are delivered once, even when windows overlap.
    pub fn new(resume_scn: u64) -> Self {
        Assembler {
            last_scn: resume_scn,
            ..Assembler::default()
        }
    }

    /// A column omsctl does not replicate (`exclude_columns`): LogMiner's LOB operations on it
    /// are skipped. Remove it from each change with [`Dml::retain_columns`] as well.
    pub fn exclude_column(&mut self, table: TableId, column: impl Into<String>) {
        self.excluded.insert((table, column.into()));
    }

    /// Transactions seen but not yet committed or rolled back, and whether a CSF row awaits its
    /// continuation; with COMMITTED_DATA_ONLY both are empty between windows.
    pub fn pending(&self) -> (usize, bool) {
        (self.open.len(), self.partial.is_some())
    }

    /// Feeds one row; returns a transaction on its COMMIT, a DDL statement on its row.
    pub fn push(&mut self, row: ContentRow) -> Result<Option<Assembled>, String> {
        let row = match self.partial.take() {
            Some(mut head) => {
                if head.xid != row.xid || head.operation_code != row.operation_code {
                    return Err(format!(
                        "LogMiner row at SCN {} (transaction {}, operation {}) should continue the statement \
                         started at SCN {} (transaction {}, CSF = 1) but does not; read V$LOGMNR_CONTENTS \
                         ordered by SCN, RS_ID, SSN and ROWNUM, as contents_query does",
                        row.scn, row.xid, row.operation_code, head.scn, head.xid
                    ));
                }
                append(&mut head.sql_redo, row.sql_redo);
                append(&mut head.sql_undo, row.sql_undo);
                if row.csf {
                    self.partial = Some(head);
                    return Ok(None);
                }
                head.csf = false;
                head
            }
            None if row.csf => {
                self.partial = Some(row);
                return Ok(None);
            }
            None => row,
        };
        self.dispatch(row)
    }

    fn dispatch(&mut self, row: ContentRow) -> Result<Option<Assembled>, String> {
        match row.operation_code {
            op::START => {
                self.open.entry(row.xid).or_default();
                Ok(None)
            }
            op::COMMIT => {
                let txn = self.open.remove(&row.xid).unwrap_or_default();
                let commit_scn = if row.commit_scn != 0 { row.commit_scn } else { row.scn };
                if !self.fresh(commit_scn, &row.xid) {
                    return Ok(None);
                }
                Ok(Some(Assembled::Txn {
                    xid: row.xid,
                    commit_scn,
                    ts: row.timestamp_unix,
                    dml: txn.dml.into_iter().map(|(_, d)| d).collect(),
                }))
            }
            op::ROLLBACK => {
                self.open.remove(&row.xid);
                Ok(None)
            }
            op::DDL => self.ddl(row),
            _ => match (&row.seg_owner, &row.table_name) {
                (Some(owner), Some(name)) => {
                    let table = TableId::new(owner.as_str(), name.as_str());
                    self.table_row(table, row)
                }
                // Internal rows (code 0 and the like) name no table: nothing to replicate.
                _ => Ok(None),
            },
        }
    }

    /// Whether a commit at `scn` of `xid` is new, recording it when it is.
    fn fresh(&mut self, scn: u64, xid: &str) -> bool {
        if scn < self.last_scn {
            false
        } else if scn == self.last_scn {
            self.at_last.insert(xid.to_string())
        } else {
            self.last_scn = scn;
            self.at_last.clear();
            self.at_last.insert(xid.to_string());
            true
        }
    }

    /// Whether the transaction a row belongs to was delivered already (overlapping windows).
    fn delivered(&self, row: &ContentRow) -> bool {
        row.commit_scn != 0
            && (row.commit_scn < self.last_scn || (row.commit_scn == self.last_scn && self.at_last.contains(&row.xid)))
    }

    fn ddl(&mut self, row: ContentRow) -> Result<Option<Assembled>, String> {
        if row.info.as_deref().is_some_and(|i| i.starts_with("INTERNAL DDL")) {
            return Ok(None);
        }
        let scn = if row.commit_scn != 0 { row.commit_scn } else { row.scn };
        let Some(statement) = row.sql_redo.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            return Err(format!(
                "LogMiner DDL row at SCN {} (transaction {}, owner {}) has no SQL_REDO; check INFO: {:?}",
                row.scn,
                row.xid,
                row.seg_owner.as_deref().unwrap_or("?"),
                row.info.as_deref().unwrap_or("")
            ));
        };
        let statement = statement.to_string();
        if !self.fresh(scn, &row.xid) {
            return Ok(None);
        }
        Ok(Some(Assembled::Ddl {
            owner: row.seg_owner.unwrap_or_default(),
            statement,
            scn,
            ts: row.timestamp_unix,
        }))
    }

    fn table_row(&mut self, table: TableId, row: ContentRow) -> Result<Option<Assembled>, String> {
        if self.delivered(&row) {
            return Ok(None);
        }
        let code = row.operation_code;
        match code {
            op::INSERT | op::DELETE | op::UPDATE => self.dml(table, row),
            op::INTERNAL | op::SELECT_FOR_UPDATE => Ok(None),
            op::SELECT_LOB_LOCATOR => {
                let column = row.sql_redo.as_deref().and_then(lob_locator_column);
                match column {
                    Some(c) if self.excluded.contains(&(table.clone(), c.clone())) => {
                        self.open.entry(row.xid).or_default().excluded_lob = Some(table);
                        Ok(None)
                    }
                    c => Err(lob_error(&row, &table, c.as_deref())),
                }
            }
            op::LOB_WRITE | op::LOB_TRIM | op::LOB_ERASE | op::LOB_ERASE_DOC => {
                let txn = self.open.get(&row.xid);
                if txn.and_then(|t| t.excluded_lob.as_ref()) == Some(&table) {
                    Ok(None)
                } else {
                    Err(lob_error(&row, &table, None))
                }
            }
            op::XML_DOC_BEGIN | op::XML_DOC_WRITE | op::XML_DOC_END => Err(located(
                &row,
                &table,
                "is an XMLType document operation, whose contents LogMiner does not put in SQL_REDO; \
                 exclude the table from the objects rules and re-copy it after the switchover",
            )),
            op::UNSUPPORTED => Err(located(
                &row,
                &table,
                &format!(
                    "is UNSUPPORTED: LogMiner cannot mine changes of this table (a column type or a storage \
                     option it does not support; SELECT * FROM DBA_LOGSTDBY_UNSUPPORTED WHERE OWNER = {} AND \
                     TABLE_NAME = {} lists the columns). Change the column type, or exclude the table from \
                     the objects rules; `omsctl verify --repair` re-copies rows that drifted",
                    sql_string(&table.database),
                    sql_string(&table.name)
                ),
            )),
            op::MISSING_SCN => Err(located(
                &row,
                &table,
                "is MISSING_SCN: redo for this change is missing from the mined log files; check that no \
                 archived log of the window was deleted before it was mined (V$ARCHIVED_LOG), then restart \
                 `omsctl incr`",
            )),
            other => Err(located(
                &row,
                &table,
                &format!(
                    "has OPERATION_CODE {other} (INFO {:?}), which omsctl does not know; please report it",
                    row.info.as_deref().unwrap_or("")
                ),
            )),
        }
    }

    fn dml(&mut self, table: TableId, row: ContentRow) -> Result<Option<Assembled>, String> {
        if row.rollback {
            // The row undoes an earlier change of this transaction: drop that change instead of
            // applying both. Not finding it means the change predates the window; nothing to undo.
            let rid = row
                .row_id
                .as_deref()
                .filter(|r| !r.is_empty() && r.bytes().any(|b| b != b'A'));
            let Some(rid) = rid else {
                return Err(located(
                    &row,
                    &table,
                    "undoes an earlier change (ROLLBACK = 1) but has no ROW_ID to find it by; \
                     re-copy the table with `omsctl verify --repair` after the sync",
                ));
            };
            if let Some(txn) = self.open.get_mut(&row.xid)
                && let Some(i) = txn.dml.iter().rposition(|(r, _)| r.as_deref() == Some(rid))
            {
                txn.dml.remove(i);
            }
            return Ok(None);
        }
        let Some(sql) = row.sql_redo.as_deref() else {
            return Err(located(&row, &table, "has no SQL_REDO"));
        };
        let unreadable = |which: &str, e: String| {
            located(
                &row,
                &table,
                &format!("has {which} omsctl cannot parse (please report it): {e}"),
            )
        };
        let redo = parse(sql).map_err(|e| unreadable("SQL_REDO", e))?;
        let expected = match row.operation_code {
            op::INSERT => "INSERT",
            op::DELETE => "DELETE",
            _ => "UPDATE",
        };
        if redo.verb() != expected {
            return Err(located(
                &row,
                &table,
                &format!(
                    "is operation {expected} but its SQL_REDO is {}: {}",
                    redo.verb(),
                    near(sql, 0)
                ),
            ));
        }
        let undo = match (&redo, row.sql_undo.as_deref()) {
            (Dml::Update { .. }, Some(u)) => Some(parse(u).map_err(|e| unreadable("SQL_UNDO", e))?),
            _ => None,
        };
        self.open.entry(row.xid.clone()).or_default().dml.push((
            row.row_id.clone(),
            MinedDml {
                scn: row.scn,
                redo,
                undo,
            },
        ));
        Ok(None)
    }
}

fn append(dst: &mut Option<String>, more: Option<String>) {
    if let Some(m) = more {
        dst.get_or_insert_with(String::new).push_str(&m);
    }
}

fn located(row: &ContentRow, table: &TableId, what: &str) -> String {
    format!(
        "{table}: LogMiner row at SCN {} (transaction {}) {what}",
        row.scn, row.xid
    )
}

fn lob_error(row: &ContentRow, table: &TableId, column: Option<&str>) -> String {
    let operation = match row.operation_code {
        op::SELECT_LOB_LOCATOR => "SELECT_LOB_LOCATOR",
        op::LOB_WRITE => "LOB_WRITE",
        op::LOB_TRIM => "LOB_TRIM",
        _ => "LOB_ERASE",
    };
    let (of, exclude) = match column {
        Some(c) => (format!(" of column {c}"), format!("exclude_columns = [{c:?}]")),
        None => (String::new(), "exclude_columns = [\"<the LOB column>\"]".to_string()),
    };
    located(
        row,
        table,
        &format!(
            "is a {operation}{of}: LogMiner does not carry LOB contents in SQL_REDO, so omsctl cannot replicate \
             them. Exclude the column ([tables.\"{table}\"] {exclude}) and `omsctl retry incr`, or re-copy \
             the table with `omsctl verify --repair`"
        ),
    )
}

/// The column a SELECT_LOB_LOCATOR's PL/SQL selects: `DECLARE … BEGIN select "C" into loc_c
/// from "O"."T" where … for update;`.
fn lob_locator_column(sql: &str) -> Option<String> {
    let toks = lex(sql).ok()?;
    let at = toks
        .iter()
        .position(|(_, t)| matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case("select")))?;
    match toks.get(at + 1) {
        Some((_, Tok::Ident(c))) => Some(c.clone()),
        Some((_, Tok::Word(c))) => Some(c.to_ascii_uppercase()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::oracle::logminer::test_support::{emp, emp_columns, s};
    use crate::engine::oracle::logminer::{RedoValue, row_change};
    use crate::model::change::RowOp;
    use crate::model::value::Value;

    // ----- assembly -------------------------------------------------------------------------

    const TS: u32 = 1_700_000_000;

    fn row(scn: u64, xid: &str, code: u32) -> ContentRow {
        ContentRow {
            scn,
            xid: xid.into(),
            operation_code: code,
            timestamp_unix: TS,
            ..ContentRow::default()
        }
    }

    fn on_emp(scn: u64, xid: &str, code: u32, redo: &str) -> ContentRow {
        ContentRow {
            seg_owner: Some("SCOTT".into()),
            table_name: Some("EMP".into()),
            sql_redo: Some(redo.into()),
            row_id: Some(format!("AAAR3sAAEAAAACX{scn:03}")),
            ..row(scn, xid, code)
        }
    }

    fn insert(scn: u64, xid: &str, empno: u32) -> ContentRow {
        on_emp(
            scn,
            xid,
            op::INSERT,
            &format!("insert into \"SCOTT\".\"EMP\"(\"EMPNO\") values ('{empno}');"),
        )
    }

    fn commit(scn: u64, xid: &str) -> ContentRow {
        ContentRow {
            commit_scn: scn,
            ..row(scn, xid, op::COMMIT)
        }
    }

    fn feed(a: &mut Assembler, rows: Vec<ContentRow>) -> Vec<Assembled> {
        rows.into_iter().filter_map(|r| a.push(r).unwrap()).collect()
    }

    fn empnos(out: &Assembled) -> (u64, Vec<String>) {
        match out {
            Assembled::Txn { commit_scn, dml, .. } => (
                *commit_scn,
                dml.iter()
                    .map(|d| match &d.redo {
                        Dml::Insert { values, .. } => match &values[0].1 {
                            RedoValue::Str(s) => s.clone(),
                            v => panic!("{v:?}"),
                        },
                        other => other.verb().to_string(),
                    })
                    .collect(),
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn interleaved_transactions_are_grouped_by_xid_and_emitted_on_commit() {
        let mut a = Assembler::new(0);
        let out = feed(
            &mut a,
            vec![
                row(10, "A", op::START),
                insert(11, "A", 1),
                row(12, "B", op::START),
                insert(13, "B", 2),
                insert(14, "A", 3),
                commit(15, "B"),
                insert(16, "A", 4),
                row(16, "C", op::START),
                commit(17, "A"),
                commit(18, "C"),
            ],
        );
        let got: Vec<_> = out.iter().map(empnos).collect();
        assert_eq!(
            got,
            [
                (15, vec!["2".to_string()]),
                (17, vec!["1".into(), "3".into(), "4".into()]),
                (18, vec![])
            ]
        );
        assert!(matches!(&out[1], Assembled::Txn { xid, ts: TS, .. } if xid == "A"));
        assert_eq!(a.pending(), (0, false));
        // A transaction whose START came before the window still commits what it has.
        let out = feed(&mut a, vec![insert(20, "D", 5), commit(21, "D")]);
        assert_eq!(empnos(&out[0]), (21, vec!["5".into()]));
    }

    #[test]
    fn a_rolled_back_transaction_is_discarded() {
        let mut a = Assembler::new(0);
        let out = feed(
            &mut a,
            vec![
                row(1, "A", op::START),
                insert(2, "A", 1),
                insert(3, "B", 2),
                row(4, "A", op::ROLLBACK),
                commit(5, "B"),
                commit(6, "A"),
            ],
        );
        let got: Vec<_> = out.iter().map(empnos).collect();
        assert_eq!(got, [(5, vec!["2".to_string()]), (6, vec![])]);
    }

    #[test]
    fn partial_rollback_rows_cancel_the_change_they_undo() {
        let mut a = Assembler::new(0);
        let undo_of_2 = ContentRow {
            rollback: true,
            row_id: Some("AAAR3sAAEAAAACX012".into()),
            ..on_emp(
                14,
                "A",
                op::DELETE,
                "delete from \"SCOTT\".\"EMP\" where ROWID = 'AAAR3sAAEAAAACX012';",
            )
        };
        // Undoes a change from before the window: nothing to cancel.
        let undo_of_unknown = ContentRow {
            rollback: true,
            row_id: Some("AAAR3sAAEAAAACXZZZ".into()),
            ..on_emp(
                15,
                "A",
                op::DELETE,
                "delete from \"SCOTT\".\"EMP\" where ROWID = 'AAAR3sAAEAAAACXZZZ';",
            )
        };
        let out = feed(
            &mut a,
            vec![
                insert(11, "A", 1),
                insert(12, "A", 2),
                insert(13, "A", 3),
                undo_of_2,
                undo_of_unknown,
                commit(16, "A"),
            ],
        );
        assert_eq!(empnos(&out[0]), (16, vec!["1".to_string(), "3".into()]));
        let no_rowid = ContentRow {
            rollback: true,
            row_id: Some("AAAAAAAAAAAAAAAAAA".into()),
            ..on_emp(20, "B", op::DELETE, "delete from \"SCOTT\".\"EMP\";")
        };
        let e = a.push(no_rowid).unwrap_err();
        assert!(
            e.contains("SCOTT.EMP: LogMiner row at SCN 20 (transaction B) undoes an earlier change"),
            "{e}"
        );
    }

    #[test]
    fn continuation_rows_are_joined_before_parsing() {
        let mut a = Assembler::new(0);
        let big = "x".repeat(5000);
        let redo =
            format!("update \"SCOTT\".\"EMP\" set \"ENAME\" = '{big}' where \"EMPNO\" = '1' and \"ENAME\" = 'a';");
        let undo =
            format!("update \"SCOTT\".\"EMP\" set \"ENAME\" = 'a' where \"EMPNO\" = '1' and \"ENAME\" = '{big}';");
        let piece = |sql: &str, k: usize| sql.get(k * 4000..((k + 1) * 4000).min(sql.len())).map(str::to_string);
        let part = |k: usize, csf: bool| ContentRow {
            csf,
            sql_redo: piece(&redo, k),
            sql_undo: piece(&undo, k),
            ..on_emp(7, "A", op::UPDATE, "")
        };
        // Both statements are cut inside the long quoted value.
        assert_eq!(a.push(part(0, true)), Ok(None));
        assert_eq!(a.pending(), (0, true));
        assert_eq!(a.push(part(1, false)), Ok(None));
        let out = feed(&mut a, vec![commit(8, "A")]);
        let Assembled::Txn { dml, .. } = &out[0] else { panic!() };
        assert!(matches!(&dml[0].redo, Dml::Update { set, .. } if set[0].1 == s(&big)));
        assert!(matches!(&dml[0].undo, Some(Dml::Update { filter, .. }) if filter[1].1 == s(&big)));
        let ch = row_change(&dml[0].redo, dml[0].undo.as_ref(), &emp_columns()).unwrap();
        assert_eq!(*ch.columns, ["EMPNO", "ENAME"]);

        // A continuation from another transaction means the rows came out of order.
        let mut a = Assembler::new(0);
        a.push(ContentRow {
            csf: true,
            ..insert(30, "A", 1)
        })
        .unwrap();
        let e = a.push(insert(31, "B", 2)).unwrap_err();
        assert!(
            e.contains("should continue the statement started at SCN 30") && e.contains("ROWNUM"),
            "{e}"
        );
    }

    #[test]
    fn lob_xml_and_unsupported_operations_fail_with_a_hint() {
        let locator = "DECLARE \n loc_c CLOB; \n buf_c VARCHAR2(6174); \n loc_b BLOB; \n buf_b RAW(6174); \nBEGIN\n \
                       select \"NOTES\" into loc_c from \"SCOTT\".\"EMP\" where \"EMPNO\" = '1' for update;";
        let write = "buf_c := 'hello'; \n  dbms_lob.write(loc_c, 5, 1, buf_c);";
        let mut a = Assembler::new(0);
        let e = a.push(on_emp(5, "A", op::SELECT_LOB_LOCATOR, locator)).unwrap_err();
        assert!(
            e.starts_with("SCOTT.EMP: LogMiner row at SCN 5 (transaction A) is a SELECT_LOB_LOCATOR of column NOTES"),
            "{e}"
        );
        assert!(
            e.contains("exclude_columns = [\"NOTES\"]") && e.contains("omsctl verify --repair"),
            "{e}"
        );
        for code in [op::LOB_WRITE, op::LOB_TRIM, op::LOB_ERASE, op::LOB_ERASE_DOC] {
            let e = a.push(on_emp(6, "A", code, write)).unwrap_err();
            assert!(e.contains("LogMiner does not carry LOB contents"), "{e}");
        }
        let e = a.push(on_emp(7, "A", op::UNSUPPORTED, "Unsupported")).unwrap_err();
        assert!(
            e.contains("is UNSUPPORTED")
                && e.contains("DBA_LOGSTDBY_UNSUPPORTED WHERE OWNER = 'SCOTT' AND TABLE_NAME = 'EMP'"),
            "{e}"
        );
        let e = a.push(on_emp(8, "A", op::XML_DOC_BEGIN, "")).unwrap_err();
        assert!(e.contains("XMLType"), "{e}");
        let e = a.push(on_emp(9, "A", op::MISSING_SCN, "")).unwrap_err();
        assert!(e.contains("MISSING_SCN") && e.contains("V$ARCHIVED_LOG"), "{e}");
        let e = a.push(on_emp(9, "A", 99, "")).unwrap_err();
        assert!(e.contains("OPERATION_CODE 99"), "{e}");

        // Once the column is excluded, its LOB operations are skipped and the rest goes through.
        let mut a = Assembler::new(0);
        a.exclude_column(emp(), "NOTES");
        let out = feed(
            &mut a,
            vec![
                on_emp(
                    5,
                    "A",
                    op::INSERT,
                    "insert into \"SCOTT\".\"EMP\"(\"EMPNO\",\"NOTES\") values ('1',EMPTY_CLOB());",
                ),
                on_emp(6, "A", op::SELECT_LOB_LOCATOR, locator),
                on_emp(7, "A", op::LOB_WRITE, write),
                on_emp(8, "A", op::LOB_TRIM, "dbms_lob.trim(loc_c, 5);"),
                commit(9, "A"),
            ],
        );
        let Assembled::Txn { dml, .. } = &out[0] else { panic!() };
        let mut redo = dml[0].redo.clone();
        redo.retain_columns(|c| c != "NOTES");
        assert_eq!(
            row_change(&redo, None, &emp_columns()).unwrap().op,
            RowOp::Insert {
                after: vec![Value::Int(1)]
            }
        );
        // A LOB write in a transaction whose locator named another column still fails.
        assert!(a.push(on_emp(10, "B", op::LOB_WRITE, write)).is_err());
    }

    #[test]
    fn ddl_is_emitted_alone_and_internal_rows_are_ignored() {
        let mut a = Assembler::new(0);
        let ddl = ContentRow {
            seg_owner: Some("SCOTT".into()),
            table_name: Some("BONUS".into()),
            sql_redo: Some("  create table bonus (ename varchar2(10));\n".into()),
            commit_scn: 42,
            ..row(41, "D", op::DDL)
        };
        let internal = ContentRow {
            info: Some("INTERNAL DDL".into()),
            sql_redo: Some("alter table \"SCOTT\".\"BIN$x\" rename to ...".into()),
            seg_owner: Some("SCOTT".into()),
            ..row(40, "I", op::DDL)
        };
        let out = feed(
            &mut a,
            vec![
                row(39, "Z", op::INTERNAL),
                row(39, "Z", 200),
                internal,
                row(40, "D", op::START),
                ddl,
                commit(42, "D"),
            ],
        );
        assert_eq!(
            out,
            [Assembled::Ddl {
                owner: "SCOTT".into(),
                statement: "create table bonus (ename varchar2(10));".into(),
                scn: 42,
                ts: TS,
            }]
        );
        // SELECT FOR UPDATE and internal changes on a table carry nothing to replicate.
        assert_eq!(a.push(on_emp(50, "E", op::SELECT_FOR_UPDATE, "")), Ok(None));
        assert_eq!(a.push(on_emp(51, "E", op::INTERNAL, "")), Ok(None));
        let e = a.push(row(52, "F", op::DDL)).unwrap_err();
        assert!(e.contains("DDL row at SCN 52") && e.contains("no SQL_REDO"), "{e}");
    }

    #[test]
    fn a_resumed_assembler_drops_what_was_delivered_and_replays_the_resume_scn() {
        let with_commit = |r: ContentRow, c: u64| ContentRow { commit_scn: c, ..r };
        let window = || {
            vec![
                with_commit(insert(90, "A", 1), 100),
                commit(100, "A"),
                with_commit(insert(95, "B", 2), 110),
                commit(110, "B"),
                with_commit(insert(105, "C", 3), 110),
                commit(110, "C"),
                with_commit(insert(111, "D", 4), 120),
                commit(120, "D"),
            ]
        };
        let mut a = Assembler::new(110);
        let got: Vec<_> = feed(&mut a, window()).iter().map(empnos).collect();
        assert_eq!(
            got,
            [
                (110, vec!["2".to_string()]),
                (110, vec!["3".into()]),
                (120, vec!["4".into()])
            ]
        );
        // The same window mined again (overlap) yields nothing new, and nothing is left open.
        assert!(feed(&mut a, window()).is_empty());
        assert_eq!(a.pending(), (0, false));
        // Changes of delivered transactions are not even parsed.
        assert_eq!(
            a.push(with_commit(on_emp(1, "A", op::INSERT, "garbage"), 100)),
            Ok(None)
        );
    }

    #[test]
    fn dml_rows_report_where_they_fail() {
        let mut a = Assembler::new(0);
        let e = a
            .push(on_emp(
                77,
                "X",
                op::INSERT,
                "insert into \"SCOTT\".\"EMP\"(\"EMPNO\") values ('1'",
            ))
            .unwrap_err();
        assert!(
            e.starts_with("SCOTT.EMP: LogMiner row at SCN 77 (transaction X) has SQL_REDO omsctl cannot parse"),
            "{e}"
        );
        let e = a
            .push(on_emp(
                78,
                "X",
                op::DELETE,
                "insert into \"SCOTT\".\"EMP\"(\"EMPNO\") values ('1')",
            ))
            .unwrap_err();
        assert!(e.contains("is operation DELETE but its SQL_REDO is INSERT"), "{e}");
        let e = a
            .push(ContentRow {
                sql_redo: None,
                ..on_emp(79, "X", op::UPDATE, "")
            })
            .unwrap_err();
        assert!(e.contains("has no SQL_REDO"), "{e}");
        let bad_undo = ContentRow {
            sql_undo: Some("update \"SCOTT\".\"EMP\" set".into()),
            ..on_emp(
                80,
                "X",
                op::UPDATE,
                "update \"SCOTT\".\"EMP\" set \"SAL\" = '1' where \"EMPNO\" = '1'",
            )
        };
        assert!(
            a.push(bad_undo)
                .unwrap_err()
                .contains("has SQL_UNDO omsctl cannot parse")
        );
    }
}
