//! Row changes read from a source's change log, grouped by transaction.

use crate::model::catalog::TableId;
use crate::model::position::Position;
use crate::model::value::Row;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum RowOp {
    Insert { after: Row },
    Update { before: Row, after: Row },
    Delete { before: Row },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RowChange {
    pub table: TableId,
    /// Column names of the rows, as the table was when the change was made (a later DDL may
    /// have added or dropped columns since).
    pub columns: Arc<Vec<String>>,
    pub op: RowOp,
}

/// What a change stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeEvent {
    /// A committed transaction; `end` is the position after its commit, `ts` the commit time
    /// (unix seconds, from the source). `marked` is true when the transaction wrote omsctl's own
    /// checkpoint table: it was applied by omsctl, and a reverse stream must not echo it.
    Txn {
        changes: Vec<RowChange>,
        end: Position,
        ts: u32,
        marked: bool,
    },
    /// A DDL statement, applied alone. `database` is the session's default database.
    Ddl {
        database: String,
        statement: String,
        end: Position,
        ts: u32,
    },
    /// The source's own heartbeat row for this project: its timestamp in unix milliseconds.
    Heartbeat { sent_ms: u64, end: Position },
    /// Nothing happened for a while; the source is idle at `end`.
    Idle { end: Position },
}
