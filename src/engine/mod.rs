//! The engine traits every database implements, and [`connect`]: the one place that chooses
//! an implementation by engine kind. Stages talk only to these traits.

pub mod causality;
pub mod mysql;
pub mod names;
pub mod oracle;
pub mod postgres;
pub mod script;

use crate::config::{Endpoint, EngineKind, NonEmptyTarget, ObjectRule};
use crate::model::catalog::{Catalog, KeyCompare, TableId, ValueKind};
use crate::model::change::{ChangeEvent, RowOp};
use crate::model::position::{CopySnapshot, Position};
use crate::model::range::KeyRange;
use crate::model::value::{Row, Value};
use anyhow::Result;
use async_trait::async_trait;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What a server says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    /// Product as detected from the server (MariaDB, MySQL, OceanBase, TiDB).
    pub product: String,
    pub version: String,
    /// Settings that must agree between source and target (sql_mode, time_zone …).
    pub settings: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One precheck result.
#[derive(Debug, Clone, Serialize)]
pub struct CheckItem {
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    pub detail: String,
    /// The exact fix, for warn and fail.
    pub fix: Option<String>,
}

impl CheckItem {
    pub fn new(id: &str, title: impl Into<String>, status: CheckStatus, detail: impl Into<String>) -> Self {
        CheckItem {
            id: id.to_string(),
            title: title.into(),
            status,
            detail: detail.into(),
            fix: None,
        }
    }
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Source,
    Target,
}

/// What precheck asks of one side.
pub struct CheckScope<'a> {
    pub role: Role,
    pub wants_schema: bool,
    pub wants_full: bool,
    pub wants_verify: bool,
    pub wants_incr: bool,
    /// Rows to copy (estimate), to judge binlog retention against the copy time.
    pub estimated_rows: u64,
    /// The copy keeps its rows out of this target's change log (needs a privilege).
    pub skip_change_log: bool,
    /// How `full` writes into this target, when it does: `[full] write_method` and
    /// `on_nonempty_target` (some methods need a server setting).
    pub writes: Option<(crate::config::WriteMethod, NonEmptyTarget)>,
    /// Tables in scope, as named on this side.
    pub tables: &'a [TableId],
}

/// A table as one side reads, checksums or writes it.
#[derive(Debug, Clone, Serialize)]
pub struct TableSpec {
    pub id: TableId,
    pub columns: Vec<String>,
    pub kinds: Vec<ValueKind>,
    /// Row key columns (positions in `columns`); empty for a table without a key.
    pub key: Vec<usize>,
    /// Other unique keys (positions); an empty entry stands for a unique key that cannot be
    /// evaluated on these columns (a prefix index, or a column the rows lack).
    pub unique: Vec<Vec<usize>>,
    /// How the target compares each column's values in a unique key.
    pub compare: Vec<KeyCompare>,
    pub filter: Option<String>,
}

impl TableSpec {
    pub fn key_of(&self, row: &[Value]) -> Vec<Value> {
        self.key.iter().map(|&i| row[i].clone()).collect()
    }
}

/// Rows streamed from a reader to a writer.
#[derive(Debug, Default)]
pub struct RowBatch {
    pub rows: Vec<Row>,
    /// Rows already in the chunk's [`Encoding`] (a reader asked for one sends these instead of
    /// `rows`): the writer loads the bytes as they are.
    pub encoded: bytes::Bytes,
    /// How many rows `encoded` holds.
    pub encoded_rows: usize,
    pub bytes: usize,
    /// Set on the last batch of a range: a writer commits only after it has seen it, so a
    /// reader that fails half way can never make a partial chunk durable.
    pub end: bool,
}

impl RowBatch {
    /// Rows in the batch, parsed or encoded.
    pub fn len(&self) -> usize {
        self.rows.len() + self.encoded_rows
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A wire format of rows that a reader can produce and a writer can load without either of
/// them parsing the values: a pass-through between two servers of one engine (PostgreSQL's
/// binary COPY, say). Opaque to stages, which only compare a reader's offer with what a writer
/// accepts; the engine that makes one puts in it everything that must agree (format, server
/// version, column types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoding(pub String);

/// Count and order-independent sum of 64-bit row hashes over a range, computed by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checksum {
    pub rows: u64,
    pub sum: String,
}

/// How a server hashes the rows of a range for verify; both sides of a comparison use the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumKind {
    /// The sum of the first 64 bits of the MD5 of each row's length-prefixed text: every
    /// engine computes it, so it works across engines.
    Md5,
    /// The sum of the CRC32 of each row's columns joined by '#' with a NULL map (the text
    /// pt-table-checksum hashes): the MySQL family only, and about 3× cheaper for the server.
    /// A range that differs goes unnoticed with a chance of about 2⁻³²; a single changed byte
    /// is always noticed.
    Crc32,
}

/// The progress fence written in the same transaction as a chunk's rows.
#[derive(Debug, Clone)]
pub struct Fence {
    pub project: String,
    pub table: String,
    pub chunk: u32,
}

pub struct ChunkWrite<'a> {
    pub spec: &'a TableSpec,
    pub range: &'a KeyRange,
    pub fence: Fence,
    pub on_nonempty: NonEmptyTarget,
    pub batch_rows: usize,
    /// The batches carry rows in this encoding (one [`Writer::accepts`] said yes to).
    pub encoding: Option<Encoding>,
    /// Keep the rows out of the target's own change log (`[full] target_binlog = false`).
    pub skip_change_log: bool,
    /// `[full] write_method` (engines with one way to write ignore it).
    pub method: crate::config::WriteMethod,
}

#[derive(Debug, Default)]
pub struct ChunkStats {
    pub rows: u64,
    pub bytes: u64,
    /// Keys of rows the target already held and kept (on_nonempty_target = "ignore").
    pub conflicts: Vec<Vec<Value>>,
}

/// A DDL object planned for a target.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SchemaObject {
    /// Stable name: `table:db.t`, `indexes:db.t`, `view:db.v` …
    pub key: String,
    pub kind: ObjectKind,
    pub phase: Phase,
    pub target: TableId,
    pub statements: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Database,
    Table,
    Indexes,
    Checks,
    ForeignKeys,
    Trigger,
    View,
}

/// When an object is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// By `schema`, before any row is copied.
    BeforeData,
    /// At the end of `full` (secondary indexes; constraints and triggers too when there is no
    /// incremental sync).
    AfterData,
    /// At switchover: foreign keys, CHECK constraints and triggers, which would misfire while
    /// incremental sync replays the source's changes (triggers would apply their effects twice).
    Switchover,
}

/// One line of the conversion report.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Conversion {
    pub object: String,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Same meaning, different spelling.
    Info,
    /// Data or behaviour may change (charset widened, feature dropped).
    Lossy,
    /// Cannot be created on the target; the object is skipped.
    Unsupported,
    /// The target would refuse the object as planned (a name too long, a key it cannot
    /// index): precheck fails until the project renames or excludes it, or the DDL is edited.
    Refused,
}

/// How a source table appears on the target.
#[derive(Debug, Clone)]
pub struct TableMapping {
    pub source: TableId,
    pub target: TableId,
    pub exclude_columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DdlOutcome {
    Applied,
    AlreadyExists,
}

/// Choices that shape the DDL plan.
#[derive(Debug, Clone)]
pub struct DdlOptions {
    /// Secondary indexes go to the after-data phase.
    pub indexes_after_data: bool,
    /// Foreign keys, CHECK constraints and triggers wait for switchover (incremental sync).
    pub defer_constraints: bool,
    /// The row key may be built after the data too, where the engine stores rows apart from
    /// it (PostgreSQL: one sorted index build instead of an insert into the index per row).
    /// Only when the copy needs no key to detect conflicts (`on_nonempty_target = "stop"`).
    pub keys_after_data: bool,
}

#[derive(Debug, Default)]
pub struct DdlPlan {
    pub objects: Vec<SchemaObject>,
    pub report: Vec<Conversion>,
}

/// A source's change log as a stream of committed transactions, DDL and heartbeats.
#[async_trait]
pub trait ChangeStream: Send {
    /// The next event; `None` when a non-blocking stream reached the end of the log.
    async fn next(&mut self) -> Result<Option<ChangeEvent>>;
    /// The target committed everything up to `position`: a source that keeps the log for
    /// its readers (a PostgreSQL slot) may let go of it.
    async fn committed(&mut self, _position: &Position) -> Result<()> {
        Ok(())
    }
}

/// What to read from a change log.
pub struct ChangeOpts {
    /// Our replica id on the source (MySQL server_id).
    pub server_id: u32,
    /// End at the current end of the log instead of waiting for more.
    pub non_blocking: bool,
    /// The project's matching rules: row changes of every table they select are wanted,
    /// including tables created after the stream opened.
    pub rules: Vec<ObjectRule>,
    pub project: String,
    /// omsctl's heartbeat table on this server (lag measurement).
    pub heartbeat_table: TableId,
    /// omsctl's checkpoint table on this server: transactions that touch it were written by
    /// omsctl itself and are flagged, so that reverse sync does not echo them.
    pub marker_table: TableId,
    /// The transactions `full`'s copy holds already, by transaction id: the stream leaves them
    /// out, so that each change reaches the target exactly once (see [`Snapshot::holds`]).
    pub copied: Copied,
}

/// What `full`'s copy holds beyond its start position, as [`Snapshot::holds`] says it.
#[derive(Debug, Clone, Default)]
pub struct Copied {
    /// For every table: the first snapshot's.
    pub all: Option<CopySnapshot>,
    /// For the changes of one table only: a later snapshot, which a resumed copy read a
    /// keyless table at.
    pub tables: HashMap<TableId, CopySnapshot>,
}

/// The readers of `full`'s copy and where replay after it starts.
pub struct Snapshot {
    pub readers: Vec<Box<dyn Reader>>,
    /// Whether every reader sees the same consistent snapshot.
    pub consistent: bool,
    /// Where the change log stood at the snapshot (or before it: replay from here misses
    /// nothing the copy lacks); `None` when the server keeps no change log.
    pub position: Option<Position>,
    /// Which transactions after `position` the copy holds all the same, where the log's
    /// order cannot say (PostgreSQL); `None`: none do.
    pub holds: Option<CopySnapshot>,
}

/// One row change ready for the target: rows already projected to the target spec.
pub struct TargetChange {
    pub spec: Arc<TableSpec>,
    pub op: RowOp,
}

/// A unit of replay: applied in one target transaction together with the checkpoint.
pub struct ApplyBatch<'a> {
    pub changes: &'a [TargetChange],
    pub checkpoint: &'a Position,
    pub project: &'a str,
    /// Safe mode: upserts and deletes that tolerate rows already (or not yet) there, used while
    /// replaying changes that overlap the full copy; conflicts are not reported.
    pub safe: bool,
    /// `Some(w)`: this is parallel worker `w`'s share of a batch; the transaction records the
    /// worker's high-water mark instead of the checkpoint (see [`Engine::incr_high_water`]).
    pub worker: Option<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub table: String,
    /// `duplicate_key` (insert of a row that exists) or `missing_row` (update/delete of a row
    /// that does not).
    pub kind: &'static str,
    pub key: Vec<String>,
}

#[derive(Debug, Default)]
pub struct ApplyStats {
    pub conflicts: Vec<Conflict>,
}

/// Replays row changes on a target.
#[async_trait]
pub trait Applier: Send {
    async fn apply(&mut self, batch: &ApplyBatch<'_>) -> Result<ApplyStats>;
}

/// What to do with a DDL statement seen in the change log.
#[derive(Debug, Clone, PartialEq)]
pub enum DdlAction {
    /// Not about a table in scope.
    Ignore,
    /// Apply this statement (converted for the target) with this default database; `tables`
    /// are the source tables whose definition changed.
    Apply {
        database: Option<String>,
        statement: String,
        tables: Vec<TableId>,
    },
    /// A statement omsctl does not replicate; the stage stops until it is skipped.
    Unsupported { reason: String },
}

/// A connection-holding reader (a worker's source side, or either side of verify).
#[async_trait]
pub trait Reader: Send {
    /// Streams the rows of `range` in key order as batches of at most `batch_rows`.
    async fn read_range(
        &mut self,
        spec: &TableSpec,
        range: &KeyRange,
        batch_rows: usize,
        tx: &mpsc::Sender<RowBatch>,
    ) -> Result<()>;
    /// The encoding this reader can stream `spec`'s rows in without parsing them, if any.
    async fn encoding(&mut self, _spec: &TableSpec) -> Result<Option<Encoding>> {
        Ok(None)
    }
    /// Like [`Reader::read_range`], but the batches carry the rows in `encoding` (which
    /// [`Reader::encoding`] offered for `spec`).
    async fn read_range_encoded(
        &mut self,
        spec: &TableSpec,
        _range: &KeyRange,
        _batch_rows: usize,
        encoding: &Encoding,
        _tx: &mpsc::Sender<RowBatch>,
    ) -> Result<()> {
        Err(crate::error::classified(
            crate::error::Kind::Internal,
            format!("{}: this reader offers no encoding {:?}", spec.id, encoding.0),
            "",
        ))
    }
    /// All rows of `range` (verify's row diff).
    async fn read_rows(&mut self, spec: &TableSpec, range: &KeyRange) -> Result<Vec<Row>>;
    /// The server-side checksum of `range`, computed as `kind` (one of the engine's
    /// [`Engine::checksum_kinds`]).
    async fn checksum(&mut self, spec: &TableSpec, range: &KeyRange, kind: ChecksumKind) -> Result<Checksum>;
}

/// A connection-holding writer on the target.
#[async_trait]
pub trait Writer: Send {
    /// Whether this writer loads `spec`'s rows from batches in `encoding` as they come.
    async fn accepts(&mut self, _spec: &TableSpec, _encoding: &Encoding) -> Result<bool> {
        Ok(false)
    }
    /// Writes one chunk in one transaction together with its fence row.
    async fn write_chunk(&mut self, job: ChunkWrite<'_>, rx: mpsc::Receiver<RowBatch>) -> Result<ChunkStats>;
    /// Makes rows equal to the source: upserts by key (or inserts for keyless tables) and
    /// deletes (by key, or one row matching all columns), in one transaction.
    async fn repair(&mut self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Result<()>;
}

/// A database server of some engine, as source or target.
#[async_trait]
pub trait Engine: Send + Sync {
    fn endpoint(&self) -> &Endpoint;
    /// Connects and describes the server (connectivity check).
    async fn server_info(&self) -> Result<ServerInfo>;
    /// Engine-specific prechecks (privileges, settings, target emptiness …).
    async fn checks(&self, scope: &CheckScope<'_>) -> Vec<CheckItem>;
    /// Base tables selected by the rules, sorted.
    async fn list_tables(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>>;
    /// Views selected by the rules, sorted.
    async fn list_views(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>>;
    /// Full catalog of the given tables and views.
    async fn catalog(&self, tables: &[TableId], views: &[TableId]) -> Result<Catalog>;
    /// DDL for creating `catalog` on this engine (this engine as target).
    fn plan_ddl(&self, catalog: &Catalog, source: EngineKind, mappings: &[TableMapping], opts: &DdlOptions) -> DdlPlan;
    /// Executes one DDL statement. `AlreadyExists` when the server says the object it would
    /// create is there (an earlier run that was killed after the server applied it).
    /// `database` is the default database for unqualified names in bodies (triggers, views).
    async fn execute_ddl(&self, database: Option<&str>, sql: &str) -> Result<DdlOutcome>;
    /// `None` when the table does not exist, else whether it holds at least one row.
    async fn table_has_rows(&self, id: &TableId) -> Result<Option<bool>>;
    /// Sorted key values that cut the table into chunks of about `chunk_rows` rows.
    async fn chunk_boundaries(&self, spec: &TableSpec, chunk_rows: u64) -> Result<Vec<Vec<Value>>>;
    /// `workers` readers that all see the same consistent snapshot when the server allows it.
    /// `capture`: the project whose change capture ([`Engine::prepare_capture`]) replay will
    /// read after the copy, if any.
    async fn snapshot_readers(&self, workers: usize, capture: Option<&str>) -> Result<Snapshot>;
    /// The end of the change log now; `None` when the server keeps none.
    async fn current_position(&self) -> Result<Option<Position>>;
    /// The position of the first transaction the source committed at or after `unix_s`
    /// (OMS "incremental start timestamp").
    async fn position_at(&self, unix_s: u64, server_id: u32) -> Result<Position>;
    /// Makes the source keep a change log of `tables` for this project from now on (a
    /// PostgreSQL publication and replication slot); called before the snapshot of `full`.
    async fn prepare_capture(&self, _project: &str, _tables: &[TableId]) -> Result<()> {
        Ok(())
    }
    /// Drops what [`Engine::prepare_capture`] created (`reset incr`).
    async fn release_capture(&self, _project: &str) -> Result<()> {
        Ok(())
    }
    /// Reads the change log from `from`.
    async fn open_changes(&self, from: &Position, opts: &ChangeOpts) -> Result<Box<dyn ChangeStream>>;
    /// Creates the heartbeat table on this (source) server.
    async fn prepare_heartbeat(&self) -> Result<()>;
    /// Writes this project's heartbeat row (unix milliseconds).
    async fn heartbeat(&self, project: &str, now_ms: u64) -> Result<()>;
    /// The position replay has committed on this (target) server.
    async fn incr_checkpoint(&self, project: &str) -> Result<Option<Position>>;
    /// The furthest position a parallel worker committed its share of (possibly past the
    /// checkpoint, when a run stopped before the batch's checkpoint committed): changes up to
    /// it may already be on the target and are replayed in safe mode.
    async fn incr_high_water(&self, project: &str) -> Result<Option<Position>>;
    /// Forgets the checkpoint and the workers' high-water marks.
    async fn clear_incr_checkpoint(&self, project: &str) -> Result<()>;
    async fn applier(&self) -> Result<Box<dyn Applier>>;
    /// Decides how a DDL statement from the change log is replicated to this (target) engine.
    /// `target_of` maps a source table to its target (None: out of scope); `in_scope_db` says
    /// whether a source database holds tables in scope.
    /// Makes the server refuse writes from applications (switchover) or accept them again.
    async fn set_read_only(&self, on: bool) -> Result<()>;
    /// The next AUTO_INCREMENT value of each table that has one.
    async fn auto_increments(&self, tables: &[TableId]) -> Result<BTreeMap<TableId, u64>>;
    /// Moves a table's AUTO_INCREMENT counter to at least `next`.
    async fn bump_auto_increment(&self, table: &TableId, next: u64) -> Result<()>;
    fn replicate_ddl(
        &self,
        database: &str,
        statement: &str,
        target_of: &(dyn Fn(&TableId) -> Option<TableId> + Sync),
        in_scope_db: &(dyn Fn(&str) -> bool + Sync),
    ) -> DdlAction;
    /// A reader on the current data.
    async fn reader(&self) -> Result<Box<dyn Reader>>;
    async fn writer(&self) -> Result<Box<dyn Writer>>;
    /// Creates the fence table if needed.
    async fn prepare_fences(&self) -> Result<()>;
    /// Finished chunks per table with the rows each committed, from the fence table.
    async fn fences(&self, project: &str) -> Result<BTreeMap<String, BTreeMap<u32, u64>>>;
    /// Forgets the project's fences (reset full).
    async fn clear_fences(&self, project: &str) -> Result<()>;
    /// The row checksums this engine computes, cheapest first; verify uses the first one the
    /// other side computes too.
    fn checksum_kinds(&self) -> &'static [ChecksumKind] {
        &[ChecksumKind::Md5]
    }
    /// Renders repair SQL for review (values as literals).
    fn repair_sql(&self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Vec<String>;
    /// Statements that make a session read [`Engine::repair_sql`] as omsctl wrote it (string
    /// escaping rules), for the top of a script a person runs.
    fn script_preamble(&self) -> Vec<String> {
        Vec::new()
    }
    /// How this engine's SQL text quotes, to split DDL files into statements.
    fn script_syntax(&self) -> script::Syntax;
    async fn close(&self);
}

/// The checksum both engines compute, preferring the source's order.
pub fn common_checksum(a: &dyn Engine, b: &dyn Engine) -> ChecksumKind {
    a.checksum_kinds()
        .iter()
        .copied()
        .find(|k| b.checksum_kinds().contains(k))
        .unwrap_or(ChecksumKind::Md5)
}

/// Connects to an endpoint with the engine it names. The only `match` on engine kind.
pub async fn connect(ep: &Endpoint) -> Result<Arc<dyn Engine>> {
    match ep.engine {
        EngineKind::Mysql | EngineKind::Mariadb | EngineKind::Oceanbase | EngineKind::Tidb => {
            Ok(Arc::new(mysql::MysqlEngine::new(ep)?))
        }
        EngineKind::Postgres => Ok(Arc::new(postgres::PgEngine::new(ep)?)),
        #[cfg(feature = "oracle")]
        EngineKind::Oracle => Ok(Arc::new(oracle::OracleEngine::new(ep)?)),
        #[cfg(not(feature = "oracle"))]
        EngineKind::Oracle => Err(crate::error::usage(
            format!(
                "{}.engine = \"oracle\", but this omsctl was built without Oracle support",
                ep.role
            ),
            "build it with `cargo build --release --features oracle` (needs only a C compiler; Oracle Instant Client is loaded at run time)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engines(src: &str, dst: &str) -> (Arc<dyn Engine>, Arc<dyn Engine>) {
        let p = crate::config::parse(
            &format!(
                "[project]\nname = \"c\"\ntypes = [\"verify\"]\n[source]\nengine = \"{src}\"\nhost = \"h\"\nuser = \"u\"\n\
                 [target]\nengine = \"{dst}\"\nhost = \"h\"\nuser = \"u\"\n[[objects]]\ninclude = \"{}\"\n",
                if src == "postgres" { "d.public.*" } else { "d.*" }
            ),
            std::path::Path::new("c.toml"),
        )
        .unwrap();
        let make = |ep: &Endpoint| -> Arc<dyn Engine> {
            match ep.engine {
                EngineKind::Postgres => Arc::new(postgres::PgEngine::new(ep).unwrap()),
                _ => Arc::new(mysql::MysqlEngine::new(ep).unwrap()),
            }
        };
        (make(&p.source), make(&p.target))
    }

    #[test]
    fn verify_uses_crc32_between_mysql_family_servers_and_md5_across_engines() {
        let (a, b) = engines("mariadb", "oceanbase");
        assert_eq!(common_checksum(a.as_ref(), b.as_ref()), ChecksumKind::Crc32);
        let (a, b) = engines("mariadb", "postgres");
        assert_eq!(common_checksum(a.as_ref(), b.as_ref()), ChecksumKind::Md5);
        let (a, b) = engines("postgres", "mariadb");
        assert_eq!(common_checksum(a.as_ref(), b.as_ref()), ChecksumKind::Md5);
    }
}
