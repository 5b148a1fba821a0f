//! Reading ranges (streamed text rows) and writing chunks (`COPY FROM STDIN` in one
//! transaction with the chunk's fence row) on PostgreSQL.

use super::conn::classify;
use super::{sql, types};
use crate::config::{Endpoint, NonEmptyTarget};
use crate::engine::{Checksum, ChecksumKind, ChunkStats, ChunkWrite, Reader, RowBatch, TableSpec, Writer};
use crate::model::catalog::TableId;
use crate::model::range::KeyRange;
use crate::model::value::{Row, Value};
use anyhow::{Context, Result, anyhow};
use async_trait::async_trait;
use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt, pin_mut};
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio_postgres::Client;

/// Native type names of a table's columns (`boolean` and `money` read differently).
pub async fn native_types(c: &Client, id: &TableId, ep: &Endpoint) -> Result<HashMap<String, String>> {
    let rows = c
        .query(
            "SELECT a.attname::text, format_type(COALESCE(NULLIF(t.typbasetype, 0), t.oid), NULL) \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             WHERE a.attrelid = ($1 || '.' || $2)::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            &[&sql::ident(&id.database), &sql::ident(&id.name)],
        )
        .await
        .map_err(|e| classify(e, ep))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Rows per batch are capped by bytes too, so that LOB tables do not fill memory.
const BATCH_BYTES: usize = 8 << 20;

pub struct PgReader {
    pub client: Client,
    pub endpoint: Endpoint,
    types: HashMap<TableId, Vec<String>>,
}

impl PgReader {
    pub fn new(client: Client, endpoint: Endpoint) -> Self {
        PgReader {
            client,
            endpoint,
            types: HashMap::new(),
        }
    }

    async fn native(&mut self, spec: &TableSpec) -> Result<Vec<String>> {
        if let Some(t) = self.types.get(&spec.id) {
            return Ok(t.clone());
        }
        let by_name = native_types(&self.client, &spec.id, &self.endpoint).await?;
        let t: Vec<String> = spec
            .columns
            .iter()
            .map(|c| by_name.get(c).cloned().unwrap_or_default())
            .collect();
        self.types.insert(spec.id.clone(), t.clone());
        Ok(t)
    }

    /// Streams the rows of `range`, parsed, to `each` (awaited per row, so a slow consumer
    /// holds the server back instead of filling memory).
    async fn rows(&mut self, spec: &TableSpec, range: &KeyRange) -> Result<tokio_postgres::RowStream> {
        let native = self.native(spec).await?;
        let q = sql::select_range(spec, &native, range).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        self.client
            .query_raw(&q, std::iter::empty::<&str>())
            .await
            .map_err(|e| classify(e, &self.endpoint))
    }
}

fn parse_row(spec: &TableSpec, r: &tokio_postgres::Row) -> Result<Row> {
    let mut row = Vec::with_capacity(spec.columns.len());
    for (i, k) in spec.kinds.iter().enumerate() {
        let text: Option<&str> = r.try_get(i).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        row.push(types::parse(text, *k).map_err(|e| anyhow!("{}.{}: {e}", spec.id, spec.columns[i]))?);
    }
    Ok(row)
}

#[async_trait]
impl Reader for PgReader {
    async fn read_range(
        &mut self,
        spec: &TableSpec,
        range: &KeyRange,
        batch_rows: usize,
        tx: &mpsc::Sender<RowBatch>,
    ) -> Result<()> {
        let rows = self.rows(spec, range).await?;
        pin_mut!(rows);
        let mut batch = RowBatch::default();
        while let Some(r) = rows.next().await {
            let row = parse_row(spec, &r.map_err(|e| classify(e, &self.endpoint))?)?;
            batch.bytes += row.iter().map(Value::size).sum::<usize>();
            batch.rows.push(row);
            if (batch.rows.len() >= batch_rows || batch.bytes >= BATCH_BYTES)
                && tx.send(std::mem::take(&mut batch)).await.is_err()
            {
                return Ok(());
            }
        }
        batch.end = true;
        let _ = tx.send(batch).await;
        Ok(())
    }

    async fn read_rows(&mut self, spec: &TableSpec, range: &KeyRange) -> Result<Vec<Row>> {
        let rows = self.rows(spec, range).await?;
        pin_mut!(rows);
        let mut out = Vec::new();
        while let Some(r) = rows.next().await {
            out.push(parse_row(spec, &r.map_err(|e| classify(e, &self.endpoint))?)?);
        }
        Ok(out)
    }

    async fn checksum(&mut self, spec: &TableSpec, range: &KeyRange, kind: ChecksumKind) -> Result<Checksum> {
        if kind != ChecksumKind::Md5 {
            return Err(anyhow!("{}: PostgreSQL computes no {kind:?} checksum", spec.id));
        }
        let native = self.native(spec).await?;
        let q = sql::checksum(spec, &native, range).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        let r = self
            .client
            .query_one(&q, &[])
            .await
            .map_err(|e| classify(e, &self.endpoint))?;
        Ok(Checksum {
            rows: r.get::<_, i64>(0).max(0) as u64,
            sum: r.get(1),
        })
    }
}

/// Escapes one COPY text field.
fn push_field(out: &mut BytesMut, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.put_slice(b"\\\\"),
            b'\t' => out.put_slice(b"\\t"),
            b'\n' => out.put_slice(b"\\n"),
            b'\r' => out.put_slice(b"\\r"),
            _ => out.put_u8(b),
        }
    }
}

/// Appends one row as a COPY text line.
pub fn copy_line(spec: &TableSpec, row: &[Value], out: &mut BytesMut, scratch: &mut String) -> Result<(), String> {
    for (i, (v, k)) in row.iter().zip(&spec.kinds).enumerate() {
        if i > 0 {
            out.put_u8(b'\t');
        }
        if *v == Value::Null {
            out.put_slice(b"\\N");
            continue;
        }
        scratch.clear();
        types::render(v, *k, scratch).map_err(|e| format!("column {}: {e}", spec.columns[i]))?;
        push_field(out, scratch);
    }
    out.put_u8(b'\n');
    Ok(())
}

pub struct PgWriter {
    pub client: Client,
    pub endpoint: Endpoint,
    pub meta: String,
}

impl PgWriter {
    async fn run(&mut self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .await
            .map_err(|e| classify(e, &self.endpoint))
    }

    async fn copy_chunk(&mut self, job: &ChunkWrite<'_>, rx: &mut mpsc::Receiver<RowBatch>) -> Result<ChunkStats> {
        let spec = job.spec;
        let mut stats = ChunkStats::default();
        let ignore = job.on_nonempty == NonEmptyTarget::Ignore;
        let copy = if ignore {
            // Rows go to a staging table first, so that rows already there can be kept.
            self.run(&sql::create_stage(spec)).await?;
            sql::copy_into_stage(spec)
        } else {
            sql::copy_in(spec)
        };
        let sink = self
            .client
            .copy_in::<_, Bytes>(&copy)
            .await
            .map_err(|e| classify(e, &self.endpoint))?;
        pin_mut!(sink);
        let mut scratch = String::new();
        let mut saw_end = false;
        while let Some(batch) = rx.recv().await {
            let mut buf = BytesMut::with_capacity(batch.bytes + batch.rows.len() * 8);
            for row in &batch.rows {
                copy_line(spec, row, &mut buf, &mut scratch).map_err(|e| {
                    crate::error::classified(
                        crate::error::Kind::Environment,
                        format!(
                            "{}: a row with key {:?} cannot be written: {e}",
                            spec.id,
                            spec.key_of(row)
                        ),
                        "fix the row on the source, or exclude the column ([tables.\"db.t\"] exclude_columns)",
                    )
                })?;
            }
            stats.rows += batch.rows.len() as u64;
            stats.bytes += batch.bytes as u64;
            if !buf.is_empty() {
                sink.send(buf.freeze()).await.map_err(|e| classify(e, &self.endpoint))?;
            }
            if batch.end {
                saw_end = true;
                break;
            }
        }
        if !saw_end {
            anyhow::bail!("the reader of {} stopped before the end of its range", spec.id);
        }
        sink.finish().await.map_err(|e| classify(e, &self.endpoint))?;
        if ignore {
            let kept = self
                .client
                .query(&sql::insert_from_stage(spec), &[])
                .await
                .map_err(|e| classify(e, &self.endpoint))?;
            for r in &kept {
                let key = spec
                    .key
                    .iter()
                    .enumerate()
                    .map(|(j, &i)| types::parse(r.get(j), spec.kinds[i]).map_err(|e| anyhow!("{}: {e}", spec.id)))
                    .collect::<Result<Vec<Value>>>()?;
                stats.conflicts.push(key);
            }
            stats.rows -= kept.len() as u64;
        }
        Ok(stats)
    }
}

#[async_trait]
impl Writer for PgWriter {
    async fn write_chunk(&mut self, job: ChunkWrite<'_>, mut rx: mpsc::Receiver<RowBatch>) -> Result<ChunkStats> {
        self.run("BEGIN").await?;
        let copied = self.copy_chunk(&job, &mut rx).await;
        let stats = match copied {
            Ok(s) => s,
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK").await;
                return Err(e);
            }
        };
        let fence = format!(
            "INSERT INTO {}.full_chunks (project, tbl, chunk, rows_copied) VALUES ({}, {}, {}, {})",
            sql::ident(&self.meta),
            sql::string(&job.fence.project),
            sql::string(&job.fence.table),
            job.fence.chunk,
            stats.rows
        );
        if let Err(e) = self.run(&fence).await {
            let _ = self.client.batch_execute("ROLLBACK").await;
            return Err(e).context("recording the chunk's fence row");
        }
        self.run("COMMIT").await?;
        Ok(stats)
    }

    async fn repair(&mut self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Result<()> {
        let mut stmts = vec!["BEGIN".to_string()];
        for r in deletes {
            stmts.push(sql::delete_one(spec, r).map_err(|e| anyhow!("{}: {e}", spec.id))?);
        }
        for r in upserts {
            stmts.push(sql::upsert(spec, r, false).map_err(|e| anyhow!("{}: {e}", spec.id))?);
        }
        stmts.push("COMMIT".into());
        let all = stmts.join(";\n");
        if let Err(e) = self.run(&all).await {
            let _ = self.client.batch_execute("ROLLBACK").await;
            return Err(e);
        }
        Ok(())
    }
}
