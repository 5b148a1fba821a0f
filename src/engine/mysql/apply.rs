//! Replaying row changes on a MySQL-family target, one transaction per batch together with the
//! checkpoint row: what is in the target is exactly what the checkpoint says was applied.

use super::conn::classify;
use super::dialect;
use super::values::to_mysql;
use crate::config::Endpoint;
use crate::engine::{Applier, ApplyBatch, ApplyStats, Conflict, TableSpec};
use crate::model::change::RowOp;
use crate::model::value::Value;
use anyhow::Result;
use async_trait::async_trait;
use mysql_async::prelude::*;
use mysql_async::{Conn, Params};

pub struct MysqlApplier {
    pub conn: Conn,
    pub endpoint: Endpoint,
    pub meta_db: String,
}

/// The table of parallel workers' high-water marks, next to `incr_position`.
pub const WORKERS_TABLE: &str = "incr_workers";

/// ER_DUP_ENTRY.
const DUP_ENTRY: u16 = 1062;

fn params(values: impl Iterator<Item = mysql_async::Value>) -> Params {
    Params::Positional(values.collect())
}

fn conflict(spec: &TableSpec, kind: &'static str, row: &[Value]) -> Conflict {
    let key = if spec.key.is_empty() {
        row.to_vec()
    } else {
        spec.key_of(row)
    };
    Conflict {
        table: spec.id.key(),
        kind,
        key: key.iter().map(Value::display).collect(),
    }
}

impl MysqlApplier {
    async fn exec(&mut self, sql: &str, p: Params) -> Result<u64> {
        let ep = &self.endpoint;
        self.conn.exec_drop(sql, p).await.map_err(|e| classify(e, ep))?;
        Ok(self.conn.affected_rows())
    }

    /// Makes the row exist as given. `replace`: also remove rows that hold one of its unique
    /// values (REPLACE), which replay needs where it may run ahead of the target's state.
    async fn upsert(&mut self, spec: &TableSpec, row: &[Value], replace: bool) -> Result<u64> {
        let sql = if replace && !spec.unique.is_empty() {
            dialect::upsert_one(spec)
        } else {
            dialect::upsert(spec)
        };
        self.exec(&sql, params(row.iter().map(to_mysql))).await
    }

    async fn delete(&mut self, spec: &TableSpec, before: &[Value]) -> Result<u64> {
        let p = if spec.key.is_empty() {
            params(before.iter().map(to_mysql))
        } else {
            params(spec.key_of(before).iter().map(to_mysql))
        };
        self.exec(&dialect::delete_one(spec), p).await
    }

    async fn insert(&mut self, spec: &TableSpec, after: &[Value], safe: bool, stats: &mut ApplyStats) -> Result<()> {
        if safe && !spec.key.is_empty() {
            self.upsert(spec, after, true).await?;
            return Ok(());
        }
        let sql = dialect::insert_one(spec);
        let ep = &self.endpoint;
        match self.conn.exec_drop(&sql, params(after.iter().map(to_mysql))).await {
            Ok(()) => Ok(()),
            Err(mysql_async::Error::Server(s)) if s.code == DUP_ENTRY && !spec.key.is_empty() => {
                stats.conflicts.push(conflict(spec, "duplicate_key", after));
                self.upsert(spec, after, true).await?;
                Ok(())
            }
            Err(e) => Err(classify(e, ep)),
        }
    }

    async fn apply_op(&mut self, spec: &TableSpec, op: &RowOp, safe: bool, stats: &mut ApplyStats) -> Result<()> {
        match op {
            RowOp::Insert { after } => self.insert(spec, after, safe, stats).await,
            RowOp::Delete { before } => {
                if self.delete(spec, before).await? == 0 && !safe {
                    stats.conflicts.push(conflict(spec, "missing_row", before));
                }
                Ok(())
            }
            RowOp::Update { before, after } if spec.key.is_empty() => {
                let p = params(after.iter().chain(before.iter()).map(to_mysql));
                if self.exec(&dialect::update_keyless(spec), p).await? == 0 {
                    // No row matched the old values: make the new row exist.
                    if !safe {
                        stats.conflicts.push(conflict(spec, "missing_row", before));
                    }
                    self.exec(&dialect::insert_one(spec), params(after.iter().map(to_mysql)))
                        .await?;
                }
                Ok(())
            }
            RowOp::Update { before, after } => {
                if spec.key_of(before) != spec.key_of(after) {
                    // The key changed: move the row, so that columns the change does not carry
                    // (a PostgreSQL TOAST value that did not change) keep their value.
                    let p = params(after.iter().chain(spec.key_of(before).iter()).map(to_mysql));
                    match self.conn.exec_drop(dialect::update_by_key(spec), p).await {
                        Ok(()) if self.conn.affected_rows() > 0 => return Ok(()),
                        Ok(()) => {}
                        // The new key is taken: fall through to delete and upsert.
                        Err(mysql_async::Error::Server(s)) if s.code == DUP_ENTRY => {}
                        Err(e) => return Err(classify(e, &self.endpoint)),
                    }
                    // Remove the old row (if any), then write the new one.
                    if self.delete(spec, before).await? == 0 && !safe {
                        stats.conflicts.push(conflict(spec, "missing_row", before));
                    }
                    self.insert(spec, after, safe, stats).await
                } else {
                    // affected rows: 1 inserted (the row was missing), 2 updated, 0 unchanged.
                    // (REPLACE counts 1 for a new row too, 2 or more when it replaced rows.)
                    if self.upsert(spec, after, safe).await? == 1 && !safe {
                        stats.conflicts.push(conflict(spec, "missing_row", before));
                    }
                    Ok(())
                }
            }
        }
    }
}

/// What a run of consecutive changes to one keyed table has in common, so that it can be
/// applied with one statement: inserts, updates that keep the key, or deletes.
#[derive(PartialEq, Clone, Copy)]
enum GroupKind {
    Insert,
    Update,
    Delete,
}

fn group_kind(spec: &TableSpec, op: &RowOp) -> Option<GroupKind> {
    if spec.key.is_empty() {
        return None;
    }
    match op {
        RowOp::Insert { .. } => Some(GroupKind::Insert),
        RowOp::Update { before, after } if spec.key_of(before) == spec.key_of(after) => Some(GroupKind::Update),
        RowOp::Update { .. } => None,
        RowOp::Delete { .. } => Some(GroupKind::Delete),
    }
}

/// Rows per multi-row statement: bounded by the protocol's 65,535 placeholders.
fn group_limit(spec: &TableSpec) -> usize {
    (65_535 / spec.columns.len().max(1)).clamp(1, 500)
}

impl MysqlApplier {
    /// Applies the longest run of same-kind changes to one keyed table at the head of
    /// `changes` with one or two statements (order within the run is kept: the server applies
    /// multi-row statements row by row); anything else one by one. Returns how many changes
    /// it consumed.
    async fn apply_group(
        &mut self,
        changes: &[crate::engine::TargetChange],
        safe: bool,
        stats: &mut ApplyStats,
    ) -> Result<usize> {
        let first = &changes[0];
        let Some(kind) = group_kind(&first.spec, &first.op) else {
            self.apply_op(&first.spec, &first.op, safe, stats).await?;
            return Ok(1);
        };
        let limit = group_limit(&first.spec);
        let n = changes
            .iter()
            .take(limit)
            .take_while(|c| std::sync::Arc::ptr_eq(&c.spec, &first.spec) && group_kind(&c.spec, &c.op) == Some(kind))
            .count();
        if n == 1 {
            self.apply_op(&first.spec, &first.op, safe, stats).await?;
            return Ok(1);
        }
        let spec = &first.spec;
        let group = &changes[..n];
        let rows: Vec<&[Value]> = group
            .iter()
            .map(|c| match &c.op {
                RowOp::Insert { after } | RowOp::Update { after, .. } => after.as_slice(),
                RowOp::Delete { before } => before.as_slice(),
            })
            .collect();
        match kind {
            GroupKind::Insert if !safe => {
                let sql = dialect::insert(spec, n);
                let p = params(rows.iter().flat_map(|r| r.iter().map(to_mysql)));
                match self.conn.exec_drop(&sql, p).await {
                    Ok(()) => {}
                    // Someone else's row is in the way: find out which, one by one.
                    Err(mysql_async::Error::Server(s)) if s.code == DUP_ENTRY => {
                        for c in group {
                            self.apply_op(spec, &c.op, safe, stats).await?;
                        }
                    }
                    Err(e) => return Err(classify(e, &self.endpoint)),
                }
            }
            GroupKind::Insert | GroupKind::Update => {
                if !safe {
                    // Rows an update expects but the target lacks are conflicts.
                    let keys: Vec<Vec<Value>> = rows.iter().map(|r| spec.key_of(r)).collect();
                    for k in self.missing_keys(spec, &keys).await? {
                        stats.conflicts.push(conflict(spec, "missing_row", &k_row(spec, &k)));
                    }
                }
                // In safe mode a row's unique value may still sit on a row that a later change
                // moves away: REPLACE removes it (that later change restores it).
                let sql = if safe && !spec.unique.is_empty() {
                    dialect::replace_rows(spec, n)
                } else {
                    dialect::upsert_rows(spec, n)
                };
                self.exec(&sql, params(rows.iter().flat_map(|r| r.iter().map(to_mysql))))
                    .await?;
            }
            GroupKind::Delete => {
                let keys: Vec<Vec<Value>> = rows.iter().map(|r| spec.key_of(r)).collect();
                if !safe {
                    for k in self.missing_keys(spec, &keys).await? {
                        stats.conflicts.push(conflict(spec, "missing_row", &k_row(spec, &k)));
                    }
                }
                let sql = dialect::delete_keys(spec, n);
                self.exec(&sql, params(keys.iter().flat_map(|k| k.iter().map(to_mysql))))
                    .await?;
            }
        }
        Ok(n)
    }

    /// The keys among `keys` that the target does not hold.
    async fn missing_keys(&mut self, spec: &TableSpec, keys: &[Vec<Value>]) -> Result<Vec<Vec<Value>>> {
        let sql = dialect::existing_keys(spec, keys.len());
        let p = params(keys.iter().flat_map(|k| k.iter().map(to_mysql)));
        let ep = &self.endpoint;
        let found: Vec<mysql_async::Row> = self.conn.exec(sql, p).await.map_err(|e| classify(e, ep))?;
        let kinds: Vec<_> = spec.key.iter().map(|&i| spec.kinds[i]).collect();
        let have: std::collections::HashSet<Vec<u8>> = found
            .into_iter()
            .map(|r| crate::model::value::canonical_row(&super::values::row(r), &kinds))
            .collect();
        let mut seen = std::collections::HashSet::new();
        Ok(keys
            .iter()
            .filter(|k| {
                let c = crate::model::value::canonical_row(k, &kinds);
                !have.contains(&c) && seen.insert(c)
            })
            .cloned()
            .collect())
    }
}

/// A row holding only `key` in the key positions, for conflict reports.
fn k_row(spec: &TableSpec, key: &[Value]) -> Vec<Value> {
    let mut row = vec![Value::Null; spec.columns.len()];
    for (v, &i) in key.iter().zip(&spec.key) {
        row[i] = v.clone();
    }
    row
}

#[async_trait]
impl Applier for MysqlApplier {
    async fn apply(&mut self, batch: &ApplyBatch<'_>) -> Result<ApplyStats> {
        let mut stats = ApplyStats::default();
        let ep = self.endpoint.clone();
        self.conn
            .query_drop("START TRANSACTION")
            .await
            .map_err(|e| classify(e, &ep))?;
        let result: Result<()> = async {
            let mut i = 0;
            while i < batch.changes.len() {
                let n = self.apply_group(&batch.changes[i..], batch.safe, &mut stats).await?;
                i += n;
            }
            let (file, pos) = batch.checkpoint.to_file_pos();
            let pos = &pos;
            let meta = dialect::quote(&self.meta_db);
            let (sql, p) = match batch.worker {
                None => (
                    format!("REPLACE INTO {meta}.`incr_position` (project, file, pos) VALUES (?, ?, ?)"),
                    vec![batch.project.into(), file.as_str().into(), (*pos).into()],
                ),
                Some(w) => (
                    format!(
                        "REPLACE INTO {meta}.{} (project, worker, file, pos) VALUES (?, ?, ?, ?)",
                        dialect::quote(WORKERS_TABLE)
                    ),
                    vec![batch.project.into(), w.into(), file.as_str().into(), (*pos).into()],
                ),
            };
            self.exec(&sql, Params::Positional(p)).await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                self.conn.query_drop("COMMIT").await.map_err(|e| classify(e, &ep))?;
                Ok(stats)
            }
            Err(e) => {
                let _ = self.conn.query_drop("ROLLBACK").await;
                Err(e)
            }
        }
    }
}
