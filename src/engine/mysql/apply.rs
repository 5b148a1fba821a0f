//! Replaying row changes on a MySQL-family target, one transaction per batch together with the
//! checkpoint row: what is in the target is exactly what the checkpoint says was applied.

use super::conn::classify;
use super::dialect;
use super::values::to_mysql;
use crate::config::Endpoint;
use crate::engine::{Applier, ApplyBatch, ApplyStats, Conflict, TableSpec};
use crate::model::change::RowOp;
use crate::model::position::Position;
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
        table: spec.id.to_string(),
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

    async fn upsert(&mut self, spec: &TableSpec, row: &[Value]) -> Result<u64> {
        self.exec(&dialect::upsert(spec), params(row.iter().map(to_mysql)))
            .await
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
            self.upsert(spec, after).await?;
            return Ok(());
        }
        let sql = dialect::insert_one(spec);
        let ep = &self.endpoint;
        match self.conn.exec_drop(&sql, params(after.iter().map(to_mysql))).await {
            Ok(()) => Ok(()),
            Err(mysql_async::Error::Server(s)) if s.code == DUP_ENTRY && !spec.key.is_empty() => {
                stats.conflicts.push(conflict(spec, "duplicate_key", after));
                self.upsert(spec, after).await?;
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
                    // The key changed: remove the old row, then write the new one.
                    if self.delete(spec, before).await? == 0 && !safe {
                        stats.conflicts.push(conflict(spec, "missing_row", before));
                    }
                    self.insert(spec, after, safe, stats).await
                } else {
                    // affected rows: 1 inserted (the row was missing), 2 updated, 0 unchanged.
                    if self.upsert(spec, after).await? == 1 && !safe {
                        stats.conflicts.push(conflict(spec, "missing_row", before));
                    }
                    Ok(())
                }
            }
        }
    }
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
            for ch in batch.changes {
                self.apply_op(&ch.spec, &ch.op, batch.safe, &mut stats).await?;
            }
            let Position::MysqlFile { file, pos } = batch.checkpoint;
            self.exec(
                &format!(
                    "REPLACE INTO {}.`incr_position` (project, file, pos) VALUES (?, ?, ?)",
                    dialect::quote(&self.meta_db)
                ),
                Params::Positional(vec![batch.project.into(), file.as_str().into(), (*pos).into()]),
            )
            .await?;
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
