//! Writing chunks: one transaction per chunk holding its rows and its fence row, so that a
//! chunk is on the target exactly when its fence is.

use super::conn::classify;
use super::dialect;
use super::reader::params;
use super::values::{into_mysql, to_mysql};
use crate::config::{Endpoint, NonEmptyTarget, WriteMethod};
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
    /// The server's max_allowed_packet, read at the first bulk insert.
    pub max_packet: Option<usize>,
    /// Whether this session's `sql_log_bin` is off.
    pub binlog_off: bool,
}

/// Bytes per LOAD DATA packet sent to the server.
const LOAD_CHUNK_BYTES: usize = 1 << 20;

/// The wire type of a bound value, for grouping rows into one bulk request: MariaDB's
/// COM_STMT_BULK_EXECUTE declares each parameter's type once for all its rows, so a request
/// may only hold rows whose non-NULL values agree column by column (a zero date goes as text
/// where other dates are DATETIME, say).
fn wire_type(v: &mysql_async::Value) -> Option<u8> {
    use mysql_async::Value as My;
    match v {
        My::NULL => None,
        My::Bytes(_) => Some(1),
        My::Int(_) => Some(2),
        My::UInt(_) => Some(3),
        My::Float(_) => Some(4),
        My::Double(_) => Some(5),
        My::Date(..) => Some(6),
        My::Time(..) => Some(7),
    }
}

fn row_bytes(row: &[mysql_async::Value]) -> usize {
    row.iter().map(|v| v.bin_len() as usize + 1).sum()
}

/// Splits rows into runs that one bulk request may carry: consecutive rows whose non-NULL
/// values have one wire type per column. A row bigger than `max_row_bytes` is a run of its
/// own (sent with a plain execute, which streams long values).
fn bulk_runs(rows: &[Vec<mysql_async::Value>], max_row_bytes: usize) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut start_big) = (0, false);
    let mut types: Vec<Option<u8>> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let big = row_bytes(row) > max_row_bytes;
        let joins = i > start
            && !big
            && !start_big
            && row.iter().zip(&types).all(|(v, t)| match (wire_type(v), t) {
                (Some(w), Some(t)) => w == *t,
                _ => true,
            });
        if i > start && !joins {
            runs.push(start..i);
            start = i;
        }
        if start == i {
            types = row.iter().map(wire_type).collect();
            start_big = big;
        } else {
            for (t, v) in types.iter_mut().zip(row) {
                if t.is_none() {
                    *t = wire_type(v);
                }
            }
        }
    }
    if start < rows.len() {
        runs.push(start..rows.len());
    }
    runs
}

impl MysqlWriter {
    /// Inserts rows with MariaDB's bulk execute of a one-row prepared INSERT: values travel
    /// in binary, so the server neither parses text (as LOAD DATA does byte by byte) nor SQL
    /// per row. Strict mode makes a value the column cannot hold fail the statement.
    async fn bulk_insert(&mut self, spec: &TableSpec, rows: Vec<Row>) -> Result<()> {
        let max_packet = match self.max_packet {
            Some(m) => m,
            None => {
                let ep = &self.endpoint;
                let m: Option<u64> = self
                    .conn
                    .query_first("SELECT @@max_allowed_packet")
                    .await
                    .map_err(|e| classify(e, ep))?;
                let m = m.unwrap_or(4 << 20) as usize;
                self.max_packet = Some(m);
                m
            }
        };
        let sql = dialect::insert(spec, 1);
        let values: Vec<Vec<mysql_async::Value>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(into_mysql).collect())
            .collect();
        // Half the packet leaves room for the request's header and type list.
        let runs = bulk_runs(&values, max_packet / 2);
        let mut rows = values.into_iter();
        for run in runs {
            let mut group: Vec<Params> = rows.by_ref().take(run.len()).map(Params::Positional).collect();
            let sent = if group.len() > 1 {
                self.conn.exec_batch(sql.as_str(), group).await
            } else if let Some(p) = group.pop() {
                // One row: a plain execute, which sends values above the packet size as long data.
                self.conn.exec_drop(sql.as_str(), p).await
            } else {
                Ok(())
            };
            sent.map_err(|e| classify(e, &self.endpoint))?;
        }
        Ok(())
    }

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
        if job.skip_change_log != self.binlog_off {
            let on = if job.skip_change_log { 0 } else { 1 };
            self.query(&format!("SET SESSION sql_log_bin = {on}"))
                .await
                .map_err(|e| {
                    e.context("[full] target_binlog = false: turning off the binlog of the copy's sessions")
                })?;
            self.binlog_off = job.skip_change_log;
        }
        self.query("START TRANSACTION").await?;
        let result: Result<()> = async {
            let kinds: Vec<_> = spec.key.iter().map(|&i| spec.kinds[i]).collect();
            let method = self.flavor.write_method(job.method);
            let saw_end = if job.on_nonempty == NonEmptyTarget::Stop && method == WriteMethod::LoadData {
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
                    if method == WriteMethod::Bulk {
                        self.bulk_insert(spec, rows).await?;
                    } else {
                        self.insert_rows(spec, rows, job.batch_rows).await?;
                    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use mysql_async::Value as My;

    #[test]
    fn bulk_runs_keep_one_wire_type_per_column_and_big_rows_alone() {
        let d = || My::Date(2024, 1, 2, 3, 4, 5, 0);
        let zero = || My::Bytes(b"0000-00-00 00:00:00".to_vec());
        let rows = vec![
            vec![My::Int(1), My::NULL],
            vec![My::Int(2), d()],
            vec![My::Int(3), My::NULL],
            vec![My::Int(4), zero()],
            vec![My::Int(5), zero()],
            vec![My::Int(6), My::Bytes(vec![b'x'; 100])],
            vec![My::Int(7), zero()],
        ];
        assert_eq!(bulk_runs(&rows, 50), vec![0..3, 3..5, 5..6, 6..7]);
        assert_eq!(bulk_runs(&rows, 1000), vec![0..3, 3..7]);
        assert_eq!(bulk_runs(&[], 1000), Vec::<std::ops::Range<usize>>::new());
        let mixed = vec![vec![My::Int(-1)], vec![My::UInt(u64::MAX)]];
        assert_eq!(bulk_runs(&mixed, 1000), vec![0..1, 1..2]);
    }
}
