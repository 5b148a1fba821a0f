//! Change capture on a PostgreSQL source: a publication and a `pgoutput` logical replication
//! slot per project, read by polling `pg_logical_slot_peek_binary_changes` (stock
//! tokio-postgres has no replication protocol). Peeking does not consume: the slot is
//! advanced only once the target has committed (`ChangeStream::committed`), so a crash
//! replays from the target's checkpoint and loses nothing; transactions at or before the
//! start position are skipped, so nothing is applied twice.

use super::conn::classify;
use super::pgoutput::{self, Cell, Message, OldTuple, RelationCache};
use super::{snapshot, sql, types};
use crate::config::{Endpoint, ObjectRule};
use crate::engine::ChangeStream;
use crate::model::catalog::{TableId, ValueKind};
use crate::model::change::{ChangeEvent, RowChange, RowOp};
use crate::model::position::{CopySnapshot, Position};
use crate::model::value::{Row, Value};
use anyhow::{Result, anyhow};
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

/// Changes per peek: whole transactions are returned, so one peek may hold more.
const PEEK_CHANGES: u32 = 20_000;

/// The slot and publication name of a project: lower case letters, digits and `_`, at most
/// 63 bytes.
pub fn capture_name(project: &str) -> String {
    let mut s: String = format!("omsctl_{project}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.truncate(63);
    s
}

/// Creates (or updates the table list of) the project's publication and creates its slot.
pub async fn ensure(c: &Client, ep: &Endpoint, project: &str, tables: &[TableId]) -> Result<()> {
    let name = capture_name(project);
    let heartbeat = TableId::new(&ep.meta_database, "heartbeat");
    c.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {m}; CREATE TABLE IF NOT EXISTS {hb} (project text PRIMARY KEY, sent_ms bigint NOT NULL)",
        m = sql::ident(&ep.meta_database),
        hb = sql::table(&heartbeat)
    ))
    .await
    .map_err(|e| classify(e, ep))?;
    // omsctl's checkpoint tables are published too: a transaction that writes one was
    // applied by omsctl, and a replay in the other direction must not echo it.
    let markers = [
        TableId::new(&ep.meta_database, "incr_position"),
        TableId::new(&ep.meta_database, "incr_workers"),
    ];
    c.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} (project varchar(128) PRIMARY KEY, position text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
         CREATE TABLE IF NOT EXISTS {} (project varchar(128) NOT NULL, worker integer NOT NULL, position text NOT NULL, PRIMARY KEY (project, worker))",
        sql::table(&markers[0]),
        sql::table(&markers[1])
    ))
    .await
    .map_err(|e| classify(e, ep))?;
    let list: Vec<String> = tables
        .iter()
        .chain([&heartbeat])
        .chain(&markers)
        .map(sql::table)
        .collect();
    let exists = c
        .query_opt("SELECT 1 FROM pg_publication WHERE pubname = $1", &[&name])
        .await
        .map_err(|e| classify(e, ep))?
        .is_some();
    let verb = if exists {
        format!("ALTER PUBLICATION {} SET TABLE", sql::ident(&name))
    } else {
        format!("CREATE PUBLICATION {} FOR TABLE", sql::ident(&name))
    };
    c.batch_execute(&format!("{verb} {}", list.join(", ")))
        .await
        .map_err(|e| classify(e, ep))?;
    let slot = c
        .query_opt("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", &[&name])
        .await
        .map_err(|e| classify(e, ep))?;
    if slot.is_none() {
        c.query_one(
            &format!(
                "SELECT lsn::text FROM pg_create_logical_replication_slot({}, 'pgoutput')",
                sql::string(&name)
            ),
            &[],
        )
        .await
        .map_err(|e| classify(e, ep))?;
        tracing::info!("created replication slot {name} on the source");
    }
    Ok(())
}

/// Drops the project's slot and publication.
pub async fn release(c: &Client, ep: &Endpoint, project: &str) -> Result<()> {
    let name = capture_name(project);
    c.batch_execute(&format!(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = {}; DROP PUBLICATION IF EXISTS {}",
        sql::string(&name),
        sql::ident(&name)
    ))
    .await
    .map_err(|e| classify(e, ep))
}

/// A killed omsctl leaves its server backend running its last peek until that finishes, and
/// the slot is busy meanwhile. This project's replay lock says no other omsctl reads the slot,
/// so such a backend is stopped; anything else using the slot is waited for, then reported.
async fn release_stale_reader(c: &Client, ep: &Endpoint, slot: &str) -> Result<()> {
    c.batch_execute(&format!(
        "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a JOIN pg_replication_slots s ON s.active_pid = a.pid \
         WHERE s.slot_name = {} AND a.application_name = 'omsctl' AND a.pid <> pg_backend_pid()",
        sql::string(slot)
    ))
    .await
    .map_err(|e| classify(e, ep))?;
    for _ in 0..40 {
        let busy = c
            .query_opt(
                "SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1 AND active",
                &[&slot],
            )
            .await
            .map_err(|e| classify(e, ep))?;
        let Some(r) = busy else { return Ok(()) };
        tracing::info!(
            "replication slot {slot} is in use by backend {:?}; waiting",
            r.get::<_, Option<i32>>(0)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(crate::error::classified(
        crate::error::Kind::Transient,
        format!("the replication slot {slot} stayed in use by another session for 10 s"),
        format!(
            "find it with SELECT active_pid FROM pg_replication_slots WHERE slot_name = '{slot}'; stop it, then run again"
        ),
    ))
}

/// The value kind of a column from its type OID (built-in types; others arrive as text).
fn kind_of_oid(oid: u32) -> ValueKind {
    match oid {
        16 | 20 | 21 | 23 | 26 => ValueKind::Integer,
        700 => ValueKind::Float,
        701 => ValueKind::Double,
        1700 => ValueKind::Decimal,
        17 => ValueKind::Binary,
        1082 => ValueKind::Date,
        1114 => ValueKind::DateTime,
        1184 => ValueKind::Timestamp,
        1083 => ValueKind::Time,
        114 | 3802 => ValueKind::Json,
        _ => ValueKind::Text,
    }
}

fn value(cell: &Cell, oid: u32) -> Result<Value> {
    match cell {
        Cell::Null | Cell::Unchanged => Ok(Value::Null),
        Cell::Binary(b) => Err(anyhow!(
            "unexpected binary value ({} bytes) in a text-mode stream",
            b.len()
        )),
        Cell::Text(t) => {
            let s = std::str::from_utf8(t).map_err(|_| anyhow!("a value is not UTF-8"))?;
            if oid == 16 {
                return Ok(Value::Int(i64::from(s == "t")));
            }
            types::parse(Some(s), kind_of_oid(oid)).map_err(|e| anyhow!(e))
        }
    }
}

struct Txn {
    changes: Vec<RowChange>,
    ts: u32,
    heartbeat: Option<u64>,
    /// The transaction wrote omsctl's checkpoint: omsctl applied it.
    marked: bool,
    /// The copy of `full` holds this transaction's changes already: they are left out.
    held: bool,
    xid: u32,
    commit_lsn: u64,
}

pub struct PgChanges {
    client: Client,
    endpoint: Endpoint,
    name: String,
    rules: Vec<ObjectRule>,
    project: String,
    heartbeat: TableId,
    markers: [TableId; 2],
    non_blocking: bool,
    relations: RelationCache,
    /// Column names of each relation, shared by the changes that carry every column.
    all_columns: HashMap<u32, Arc<Vec<String>>>,
    /// Transactions ending at or before this were applied (or yielded) already.
    done: u64,
    /// Where the slot was last advanced to.
    advanced: u64,
    /// The transactions the copy of `full` holds (until the stream is past them).
    copied: Option<CopySnapshot>,
    /// Tables a resumed copy read at a later snapshot: the transactions it holds, per table.
    copied_tables: HashMap<TableId, CopySnapshot>,
    buf: VecDeque<ChangeEvent>,
    txn: Option<Txn>,
    last_idle: Instant,
}

impl PgChanges {
    pub async fn open(
        client: Client,
        endpoint: &Endpoint,
        from: &Position,
        opts: &crate::engine::ChangeOpts,
    ) -> Result<Self> {
        let Some(lsn) = from.lsn() else {
            return Err(crate::error::usage(
                format!("{from} is not a PostgreSQL position"),
                "the checkpoint belongs to another engine's log: `omsctl reset incr --yes` and start again",
            ));
        };
        let name = capture_name(&opts.project);
        release_stale_reader(&client, endpoint, &name).await?;
        let slot = client
            .query_opt(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1",
                &[&name],
            )
            .await
            .map_err(|e| classify(e, endpoint))?;
        let Some(slot) = slot else {
            return Err(crate::error::classified(
                crate::error::Kind::PositionLost,
                format!("the replication slot {name} does not exist on the source: the changes after {from} are gone"),
                "every table must be copied again: `omsctl reset full --yes`, `omsctl reset incr --yes`, then `omsctl run`",
            ));
        };
        let confirmed = slot
            .get::<_, Option<String>>(0)
            .and_then(|s| pgoutput::parse_lsn(&s))
            .unwrap_or(0);
        let mut s = PgChanges {
            client,
            endpoint: endpoint.clone(),
            name,
            rules: opts.rules.clone(),
            project: opts.project.clone(),
            heartbeat: opts.heartbeat_table.clone(),
            markers: [
                opts.marker_table.clone(),
                TableId::new(&opts.marker_table.database, "incr_workers"),
            ],
            non_blocking: opts.non_blocking,
            relations: RelationCache::default(),
            all_columns: HashMap::new(),
            done: lsn,
            advanced: confirmed,
            copied: opts.copied.all.clone(),
            copied_tables: opts.copied.tables.clone(),
            buf: VecDeque::new(),
            txn: None,
            last_idle: Instant::now(),
        };
        // The target holds everything up to `from`: the slot may let go of it.
        s.advance(lsn).await?;
        Ok(s)
    }

    async fn advance(&mut self, lsn: u64) -> Result<()> {
        if lsn <= self.advanced {
            return Ok(());
        }
        let q = format!(
            "SELECT pg_replication_slot_advance({}, {}::pg_lsn)",
            sql::string(&self.name),
            sql::string(&pgoutput::format_lsn(lsn))
        );
        match self.client.batch_execute(&q).await {
            Ok(()) => {
                self.advanced = lsn;
                Ok(())
            }
            // "cannot advance replication slot to X, minimum is Y": already past.
            Err(e) if super::conn::sqlstate(&e) == "55000" => Ok(()),
            Err(e) => Err(classify(e, &self.endpoint)),
        }
    }

    fn row_change(&mut self, relation: u32, op: RowChangeCells<'_>) -> Result<Option<RowChange>> {
        let Some(rel) = self.relations.get(relation) else {
            return Err(anyhow!(
                "a change of relation {relation} arrived before its description"
            ));
        };
        let id = TableId::new(&rel.namespace, &rel.name);
        if self.markers.contains(&id) {
            return Ok(Some(RowChange {
                table: id,
                columns: Arc::new(Vec::new()),
                op: RowOp::Insert { after: Vec::new() },
            }));
        }
        if id != self.heartbeat && !self.rules.iter().any(|r| r.select(&id.database, &id.name).is_some()) {
            return Ok(None);
        }
        // Columns whose value did not change and was not sent (TOAST) are left out, so that
        // the target keeps its value.
        let present: Vec<usize> = match &op {
            RowChangeCells::Insert(new) | RowChangeCells::Update(_, new) => (0..rel.columns.len())
                .filter(|&i| !matches!(new.get(i), Some(Cell::Unchanged)))
                .collect(),
            RowChangeCells::Delete(_) => (0..rel.columns.len()).collect(),
        };
        // The common case, every column present, shares one list per relation.
        let columns = if present.len() == rel.columns.len() {
            self.all_columns
                .entry(relation)
                .or_insert_with(|| Arc::new(rel.columns.iter().map(|c| c.name.clone()).collect()))
                .clone()
        } else {
            Arc::new(present.iter().map(|&i| rel.columns[i].name.clone()).collect())
        };
        let row = |cells: &[Cell]| -> Result<Row> {
            present
                .iter()
                .map(|&i| match cells.get(i) {
                    Some(c) => value(c, rel.columns[i].type_oid),
                    None => Ok(Value::Null),
                })
                .collect()
        };
        let op = match op {
            RowChangeCells::Insert(new) => RowOp::Insert { after: row(new)? },
            RowChangeCells::Update(old, new) => {
                let after = row(new)?;
                let before = match old {
                    Some(OldTuple::Key(c) | OldTuple::Full(c)) => row(c)?,
                    // The key did not change and the table's identity sends no old row.
                    None => after.clone(),
                };
                RowOp::Update { before, after }
            }
            RowChangeCells::Delete(OldTuple::Key(c) | OldTuple::Full(c)) => RowOp::Delete { before: row(c)? },
        };
        Ok(Some(RowChange { table: id, columns, op }))
    }

    fn handle(&mut self, m: Message) -> Result<()> {
        if let Message::Relation(r) = &m {
            // A new description (after ALTER TABLE): its column list is rebuilt.
            self.all_columns.remove(&r.id);
        }
        self.relations.apply(&m);
        match m {
            Message::Begin {
                commit_time_us,
                final_lsn,
                xid,
            } => {
                let held = self.copied.as_ref().is_some_and(|c| snapshot::holds(c, xid, final_lsn));
                self.txn = Some(Txn {
                    changes: Vec::new(),
                    ts: (pgoutput::pg_time_to_unix_ms(commit_time_us) / 1000).max(0) as u32,
                    heartbeat: None,
                    marked: false,
                    held,
                    xid,
                    commit_lsn: final_lsn,
                });
            }
            Message::Insert { relation, new } => self.push(relation, RowChangeCells::Insert(&new))?,
            Message::Update { relation, old, new } => {
                self.push(relation, RowChangeCells::Update(old.as_ref(), &new))?
            }
            Message::Delete { relation, old } => self.push(relation, RowChangeCells::Delete(&old))?,
            Message::Truncate { relations, .. } => {
                let names: Vec<String> = relations
                    .iter()
                    .filter_map(|r| self.relations.get(*r))
                    .map(|r| format!("{}.{}", r.namespace, r.name))
                    .collect();
                if let (Some(t), Some(first)) = (self.txn.as_mut().filter(|t| !t.held), names.first()) {
                    t.changes.clear();
                    let schema = first.split('.').next().unwrap_or_default().to_string();
                    self.buf.push_back(ChangeEvent::Ddl {
                        database: schema,
                        statement: format!("TRUNCATE TABLE {}", names.join(", ")),
                        end: Position::PgLsn { lsn: self.done },
                        ts: t.ts,
                    });
                }
            }
            Message::Commit { end_lsn, .. } => {
                if let Some(t) = self.txn.take()
                    && end_lsn > self.done
                {
                    self.done = end_lsn;
                    if self.copied.as_ref().is_some_and(|c| snapshot::passed(c, end_lsn)) {
                        // Past every commit the copy holds.
                        self.copied = None;
                    }
                    let end = Position::PgLsn { lsn: end_lsn };
                    if let Some(sent_ms) = t.heartbeat.filter(|_| t.changes.is_empty()) {
                        self.buf.push_back(ChangeEvent::Heartbeat { sent_ms, end });
                    } else {
                        self.buf.push_back(ChangeEvent::Txn {
                            changes: t.changes,
                            end,
                            ts: t.ts,
                            marked: t.marked,
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn push(&mut self, relation: u32, cells: RowChangeCells<'_>) -> Result<()> {
        let Some(ch) = self.row_change(relation, cells)? else {
            return Ok(());
        };
        let Some(t) = self.txn.as_mut() else {
            return Err(anyhow!("a row change arrived outside a transaction"));
        };
        if t.held
            || self
                .copied_tables
                .get(&ch.table)
                .is_some_and(|s| snapshot::holds(s, t.xid, t.commit_lsn))
        {
            return Ok(());
        }
        if self.markers.contains(&ch.table) {
            t.marked = true;
            return Ok(());
        }
        if ch.table == self.heartbeat {
            if let RowOp::Insert { after } | RowOp::Update { after, .. } = &ch.op
                && after.first() == Some(&Value::Bytes(self.project.as_bytes().to_vec()))
                && let Some(Value::Int(ms)) = after.get(1)
            {
                t.heartbeat = Some((*ms).max(0) as u64);
            }
            return Ok(());
        }
        t.changes.push(ch);
        Ok(())
    }

    /// One peek; returns how many transactions it held in all.
    async fn peek(&mut self) -> Result<usize> {
        let q = format!(
            "SELECT data FROM pg_logical_slot_peek_binary_changes({}, NULL, {PEEK_CHANGES}, \
             'proto_version', '1', 'publication_names', {})",
            sql::string(&self.name),
            sql::string(&self.name)
        );
        let rows = self
            .client
            .query(&q, &[])
            .await
            .map_err(|e| classify(e, &self.endpoint))?;
        let mut commits = 0;
        self.txn = None;
        for r in rows {
            let data: &[u8] = r.get(0);
            let m = pgoutput::decode(data).map_err(|e| anyhow!("decoding the source's change stream: {e}"))?;
            if matches!(m, Message::Commit { .. }) {
                commits += 1;
            }
            self.handle(m)?;
        }
        Ok(commits)
    }
}

enum RowChangeCells<'a> {
    Insert(&'a [Cell]),
    Update(Option<&'a OldTuple>, &'a [Cell]),
    Delete(&'a OldTuple),
}

#[async_trait]
impl ChangeStream for PgChanges {
    async fn next(&mut self) -> Result<Option<ChangeEvent>> {
        loop {
            if let Some(ev) = self.buf.pop_front() {
                return Ok(Some(ev));
            }
            let before = self.done;
            let held = self.peek().await?;
            if !self.buf.is_empty() {
                continue;
            }
            if held > 0 && self.done == before && self.advanced < self.done {
                // Everything peeked was handed out but is not committed yet: let the batch
                // commit (which advances the slot) before peeking further.
                return Ok(Some(ChangeEvent::Idle {
                    end: Position::PgLsn { lsn: self.done },
                }));
            }
            if self.non_blocking {
                return Ok(None);
            }
            if self.last_idle.elapsed() >= Duration::from_secs(1) {
                self.last_idle = Instant::now();
                return Ok(Some(ChangeEvent::Idle {
                    end: Position::PgLsn { lsn: self.done },
                }));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn committed(&mut self, position: &Position) -> Result<()> {
        match position.lsn() {
            Some(lsn) => self.advance(lsn).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_names_are_plain_identifiers() {
        assert_eq!(capture_name("Orders-Online"), "omsctl_orders_online");
        assert!(capture_name(&"x".repeat(100)).len() <= 63);
    }

    #[test]
    fn booleans_and_unchanged_values_convert() {
        assert_eq!(value(&Cell::Text(b"t".to_vec()), 16).unwrap(), Value::Int(1));
        assert_eq!(
            value(&Cell::Text(b"12.50".to_vec()), 1700).unwrap(),
            Value::Bytes(b"12.50".to_vec())
        );
        assert_eq!(value(&Cell::Unchanged, 25).unwrap(), Value::Null);
        assert!(value(&Cell::Binary(vec![1]), 25).is_err());
    }
}
