//! LogMiner: parsing of V$LOGMNR_CONTENTS rows (SQL_REDO / SQL_UNDO) into row changes.
//!
//! The pure, server-free half of Oracle change capture. The engine, per SCN window:
//! 1. lists redo files with [`logfiles_query`] and registers each with [`add_logfile`];
//! 2. runs [`start_logmnr`] (online catalog as dictionary, committed transactions only);
//! 3. reads [`contents_query`] into [`ContentRow`]s and pushes them, in the query's order, into
//!    one long-lived [`Assembler`], which yields whole transactions and DDL ([`Assembled`]);
//! 4. turns each [`MinedDml`] into a [`RowChange`] with [`row_change`] and the table's columns;
//! 5. runs [`end_logmnr`].
//!
//! What LogMiner writes (Oracle Utilities, "Using LogMiner"; the session sets the NLS formats
//! named in [`NLS_HINT`] first): `insert into "HR"."JOBS"("JOB_ID","MIN_SALARY") values
//! ('IT_WT','4000');`, `update … set "A" = 'x', "B" = NULL where "ID" = '1' and "C" IS NULL and
//! ROWID = 'AAAH…';`, `delete from … where …;`. Numbers are usually quoted; dates, timestamps,
//! RAW, NCHAR and intervals are function calls; long strings are `'…' || '…'`; a column LogMiner
//! cannot render is the bare words `Unsupported Type`. A statement longer than 4,000 bytes is
//! split over rows with CSF = 1, which [`Assembler::push`] joins before parsing.
//!
//! An UPDATE's WHERE clause holds the old values LogMiner has: the changed columns plus whatever
//! supplemental logging adds. Its SQL_UNDO sets the changed columns back, so old values come
//! from both ([`row_change`]); without supplemental logging of all columns the after image has
//! only the key and the changed columns, which is what an upsert by key needs.
//!
//! Resuming: with COMMITTED_DATA_ONLY, LogMiner cannot return changes older than STARTSCN, so a
//! transaction that began before a window's start loses its early changes. Start each window
//! at or before the oldest transaction open when the previous one ended ([`restart_scn_query`])
//! and let [`Assembler::new`] drop what was already delivered: windows may overlap freely.
//! Several transactions can commit at one SCN, so a resume SCN delivers those at exactly that
//! SCN again; apply is idempotent (upserts and deletes by key), so replaying them is harmless.
//!
//! Parsers never panic: every error is a `String` naming the table, SCN and offending text.

use crate::model::catalog::{TableId, ValueKind};
use crate::model::change::{RowChange, RowOp};
use crate::model::value::{Value, hex_bytes};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// The NLS settings the LogMiner session must make before START_LOGMNR; errors about literal
/// formats quote it.
pub const NLS_HINT: &str = "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' \
     NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6' \
     NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM' NLS_NUMERIC_CHARACTERS = '.,'";

// ---------------------------------------------------------------------------------------------
// SQL text for the engine
// ---------------------------------------------------------------------------------------------

/// An Oracle (and PL/SQL) string literal. Oracle has no backslash escapes: doubling the quote
/// is the whole of it.
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Starts a LogMiner session over `[start_scn, end_scn]`. Only committed transactions are
/// returned, each contiguous and in commit order; the online catalog decodes table and column
/// names, so changes made before a table's last DDL show as `COL n` (see [`row_change`]).
pub fn start_logmnr(start_scn: u64, end_scn: u64) -> String {
    format!(
        "BEGIN DBMS_LOGMNR.START_LOGMNR(STARTSCN => {start_scn}, ENDSCN => {end_scn}, \
         OPTIONS => DBMS_LOGMNR.DICT_FROM_ONLINE_CATALOG + DBMS_LOGMNR.COMMITTED_DATA_ONLY); END;"
    )
}

/// Registers one redo file; `first` starts a new list (NEW), later ones add to it (ADDFILE).
pub fn add_logfile(path: &str, first: bool) -> String {
    let option = if first { "NEW" } else { "ADDFILE" };
    format!(
        "BEGIN DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => {}, OPTIONS => DBMS_LOGMNR.{option}); END;",
        sql_string(path)
    )
}

pub fn end_logmnr() -> &'static str {
    "BEGIN DBMS_LOGMNR.END_LOGMNR; END;"
}

/// The redo files holding changes after `start_scn`: columns NAME, THREAD#, SEQUENCE#,
/// FIRST_CHANGE#, NEXT_CHANGE#, one row per (thread, sequence), ordered. The archived copy wins
/// over the online member (an online log can be overwritten while it is mined); the online log
/// is used while it is not archived yet (CURRENT, ACTIVE). Archived logs of older incarnations
/// (before a RESETLOGS) are left out. The CURRENT log's NEXT_CHANGE# may be NULL or the maximum
/// SCN.
pub fn logfiles_query(start_scn: u64) -> String {
    format!(
        "SELECT NAME, THREAD#, SEQUENCE#, FIRST_CHANGE#, NEXT_CHANGE# FROM (
  SELECT NAME, THREAD#, SEQUENCE#, FIRST_CHANGE#, NEXT_CHANGE#,
         ROW_NUMBER() OVER (PARTITION BY THREAD#, SEQUENCE# ORDER BY PREFERENCE, NAME) AS PICK
  FROM (
    SELECT A.NAME, A.THREAD#, A.SEQUENCE#, A.FIRST_CHANGE#, A.NEXT_CHANGE#, 1 AS PREFERENCE
      FROM V$ARCHIVED_LOG A
     WHERE A.NAME IS NOT NULL AND A.ARCHIVED = 'YES' AND A.STATUS = 'A' AND A.STANDBY_DEST = 'NO'
       AND A.NEXT_CHANGE# > {start_scn}
       AND A.RESETLOGS_ID = (SELECT RESETLOGS_ID FROM V$DATABASE_INCARNATION WHERE STATUS = 'CURRENT')
    UNION ALL
    SELECT F.MEMBER, L.THREAD#, L.SEQUENCE#, L.FIRST_CHANGE#, L.NEXT_CHANGE#, 2
      FROM V$LOG L JOIN V$LOGFILE F ON F.GROUP# = L.GROUP#
     WHERE L.STATUS <> 'UNUSED' AND F.TYPE = 'ONLINE' AND NVL(F.STATUS, 'VALID') NOT IN ('INVALID', 'DELETED')
       AND (L.NEXT_CHANGE# IS NULL OR L.NEXT_CHANGE# > {start_scn})
  )
)
WHERE PICK = 1
ORDER BY THREAD#, SEQUENCE#"
    )
}

/// The current SCN and the START_SCN of the oldest open transaction (NULL when none), read in
/// one statement. End a window at that CURRENT_SCN and start the next one at that START_SCN
/// (CURRENT_SCN + 1 when none): a transaction open across the boundary then comes whole in the
/// next window, and the [`Assembler`] drops what the overlap repeats. RAC: use GV$TRANSACTION.
pub fn restart_scn_query() -> &'static str {
    "SELECT CURRENT_SCN, (SELECT MIN(START_SCN) FROM V$TRANSACTION) FROM V$DATABASE"
}

/// Reads the session's rows for `tables` (the replicated tables plus omsctl's own heartbeat
/// and checkpoint tables), DDL in their owners' schemas (LogMiner's `INTERNAL DDL` left out),
/// and every transaction's START, COMMIT and ROLLBACK. Columns, in [`ContentRow`] order: SCN,
/// COMMIT_SCN, XID (hex), OPERATION_CODE, SEG_OWNER, TABLE_NAME, SQL_REDO, SQL_UNDO, CSF,
/// ROLLBACK, TS_UNIX (TIMESTAMP, the server's wall clock, as UTC unix seconds), INFO, ROW_ID.
///
/// Ordered by SCN, RS_ID, SSN and then ROWNUM: (RS_ID, SSN) names one change, which spans
/// several rows when CSF = 1, and only the view's own order keeps those pieces in sequence.
pub fn contents_query(tables: &[TableId]) -> String {
    let tables: BTreeSet<&TableId> = tables.iter().collect();
    let owners: BTreeSet<&str> = tables.iter().map(|t| t.database.as_str()).collect();
    let mut filter = String::from("OPERATION_CODE IN (6, 7, 36)");
    if !owners.is_empty() {
        let owners: Vec<String> = owners.into_iter().map(sql_string).collect();
        let pairs: Vec<String> = tables
            .iter()
            .map(|t| {
                format!(
                    "(SEG_OWNER = {} AND TABLE_NAME = {})",
                    sql_string(&t.database),
                    sql_string(&t.name)
                )
            })
            .collect();
        filter.push_str(&format!(
            "\n     OR (OPERATION_CODE = 5 AND SEG_OWNER IN ({}) AND (INFO IS NULL OR INFO NOT LIKE 'INTERNAL DDL%'))\
             \n     OR (OPERATION_CODE NOT IN (5, 6, 7, 36) AND ({}))",
            owners.join(", "),
            pairs.join("\n       OR ")
        ));
    }
    format!(
        "SELECT SCN, COMMIT_SCN, XID_HEX, OPERATION_CODE, SEG_OWNER, TABLE_NAME, SQL_REDO, SQL_UNDO, CSF, ROLLBACK,
       TS_UNIX, INFO, ROW_ID FROM (
  SELECT SCN, COMMIT_SCN, RAWTOHEX(XID) AS XID_HEX, OPERATION_CODE, SEG_OWNER, TABLE_NAME, SQL_REDO, SQL_UNDO,
         CSF, ROLLBACK, ROUND((CAST(SYS_EXTRACT_UTC(FROM_TZ(CAST(\"TIMESTAMP\" AS TIMESTAMP),
           TO_CHAR(SYSTIMESTAMP, 'TZH:TZM'))) AS DATE) - DATE '1970-01-01') * 86400) AS TS_UNIX,
         INFO, ROW_ID, RS_ID, SSN, ROWNUM AS RN
    FROM V$LOGMNR_CONTENTS
   WHERE {filter}
)
ORDER BY SCN, RS_ID, SSN, RN"
    )
}

// ---------------------------------------------------------------------------------------------
// Rows and their assembly into transactions
// ---------------------------------------------------------------------------------------------

/// One row of V$LOGMNR_CONTENTS, columns as [`contents_query`] selects them (NULL numbers as 0).
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

// ---------------------------------------------------------------------------------------------
// SQL_REDO / SQL_UNDO statements
// ---------------------------------------------------------------------------------------------

/// A value as LogMiner writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum RedoValue {
    Null,
    /// A quoted literal: `''` undone, `||` pieces joined, UNISTR decoded.
    Str(String),
    /// An unquoted number, sign included, as written.
    Number(String),
    /// `NAME(args)` with NAME upper-cased. A bare keyword (`BINARY_FLOAT_NAN`) has no args; a
    /// negated one is `-` applied to it.
    Func {
        name: String,
        args: Vec<RedoValue>,
    },
    /// `Unsupported Type`: LogMiner cannot render the column's value.
    Unsupported,
}

/// One SQL_REDO or SQL_UNDO statement. Column names are as the dictionary spells them; the
/// ROWID predicate LogMiner adds is dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum Dml {
    Insert {
        table: TableId,
        values: Vec<(String, RedoValue)>,
    },
    Update {
        table: TableId,
        set: Vec<(String, RedoValue)>,
        filter: Vec<(String, RedoValue)>,
    },
    Delete {
        table: TableId,
        filter: Vec<(String, RedoValue)>,
    },
}

impl Dml {
    pub fn table(&self) -> &TableId {
        match self {
            Dml::Insert { table, .. } | Dml::Update { table, .. } | Dml::Delete { table, .. } => table,
        }
    }

    /// Keeps only the columns `keep` accepts, e.g. to drop `exclude_columns` before [`row_change`].
    pub fn retain_columns(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let mut retain = |v: &mut Vec<(String, RedoValue)>| v.retain(|(c, _)| keep(c));
        match self {
            Dml::Insert { values, .. } => retain(values),
            Dml::Update { set, filter, .. } => {
                retain(set);
                retain(filter);
            }
            Dml::Delete { filter, .. } => retain(filter),
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Dml::Insert { .. } => "INSERT",
            Dml::Update { .. } => "UPDATE",
            Dml::Delete { .. } => "DELETE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// `"quoted"`, with `""` undone.
    Ident(String),
    /// Unquoted identifier or keyword, as written.
    Word(String),
    Str(String),
    Num(String),
    Sym(char),
    Concat,
}

/// Splits SQL into tokens with their byte offsets.
fn lex(sql: &str) -> Result<Vec<(usize, Tok)>, String> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                let (text, end) = quoted(sql, i)?;
                i = end;
                if c == b'\'' { Tok::Str(text) } else { Tok::Ident(text) }
            }
            b'|' if b.get(i + 1) == Some(&b'|') => {
                i += 2;
                Tok::Concat
            }
            b'0'..=b'9' => {
                i = number_end(b, i);
                Tok::Num(sql[start..i].to_string())
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(b, i);
                Tok::Num(sql[start..i].to_string())
            }
            b'(' | b')' | b',' | b'.' | b'=' | b';' | b'-' | b'+' => {
                i += 1;
                Tok::Sym(c as char)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while b
                    .get(i)
                    .is_some_and(|&x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'$' | b'#'))
                {
                    i += 1;
                }
                Tok::Word(sql[start..i].to_string())
            }
            _ => return Err(format!("unexpected character at byte {i}: {}", near(sql, i))),
        };
        out.push((start, tok));
    }
    Ok(out)
}

/// A `'…'` or `"…"` token starting at `start`: its text with doubled quotes undone, and the
/// offset after it.
fn quoted(sql: &str, start: usize) -> Result<(String, usize), String> {
    let b = sql.as_bytes();
    let q = b[start];
    let mut text = String::new();
    let mut seg = start + 1;
    loop {
        let Some(j) = b[seg..].iter().position(|&x| x == q).map(|j| seg + j) else {
            return Err(format!(
                "the quote at byte {start} is never closed (a CSF continuation row missing?): {}",
                near(sql, start)
            ));
        };
        text.push_str(&sql[seg..j]);
        if b.get(j + 1) == Some(&q) {
            text.push(q as char);
            seg = j + 2;
        } else {
            return Ok((text, j + 1));
        }
    }
}

/// The end of a number starting at `i`: digits, a fraction, an exponent.
fn number_end(b: &[u8], mut i: usize) -> usize {
    let digits = |b: &[u8], mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(b, i);
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if b.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(b, i + 1 + sign);
        }
    }
    i
}

/// Up to 80 characters of `sql` around byte `pos`, for error messages.
fn near(sql: &str, pos: usize) -> String {
    let mut start = pos.saturating_sub(20).min(sql.len());
    while !sql.is_char_boundary(start) {
        start -= 1;
    }
    let rest = &sql[start..];
    let end = rest.char_indices().nth(80).map_or(rest.len(), |(i, _)| i);
    let head = if start > 0 { "…" } else { "" };
    let tail = if end < rest.len() { "…" } else { "" };
    format!("`{head}{}{tail}`", &rest[..end])
}

fn clip(s: &str) -> String {
    near(s, 0)
}

struct Parser<'a> {
    sql: &'a str,
    toks: Vec<(usize, Tok)>,
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(_, t)| t)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|(_, t)| t.clone());
        self.i += 1;
        t
    }

    fn error(&self, expected: &str) -> String {
        let (pos, found) = match self.toks.get(self.i) {
            Some((p, t)) => (*p, format!("{t:?}")),
            None => (self.sql.len(), "the end".to_string()),
        };
        let found = if found.chars().count() > 40 {
            format!("{}…", found.chars().take(40).collect::<String>())
        } else {
            found
        };
        format!(
            "expected {expected} at byte {pos}, found {found}: {}",
            near(self.sql, pos)
        )
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn keyword(&mut self, kw: &str) -> Result<(), String> {
        if self.is_keyword(kw) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(kw))
        }
    }

    fn eat(&mut self, sym: char) -> bool {
        if self.peek() == Some(&Tok::Sym(sym)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: char) -> Result<(), String> {
        if self.eat(sym) {
            Ok(())
        } else {
            Err(self.error(&format!("`{sym}`")))
        }
    }

    /// A quoted identifier as is, an unquoted one upper-cased (as Oracle stores it).
    fn ident(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.i += 1;
                Ok(s)
            }
            Some(Tok::Word(w)) => {
                let s = w.to_ascii_uppercase();
                self.i += 1;
                Ok(s)
            }
            _ => Err(self.error("an identifier")),
        }
    }

    fn table(&mut self) -> Result<TableId, String> {
        let owner = self.ident()?;
        if !self.eat('.') {
            return Err(self.error("`.` and a table name (LogMiner qualifies tables with their owner)"));
        }
        Ok(TableId::new(owner, self.ident()?))
    }

    /// A value: a term, or string terms joined with `||`.
    fn value(&mut self) -> Result<RedoValue, String> {
        let first = self.term()?;
        if self.peek() != Some(&Tok::Concat) {
            return Ok(first);
        }
        let mut text = String::new();
        let mut piece = first;
        loop {
            match piece {
                RedoValue::Str(s) => text.push_str(&s),
                // Oracle: 'a' || NULL is 'a'.
                RedoValue::Null => {}
                _ => return Err(self.error("string literals around `||`")),
            }
            if self.peek() != Some(&Tok::Concat) {
                return Ok(RedoValue::Str(text));
            }
            self.i += 1;
            piece = self.term()?;
        }
    }

    fn term(&mut self) -> Result<RedoValue, String> {
        let at = self.i;
        match self.bump() {
            Some(Tok::Str(s)) => Ok(RedoValue::Str(s)),
            Some(Tok::Num(n)) => Ok(RedoValue::Number(n)),
            Some(Tok::Sym(sign @ ('-' | '+'))) => match self.bump() {
                Some(Tok::Num(n)) if sign == '-' => Ok(RedoValue::Number(format!("-{n}"))),
                Some(Tok::Num(n)) => Ok(RedoValue::Number(n)),
                Some(Tok::Word(_)) if sign == '-' => {
                    self.i -= 1;
                    let inner = self.term()?;
                    Ok(RedoValue::Func {
                        name: "-".into(),
                        args: vec![inner],
                    })
                }
                _ => {
                    self.i -= 1;
                    Err(self.error("a number after the sign"))
                }
            },
            Some(Tok::Word(w)) => {
                let name = w.to_ascii_uppercase();
                if name == "NULL" {
                    return Ok(RedoValue::Null);
                }
                if name == "UNSUPPORTED" && self.is_keyword("TYPE") {
                    self.i += 1;
                    return Ok(RedoValue::Unsupported);
                }
                if !self.eat('(') {
                    return Ok(RedoValue::Func { name, args: vec![] });
                }
                let mut args = Vec::new();
                if !self.eat(')') {
                    loop {
                        args.push(self.value()?);
                        if self.eat(')') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                if name == "UNISTR" {
                    return match args.as_slice() {
                        [RedoValue::Str(s)] => unistr(s).map(RedoValue::Str).map_err(|e| {
                            let pos = self.toks.get(at).map_or(0, |(p, _)| *p);
                            format!("{e}: {}", near(self.sql, pos))
                        }),
                        _ => {
                            self.i = at;
                            Err(self.error("UNISTR with one string argument"))
                        }
                    };
                }
                Ok(RedoValue::Func { name, args })
            }
            _ => {
                self.i = at;
                Err(self.error("a value"))
            }
        }
    }

    /// `"A" = v and "B" IS NULL and ROWID = '…'`, ROWID left out.
    fn predicates(&mut self) -> Result<Vec<(String, RedoValue)>, String> {
        let mut out = Vec::new();
        loop {
            if self.is_keyword("ROWID") {
                self.i += 1;
                self.expect('=')?;
                self.value()?;
            } else {
                let column = self.ident()?;
                if self.eat('=') {
                    out.push((column, self.value()?));
                } else if self.is_keyword("IS") {
                    self.i += 1;
                    self.keyword("NULL")?;
                    out.push((column, RedoValue::Null));
                } else {
                    return Err(self.error("`=` or IS NULL"));
                }
            }
            if !self.is_keyword("AND") {
                return Ok(out);
            }
            self.i += 1;
        }
    }

    fn assignments(&mut self) -> Result<Vec<(String, RedoValue)>, String> {
        let mut out = Vec::new();
        loop {
            let column = self.ident()?;
            self.expect('=')?;
            out.push((column, self.value()?));
            if !self.eat(',') {
                return Ok(out);
            }
        }
    }

    fn where_clause(&mut self) -> Result<Vec<(String, RedoValue)>, String> {
        if self.is_keyword("WHERE") {
            self.i += 1;
            self.predicates()
        } else {
            Ok(Vec::new())
        }
    }

    fn insert(&mut self) -> Result<Dml, String> {
        self.keyword("INTO")?;
        let table = self.table()?;
        self.expect('(')?;
        let mut columns = vec![self.ident()?];
        while self.eat(',') {
            columns.push(self.ident()?);
        }
        self.expect(')')?;
        self.keyword("VALUES")?;
        self.expect('(')?;
        let mut values = vec![self.value()?];
        while self.eat(',') {
            values.push(self.value()?);
        }
        self.expect(')')?;
        if values.len() != columns.len() {
            return Err(format!(
                "{} columns but {} values: {}",
                columns.len(),
                values.len(),
                clip(self.sql)
            ));
        }
        Ok(Dml::Insert {
            table,
            values: columns.into_iter().zip(values).collect(),
        })
    }
}

/// Parses one SQL_REDO or SQL_UNDO DML statement (the trailing `;` is optional).
pub fn parse_dml(sql: &str) -> Result<Dml, String> {
    parse(sql).map_err(|e| format!("cannot parse LogMiner SQL: {e}"))
}

fn parse(sql: &str) -> Result<Dml, String> {
    let mut p = Parser {
        sql,
        toks: lex(sql)?,
        i: 0,
    };
    let dml = if p.is_keyword("INSERT") {
        p.i += 1;
        p.insert()?
    } else if p.is_keyword("UPDATE") {
        p.i += 1;
        let table = p.table()?;
        p.keyword("SET")?;
        let set = p.assignments()?;
        let filter = p.where_clause()?;
        Dml::Update { table, set, filter }
    } else if p.is_keyword("DELETE") {
        p.i += 1;
        p.keyword("FROM")?;
        let table = p.table()?;
        let filter = p.where_clause()?;
        Dml::Delete { table, filter }
    } else {
        return Err(p.error("INSERT, UPDATE or DELETE"));
    };
    p.eat(';');
    if p.peek().is_some() {
        return Err(p.error("the end of the statement"));
    }
    Ok(dml)
}

/// Decodes UNISTR's argument: `\XXXX` is a UTF-16 code unit (surrogate pairs combine), `\\` a
/// backslash, anything else itself.
fn unistr(s: &str) -> Result<String, String> {
    let mut units: Vec<u16> = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
            continue;
        }
        let rest = chars.as_str();
        if let Some(after) = rest.strip_prefix('\\') {
            units.push(u16::from(b'\\'));
            chars = after.chars();
            continue;
        }
        let hex = rest.get(..4).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(unit) = hex.and_then(|h| u16::from_str_radix(h, 16).ok()) else {
            return Err(format!(
                "UNISTR escape `\\{}` is not four hex digits",
                rest.chars().take(4).collect::<String>()
            ));
        };
        units.push(unit);
        chars = rest[4..].chars();
    }
    String::from_utf16(&units).map_err(|_| "UNISTR holds an unpaired UTF-16 surrogate".to_string())
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Row changes
// ---------------------------------------------------------------------------------------------

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

    fn s(v: &str) -> RedoValue {
        RedoValue::Str(v.into())
    }

    fn n(v: &str) -> RedoValue {
        RedoValue::Number(v.into())
    }

    fn f(name: &str, args: Vec<RedoValue>) -> RedoValue {
        RedoValue::Func {
            name: name.into(),
            args,
        }
    }

    fn pairs(p: &[(&str, RedoValue)]) -> Vec<(String, RedoValue)> {
        p.iter().map(|(c, v)| (c.to_string(), v.clone())).collect()
    }

    fn emp() -> TableId {
        TableId::new("SCOTT", "EMP")
    }

    fn emp_columns() -> Vec<(String, ValueKind)> {
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

    fn bytes(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    /// The single value of `insert into "S"."T"("C") values (<literal>)`.
    fn literal(lit: &str) -> RedoValue {
        match parse_dml(&format!("insert into \"S\".\"T\"(\"C\") values ({lit});")) {
            Ok(Dml::Insert { mut values, .. }) if values.len() == 1 => values.remove(0).1,
            other => panic!("{lit}: {other:?}"),
        }
    }

    fn value(lit: &str, kind: ValueKind) -> Result<Value, String> {
        to_value(&literal(lit), kind)
    }

    // ----- SQL text -------------------------------------------------------------------------

    #[test]
    fn session_statements_match_their_golden_text() {
        assert_eq!(
            start_logmnr(100, 200),
            "BEGIN DBMS_LOGMNR.START_LOGMNR(STARTSCN => 100, ENDSCN => 200, OPTIONS => \
             DBMS_LOGMNR.DICT_FROM_ONLINE_CATALOG + DBMS_LOGMNR.COMMITTED_DATA_ONLY); END;"
        );
        assert_eq!(
            add_logfile("/u01/arch/1_42_1.arc", true),
            "BEGIN DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => '/u01/arch/1_42_1.arc', OPTIONS => DBMS_LOGMNR.NEW); END;"
        );
        assert_eq!(
            add_logfile("+DATA/redo01.log", false),
            "BEGIN DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => '+DATA/redo01.log', OPTIONS => DBMS_LOGMNR.ADDFILE); END;"
        );
        assert_eq!(end_logmnr(), "BEGIN DBMS_LOGMNR.END_LOGMNR; END;");
        assert_eq!(
            restart_scn_query(),
            "SELECT CURRENT_SCN, (SELECT MIN(START_SCN) FROM V$TRANSACTION) FROM V$DATABASE"
        );
    }

    #[test]
    fn logfiles_query_matches_its_golden_text() {
        let expected = "SELECT NAME, THREAD#, SEQUENCE#, FIRST_CHANGE#, NEXT_CHANGE# FROM (
  SELECT NAME, THREAD#, SEQUENCE#, FIRST_CHANGE#, NEXT_CHANGE#,
         ROW_NUMBER() OVER (PARTITION BY THREAD#, SEQUENCE# ORDER BY PREFERENCE, NAME) AS PICK
  FROM (
    SELECT A.NAME, A.THREAD#, A.SEQUENCE#, A.FIRST_CHANGE#, A.NEXT_CHANGE#, 1 AS PREFERENCE
      FROM V$ARCHIVED_LOG A
     WHERE A.NAME IS NOT NULL AND A.ARCHIVED = 'YES' AND A.STATUS = 'A' AND A.STANDBY_DEST = 'NO'
       AND A.NEXT_CHANGE# > 8412345
       AND A.RESETLOGS_ID = (SELECT RESETLOGS_ID FROM V$DATABASE_INCARNATION WHERE STATUS = 'CURRENT')
    UNION ALL
    SELECT F.MEMBER, L.THREAD#, L.SEQUENCE#, L.FIRST_CHANGE#, L.NEXT_CHANGE#, 2
      FROM V$LOG L JOIN V$LOGFILE F ON F.GROUP# = L.GROUP#
     WHERE L.STATUS <> 'UNUSED' AND F.TYPE = 'ONLINE' AND NVL(F.STATUS, 'VALID') NOT IN ('INVALID', 'DELETED')
       AND (L.NEXT_CHANGE# IS NULL OR L.NEXT_CHANGE# > 8412345)
  )
)
WHERE PICK = 1
ORDER BY THREAD#, SEQUENCE#";
        assert_eq!(logfiles_query(8_412_345), expected);
    }

    #[test]
    fn contents_query_matches_its_golden_text() {
        let tables = [
            TableId::new("SCOTT", "EMP"),
            TableId::new("OMSCTL", "HEARTBEAT"),
            TableId::new("SCOTT", "DEPT"),
            TableId::new("SCOTT", "EMP"),
        ];
        let expected =
            "SELECT SCN, COMMIT_SCN, XID_HEX, OPERATION_CODE, SEG_OWNER, TABLE_NAME, SQL_REDO, SQL_UNDO, CSF, ROLLBACK,
       TS_UNIX, INFO, ROW_ID FROM (
  SELECT SCN, COMMIT_SCN, RAWTOHEX(XID) AS XID_HEX, OPERATION_CODE, SEG_OWNER, TABLE_NAME, SQL_REDO, SQL_UNDO,
         CSF, ROLLBACK, ROUND((CAST(SYS_EXTRACT_UTC(FROM_TZ(CAST(\"TIMESTAMP\" AS TIMESTAMP),
           TO_CHAR(SYSTIMESTAMP, 'TZH:TZM'))) AS DATE) - DATE '1970-01-01') * 86400) AS TS_UNIX,
         INFO, ROW_ID, RS_ID, SSN, ROWNUM AS RN
    FROM V$LOGMNR_CONTENTS
   WHERE OPERATION_CODE IN (6, 7, 36)
     OR (OPERATION_CODE = 5 AND SEG_OWNER IN ('OMSCTL', 'SCOTT') AND (INFO IS NULL OR INFO NOT LIKE 'INTERNAL DDL%'))
     OR (OPERATION_CODE NOT IN (5, 6, 7, 36) AND ((SEG_OWNER = 'OMSCTL' AND TABLE_NAME = 'HEARTBEAT')
       OR (SEG_OWNER = 'SCOTT' AND TABLE_NAME = 'DEPT')
       OR (SEG_OWNER = 'SCOTT' AND TABLE_NAME = 'EMP')))
)
ORDER BY SCN, RS_ID, SSN, RN";
        assert_eq!(contents_query(&tables), expected);
        let bare = contents_query(&[]);
        assert!(bare.contains("WHERE OPERATION_CODE IN (6, 7, 36)\n)"), "{bare}");
    }

    #[test]
    fn names_and_paths_cannot_break_out_of_their_literals() {
        let evil = "x'); DROP TABLE T; --";
        assert_eq!(
            add_logfile(evil, true),
            "BEGIN DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => 'x''); DROP TABLE T; --', OPTIONS => DBMS_LOGMNR.NEW); END;"
        );
        let q = contents_query(&[TableId::new("O'X", "T' OR 1=1 --")]);
        assert!(
            q.contains("(SEG_OWNER = 'O''X' AND TABLE_NAME = 'T'' OR 1=1 --')"),
            "{q}"
        );
        assert!(q.contains("SEG_OWNER IN ('O''X')"), "{q}");
    }

    // ----- parsing --------------------------------------------------------------------------

    #[test]
    fn inserts_updates_and_deletes_parse_as_the_oracle_docs_show_them() {
        let ins = "insert into \"HR\".\"JOBS\"(\"JOB_ID\",\"JOB_TITLE\",\"MIN_SALARY\",\"MAX_SALARY\") \
                   values ('IT_WT','Technical Writer','4000','11000');";
        assert_eq!(
            parse_dml(ins),
            Ok(Dml::Insert {
                table: TableId::new("HR", "JOBS"),
                values: pairs(&[
                    ("JOB_ID", s("IT_WT")),
                    ("JOB_TITLE", s("Technical Writer")),
                    ("MIN_SALARY", s("4000")),
                    ("MAX_SALARY", s("11000")),
                ]),
            })
        );
        let upd = "update \"OE\".\"PRODUCT_INFORMATION\" set \"WARRANTY_PERIOD\" = TO_YMINTERVAL('+05-00'), \
                   \"LIST_PRICE\" = NULL where \"PRODUCT_ID\" = '3399' and \"WARRANTY_PERIOD\" = \
                   TO_YMINTERVAL('+02-00') and ROWID = 'AAAHTKAABAAAY9mAAB';";
        assert_eq!(
            parse_dml(upd),
            Ok(Dml::Update {
                table: TableId::new("OE", "PRODUCT_INFORMATION"),
                set: pairs(&[
                    ("WARRANTY_PERIOD", f("TO_YMINTERVAL", vec![s("+05-00")])),
                    ("LIST_PRICE", RedoValue::Null),
                ]),
                filter: pairs(&[
                    ("PRODUCT_ID", s("3399")),
                    ("WARRANTY_PERIOD", f("TO_YMINTERVAL", vec![s("+02-00")])),
                ]),
            })
        );
        let del = "delete from \"OE\".\"ORDERS\" where \"ORDER_ID\" = '2413' and \"ORDER_MODE\" = 'direct' and \
                   \"PROMOTION_ID\" IS NULL and \"SALES_REP_ID\" = NULL and ROWID = 'AAAHTCAABAAAZAPAAN'";
        assert_eq!(
            parse_dml(del),
            Ok(Dml::Delete {
                table: TableId::new("OE", "ORDERS"),
                filter: pairs(&[
                    ("ORDER_ID", s("2413")),
                    ("ORDER_MODE", s("direct")),
                    ("PROMOTION_ID", RedoValue::Null),
                    ("SALES_REP_ID", RedoValue::Null),
                ]),
            })
        );
        // No WHERE at all (a table without supplemental logging, ROWID-less).
        assert_eq!(
            parse_dml("delete from \"S\".\"T\";"),
            Ok(Dml::Delete {
                table: TableId::new("S", "T"),
                filter: vec![]
            })
        );
        assert!(
            matches!(parse_dml("update \"S\".\"T\" set \"A\" = '1'"), Ok(Dml::Update { filter, .. }) if filter.is_empty())
        );
    }

    #[test]
    fn every_literal_form_parses() {
        let cases = [
            ("NULL", RedoValue::Null),
            ("null", RedoValue::Null),
            ("'7934'", s("7934")),
            ("7934", n("7934")),
            ("-12.5", n("-12.5")),
            ("+3", n("3")),
            (".5", n(".5")),
            ("1.5E+10", n("1.5E+10")),
            (
                "TO_DATE('2003-09-19 12:00:00', 'YYYY-MM-DD HH24:MI:SS')",
                f("TO_DATE", vec![s("2003-09-19 12:00:00"), s("YYYY-MM-DD HH24:MI:SS")]),
            ),
            (
                "TO_TIMESTAMP('2003-09-19 12:00:00.123456')",
                f("TO_TIMESTAMP", vec![s("2003-09-19 12:00:00.123456")]),
            ),
            (
                "TO_TIMESTAMP_TZ('2003-09-19 12:00:00.123456 +02:00')",
                f("TO_TIMESTAMP_TZ", vec![s("2003-09-19 12:00:00.123456 +02:00")]),
            ),
            ("HEXTORAW('0aff')", f("HEXTORAW", vec![s("0aff")])),
            ("UNISTR('caf\\00e9')", s("café")),
            ("UNISTR('(\\0029, ''x'')')", s("(), 'x')")),
            ("TO_YMINTERVAL('+01-02')", f("TO_YMINTERVAL", vec![s("+01-02")])),
            (
                "TO_DSINTERVAL('+01 02:03:04.000000')",
                f("TO_DSINTERVAL", vec![s("+01 02:03:04.000000")]),
            ),
            ("EMPTY_CLOB()", f("EMPTY_CLOB", vec![])),
            ("empty_blob()", f("EMPTY_BLOB", vec![])),
            ("TO_BINARY_FLOAT('1.5E+000')", f("TO_BINARY_FLOAT", vec![s("1.5E+000")])),
            ("TO_BINARY_DOUBLE(2.5)", f("TO_BINARY_DOUBLE", vec![n("2.5")])),
            ("BINARY_FLOAT_NAN", f("BINARY_FLOAT_NAN", vec![])),
            (
                "-BINARY_DOUBLE_INFINITY",
                f("-", vec![f("BINARY_DOUBLE_INFINITY", vec![])]),
            ),
            ("Unsupported Type", RedoValue::Unsupported),
            ("'a' || 'b' || UNISTR('\\0063')", s("abc")),
        ];
        for (lit, expected) in cases {
            assert_eq!(literal(lit), expected, "{lit}");
        }
    }

    #[test]
    fn quoting_edge_cases_survive() {
        let sql = "insert into \"SC\"\"OTT\".\"E M;P\"(\"A\"\"B\",\"C\",\"D\",\"E\",\"F\") values \
                   ('it''s','x; y','a and \"b\" where c = ''d''','Grüße 日本 🎉','line1\nline2');";
        assert_eq!(
            parse_dml(sql),
            Ok(Dml::Insert {
                table: TableId::new("SC\"OTT", "E M;P"),
                values: pairs(&[
                    ("A\"B", s("it's")),
                    ("C", s("x; y")),
                    ("D", s("a and \"b\" where c = 'd'")),
                    ("E", s("Grüße 日本 🎉")),
                    ("F", s("line1\nline2")),
                ]),
            })
        );
        // An `and` inside a WHERE value is data, not a separator; `||` joins across UNISTR pieces.
        let upd = "update \"S\".\"T\" set \"N\" = 'x' || UNISTR('\\D83D\\DE00') || '''' where \"A\" = 'p and \"B\" = q' \
                   and \"B\" = '' || 'z';";
        assert_eq!(
            parse_dml(upd),
            Ok(Dml::Update {
                table: TableId::new("S", "T"),
                set: pairs(&[("N", s("x😀'"))]),
                filter: pairs(&[("A", s("p and \"B\" = q")), ("B", s("z"))]),
            })
        );
        // A value made of many `||` pieces, as LogMiner splits long strings.
        let long = (0..50).map(|i| format!("'{i:04}'")).collect::<Vec<_>>().join(" || ");
        let expected: String = (0..50).map(|i| format!("{i:04}")).collect();
        assert_eq!(literal(&long), s(&expected));
    }

    #[test]
    fn unquoted_identifiers_are_upper_cased_like_oracle_does() {
        assert_eq!(
            parse_dml("INSERT INTO scott.emp (empno, \"MixedCase\") VALUES (1, 'a')"),
            Ok(Dml::Insert {
                table: emp(),
                values: pairs(&[("EMPNO", n("1")), ("MixedCase", s("a"))]),
            })
        );
        assert_eq!(
            parse_dml("Delete From scott.emp Where empno = 1 And ename Is Null And RowId = 'AAA'"),
            Ok(Dml::Delete {
                table: emp(),
                filter: pairs(&[("EMPNO", n("1")), ("ENAME", RedoValue::Null)]),
            })
        );
    }

    #[test]
    fn unistr_decodes_surrogate_pairs_and_backslashes() {
        assert_eq!(unistr("a\\\\b\\00e9\\D83D\\DE00z"), Ok("a\\bé😀z".to_string()));
        assert_eq!(unistr("\\963F\\72F8(\\FF09"), Ok("阿狸(）".to_string()));
        assert!(unistr("\\D83D").unwrap_err().contains("surrogate"));
        assert!(unistr("\\12").unwrap_err().contains("four hex digits"));
        assert!(unistr("\\12G4").is_err());
    }

    #[test]
    fn malformed_sql_is_an_error_naming_the_place() {
        let err = |sql: &str| parse_dml(sql).unwrap_err();
        let e = err("insert into \"S\".\"T\"(\"A\") values ('unterminated);");
        assert!(
            e.starts_with("cannot parse LogMiner SQL: the quote at byte 33 is never closed"),
            "{e}"
        );
        let e = err("insert into \"S\".\"T\"(\"A\",\"B\") values ('1');");
        assert!(e.contains("2 columns but 1 values"), "{e}");
        let e = err("insert into \"S\".\"T\"(\"A\") ('1');");
        assert!(e.contains("expected VALUES at byte 25"), "{e}");
        let e = err("update \"S\".\"T\" set \"A\" = '1' where \"B\" = '2' or \"C\" = '3';");
        assert!(e.contains("expected the end of the statement at byte 45"), "{e}");
        let e = err("select \"A\" from dual");
        assert!(e.contains("expected INSERT, UPDATE or DELETE at byte 0"), "{e}");
        assert!(err("").contains("found the end"));
        assert!(err("insert into \"T\"(\"A\") values ('1')").contains("LogMiner qualifies tables"));
        assert!(err("update \"S\".\"T\" set \"A\" = '1' || TO_DATE('x')").contains("string literals around `||`"));
        assert!(err("delete from \"S\".\"T\" where \"A\" = UNISTR('\\D800')").contains("surrogate"));
        assert!(err("delete from \"S\".\"T\" where \"A\" = 'x' ? 1").contains("unexpected character at byte 36"));
        // Snippets are cut to about 80 characters, on a character boundary.
        let long = format!("delete from \"S\".\"T\" where \"A\" = 'é{}' garbage", "ü".repeat(200));
        let e = err(&long);
        assert!(e.contains("expected the end of the statement"), "{e}");
        assert!(e.chars().count() < 250, "{e}");
        assert!(e.contains('…'), "{e}");
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
