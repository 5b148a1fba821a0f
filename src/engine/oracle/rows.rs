//! Reading ranges (as of the copy's SCN, streamed in batches) and writing chunks (array INSERT
//! and the fence row in one transaction) on Oracle.

use super::conn::{Conn, blocking, ora};
use super::{errors, logminer, sql};
use crate::config::{Endpoint, NonEmptyTarget};
use crate::engine::{Checksum, ChecksumKind, ChunkStats, ChunkWrite, Reader, RowBatch, TableSpec, Writer};
use crate::model::catalog::{TableId, ValueKind};
use crate::model::range::KeyRange;
use crate::model::value::{Row, Value};
use anyhow::{Result, anyhow};
use async_trait::async_trait;
use oracle::sql_type::ToSql;
use std::collections::HashMap;
use tokio::sync::mpsc;

/// Rows per batch are capped by bytes too, so that LOB tables do not fill memory.
const BATCH_BYTES: usize = 8 << 20;

/// (data_type, column_type) of each column of a table, from the catalog.
pub fn natives(c: &oracle::Connection, id: &TableId) -> oracle::Result<HashMap<String, (String, String)>> {
    Ok(super::catalog::columns(c, &id.database, Some(&id.name))?
        .into_iter()
        .map(|(_, col)| (col.name, (col.data_type, col.column_type)))
        .collect())
}

/// One fetched row as values: numbers and dates arrive as text in the session's formats.
pub fn fetch(r: &oracle::Row, kinds: &[ValueKind]) -> oracle::Result<Result<Row, String>> {
    let mut row = Vec::with_capacity(kinds.len());
    for (i, k) in kinds.iter().enumerate() {
        let v = match k {
            ValueKind::Binary => r.get::<usize, Option<Vec<u8>>>(i)?.map(Value::Bytes),
            ValueKind::Float => r.get::<usize, Option<f32>>(i)?.map(Value::Float),
            ValueKind::Double => r.get::<usize, Option<f64>>(i)?.map(Value::Double),
            _ => match r.get::<usize, Option<String>>(i)? {
                None => None,
                Some(text) => match logminer::to_value(&logminer::RedoValue::Str(text), *k) {
                    Ok(v) => Some(v),
                    Err(e) => return Ok(Err(format!("column {}: {e}", i + 1))),
                },
            },
        };
        row.push(v.unwrap_or(Value::Null));
    }
    Ok(Ok(row))
}

pub struct OracleReader {
    pub conn: Conn,
    pub endpoint: Endpoint,
    /// The SCN every read is as of (a copy's consistent point); `None` reads current data.
    pub scn: Option<u64>,
    types: HashMap<TableId, (Vec<String>, Vec<String>)>,
}

impl OracleReader {
    pub fn new(conn: Conn, endpoint: Endpoint, scn: Option<u64>) -> Self {
        OracleReader {
            conn,
            endpoint,
            scn,
            types: HashMap::new(),
        }
    }

    async fn native(&mut self, spec: &TableSpec) -> Result<(Vec<String>, Vec<String>)> {
        if let Some(t) = self.types.get(&spec.id) {
            return Ok(t.clone());
        }
        let (c, id) = (self.conn.clone(), spec.id.clone());
        let by_name = blocking(&self.endpoint, move || natives(&c, &id)).await?;
        let (mut n, mut t) = (Vec::new(), Vec::new());
        for col in &spec.columns {
            let (a, b) = by_name.get(col).cloned().unwrap_or_default();
            n.push(a);
            t.push(b);
        }
        self.types.insert(spec.id.clone(), (n.clone(), t.clone()));
        Ok((n, t))
    }

    /// Runs `q` and hands batches of parsed rows to `each` (on the blocking thread).
    async fn stream(
        &mut self,
        spec: &TableSpec,
        q: String,
        batch_rows: usize,
        mut each: impl FnMut(RowBatch) -> bool + Send + 'static,
    ) -> Result<()> {
        let (c, kinds, id) = (self.conn.clone(), spec.kinds.clone(), spec.id.clone());
        let parsed = blocking(&self.endpoint, move || {
            let mut stmt = c
                .statement(&q)
                .fetch_array_size(batch_rows.clamp(100, 10_000) as u32)
                .build()?;
            let mut batch = RowBatch::default();
            for r in stmt.query(&[])? {
                let row = match fetch(&r?, &kinds)? {
                    Ok(row) => row,
                    Err(e) => return Ok(Err(e)),
                };
                batch.bytes += row.iter().map(Value::size).sum::<usize>();
                batch.rows.push(row);
                if (batch.rows.len() >= batch_rows || batch.bytes >= BATCH_BYTES) && !each(std::mem::take(&mut batch)) {
                    return Ok(Ok(()));
                }
            }
            batch.end = true;
            each(batch);
            Ok(Ok(()))
        })
        .await?;
        parsed.map_err(|e| anyhow!("{id}: {e}"))
    }
}

#[async_trait]
impl Reader for OracleReader {
    async fn read_range(
        &mut self,
        spec: &TableSpec,
        range: &KeyRange,
        batch_rows: usize,
        tx: &mpsc::Sender<RowBatch>,
    ) -> Result<()> {
        let (n, _) = self.native(spec).await?;
        let q = sql::select_range(spec, &n, range, self.scn).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        let tx = tx.clone();
        // A closed channel means the writer stopped; its error is the one reported.
        self.stream(spec, q, batch_rows.max(1), move |b| tx.blocking_send(b).is_ok())
            .await
    }

    async fn read_rows(&mut self, spec: &TableSpec, range: &KeyRange) -> Result<Vec<Row>> {
        let (n, _) = self.native(spec).await?;
        let q = sql::select_range(spec, &n, range, self.scn).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = out.clone();
        self.stream(spec, q, 10_000, move |b| {
            if let Ok(mut v) = sink.lock() {
                v.extend(b.rows);
            }
            true
        })
        .await?;
        let rows = match out.lock() {
            Ok(mut v) => std::mem::take(&mut *v),
            Err(_) => return Err(anyhow!("{}: row buffer poisoned", spec.id)),
        };
        Ok(rows)
    }

    async fn checksum(&mut self, spec: &TableSpec, range: &KeyRange, kind: ChecksumKind) -> Result<Checksum> {
        if kind != ChecksumKind::Md5 {
            return Err(anyhow!("{}: Oracle computes no {kind:?} checksum", spec.id));
        }
        let (n, t) = self.native(spec).await?;
        let q = sql::checksum(spec, &n, &t, range, self.scn).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        let count_q = format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            sql::table(&spec.id),
            sql::range_where(spec, range).map_err(|e| anyhow!("{}: {e}", spec.id))?
        );
        let c = self.conn.clone();
        blocking(&self.endpoint, move || match c.query_row(&q, &[]) {
            Ok(r) => Ok(Checksum {
                rows: r.get::<usize, u64>(0)?,
                sum: r.get::<usize, String>(1)?,
            }),
            // A row text longer than a VARCHAR2 (ORA-01489) or a LOB column cannot be hashed in
            // SQL: the range is compared row by row instead, which is exact.
            Err(e) if matches!(ora(&e), Some(1489) | Some(932) | Some(22835)) => Ok(Checksum {
                rows: c.query_row(&count_q, &[])?.get::<usize, u64>(0)?,
                sum: "compare rows".into(),
            }),
            Err(e) => Err(e),
        })
        .await
    }
}

pub struct OracleWriter {
    pub conn: Conn,
    pub endpoint: Endpoint,
}

/// A value as a bind: text for everything Oracle converts implicitly (numbers in the session's
/// '.' format, dates through the TO_TIMESTAMP of [`sql::bind_expr`]), bytes for binary.
fn bind(v: &Value, kind: ValueKind) -> Box<dyn ToSql + Send> {
    match (v, kind) {
        (Value::Null, ValueKind::Binary) => Box::new(None::<Vec<u8>>),
        (Value::Null, ValueKind::Float) => Box::new(None::<f32>),
        (Value::Null, ValueKind::Double) => Box::new(None::<f64>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Bytes(b), ValueKind::Binary) => Box::new(Some(b.clone())),
        (Value::Float(f), _) => Box::new(Some(*f)),
        (Value::Double(d), _) => Box::new(Some(*d)),
        (Value::Date(y, mo, d, h, mi, s, us), _) => {
            Box::new(Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")))
        }
        (v, _) => Box::new(Some(v.display())),
    }
}

#[async_trait]
impl Writer for OracleWriter {
    async fn write_chunk(&mut self, job: ChunkWrite<'_>, mut rx: mpsc::Receiver<RowBatch>) -> Result<ChunkStats> {
        if job.on_nonempty == NonEmptyTarget::Ignore {
            return Err(crate::error::usage(
                "on_nonempty_target = \"ignore\" is not supported for an Oracle target",
                "empty the target tables, or use on_nonempty_target = \"stop\"",
            ));
        }
        let spec = job.spec.clone();
        let insert = sql::insert(&spec);
        let fence = sql::merge_meta(
            &self.endpoint.meta_database,
            "full_chunks",
            &[
                ("project", sql::string(&job.fence.project)),
                ("tbl", sql::string(&job.fence.table)),
                ("chunk", job.fence.chunk.to_string()),
            ],
            &[("rows_copied", "{ROWS}".into())],
        );
        let mut stats = ChunkStats::default();
        let mut ended = false;
        while let Some(batch) = rx.recv().await {
            ended = batch.end;
            if !batch.rows.is_empty() {
                stats.rows += batch.rows.len() as u64;
                stats.bytes += batch.bytes as u64;
                let (c, insert, spec) = (self.conn.clone(), insert.clone(), spec.clone());
                blocking(&self.endpoint, move || {
                    let mut b = c.batch(&insert, batch.rows.len().min(1000)).build()?;
                    for row in &batch.rows {
                        let binds: Vec<Box<dyn ToSql + Send>> =
                            row.iter().zip(&spec.kinds).map(|(v, k)| bind(v, *k)).collect();
                        let refs: Vec<&dyn ToSql> = binds.iter().map(|b| b.as_ref() as &dyn ToSql).collect();
                        b.append_row(&refs)?;
                    }
                    b.execute()
                })
                .await
                .inspect_err(|_| {
                    let c = self.conn.clone();
                    let _ = c.rollback();
                })?;
            }
            if ended {
                break;
            }
        }
        let c = self.conn.clone();
        if !ended {
            let _ = blocking(&self.endpoint, move || c.rollback()).await;
            return Err(anyhow!("{}: the reader stopped before the end of the chunk", spec.id));
        }
        let fence = fence.replace("{ROWS}", &stats.rows.to_string());
        blocking(&self.endpoint, move || {
            c.execute(&fence, &[])?;
            c.commit()
        })
        .await?;
        Ok(stats)
    }

    async fn repair(&mut self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Result<()> {
        let mut stmts = Vec::new();
        for r in deletes {
            stmts.push(sql::delete_one(spec, r).map_err(|e| anyhow!("{}: {e}", spec.id))?);
        }
        for r in upserts {
            stmts.push(sql::merge(spec, r).map_err(|e| anyhow!("{}: {e}", spec.id))?);
        }
        let c = self.conn.clone();
        blocking(&self.endpoint, move || {
            for s in &stmts {
                if let Err(e) = c.execute(s, &[]) {
                    let _ = c.rollback();
                    return Err(e);
                }
            }
            c.commit()
        })
        .await
    }
}

/// Whether an error is ORA-00942 (omsctl's tables not created yet).
pub fn missing_table(e: &oracle::Error) -> bool {
    ora(e) == Some(errors::NO_TABLE)
}
