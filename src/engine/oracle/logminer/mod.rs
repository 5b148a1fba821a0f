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
//!
//! [`RowChange`]: crate::model::change::RowChange

mod assemble;
mod change;
mod statement;
#[cfg(test)]
mod test_support;
mod value;

pub use assemble::{Assembled, Assembler, ContentRow, MinedDml};
pub use change::row_change;
pub use statement::{Dml, RedoValue, parse_dml};
pub use value::to_value;

use crate::model::catalog::TableId;
use std::collections::BTreeSet;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
