//! Writing chunks: one transaction per chunk holding its rows and its fence row, so that a
//! chunk is on the target exactly when its fence is.

use super::conn::classify;
use super::dialect;
use super::reader::params;
use super::values::{into_mysql, to_mysql};
use crate::config::{Endpoint, NonEmptyTarget};
use crate::engine::{ChunkStats, ChunkWrite, RowBatch, TableSpec, Writer};
use crate::model::value::{Row, Value, canonical_row};
use anyhow::Result;
use async_trait::async_trait;
use mysql_async::prelude::*;
use mysql_async::{Conn, Params};
use std::collections::HashSet;
use tokio::sync::mpsc;

/// Placeholders per statement are limited to 65,535 by the protocol.
const MAX_PLACEHOLDERS: usize = 65_535;

pub struct MysqlWriter {
    pub conn: Conn,
    pub endpoint: Endpoint,
    pub meta_db: String,
    pub flavor: super::Flavor,
}

/// Bytes per LOAD DATA packet sent to the server.
const LOAD_CHUNK_BYTES: usize = 1 << 20;

impl MysqlWriter {
    async fn insert_rows(&mut self, spec: &TableSpec, rows: Vec<Row>, batch_rows: usize) -> Result<()> {
        let per_stmt = batch_rows.min(MAX_PLACEHOLDERS / spec.columns.len().max(1)).max(1);
        let mut it = rows.into_iter().peekable();
        while it.peek().is_some() {
            let group: Vec<Row> = it.by_ref().take(per_stmt).collect();
            let sql = dialect::insert(spec, group.len());
            let values: Vec<mysql_async::Value> = group.into_iter().flatten().map(into_mysql).collect();
            let ep = &self.endpoint;
            self.conn
                .exec_drop(sql, Params::Positional(values))
                .await
                .map_err(|e| classify(e, ep))?;
        }
        Ok(())
    }

    /// Keys among `rows` that the target already holds.
    async fn existing(&mut self, spec: &TableSpec, rows: &[Row]) -> Result<HashSet<Vec<u8>>> {
        let mut found = HashSet::new();
        let kinds: Vec<_> = spec.key.iter().map(|&i| spec.kinds[i]).collect();
        let per_stmt = (MAX_PLACEHOLDERS / spec.key.len().max(1)).clamp(1, 1000);
        for group in rows.chunks(per_stmt) {
            let sql = dialect::existing_keys(spec, group.len());
            let p: Vec<Value> = group.iter().flat_map(|r| spec.key_of(r)).collect();
            let ep = &self.endpoint;
            let got: Vec<mysql_async::Row> = self.conn.exec(sql, params(p)).await.map_err(|e| classify(e, ep))?;
            for r in got {
                found.insert(canonical_row(&super::values::row(r), &kinds));
            }
        }
        Ok(found)
    }

    /// Streams the chunk's rows through one `LOAD DATA LOCAL INFILE` (inside the chunk's
    /// transaction; InnoDB makes it transactional). Returns whether the reader's end marker
    /// arrived.
    async fn load_rows(
        &mut self,
        spec: &TableSpec,
        rx: &mut mpsc::Receiver<RowBatch>,
        stats: &mut ChunkStats,
    ) -> Result<bool> {
        let (btx, brx) = mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
        let stream = futures_util::stream::unfold(brx, |mut brx| async move { brx.recv().await.map(|b| (b, brx)) });
        self.conn
            .set_infile_handler(async move { Ok(futures_util::StreamExt::boxed(stream)) });
        let sql = dialect::load_data(spec);
        let ep = self.endpoint.clone();
        let conn = &mut self.conn;
        let load = async move { conn.query_drop(sql).await.map_err(|e| classify(e, &ep)) };
        let mut bad: Option<String> = None;
        let feed = async {
            let mut saw_end = false;
            let mut buf = Vec::with_capacity(LOAD_CHUNK_BYTES + 4096);
            while let Some(batch) = rx.recv().await {
                saw_end |= batch.end;
                stats.bytes += batch.bytes as u64;
                stats.rows += batch.rows.len() as u64;
                for row in &batch.rows {
                    if let Some(why) = super::values::unrepresentable(spec, row) {
                        // Fail the statement: nothing of this chunk is loaded.
                        let _ = btx.send(Err(std::io::Error::other(why.clone()))).await;
                        bad = Some(why);
                        return false;
                    }
                    super::tsv::encode_row(row, &mut buf);
                    if buf.len() >= LOAD_CHUNK_BYTES {
                        let full = std::mem::replace(&mut buf, Vec::with_capacity(LOAD_CHUNK_BYTES + 4096));
                        if btx.send(Ok(bytes::Bytes::from(full))).await.is_err() {
                            return saw_end;
                        }
                    }
                }
            }
            if !saw_end {
                // Make the server fail the statement rather than load a partial chunk.
                let _ = btx.send(Err(std::io::Error::other("source read stopped early"))).await;
                return false;
            }
            if !buf.is_empty() {
                let _ = btx.send(Ok(bytes::Bytes::from(buf))).await;
            }
            drop(btx);
            saw_end
        };
        let (loaded, saw_end) = tokio::join!(load, feed);
        if let Some(why) = bad {
            return Err(crate::error::classified(
                crate::error::Kind::Environment,
                format!("{}: {why}", spec.id),
                "change or delete the value on the source, or exclude the column ([tables.\"db.t\"] exclude_columns)",
            ));
        }
        loaded?;
        // LOAD DATA LOCAL cannot stop the client's stream, so the server turns what strict
        // mode would refuse (out-of-range numbers, over-long text) into warnings and stores
        // altered values. Any such warning fails the chunk: nothing is committed.
        if self.conn.get_warnings() > 0 {
            let ep = &self.endpoint;
            let warnings: Vec<(String, u32, String)> = self
                .conn
                .query("SHOW WARNINGS LIMIT 5")
                .await
                .map_err(|e| classify(e, ep))?;
            let altered: Vec<String> = warnings
                .into_iter()
                .filter(|(level, ..)| level != "Note")
                .map(|(_, code, msg)| format!("{msg} (warning {code})"))
                .collect();
            if !altered.is_empty() {
                return Err(crate::error::classified(
                    crate::error::Kind::Environment,
                    format!(
                        "{}: the target would store altered values, so nothing of this chunk was committed: {} (rows are counted from the chunk's first row)",
                        spec.id,
                        altered.join("; ")
                    ),
                    "widen the target column (edit its file in schema/ddl/ and `omsctl retry schema`), or change the value on the source, then re-run",
                ));
            }
        }
        Ok(saw_end)
    }

    async fn query(&mut self, sql: &str) -> Result<()> {
        let ep = &self.endpoint;
        self.conn.query_drop(sql).await.map_err(|e| classify(e, ep))
    }
}

#[async_trait]
impl Writer for MysqlWriter {
    async fn write_chunk(&mut self, job: ChunkWrite<'_>, mut rx: mpsc::Receiver<RowBatch>) -> Result<ChunkStats> {
        let spec = job.spec;
        let mut stats = ChunkStats::default();
        self.query("START TRANSACTION").await?;
        let result: Result<()> = async {
            let kinds: Vec<_> = spec.key.iter().map(|&i| spec.kinds[i]).collect();
            let saw_end = if job.on_nonempty == NonEmptyTarget::Stop && self.flavor.transactional_load_data() {
                self.load_rows(spec, &mut rx, &mut stats).await?
            } else {
                let mut saw_end = false;
                while let Some(batch) = rx.recv().await {
                    saw_end |= batch.end;
                    stats.bytes += batch.bytes as u64;
                    let mut rows = batch.rows;
                    if let Some(why) = rows.iter().find_map(|r| super::values::unrepresentable(spec, r)) {
                        return Err(crate::error::classified(
                            crate::error::Kind::Environment,
                            format!("{}: {why}", spec.id),
                            "change or delete the value on the source, or exclude the column ([tables.\"db.t\"] exclude_columns)",
                        ));
                    }
                    if job.on_nonempty == NonEmptyTarget::Ignore && !spec.key.is_empty() {
                        let existing = self.existing(spec, &rows).await?;
                        if !existing.is_empty() {
                            rows.retain(|r| {
                                let k = spec.key_of(r);
                                if existing.contains(&canonical_row(&k, &kinds)) {
                                    stats.conflicts.push(k);
                                    false
                                } else {
                                    true
                                }
                            });
                        }
                    }
                    stats.rows += rows.len() as u64;
                    self.insert_rows(spec, rows, job.batch_rows).await?;
                }
                saw_end
            };
            if !saw_end {
                anyhow::bail!("reading the chunk from the source stopped early; the chunk was rolled back");
            }
            let fence = format!(
                "REPLACE INTO {}.`full_chunks` (project, tbl, chunk, rows_copied) VALUES (?, ?, ?, ?)",
                dialect::quote(&self.meta_db)
            );
            let ep = &self.endpoint;
            self.conn
                .exec_drop(
                    fence,
                    (
                        job.fence.project.clone(),
                        job.fence.table.clone(),
                        job.fence.chunk,
                        stats.rows,
                    ),
                )
                .await
                .map_err(|e| classify(e, ep))?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                self.query("COMMIT").await?;
                Ok(stats)
            }
            Err(e) => {
                let _ = self.conn.query_drop("ROLLBACK").await;
                Err(e)
            }
        }
    }

    async fn repair(&mut self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Result<()> {
        self.query("START TRANSACTION").await?;
        let result: Result<()> = async {
            let del = dialect::delete_one(spec);
            for row in deletes {
                let p: Vec<mysql_async::Value> = if spec.key.is_empty() {
                    row.iter().map(to_mysql).collect()
                } else {
                    spec.key_of(row).iter().map(to_mysql).collect()
                };
                let ep = &self.endpoint;
                self.conn
                    .exec_drop(&del, Params::Positional(p))
                    .await
                    .map_err(|e| classify(e, ep))?;
            }
            let up = dialect::upsert_one(spec);
            for row in upserts {
                let p: Vec<mysql_async::Value> = row.iter().map(to_mysql).collect();
                let ep = &self.endpoint;
                self.conn
                    .exec_drop(&up, Params::Positional(p))
                    .await
                    .map_err(|e| classify(e, ep))?;
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => self.query("COMMIT").await,
            Err(e) => {
                let _ = self.conn.query_drop("ROLLBACK").await;
                Err(e)
            }
        }
    }
}
